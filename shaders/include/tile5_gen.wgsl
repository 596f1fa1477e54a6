// The fused red-black smoother's tile of a nonsymmetric finest level (see smooth5.wgsl).

fn tile_load(k: u32) -> vec4<f32> {
    return faces[k];
}

fn tile_couplings(t: u32) -> vec4<f32> {
    return tile_c[t];
}
