//! Row-parallel loops for the CPU solver: each thread owns a contiguous block of output rows,
//! so no two threads write the same cell and no synchronisation is needed inside a loop.
//!
//! The loops run on the solver's own small pool: one worker per core beside the calling
//! thread, each taking its share of the loop's tasks by a fixed rule (task t on thread
//! t mod threads). A multigrid cycle has dozens of parallel loops, many of them tens of
//! microseconds long, so between loops the workers spin (up to [`SPIN`]) instead of sleeping:
//! waking a sleeping thread costs as much as a short loop itself, most of all in a virtual
//! machine, where the wake-up is an interrupt between processors. Past [`SPIN`] they sleep
//! until the next loop. A loop started while the pool is busy (from inside a loop, or from
//! another thread at the same time) runs on its caller alone. The split of every loop and the
//! order of every sum depend only on the loop's size and the number of threads, never on
//! which thread ran what, so results are the same from run to run.

use std::cell::UnsafeCell;
use std::mem::MaybeUninit;
use std::panic::{catch_unwind, resume_unwind, AssertUnwindSafe};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering::*};
use std::sync::{Condvar, Mutex, OnceLock};
use std::time::{Duration, Instant};

/// Loops over fewer cells than this run on the calling thread: handing a loop to the
/// spinning pool and joining it costs a few microseconds, about what a thread does with a
/// couple of thousand cells (measured: 4,096 against 32,768 took the 0.05 m power sheet from
/// 0.12 to 0.10 s and the 0.1 m hall air from 0.035 to 0.029 s on two threads, where the
/// coarse levels of a W-cycle had run on one).
pub const MIN_PARALLEL_CELLS: usize = 1 << 12;

/// The fewest cells a thread is given (so a small loop on a many-core machine uses a few).
pub const MIN_CELLS_PER_THREAD: usize = 1 << 11;

/// Threads for a loop over `len` cells.
pub fn threads_for_len(len: usize) -> usize {
    if len < MIN_PARALLEL_CELLS {
        1
    } else {
        threads().min(len / MIN_CELLS_PER_THREAD).max(1)
    }
}

/// How long an idle worker spins for the next loop before it sleeps.
pub const SPIN: Duration = Duration::from_millis(1);

/// Threads available to the solver (the cores this process may run on, read once).
pub fn threads() -> usize {
    static THREADS: OnceLock<usize> = OnceLock::new();
    *THREADS.get_or_init(|| std::thread::available_parallelism().map_or(1, |n| n.get()))
}

/// The loop a pool runs: `f(t)` for t in 0..tasks, its lifetime erased (the caller waits
/// until every worker is done with it).
#[derive(Clone, Copy)]
struct Job {
    f: *const (dyn Fn(usize) + Sync + 'static),
    tasks: usize,
}

struct Pool {
    threads: usize,
    /// Bumped once per loop; a worker runs a loop when it sees a new value.
    epoch: AtomicUsize,
    job: UnsafeCell<Job>,
    /// Workers done with the current loop.
    done: AtomicUsize,
    panicked: AtomicBool,
    busy: AtomicBool,
    sleeping: AtomicUsize,
    lock: Mutex<()>,
    wake: Condvar,
}

// SAFETY: `job` is written only by the thread holding `busy`, before it bumps `epoch`, and read
// by workers only after they see that bump and before they report `done`, which the writer
// waits for before it writes again.
unsafe impl Sync for Pool {}

fn noop(_: usize) {}

impl Pool {
    fn get() -> Option<&'static Pool> {
        static POOL: OnceLock<Option<&'static Pool>> = OnceLock::new();
        *POOL.get_or_init(|| {
            let threads = threads();
            if threads < 2 {
                return None;
            }
            let pool: &'static Pool = Box::leak(Box::new(Pool {
                threads,
                epoch: AtomicUsize::new(0),
                job: UnsafeCell::new(Job {
                    f: &noop as &(dyn Fn(usize) + Sync) as *const _,
                    tasks: 0,
                }),
                done: AtomicUsize::new(0),
                panicked: AtomicBool::new(false),
                busy: AtomicBool::new(false),
                sleeping: AtomicUsize::new(0),
                lock: Mutex::new(()),
                wake: Condvar::new(),
            }));
            for w in 1..threads {
                let spawned = std::thread::Builder::new()
                    .name(format!("dcplan-solver-{w}"))
                    .spawn(move || pool.work(w));
                if spawned.is_err() {
                    // no threads to be had: every loop runs on its caller
                    return None;
                }
            }
            Some(pool)
        })
    }

    /// A worker's life: wait for a loop (spinning, then sleeping), run its share, report.
    fn work(&self, w: usize) {
        let mut seen = 0;
        loop {
            let since = Instant::now();
            let mut spins = 0u32;
            loop {
                let epoch = self.epoch.load(SeqCst);
                if epoch != seen {
                    seen = epoch;
                    break;
                }
                spins = spins.wrapping_add(1);
                if !spins.is_multiple_of(256) || since.elapsed() < SPIN {
                    std::hint::spin_loop();
                    continue;
                }
                let mut guard = self.lock.lock().unwrap_or_else(|e| e.into_inner());
                self.sleeping.fetch_add(1, SeqCst);
                while self.epoch.load(SeqCst) == seen {
                    guard = self.wake.wait(guard).unwrap_or_else(|e| e.into_inner());
                }
                self.sleeping.fetch_sub(1, SeqCst);
            }
            // SAFETY: see `impl Sync for Pool`
            let job = unsafe { *self.job.get() };
            let f = unsafe { &*job.f };
            let ran = catch_unwind(AssertUnwindSafe(|| {
                (w..job.tasks).step_by(self.threads).for_each(f)
            }));
            if ran.is_err() {
                self.panicked.store(true, SeqCst);
            }
            self.done.fetch_add(1, Release);
        }
    }
}

