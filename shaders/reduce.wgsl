// Max |r|, max u and max -u over the level, for the convergence check read back on a cadence.
// Workgroup tree reduction, then one atomicMax per quantity on order-preserving u32 keys.

const LOWEST: f32 = -3.0e38;

// Maps f32 to u32 so that unsigned order matches float order (kept in sync with
// `decode_order_key` in src/gpu/solver.rs).
fn order_key(x: f32) -> u32 {
    let b = bitcast<u32>(x);
    if (b & 0x80000000u) != 0u {
        return ~b;
    }
    return b | 0x80000000u;
}

@compute @workgroup_size(WG, WG)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(local_invocation_index) li: u32) {
    var v = vec4<f32>(0.0, LOWEST, LOWEST, 0.0);
    if gid.x < level.nx && gid.y < level.ny {
        let p = gid.y * level.nx + gid.x;
        v = vec4<f32>(abs(r[p]), u[p], -u[p], 0.0);
    }
    part[li] = v;
    tree_max(li);
    if li == 0u {
        atomicMax(&result[0], order_key(part[0].x));
        atomicMax(&result[1], order_key(part[0].y));
        atomicMax(&result[2], order_key(part[0].z));
    }
}
