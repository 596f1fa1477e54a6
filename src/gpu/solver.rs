//! GPU f32 multigrid: the same black-box hierarchy (built in f64 on the host), transfers and
//! smoothers as the CPU reference, recorded as whole iterations (true residual, V-cycle,
//! Krylov update) with the Krylov coefficients computed on the GPU, so nothing waits for the
//! host between convergence checks. Symmetric operators iterate by flexible CG, nonsymmetric
//! ones by the stationary iteration `x += M r`.
//!
//! Invariants: buffers, bind groups and pipelines are made once per prepared operator
//! (pipelines once per device); a solve uploads only the right-hand side (and a guess); a check
//! reads back 16 bytes (max |r|, max u, min u) plus two timestamps every `check_every`
//! iterations; the solution is read back once, and its quality judged in f64 on the host. The
//! finest level solves for `u - shift`, `shift` being the anchor-weighted mean of the anchor
//! values, so f32 resolves the variation of u rather than its offset (a 400 V bus with a few
//! volts of drop, say).

use super::buffers::{
    largest_binding_bytes_per_cell, pack_anchors, Couplings, LevelBuffers, LevelData, LevelSpec,
    LINE_PHASES,
};
use super::context::GpuContext;
use super::kernels::{Kernel, Kernels, Variant};
use super::GpuError;
use crate::solver::hierarchy::{Hierarchy, Smoothing};
use crate::solver::system::{Norms, System};
use crate::solver::{
    check_rhs, BackendInfo, Prepared, Probe, Problem, Rhs, Solution, SolveError, SolveOptions,
    SolveStats, Solver, Tolerance,
};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Instant;

/// The device and its pipelines, shared by every operator prepared on it.
pub struct GpuShared {
    pub ctx: GpuContext,
    kernels: Kernels,
    /// Operators prepared so far (each allocates its buffers and bind groups once).
    prepares: AtomicUsize,
}

pub struct GpuMultigrid {
    shared: Arc<GpuShared>,
    /// V-cycles recorded per submission between convergence checks.
    pub check_every: usize,
}

/// The GPU iterates until the backward error of the shifted f32 system is below this (a few
/// f32 roundings) or stops improving, whichever comes first; only then is the user's tolerance
/// checked in f64. Stopping at the user's eta alone would leave the forward error far above
/// what f32 can deliver when |u| is large against its variation.
const F32_FLOOR_ETA: f64 = 1e-8;

/// The outer iteration's fields on the finest level. The V-cycle's finest `u0` is z, the
/// preconditioned residual.
struct Krylov {
    /// The finest level's params with the problem's anchor values switched on.
    params: wgpu::Buffer,
    /// The solution (shifted by `shift`).
    x: wgpu::Buffer,
    /// b - A x, recomputed from x every iteration.
    r: wgpu::Buffer,
    p: wgpu::Buffer,
    q: wgpu::Buffer,
    partials: wgpu::Buffer,
    scalars: wgpu::Buffer,
    /// `Scalars` with alpha = 1, for the stationary iteration's `x += z`.
    unit: wgpu::Buffer,
    /// `ScalarsStep` uniforms for beta (mode 0) and alpha (mode 1).
    steps: [wgpu::Buffer; 2],
}

/// Kept in sync with `Step` in shaders/scalars.wgsl.
#[repr(C)]
#[derive(Clone, Copy, Debug, bytemuck::Pod, bytemuck::Zeroable)]
pub struct ScalarsStep {
    pub mode: u32,
    pub groups: u32,
    pub _pad0: u32,
    pub _pad1: u32,
}
const _: () = assert!(std::mem::size_of::<ScalarsStep>() == 16);

/// Kept in sync with `Scalars` in shaders/include/prelude.wgsl.
#[repr(C)]
#[derive(Clone, Copy, Debug, bytemuck::Pod, bytemuck::Zeroable)]
pub struct Scalars {
    pub beta: f32,
    pub alpha: f32,
    pub pq_prev: f32,
    pub _pad: f32,
}
const _: () = assert!(std::mem::size_of::<Scalars>() == 16);

struct BindGroups {
    /// Finest level, point smoothing: sweep u0 -> u1 and u1 -> u0.
    smooth5: Option<[wgpu::BindGroup; 2]>,
    /// Coarse levels, point smoothing: one per colour (index level - 1).
    smooth9: Vec<Vec<wgpu::BindGroup>>,
    /// Every level, line smoothing: one per half sweep.
    lines: Vec<Vec<wgpu::BindGroup>>,
    residual: Vec<wgpu::BindGroup>,
    restrict: Vec<wgpu::BindGroup>,
    prolong: Vec<wgpu::BindGroup>,
    coarse: wgpu::BindGroup,
    /// r = b - A x on the finest level.
    true_residual: wgpu::BindGroup,
    /// partials of (z . q, z . r) and of (p . q, p . r)
    dot: [wgpu::BindGroup; 2],
    /// beta, then alpha
    scalars: [wgpu::BindGroup; 2],
    direction: wgpu::BindGroup,
    apply: wgpu::BindGroup,
    advance: wgpu::BindGroup,
    /// x += z (the stationary iteration)
    accumulate: wgpu::BindGroup,
    reduce: wgpu::BindGroup,
}

struct Readback {
    /// max |r|, max u, max -u as order keys (see reduce.wgsl).
    atomics: wgpu::Buffer,
    timestamps: Option<(wgpu::QuerySet, wgpu::Buffer)>,
    /// 16 bytes of atomics then 16 bytes of timestamps.
    check: wgpu::Buffer,
    /// The finest solution, read once at the end.
    solution: wgpu::Buffer,
}

