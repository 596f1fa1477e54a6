// Step along the direction: x += alpha p (alpha = 1 for the stationary iteration).

@compute @workgroup_size(WG, WG)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
    if gid.x >= level.nx || gid.y >= level.ny {
        return;
    }
    let k = gid.y * level.nx + gid.x;
    x[k] += scalars.alpha * p[k];
}
