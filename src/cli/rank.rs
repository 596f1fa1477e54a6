//! `dcplan rank`: arguments checked and turned into a [`RankRequest`], the sites ranked with
//! a progress bar on a terminal, the report written, the table (or JSON, CSV, Markdown,
//! GeoJSON) printed.

use super::shard::Meter;
use super::{backend, wrote, Announce, Cli, CliError, Exit};
use crate::fsio::OutputDir;
use crate::plan::limits::check_grid;
use crate::plan::{load_rank, rank_sites, Progress, RankRequest, RankingReport, WeightsSpec};
use crate::report::geojson::{to_geojson, SiteLocation};
use crate::report::ranking::{
    locations, to_csv, to_markdown, to_table, write_rank_report, RANK_FILES,
};
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
    /// Weights: a JSON file {"key": weight, ...}, overrides "key=value,key=value" on the
    /// defaults, or a preset (`grid-impact`: the grid-impact assessment's items that a
    /// criterion measures, at their points). Keys: grid_margin_mw, hostable_it_mw,
    /// voltage_drop_pct, pue, energy_cost_krw_per_kwh, carbon_g_per_kwh, thermal_hours,
    /// wue_l_per_kwh, hazard_score,
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
    /// Joint Monte Carlo over ranged inputs and weights with N draws (at least 100; each mode:
    /// weights alone, inputs alone, both): P(first), P(top K), rank distribution, tornadoes,
    /// value of information. Seeded by --seed.
    #[arg(long, value_name = "N")]
    pub uncertainty: Option<usize>,
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
    /// Report folder; with --shard, the shard's folder (its part.json and its sites' files).
    #[arg(long, default_value = "report")]
    pub out: PathBuf,
    /// Simulate only shard i of n (0 <= i < n) of the sites, in id order, and write a part for
    /// `dcplan merge` to --out instead of a report.
    #[arg(long, value_name = "I/N")]
    pub shard: Option<String>,
}

impl RankArgs {
    /// The checked request: every option in range before any file is read.
    pub fn request(&self) -> Result<RankRequest, CliError> {
        if self.top == 0 {
            return Err(CliError::Args("--top: expected K >= 1".into()));
        }
        if !(MIN_DRAWS..=MAX_DRAWS).contains(&self.draws) {
            return Err(CliError::Args(format!(
                "--draws: expected {MIN_DRAWS} to {MAX_DRAWS}, found {}",
                self.draws
            )));
        }
        super::simulate::check_cell_m(self.cell_m)?;
        if !(self.radius > 0.0 && self.radius <= 1.0) {
            return Err(CliError::Args(format!(
                "--radius: expected a number in (0, 1], found {}",
                self.radius
            )));
        }
        if let Some(n) = self.uncertainty {
            if n < 100 {
                return Err(CliError::Args(format!(
                    "--uncertainty: expected at least 100 draws, found {n}"
                )));
            }
        }
        let weights = match &self.weights {
            None => WeightsSpec::Defaults,
            // `key=value,...` overrides hold an `=`; anything else names a file (and a file
            // that is missing is reported as missing, not as malformed overrides)
            Some(spec) if spec.contains('=') && !Path::new(spec).is_file() => {
                WeightsSpec::Overrides(spec.clone())
            }
            // a preset's name, unless a file of that name is there
            Some(name)
                if !Path::new(name).is_file()
                    && crate::plan::criteria::PRESETS
                        .iter()
                        .any(|p| p.name == name) =>
            {
                WeightsSpec::Preset(name.clone())
            }
            Some(w) => WeightsSpec::File(PathBuf::from(w)),
        };
        Ok(RankRequest {
            paths: self.paths.clone(),
            facility: self.facility.clone(),
            weights,
            top_k: self.top,
            seed: self.seed,
            draws: self.draws,
            radius: self.radius,
            uncertainty: self.uncertainty,
            cell_m: self.cell_m,
        })
    }
}

/// The fewest weight draws (for a P(first) resolved to about 1 %) and the most (10^6 draws
/// take about a second per 15 sites; 10^9 would run for many minutes).
pub const MIN_DRAWS: usize = 10_000;
pub const MAX_DRAWS: usize = 1_000_000;

pub fn run(cli: &Cli, args: &RankArgs) -> Result<Exit, CliError> {
    if let Some(spec) = &args.shard {
        return super::shard::run(cli, args, spec);
    }
    let inputs = load_rank(&args.request()?)?;
    check_grid(&inputs.facility.facility, inputs.cell_m)?;
    // the report folder is checked (and staged) before any computing
    let out = OutputDir::prepare(&args.out, &RANK_FILES)?;
    let mut backend = backend(cli, Announce::Status)?;
    // a bar on a terminal, a line every few seconds on a pipe or in a batch log
    let meter = Meter::new("rank".into(), cli.quiet);
    let outcome = rank_sites(inputs, &mut backend, &|p: Progress| meter.on(p));
    meter.finish();
    let outcome = outcome?;
    let network = match grid_dir(args) {
        Some(dir) => {
            Some(crate::grid::Network::load_shipped(&dir).map_err(super::grid::grid_error)?)
        }
        None => None,
    };
    let files: Vec<PathBuf> = write_rank_report(&outcome, out.path(), network.as_ref())?
        .iter()
        .map(|f| out.final_path(f))
        .collect();
    out.commit()?;
    print_report(&outcome.report, &locations(&outcome), args.format)?;
    wrote(cli, &files);
    if !cli.quiet {
        eprintln!("{}", meter.usage(outcome.sites.len()).line());
    }
    if !outcome.any_feasible() {
        eprintln!("no site can host the facility");
        return Ok(Exit::NoFeasibleSite);
    }
    Ok(Exit::Success)
}

/// Prints the ranking on stdout as `format` says (`rank` and `merge`); `locations` place the
/// sites for GeoJSON.
pub fn print_report(
    report: &RankingReport,
    locations: &[SiteLocation],
    format: Format,
) -> Result<(), CliError> {
    match format {
        Format::Table => print!("{}", to_table(report)),
        Format::Json => println!(
            "{}",
            serde_json::to_string_pretty(report).map_err(anyhow::Error::from)?
        ),
        Format::Csv => print!("{}", to_csv(report).map_err(anyhow::Error::from)?),
        Format::Md => print!("{}", to_markdown(report)),
        Format::Geojson => print!(
            "{}",
            to_geojson(report, locations).map_err(anyhow::Error::from)?
        ),
    }
    Ok(())
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