/// `f(t)` for every t in 0..tasks, on the pool where it is free (else on the caller).
pub fn run(tasks: usize, f: &(dyn Fn(usize) + Sync)) {
    let pool = match Pool::get() {
        Some(pool) if tasks > 1 && !pool.busy.swap(true, Acquire) => pool,
        _ => return (0..tasks).for_each(f),
    };
    // SAFETY: the lifetime is erased only while this call waits for every worker below
    let f_static: &(dyn Fn(usize) + Sync + 'static) = unsafe { std::mem::transmute(f) };
    unsafe {
        *pool.job.get() = Job {
            f: f_static as *const _,
            tasks,
        };
    }
    pool.done.store(0, Relaxed);
    pool.epoch.fetch_add(1, SeqCst);
    if pool.sleeping.load(SeqCst) > 0 {
        let _guard = pool.lock.lock().unwrap_or_else(|e| e.into_inner());
        pool.wake.notify_all();
    }
    let own = catch_unwind(AssertUnwindSafe(|| {
        (0..tasks).step_by(pool.threads).for_each(f)
    }));
    let mut spins = 0u32;
    while pool.done.load(Acquire) < pool.threads - 1 {
        spins = spins.wrapping_add(1);
        if spins < 1 << 16 {
            std::hint::spin_loop();
        } else {
            std::thread::yield_now();
        }
    }
    let panicked = pool.panicked.swap(false, SeqCst);
    pool.busy.store(false, Release);
    if let Err(payload) = own {
        resume_unwind(payload);
    }
    if panicked {
        panic!("a solver thread panicked");
    }
}

/// A slice the tasks of one loop write in disjoint chunks.
struct Chunks<T> {
    ptr: *mut T,
    len: usize,
}

// SAFETY: each task takes its own chunk (see `for_chunks`).
unsafe impl<T: Send> Sync for Chunks<T> {}

impl<T> Chunks<T> {
    fn of(items: &mut [T]) -> Self {
        Chunks {
            ptr: items.as_mut_ptr(),
            len: items.len(),
        }
    }

    /// Items `from..to`.
    ///
    /// # Safety
    /// `from <= to <= len`, and no other task takes any of those items meanwhile.
    #[allow(clippy::mut_from_ref)] // disjoint chunks per task, as `Chunks` says
    unsafe fn part(&self, from: usize, to: usize) -> &mut [T] {
        assert!(from <= to && to <= self.len);
        unsafe { std::slice::from_raw_parts_mut(self.ptr.add(from), to - from) }
    }
}

/// `f(k, chunk)` for every chunk k of `chunk` items of `out` (the last shorter), in parallel.
pub fn for_chunks<T: Send>(out: &mut [T], chunk: usize, f: impl Fn(usize, &mut [T]) + Sync) {
    let chunk = chunk.max(1);
    let (len, tasks) = (out.len(), out.len().div_ceil(chunk));
    let shared = Chunks::of(out);
    run(tasks, &|k| {
        let from = k * chunk;
        // SAFETY: tasks are distinct chunks of `out`, which this call borrows mutably
        f(k, unsafe { shared.part(from, (from + chunk).min(len)) })
    });
}

/// `f(k, chunk k of a, chunk k of b)` for the chunks of `chunk` items of two slices of one
/// length, in parallel; what each returns, in chunk order.
pub fn for_chunks2<T: Send, U: Send, R: Send>(
    a: &mut [T],
    b: &mut [U],
    chunk: usize,
    f: impl Fn(usize, &mut [T], &mut [U]) -> R + Sync,
) -> Vec<R> {
    assert_eq!(a.len(), b.len());
    let (chunk, len) = (chunk.max(1), a.len());
    let (sa, sb) = (Chunks::of(a), Chunks::of(b));
    map_tasks(a.len().div_ceil(chunk), |k| {
        let from = k * chunk;
        let to = (from + chunk).min(len);
        // SAFETY: tasks are distinct chunks of `a` and `b`, which this call borrows mutably
        unsafe { f(k, sa.part(from, to), sb.part(from, to)) }
    })
}

/// `(0..tasks).map(f).collect()`, the tasks in parallel.
pub fn map_tasks<R: Send>(tasks: usize, f: impl Fn(usize) -> R + Sync) -> Vec<R> {
    let mut out: Vec<R> = Vec::with_capacity(tasks);
    for_chunks(&mut out.spare_capacity_mut()[..tasks], 1, |k, slot| {
        slot[0] = MaybeUninit::new(f(k));
    });
    // SAFETY: every slot was written (a panic in `f` unwinds before this line)
    unsafe { out.set_len(tasks) };
    out
}

/// Rows per thread's block when a grid of `len` cells in rows of `nx` is split across the
/// threads; `None` where it runs on the caller (small, or one thread).
fn row_block(len: usize, nx: usize) -> Option<usize> {
    let rows = len / nx.max(1);
    let threads = threads_for_len(len).min(rows).max(1);
    (threads > 1).then(|| rows.div_ceil(threads))
}

/// Calls `f(j, row)` for every row `j` of `out` (rows of `nx` values).
pub fn for_rows(out: &mut [f64], nx: usize, f: impl Fn(usize, &mut [f64]) + Sync) {
    for_rows_of(out, nx, f)
}

/// [`for_rows`] over rows of any element type.
pub fn for_rows_of<T: Send>(out: &mut [T], nx: usize, f: impl Fn(usize, &mut [T]) + Sync) {
    let Some(block) = row_block(out.len(), nx) else {
        for (j, row) in out.chunks_mut(nx).enumerate() {
            f(j, row);
        }
        return;
    };
    for_chunks(out, block * nx, |b, chunk| {
        for (k, row) in chunk.chunks_mut(nx).enumerate() {
            f(b * block + k, row);
        }
    });
}

/// Calls `f(j0, rows)` once per thread with a contiguous block of whole rows of `out` starting
/// at row `j0`, so each thread can keep its own work buffers across its rows.
pub fn for_row_blocks<T: Send>(out: &mut [T], nx: usize, f: impl Fn(usize, &mut [T]) + Sync) {
    let Some(block) = row_block(out.len(), nx) else {
        return f(0, out);
    };
    for_chunks(out, block * nx, |b, chunk| f(b * block, chunk));
}

/// [`for_row_blocks`] over two outputs of the same shape, split alike; what each block returns,
/// in block order.
pub fn for_row_blocks2<T: Send, U: Send, R: Send>(
    a: &mut [T],
    b: &mut [U],
    nx: usize,
    f: impl Fn(usize, &mut [T], &mut [U]) -> R + Sync,
) -> Vec<R> {
    let Some(block) = row_block(a.len(), nx) else {
        return vec![f(0, a, b)];
    };
    for_chunks2(a, b, block * nx, |k, a, b| f(k * block, a, b))
}

/// Calls `f(t)` for every t in 0..n, in parallel on the pool (on the calling thread for
/// n = 1).
pub fn each(n: usize, f: impl Fn(usize) + Sync + Send) {
    run(n, &f);
}

/// `sum_i a_i b_i`, split across threads for long vectors.
pub fn dot(a: &[f64], b: &[f64]) -> f64 {
    let threads = threads_for_len(a.len());
    if threads == 1 {
        return a.iter().zip(b).map(|(x, y)| x * y).sum();
    }
    let block = a.len().div_ceil(threads);
    let parts = map_tasks(a.len().div_ceil(block), |k| {
        let range = k * block..((k + 1) * block).min(a.len());
        a[range.clone()]
            .iter()
            .zip(&b[range])
            .map(|(x, y)| x * y)
            .sum::<f64>()
    });
    parts.iter().sum()
}

/// `y += alpha x`, split across threads for long vectors.
pub fn axpy(alpha: f64, x: &[f64], y: &mut [f64]) {
    let threads = threads_for_len(y.len());
    if threads == 1 {
        y.iter_mut().zip(x).for_each(|(y, x)| *y += alpha * x);
        return;
    }
    let block = y.len().div_ceil(threads);
    for_chunks(y, block, |k, y| {
        let x = &x[k * block..];
        y.iter_mut().zip(x).for_each(|(y, x)| *y += alpha * x)
    });
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
        map_tasks(blocks, |k| part(range(k)))
    } else {
        (0..blocks).map(|k| part(range(k))).collect()
    };
    parts.into_iter().fold(init, combine)
}

