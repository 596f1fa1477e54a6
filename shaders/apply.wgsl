// q = A p: the linear part of the operator (faces and anchors, no anchor values), in flux
// form. The Krylov iteration's matrix-vector product.

@group(0) @binding(0) var<uniform> level: LevelParams;
@group(0) @binding(1) var<storage, read> faces: array<vec2<f32>>;
@group(0) @binding(2) var<storage, read> anchors: array<vec2<f32>>;
@group(0) @binding(3) var<storage, read> p_in: array<f32>;
@group(0) @binding(4) var<storage, read_write> q_out: array<f32>;

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
    let k = j * nx + i;
    let c = coef_at(k);
    let pk = p_in[k];
    var flux = c.x * (pk - p_in[select(k, k + 1u, i + 1u < nx)])
        + c.y * (pk - p_in[select(k, k + nx, j + 1u < level.ny)]);
    if i > 0u {
        flux += faces[k - 1u].x * (pk - p_in[k - 1u]);
    }
    if j > 0u {
        flux += faces[k - nx].y * (pk - p_in[k - nx]);
    }
    q_out[k] = flux + c.z * pk;
}
