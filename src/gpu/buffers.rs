//! GPU buffers of the multigrid hierarchy: per level the coefficients (faces, anchors), right-hand side,
//! two solution buffers (ping-pong), residual, and the uniform describing the level.
//!
//! Invariants: every field is stored once per level, allocated once per solve, and labelled
//! `mg.<field>.L<level>`. Values are f32; the finest level's anchor values are shifted by the
//! solve's reference value so that f32 carries the variation of u, not its offset.

use super::context::GpuContext;
use super::GpuError;
use crate::solver::hierarchy::{BandedCholesky, CoarseLevel, Interp};
use crate::solver::system::Operator;
use bytemuck::{Pod, Zeroable};
use wgpu::util::DeviceExt;

/// Kept in sync with `LevelParams` in shaders/prelude.wgsl.
#[repr(C)]
#[derive(Clone, Copy, Debug, Pod, Zeroable)]
pub struct LevelParams {
    pub nx: u32,
    pub ny: u32,
    pub cnx: u32,
    pub cny: u32,
    pub rx: u32,
    pub ry: u32,
    pub band: u32,
    pub by_columns: u32,
    pub homogeneous: u32,
    pub _pad0: u32,
    pub _pad1: u32,
    pub _pad2: u32,
}
const _: () = assert!(std::mem::size_of::<LevelParams>() == 48);

/// Kept in sync with `Interp` in shaders/prelude.wgsl.
#[repr(C)]
#[derive(Clone, Copy, Debug, Pod, Zeroable)]
pub struct GpuInterp {
    pub coarse: u32,
    pub nb: u32,
    pub w_nb: f32,
    pub _pad: u32,
}
const _: () = assert!(std::mem::size_of::<GpuInterp>() == 16);

impl From<&Interp> for GpuInterp {
    fn from(x: &Interp) -> Self {
        GpuInterp {
            coarse: x.coarse as u32,
            nb: x.nb as u32,
            w_nb: x.w_nb as f32,
            _pad: 0,
        }
    }
}

pub struct LevelBuffers {
    pub nx: u32,
    pub ny: u32,
    pub params: wgpu::Buffer,
    pub params_value: LevelParams,
    pub faces: wgpu::Buffer,
    pub anchors: wgpu::Buffer,
    pub rhs: wgpu::Buffer,
    pub u: [wgpu::Buffer; 2],
    pub r: wgpu::Buffer,
    /// Prolongation tables from the next coarser level into this one (none on the coarsest).
    pub interp: Option<[wgpu::Buffer; 2]>,
    /// The coarsest level's banded Cholesky factor (none on other levels).
    pub factor: Option<wgpu::Buffer>,
}

/// Packs (cx, cy, anchor, anchor value) per cell in f32.
/// Bytes per cell of the largest storage binding (faces or anchors, one vec2<f32>), which the
/// adapter's `max_storage_buffer_binding_size` must hold for the finest level.
pub const LARGEST_BINDING_BYTES_PER_CELL: u64 = 8;

/// Per-cell coefficients in f32, as the shaders read them.
pub struct Coefficients {
    /// (cx, cy): east and north face conductances.
    pub faces: Vec<[f32; 2]>,
    /// (anchor, anchor value).
    pub anchors: Vec<[f32; 2]>,
}

pub fn pack_coefficients(op: &Operator, anchor_value: Option<&[f64]>, shift: f64) -> Coefficients {
    let n = op.cells();
    Coefficients {
        faces: (0..n).map(|p| [op.cx[p] as f32, op.cy[p] as f32]).collect(),
        anchors: (0..n)
            .map(|p| {
                let w = anchor_value.map_or(0.0, |w| w[p] - shift);
                [op.anchor[p] as f32, w as f32]
            })
            .collect(),
    }
}

impl LevelBuffers {
    /// Allocates one level. `next` is the coarser level below it, if any.
    pub fn new(
        ctx: &GpuContext,
        level: usize,
        op: &Operator,
        coef: &Coefficients,
        rhs: &[f32],
        next: Option<&CoarseLevel>,
        coarsest: Option<&BandedCholesky>,
    ) -> Result<Self, GpuError> {
        let (nx, ny) = (op.nx as u32, op.ny as u32);
        let params = LevelParams {
            nx,
            ny,
            cnx: next.map_or(nx, |c| c.op.nx as u32),
            cny: next.map_or(ny, |c| c.op.ny as u32),
            rx: next.map_or(1, |c| c.rx as u32),
            ry: next.map_or(1, |c| c.ry as u32),
            band: coarsest.map_or(0, |f| f.band as u32),
            by_columns: coarsest.map_or(0, |f| u32::from(f.column_major)),
            // the cycle always solves for a correction; the solver's own residual uses a copy
            // of the finest level's params with this cleared
            homogeneous: 1,
            _pad0: 0,
            _pad1: 0,
            _pad2: 0,
        };
        let device = &ctx.device;
        let storage = wgpu::BufferUsages::STORAGE
            | wgpu::BufferUsages::COPY_DST
            | wgpu::BufferUsages::COPY_SRC;
        let init = |name: &str, contents: &[u8], usage| {
            device.create_buffer_init(&wgpu::util::BufferInitDescriptor {
                label: Some(&format!("mg.{name}.L{level}")),
                contents,
                usage,
            })
        };
        let zeros = |name: &str| {
            device.create_buffer(&wgpu::BufferDescriptor {
                label: Some(&format!("mg.{name}.L{level}")),
                size: op.cells() as u64 * 4,
                usage: storage,
                mapped_at_creation: false,
            })
        };
        ctx.scoped(&format!("allocating level {level} ({nx} x {ny})"), || {
            let interp = next.map(|c| {
                let table = |t: &[Interp], name: &str| {
                    let g: Vec<GpuInterp> = t.iter().map(GpuInterp::from).collect();
                    init(name, bytemuck::cast_slice(&g), wgpu::BufferUsages::STORAGE)
                };
                [table(&c.px, "interp_x"), table(&c.py, "interp_y")]
            });
            LevelBuffers {
                nx,
                ny,
                params_value: params,
                params: init(
                    "params",
                    bytemuck::bytes_of(&params),
                    wgpu::BufferUsages::UNIFORM,
                ),
                faces: init("faces", bytemuck::cast_slice(&coef.faces), storage),
                anchors: init("anchors", bytemuck::cast_slice(&coef.anchors), storage),
                rhs: init("rhs", bytemuck::cast_slice(rhs), storage),
                u: [zeros("u0"), zeros("u1")],
                r: zeros("r"),
                interp,
                factor: coarsest.map(|f| {
                    let l: Vec<f32> = f.l.iter().map(|&v| v as f32).collect();
                    init(
                        "factor",
                        bytemuck::cast_slice(&l),
                        wgpu::BufferUsages::STORAGE,
                    )
                }),
            }
        })
    }

    /// Workgroups covering this level's cells.
    pub fn groups(&self) -> (u32, u32) {
        (
            super::kernels::div_ceil(self.nx, super::kernels::WORKGROUP),
            super::kernels::div_ceil(self.ny, super::kernels::WORKGROUP),
        )
    }
}
