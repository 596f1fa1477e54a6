//! GPU stage `screen` (`shaders/screen.wgsl`): the all-buses × all-cases × all-branches
//! hosting-capacity minimum of `crate::grid::screen`, in f32, one workgroup per bus.
//!
//! Setup once per network ([`Screen::new`]): the pipeline, every buffer, the bind group, and
//! the case data shared by all snapshots (outage factors, outaged branches). Per snapshot
//! ([`Screen::run`]): three buffer writes (sensitivities and rooms), one dispatch, one
//! readback of 16 bytes a bus. The caller re-evaluates each bus's chosen constraint in f64.
//!
//! Invariants: `cases × branches` fits a `u32` (the packed tie-break index); every array fits
//! the adapter's storage-binding limit; the uniform and result structs mirror the WGSL ones.

use super::context::GpuContext;
use super::kernels::Kernel;
use super::GpuError;
use wgpu::util::DeviceExt;

/// Stage name = WGSL file = resource label prefix.
pub const STAGE: &str = "screen";
/// Relative margin by which the f32 cutoff undercuts the f64 one, far above f32 rounding
/// of a distribution factor.
pub const GUARD: f64 = 1e-3;
/// Threads per workgroup (`REDUCE` in the shader).
pub const WORKGROUP: u32 = super::kernels::REDUCE;

// The stage's inputs, made by `crate::grid::screen`: plain arrays, so this module needs
// nothing of the grid model.

/// What does not change between snapshots: the outage factors in case order.
pub struct Cases {
    pub branches: usize,
    /// Case count: 1 (base) + credible outages.
    pub cases: usize,
    /// `d[c * m + l]`; row 0 is zero.
    pub d: Vec<f64>,
    /// Branch whose circuit is out in case `c`; `NONE` for the base case.
    pub outaged: Vec<u32>,
    /// Smallest distribution factor that counts (a constraint with less is not screened).
    pub dfax_min: f64,
}

/// What one snapshot adds.
pub struct SnapshotScreen {
    pub buses: usize,
    /// `s[i * m + l]`: flow on `l` per MW of new load at `i`.
    pub s: Vec<f64>,
    /// Rooms up and down, `cases × m`, MW; `NO_ROOM` (see `grid::screen`) where skipped.
    pub up: Vec<f64>,
    pub down: Vec<f64>,
    /// Largest new load the participating plants can meet, MW.
    pub cap_mw: f64,
}

/// Kept in sync with shaders/screen.wgsl (`Params`).
#[repr(C)]
#[derive(Clone, Copy, Debug, bytemuck::Pod, bytemuck::Zeroable)]
pub struct ScreenParams {
    pub buses: u32,
    pub branches: u32,
    pub cases: u32,
    pub groups_x: u32,
    pub cap_mw: f32,
    /// Distribution-factor cutoff, a little below the f64 one (see `grid::hosting`).
    pub dfax_min: f32,
    pub _pad1: f32,
    pub _pad2: f32,
}
const _: () = assert!(std::mem::size_of::<ScreenParams>() == 32);

/// Kept in sync with shaders/screen.wgsl (`Found`): one bus's binding constraint.
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq, bytemuck::Pod, bytemuck::Zeroable)]
pub struct Found {
    pub value_mw: f32,
    /// Case index (0 = base), `u32::MAX` when the cap binds.
    pub case: u32,
    pub branch: u32,
    pub _pad: u32,
}
const _: () = assert!(std::mem::size_of::<Found>() == 16);

pub struct Screen {
    kernel: Kernel,
    bind_group: wgpu::BindGroup,
    params: wgpu::Buffer,
    s: wgpu::Buffer,
    cases_buf: wgpu::Buffer,
    found: wgpu::Buffer,
    staging: wgpu::Buffer,
    /// Outaged branch per case, written once; held so it lives as long as the bind group.
    _outaged: wgpu::Buffer,
    /// The outage factors in f32, branch-major (`[l * cases + c]`), packed with each
    /// snapshot's rooms at upload.
    d_t: Vec<f32>,
    buses: usize,
    branches: usize,
    cases: usize,
    groups: (u32, u32),
    dfax_min: f64,
}

