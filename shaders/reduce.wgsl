// Max |r|, max u and max -u over the level, for the convergence check read back on a cadence.
// Workgroup tree reduction, then one atomicMax per quantity on order-preserving u32 keys.

@group(0) @binding(0) var<uniform> level: LevelParams;
@group(0) @binding(1) var<storage, read> r: array<f32>;
@group(0) @binding(2) var<storage, read> u: array<f32>;
@group(0) @binding(3) var<storage, read_write> result: array<atomic<u32>, 4>;

const LOWEST: f32 = -3.0e38;
var<workgroup> part: array<vec3<f32>, 256>;

// Maps f32 to u32 so that unsigned order matches float order (kept in sync with
// `decode_order_key` in src/gpu/solver.rs).
fn order_key(x: f32) -> u32 {
    let b = bitcast<u32>(x);
    if (b & 0x80000000u) != 0u {
        return ~b;
    }
    return b | 0x80000000u;
}

@compute @workgroup_size(16, 16)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(local_invocation_index) li: u32) {
    var v = vec3<f32>(0.0, LOWEST, LOWEST);
    if gid.x < level.nx && gid.y < level.ny {
        let p = gid.y * level.nx + gid.x;
        v = vec3<f32>(abs(r[p]), u[p], -u[p]);
    }
    part[li] = v;
    workgroupBarrier();
    for (var stride = 128u; stride > 0u; stride >>= 1u) {
        if li < stride {
            part[li] = max(part[li], part[li + stride]);
        }
        workgroupBarrier();
    }
    if li == 0u {
        atomicMax(&result[0], order_key(part[0].x));
        atomicMax(&result[1], order_key(part[0].y));
        atomicMax(&result[2], order_key(part[0].z));
    }
}
