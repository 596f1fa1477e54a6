// r = s - sum_N c (u_P - u_N) - a (u_P - w) on the finest level, in flux form: neighbour
// differences first, then coefficients, so the rounding error is relative to the fluxes, not to
// u / h^2. With `homogeneous` set, w reads as 0 (the correction equation).

@compute @workgroup_size(WG, WG)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
    let i = gid.x;
    let j = gid.y;
    if i >= level.nx || j >= level.ny {
        return;
    }
    let nx = level.nx;
    let p = j * nx + i;
    let c = couplings5(i, j);
    let up = u[p];
    var flux = 0.0;
    if i > 0u {
        flux += c.x * (up - u[p - 1u]);
    }
    if i + 1u < nx {
        flux += c.y * (up - u[p + 1u]);
    }
    if j > 0u {
        flux += c.z * (up - u[p - nx]);
    }
    if j + 1u < level.ny {
        flux += c.w * (up - u[p + nx]);
    }
    let an = anchors[p];
    let w = select(an.y, 0.0, level.homogeneous != 0u);
    r[p] = rhs[p] - flux - an.x * (up - w);
}
