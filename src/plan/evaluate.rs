//! Many sites, simulated: on the CPU the sites are split across threads, each with its own
//! solver; on a GPU they run one after the other on the one device. Results come back in the
//! order the sites were given, whatever the threads did.

use super::error::PlanError;
use super::inputs::{FacilityInput, SiteInput};
use super::simulate::{simulate, Precision, SiteRun};
use crate::backend::Backend;
use crate::solver::{CpuMultigrid, Solver};

/// One site and its simulation.
pub struct Evaluated {
    pub input: SiteInput,
    pub run: SiteRun,
}

/// What every site is simulated with.
pub struct EvalContext<'a> {
    pub facility: &'a FacilityInput,
    /// Grid cell size of every hall, m.
    pub cell_m: f64,
    pub precision: &'a Precision,
}

/// Simulates every site on `backend`, calling `done` with each site's id as it finishes.
pub fn evaluate(
    sites: Vec<SiteInput>,
    ctx: &EvalContext,
    backend: &mut Backend,
    done: &(dyn Fn(&str) + Sync),
) -> Result<Vec<Evaluated>, PlanError> {
    match backend {
        Backend::Cpu(_) => evaluate_cpu_parallel(sites, ctx, done),
        Backend::Gpu(g) => evaluate_with(sites, ctx, g.as_mut(), done),
    }
}

/// Simulates every site with `solver`, in order.
pub fn evaluate_with(
    sites: Vec<SiteInput>,
    ctx: &EvalContext,
    solver: &mut dyn Solver,
    done: &(dyn Fn(&str) + Sync),
) -> Result<Vec<Evaluated>, PlanError> {
    sites
        .into_iter()
        .map(|input| {
            let run = simulate(&input, ctx.facility, ctx.cell_m, solver, ctx.precision).map_err(
                |source| PlanError::Simulate {
                    file: input.path.clone(),
                    source,
                },
            )?;
            done(&input.site.id);
            Ok(Evaluated { input, run })
        })
        .collect()
}

/// Simulates every site on the CPU, the sites split across threads (each with its own
/// solver), results in the input order.
pub fn evaluate_cpu_parallel(
    sites: Vec<SiteInput>,
    ctx: &EvalContext,
    done: &(dyn Fn(&str) + Sync),
) -> Result<Vec<Evaluated>, PlanError> {
    let threads = crate::solver::parallel::threads().clamp(1, sites.len().max(1));
    let per = sites.len().div_ceil(threads).max(1);
    let mut chunks: Vec<Vec<SiteInput>> = Vec::new();
    let mut it = sites.into_iter().peekable();
    while it.peek().is_some() {
        chunks.push(it.by_ref().take(per).collect());
    }
    let results: Vec<Result<Vec<Evaluated>, PlanError>> = std::thread::scope(|scope| {
        let handles: Vec<_> = chunks
            .into_iter()
            .map(|chunk| scope.spawn(move || evaluate_with(chunk, ctx, &mut CpuMultigrid, done)))
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().unwrap_or(Err(PlanError::WorkerStopped)))
            .collect()
    });
    let mut all = Vec::new();
    for r in results {
        all.extend(r?);
    }
    Ok(all)
}