/// An operator prepared on the GPU.
pub struct GpuPrepared {
    shared: Arc<GpuShared>,
    check_every: usize,
    pub system: System,
    pub hierarchy: Hierarchy,
    variant: Variant,
    levels: Vec<LevelBuffers>,
    krylov: Krylov,
    groups: BindGroups,
    readback: Readback,
    /// The shift of the current right-hand side.
    shift: f64,
    norms: Norms,
    a_norm: f64,
    /// `||b - A shift||inf`: the right-hand side of the shifted system the GPU solves.
    b_shift_inf: f64,
    pub setup_s: f64,
}

/// Inverse of `order_key` in reduce.wgsl.
pub fn decode_order_key(k: u32) -> f32 {
    let bits = if k & 0x8000_0000 != 0 {
        k & 0x7fff_ffff
    } else {
        !k
    };
    f32::from_bits(bits)
}

impl GpuMultigrid {
    pub fn new(ctx: GpuContext) -> Result<Self, GpuError> {
        let kernels = Kernels::new(&ctx)?;
        Ok(GpuMultigrid {
            shared: Arc::new(GpuShared {
                ctx,
                kernels,
                prepares: AtomicUsize::new(0),
            }),
            check_every: 2,
        })
    }

    pub fn ctx(&self) -> &GpuContext {
        &self.shared.ctx
    }

    /// Operators prepared so far on this solver: each one allocated its buffers and bind
    /// groups exactly once, however many right-hand sides it then solved.
    pub fn prepared_count(&self) -> usize {
        self.shared.prepares.load(Ordering::Relaxed)
    }

    /// Refuses, before any allocation, a grid the adapter cannot hold, naming the limit.
    pub fn check_size(&self, nx: usize, ny: usize, symmetric: bool) -> Result<(), GpuError> {
        let limits = &self.shared.ctx.limits;
        let cells = nx as u64 * ny as u64;
        let variant = if symmetric {
            Variant::Symmetric
        } else {
            Variant::General
        };
        let coef_bytes = cells * largest_binding_bytes_per_cell(variant);
        let too_large = |limit: &'static str, value: u64, needed: u64| GpuError::GridTooLarge {
            nx,
            ny,
            limit,
            value,
            needed,
        };
        let binding = limits.max_storage_buffer_binding_size;
        if coef_bytes > binding {
            return Err(too_large(
                "max_storage_buffer_binding_size",
                binding,
                coef_bytes,
            ));
        }
        if coef_bytes > limits.max_buffer_size {
            return Err(too_large(
                "max_buffer_size",
                limits.max_buffer_size,
                coef_bytes,
            ));
        }
        let groups = u64::from(super::kernels::div_ceil(
            nx.max(ny).min(u32::MAX as usize) as u32,
            super::kernels::WORKGROUP,
        ));
        let max_groups = u64::from(limits.max_compute_workgroups_per_dimension);
        if nx.max(ny) as u64 > u64::from(u32::MAX) || groups > max_groups {
            return Err(too_large(
                "max_compute_workgroups_per_dimension",
                max_groups,
                groups,
            ));
        }
        Ok(())
    }

    /// Assembles, builds the hierarchy, uploads every level and makes every bind group.
    pub fn prepare_gpu(&self, problem: &Problem) -> Result<GpuPrepared, SolveError> {
        problem.validate()?;
        self.check_size(problem.nx, problem.ny, problem.symmetric())?;
        let start = Instant::now();
        let shared = &self.shared;
        let ctx = &shared.ctx;
        let system = System::assemble(problem);
        let hierarchy = Hierarchy::build(&system.op);
        let shift = shift_of(&system);
        let lines = hierarchy.smoothing == Smoothing::Lines;
        let last = hierarchy.levels() - 1;
        let factor = |l: usize| (l == last).then_some(&hierarchy.coarsest);
        let anchors = pack_anchors(&system.op, &system.anchor_value, shift);
        let rhs: Vec<f32> = system.rhs.iter().map(|&v| v as f32).collect();
        let mut levels = Vec::with_capacity(hierarchy.levels());
        levels.push(LevelBuffers::new(
            ctx,
            &LevelSpec {
                level: 0,
                nx: system.op.nx,
                ny: system.op.ny,
                data: LevelData::Finest {
                    op: &system.op,
                    anchors: &anchors,
                    rhs: &rhs,
                },
                next: hierarchy.coarse.first().map(|c| &c.p),
                coarsest: factor(0),
                lines,
            },
        )?);
        drop((anchors, rhs));
        for (l, level) in hierarchy.coarse.iter().enumerate() {
            levels.push(LevelBuffers::new(
                ctx,
                &LevelSpec {
                    level: l + 1,
                    nx: level.op.nx,
                    ny: level.op.ny,
                    data: LevelData::Coarse(&level.op),
                    next: hierarchy.coarse.get(l + 1).map(|c| &c.p),
                    coarsest: factor(l + 1),
                    lines,
                },
            )?);
        }
        let variant = match levels[0].couplings {
            Couplings::Finest { variant, .. } => variant,
            Couplings::Coarse { .. } => Variant::Symmetric,
        };
        let readback = readback(ctx, system.cells())?;
        let krylov = krylov(ctx, &levels[0])?;
        let groups = bind_groups(ctx, &shared.kernels, variant, &levels, &krylov, &readback)?;
        let a_norm = system.op.norm_inf();
        // uploads are queued; wait so setup time includes them
        ctx.wait()?;
        shared.prepares.fetch_add(1, Ordering::Relaxed);
        let mut prepared = GpuPrepared {
            shared: Arc::clone(shared),
            check_every: self.check_every,
            norms: system.norms(),
            b_shift_inf: 0.0,
            system,
            hierarchy,
            variant,
            levels,
            krylov,
            groups,
            readback,
            shift,
            a_norm,
            setup_s: 0.0,
        };
        prepared.b_shift_inf = prepared.shifted_b_inf();
        prepared.setup_s = start.elapsed().as_secs_f64();
        Ok(prepared)
    }
}

