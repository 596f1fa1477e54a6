// One full red-black Gauss-Seidel sweep of the finest level's correction equation in a single
// dispatch, u_in -> u_out.
//
// Each workgroup loads its WG x WG tile plus a HALO-cell halo into workgroup memory, updates
// the red cells of the tile and of a 1-cell ring around it, then the black cells of the tile,
// which see the new red values of their neighbours. The ring is recomputed by each neighbouring
// tile from the same u_in, so the result equals a global red sweep followed by a black sweep,
// while u, couplings, anchors and rhs are read from memory once per sweep.

var<workgroup> tile_u: array<f32, SPAN * SPAN>;
var<workgroup> tile_c: array<vec4<f32>, SPAN * SPAN>;
var<workgroup> tile_a: array<f32, SPAN * SPAN>;
var<workgroup> tile_s: array<f32, SPAN * SPAN>;

fn relax(t: u32) -> f32 {
    let c = tile_couplings(t);
    let a = tile_a[t];
    let up = tile_u[t];
    let flux = c.x * (up - tile_u[t - 1u]) + c.y * (up - tile_u[t + 1u])
        + c.z * (up - tile_u[t - SPAN]) + c.w * (up - tile_u[t + SPAN]);
    let diag = c.x + c.y + c.z + c.w + a;
    return up + (tile_s[t] - flux - a * up) / diag;
}

@compute @workgroup_size(WG, WG)
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
            tile_c[t] = tile_load(g);
            tile_a[t] = anchors[g].x;
            tile_s[t] = rhs[g];
        } else {
            // outside the grid: zero couplings, so it never contributes
            tile_u[t] = 0.0;
            tile_c[t] = vec4<f32>(0.0);
            tile_a[t] = 0.0;
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
