//! The N-1 hosting-capacity screen on the CPU, in f64: for every bus, the smallest over all
//! cases (the base case and every credible single outage) and all branches of the new load
//! that brings the branch to its rating; the GPU stage (`crate::gpu::screen`,
//! `shaders/screen.wgsl`) computes the same minimum and is checked against this one.
//!
//! For bus `i`, case `c` (outage of one circuit of branch `k_c`; `c = 0` is the base case with
//! `D = 0`) and branch `l`, a new load ΔP at `i` met by the participating plants moves the
//! flow on `l` by `ΔP · σ`, with `σ = s_i[l] + D_c[l] · s_i[k_c]` and `s_i[l]` the flow on `l`
//! per MW of that transfer. The constraint binds at
//! - `ΔP = up_c[l] / σ` if `σ > 0` (room `up = R − f` before the flow reaches `+R`),
//! - `ΔP = down_c[l] / (−σ)` if `σ < 0` (room `down = R + f` before it reaches `−R`).
//!
//! Only constraints the new load moves by at least [`DFAX_CUTOFF`] of its size count
//! (`|σ| >= 0.05`): the distribution-factor cutoff of interconnection studies, which keeps a
//! remote branch that a load hardly touches from deciding its hosting capacity. A constraint
//! already violated before any new load (room <= 0) is stored as [`NO_ROOM`] and skipped:
//! the snapshot's own overloads are reported separately, and the hosting capacity is the load
//! that creates no *new* violation. The answer is capped at the participating plants' spare
//! capacity.
//!
//! Invariants: deterministic (each bus is independent; ties go to the lowest case, then the
//! lowest branch); threads own contiguous blocks of buses; the loop reads each case's rows once
//! per block of [`BLOCK`] buses, so they stay in cache. Units: MW, MW per MW.

/// Smallest distribution factor (MW on the branch per MW of new load) of a constraint that
/// counts. Interconnection studies count a constraint only when the new resource's
/// distribution factor reaches a cutoff (MISO: 20 % for energy-resource service, lowered to
/// 10 % in 2023); 5 % is used here, a stricter screen than either.
pub const DFAX_CUTOFF: f64 = 0.05;
/// Room stored for a constraint that is absent or already violated.
pub const NO_ROOM: f64 = -1.0;
/// `u32::MAX`: no case or branch (the cap binds).
pub const NONE: u32 = u32::MAX;
/// Buses screened together against each case's rows.
pub const BLOCK: usize = 16;

pub use crate::gpu::screen::{Cases, SnapshotScreen};

/// The binding constraint of one bus.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Candidate {
    pub value_mw: f64,
    pub case: u32,
    pub branch: u32,
}

impl Candidate {
    pub fn cap(cap_mw: f64) -> Self {
        Candidate {
            value_mw: cap_mw,
            case: NONE,
            branch: NONE,
        }
    }
}

/// The load at `bus` that brings `branch` to its rating in `case`, in f64; `None` when that
/// constraint cannot bind (skipped, or the flow does not move toward its limit).
pub fn constraint_mw(
    cases: &Cases,
    snap: &SnapshotScreen,
    bus: usize,
    case: usize,
    branch: usize,
) -> Option<f64> {
    let m = cases.branches;
    let s = &snap.s[bus * m..(bus + 1) * m];
    let sk = match cases.outaged[case] {
        NONE => 0.0,
        k => s[k as usize],
    };
    let sigma = s[branch] + cases.d[case * m + branch] * sk;
    let room = if sigma > 0.0 {
        snap.up[case * m + branch]
    } else {
        snap.down[case * m + branch]
    };
    (room > 0.0 && sigma.abs() >= DFAX_CUTOFF).then(|| room / sigma.abs())
}

/// Constraints are scanned in blocks of this many consecutive branches.
const LANES: usize = 8;

