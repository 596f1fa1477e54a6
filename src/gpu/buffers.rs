//! GPU buffers of the multigrid hierarchy: per level the coefficients, right-hand side,
//! solution (two on the finest level, for the ping-pong smoother), residual, the weights that
//! interpolate the next coarser level into it, the line-solve work fields where lines are
//! smoothed, the coarsest level's LU factor, and the uniforms describing the level.
//!
//! Invariants: every field is stored once per level, allocated once per prepared operator, and
//! labelled `mg.<field>.L<level>`. Values are f32; the finest level's anchor values are shifted
//! by the solve's reference value so that f32 carries the variation of u, not its offset.

use super::context::GpuContext;
use super::kernels::{div_ceil, Variant, LINE_WG, WORKGROUP};
use super::GpuError;
use crate::solver::direct::BandedLu;
use crate::solver::hierarchy::{Stencil9, Weights};
use crate::solver::system::{Faces, Operator};
use bytemuck::{Pod, Zeroable};
use wgpu::util::DeviceExt;

/// Kept in sync with `LevelParams` in shaders/include/prelude.wgsl.
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

/// Kept in sync with `Phase` in shaders/include/prelude.wgsl.
#[repr(C)]
#[derive(Clone, Copy, Debug, Pod, Zeroable)]
pub struct Phase {
    pub colour_x: u32,
    pub colour_y: u32,
    pub along_x: u32,
    pub parity: u32,
}
const _: () = assert!(std::mem::size_of::<Phase>() == 16);

/// The four colours of a coarse-level point sweep, in sweep order.
pub const COLOURS: [(u32, u32); 4] = [(0, 0), (1, 0), (0, 1), (1, 1)];
/// The four half sweeps of an alternating zebra line sweep: (along x, parity).
pub const LINE_PHASES: [(u32, u32); 4] = [(1, 0), (1, 1), (0, 0), (0, 1)];

/// A level's coupling buffers.
pub enum Couplings {
    /// The finest level: faces (layout by variant) and anchors (a, w - shift).
    Finest {
        variant: Variant,
        faces: wgpu::Buffer,
        anchors: wgpu::Buffer,
    },
    /// A coarse 9-point level.
    Coarse {
        c_axis: wgpu::Buffer,
        c_diag: wgpu::Buffer,
        anchor: wgpu::Buffer,
    },
}

pub struct LevelBuffers {
    pub nx: u32,
    pub ny: u32,
    pub params: wgpu::Buffer,
    pub params_value: LevelParams,
    pub couplings: Couplings,
    pub rhs: wgpu::Buffer,
    /// Solution (correction); the finest level has a second one for the ping-pong smoother.
    pub u: Vec<wgpu::Buffer>,
    pub r: wgpu::Buffer,
    /// Interpolation from the next coarser level into this one (none on the coarsest).
    pub interp: Option<[wgpu::Buffer; 2]>,
    /// Line-solve work fields (only where lines are smoothed).
    pub line_work: Option<[wgpu::Buffer; 2]>,
    /// Colour and line phases, one uniform each.
    pub colours: Vec<wgpu::Buffer>,
    pub line_phases: Vec<wgpu::Buffer>,
    /// The coarsest level's banded LU factor (none on other levels).
    pub factor: Option<wgpu::Buffer>,
}

/// Bytes per cell of the largest storage binding of the finest level, which the adapter's
/// `max_storage_buffer_binding_size` must hold.
pub fn largest_binding_bytes_per_cell(variant: Variant) -> u64 {
    match variant {
        Variant::Symmetric => 8,
        Variant::General => 16,
    }
}

/// The finest level's faces in f32, laid out for its variant.
pub fn pack_faces(op: &Operator) -> (Variant, Vec<f32>) {
    match &op.faces {
        Faces::Symmetric { cx, cy } => (
            Variant::Symmetric,
            cx.iter()
                .zip(cy)
                .flat_map(|(&x, &y)| [x as f32, y as f32])
                .collect(),
        ),
        Faces::General { c } => (
            Variant::General,
            c.iter().flat_map(|c| c.map(|v| v as f32)).collect(),
        ),
    }
}

/// (a, w - shift) per cell in f32.
pub fn pack_anchors(op: &Operator, anchor_value: &[f64], shift: f64) -> Vec<f32> {
    op.anchor
        .iter()
        .zip(anchor_value)
        .flat_map(|(&a, &w)| [a as f32, (w - shift) as f32])
        .collect()
}

/// Everything that describes one level for [`LevelBuffers::new`].
pub struct LevelSpec<'a> {
    pub level: usize,
    pub nx: usize,
    pub ny: usize,
    pub data: LevelData<'a>,
    /// Interpolation from the next coarser level into this one.
    pub next: Option<&'a Weights>,
    pub coarsest: Option<&'a BandedLu>,
    pub lines: bool,
}

pub enum LevelData<'a> {
    Finest {
        op: &'a Operator,
        anchors: &'a [f32],
        rhs: &'a [f32],
    },
    Coarse(&'a Stencil9),
}