/// The first index of `v` where `bad` holds, searched in parallel.
pub fn position_first<T: Sync>(v: &[T], bad: impl Fn(&T) -> bool + Sync + Send) -> Option<usize> {
    // each block scanned in short runs without an exit per element (a loop the compiler can
    // vectorise), the run with a hit searched again for its first; the first block with a hit
    // wins
    let part = |range: std::ops::Range<usize>| {
        let mut start = range.start;
        for run in v[range].chunks(256) {
            if run.iter().fold(false, |hit, x| hit | bad(x)) {
                return run.iter().position(&bad).map(|q| start + q);
            }
            start += run.len();
        }
        None
    };
    if threads_for_len(v.len()) == 1 {
        return part(0..v.len());
    }
    fold_blocks(v.len(), None, part, |a, b| a.or(b))
}

/// Whether `f(p)` holds for some p in 0..n, searched in parallel.
pub fn any(n: usize, f: impl Fn(usize) -> bool + Sync + Send) -> bool {
    let threads = threads();
    if threads == 1 || n < 2 {
        return (0..n).any(f);
    }
    // a few chunks per thread (the answer does not depend on the split)
    let chunk = n.div_ceil(threads);
    map_tasks(n.div_ceil(chunk), |k| {
        (k * chunk..((k + 1) * chunk).min(n)).any(&f)
    })
    .into_iter()
    .any(|hit| hit)
}