/// Per-block bounds that let the scan skip a block of constraints no member of which can
/// beat the current minimum: a candidate is `room / |σ|` with `room >= room_min` and
/// `|σ| <= s_max + d_max · |s_k|`.
struct Bounds {
    blocks: usize,
    /// `cases × blocks`: smallest positive room of the block (∞ if none).
    room_min: Vec<f64>,
    /// `cases × blocks`: largest |D| of the block.
    d_max: Vec<f64>,
    /// `buses × blocks`: largest |s| of the block.
    s_max: Vec<f64>,
}

impl Bounds {
    fn new(cases: &Cases, snap: &SnapshotScreen) -> Bounds {
        let m = cases.branches;
        let blocks = m / LANES;
        let mut room_min = vec![f64::INFINITY; cases.cases * blocks];
        let mut d_max = vec![0.0f64; cases.cases * blocks];
        for c in 0..cases.cases {
            for b in 0..blocks {
                for l in b * LANES..(b + 1) * LANES {
                    for room in [snap.up[c * m + l], snap.down[c * m + l]] {
                        if room > 0.0 {
                            room_min[c * blocks + b] = room_min[c * blocks + b].min(room);
                        }
                    }
                    d_max[c * blocks + b] = d_max[c * blocks + b].max(cases.d[c * m + l].abs());
                }
            }
        }
        let mut s_max = vec![0.0f64; snap.buses * blocks];
        for i in 0..snap.buses {
            for b in 0..blocks {
                for l in b * LANES..(b + 1) * LANES {
                    s_max[i * blocks + b] = s_max[i * blocks + b].max(snap.s[i * m + l].abs());
                }
            }
        }
        Bounds {
            blocks,
            room_min,
            d_max,
            s_max,
        }
    }
}

/// The binding constraint of every bus, on `threads` threads.
pub fn screen(cases: &Cases, snap: &SnapshotScreen, threads: usize) -> Vec<Candidate> {
    let n = snap.buses;
    let bounds = Bounds::new(cases, snap);
    let mut out = vec![Candidate::cap(snap.cap_mw); n];
    let threads = threads.clamp(1, n.max(1));
    let per = n.div_ceil(threads).max(1);
    std::thread::scope(|scope| {
        for (t, chunk) in out.chunks_mut(per).enumerate() {
            let bounds = &bounds;
            scope.spawn(move || screen_range(cases, snap, bounds, t * per, chunk));
        }
    });
    out
}

/// The binding constraint of one bus (the same scan as [`screen`]).
pub fn screen_bus(cases: &Cases, snap: &SnapshotScreen, bus: usize) -> Candidate {
    let bounds = Bounds::new(cases, snap);
    let mut out = [Candidate::cap(snap.cap_mw)];
    screen_range(cases, snap, &bounds, bus, &mut out);
    out[0]
}

fn screen_range(
    cases: &Cases,
    snap: &SnapshotScreen,
    bounds: &Bounds,
    first_bus: usize,
    out: &mut [Candidate],
) {
    let m = cases.branches;
    let nb = bounds.blocks;
    for (block_index, block) in out.chunks_mut(BLOCK).enumerate() {
        let block_first = first_bus + block_index * BLOCK;
        for c in 0..cases.cases {
            let row = Row {
                d: &cases.d[c * m..(c + 1) * m],
                up: &snap.up[c * m..(c + 1) * m],
                down: &snap.down[c * m..(c + 1) * m],
                room_min: &bounds.room_min[c * nb..(c + 1) * nb],
                d_max: &bounds.d_max[c * nb..(c + 1) * nb],
            };
            let k = cases.outaged[c];
            for (j, best) in block.iter_mut().enumerate() {
                let bus = block_first + j;
                let s = &snap.s[bus * m..(bus + 1) * m];
                let s_max = &bounds.s_max[bus * nb..(bus + 1) * nb];
                let sk = if k == NONE { 0.0 } else { s[k as usize] };
                scan(s, s_max, &row, sk, c as u32, best);
            }
        }
    }
}

/// One case's constraint data.
struct Row<'a> {
    d: &'a [f64],
    up: &'a [f64],
    down: &'a [f64],
    room_min: &'a [f64],
    d_max: &'a [f64],
}

