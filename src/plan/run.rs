//! The two pipelines the command line runs, from a checked request to results: one site
//! ([`load_simulation`] then [`simulate_site`], for `dcplan simulate`) and many sites ranked
//! ([`load_rank`] then [`rank_sites`], for `dcplan rank`). Loading is separate so that every
//! input problem is reported before a solver is even chosen. Nothing here prints or writes
//! files; `report` writes what they return.

use super::criteria::{criteria, default_weights};
use super::error::PlanError;
use super::evaluate::{evaluate, EvalContext, Evaluated};
use super::inputs::{
    default_facility, load_pair, load_sites, FacilityInput, FileHash, InputFile, SiteInput,
};
use super::ranking::{rank, RankSettings, RankingReport};
use super::simulate::{prepare_facility, simulate, Precision, SiteRun};
use super::{suspect, uncertainty};
use crate::backend::Backend;
use crate::layout::default_cell_m;
use crate::rank::{parse_overrides, weights_from_json, Weights};
use std::path::PathBuf;

/// One site to simulate.
#[derive(Debug, Clone)]
pub struct SimulateRequest {
    pub site: PathBuf,
    /// The facility design; `None`: [`DEFAULT_FACILITY`](super::inputs::DEFAULT_FACILITY)
    /// beside the site file.
    pub facility: Option<PathBuf>,
    /// Grid cell size, m; `None`: the layout's default for the facility.
    pub cell_m: Option<f64>,
}

/// The inputs of one simulation, loaded and checked.
pub struct SimulationInputs {
    pub site: SiteInput,
    pub facility: FacilityInput,
    pub cell_m: f64,
}

/// Loads the site and the facility, every problem of both reported at once.
pub fn load_simulation(req: &SimulateRequest) -> Result<SimulationInputs, PlanError> {
    let facility_path = req
        .facility
        .clone()
        .unwrap_or_else(|| default_facility(std::slice::from_ref(&req.site)));
    let (site, facility) = load_pair(&req.site, &facility_path)?;
    let cell_m = req
        .cell_m
        .unwrap_or_else(|| default_cell_m(&facility.facility));
    Ok(SimulationInputs {
        site,
        facility,
        cell_m,
    })
}

/// Simulates the site on `backend`.
pub fn simulate_site(
    inputs: &SimulationInputs,
    backend: &mut Backend,
) -> Result<SiteRun, PlanError> {
    let precision = Precision::for_backend(backend);
    let model = prepare_facility(
        &inputs.facility,
        inputs.cell_m,
        backend.solver(),
        &precision,
    )
    .map_err(|source| suspect::facility_failure(&inputs.facility, source))?;
    let grid = load_grid(std::slice::from_ref(&inputs.site.path))?;
    let (map, files) = match &grid {
        Some((m, f)) => (Some(m), f.as_slice()),
        None => (None, &[][..]),
    };
    let run = simulate(&inputs.site, &inputs.facility, &model, map, files).map_err(|source| {
        suspect::simulate_failure(&inputs.facility, inputs.site.path.clone(), source)
    })?;
    suspect::check_finite(&inputs.facility, &run)?;
    Ok(run)
}

/// The national grid model beside the sites (`grid/` in the first site's folder), its
/// hosting map computed once, and the hashes of its files; `None` when there is none.
pub fn load_grid(
    site_paths: &[PathBuf],
) -> Result<Option<(crate::grid::HostingMap, Vec<FileHash>)>, PlanError> {
    let Some(dir) = site_paths
        .first()
        .and_then(|p| p.parent())
        .map(|d| d.join("grid"))
        .filter(|d| d.join("network.json").is_file())
    else {
        return Ok(None);
    };
    let grid_err = PlanError::Grid;
    let network = crate::grid::Network::load_shipped(&dir).map_err(grid_err)?;
    let snapshots =
        crate::grid::load_snapshots(&dir.join("snapshots"), &network).map_err(grid_err)?;
    let map =
        crate::grid::HostingMap::compute(&network, &snapshots, crate::grid::ScreenBackend::cpu())
            .map_err(grid_err)?;
    let mut files = Vec::new();
    let mut paths: Vec<PathBuf> = std::fs::read_dir(&dir)
        .into_iter()
        .chain(std::fs::read_dir(dir.join("snapshots")))
        .flatten()
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.is_file())
        .collect();
    paths.sort();
    for p in paths {
        files.push(InputFile::read(&p, crate::fsio::limits::GRID)?.hash());
    }
    Ok(Some((map, files)))
}

/// Where the ranking's weights come from.
#[derive(Debug, Clone, PartialEq)]
pub enum WeightsSpec {
    /// The defaults of [`criteria`](super::criteria).
    Defaults,
    /// A JSON file naming every criterion.
    File(PathBuf),
    /// `key=value,...` overrides of the defaults.
    Overrides(String),
    /// A named preset of [`criteria::PRESETS`](super::criteria::PRESETS).
    Preset(String),
}

/// Sites to rank, and how.
#[derive(Debug, Clone)]
pub struct RankRequest {
    /// Site files or folders of them.
    pub paths: Vec<PathBuf>,
    /// `None`: [`DEFAULT_FACILITY`](super::inputs::DEFAULT_FACILITY) in the first path's folder.
    pub facility: Option<PathBuf>,
    pub weights: WeightsSpec,
    pub top_k: usize,
    pub seed: u64,
    pub draws: usize,
    pub radius: f64,
    /// Joint Monte Carlo draws (`--uncertainty N`); `None`: no uncertainty analysis.
    pub uncertainty: Option<usize>,
    /// Grid cell size of every hall, m; `None`: the layout's default for the facility.
    pub cell_m: Option<f64>,
}

