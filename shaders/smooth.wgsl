// One full red-black Gauss-Seidel sweep in a single dispatch, u_in -> u_out.
//
// Each workgroup loads its 16 x 16 tile plus a 2-cell halo into workgroup memory, updates the
// red cells of the tile and of a 1-cell ring around it, then the black cells of the tile, which
// see the new red values of their neighbours. The ring is recomputed by each neighbouring tile
// from the same u_in, so the result equals a global red sweep followed by a black sweep, while
// every field is read from and written to memory once per sweep. Red: (i + j) even.
// Updates are in correction form, u += (s - flux - a (u - w)) / diag, so that rounding is
// relative to the fluxes rather than to u.

@group(0) @binding(0) var<uniform> level: LevelParams;
@group(0) @binding(1) var<storage, read> faces: array<vec2<f32>>;
@group(0) @binding(2) var<storage, read> anchors: array<vec2<f32>>;
@group(0) @binding(3) var<storage, read> rhs: array<f32>;
@group(0) @binding(4) var<storage, read> u_in: array<f32>;
@group(0) @binding(5) var<storage, read_write> u_out: array<f32>;

// Coefficients of cell k as (cx, cy, anchor, anchor value).
fn coef_at(k: u32) -> vec4<f32> {
    let f = faces[k];
    let a = anchors[k];
    return vec4<f32>(f.x, f.y, a.x, a.y);
}

const HALO: u32 = 2u;
const SPAN: u32 = 20u; // WG + 2 * HALO
const RING: u32 = 18u; // WG + 2
var<workgroup> tile_u: array<f32, 400>;
var<workgroup> tile_c: array<vec4<f32>, 400>;
var<workgroup> tile_s: array<f32, 400>;

fn relax(t: u32) -> f32 {
    let c = tile_c[t];
    let cw = tile_c[t - 1u].x;
    let cs = tile_c[t - SPAN].y;
    let up = tile_u[t];
    let flux = c.x * (up - tile_u[t + 1u]) + cw * (up - tile_u[t - 1u])
        + c.y * (up - tile_u[t + SPAN]) + cs * (up - tile_u[t - SPAN]);
    let diag = c.x + cw + c.y + cs + c.z;
    return up + (tile_s[t] - flux - c.z * (up - anchor_value(c, level))) / diag;
}

@compute @workgroup_size(16, 16)
fn main(@builtin(workgroup_id) wg: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>,
        @builtin(local_invocation_index) li: u32) {
    let ox = i32(wg.x * WG) - i32(HALO);
    let oy = i32(wg.y * WG) - i32(HALO);
    for (var t = li; t < SPAN * SPAN; t += WG * WG) {
        let gi = ox + i32(t % SPAN);
        let gj = oy + i32(t / SPAN);
        if inside(gi, gj, level) {
            let g = u32(gj) * level.nx + u32(gi);
            tile_u[t] = u_in[g];
            tile_c[t] = coef_at(g);
            tile_s[t] = rhs[g];
        } else {
            // outside the grid: zero conductance, so it never contributes
            tile_u[t] = 0.0;
            tile_c[t] = vec4<f32>(0.0);
            tile_s[t] = 0.0;
        }
    }
    workgroupBarrier();
    for (var k = li; k < RING * RING; k += WG * WG) {
        let lx = 1u + k % RING;
        let ly = 1u + k / RING;
        let gi = ox + i32(lx);
        let gj = oy + i32(ly);
        if inside(gi, gj, level) && ((gi + gj) & 1) == 0 {
            let t = ly * SPAN + lx;
            tile_u[t] = relax(t);
        }
    }
    workgroupBarrier();
    let t = (lid.y + HALO) * SPAN + lid.x + HALO;
    let gi = ox + i32(lid.x + HALO);
    let gj = oy + i32(lid.y + HALO);
    if inside(gi, gj, level) {
        var v = tile_u[t];
        if ((gi + gj) & 1) == 1 {
            v = relax(t);
        }
        u_out[u32(gj) * level.nx + u32(gi)] = v;
    }
}
