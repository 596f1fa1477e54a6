// Two dot products, a . b and c . d, summed per workgroup into partials[2 g] and
// partials[2 g + 1] (g the workgroup's index); `scalars` finishes the sums.

@compute @workgroup_size(WG, WG)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(workgroup_id) wg: vec3<u32>,
        @builtin(num_workgroups) groups: vec3<u32>, @builtin(local_invocation_index) li: u32) {
    var v = vec4<f32>(0.0);
    if gid.x < level.nx && gid.y < level.ny {
        let k = gid.y * level.nx + gid.x;
        v = vec4<f32>(a[k] * b[k], c[k] * d[k], 0.0, 0.0);
    }
    part[li] = v;
    tree_sum(li);
    if li == 0u {
        let g = wg.y * groups.x + wg.x;
        partials[2u * g] = part[0].x;
        partials[2u * g + 1u] = part[0].y;
    }
}
