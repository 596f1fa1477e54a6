//! Hosting capacity at every bus, for every snapshot: the largest new load (MW) that keeps
//! every branch within its normal rating in the base case and within its emergency rating
//! after every credible single outage, with the binding branch and outage named.
//!
//! A new load at bus `i` is met by the snapshot's participating plants, each bus `j` taking
//! the share `α_j` (pro rata to spare capacity), so it moves the flow on branch `l` by
//! `s_i[l] = Σ_j α_j PTDF[l][j] − PTDF[l][i]` per MW. Ratings per case: the base case uses the
//! normal rating of all circuits; after the loss of one circuit of branch `k`, every other
//! branch its emergency rating, and `k` the emergency rating of its remaining circuits.
//!
//! Invariants: the hosting capacity is within `[0, cap]` (cap = participating spare
//! capacity); constraints already violated before the new load are listed in
//! [`SnapshotHosting::violations`], not counted; the CPU screen is f64 and deterministic; the
//! GPU screen's choice of binding constraint is re-evaluated in f64, so both backends report
//! f64 values. Units: MW.

use super::contingency::Outages;
use super::error::GridError;
use super::flow::DcModel;
use super::network::Network;
use super::screen::{self, Candidate, Cases, SnapshotScreen, NONE, NO_ROOM};
use super::snapshot::Snapshot;
use serde::Serialize;
use std::time::Instant;

/// Rooms at or below this many MW count as already violated.
pub const ROOM_EPS_MW: f64 = 1e-6;

/// Where the screen runs.
pub enum ScreenBackend<'a> {
    Cpu { threads: usize },
    Gpu(&'a crate::gpu::GpuContext),
}

impl ScreenBackend<'_> {
    /// The CPU with every available thread.
    pub fn cpu() -> Self {
        ScreenBackend::Cpu {
            threads: crate::solver::parallel::threads(),
        }
    }
}

/// What limits a bus's hosting capacity.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Limit {
    /// The participating plants have no more spare capacity.
    Headroom,
    /// A branch reaches its rating, in the base case (`outage: None`) or after the loss of one
    /// circuit of the `outage` branch.
    Branch {
        branch: usize,
        outage: Option<usize>,
        rating_mw: f64,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct BusHosting {
    pub hosting_mw: f64,
    pub limit: Limit,
}

/// A branch beyond its rating before any new load.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Violation {
    pub branch: usize,
    pub outage: Option<usize>,
    pub flow_mw: f64,
    pub rating_mw: f64,
}

impl Violation {
    pub fn loading(&self) -> f64 {
        self.flow_mw.abs() / self.rating_mw
    }
}

pub struct SnapshotHosting {
    pub snapshot: Snapshot,
    pub base_flow_mw: Vec<f64>,
    /// `cases × m` flows: row 0 the base case, row `c` after outage `c`.
    pub case_flow_mw: Vec<f64>,
    /// Flow on each branch per MW of new load met by the participating plants at their own
    /// buses (`Σ_j α_j PTDF[l][j]`).
    pub participation_flow: Vec<f64>,
    pub screen: SnapshotScreen,
    pub buses: Vec<BusHosting>,
    /// Base-case (normal rating) and post-outage (emergency rating) violations, worst first.
    pub violations: Vec<Violation>,
    /// The GPU's own f32 minimum per bus, before the f64 re-evaluation (GPU runs only).
    pub gpu_f32_mw: Option<Vec<f32>>,
    /// GPU runs: buses screened again on the CPU because the f64 check rejected the GPU's pick.
    pub gpu_rescreened: Vec<usize>,
    pub screen_s: f64,
}

pub struct HostingMap {
    pub network: Network,
    pub model: DcModel,
    pub outages: Outages,
    pub cases: Cases,
    pub snapshots: Vec<SnapshotHosting>,
    /// `cpu, N threads` or `gpu, <adapter>`.
    pub screened_on: String,
    /// Factor, PTDF and outage factors, s.
    pub analysis_s: f64,
    /// GPU runs: buses whose f32 winner the f64 check rejected, screened again on the CPU.
    pub cpu_rescreened: usize,
}