/// The anchor-weighted mean of the anchor values.
fn shift_of(system: &System) -> f64 {
    let op = &system.op;
    let (mut wsum, mut asum) = (0.0, 0.0);
    for p in 0..op.cells() {
        wsum += op.anchor[p] * system.anchor_value[p];
        asum += op.anchor[p];
    }
    if asum > 0.0 {
        wsum / asum
    } else {
        0.0
    }
}

fn krylov(ctx: &GpuContext, finest: &LevelBuffers) -> Result<Krylov, GpuError> {
    let (gx, gy) = finest.groups();
    let groups = gx * gy;
    ctx.scoped("allocating the Krylov fields", || {
        use wgpu::util::DeviceExt;
        use wgpu::BufferUsages as U;
        let field = |label: &str| {
            ctx.device.create_buffer(&wgpu::BufferDescriptor {
                label: Some(label),
                size: u64::from(finest.nx) * u64::from(finest.ny) * 4,
                usage: U::STORAGE | U::COPY_SRC | U::COPY_DST,
                mapped_at_creation: false,
            })
        };
        let init = |label: &str, bytes: &[u8], usage| {
            ctx.device
                .create_buffer_init(&wgpu::util::BufferInitDescriptor {
                    label: Some(label),
                    contents: bytes,
                    usage,
                })
        };
        let mut full = finest.params_value;
        full.homogeneous = 0;
        let step = |mode| ScalarsStep {
            mode,
            groups,
            _pad0: 0,
            _pad1: 0,
        };
        let unit = Scalars {
            beta: 0.0,
            alpha: 1.0,
            pq_prev: 0.0,
            _pad: 0.0,
        };
        Krylov {
            params: init("fcg.params", bytemuck::bytes_of(&full), U::UNIFORM),
            x: field("fcg.x"),
            r: field("fcg.r"),
            p: field("fcg.p"),
            q: field("fcg.q"),
            partials: ctx.device.create_buffer(&wgpu::BufferDescriptor {
                label: Some("fcg.partials"),
                size: u64::from(groups) * 8,
                usage: U::STORAGE,
                mapped_at_creation: false,
            }),
            scalars: ctx.device.create_buffer(&wgpu::BufferDescriptor {
                label: Some("fcg.scalars"),
                size: std::mem::size_of::<Scalars>() as u64,
                usage: U::STORAGE | U::COPY_DST,
                mapped_at_creation: false,
            }),
            unit: init("fcg.unit", bytemuck::bytes_of(&unit), U::STORAGE),
            steps: [
                init("fcg.step.beta", bytemuck::bytes_of(&step(0)), U::UNIFORM),
                init("fcg.step.alpha", bytemuck::bytes_of(&step(1)), U::UNIFORM),
            ],
        }
    })
}

