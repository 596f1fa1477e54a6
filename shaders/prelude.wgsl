// Shared by every multigrid stage; prepended to each stage's source before compilation.
//
// Grid layout: cell (i, j) of a level is element j * nx + i. Per-cell coefficients come in two
// vec2 arrays: faces = (cx, cy), the conductances of the east and north faces (0 on the last
// column/row), and anchors = (a, w), the row's `a (u - w)` term. Two 8-byte arrays rather than
// one 16-byte array keep a 4096^2 level within a 128 MiB storage binding.
// Every stage runs 16 x 16 workgroups over the cells of the level it writes.

// Kept in sync with `LevelParams` in src/gpu/buffers.rs (48 bytes).
struct LevelParams {
    nx: u32,
    ny: u32,
    // the next coarser level (equal to nx, ny on the coarsest)
    cnx: u32,
    cny: u32,
    rx: u32,
    ry: u32,
    // coarsest level only: half-bandwidth of its Cholesky factor, and whether cells are
    // numbered down columns (see `BandedCholesky` in src/solver/hierarchy.rs)
    band: u32,
    by_columns: u32,
    // 1: solve for a correction (anchor values read as 0) — the multigrid preconditioner;
    // 0: the problem's own anchor values (the true residual of the finest level)
    homogeneous: u32,
    _pad0: u32,
    _pad1: u32,
    _pad2: u32,
}

// Kept in sync with `GpuInterp` in src/gpu/buffers.rs (16 bytes): fine cell's parent, its
// neighbour along one axis, and the neighbour's weight.
struct Interp {
    coarse: u32,
    nb: u32,
    w_nb: f32,
    _pad: u32,
}

const WG: u32 = 16u;

fn inside(i: i32, j: i32, p: LevelParams) -> bool {
    return i >= 0 && j >= 0 && i < i32(p.nx) && j < i32(p.ny);
}

// The anchor value of a cell's coefficients, or 0 when solving for a correction.
fn anchor_value(c: vec4<f32>, p: LevelParams) -> f32 {
    return select(c.w, 0.0, p.homogeneous != 0u);
}

// Kept in sync with `Scalars` in src/gpu/solver.rs: the Krylov coefficients, on the GPU so
// that no iteration waits for a readback.
struct Scalars {
    beta: f32,
    alpha: f32,
    // p . A p of the previous direction (0 before the first)
    pq_prev: f32,
    _pad: f32,
}
