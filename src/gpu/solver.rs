//! GPU f32 geometric multigrid: the same hierarchy, transfers, smoother and flexible-CG outer
//! iteration as the CPU reference, recorded as whole iterations (true residual, V-cycle,
//! Krylov update) with the Krylov coefficients computed on the GPU, so nothing waits for the
//! host between convergence checks.
//!
//! Invariants: buffers, bind groups and pipelines are made once per solve (pipelines once per
//! device); a check reads back 16 bytes (max |r|, max u, min u) plus two timestamps every
//! `check_every` iterations; the solution is read back once, and its quality judged in f64 on
//! the host. The finest level solves for `u - shift`, `shift` being the anchor-weighted mean of the
//! anchor values, so f32 resolves the variation of u rather than its offset (a 400 V bus with a
//! few volts of drop, say).

use super::buffers::{pack_coefficients, LevelBuffers};
use super::context::GpuContext;
use super::kernels::{Kernel, Kernels};
use super::GpuError;
use crate::solver::hierarchy::Hierarchy;
use crate::solver::system::System;
use crate::solver::{
    BackendInfo, Problem, Solution, SolveError, SolveOptions, SolveStats, Solver, Tolerance,
};
use std::time::Instant;

pub struct GpuMultigrid {
    pub ctx: GpuContext,
    kernels: Kernels,
    /// V-cycles recorded per submission between convergence checks.
    pub check_every: usize,
}

/// Everything a solve allocates, made once.
pub struct Prepared {
    pub system: System,
    pub hierarchy: Hierarchy,
    pub shift: f64,
    levels: Vec<LevelBuffers>,
    krylov: Krylov,
    groups: BindGroups,
    readback: Readback,
    a_norm: f64,
    b_inf: f64,
    b_two: f64,
    /// `||b - A shift||inf`: the right-hand side of the shifted system the GPU solves.
    b_shift_inf: f64,
    pub setup_s: f64,
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
    /// `ScalarsStep` uniforms for beta (mode 0) and alpha (mode 1).
    steps: [wgpu::Buffer; 2],
}

/// Kept in sync with `Step` in shaders/scalars.wgsl.
#[repr(C)]
#[derive(Clone, Copy, Debug, bytemuck::Pod, bytemuck::Zeroable)]
struct ScalarsStep {
    mode: u32,
    groups: u32,
    _pad0: u32,
    _pad1: u32,
}
const _: () = assert!(std::mem::size_of::<ScalarsStep>() == 16);

/// Kept in sync with `Scalars` in shaders/prelude.wgsl.
const SCALARS_BYTES: u64 = 16;

