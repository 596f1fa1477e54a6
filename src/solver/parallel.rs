//! Row-parallel loops for the CPU solver: each thread owns a contiguous block of output rows,
//! so no two threads write the same cell and no synchronisation is needed inside a loop.
//! The blocks run on rayon's pool of long-lived threads (a multigrid cycle has dozens of
//! parallel loops, too short each to pay for starting threads). The work is split into one
//! block per thread whichever thread runs it, so the split and the order of every sum are the
//! same from run to run.

use rayon::prelude::*;

/// Grids smaller than this run on the calling thread (spawning costs more than it saves).
pub const MIN_PARALLEL_CELLS: usize = 1 << 15;

/// Threads available to the solver.
pub fn threads() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get())
}

/// Calls `f(j, row)` for every row `j` of `out` (rows of `nx` values).
pub fn for_rows(out: &mut [f64], nx: usize, f: impl Fn(usize, &mut [f64]) + Sync) {
    for_rows_of(out, nx, f)
}

/// [`for_rows`] over rows of any element type.
pub fn for_rows_of<T: Send>(out: &mut [T], nx: usize, f: impl Fn(usize, &mut [T]) + Sync) {
    let rows = out.len() / nx.max(1);
    let threads = threads().min(rows).max(1);
    if threads == 1 || out.len() < MIN_PARALLEL_CELLS {
        for (j, row) in out.chunks_mut(nx).enumerate() {
            f(j, row);
        }
        return;
    }
    let block = rows.div_ceil(threads);
    out.par_chunks_mut(block * nx)
        .enumerate()
        .for_each(|(b, chunk)| {
            for (k, row) in chunk.chunks_mut(nx).enumerate() {
                f(b * block + k, row);
            }
        });
}

/// Calls `f(j0, rows)` once per thread with a contiguous block of whole rows of `out` starting
/// at row `j0`, so each thread can keep its own work buffers across its rows.
pub fn for_row_blocks<T: Send>(out: &mut [T], nx: usize, f: impl Fn(usize, &mut [T]) + Sync) {
    let rows = out.len() / nx.max(1);
    let threads = threads().min(rows).max(1);
    if threads == 1 || out.len() < MIN_PARALLEL_CELLS {
        f(0, out);
        return;
    }
    let block = rows.div_ceil(threads);
    out.par_chunks_mut(block * nx)
        .enumerate()
        .for_each(|(b, chunk)| f(b * block, chunk));
}

/// [`for_row_blocks`] over two outputs of the same shape, split alike; what each block returns,
/// in block order.
pub fn for_row_blocks2<T: Send, U: Send, R: Send>(
    a: &mut [T],
    b: &mut [U],
    nx: usize,
    f: impl Fn(usize, &mut [T], &mut [U]) -> R + Sync,
) -> Vec<R> {
    let rows = a.len() / nx.max(1);
    let threads = threads().min(rows).max(1);
    if threads == 1 || a.len() < MIN_PARALLEL_CELLS {
        return vec![f(0, a, b)];
    }
    let block = rows.div_ceil(threads);
    a.par_chunks_mut(block * nx)
        .zip(b.par_chunks_mut(block * nx))
        .enumerate()
        .map(|(k, (a, b))| f(k * block, a, b))
        .collect()
}

/// Calls `f(t)` for every t in 0..n, in parallel on the pool (on the calling thread for
/// n = 1).
pub fn each(n: usize, f: impl Fn(usize) + Sync + Send) {
    if n <= 1 {
        (0..n).for_each(f);
    } else {
        (0..n).into_par_iter().with_max_len(1).for_each(f);
    }
}

/// `sum_i a_i b_i`, split across threads for long vectors.
pub fn dot(a: &[f64], b: &[f64]) -> f64 {
    let threads = threads();
    if threads == 1 || a.len() < MIN_PARALLEL_CELLS {
        return a.iter().zip(b).map(|(x, y)| x * y).sum();
    }
    let block = a.len().div_ceil(threads);
    let parts: Vec<f64> = a
        .par_chunks(block)
        .zip(b.par_chunks(block))
        .map(|(a, b)| a.iter().zip(b).map(|(x, y)| x * y).sum::<f64>())
        .collect();
    parts.iter().sum()
}

/// `y += alpha x`, split across threads for long vectors.
pub fn axpy(alpha: f64, x: &[f64], y: &mut [f64]) {
    let threads = threads();
    if threads == 1 || y.len() < MIN_PARALLEL_CELLS {
        y.iter_mut().zip(x).for_each(|(y, x)| *y += alpha * x);
        return;
    }
    let block = y.len().div_ceil(threads);
    y.par_chunks_mut(block)
        .zip(x.par_chunks(block))
        .for_each(|(y, x)| y.iter_mut().zip(x).for_each(|(y, x)| *y += alpha * x));
}

