// Workgroup tree reductions over REDUCE lanes (every lane calls them, in uniform control flow).

var<workgroup> part: array<vec4<f32>, REDUCE>;

fn tree_sum(li: u32) {
    workgroupBarrier();
    for (var stride = REDUCE / 2u; stride > 0u; stride >>= 1u) {
        if li < stride {
            part[li] += part[li + stride];
        }
        workgroupBarrier();
    }
}

fn tree_max(li: u32) {
    workgroupBarrier();
    for (var stride = REDUCE / 2u; stride > 0u; stride >>= 1u) {
        if li < stride {
            part[li] = max(part[li], part[li + stride]);
        }
        workgroupBarrier();
    }
}
