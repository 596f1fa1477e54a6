//! Ranking the simulated sites: the decision matrix of the feasible ones (criteria from
//! [`criteria`](super::criteria)), scored three ways by `crate::rank` (weighted sum, TOPSIS,
//! Pareto) with the stability of the order under perturbed weights, and assembled into the
//! [`RankingReport`] that `report` writes as ranking.json, CSV, Markdown and HTML.
//!
//! Invariants: sites are listed feasible first in rank order, then infeasible ones by id, each
//! with its reasons; identical inputs and seed give an identical report (field order, rows in
//! rank order with ties broken by site id, no times).

use super::criteria::{self as sites, SPECS};
use super::evaluate::Evaluated;
use super::inputs::{FacilityInput, FileHash};
use crate::rank::{
    pareto_front, rank_order, stability, topsis, weighted_sum, Direction, Matrix, RankError,
    Weights,
};
use crate::solver::BackendInfo;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone)]
pub struct RankSettings {
    pub weights: Weights,
    pub top_k: usize,
    pub seed: u64,
    pub draws: usize,
    pub radius: f64,
    /// Joint Monte Carlo draws of inputs and weights (`rank --uncertainty N`); `None`: none.
    pub uncertainty: Option<usize>,
}

#[derive(Debug, Clone, Serialize)]
pub struct CriterionInfo {
    pub key: String,
    pub label: String,
    pub unit: String,
    /// "benefit" (higher is better) or "cost" (lower is better).
    pub direction: String,
    /// Normalised weight (the weights sum to 1).
    pub weight: f64,
    /// Values are rounded to this before comparison: differences below it are not real.
    pub resolution: f64,
}

#[derive(Debug, Clone, Serialize)]
pub struct CriterionValue {
    pub key: String,
    pub value: f64,
    pub unit: String,
    /// Min-max normalised value among the feasible sites, 0 (worst) to 1 (best).
    pub normalised: Option<f64>,
    /// weight × normalised: this criterion's share of the score.
    pub contribution: Option<f64>,
}

#[derive(Debug, Clone, Serialize)]
pub struct RankedSite {
    /// 1-based rank by the weighted sum among feasible sites; none for an infeasible site.
    pub rank: Option<usize>,
    pub site_id: String,
    pub name_en: String,
    pub name_ko: String,
    pub feasible: bool,
    pub reasons: Vec<String>,
    /// IT load the site can host, MW, and what limits it (`facility` when the whole design
    /// fits; else land, grid or thermal).
    pub hostable_it_mw: f64,
    pub limited_by: String,
    /// What a ranked site cannot do of the design, when it hosts less than all of it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub shortfall: Option<String>,
    /// Weighted-sum score, 0..1.
    pub score: Option<f64>,
    /// TOPSIS closeness to the ideal, 0..1, and the rank it gives.
    pub topsis: Option<f64>,
    pub topsis_rank: Option<usize>,
    /// Not dominated on every criterion by another feasible site.
    pub pareto_optimal: bool,
    /// Probability of ranking first / in the top K under perturbed weights.
    pub p_first: Option<f64>,
    pub p_top_k: Option<f64>,
    pub values: Vec<CriterionValue>,
    /// The grid-impact assessment items the model can score (points), and the rest listed as
    /// not modelled ([`super::impact`]).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub grid_impact: Option<super::impact::GridImpact>,
}

#[derive(Debug, Clone, Serialize)]
pub struct StabilityInfo {
    pub draws: usize,
    /// Weights are drawn as (1 - radius) w + radius s, s uniform on the simplex.
    pub radius: f64,
    pub seed: u64,
    pub top_k: usize,
}

/// ranking.json.
#[derive(Debug, Clone, Serialize)]
pub struct RankingReport {
    pub dcplan_version: String,
    pub backend: String,
    pub adapter: String,
    /// The input files with the SHA-256 of the bytes read: the facility, every site, the
    /// weather file of every site that names one (in site order), and the weights file.
    pub facility: FileHash,
    pub sites: Vec<FileHash>,
    pub weather: Vec<FileHash>,
    pub weights_file: Option<FileHash>,
    pub normalisation: String,
    pub criteria: Vec<CriterionInfo>,
    pub stability: StabilityInfo,
    pub feasible_sites: usize,
    pub ranking: Vec<RankedSite>,
    /// How sure the ranking is under ranged inputs and weights (`rank --uncertainty N`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub uncertainty: Option<super::uncertainty::Uncertainty>,
}

