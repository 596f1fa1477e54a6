// The fused red-black smoother's tile of a symmetric finest level (see smooth5.wgsl).

// What a smoothing tile keeps of cell k: its own faces; west and south come from the tile.
fn tile_load(k: u32) -> vec4<f32> {
    let f = faces[k];
    return vec4<f32>(f.x, f.y, 0.0, 0.0);
}

// (W, E, S, N) couplings of tile cell t (see smooth5.wgsl).
fn tile_couplings(t: u32) -> vec4<f32> {
    return vec4<f32>(tile_c[t - 1u].x, tile_c[t].x, tile_c[t - SPAN].y, tile_c[t].y);
}
