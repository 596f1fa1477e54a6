// Exact solve on the coarsest level, A u = rhs, by forward and back substitution with the
// banded LU factor computed on the host in f64 (`BandedLu`, kept in sync with its band
// storage: row k, column k + d - band at lu[k * (2 band + 1) + d]; L has a unit diagonal).
// One invocation: the coarsest level has few points (a few dozen, or a thin strip).

// Grid index of the k-th point of the banded numbering.
fn grid(k: u32) -> u32 {
    if level.by_columns != 0u {
        return (k % level.ny) * level.nx + k / level.ny;
    }
    return k;
}

@compute @workgroup_size(1)
fn main() {
    let n = level.nx * level.ny;
    let b = level.band;
    let w = 2u * b + 1u;
    // forward: L y = rhs; y is kept in u at each point's grid index
    for (var k = 0u; k < n; k++) {
        var acc = rhs[grid(k)];
        for (var d = 1u; d <= min(b, k); d++) {
            acc -= lu[k * w + b - d] * u[grid(k - d)];
        }
        u[grid(k)] = acc;
    }
    // back: U x = y
    for (var kk = 0u; kk < n; kk++) {
        let k = n - 1u - kk;
        var acc = u[grid(k)];
        for (var d = 1u; d <= min(b, n - 1u - k); d++) {
            acc -= lu[k * w + b + d] * u[grid(k + d)];
        }
        u[grid(k)] = acc / lu[k * w + b];
    }
}
