// Exact solve on the coarsest level, `A u = s + a w`, by forward and back substitution with
// the banded Cholesky factor computed on the host in f64 (`BandedCholesky`, kept in sync with
// its band storage: factor[k * (band + 1) + d] = L[k][k - d], cells in banded numbering).
// One invocation: the coarsest level has few cells (2 x 2, or a thin strip).

@group(0) @binding(0) var<uniform> level: LevelParams;
@group(0) @binding(1) var<storage, read> faces: array<vec2<f32>>;
@group(0) @binding(2) var<storage, read> anchors: array<vec2<f32>>;
@group(0) @binding(3) var<storage, read> rhs: array<f32>;
@group(0) @binding(4) var<storage, read_write> u: array<f32>;
@group(0) @binding(5) var<storage, read> factor: array<f32>;

// Coefficients of cell k as (cx, cy, anchor, anchor value).
fn coef_at(k: u32) -> vec4<f32> {
    let f = faces[k];
    let a = anchors[k];
    return vec4<f32>(f.x, f.y, a.x, a.y);
}

// Grid index of the k-th cell of the banded numbering.
fn grid(k: u32) -> u32 {
    if level.by_columns != 0u {
        return (k % level.ny) * level.nx + k / level.ny;
    }
    return k;
}

@compute @workgroup_size(1)
fn main() {
    let n = level.nx * level.ny;
    let b = level.band;
    let w = b + 1u;
    // forward: L y = rhs; y is kept in u at each cell's grid index
    for (var k = 0u; k < n; k++) {
        let g = grid(k);
        let c = coef_at(g);
        // the anchor value is 0 on coarse levels and the problem's own on a single-level grid
        var acc = rhs[g] + c.z * anchor_value(c, level);
        for (var d = 1u; d <= min(b, k); d++) {
            acc -= factor[k * w + d] * u[grid(k - d)];
        }
        u[g] = acc / factor[k * w];
    }
    // back: L^T x = y
    for (var kk = 0u; kk < n; kk++) {
        let k = n - 1u - kk;
        var acc = u[grid(k)];
        for (var d = 1u; d <= min(b, n - 1u - k); d++) {
            acc -= factor[(k + d) * w + d] * u[grid(k + d)];
        }
        u[grid(k)] = acc / factor[k * w];
    }
}