impl HostingMap {
    /// The DC model, its outages, and every snapshot's hosting capacity.
    pub fn compute(
        network: &Network,
        snapshots: &[Snapshot],
        backend: ScreenBackend<'_>,
    ) -> Result<HostingMap, GridError> {
        let start = Instant::now();
        let model = DcModel::new(network)?;
        let outages = Outages::new(network, &model)?;
        let m = model.branches;
        let c = outages.len() + 1;
        let mut d = vec![0.0; c * m];
        d[m..].copy_from_slice(&outages.d);
        let mut outaged = vec![NONE];
        outaged.extend(outages.credible.iter().map(|&k| k as u32));
        let cases = Cases {
            branches: m,
            cases: c,
            d,
            outaged,
            dfax_min: screen::DFAX_CUTOFF,
        };
        let analysis_s = start.elapsed().as_secs_f64();

        let gpu = match &backend {
            ScreenBackend::Gpu(ctx) => {
                Some(crate::gpu::screen::Screen::new(ctx, &cases, model.buses)?)
            }
            ScreenBackend::Cpu { .. } => None,
        };
        let screened_on = match &backend {
            ScreenBackend::Cpu { threads } => format!("cpu, {threads} thread(s)"),
            ScreenBackend::Gpu(ctx) => format!("gpu, {}", ctx.adapter.name),
        };
        let mut results = Vec::with_capacity(snapshots.len());
        let mut cpu_rescreened = 0;
        for snapshot in snapshots {
            let prepared = prepare(network, &model, &outages, &cases, snapshot);
            let (base_flow_mw, case_flow_mw, participation_flow, screen_inputs, violations) =
                prepared;
            let t = Instant::now();
            let mut rescreened = Vec::new();
            let (candidates, raw) = match (&backend, gpu.as_ref()) {
                (ScreenBackend::Gpu(ctx), Some(stage)) => {
                    let raw = stage.run(ctx, &screen_inputs)?;
                    let (refined, fallback): (Vec<Candidate>, Vec<bool>) = raw
                        .iter()
                        .enumerate()
                        .map(|(bus, r)| refine(&cases, &screen_inputs, bus, r))
                        .unzip();
                    cpu_rescreened += fallback.iter().filter(|&&f| f).count();
                    rescreened = (0..fallback.len()).filter(|&b| fallback[b]).collect();
                    let values = raw.iter().map(|r| r.value_mw).collect();
                    (refined, Some(values))
                }
                (ScreenBackend::Cpu { threads }, _) => {
                    (screen::screen(&cases, &screen_inputs, *threads), None)
                }
                _ => return Err(GridError::Internal("GPU screen stage missing".into())),
            };
            let screen_s = t.elapsed().as_secs_f64();
            let buses = candidates
                .iter()
                .map(|cand| bus_hosting(network, &cases, cand))
                .collect();
            results.push(SnapshotHosting {
                snapshot: snapshot.clone(),
                base_flow_mw,
                case_flow_mw,
                participation_flow,
                screen: screen_inputs,
                buses,
                violations,
                gpu_f32_mw: raw,
                gpu_rescreened: rescreened,
                screen_s,
            });
        }
        Ok(HostingMap {
            network: network.clone(),
            model,
            outages,
            cases,
            snapshots: results,
            screened_on,
            analysis_s,
            cpu_rescreened,
        })
    }

    pub fn snapshot(&self, name: &str) -> Option<&SnapshotHosting> {
        self.snapshots.iter().find(|s| s.snapshot.name() == name)
    }

    /// Index of the snapshot with the smaller hosting capacity at `bus` (the first on ties).
    pub fn worse_snapshot(&self, bus: usize) -> usize {
        let mut worst = 0;
        for (i, s) in self.snapshots.iter().enumerate() {
            if s.buses[bus].hosting_mw < self.snapshots[worst].buses[bus].hosting_mw {
                worst = i;
            }
        }
        worst
    }

    /// The largest emergency rating of any branch, MW: the scale GPU/CPU agreement is judged
    /// against.
    pub fn rating_scale_mw(&self) -> f64 {
        self.network
            .branches
            .iter()
            .map(|b| b.emergency_total_mw())
            .fold(0.0, f64::max)
    }
}

