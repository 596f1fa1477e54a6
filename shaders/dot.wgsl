// Two dot products, a . b and c . d, summed per workgroup into partials[2 g] and
// partials[2 g + 1] (g the workgroup's index); `scalars` finishes the sums.

@group(0) @binding(0) var<uniform> level: LevelParams;
@group(0) @binding(1) var<storage, read> a: array<f32>;
@group(0) @binding(2) var<storage, read> b: array<f32>;
@group(0) @binding(3) var<storage, read> c: array<f32>;
@group(0) @binding(4) var<storage, read> d: array<f32>;
@group(0) @binding(5) var<storage, read_write> partials: array<f32>;

var<workgroup> part: array<vec2<f32>, 256>;

@compute @workgroup_size(16, 16)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(workgroup_id) wg: vec3<u32>,
        @builtin(num_workgroups) groups: vec3<u32>, @builtin(local_invocation_index) li: u32) {
    var v = vec2<f32>(0.0);
    if gid.x < level.nx && gid.y < level.ny {
        let k = gid.y * level.nx + gid.x;
        v = vec2<f32>(a[k] * b[k], c[k] * d[k]);
    }
    part[li] = v;
    workgroupBarrier();
    for (var stride = 128u; stride > 0u; stride >>= 1u) {
        if li < stride {
            part[li] += part[li + stride];
        }
        workgroupBarrier();
    }
    if li == 0u {
        let g = wg.y * groups.x + wg.x;
        partials[2u * g] = part[0].x;
        partials[2u * g + 1u] = part[0].y;
    }
}