/// Widens the multiply-only tests so that rounding can never hide a candidate the division
/// would accept; the division then decides exactly.
const SLACK: f64 = 1.0 + 1e-9;

/// One case's row for one bus: blocks that cannot beat the current minimum are skipped on
/// their bounds; in the others the test `room < best · |σ|` (a multiply) screens out almost
/// every constraint before the division.
#[inline]
fn scan(s: &[f64], s_max: &[f64], row: &Row<'_>, sk: f64, case: u32, best: &mut Candidate) {
    let m = s.len();
    let (d, up, down) = (&row.d[..m], &row.up[..m], &row.down[..m]);
    let mut value = best.value_mw;
    let ask = sk.abs();
    for (b, (&room_min, &d_max)) in row.room_min.iter().zip(row.d_max).enumerate() {
        if room_min >= value * SLACK * (s_max[b] + d_max * ask) {
            continue;
        }
        let l0 = b * LANES;
        let mut any = false;
        for l in l0..l0 + LANES {
            let sigma = s[l] + d[l] * sk;
            let room = if sigma > 0.0 { up[l] } else { down[l] };
            let a = sigma.abs();
            any |= (room > 0.0) & (a >= DFAX_CUTOFF) & (room < value * SLACK * a);
        }
        if any {
            for l in l0..l0 + LANES {
                update(s[l] + d[l] * sk, up[l], down[l], l, case, &mut value, best);
            }
        }
    }
    for l in row.room_min.len() * LANES..m {
        update(s[l] + d[l] * sk, up[l], down[l], l, case, &mut value, best);
    }
}

#[inline]
fn update(
    sigma: f64,
    up: f64,
    down: f64,
    l: usize,
    case: u32,
    value: &mut f64,
    best: &mut Candidate,
) {
    let room = if sigma > 0.0 { up } else { down };
    let a = sigma.abs();
    if room > 0.0 && a >= DFAX_CUTOFF && room < *value * SLACK * a {
        let v = room / a;
        if v < *value {
            *value = v;
            *best = Candidate {
                value_mw: v,
                case,
                branch: l as u32,
            };
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The screen is the plain minimum of `constraint_mw` over every case and branch.
    #[test]
    fn blocked_threaded_screen_equals_the_plain_minimum() {
        let (n, m, c) = (37usize, 21usize, 9usize);
        let mut seed = 12345u64;
        let mut r = || {
            seed = seed
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            ((seed >> 11) as f64 / (1u64 << 53) as f64) * 2.0 - 1.0
        };
        let mut d = vec![0.0; c * m];
        for v in d.iter_mut().skip(m) {
            *v = r();
        }
        let outaged: Vec<u32> = (0..c)
            .map(|i| if i == 0 { NONE } else { (i * 2) as u32 })
            .collect();
        let cases = Cases {
            branches: m,
            cases: c,
            d,
            outaged,
            dfax_min: DFAX_CUTOFF,
        };
        let room = |x: f64| if x < -0.8 { NO_ROOM } else { 100.0 * (x + 1.0) };
        let snap = SnapshotScreen {
            buses: n,
            s: (0..n * m).map(|_| r()).collect(),
            up: (0..c * m).map(|_| room(r())).collect(),
            down: (0..c * m).map(|_| room(r())).collect(),
            cap_mw: 5000.0,
        };
        for threads in [1, 2, 3] {
            let got = screen(&cases, &snap, threads);
            for (bus, g) in got.iter().enumerate() {
                let mut want = Candidate::cap(snap.cap_mw);
                for case in 0..c {
                    for l in 0..m {
                        if let Some(v) = constraint_mw(&cases, &snap, bus, case, l) {
                            if v < want.value_mw {
                                want = Candidate {
                                    value_mw: v,
                                    case: case as u32,
                                    branch: l as u32,
                                };
                            }
                        }
                    }
                }
                // the same f64 expression on both sides, so equal bits: this checks the order
                // of the scan (blocks, threads, ties), not arithmetic
                assert_eq!(*g, want, "bus {bus}, {threads} threads");
            }
        }
    }
}
