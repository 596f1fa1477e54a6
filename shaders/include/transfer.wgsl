// Interpolation weights between a level and the next coarser one, stored per coarse point:
// w_a = (xw, xe, ys, yn), w_b = (sw, se, nw, ne) (see `Weights` in src/solver/hierarchy.rs).
// Restriction is the transpose of interpolation.

// Owner of fine point (i, j): the coarse point at or just below it on each axis.
fn owner(i: u32, j: u32) -> vec2<u32> {
    return vec2<u32>(select(i, i >> 1u, level.rx == 2u), select(j, j >> 1u, level.ry == 2u));
}

// The weights of fine point (i, j) toward its owner's four slots (0,0), (1,0), (0,1), (1,1).
fn local_weights(i: u32, j: u32) -> vec4<f32> {
    let o = owner(i, j);
    let ax = select(0u, i & 1u, level.rx == 2u);
    let ay = select(0u, j & 1u, level.ry == 2u);
    let c = o.y * level.cnx + o.x;
    if ax == 0u && ay == 0u {
        return vec4<f32>(1.0, 0.0, 0.0, 0.0);
    }
    if ay == 0u {
        let w = w_a[c];
        return vec4<f32>(w.x, w.y, 0.0, 0.0);
    }
    if ax == 0u {
        let w = w_a[c];
        return vec4<f32>(w.z, 0.0, w.w, 0.0);
    }
    return w_b[c];
}