/// One site as the cross-site analysis sees it: who it is, the files it came from, why it is
/// infeasible (empty when it is not) and its criteria values, rounded to their resolutions.
/// All a ranking needs of a simulated site, so that sites simulated apart (shards, see
/// [`shard`](super::shard)) rank exactly as if simulated together.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SiteAssessment {
    pub site_id: String,
    pub name_en: String,
    pub name_ko: String,
    pub site: FileHash,
    pub weather: Option<FileHash>,
    /// Where the site is (for the map and GeoJSON).
    pub lon: f64,
    pub lat: f64,
    pub province: String,
    pub reasons: Vec<String>,
    /// IT load the site can host, MW, what limits it, and what it cannot do of the design.
    pub hostable_it_mw: f64,
    pub limited_by: String,
    pub shortfall: Option<String>,
    /// In [`SPECS`] order.
    pub values: Vec<f64>,
    /// The grid-impact assessment ([`super::impact`]); absent in parts of older versions.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub grid_impact: Option<super::impact::GridImpact>,
}

/// The assessment of each simulated site, in the order given.
pub fn assess(evaluated: &[Evaluated], facility: &FacilityInput) -> Vec<SiteAssessment> {
    evaluated
        .iter()
        .map(|e| {
            let (site, metrics) = (&e.input.site, &e.run.metrics);
            SiteAssessment {
                site_id: site.id.clone(),
                name_en: site.name_en.clone(),
                name_ko: site.name_ko.clone(),
                site: e.input.hash.clone(),
                weather: e.input.weather.as_ref().map(|w| w.hash.clone()),
                lon: site.lon,
                lat: site.lat,
                province: site.province.clone(),
                reasons: sites::infeasibility(&facility.facility, metrics),
                hostable_it_mw: metrics.hostable.it_mw,
                limited_by: metrics.hostable.limited_by.clone(),
                shortfall: sites::shortfall(&facility.facility, metrics),
                values: sites::values(site, metrics),
                grid_impact: Some(metrics.grid_impact.clone()),
            }
        })
        .collect()
}

/// Scores, orders and assembles the report. Sites are listed feasible first in rank order,
/// then infeasible ones by id, each with its reasons.
///
/// `weights_file`: the weights file, when the weights came from one.
pub fn rank(
    evaluated: &[Evaluated],
    facility: &FacilityInput,
    weights_file: Option<FileHash>,
    settings: &RankSettings,
    backend: &BackendInfo,
) -> Result<RankingReport, RankError> {
    let assessed = assess(evaluated, facility);
    rank_assessed(&assessed, &facility.hash, weights_file, settings, backend)
}

/// [`rank`] from the sites' assessments (in the order the sites were found): the cross-site
/// analysis alone.
pub fn rank_assessed(
    assessed: &[SiteAssessment],
    facility: &FileHash,
    weights_file: Option<FileHash>,
    settings: &RankSettings,
    backend: &BackendInfo,
) -> Result<RankingReport, RankError> {
    let reasons: Vec<&Vec<String>> = assessed.iter().map(|a| &a.reasons).collect();
    let feasible: Vec<usize> = (0..assessed.len())
        .filter(|&i| reasons[i].is_empty())
        .collect();
    let matrix = Matrix {
        criteria: sites::criteria(),
        alternatives: feasible
            .iter()
            .map(|&i| assessed[i].site_id.clone())
            .collect(),
        values: feasible
            .iter()
            .map(|&i| assessed[i].values.clone())
            .collect(),
    };
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
        let a = &assessed[i];
        let values = &a.values;
        ranking.push(RankedSite {
            rank: k.and_then(|k| position(&order, k)),
            site_id: a.site_id.clone(),
            name_en: a.name_en.clone(),
            name_ko: a.name_ko.clone(),
            feasible: k.is_some(),
            reasons: reasons[i].clone(),
            hostable_it_mw: a.hostable_it_mw,
            limited_by: a.limited_by.clone(),
            shortfall: a.shortfall.clone(),
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
            grid_impact: a.grid_impact.clone(),
        });
    };
    for &k in &order {
        add(feasible[k], Some(k));
    }
    let mut infeasible: Vec<usize> = (0..assessed.len())
        .filter(|i| !reasons[*i].is_empty())
        .collect();
    let id = |i: usize| &assessed[i].site_id;
    infeasible.sort_by(|&a, &b| id(a).cmp(id(b)));
    for i in infeasible {
        add(i, None);
    }
    Ok(RankingReport {
        dcplan_version: env!("CARGO_PKG_VERSION").to_string(),
        backend: backend.backend.clone(),
        adapter: backend.adapter.clone(),
        facility: facility.clone(),
        sites: assessed.iter().map(|a| a.site.clone()).collect(),
        weather: assessed.iter().filter_map(|a| a.weather.clone()).collect(),
        weights_file,
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
        uncertainty: None,
    })
}
