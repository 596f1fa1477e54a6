//! `dcplan rank` end to end, below the command line: simulate every site, build the decision
//! matrix of the feasible ones, score them three ways (weighted sum, TOPSIS, Pareto), measure
//! how stable the order is under perturbed weights, and assemble the report.

use super::criteria::{self as sites, SPECS};
use super::simulate::{simulate, SimulateError, SiteRun};
use crate::rank::{
    pareto_front, rank_order, stability, topsis, weighted_sum, Direction, RankError, Weights,
};
use crate::report::ranking::{
    CriterionInfo, CriterionValue, FileHash, RankedSite, RankingReport, StabilityInfo,
};
use crate::site::{Facility, Site, Valid};
use crate::solver::{CpuMultigrid, SolveOptions, Solver};
use sha2::{Digest, Sha256};
use std::path::{Path, PathBuf};

/// One site, simulated.
pub struct Evaluated {
    pub path: PathBuf,
    pub site: Valid<Site>,
    pub sha256: String,
    pub run: SiteRun,
}

#[derive(Debug, Clone)]
pub struct RankSettings {
    pub weights: Weights,
    pub top_k: usize,
    pub seed: u64,
    pub draws: usize,
    pub radius: f64,
}

/// Hex SHA-256 of a file's bytes.
pub fn sha256_file(path: &Path) -> std::io::Result<String> {
    let bytes = std::fs::read(path)?;
    Ok(Sha256::digest(&bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect())
}

/// What the evaluation needs besides the sites.
pub struct EvalContext<'a> {
    pub facility: &'a Valid<Facility>,
    pub facility_path: &'a Path,
    pub cell_m: f64,
    pub options: &'a SolveOptions,
    pub tolerance_k: f64,
}

/// Simulates every site with `solver` (in order), calling `done` after each.
pub fn evaluate_with(
    sites: Vec<(PathBuf, Valid<Site>)>,
    ctx: &EvalContext,
    solver: &mut dyn Solver,
    done: &(dyn Fn(&str) + Sync),
) -> Result<Vec<Evaluated>, (PathBuf, SimulateError)> {
    sites
        .into_iter()
        .map(|(path, site)| {
            let run = simulate(
                &site,
                &path,
                ctx.facility,
                ctx.facility_path,
                ctx.cell_m,
                solver,
                ctx.options,
                ctx.tolerance_k,
            )
            .map_err(|e| (path.clone(), e))?;
            let sha256 = sha256_file(&path).unwrap_or_default();
            done(&site.id);
            Ok(Evaluated {
                path,
                site,
                sha256,
                run,
            })
        })
        .collect()
}

/// Simulates every site on the CPU, the sites split across threads (each with its own solver),
/// results in the input order.
pub fn evaluate_cpu_parallel(
    sites: Vec<(PathBuf, Valid<Site>)>,
    ctx: &EvalContext,
    done: &(dyn Fn(&str) + Sync),
) -> Result<Vec<Evaluated>, (PathBuf, SimulateError)> {
    let threads = crate::solver::parallel::threads().clamp(1, sites.len().max(1));
    let per = sites.len().div_ceil(threads).max(1);
    let mut chunks: Vec<Vec<(PathBuf, Valid<Site>)>> = Vec::new();
    let mut it = sites.into_iter().peekable();
    while it.peek().is_some() {
        chunks.push(it.by_ref().take(per).collect());
    }
    let results: Vec<Result<Vec<Evaluated>, (PathBuf, SimulateError)>> =
        std::thread::scope(|scope| {
            let handles: Vec<_> = chunks
                .into_iter()
                .map(|chunk| {
                    scope.spawn(move || evaluate_with(chunk, ctx, &mut CpuMultigrid, done))
                })
                .collect();
            handles
                .into_iter()
                .map(|h| {
                    h.join()
                        .unwrap_or_else(|_| Err((PathBuf::new(), SimulateError::Panicked)))
                })
                .collect()
        });
    let mut all = Vec::new();
    for r in results {
        all.extend(r?);
    }
    Ok(all)
}

