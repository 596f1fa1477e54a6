//! Many sites, simulated from one prepared facility: the facility's hall is solved once on the
//! backend (see `simulate::prepare_facility`); each site then needs no solver, only its
//! weather, its plant's hours and the basis fields, so the sites are split across CPU threads
//! whatever the backend. Results come back in the order the sites were given.

use super::error::PlanError;
use super::inputs::{FacilityInput, FileHash, SiteInput};
use super::simulate::{simulate, FacilityModel, SiteRun};
use super::suspect;
use crate::grid::HostingMap;

/// One site and its simulation.
pub struct Evaluated {
    pub input: SiteInput,
    pub run: SiteRun,
}

/// What every site is simulated with.
pub struct EvalContext<'a> {
    pub facility: &'a FacilityInput,
    pub model: &'a FacilityModel,
    /// The national grid's hosting map, when the grid model was found.
    pub grid: Option<&'a HostingMap>,
    /// Files every result depends on beyond the site's and the facility's (the grid model).
    pub extra_files: &'a [FileHash],
}

/// Simulates every site, calling `done` with each site's id as it finishes.
pub fn evaluate(
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
    let one = |input: SiteInput| -> Result<Evaluated, PlanError> {
        let run = simulate(&input, ctx.facility, ctx.model, ctx.grid, ctx.extra_files).map_err(
            |source| suspect::simulate_failure(ctx.facility, input.path.clone(), source),
        )?;
        suspect::check_finite(ctx.facility, &run)?;
        done(&input.site.id);
        Ok(Evaluated { input, run })
    };
    let results: Vec<Result<Vec<Evaluated>, PlanError>> = std::thread::scope(|scope| {
        let handles: Vec<_> = chunks
            .into_iter()
            .map(|chunk| scope.spawn(move || chunk.into_iter().map(one).collect()))
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