impl LevelBuffers {
    pub fn new(ctx: &GpuContext, spec: &LevelSpec) -> Result<Self, GpuError> {
        let level = spec.level;
        let (nx, ny) = (spec.nx as u32, spec.ny as u32);
        let cells = spec.nx * spec.ny;
        let params = LevelParams {
            nx,
            ny,
            cnx: spec.next.map_or(nx, |w| w.cnx as u32),
            cny: spec.next.map_or(ny, |w| w.cny as u32),
            rx: spec.next.map_or(1, |w| w.rx as u32),
            ry: spec.next.map_or(1, |w| w.ry as u32),
            band: spec.coarsest.map_or(0, |f| f.band as u32),
            by_columns: spec.coarsest.map_or(0, |f| u32::from(f.column_major)),
            // the cycle always solves for a correction; the solver's own residual uses a copy
            // of the finest level's params with this cleared
            homogeneous: 1,
            _pad0: 0,
            _pad1: 0,
            _pad2: 0,
        };
        let device = &ctx.device;
        use wgpu::BufferUsages as U;
        let storage = U::STORAGE | U::COPY_DST | U::COPY_SRC;
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
                size: cells as u64 * 4,
                usage: storage,
                mapped_at_creation: false,
            })
        };
        let phase = |name: &str, p: Phase| init(name, bytemuck::bytes_of(&p), U::UNIFORM);
        ctx.scoped(&format!("allocating level {level} ({nx} x {ny})"), || {
            let (couplings, rhs) = match &spec.data {
                LevelData::Finest { op, anchors, rhs } => {
                    let (variant, faces) = pack_faces(op);
                    (
                        Couplings::Finest {
                            variant,
                            faces: init("faces", bytemuck::cast_slice(&faces), storage),
                            anchors: init("anchors", bytemuck::cast_slice(anchors), storage),
                        },
                        init("rhs", bytemuck::cast_slice(rhs), storage),
                    )
                }
                LevelData::Coarse(op) => {
                    let axis: Vec<f32> =
                        op.c.iter().flat_map(|c| [c[0], c[1], c[2], c[3]]).collect();
                    let diag: Vec<f32> =
                        op.c.iter().flat_map(|c| [c[4], c[5], c[6], c[7]]).collect();
                    let anchor: Vec<f32> = op.anchor.iter().map(|&v| v as f32).collect();
                    (
                        Couplings::Coarse {
                            c_axis: init("c_axis", bytemuck::cast_slice(&axis), storage),
                            c_diag: init("c_diag", bytemuck::cast_slice(&diag), storage),
                            anchor: init("anchor", bytemuck::cast_slice(&anchor), storage),
                        },
                        zeros("rhs"),
                    )
                }
            };
            let finest = matches!(spec.data, LevelData::Finest { .. });
            let u = if finest {
                vec![zeros("u0"), zeros("u1")]
            } else {
                vec![zeros("u0")]
            };
            let interp = spec.next.map(|w| {
                let a: Vec<f32> = w.w.iter().flat_map(|w| [w[0], w[1], w[2], w[3]]).collect();
                let b: Vec<f32> = w.w.iter().flat_map(|w| [w[4], w[5], w[6], w[7]]).collect();
                [
                    init("w_a", bytemuck::cast_slice(&a), U::STORAGE),
                    init("w_b", bytemuck::cast_slice(&b), U::STORAGE),
                ]
            });
            let colours = if finest {
                Vec::new()
            } else {
                COLOURS
                    .iter()
                    .enumerate()
                    .map(|(k, &(cx, cy))| {
                        phase(
                            &format!("colour{k}"),
                            Phase {
                                colour_x: cx,
                                colour_y: cy,
                                along_x: 0,
                                parity: 0,
                            },
                        )
                    })
                    .collect()
            };
            let line_phases = if spec.lines {
                LINE_PHASES
                    .iter()
                    .enumerate()
                    .map(|(k, &(along_x, parity))| {
                        phase(
                            &format!("lines{k}"),
                            Phase {
                                colour_x: 0,
                                colour_y: 0,
                                along_x,
                                parity,
                            },
                        )
                    })
                    .collect()
            } else {
                Vec::new()
            };
            LevelBuffers {
                nx,
                ny,
                params_value: params,
                params: init("params", bytemuck::bytes_of(&params), U::UNIFORM),
                couplings,
                rhs,
                u,
                r: zeros("r"),
                interp,
                line_work: spec.lines.then(|| [zeros("work_c"), zeros("work_d")]),
                colours,
                line_phases,
                factor: spec.coarsest.map(|f| {
                    let lu: Vec<f32> = f.lu.iter().map(|&v| v as f32).collect();
                    init("factor", bytemuck::cast_slice(&lu), U::STORAGE)
                }),
            }
        })
    }

    /// Workgroups covering this level's cells.
    pub fn groups(&self) -> (u32, u32) {
        (div_ceil(self.nx, WORKGROUP), div_ceil(self.ny, WORKGROUP))
    }

    /// Workgroups covering one colour of this level's cells.
    pub fn colour_groups(&self) -> (u32, u32) {
        (
            div_ceil(self.nx.div_ceil(2), WORKGROUP),
            div_ceil(self.ny.div_ceil(2), WORKGROUP),
        )
    }

    /// Workgroups covering every other line along or across x.
    pub fn line_groups(&self, along_x: bool) -> u32 {
        let lines = if along_x { self.ny } else { self.nx };
        div_ceil(lines.div_ceil(2), LINE_WG)
    }
}