/// `values[c * m + l]` → `out[l * cases + c]`, in f32.
fn transpose(values: &[f64], cases: usize, m: usize) -> Vec<f32> {
    let mut out = vec![0.0f32; cases * m];
    for c in 0..cases {
        let row = &values[c * m..(c + 1) * m];
        for (l, &v) in row.iter().enumerate() {
            out[l * cases + c] = v as f32;
        }
    }
    out
}

/// One `vec4<f32>` per (branch, case), branch-major: (outage factor, room up, room down, 0).
fn pack(d_t: &[f32], snap: &SnapshotScreen, cases: usize, m: usize) -> Vec<[f32; 4]> {
    let mut out = vec![[0.0f32; 4]; cases * m];
    for c in 0..cases {
        for l in 0..m {
            let at = l * cases + c;
            out[at] = [
                d_t[at],
                snap.up[c * m + l] as f32,
                snap.down[c * m + l] as f32,
                0.0,
            ];
        }
    }
    out
}

impl Screen {
    /// Builds the stage for `buses` buses and the network's `cases`, and uploads the cases.
    pub fn new(ctx: &GpuContext, cases: &Cases, buses: usize) -> Result<Screen, GpuError> {
        let (branches, ncases) = (cases.branches, cases.cases);
        let too_large = |what: &str, needed: u64, limit: &str, value: u64| {
            GpuError::Device(format!(
                "screen: {what} needs {needed} but the adapter's {limit} is {value}"
            ))
        };
        let packed = ncases as u64 * branches as u64;
        if packed >= u32::MAX as u64 {
            return Err(too_large(
                "cases × branches",
                packed,
                "u32 index range",
                u32::MAX as u64,
            ));
        }
        let binding = ctx.limits.max_storage_buffer_binding_size;
        let largest = (packed * 16).max(buses as u64 * branches as u64 * 4);
        if largest > binding {
            return Err(too_large(
                "a case array (bytes)",
                largest,
                "max_storage_buffer_binding_size",
                binding,
            ));
        }
        let max_x = ctx.limits.max_compute_workgroups_per_dimension.max(1);
        let gx = (buses as u32).clamp(1, max_x);
        let gy = (buses as u32).div_ceil(gx).max(1);
        if gy > max_x {
            return Err(too_large(
                "one workgroup per bus",
                buses as u64,
                "max_compute_workgroups_per_dimension squared",
                max_x as u64 * max_x as u64,
            ));
        }
        let d_t = transpose(&cases.d, ncases, branches);
        let def = super::kernels::other_stages()
            .into_iter()
            .find(|d| d.name == STAGE)
            .ok_or_else(|| GpuError::Device(format!("no shader stage `{STAGE}`")))?;
        let kernel = Kernel::build(ctx, &def)?;
        ctx.scoped("building the `screen` stage", || {
            let device = &ctx.device;
            use wgpu::BufferUsages as U;
            let storage = |label: &str, bytes: u64| {
                device.create_buffer(&wgpu::BufferDescriptor {
                    label: Some(label),
                    size: bytes.max(4),
                    usage: U::STORAGE | U::COPY_DST,
                    mapped_at_creation: false,
                })
            };
            let init = |label: &str, contents: &[u8]| {
                device.create_buffer_init(&wgpu::util::BufferInitDescriptor {
                    label: Some(label),
                    contents,
                    usage: U::STORAGE,
                })
            };
            let params = device.create_buffer(&wgpu::BufferDescriptor {
                label: Some("screen.params"),
                size: std::mem::size_of::<ScreenParams>() as u64,
                usage: U::UNIFORM | U::COPY_DST,
                mapped_at_creation: false,
            });
            let s = storage("screen.s", buses as u64 * branches as u64 * 4);
            let cases_buf = storage("screen.cases", packed * 16);
            let outaged = init("screen.outaged", bytemuck::cast_slice(&cases.outaged));
            let found_bytes = (buses.max(1) * std::mem::size_of::<Found>()) as u64;
            let found = device.create_buffer(&wgpu::BufferDescriptor {
                label: Some("screen.found"),
                size: found_bytes,
                usage: U::STORAGE | U::COPY_SRC,
                mapped_at_creation: false,
            });
            let staging = device.create_buffer(&wgpu::BufferDescriptor {
                label: Some("screen.found.staging"),
                size: found_bytes,
                usage: U::MAP_READ | U::COPY_DST,
                mapped_at_creation: false,
            });
            let bind_group = kernel.bind(
                ctx,
                "screen.bind",
                &[
                    ("params", &params),
                    ("s", &s),
                    ("cases", &cases_buf),
                    ("outaged", &outaged),
                    ("found", &found),
                ],
            );
            Screen {
                kernel,
                bind_group,
                params,
                s,
                cases_buf,
                found,
                staging,
                _outaged: outaged,
                d_t,
                buses,
                branches,
                cases: ncases,
                groups: (gx, gy),
                dfax_min: cases.dfax_min,
            }
        })
    }

