// Finest-level couplings of a symmetric operator: `faces[k] = (cx, cy)`, the conductances of
// cell k's east and north faces (0 on the last column and row).

// (W, E, S, N) couplings of cell (i, j); 0 where there is no neighbour.
fn couplings5(i: u32, j: u32) -> vec4<f32> {
    let k = j * level.nx + i;
    let f = faces[k];
    var w = 0.0;
    var s = 0.0;
    if i > 0u {
        w = faces[k - 1u].x;
    }
    if j > 0u {
        s = faces[k - level.nx].y;
    }
    return vec4<f32>(w, f.x, s, f.y);
}
