//! `dcplan rank`: arguments checked and turned into a [`RankRequest`], the sites ranked with
//! a progress bar on a terminal, the report written, the table (or JSON, CSV, Markdown,
//! GeoJSON) printed.

use super::{backend, wrote, Announce, Cli, CliError, Exit};
use crate::plan::{load_rank, rank_sites, Progress, RankRequest, WeightsSpec};
use crate::report::geojson::to_geojson;
use crate::report::ranking::{locations, to_csv, to_markdown, to_table, write_rank_report};
use std::path::{Path, PathBuf};

#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    Table,
    Json,
    Csv,
    Md,
    /// The ranking as an RFC 7946 FeatureCollection (also written as ranking.geojson).
    Geojson,
}

#[derive(clap::Args, Debug)]
pub struct RankArgs {
    /// Site files or folders of them (a folder's facilities/ subfolder is not a site).
    #[arg(required = true)]
    pub paths: Vec<PathBuf>,
    /// The facility design (default: facilities/ai-hall-20mw.json in the first site's folder).
    #[arg(long)]
    pub facility: Option<PathBuf>,
    /// Weights: a JSON file {"key": weight, ...} or overrides "key=value,key=value" on the
    /// defaults. Keys: grid_margin_mw, hostable_it_mw, voltage_drop_pct, pue,
    /// energy_cost_bn_krw, carbon_kt_co2, thermal_hours, wue_l_per_kwh, hazard_score,
    /// distance_to_seoul_km.
    #[arg(long)]
    pub weights: Option<String>,
    /// K of the top-K stability probability.
    #[arg(long, default_value_t = 3)]
    pub top: usize,
    /// Seed of the weight draws.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Weight draws of the stability analysis (at least 10,000).
    #[arg(long, default_value_t = 10_000)]
    pub draws: usize,
    /// How far the drawn weights may move from the chosen ones, 0-1.
    #[arg(long, default_value_t = 0.3)]
    pub radius: f64,
    /// Grid cell size of every hall, m.
    #[arg(long)]
    pub cell_m: Option<f64>,
    /// The grid model drawn on the map (default: grid/ beside the first site path, when it
    /// holds a network.json; `--grid none` draws no network).
    #[arg(long)]
    pub grid: Option<PathBuf>,
    /// What to print on stdout.
    #[arg(long, value_enum, default_value_t = Format::Table)]
    pub format: Format,
    /// Report folder.
    #[arg(long, default_value = "report")]
    pub out: PathBuf,
}

impl RankArgs {
    /// The checked request: every option in range before any file is read.
    pub fn request(&self) -> Result<RankRequest, CliError> {
        if self.top == 0 {
            return Err(CliError::Args("--top: expected K >= 1".into()));
        }
        if self.draws < 10_000 {
            return Err(CliError::Args(format!(
                "--draws: expected at least 10000, found {}",
                self.draws
            )));
        }
        if !(self.radius > 0.0 && self.radius <= 1.0) {
            return Err(CliError::Args(format!(
                "--radius: expected a number in (0, 1], found {}",
                self.radius
            )));
        }
        let weights = match &self.weights {
            None => WeightsSpec::Defaults,
            // a file when it exists or is named like one, else key=value overrides
            Some(w) if w.ends_with(".json") || Path::new(w).is_file() => {
                WeightsSpec::File(PathBuf::from(w))
            }
            Some(spec) => WeightsSpec::Overrides(spec.clone()),
        };
        Ok(RankRequest {
            paths: self.paths.clone(),
            facility: self.facility.clone(),
            weights,
            top_k: self.top,
            seed: self.seed,
            draws: self.draws,
            radius: self.radius,
            cell_m: self.cell_m,
        })
    }
}

pub fn run(cli: &Cli, args: &RankArgs) -> Result<Exit, CliError> {
    let inputs = load_rank(&args.request()?)?;
    let mut backend = backend(cli, Announce::Status)?;
    // a progress bar on a terminal, nothing on a pipe (indicatif draws only to a terminal)
    let bar = indicatif::ProgressBar::new(0);
    bar.set_style(
        indicatif::ProgressStyle::with_template("{bar:30} {pos}/{len} sites {msg}")
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
    );
    let progress = |p: Progress| match p {
        Progress::Loaded { sites } => bar.set_length(sites as u64),
        Progress::Simulated { site_id } => {
            bar.set_message(site_id.to_string());
            bar.inc(1);
        }
    };
    let outcome = rank_sites(inputs, &mut backend, &progress);
    bar.finish_and_clear();
    let outcome = outcome?;
    let network = match grid_dir(args) {
        Some(dir) => {
            Some(crate::grid::Network::load_shipped(&dir).map_err(super::grid::grid_error)?)
        }
        None => None,
    };
    let files = write_rank_report(&outcome, &args.out, network.as_ref())?;
    let report = &outcome.report;
    match args.format {
        Format::Table => print!("{}", to_table(report)),
        Format::Json => println!(
            "{}",
            serde_json::to_string_pretty(report).map_err(anyhow::Error::from)?
        ),
        Format::Csv => print!("{}", to_csv(report).map_err(anyhow::Error::from)?),
        Format::Md => print!("{}", to_markdown(report)),
        Format::Geojson => print!(
            "{}",
            to_geojson(report, &locations(&outcome)).map_err(anyhow::Error::from)?
        ),
    }
    wrote(cli, &files);
    if !outcome.any_feasible() {
        eprintln!("no site can host the facility");
        return Ok(Exit::NoFeasibleSite);
    }
    Ok(Exit::Success)
}

/// The grid model folder the map draws: `--grid DIR`, else `grid/` beside the first site
/// path when it holds a network.json; none for `--grid none` or when there is none.
fn grid_dir(args: &RankArgs) -> Option<PathBuf> {
    if let Some(g) = &args.grid {
        return (g.as_os_str() != "none").then(|| g.clone());
    }
    let first = args.paths.first()?;
    let folder = if first.is_dir() {
        first.clone()
    } else {
        first.parent()?.to_path_buf()
    };
    let dir = folder.join("grid");
    dir.join("network.json").is_file().then_some(dir)
}