fn bind_groups(
    ctx: &GpuContext,
    k: &Kernels,
    variant: Variant,
    levels: &[LevelBuffers],
    kr: &Krylov,
    rb: &Readback,
) -> Result<BindGroups, GpuError> {
    let v = variant.index();
    ctx.scoped("creating bind groups", || {
        let label =
            |kernel: &Kernel, l: usize, what: &str| format!("mg.{}.L{l}{what}", kernel.label);
        let last = levels.len() - 1;
        // the cycle preconditions the Krylov residual: on the finest level its right-hand
        // side is r, elsewhere the restricted residual
        let rhs = |l: usize| if l == 0 { &kr.r } else { &levels[l].rhs };
        let l0 = &levels[0];
        let (faces, anchors) = match &l0.couplings {
            Couplings::Finest { faces, anchors, .. } => (faces, anchors),
            Couplings::Coarse { .. } => unreachable!("level 0 is the finest"),
        };
        let smooth5 = l0.line_work.is_none().then(|| {
            let sweep = |from: usize| {
                k.smooth5[v].bind(
                    ctx,
                    &label(&k.smooth5[v], 0, &format!(".{from}")),
                    &[
                        ("level", &l0.params),
                        ("faces", faces),
                        ("anchors", anchors),
                        ("rhs", rhs(0)),
                        ("u_in", &l0.u[from]),
                        ("u_out", &l0.u[1 - from]),
                    ],
                )
            };
            [sweep(0), sweep(1)]
        });
        let mut smooth9 = Vec::new();
        let mut lines = Vec::new();
        let mut residual = Vec::new();
        let mut restrict = Vec::new();
        let mut prolong = Vec::new();
        for (l, lv) in levels.iter().enumerate() {
            let work = lv.line_work.as_ref();
            match &lv.couplings {
                Couplings::Finest { .. } => {
                    residual.push(k.residual5[v].bind(
                        ctx,
                        &label(&k.residual5[v], l, ""),
                        &[
                            ("level", &lv.params),
                            ("faces", faces),
                            ("anchors", anchors),
                            ("rhs", rhs(l)),
                            ("u", &lv.u[0]),
                            ("r", &lv.r),
                        ],
                    ));
                    lines.push(match work {
                        Some([wc, wd]) => lv
                            .line_phases
                            .iter()
                            .enumerate()
                            .map(|(h, phase)| {
                                k.lines5[v].bind(
                                    ctx,
                                    &label(&k.lines5[v], l, &format!(".{h}")),
                                    &[
                                        ("level", &lv.params),
                                        ("phase", phase),
                                        ("faces", faces),
                                        ("anchors", anchors),
                                        ("rhs", rhs(l)),
                                        ("u", &lv.u[0]),
                                        ("work_c", wc),
                                        ("work_d", wd),
                                    ],
                                )
                            })
                            .collect(),
                        None => Vec::new(),
                    });
                }
                Couplings::Coarse {
                    c_axis,
                    c_diag,
                    anchor,
                } => {
                    residual.push(k.residual9.bind(
                        ctx,
                        &label(&k.residual9, l, ""),
                        &[
                            ("level", &lv.params),
                            ("c_axis", c_axis),
                            ("c_diag", c_diag),
                            ("anchor", anchor),
                            ("rhs", rhs(l)),
                            ("u", &lv.u[0]),
                            ("r", &lv.r),
                        ],
                    ));
                    smooth9.push(
                        lv.colours
                            .iter()
                            .enumerate()
                            .map(|(c, phase)| {
                                k.smooth9.bind(
                                    ctx,
                                    &label(&k.smooth9, l, &format!(".{c}")),
                                    &[
                                        ("level", &lv.params),
                                        ("phase", phase),
                                        ("c_axis", c_axis),
                                        ("c_diag", c_diag),
                                        ("anchor", anchor),
                                        ("rhs", rhs(l)),
                                        ("u", &lv.u[0]),
                                    ],
                                )
                            })
                            .collect(),
                    );
                    lines.push(match work {
                        Some([wc, wd]) => lv
                            .line_phases
                            .iter()
                            .enumerate()
                            .map(|(h, phase)| {
                                k.lines9.bind(
                                    ctx,
                                    &label(&k.lines9, l, &format!(".{h}")),
                                    &[
                                        ("level", &lv.params),
                                        ("phase", phase),
                                        ("c_axis", c_axis),
                                        ("c_diag", c_diag),
                                        ("anchor", anchor),
                                        ("rhs", rhs(l)),
                                        ("u", &lv.u[0]),
                                        ("work_c", wc),
                                        ("work_d", wd),
                                    ],
                                )
                            })
                            .collect(),
                        None => Vec::new(),
                    });
                }
            }
            if let (Some(coarse), Some([wa, wb])) = (levels.get(l + 1), &lv.interp) {
                restrict.push(k.restrict.bind(
                    ctx,
                    &label(&k.restrict, l, ""),
                    &[
                        ("level", &lv.params),
                        ("w_a", wa),
                        ("w_b", wb),
                        ("r_fine", &lv.r),
                        ("rhs_coarse", &coarse.rhs),
                        ("u_coarse", &coarse.u[0]),
                    ],
                ));
                prolong.push(k.prolong.bind(
                    ctx,
                    &label(&k.prolong, l, ""),
                    &[
                        ("level", &lv.params),
                        ("w_a", wa),
                        ("w_b", wb),
                        ("e_coarse", &coarse.u[0]),
                        ("u_fine", &lv.u[0]),
                    ],
                ));
            }
        }
        let lc = &levels[last];
        let factor = lc.factor.as_ref().unwrap_or(&lc.rhs);
        let coarse = k.coarse.bind(
            ctx,
            &label(&k.coarse, last, ""),
            &[
                ("level", &lc.params),
                ("lu", factor),
                ("rhs", rhs(last)),
                ("u", &lc.u[0]),
            ],
        );
        let z = &l0.u[0];
        let fcg = |kernel: &Kernel, what: &str, buffers: &[(&str, &wgpu::Buffer)]| {
            kernel.bind(ctx, &format!("fcg.{}{what}", kernel.label), buffers)
        };
        BindGroups {
            smooth5,
            smooth9,
            lines,
            residual,
            restrict,
            prolong,
            coarse,
            true_residual: fcg(
                &k.residual5[v],
                ".true",
                &[
                    ("level", &kr.params),
                    ("faces", faces),
                    ("anchors", anchors),
                    ("rhs", &l0.rhs),
                    ("u", &kr.x),
                    ("r", &kr.r),
                ],
            ),
            dot: [
                fcg(
                    &k.dot,
                    ".zq",
                    &[
                        ("level", &l0.params),
                        ("a", z),
                        ("b", &kr.q),
                        ("c", z),
                        ("d", &kr.r),
                        ("partials", &kr.partials),
                    ],
                ),
                fcg(
                    &k.dot,
                    ".pq",
                    &[
                        ("level", &l0.params),
                        ("a", &kr.p),
                        ("b", &kr.q),
                        ("c", &kr.p),
                        ("d", &kr.r),
                        ("partials", &kr.partials),
                    ],
                ),
            ],
            scalars: [
                fcg(
                    &k.scalars,
                    ".beta",
                    &[
                        ("step", &kr.steps[0]),
                        ("partials", &kr.partials),
                        ("scalars", &kr.scalars),
                    ],
                ),
                fcg(
                    &k.scalars,
                    ".alpha",
                    &[
                        ("step", &kr.steps[1]),
                        ("partials", &kr.partials),
                        ("scalars", &kr.scalars),
                    ],
                ),
            ],
            direction: fcg(
                &k.direction,
                "",
                &[
                    ("level", &l0.params),
                    ("scalars", &kr.scalars),
                    ("z", z),
                    ("p", &kr.p),
                ],
            ),
            apply: fcg(
                &k.apply5[v],
                "",
                &[
                    ("level", &l0.params),
                    ("faces", faces),
                    ("anchors", anchors),
                    ("p_in", &kr.p),
                    ("q_out", &kr.q),
                ],
            ),
            advance: fcg(
                &k.advance,
                "",
                &[
                    ("level", &l0.params),
                    ("scalars", &kr.scalars),
                    ("p", &kr.p),
                    ("x", &kr.x),
                ],
            ),
            accumulate: fcg(
                &k.advance,
                ".unit",
                &[
                    ("level", &l0.params),
                    ("scalars", &kr.unit),
                    ("p", z),
                    ("x", &kr.x),
                ],
            ),
            reduce: fcg(
                &k.reduce,
                "",
                &[
                    ("level", &l0.params),
                    ("r", &kr.r),
                    ("u", &kr.x),
                    ("result", &rb.atomics),
                ],
            ),
        }
    })
}