/// `f(p, &mut out[p])` for every p, in parallel for long vectors: one contiguous chunk per
/// thread, each a plain loop.
pub fn each_mut<T: Send>(out: &mut [T], f: impl Fn(usize, &mut T) + Sync + Send) {
    let threads = threads_for_len(out.len());
    if threads == 1 {
        out.iter_mut().enumerate().for_each(|(p, o)| f(p, o));
        return;
    }
    let chunk = out.len().div_ceil(threads);
    for_chunks(out, chunk, |k, part| {
        let base = k * chunk;
        for (q, o) in part.iter_mut().enumerate() {
            f(base + q, o);
        }
    });
}

/// `(0..n).map(f).collect()`, in parallel for long vectors (one contiguous chunk per thread).
pub fn collect<T: Send>(n: usize, f: impl Fn(usize) -> T + Sync + Send) -> Vec<T> {
    let threads = threads_for_len(n);
    if threads == 1 {
        return (0..n).map(f).collect();
    }
    let mut out: Vec<T> = Vec::with_capacity(n);
    let chunk = n.div_ceil(threads);
    for_chunks(&mut out.spare_capacity_mut()[..n], chunk, |k, part| {
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

#[cfg(test)]
mod tests {
    use super::*;

    /// Every task runs once, results come back in task order, and loops inside loops or from
    /// several threads at once (which run on their callers) give the same.
    #[test]
    fn pool_runs_every_task_once_in_order_nested_and_concurrent() {
        for tasks in [0, 1, 2, 3, 17, 1000] {
            let out = map_tasks(tasks, |k| k * k);
            assert_eq!(out, (0..tasks).map(|k| k * k).collect::<Vec<_>>());
        }
        let nested = map_tasks(8, |k| {
            map_tasks(5, move |m| k * 10 + m).iter().sum::<usize>()
        });
        assert_eq!(nested, (0..8).map(|k| 50 * k + 10).collect::<Vec<_>>());
        let want: f64 = (0..100_000).map(|k| (k as f64).sqrt()).sum();
        std::thread::scope(|s| {
            for _ in 0..4 {
                s.spawn(|| {
                    for _ in 0..50 {
                        let v: Vec<f64> = (0..100_000).map(|k| (k as f64).sqrt()).collect();
                        let ones = vec![1.0; v.len()];
                        let got = dot(&v, &ones);
                        assert!((got - want).abs() <= 1e-9 * want, "{got} against {want}");
                    }
                });
            }
        });
    }

    /// A panicking task panics its caller (not a hang), and the pool serves the next loop.
    #[test]
    fn a_panicking_task_reaches_the_caller_and_the_pool_goes_on() {
        let caught = std::panic::catch_unwind(|| {
            run(4, &|t| {
                if t == 3 {
                    panic!("task 3 fails");
                }
            })
        });
        assert!(caught.is_err());
        let mut out = vec![0usize; 40_000];
        for_chunks(&mut out, 10_000, |k, part| part.fill(k + 1));
        assert!(out
            .chunks(10_000)
            .enumerate()
            .all(|(k, c)| c.iter().all(|&v| v == k + 1)));
    }
}
