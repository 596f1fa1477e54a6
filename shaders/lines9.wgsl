// One half of a zebra line sweep on a coarse (9-point) level; see lines5.wgsl. The three
// couplings into each neighbouring line are taken from current values; the two along the line
// are solved for.

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
        let up = u[p];
        let r = rhs[p] - flux9(i, j, up) - anchor[p] * up;
        let a = c_axis[p];
        let sub = -select(a.z, a.x, along_x);
        let sup = -select(a.w, a.y, along_x);
        let m = diag9(p) - sub * cp;
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