fn readback(ctx: &GpuContext, cells: usize) -> Result<Readback, GpuError> {
    ctx.scoped("allocating readback buffers", || {
        let buffer = |label: &str, size: u64, usage| {
            ctx.device.create_buffer(&wgpu::BufferDescriptor {
                label: Some(label),
                size,
                usage,
                mapped_at_creation: false,
            })
        };
        use wgpu::BufferUsages as U;
        let timestamps = ctx.timestamps.then(|| {
            let set = ctx.device.create_query_set(&wgpu::QuerySetDescriptor {
                label: Some("mg.timestamps"),
                ty: wgpu::QueryType::Timestamp,
                count: 2,
            });
            let resolve = buffer("mg.timestamps.resolve", 16, U::QUERY_RESOLVE | U::COPY_SRC);
            (set, resolve)
        });
        Readback {
            atomics: buffer(
                "mg.reduce.result",
                16,
                U::STORAGE | U::COPY_DST | U::COPY_SRC,
            ),
            timestamps,
            check: buffer("mg.check.staging", 32, U::MAP_READ | U::COPY_DST),
            solution: buffer(
                "mg.solution.staging",
                cells as u64 * 4,
                U::MAP_READ | U::COPY_DST,
            ),
        }
    })
}

fn dispatch(
    pass: &mut wgpu::ComputePass,
    kernel: &Kernel,
    group: &wgpu::BindGroup,
    (gx, gy): (u32, u32),
) {
    pass.set_pipeline(&kernel.pipeline);
    pass.set_bind_group(0, group, &[]);
    pass.dispatch_workgroups(gx, gy, 1);
}

impl GpuPrepared {
    fn kernels(&self) -> &Kernels {
        &self.shared.kernels
    }

    fn ctx(&self) -> &GpuContext {
        &self.shared.ctx
    }

    /// `||b - A shift||inf` of the current right-hand side.
    fn shifted_b_inf(&self) -> f64 {
        let op = &self.system.op;
        (0..op.cells())
            .map(|p| {
                (self.system.rhs[p] + op.anchor[p] * (self.system.anchor_value[p] - self.shift))
                    .abs()
            })
            .fold(0.0f64, f64::max)
    }

    /// Records `sweeps` smoothing sweeps on level `l`; `reverse` runs a symmetric cycle's
    /// post-smoother in the opposite order.
    fn record_smooth(&self, pass: &mut wgpu::ComputePass, l: usize, sweeps: usize, reverse: bool) {
        let (k, g, lv) = (self.kernels(), &self.groups, &self.levels[l]);
        let v = self.variant.index();
        if self.hierarchy.smoothing == Smoothing::Lines {
            let kernel = if l == 0 { &k.lines5[v] } else { &k.lines9 };
            for _ in 0..sweeps.div_ceil(2) {
                for h in 0..4 {
                    let h = if reverse { 3 - h } else { h };
                    let along_x = LINE_PHASES[h].0 == 1;
                    dispatch(pass, kernel, &g.lines[l][h], (lv.line_groups(along_x), 1));
                }
            }
        } else if l == 0 {
            // a fused red-black sweep ping-pongs, so an even count ends back in u0
            let groups = lv.groups();
            if let Some(pair) = &g.smooth5 {
                for s in 0..sweeps.div_ceil(2) * 2 {
                    dispatch(pass, &k.smooth5[v], &pair[s % 2], groups);
                }
            }
        } else {
            let groups = lv.colour_groups();
            // the colours in the same order before and after the coarse correction (as the CPU)
            for _ in 0..sweeps {
                for group in &g.smooth9[l - 1] {
                    dispatch(pass, &k.smooth9, group, groups);
                }
            }
        }
    }

    fn record_residual(&self, pass: &mut wgpu::ComputePass, l: usize) {
        let k = self.kernels();
        let kernel = if l == 0 {
            &k.residual5[self.variant.index()]
        } else {
            &k.residual9
        };
        dispatch(
            pass,
            kernel,
            &self.groups.residual[l],
            self.levels[l].groups(),
        );
    }

    fn record_vcycle(&self, pass: &mut wgpu::ComputePass, o: &SolveOptions) {
        let (k, g) = (self.kernels(), &self.groups);
        let last = self.levels.len() - 1;
        for l in 0..last {
            self.record_smooth(pass, l, o.pre_sweeps, false);
            self.record_residual(pass, l);
            dispatch(
                pass,
                &k.restrict,
                &g.restrict[l],
                self.levels[l + 1].groups(),
            );
        }
        dispatch(pass, &k.coarse, &g.coarse, (1, 1));
        for l in (0..last).rev() {
            dispatch(pass, &k.prolong, &g.prolong[l], self.levels[l].groups());
            self.record_smooth(pass, l, o.post_sweeps, true);
        }
    }

