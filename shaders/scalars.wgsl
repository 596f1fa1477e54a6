// Finishes the two dot products of `dot` (one workgroup sums every partial) and sets the
// Krylov coefficients of flexible CG:
//   mode 0 (after z = M r): partials hold (z . q_prev, unused): beta = z . q_prev / pq_prev
//   mode 1 (after q = A p): partials hold (p . q, p . r):       alpha = p . r / p . q

// Kept in sync with `ScalarsStep` in src/gpu/solver.rs.
struct Step {
    mode: u32,
    groups: u32,
    _pad0: u32,
    _pad1: u32,
}

@compute @workgroup_size(REDUCE)
fn main(@builtin(local_invocation_index) li: u32) {
    var v = vec4<f32>(0.0);
    for (var g = li; g < step.groups; g += REDUCE) {
        v += vec4<f32>(partials[2u * g], partials[2u * g + 1u], 0.0, 0.0);
    }
    part[li] = v;
    tree_sum(li);
    if li == 0u {
        let sums = part[0];
        if step.mode == 0u {
            scalars.beta = select(0.0, sums.x / scalars.pq_prev, scalars.pq_prev > 0.0);
        } else {
            // p . q <= 0 only when p vanished (the residual is at rounding level): stand still
            let ok = sums.x > 0.0;
            scalars.alpha = select(0.0, sums.y / sums.x, ok);
            scalars.pq_prev = select(0.0, sums.x, ok);
        }
    }
}