/// Scores, orders and assembles the report. Sites are listed feasible first in rank order,
/// then infeasible ones by id, each with its reasons.
pub fn rank(
    evaluated: &[Evaluated],
    facility: &Facility,
    facility_hash: FileHash,
    settings: &RankSettings,
    backend: (&str, &str),
) -> Result<RankingReport, RankError> {
    let reasons: Vec<Vec<String>> = evaluated
        .iter()
        .map(|e| sites::infeasibility(&e.site, facility, &e.run.metrics))
        .collect();
    let feasible: Vec<usize> = (0..evaluated.len())
        .filter(|&i| reasons[i].is_empty())
        .collect();
    let rows: Vec<(&Valid<Site>, &super::simulate::SiteMetrics)> = feasible
        .iter()
        .map(|&i| (&evaluated[i].site, &evaluated[i].run.metrics))
        .collect();
    let matrix = sites::matrix(&rows);
    let criteria = sites::criteria();
    let weights = &settings.weights;
    let (scored, closeness, pareto, stab) = if feasible.is_empty() {
        (None, Vec::new(), Vec::new(), None)
    } else {
        let scored = weighted_sum(&matrix, weights);
        let closeness = topsis(&matrix, weights);
        let pareto = pareto_front(&matrix);
        let stab = stability(
            &matrix,
            weights,
            settings.draws,
            settings.radius,
            settings.top_k.min(feasible.len()),
            settings.seed,
        )?;
        (Some(scored), closeness, pareto, Some(stab))
    };
    let ids: Vec<String> = matrix.alternatives.clone();
    let order = scored
        .as_ref()
        .map(|s| rank_order(&s.scores, &ids))
        .unwrap_or_default();
    let topsis_order = if closeness.is_empty() {
        Vec::new()
    } else {
        rank_order(&closeness, &ids)
    };
    let position = |order: &[usize], k: usize| order.iter().position(|&o| o == k).map(|p| p + 1);
    let mut ranking: Vec<RankedSite> = Vec::new();
    let mut add = |i: usize, k: Option<usize>| {
        let e = &evaluated[i];
        let values = sites::values(&e.site, &e.run.metrics);
        ranking.push(RankedSite {
            rank: k.and_then(|k| position(&order, k)),
            site_id: e.site.id.clone(),
            name_en: e.site.name_en.clone(),
            name_ko: e.site.name_ko.clone(),
            feasible: k.is_some(),
            reasons: reasons[i].clone(),
            score: k.and_then(|k| scored.as_ref().map(|s| s.scores[k])),
            topsis: k.map(|k| closeness[k]),
            topsis_rank: k.and_then(|k| position(&topsis_order, k)),
            pareto_optimal: k.is_some_and(|k| pareto[k]),
            p_first: k.and_then(|k| stab.as_ref().map(|s| s.p_first[k])),
            p_top_k: k.and_then(|k| stab.as_ref().map(|s| s.p_top_k[k])),
            values: values
                .iter()
                .zip(&SPECS)
                .enumerate()
                .map(|(c, (v, spec))| CriterionValue {
                    key: spec.key.to_string(),
                    value: *v,
                    unit: spec.unit.to_string(),
                    normalised: k.and_then(|k| scored.as_ref().map(|s| s.normalised[k][c])),
                    contribution: k.and_then(|k| scored.as_ref().map(|s| s.contributions[k][c])),
                })
                .collect(),
        });
    };
    for &k in &order {
        add(feasible[k], Some(k));
    }
    let mut infeasible: Vec<usize> = (0..evaluated.len())
        .filter(|i| !reasons[*i].is_empty())
        .collect();
    infeasible.sort_by(|&a, &b| evaluated[a].site.id.cmp(&evaluated[b].site.id));
    for i in infeasible {
        add(i, None);
    }
    Ok(RankingReport {
        dcplan_version: env!("CARGO_PKG_VERSION").to_string(),
        backend: backend.0.to_string(),
        adapter: backend.1.to_string(),
        facility: facility_hash,
        sites: evaluated
            .iter()
            .map(|e| FileHash {
                file: e.path.display().to_string(),
                sha256: e.sha256.clone(),
            })
            .collect(),
        normalisation: "min-max over the feasible sites (benefit: (x - min)/(max - min); cost: \
                        (max - x)/(max - min); a criterion on which all feasible sites agree to its \
                        resolution scores 1 for every site)"
            .to_string(),
        criteria: criteria
            .iter()
            .zip(&SPECS)
            .enumerate()
            .map(|(c, (crit, spec))| CriterionInfo {
                key: crit.key.clone(),
                label: crit.label.clone(),
                unit: crit.unit.clone(),
                direction: match crit.direction {
                    Direction::Benefit => "benefit".into(),
                    Direction::Cost => "cost".into(),
                },
                weight: weights.as_slice()[c],
                resolution: spec.resolution,
            })
            .collect(),
        stability: StabilityInfo {
            draws: settings.draws,
            radius: settings.radius,
            seed: settings.seed,
            top_k: settings.top_k,
        },
        feasible_sites: feasible.len(),
        ranking,
    })
}
