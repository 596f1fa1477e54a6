// One half of a zebra line sweep on the finest level: every line (row when `along_x`, else
// column) of the phase's parity is solved exactly, its couplings to the lines beside it taken
// from the current values. One invocation per line runs the Thomas algorithm in increment form:
// the line's residual r, then T delta = r with T the line's tridiagonal part, then u += delta.
// work_c, work_d hold the eliminated super-diagonal and right-hand side.

@compute @workgroup_size(LINE_WG)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
    let along_x = phase.along_x != 0u;
    let lines = select(level.nx, level.ny, along_x);
    let line = 2u * gid.x + phase.parity;
    if line >= lines {
        return;
    }
    let len = select(level.ny, level.nx, along_x);
    let nx = level.nx;
    var cp = 0.0;
    var dp = 0.0;
    for (var k = 0u; k < len; k++) {
        let i = select(line, k, along_x);
        let j = select(k, line, along_x);
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
        let a = anchors[p].x;
        let r = rhs[p] - flux - a * up;
        let diag = c.x + c.y + c.z + c.w + a;
        let sub = -select(c.z, c.x, along_x);
        let sup = -select(c.w, c.y, along_x);
        let m = diag - sub * cp;
        cp = sup / m;
        dp = (r - sub * dp) / m;
        work_c[p] = cp;
        work_d[p] = dp;
    }
    var next = 0.0;
    for (var kk = 0u; kk < len; kk++) {
        let k = len - 1u - kk;
        let i = select(line, k, along_x);
        let j = select(k, line, along_x);
        let p = j * nx + i;
        let delta = work_d[p] - work_c[p] * next;
        next = delta;
        u[p] += delta;
    }
}
