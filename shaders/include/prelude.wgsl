// Shared by every stage. The constants above this line (WG, HALO, SPAN, RING, REDUCE,
// LINE_WG) are generated from src/gpu/kernels.rs, and each stage's bindings are generated from
// its binding list there, so neither is written twice.
//
// Grid layout: cell (i, j) of a level is element j * nx + i. The finest level is a 5-point
// operator in difference form: couplings (see coef5_*.wgsl) and anchors = (a, w), the row's
// `a (u - w)` term. Coarse levels are 9-point Galerkin operators: couplings to W, E, S, N in
// `c_axis`, to SW, SE, NW, NE in `c_diag`, and an anchor (the row sum).

// Kept in sync with `LevelParams` in src/gpu/buffers.rs (48 bytes).
struct LevelParams {
    nx: u32,
    ny: u32,
    // the next coarser level (equal to nx, ny on the coarsest)
    cnx: u32,
    cny: u32,
    // coarsening ratios (1 or 2) to the next coarser level
    rx: u32,
    ry: u32,
    // coarsest level only: half-bandwidth of its LU factor, and whether points are numbered
    // down columns (see `BandedLu` in src/solver/direct.rs)
    band: u32,
    by_columns: u32,
    // 1: solve for a correction (anchor values read as 0) — the multigrid preconditioner;
    // 0: the problem's own anchor values (the true residual of the finest level)
    homogeneous: u32,
    _pad0: u32,
    _pad1: u32,
    _pad2: u32,
}

// Kept in sync with `Phase` in src/gpu/buffers.rs (16 bytes): which colour a four-colour
// sweep updates, or which lines a zebra line sweep solves.
struct Phase {
    colour_x: u32,
    colour_y: u32,
    along_x: u32,
    parity: u32,
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

fn inside(i: i32, j: i32, p: LevelParams) -> bool {
    return i >= 0 && j >= 0 && i < i32(p.nx) && j < i32(p.ny);
}