struct BindGroups {
    /// Per level: sweep u0 -> u1 and u1 -> u0.
    smooth: Vec<[wgpu::BindGroup; 2]>,
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
            ctx,
            kernels,
            check_every: 2,
        })
    }

    /// Refuses, before any allocation, a grid the adapter cannot hold, naming the limit.
    pub fn check_size(&self, nx: usize, ny: usize) -> Result<(), GpuError> {
        let limits = &self.ctx.limits;
        let cells = nx as u64 * ny as u64;
        let coef_bytes = cells * super::buffers::LARGEST_BINDING_BYTES_PER_CELL;
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
    pub fn prepare(&self, problem: &Problem) -> Result<Prepared, SolveError> {
        problem.validate()?;
        self.check_size(problem.nx, problem.ny)?;
        let start = Instant::now();
        let ctx = &self.ctx;
        let system = System::assemble(problem);
        let hierarchy = Hierarchy::build(&system);
        let op = &system.op;
        let (mut wsum, mut asum) = (0.0, 0.0);
        for p in 0..op.cells() {
            wsum += op.anchor[p] * system.anchor_value[p];
            asum += op.anchor[p];
        }
        let shift = if asum > 0.0 { wsum / asum } else { 0.0 };

        let mut levels = Vec::with_capacity(hierarchy.levels());
        let rhs0: Vec<f32> = system.rhs.iter().map(|&v| v as f32).collect();
        let coef0 = pack_coefficients(op, Some(&system.anchor_value), shift);
        let last = hierarchy.levels() - 1;
        let factor = |l: usize| (l == last).then_some(&hierarchy.coarsest);
        levels.push(LevelBuffers::new(
            ctx,
            0,
            op,
            &coef0,
            &rhs0,
            hierarchy.coarse.first(),
            factor(0),
        )?);
        drop((rhs0, coef0));
        for (l, level) in hierarchy.coarse.iter().enumerate() {
            let coef = pack_coefficients(&level.op, None, 0.0);
            let rhs = vec![0.0f32; level.op.cells()];
            let next = hierarchy.coarse.get(l + 1);
            levels.push(LevelBuffers::new(
                ctx,
                l + 1,
                &level.op,
                &coef,
                &rhs,
                next,
                factor(l + 1),
            )?);
        }
        let readback = self.readback(op.cells())?;
        let krylov = self.krylov(&levels[0])?;
        let groups = self.bind_groups(&levels, &krylov, &readback.atomics)?;
        let b = system.b();
        let b_inf = b.iter().fold(0.0f64, |m, x| m.max(x.abs()));
        let b_two = b.iter().map(|x| x * x).sum::<f64>().sqrt();
        let a_norm = op.norm_inf();
        let b_shift_inf = (0..op.cells())
            .map(|p| (system.rhs[p] + op.anchor[p] * (system.anchor_value[p] - shift)).abs())
            .fold(0.0f64, f64::max);
        // uploads are queued; wait so setup time includes them
        ctx.wait()?;
        Ok(Prepared {
            system,
            hierarchy,
            shift,
            levels,
            krylov,
            groups,
            readback,
            a_norm,
            b_inf,
            b_two,
            b_shift_inf,
            setup_s: start.elapsed().as_secs_f64(),
        })
    }

    fn krylov(&self, finest: &LevelBuffers) -> Result<Krylov, GpuError> {
        let ctx = &self.ctx;
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
            let uniform = |label: &str, bytes: &[u8]| {
                ctx.device
                    .create_buffer_init(&wgpu::util::BufferInitDescriptor {
                        label: Some(label),
                        contents: bytes,
                        usage: U::UNIFORM,
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
            Krylov {
                params: uniform("fcg.params", bytemuck::bytes_of(&full)),
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
                    size: SCALARS_BYTES,
                    usage: U::STORAGE | U::COPY_DST,
                    mapped_at_creation: false,
                }),
                steps: [
                    uniform("fcg.step.beta", bytemuck::bytes_of(&step(0))),
                    uniform("fcg.step.alpha", bytemuck::bytes_of(&step(1))),
                ],
            }
        })
    }

    fn bind_groups(
        &self,
        levels: &[LevelBuffers],
        kr: &Krylov,
        atomics: &wgpu::Buffer,
    ) -> Result<BindGroups, GpuError> {
        let (ctx, k) = (&self.ctx, &self.kernels);
        ctx.scoped("creating bind groups", || {
            let label = |kernel: &Kernel, l: usize| format!("mg.{}.L{l}", kernel.label);
            let last = levels.len() - 1;
            let mut smooth = Vec::new();
            let mut residual = Vec::new();
            let mut restrict = Vec::new();
            let mut prolong = Vec::new();
            // the cycle preconditions the Krylov residual: on the finest level its right-hand
            // side is r, elsewhere the restricted residual
            let rhs = |l: usize| if l == 0 { &kr.r } else { &levels[l].rhs };
            for (l, lv) in levels.iter().enumerate() {
                let sweep = |from: usize| {
                    k.smooth.bind(
                        ctx,
                        &label(&k.smooth, l),
                        &[
                            &lv.params,
                            &lv.faces,
                            &lv.anchors,
                            rhs(l),
                            &lv.u[from],
                            &lv.u[1 - from],
                        ],
                    )
                };
                smooth.push([sweep(0), sweep(1)]);
                residual.push(k.residual.bind(
                    ctx,
                    &label(&k.residual, l),
                    &[&lv.params, &lv.faces, &lv.anchors, rhs(l), &lv.u[0], &lv.r],
                ));
                if let (Some(coarse), Some([ix, iy])) = (levels.get(l + 1), &lv.interp) {
                    restrict.push(k.restrict.bind(
                        ctx,
                        &label(&k.restrict, l),
                        &[&lv.params, &lv.r, &coarse.rhs, &coarse.u[0]],
                    ));
                    prolong.push(k.prolong.bind(
                        ctx,
                        &label(&k.prolong, l),
                        &[&lv.params, &coarse.u[0], &lv.u[0], ix, iy],
                    ));
                }
            }
            let lc = &levels[last];
            let factor = lc.factor.as_ref().unwrap_or(&lc.rhs);
            let coarse = k.coarse.bind(
                ctx,
                &label(&k.coarse, last),
                &[
                    &lc.params,
                    &lc.faces,
                    &lc.anchors,
                    rhs(last),
                    &lc.u[0],
                    factor,
                ],
            );
            let l0 = &levels[0];
            let z = &l0.u[0];
            let fcg = |kernel: &Kernel, buffers: &[&wgpu::Buffer]| {
                kernel.bind(ctx, &format!("fcg.{}", kernel.label), buffers)
            };
            BindGroups {
                smooth,
                residual,
                restrict,
                prolong,
                coarse,
                true_residual: fcg(
                    &k.residual,
                    &[&kr.params, &l0.faces, &l0.anchors, &l0.rhs, &kr.x, &kr.r],
                ),
                dot: [
                    fcg(&k.dot, &[&l0.params, z, &kr.q, z, &kr.r, &kr.partials]),
                    fcg(
                        &k.dot,
                        &[&l0.params, &kr.p, &kr.q, &kr.p, &kr.r, &kr.partials],
                    ),
                ],
                scalars: [
                    fcg(&k.scalars, &[&kr.steps[0], &kr.partials, &kr.scalars]),
                    fcg(&k.scalars, &[&kr.steps[1], &kr.partials, &kr.scalars]),
                ],
                direction: fcg(&k.direction, &[&l0.params, &kr.scalars, z, &kr.p]),
                apply: fcg(
                    &k.apply,
                    &[&l0.params, &l0.faces, &l0.anchors, &kr.p, &kr.q],
                ),
                advance: fcg(&k.advance, &[&l0.params, &kr.scalars, &kr.p, &kr.x]),
                reduce: fcg(&k.reduce, &[&l0.params, &kr.r, &kr.x, atomics]),
            }
        })
    }

    fn readback(&self, cells: usize) -> Result<Readback, GpuError> {
        let ctx = &self.ctx;
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

    /// Records `sweeps` smoothing sweeps on level `l` (rounded up to an even count, so the
    /// result is back in `u0`).
    fn record_smooth(&self, pass: &mut wgpu::ComputePass, p: &Prepared, l: usize, sweeps: usize) {
        let (gx, gy) = p.levels[l].groups();
        pass.set_pipeline(&self.kernels.smooth.pipeline);
        for s in 0..sweeps.div_ceil(2) * 2 {
            pass.set_bind_group(0, &p.groups.smooth[l][s % 2], &[]);
            pass.dispatch_workgroups(gx, gy, 1);
        }
    }

    fn record_residual(&self, pass: &mut wgpu::ComputePass, p: &Prepared, l: usize) {
        let (gx, gy) = p.levels[l].groups();
        pass.set_pipeline(&self.kernels.residual.pipeline);
        pass.set_bind_group(0, &p.groups.residual[l], &[]);
        pass.dispatch_workgroups(gx, gy, 1);
    }

    fn record_vcycle(&self, pass: &mut wgpu::ComputePass, p: &Prepared, o: &SolveOptions) {
        let k = &self.kernels;
        let last = p.levels.len() - 1;
        for l in 0..last {
            self.record_smooth(pass, p, l, o.pre_sweeps);
            self.record_residual(pass, p, l);
            let (gx, gy) = p.levels[l + 1].groups();
            pass.set_pipeline(&k.restrict.pipeline);
            pass.set_bind_group(0, &p.groups.restrict[l], &[]);
            pass.dispatch_workgroups(gx, gy, 1);
        }
        pass.set_pipeline(&k.coarse.pipeline);
        pass.set_bind_group(0, &p.groups.coarse, &[]);
        pass.dispatch_workgroups(1, 1, 1);
        for l in (0..last).rev() {
            let (gx, gy) = p.levels[l].groups();
            pass.set_pipeline(&k.prolong.pipeline);
            pass.set_bind_group(0, &p.groups.prolong[l], &[]);
            pass.dispatch_workgroups(gx, gy, 1);
            self.record_smooth(pass, p, l, o.post_sweeps);
        }
    }

    fn dispatch(
        &self,
        pass: &mut wgpu::ComputePass,
        kernel: &Kernel,
        group: &wgpu::BindGroup,
        (gx, gy): (u32, u32),
    ) {
        pass.set_pipeline(&kernel.pipeline);
        pass.set_bind_group(0, group, &[]);
        pass.dispatch_workgroups(gx, gy, 1);
    }

    /// r = b - A x in the problem's own terms (anchor values on).
    fn record_true_residual(&self, pass: &mut wgpu::ComputePass, p: &Prepared) {
        let g = &p.groups;
        self.dispatch(
            pass,
            &self.kernels.residual,
            &g.true_residual,
            p.levels[0].groups(),
        );
    }

    /// One flexible-CG iteration after the true residual: z = M r (one V-cycle from z = 0,
    /// which the caller clears), p = z - beta p, q = A p, x += alpha p.
    fn record_krylov(&self, pass: &mut wgpu::ComputePass, p: &Prepared, o: &SolveOptions) {
        let (k, g) = (&self.kernels, &p.groups);
        let fine = p.levels[0].groups();
        self.record_vcycle(pass, p, o);
        self.dispatch(pass, &k.dot, &g.dot[0], fine);
        self.dispatch(pass, &k.scalars, &g.scalars[0], (1, 1));
        self.dispatch(pass, &k.direction, &g.direction, fine);
        self.dispatch(pass, &k.apply, &g.apply, fine);
        self.dispatch(pass, &k.dot, &g.dot[1], fine);
        self.dispatch(pass, &k.scalars, &g.scalars[1], (1, 1));
        self.dispatch(pass, &k.advance, &g.advance, fine);
    }

    /// Records `iterations` Krylov iterations, then the true residual and its reduction;
    /// submits, waits and reads back (max |r|, max x, min x) and the GPU time between the first
    /// and last pass. With 0 iterations it records only `sweeps` smoothing sweeps (the
    /// benchmark), and the values read back are meaningless.
    fn run_batch(
        &self,
        p: &Prepared,
        options: &SolveOptions,
        iterations: usize,
        sweeps: usize,
    ) -> Result<([f32; 3], Option<f64>), GpuError> {
        let ctx = &self.ctx;
        let rb = &p.readback;
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
        drop(pass(&mut encoder, "fcg.begin", stamp(0)));
        if iterations == 0 {
            let mut pass = pass(&mut encoder, "bench.smooth", None);
            self.record_smooth(&mut pass, p, 0, sweeps);
        }
        for _ in 0..iterations {
            {
                let mut pass = pass(&mut encoder, "fcg.residual", None);
                self.record_true_residual(&mut pass, p);
            }
            encoder.clear_buffer(&p.levels[0].u[0], 0, None);
            let mut pass = pass(&mut encoder, "fcg.iteration", None);
            self.record_krylov(&mut pass, p, options);
        }
        if iterations > 0 {
            let mut pass = pass(&mut encoder, "fcg.check", None);
            self.record_true_residual(&mut pass, p);
            let g = &p.groups;
            self.dispatch(
                &mut pass,
                &self.kernels.reduce,
                &g.reduce,
                p.levels[0].groups(),
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
    fn download(&self, p: &Prepared) -> Result<Vec<f64>, GpuError> {
        let ctx = &self.ctx;
        let mut encoder = ctx
            .device
            .create_command_encoder(&wgpu::CommandEncoderDescriptor {
                label: Some("mg.download"),
            });
        let size = p.readback.solution.size();
        encoder.copy_buffer_to_buffer(&p.krylov.x, 0, &p.readback.solution, 0, size);
        ctx.queue.submit([encoder.finish()]);
        let bytes = read_buffer(ctx, &p.readback.solution)?;
        let values: &[f32] = bytemuck::cast_slice(&bytes);
        Ok(values.iter().map(|&v| f64::from(v) + p.shift).collect())
    }

    /// Flexible-CG iterations (one V-cycle each) until the tolerance is met, checking every
    /// `check_every` iterations on the GPU and confirming in f64 on the host. Stops early when
    /// the estimate stalls (the f32 floor). Starts from x = 0 (u = shift).
    pub fn iterate(&self, p: &Prepared, options: &SolveOptions) -> Result<Solution, SolveError> {
        let start = Instant::now();
        {
            // a fresh start: x = 0 and no previous direction (pq_prev = 0)
            let mut encoder =
                self.ctx
                    .device
                    .create_command_encoder(&wgpu::CommandEncoderDescriptor {
                        label: Some("fcg.reset"),
                    });
            encoder.clear_buffer(&p.krylov.x, 0, None);
            encoder.clear_buffer(&p.krylov.p, 0, None);
            encoder.clear_buffer(&p.krylov.scalars, 0, None);
            self.ctx.queue.submit([encoder.finish()]);
        }
        let mut stats = SolveStats {
            setup_s: p.setup_s,
            levels: p.levels.len(),
            timestamped: p.readback.timestamps.is_some(),
            ..Default::default()
        };
        let cells = p.system.cells() as f64;
        let mut gpu_s = 0.0;
        let mut best = f64::INFINITY;
        let mut stalled = 0;
        loop {
            let batch = self
                .check_every
                .max(1)
                .min(options.max_cycles - stats.cycles);
            let ([r_inf, u_max, u_min], seconds) = self.run_batch(p, options, batch, 0)?;
            gpu_s += seconds.unwrap_or(0.0);
            stats.cycles += batch;
            let (r_inf, u_max, u_min) = (f64::from(r_inf), f64::from(u_max), f64::from(u_min));
            let u_inf = (u_max + p.shift).abs().max((u_min + p.shift).abs());
            let eta = r_inf / (p.a_norm * u_inf + p.b_inf);
            let eta_shifted = r_inf / (p.a_norm * u_max.abs().max(u_min.abs()) + p.b_shift_inf);
            stats.history.push(eta_shifted);
            if eta_shifted < 0.5 * best {
                best = eta_shifted;
            } else {
                stalled += 1;
            }
            let estimate_met = eta_shifted <= F32_FLOOR_ETA
                && match options.tolerance {
                    Tolerance::Eta(t) => eta <= 0.5 * t,
                    // ||r||2 <= sqrt(n) ||r||inf: a bound, so the host check below rarely fails
                    Tolerance::RelResidual(t) => r_inf * cells.sqrt() <= 0.5 * t * p.b_two,
                };
            let out_of_cycles = stats.cycles >= options.max_cycles || stalled >= 1;
            if estimate_met || out_of_cycles {
                stats.solve_s = if stats.timestamped {
                    gpu_s
                } else {
                    start.elapsed().as_secs_f64()
                };
                let u = self.download(p)?;
                stats.quality = p.system.quality(&u);
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
    pub fn time_smoother(&self, p: &Prepared, sweeps: usize) -> Result<f64, GpuError> {
        let start = Instant::now();
        let options = SolveOptions::for_precision(true);
        let (_, seconds) = self.run_batch(p, &options, 0, sweeps)?;
        let total = seconds.unwrap_or_else(|| start.elapsed().as_secs_f64());
        Ok(total / (sweeps.div_ceil(2) * 2) as f64)
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
            adapter: self.ctx.adapter.name.clone(),
        }
    }

    fn solve(&mut self, problem: &Problem, options: &SolveOptions) -> Result<Solution, SolveError> {
        let prepared = self.prepare(problem)?;
        self.iterate(&prepared, options)
    }
}

/// Bytes a GPU sweep must move per cell: reads u, faces (2), anchors (2) and rhs, writes u
/// (f32 each).
pub const SWEEP_BYTES_PER_CELL: f64 = 28.0;