    /// One outer iteration after the true residual, z = M r (one V-cycle from z = 0, which the
    /// caller clears), then for flexible CG p = z - beta p, q = A p, x += alpha p, or for the
    /// stationary iteration x += z.
    fn record_iteration(&self, pass: &mut wgpu::ComputePass, o: &SolveOptions) {
        let (k, g) = (self.kernels(), &self.groups);
        let fine = self.levels[0].groups();
        self.record_vcycle(pass, o);
        if self.variant == Variant::General {
            dispatch(pass, &k.advance, &g.accumulate, fine);
            return;
        }
        dispatch(pass, &k.dot, &g.dot[0], fine);
        dispatch(pass, &k.scalars, &g.scalars[0], (1, 1));
        dispatch(pass, &k.direction, &g.direction, fine);
        dispatch(pass, &k.apply5[self.variant.index()], &g.apply, fine);
        dispatch(pass, &k.dot, &g.dot[1], fine);
        dispatch(pass, &k.scalars, &g.scalars[1], (1, 1));
        dispatch(pass, &k.advance, &g.advance, fine);
    }

    /// Records `iterations` outer iterations, then the true residual and its reduction;
    /// submits, waits and reads back (max |r|, max x, min x) and the GPU time between the first
    /// and last pass. With 0 iterations it records only `sweeps` smoothing sweeps (the
    /// benchmark), and the values read back are meaningless.
    fn run_batch(
        &self,
        options: &SolveOptions,
        iterations: usize,
        sweeps: usize,
    ) -> Result<([f32; 3], Option<f64>), GpuError> {
        let ctx = self.ctx();
        let rb = &self.readback;
        let mut encoder = ctx
            .device
            .create_command_encoder(&wgpu::CommandEncoderDescriptor {
                label: Some("fcg.batch"),
            });
        encoder.clear_buffer(&rb.atomics, 0, None);
        let stamp = |index: u32| {
            rb.timestamps
                .as_ref()
                .map(|(set, _)| wgpu::ComputePassTimestampWrites {
                    query_set: set,
                    beginning_of_pass_write_index: (index == 0).then_some(0),
                    end_of_pass_write_index: (index == 1).then_some(1),
                })
        };
        fn pass<'e>(
            encoder: &'e mut wgpu::CommandEncoder,
            label: &str,
            timestamp_writes: Option<wgpu::ComputePassTimestampWrites<'_>>,
        ) -> wgpu::ComputePass<'e> {
            encoder.begin_compute_pass(&wgpu::ComputePassDescriptor {
                label: Some(label),
                timestamp_writes,
            })
        }
        let residual = |pass: &mut wgpu::ComputePass| {
            dispatch(
                pass,
                &self.kernels().residual5[self.variant.index()],
                &self.groups.true_residual,
                self.levels[0].groups(),
            )
        };
        drop(pass(&mut encoder, "fcg.begin", stamp(0)));
        if iterations == 0 {
            let mut pass = pass(&mut encoder, "bench.smooth", None);
            self.record_smooth(&mut pass, 0, sweeps, false);
        }
        for _ in 0..iterations {
            {
                let mut pass = pass(&mut encoder, "fcg.residual", None);
                residual(&mut pass);
            }
            encoder.clear_buffer(&self.levels[0].u[0], 0, None);
            let mut pass = pass(&mut encoder, "fcg.iteration", None);
            self.record_iteration(&mut pass, options);
        }
        if iterations > 0 {
            let mut pass = pass(&mut encoder, "fcg.check", None);
            residual(&mut pass);
            dispatch(
                &mut pass,
                &self.kernels().reduce,
                &self.groups.reduce,
                self.levels[0].groups(),
            );
        }
        drop(pass(&mut encoder, "fcg.end", stamp(1)));
        encoder.copy_buffer_to_buffer(&rb.atomics, 0, &rb.check, 0, 16);
        if let Some((set, resolve)) = &rb.timestamps {
            encoder.resolve_query_set(set, 0..2, resolve, 0);
            encoder.copy_buffer_to_buffer(resolve, 0, &rb.check, 16, 16);
        }
        ctx.queue.submit([encoder.finish()]);
        let bytes = read_buffer(ctx, &rb.check)?;
        let words: &[u32] = bytemuck::cast_slice(&bytes[..16]);
        let values = [
            decode_order_key(words[0]),
            decode_order_key(words[1]),
            -decode_order_key(words[2]),
        ];
        let seconds = rb.timestamps.as_ref().map(|_| {
            let ticks: &[u64] = bytemuck::cast_slice(&bytes[16..32]);
            let period_ns = f64::from(ctx.queue.get_timestamp_period());
            ticks[1].saturating_sub(ticks[0]) as f64 * period_ns * 1e-9
        });
        Ok((values, seconds))
    }

    /// Reads the finest level's solution back and un-shifts it, in f64.
    fn download(&self) -> Result<Vec<f64>, GpuError> {
        let ctx = self.ctx();
        let mut encoder = ctx
            .device
            .create_command_encoder(&wgpu::CommandEncoderDescriptor {
                label: Some("mg.download"),
            });
        let size = self.readback.solution.size();
        encoder.copy_buffer_to_buffer(&self.krylov.x, 0, &self.readback.solution, 0, size);
        ctx.queue.submit([encoder.finish()]);
        let bytes = read_buffer(ctx, &self.readback.solution)?;
        let values: &[f32] = bytemuck::cast_slice(&bytes);
        Ok(values.iter().map(|&v| f64::from(v) + self.shift).collect())
    }

    /// Uploads a new right-hand side: sources and the anchor values (shifted anew).
    fn upload_rhs(&mut self) {
        self.shift = shift_of(&self.system);
        let l0 = &self.levels[0];
        if let Couplings::Finest { anchors, .. } = &l0.couplings {
            let packed = pack_anchors(&self.system.op, &self.system.anchor_value, self.shift);
            self.shared
                .ctx
                .queue
                .write_buffer(anchors, 0, bytemuck::cast_slice(&packed));
        }
        let rhs: Vec<f32> = self.system.rhs.iter().map(|&v| v as f32).collect();
        self.shared
            .ctx
            .queue
            .write_buffer(&l0.rhs, 0, bytemuck::cast_slice(&rhs));
        self.norms = self.system.norms();
        self.b_shift_inf = self.shifted_b_inf();
    }

    /// Outer iterations (one V-cycle each) until the tolerance is met, checking every
    /// `check_every` iterations on the GPU and confirming in f64 on the host. Stops early when
    /// the estimate stalls (the f32 floor).
    pub fn iterate(
        &self,
        guess: Option<&[f64]>,
        options: &SolveOptions,
    ) -> Result<Solution, SolveError> {
        let start = Instant::now();
        let ctx = self.ctx();
        {
            // a fresh start: x = guess - shift (or 0) and no previous direction
            let mut encoder = ctx
                .device
                .create_command_encoder(&wgpu::CommandEncoderDescriptor {
                    label: Some("fcg.reset"),
                });
            encoder.clear_buffer(&self.krylov.x, 0, None);
            encoder.clear_buffer(&self.krylov.p, 0, None);
            encoder.clear_buffer(&self.krylov.scalars, 0, None);
            ctx.queue.submit([encoder.finish()]);
            if let Some(g) = guess.filter(|g| g.len() == self.system.cells()) {
                let x: Vec<f32> = g.iter().map(|&v| (v - self.shift) as f32).collect();
                ctx.queue
                    .write_buffer(&self.krylov.x, 0, bytemuck::cast_slice(&x));
            }
        }
        let mut stats = SolveStats {
            setup_s: self.setup_s,
            levels: self.levels.len(),
            timestamped: self.readback.timestamps.is_some(),
            ..Default::default()
        };
        let cells = self.system.cells() as f64;
        let mut gpu_s = 0.0;
        let mut best = f64::INFINITY;
        let mut stalled = 0;
        loop {
            let batch = self
                .check_every
                .max(1)
                .min(options.max_cycles - stats.cycles);
            let ([r_inf, u_max, u_min], seconds) = self.run_batch(options, batch, 0)?;
            gpu_s += seconds.unwrap_or(0.0);
            stats.cycles += batch;
            let (r_inf, u_max, u_min) = (f64::from(r_inf), f64::from(u_max), f64::from(u_min));
            let u_inf = (u_max + self.shift).abs().max((u_min + self.shift).abs());
            let eta = r_inf / (self.a_norm * u_inf + self.norms.b_inf);
            let eta_shifted =
                r_inf / (self.a_norm * u_max.abs().max(u_min.abs()) + self.b_shift_inf);
            let eta_shifted = if eta_shifted.is_finite() {
                eta_shifted
            } else {
                f64::INFINITY
            };
            stats.history.push(eta_shifted);
            // the f32 floor: a batch that no longer gains a tenth
            if eta_shifted < 0.9 * best {
                best = eta_shifted;
            } else {
                stalled += 1;
            }
            let estimate_met = eta_shifted <= F32_FLOOR_ETA
                && match options.tolerance {
                    Tolerance::Eta(t) => eta <= 0.5 * t,
                    // ||r||2 <= sqrt(n) ||r||inf: a bound, so the host check below rarely fails
                    Tolerance::RelResidual(t) => r_inf * cells.sqrt() <= 0.5 * t * self.norms.b_two,
                };
            let out_of_cycles = stats.cycles >= options.max_cycles || stalled >= 2;
            if estimate_met || out_of_cycles {
                stats.solve_s = if stats.timestamped {
                    gpu_s
                } else {
                    start.elapsed().as_secs_f64()
                };
                let u = self.download()?;
                stats.quality = self.system.quality(&u);
                if options.tolerance.met(&stats.quality) {
                    return Ok(Solution { u, stats });
                }
                if out_of_cycles {
                    return Err(SolveError::NotConverged {
                        cycles: stats.cycles,
                        eta: stats.quality.eta,
                        rel: stats.quality.rel_residual,
                    });
                }
            }
        }
    }

    /// Seconds per smoothing sweep on the finest level, timed over `sweeps` sweeps in one pass
    /// (GPU timestamps where available, else wall clock around a blocking submit).
    pub fn time_smoother(&self, sweeps: usize) -> Result<f64, GpuError> {
        let start = Instant::now();
        let options = SolveOptions::f32_target();
        let (_, seconds) = self.run_batch(&options, 0, sweeps)?;
        let total = seconds.unwrap_or_else(|| start.elapsed().as_secs_f64());
        Ok(total / (sweeps.div_ceil(2) * 2) as f64)
    }
}

