// Coarse right-hand side = R r (the transpose of interpolation): each coarse point gathers the
// weighted residuals of the fine points it interpolates; the coarse correction starts from 0.
// `level` is the fine level.

@compute @workgroup_size(WG, WG)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
    let ci = gid.x;
    let cj = gid.y;
    if ci >= level.cnx || cj >= level.cny {
        return;
    }
    var sum = 0.0;
    for (var s = 0u; s < 4u; s++) {
        let sx = s & 1u;
        let sy = s >> 1u;
        if (sx == 1u && level.rx == 1u) || (sy == 1u && level.ry == 1u) || sx > ci || sy > cj {
            continue;
        }
        // the fine points owned by coarse point (ci - sx, cj - sy)
        let fx = (ci - sx) * level.rx;
        let fy = (cj - sy) * level.ry;
        for (var b = 0u; b < level.ry; b++) {
            for (var a = 0u; a < level.rx; a++) {
                let i = fx + a;
                let j = fy + b;
                if i < level.nx && j < level.ny {
                    sum += local_weights(i, j)[s] * r_fine[j * level.nx + i];
                }
            }
        }
    }
    let c = cj * level.cnx + ci;
    rhs_coarse[c] = sum;
    u_coarse[c] = 0.0;
}