/// A ranking and the simulated sites behind it.
pub struct RankOutcome {
    pub report: RankingReport,
    /// In the order the sites were found.
    pub sites: Vec<Evaluated>,
}

impl RankOutcome {
    /// Whether any site can host the facility.
    pub fn any_feasible(&self) -> bool {
        self.report.feasible_sites > 0
    }
}

/// How far a ranking has got, for a progress bar.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Progress<'a> {
    /// The inputs are loaded; this many sites will be simulated.
    Loaded { sites: usize },
    /// One site is simulated.
    Simulated { site_id: &'a str },
    /// Monte Carlo draws of the uncertainty analysis done, of all.
    Drawn { done: usize, total: usize },
}

/// The inputs of a ranking, loaded and checked.
pub struct RankInputs {
    pub sites: Vec<SiteInput>,
    pub facility: FacilityInput,
    pub settings: RankSettings,
    /// The weights file, when the weights came from one.
    pub weights_file: Option<FileHash>,
    pub cell_m: f64,
}

/// Loads every input, every problem of every file reported at once, then the weights.
pub fn load_rank(req: &RankRequest) -> Result<RankInputs, PlanError> {
    let facility_path = req
        .facility
        .clone()
        .unwrap_or_else(|| default_facility(&req.paths));
    let (sites, facility) = load_sites(&req.paths, &facility_path)?;
    if sites.is_empty() {
        return Err(PlanError::Request(
            "no site files found in the given paths".into(),
        ));
    }
    let (weights, weights_file) = weights(&req.weights)?;
    let cell_m = req
        .cell_m
        .unwrap_or_else(|| default_cell_m(&facility.facility));
    Ok(RankInputs {
        sites,
        facility,
        settings: RankSettings {
            weights,
            top_k: req.top_k,
            seed: req.seed,
            draws: req.draws,
            radius: req.radius,
            uncertainty: req.uncertainty,
        },
        weights_file,
        cell_m,
    })
}

/// Simulates every site on `backend` and ranks them; `progress` hears how far it has got.
pub fn rank_sites(
    inputs: RankInputs,
    backend: &mut Backend,
    progress: &(dyn Fn(Progress) + Sync),
) -> Result<RankOutcome, PlanError> {
    let precision = Precision::for_backend(backend);
    let first = inputs.sites.first().map(|s| s.path.clone());
    let model = prepare_facility(
        &inputs.facility,
        inputs.cell_m,
        backend.solver(),
        &precision,
    )
    .map_err(|source| suspect::facility_failure(&inputs.facility, source))?;
    let grid = load_grid(first.as_slice())?;
    let (map, files) = match &grid {
        Some((m, f)) => (Some(m), f.as_slice()),
        None => (None, &[][..]),
    };
    let ctx = EvalContext {
        facility: &inputs.facility,
        model: &model,
        grid: map,
        extra_files: files,
    };
    progress(Progress::Loaded {
        sites: inputs.sites.len(),
    });
    let done = |site_id: &str| progress(Progress::Simulated { site_id });
    let sites = evaluate(inputs.sites, &ctx, &done)?;
    let info = backend.solver().info();
    let mut report = rank(
        &sites,
        &inputs.facility,
        inputs.weights_file,
        &inputs.settings,
        &info,
    )?;
    if let Some(draws) = inputs.settings.uncertainty {
        // the line-type table beside the network, whose rating ranges the draws reach
        let table = map
            .map(|m| m.network.dir.join("line_types.json"))
            .filter(|f| f.is_file());
        let types = match &table {
            Some(f) => Some(crate::grid::params::LineTypes::load(f).map_err(PlanError::Grid)?),
            None => None,
        };
        let grid = map.map(|m| (m, table.as_deref().zip(types.as_ref())));
        let problem =
            uncertainty::Problem::from_evaluated(&sites, &inputs.facility.facility, grid)?;
        let s = &inputs.settings;
        let settings = uncertainty::Settings {
            draws,
            seed: s.seed,
            top_k: s.top_k,
            radius: s.radius,
            weights: s.weights.clone(),
        };
        let drawn = |done, total| progress(Progress::Drawn { done, total });
        report.uncertainty = Some(uncertainty::analyse(&problem, &settings, &drawn)?);
    }
    Ok(RankOutcome { report, sites })
}

/// The weights, and the weights file they came from (read once and hashed, like every input).
fn weights(spec: &WeightsSpec) -> Result<(Weights, Option<FileHash>), PlanError> {
    let all = criteria();
    match spec {
        WeightsSpec::Defaults => Ok((default_weights(), None)),
        WeightsSpec::Preset(name) => super::criteria::preset_weights(name)
            .map(|w| (w, None))
            .ok_or_else(|| PlanError::Request(format!("--weights: no preset named `{name}`"))),
        WeightsSpec::Overrides(text) => parse_overrides(text, &all, &default_weights())
            .map(|w| (w, None))
            .map_err(|e| PlanError::Request(format!("--weights: {e}"))),
        WeightsSpec::File(path) => {
            let file = InputFile::read(path, crate::fsio::limits::JSON)?;
            let text = file.text()?;
            let w = weights_from_json(text, &all)
                .map_err(|e| PlanError::Request(format!("--weights {}: {e}", path.display())))?;
            Ok((w, Some(file.hash())))
        }
    }
}