impl Prepared for GpuPrepared {
    fn solve(
        &mut self,
        rhs: &Rhs,
        guess: Option<&[f64]>,
        options: &SolveOptions,
    ) -> Result<Solution, SolveError> {
        check_rhs(&self.system, rhs)?;
        self.system.set_rhs(rhs);
        self.upload_rhs();
        self.iterate(guess, options)
    }

    fn levels(&self) -> usize {
        self.levels.len()
    }

    fn time_smoother(&mut self, sweeps: usize) -> Result<f64, SolveError> {
        Ok(GpuPrepared::time_smoother(self, sweeps)?)
    }

    fn probe(&mut self, probe: Probe, a: &[f64], b: &[f64]) -> Result<Vec<f64>, SolveError> {
        let last = self.levels.len() - 1;
        let cells = |l: usize| self.levels.get(l).map_or(0, |lv| (lv.nx * lv.ny) as usize);
        let level_of = |p: Probe| match p {
            Probe::Smooth { level, .. } | Probe::Residual { level } => (level, level, level),
            Probe::Restrict { level } => (level, level + 1, level),
            Probe::Prolong { level } => (level + 1, level, level),
            Probe::Coarse => (last, last, last),
        };
        let (a_level, b_level, _) = level_of(probe);
        let wrong = |what: &str, level: usize, len: usize| {
            SolveError::Problem(crate::solver::ProblemError {
                field: format!("probe.{what}"),
                reason: format!("level {level} has {} points, found {len}", cells(level)),
            })
        };
        if a_level > last || a.len() != cells(a_level) {
            return Err(wrong("a", a_level, a.len()));
        }
        let needs_b = matches!(
            probe,
            Probe::Smooth { .. } | Probe::Residual { .. } | Probe::Prolong { .. }
        );
        if needs_b && (b_level > last || b.len() != cells(b_level)) {
            return Err(wrong("b", b_level, b.len()));
        }
        let ctx = self.ctx();
        let upload = |buffer: &wgpu::Buffer, v: &[f64]| {
            let f: Vec<f32> = v.iter().map(|&x| x as f32).collect();
            ctx.queue.write_buffer(buffer, 0, bytemuck::cast_slice(&f));
        };
        let rhs = |l: usize| {
            if l == 0 {
                &self.krylov.r
            } else {
                &self.levels[l].rhs
            }
        };
        let (k, g) = (self.kernels(), &self.groups);
        let mut encoder = ctx
            .device
            .create_command_encoder(&wgpu::CommandEncoderDescriptor {
                label: Some("mg.probe"),
            });
        let output = {
            let mut pass = encoder.begin_compute_pass(&wgpu::ComputePassDescriptor {
                label: Some("mg.probe"),
                timestamp_writes: None,
            });
            match probe {
                Probe::Smooth { level, sweeps } => {
                    upload(&self.levels[level].u[0], a);
                    upload(rhs(level), b);
                    self.record_smooth(&mut pass, level, sweeps, false);
                    &self.levels[level].u[0]
                }
                Probe::Residual { level } => {
                    upload(&self.levels[level].u[0], a);
                    upload(rhs(level), b);
                    self.record_residual(&mut pass, level);
                    &self.levels[level].r
                }
                Probe::Restrict { level } => {
                    upload(&self.levels[level].r, a);
                    dispatch(
                        &mut pass,
                        &k.restrict,
                        &g.restrict[level],
                        self.levels[level + 1].groups(),
                    );
                    &self.levels[level + 1].rhs
                }
                Probe::Prolong { level } => {
                    upload(&self.levels[level + 1].u[0], a);
                    upload(&self.levels[level].u[0], b);
                    dispatch(
                        &mut pass,
                        &k.prolong,
                        &g.prolong[level],
                        self.levels[level].groups(),
                    );
                    &self.levels[level].u[0]
                }
                Probe::Coarse => {
                    upload(rhs(last), a);
                    dispatch(&mut pass, &k.coarse, &g.coarse, (1, 1));
                    &self.levels[last].u[0]
                }
            }
        };
        let staging = ctx.device.create_buffer(&wgpu::BufferDescriptor {
            label: Some("mg.probe.staging"),
            size: output.size(),
            usage: wgpu::BufferUsages::MAP_READ | wgpu::BufferUsages::COPY_DST,
            mapped_at_creation: false,
        });
        encoder.copy_buffer_to_buffer(output, 0, &staging, 0, output.size());
        ctx.queue.submit([encoder.finish()]);
        let bytes = read_buffer(ctx, &staging)?;
        let values: &[f32] = bytemuck::cast_slice(&bytes);
        Ok(values.iter().map(|&v| f64::from(v)).collect())
    }

