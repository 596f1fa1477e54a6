// One colour of a four-colour Gauss-Seidel sweep on a coarse (9-point) level, in place: the
// colours are the parities of (i, j), so no updated point is a neighbour of another.

@compute @workgroup_size(WG, WG)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
    let i = 2u * gid.x + phase.colour_x;
    let j = 2u * gid.y + phase.colour_y;
    if i >= level.nx || j >= level.ny {
        return;
    }
    let k = j * level.nx + i;
    let up = u[k];
    u[k] = up + (rhs[k] - flux9(i, j, up) - anchor[k] * up) / diag9(k);
}
