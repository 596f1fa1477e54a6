// r = s - A u on a coarse (9-point) level, in flux form.

@compute @workgroup_size(WG, WG)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
    let i = gid.x;
    let j = gid.y;
    if i >= level.nx || j >= level.ny {
        return;
    }
    let k = j * level.nx + i;
    let up = u[k];
    r[k] = rhs[k] - flux9(i, j, up) - anchor[k] * up;
}