    fn level_sizes(&self) -> Vec<(usize, usize)> {
        self.levels
            .iter()
            .map(|l| (l.nx as usize, l.ny as usize))
            .collect()
    }

    fn sweep_bytes_per_cell(&self) -> f64 {
        match self.variant {
            Variant::Symmetric => SWEEP_BYTES_PER_CELL,
            // four couplings instead of two
            Variant::General => SWEEP_BYTES_PER_CELL + 8.0,
        }
    }
}

/// Maps a MAP_READ buffer, copies its bytes out and unmaps it.
pub fn read_buffer(ctx: &GpuContext, buffer: &wgpu::Buffer) -> Result<Vec<u8>, GpuError> {
    let (tx, rx) = std::sync::mpsc::channel();
    buffer.map_async(wgpu::MapMode::Read, .., move |r| {
        let _ = tx.send(r);
    });
    ctx.wait()?;
    rx.recv()
        .map_err(|_| GpuError::Device("buffer map callback never ran".into()))?
        .map_err(|e| GpuError::Device(format!("mapping a readback buffer: {e}")))?;
    let bytes = buffer
        .get_mapped_range(..)
        .map_err(|e| GpuError::Device(format!("reading a mapped buffer: {e}")))?
        .to_vec();
    buffer.unmap();
    Ok(bytes)
}

impl Solver for GpuMultigrid {
    fn info(&self) -> BackendInfo {
        BackendInfo {
            backend: "gpu".into(),
            adapter: self.shared.ctx.adapter.name.clone(),
        }
    }

    fn default_options(&self) -> SolveOptions {
        SolveOptions::f32_target()
    }

    fn prepare(&self, problem: &Problem) -> Result<Box<dyn Prepared>, SolveError> {
        Ok(Box::new(self.prepare_gpu(problem)?))
    }

    fn copy_gbps(&self) -> Result<f64, SolveError> {
        Ok(super::bandwidth::copy_gbps(&self.shared.ctx, 1 << 30, 5)?)
    }
}

/// Bytes a GPU sweep must move per cell: reads u, faces (2), anchors (2) and rhs, writes u
/// (f32 each).
pub const SWEEP_BYTES_PER_CELL: f64 = 28.0;
