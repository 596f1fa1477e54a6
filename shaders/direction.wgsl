// New search direction of flexible CG: p = z - beta p (z the preconditioned residual).

@compute @workgroup_size(WG, WG)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
    if gid.x >= level.nx || gid.y >= level.ny {
        return;
    }
    let k = gid.y * level.nx + gid.x;
    p[k] = z[k] - scalars.beta * p[k];
}