    /// Screens one snapshot: uploads its sensitivities and rooms, dispatches one workgroup per
    /// bus, reads the result back once.
    pub fn run(&self, ctx: &GpuContext, snap: &SnapshotScreen) -> Result<Vec<Found>, GpuError> {
        let (n, m, c) = (self.buses, self.branches, self.cases);
        if snap.buses != n || snap.s.len() != n * m || snap.up.len() != c * m {
            return Err(GpuError::Device(format!(
                "screen: snapshot arrays ({} buses, {} sensitivities, {} rooms) do not match the \
                 stage ({n} buses, {m} branches, {c} cases)",
                snap.buses,
                snap.s.len(),
                snap.up.len()
            )));
        }
        let s: Vec<f32> = snap.s.iter().map(|&v| v as f32).collect();
        let packed = pack(&self.d_t, snap, c, m);
        let params = ScreenParams {
            buses: n as u32,
            branches: m as u32,
            cases: c as u32,
            groups_x: self.groups.0,
            cap_mw: snap.cap_mw as f32,
            dfax_min: (self.dfax_min * (1.0 - GUARD)) as f32,
            _pad1: 0.0,
            _pad2: 0.0,
        };
        ctx.scoped("running the `screen` stage", || {
            ctx.queue
                .write_buffer(&self.params, 0, bytemuck::bytes_of(&params));
            ctx.queue.write_buffer(&self.s, 0, bytemuck::cast_slice(&s));
            ctx.queue
                .write_buffer(&self.cases_buf, 0, bytemuck::cast_slice(&packed));
            let mut encoder = ctx
                .device
                .create_command_encoder(&wgpu::CommandEncoderDescriptor {
                    label: Some("screen"),
                });
            {
                let mut pass = encoder.begin_compute_pass(&wgpu::ComputePassDescriptor {
                    label: Some(STAGE),
                    timestamp_writes: None,
                });
                pass.set_pipeline(&self.kernel.pipeline);
                pass.set_bind_group(0, &self.bind_group, &[]);
                pass.dispatch_workgroups(self.groups.0, self.groups.1, 1);
            }
            let bytes = (n.max(1) * std::mem::size_of::<Found>()) as u64;
            encoder.copy_buffer_to_buffer(&self.found, 0, &self.staging, 0, bytes);
            ctx.queue.submit([encoder.finish()]);
        })?;
        let bytes = super::solver::read_buffer(ctx, &self.staging)?;
        let found: &[Found] = bytemuck::cast_slice(&bytes);
        Ok(found[..n].to_vec())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn transpose_swaps_case_and_branch() {
        let v = [1.0, 2.0, 3.0, 4.0, 5.0, 6.0]; // 2 cases x 3 branches
        assert_eq!(transpose(&v, 2, 3), vec![1.0, 4.0, 2.0, 5.0, 3.0, 6.0]);
    }
}