/// Rating of `branch` in `case` (0: base, normal; else emergency, and the outaged branch
/// keeps only its remaining circuits). `None`: the branch carries nothing in that case.
pub fn case_rating(network: &Network, cases: &Cases, case: usize, branch: usize) -> Option<f64> {
    let b = &network.branches[branch];
    match cases.outaged[case] {
        NONE => Some(b.normal_total_mw()),
        k if k as usize == branch => {
            (b.circuits > 1).then(|| b.emergency_mw * (b.circuits - 1) as f64)
        }
        _ => Some(b.emergency_total_mw()),
    }
}

type Prepared = (Vec<f64>, Vec<f64>, Vec<f64>, SnapshotScreen, Vec<Violation>);

fn prepare(
    network: &Network,
    model: &DcModel,
    outages: &Outages,
    cases: &Cases,
    snapshot: &Snapshot,
) -> Prepared {
    let (n, m, c) = (model.buses, model.branches, cases.cases);
    let base = model.flows(&snapshot.injection_mw);
    let mut flows = Vec::with_capacity(c * m);
    flows.extend_from_slice(&base);
    flows.extend(outages.post_outage_flows(&base));
    let transfer = model.ptdf_times(&snapshot.participation);
    let mut s = vec![0.0; n * m];
    for l in 0..m {
        let row = &model.ptdf[l * n..(l + 1) * n];
        for i in 0..n {
            s[i * m + l] = transfer[l] - row[i];
        }
    }
    let mut up = vec![NO_ROOM; c * m];
    let mut down = vec![NO_ROOM; c * m];
    let mut violations = Vec::new();
    for case in 0..c {
        for l in 0..m {
            let Some(rating) = case_rating(network, cases, case, l) else {
                continue;
            };
            let f = flows[case * m + l];
            let (u, dn) = (rating - f, rating + f);
            if u > ROOM_EPS_MW {
                up[case * m + l] = u;
            }
            if dn > ROOM_EPS_MW {
                down[case * m + l] = dn;
            }
            if u <= ROOM_EPS_MW || dn <= ROOM_EPS_MW {
                violations.push(Violation {
                    branch: l,
                    outage: (case > 0).then(|| cases.outaged[case] as usize),
                    flow_mw: f,
                    rating_mw: rating,
                });
            }
        }
    }
    violations.sort_by(|a, b| {
        b.loading()
            .total_cmp(&a.loading())
            .then(a.outage.cmp(&b.outage))
            .then(a.branch.cmp(&b.branch))
    });
    let screen = SnapshotScreen {
        buses: n,
        s,
        up,
        down,
        cap_mw: snapshot.participating_headroom_mw,
    };
    (base, flows, transfer, screen, violations)
}

/// The GPU's binding constraint, valued in f64. The GPU screens with a slightly lower
/// distribution-factor cutoff than the CPU, so its candidates include every constraint the
/// f64 screen counts; when its winner is one the f64 screen does not count, the bus is
/// screened again on the CPU. Returns the candidate and whether that fallback ran.
fn refine(
    cases: &Cases,
    snap: &SnapshotScreen,
    bus: usize,
    raw: &crate::gpu::screen::Found,
) -> (Candidate, bool) {
    if raw.case == NONE {
        return (Candidate::cap(snap.cap_mw), false);
    }
    match screen::constraint_mw(cases, snap, bus, raw.case as usize, raw.branch as usize) {
        Some(v) if v < snap.cap_mw => (
            Candidate {
                value_mw: v,
                case: raw.case,
                branch: raw.branch,
            },
            false,
        ),
        _ => (screen::screen_bus(cases, snap, bus), true),
    }
}

fn bus_hosting(network: &Network, cases: &Cases, cand: &Candidate) -> BusHosting {
    if cand.case == NONE {
        return BusHosting {
            hosting_mw: cand.value_mw,
            limit: Limit::Headroom,
        };
    }
    let case = cand.case as usize;
    let branch = cand.branch as usize;
    BusHosting {
        hosting_mw: cand.value_mw,
        limit: Limit::Branch {
            branch,
            outage: (case > 0).then(|| cases.outaged[case] as usize),
            rating_mw: case_rating(network, cases, case, branch).unwrap_or(f64::NAN),
        },
    }
}