/// Cells per block of [`fold_blocks`]: the blocks, and so the order of every sum, do not depend
/// on the number of threads.
pub const FOLD_BLOCK: usize = 1 << 14;

/// `part` of every block of [`FOLD_BLOCK`] indices of 0..n, in parallel, combined in block
/// order (`init` for n = 0).
pub fn fold_blocks<T: Send>(
    n: usize,
    init: T,
    part: impl Fn(std::ops::Range<usize>) -> T + Sync + Send,
    combine: impl Fn(T, T) -> T,
) -> T {
    let blocks = n.div_ceil(FOLD_BLOCK);
    let range = |k: usize| k * FOLD_BLOCK..((k + 1) * FOLD_BLOCK).min(n);
    let parts: Vec<T> = if blocks > 1 && threads() > 1 {
        (0..blocks)
            .into_par_iter()
            .map(|k| part(range(k)))
            .collect()
    } else {
        (0..blocks).map(|k| part(range(k))).collect()
    };
    parts.into_iter().fold(init, combine)
}

/// The first index of `v` where `bad` holds, searched in parallel.
pub fn position_first<T: Sync>(v: &[T], bad: impl Fn(&T) -> bool + Sync + Send) -> Option<usize> {
    if v.len() < MIN_PARALLEL_CELLS || threads() == 1 {
        return v.iter().position(bad);
    }
    // each block searched by a plain loop, the first block with a hit wins (rayon's own
    // position_first checks a shared flag per item and is slower than the serial scan)
    let part = |range: std::ops::Range<usize>| {
        let start = range.start;
        v[range].iter().position(&bad).map(|q| start + q)
    };
    fold_blocks(v.len(), None, part, |a, b| a.or(b))
}

/// Whether `f(p)` holds for some p in 0..n, searched in parallel.
pub fn any(n: usize, f: impl Fn(usize) -> bool + Sync + Send) -> bool {
    let threads = threads();
    if threads == 1 || n < 2 {
        return (0..n).any(f);
    }
    // a few chunks per thread (the answer does not depend on the split)
    let chunk = n.div_ceil(4 * threads);
    (0..n.div_ceil(chunk))
        .into_par_iter()
        .any(|k| (k * chunk..((k + 1) * chunk).min(n)).any(&f))
}

/// `f(p, &mut out[p])` for every p, in parallel for long vectors: one contiguous chunk per
/// thread, each a plain loop.
pub fn each_mut<T: Send>(out: &mut [T], f: impl Fn(usize, &mut T) + Sync + Send) {
    let threads = threads();
    if out.len() < MIN_PARALLEL_CELLS || threads == 1 {
        out.iter_mut().enumerate().for_each(|(p, o)| f(p, o));
        return;
    }
    let chunk = out.len().div_ceil(threads);
    out.par_chunks_mut(chunk).enumerate().for_each(|(k, part)| {
        let base = k * chunk;
        for (q, o) in part.iter_mut().enumerate() {
            f(base + q, o);
        }
    });
}

/// `(0..n).map(f).collect()`, in parallel for long vectors (one contiguous chunk per thread).
pub fn collect<T: Send>(n: usize, f: impl Fn(usize) -> T + Sync + Send) -> Vec<T> {
    let threads = threads();
    if n < MIN_PARALLEL_CELLS || threads == 1 {
        return (0..n).map(f).collect();
    }
    let mut out: Vec<T> = Vec::with_capacity(n);
    let chunk = n.div_ceil(threads);
    out.spare_capacity_mut()[..n]
        .par_chunks_mut(chunk)
        .enumerate()
        .for_each(|(k, part)| {
            let base = k * chunk;
            for (q, o) in part.iter_mut().enumerate() {
                o.write(f(base + q));
            }
        });
    // SAFETY: every one of the n slots was written above (the chunks cover 0..n; a panic in
    // `f` unwinds before this line, leaking the written values but reading none)
    unsafe { out.set_len(n) };
    out
}

/// Memory copy bandwidth of the host (read + write bytes), best of five copies of `bytes`.
pub fn host_copy_gbps(bytes: usize) -> f64 {
    let src = vec![1.0f64; bytes / 8];
    let mut dst = vec![0.0f64; bytes / 8];
    dst.copy_from_slice(&src);
    let mut best = f64::INFINITY;
    for _ in 0..5 {
        let start = std::time::Instant::now();
        dst.copy_from_slice(&src);
        std::hint::black_box(&mut dst);
        best = best.min(start.elapsed().as_secs_f64());
    }
    2.0 * bytes as f64 / best / 1e9
}
