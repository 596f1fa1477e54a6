// r = s - sum_faces c (u_P - u_N) - a (u_P - w), in flux form: neighbour differences first,
// then coefficients, so the rounding error is relative to the fluxes, not to u / h^2.

@group(0) @binding(0) var<uniform> level: LevelParams;
@group(0) @binding(1) var<storage, read> faces: array<vec2<f32>>;
@group(0) @binding(2) var<storage, read> anchors: array<vec2<f32>>;
@group(0) @binding(3) var<storage, read> rhs: array<f32>;
@group(0) @binding(4) var<storage, read> u: array<f32>;
@group(0) @binding(5) var<storage, read_write> r: array<f32>;

// Coefficients of cell k as (cx, cy, anchor, anchor value).
fn coef_at(k: u32) -> vec4<f32> {
    let f = faces[k];
    let a = anchors[k];
    return vec4<f32>(f.x, f.y, a.x, a.y);
}

@compute @workgroup_size(16, 16)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
    let i = gid.x;
    let j = gid.y;
    if i >= level.nx || j >= level.ny {
        return;
    }
    let nx = level.nx;
    let p = j * nx + i;
    let c = coef_at(p);
    let up = u[p];
    // east and north faces are 0 on the last column and row; clamp the index to stay in bounds
    var flux = c.x * (up - u[select(p, p + 1u, i + 1u < nx)])
        + c.y * (up - u[select(p, p + nx, j + 1u < level.ny)]);
    if i > 0u {
        flux += faces[p - 1u].x * (up - u[p - 1u]);
    }
    if j > 0u {
        flux += faces[p - nx].y * (up - u[p - nx]);
    }
    r[p] = rhs[p] - flux - c.z * (up - anchor_value(c, level));
}
