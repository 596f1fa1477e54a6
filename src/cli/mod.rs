//! Command line, in three steps: clap parses the raw arguments into [`Cli`]; each command
//! checks them and turns them into a typed request of the library (`plan::RankRequest`,
//! `plan::SimulateRequest`, bench sizes); the library runs it, and this module prints the
//! result. Nothing here computes. Every failure is a [`CliError`], and [`exit::exit_for`]
//! decides its exit code.

use crate::backend::{self, Backend, BackendChoice};
use crate::bench;
use crate::gpu::{list_adapters, pick_adapter};
use crate::site;
use crate::solver::{SolveError, Tolerance};
use clap::{Parser, Subcommand};
pub mod grid;
use std::path::PathBuf;

pub mod exit;
pub mod merge;
pub mod parcels;
pub mod rank;
pub mod shard;
pub mod simulate;

pub use exit::{exit_for, Exit};

#[derive(Parser, Debug)]
#[command(
    name = "dcplan",
    version,
    about = "Thermal and power planning of AI datacenter sites, solved on the GPU"
)]
pub struct Cli {
    /// Solver backend: a hardware GPU when there is one (auto), any GPU adapter, or the CPU.
    #[arg(long, value_enum, default_value_t = BackendChoice::Auto, global = true)]
    pub backend: BackendChoice,
    /// Use the adapter whose name contains this (case-insensitive), e.g. `H100` or `llvmpipe`.
    #[arg(long, global = true)]
    pub adapter: Option<String>,
    /// Print only results, no status lines.
    #[arg(long, short, global = true)]
    pub quiet: bool,
    /// A folder of weather files: a site's `climate.epw` that is not in the site's own folder
    /// may lie here (same rule: a relative path without `..`, a regular file of bounded size,
    /// no link leading out).
    #[arg(long, global = true, value_name = "DIR")]
    pub weather_dir: Option<PathBuf>,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// List every adapter wgpu sees and which one `--backend auto` picks.
    Adapters,
    /// Solver throughput over a size sweep of a variable-coefficient problem.
    Bench(BenchArgs),
    /// Check site and facility files; report every problem in every file.
    Validate {
        /// Site files, facility files, or folders of them.
        #[arg(required = true)]
        paths: Vec<PathBuf>,
        /// Also check that this facility fits each site's land.
        #[arg(long)]
        facility: Option<PathBuf>,
    },
    /// Run the model for one site: coupled heat and power fields of the facility's hall at the
    /// design hot hour; writes metrics.json, thermal.png and voltage.png.
    Simulate(simulate::SimulateArgs),
    /// Rank candidate sites: simulate each, score by weighted criteria, TOPSIS and Pareto,
    /// measure rank stability, and write ranking.json/csv, report.md and report.html.
    Rank(rank::RankArgs),
    /// Merge the parts of a sharded ranking (`rank --shard i/n`): check that every shard is
    /// there once and all come from the same inputs and options, then rank the sites once and
    /// write the report a single `rank` would.
    Merge(merge::MergeArgs),
    /// Turn candidate parcels (GeoJSON points or polygons) into site files: climate from the
    /// nearest KMA stations, province, grid bus, land; unknowns marked assumed.
    Parcels(parcels::ParcelsArgs),
    /// The national grid model: check, N-1 hosting capacity of every bus, export, build.
    Grid(grid::GridArgs),
    /// Print the JSON Schema of a site or facility file.
    Schema {
        #[arg(value_enum)]
        kind: SchemaKind,
    },
}

#[derive(clap::ValueEnum, Clone, Copy, Debug)]
pub enum SchemaKind {
    Site,
    Facility,
}

#[derive(clap::Args, Debug)]
#[command(group(clap::ArgGroup::new("hall_system").args(["power_sheet", "hall_air"])))]
pub struct BenchArgs {
    /// Grid sizes n (n × n cells), comma-separated. Default: up to 4096 on a hardware GPU,
    /// smaller on the CPU or a software adapter.
    #[arg(long, value_delimiter = ',')]
    pub sizes: Option<Vec<usize>>,
    /// One JSON object per line instead of a table.
    #[arg(long)]
    pub json: bool,
    /// Stop at this relative residual ||b - Ax||2/||b||2 instead of the backward-error target
    /// (1e-12 on the CPU, 1e-6 on a GPU), to compare with other solvers' usual rule.
    #[arg(long)]
    pub rtol: Option<f64>,
    /// Write the system of the (single) size in --sizes, or the power sheet or hall air
    /// system, as A.mtx, b.mtx, x.mtx, dcplan.json and (for the hall systems) meta.json (grid
    /// shape and the dcplan arguments that re-solve it, for benches/solver_race.py --system) to
    /// this folder. A.mtx is Matrix Market `coordinate real symmetric` (the lower triangle)
    /// when the operator is symmetric, `coordinate real general` (every entry) otherwise.
    #[arg(long)]
    pub export: Option<PathBuf>,
    /// Solve the power (busway) sheet of this facility's hall instead of the synthetic
    /// benchmark problem: the product's own 1e4-contrast system.
    #[arg(long, value_name = "FACILITY.json", conflicts_with = "sizes")]
    pub power_sheet: Option<PathBuf>,
    /// Solve this facility's hall air temperature instead: the advection–diffusion operator
    /// `simulate` builds on the hall's airflow (nonsymmetric, first-order upwind), at the
    /// design point (supply and outdoor air at the supply set point, full load), with each
    /// rack's exhaust at supply + its rise, the zone above at supply + the mean rise and no
    /// busway heat, so that it is one solve rather than simulate's coupled sequence of them.
    /// Exported as a general (nonsymmetric) matrix; meta.json says "symmetric": false.
    #[arg(
        long,
        value_name = "FACILITY.json",
        conflicts_with_all = ["sizes", "power_sheet"]
    )]
    pub hall_air: Option<PathBuf>,
    /// Cell size of the power sheet or hall air system, m (default: the facility's default
    /// cell size).
    #[arg(long, requires = "hall_system")]
    pub cell_m: Option<f64>,
}

/// Failures, by who is at fault; [`exit_for`] gives each its exit code.
#[derive(Debug, thiserror::Error)]
pub enum CliError {
    /// Arguments that parse but make no sense (`--top 0`, `--sizes 1`).
    #[error("{0}")]
    Args(String),
    /// Bad input files (`validate`).
    #[error(transparent)]
    Inputs(site::Findings),
    #[error(transparent)]
    Plan(#[from] crate::plan::PlanError),
    /// Parts of a sharded ranking that do not merge (`merge`).
    #[error(transparent)]
    Shard(#[from] crate::plan::shard::ShardError),
    /// A parcels file, or the shipped data it is read against, that cannot be used.
    #[error(transparent)]
    Parcels(#[from] crate::plan::parcels::ParcelError),
    #[error(transparent)]
    Device(#[from] crate::gpu::GpuError),
    #[error(transparent)]
    Solve(#[from] SolveError),
    /// A report could not be written.
    #[error(transparent)]
    Output(#[from] crate::report::ReportError),
    /// A file could not be written.
    #[error(transparent)]
    Write(#[from] crate::fsio::WriteError),
    /// The output folder cannot be created or replaced.
    #[error("--out {0}")]
    OutputDir(#[from] crate::fsio::OutputError),
    #[error(transparent)]
    Other(#[from] anyhow::Error),
}

impl CliError {
    /// The process exit code of this failure (see [`exit`]).
    pub fn exit_code(&self) -> u8 {
        exit_for(self).code()
    }
}

pub fn run(cli: Cli) -> Result<Exit, CliError> {
    if let Some(dir) = &cli.weather_dir {
        site::set_weather_dir(dir).map_err(CliError::Args)?;
    }
    match &cli.command {
        Command::Adapters => adapters(&cli),
        Command::Bench(args) => bench_command(&cli, args),
        Command::Validate { paths, facility } => validate(paths, facility.as_deref()),
        Command::Rank(args) => rank::run(&cli, args),
        Command::Merge(args) => merge::run(&cli, args),
        Command::Parcels(args) => parcels::run(&cli, args),
        Command::Grid(args) => grid::run(&cli, args),
        Command::Simulate(args) => simulate::run(&cli, args),
        Command::Schema { kind } => {
            let schema = match kind {
                SchemaKind::Site => site::site_schema(),
                SchemaKind::Facility => site::facility_schema(),
            };
            let text = serde_json::to_string_pretty(&schema).map_err(anyhow::Error::from)?;
            println!("{text}");
            Ok(Exit::Success)
        }
    }
}

/// Where the backend line goes: `adapters` prints it as part of its listing, every other
/// command as a status line on stderr (unless `--quiet`).
#[derive(Clone, Copy, PartialEq, Eq)]
enum Announce {
    Stdout,
    Status,
}

/// The solver `--backend` and `--adapter` choose, announced in one line saying why.
fn backend(cli: &Cli, announce: Announce) -> Result<Backend, CliError> {
    if cli.backend == BackendChoice::Cpu {
        if let Some(name) = &cli.adapter {
            return Err(CliError::Args(format!(
                "--adapter {}: the CPU backend uses no adapter; drop --adapter or choose \
                 --backend gpu or auto",
                site::excerpt(name)
            )));
        }
    }
    let (backend, line) = backend::select(cli.backend, cli.adapter.as_deref())?;
    match announce {
        Announce::Stdout => println!("{line}"),
        Announce::Status if !cli.quiet => eprintln!("{line}"),
        Announce::Status => {}
    }
    Ok(backend)
}

/// Lists written files on stderr unless `--quiet`.
fn wrote(cli: &Cli, files: &[PathBuf]) {
    if !cli.quiet {
        for f in files {
            eprintln!("wrote {}", f.display());
        }
    }
}

fn adapters(cli: &Cli) -> Result<Exit, CliError> {
    let list = list_adapters();
    if list.is_empty() {
        println!("wgpu sees no adapter");
    }
    let picked = pick_adapter(&list, cli.adapter.as_deref());
    println!(
        "{:<3} {:<40} {:<8} {:<14} driver",
        "", "name", "backend", "type"
    );
    for (i, a) in list.iter().enumerate() {
        let mark = if Some(i) == picked { "*" } else { "" };
        println!(
            "{mark:<3} {:<40} {:<8} {:<14} {}",
            a.name, a.backend, a.device_type, a.driver
        );
    }
    backend(cli, Announce::Stdout)?;
    Ok(Exit::Success)
}

fn bench_command(cli: &Cli, args: &BenchArgs) -> Result<Exit, CliError> {
    if let Some(r) = args.rtol {
        if !(r.is_finite() && r > 0.0 && r < 1.0) {
            return Err(CliError::Args(format!(
                "--rtol: expected a number in (0, 1), found {r}"
            )));
        }
    }
    if let Some(sizes) = &args.sizes {
        if let Some(bad) = sizes.iter().find(|&&n| n < 2) {
            return Err(CliError::Args(format!(
                "--sizes: expected sizes >= 2, found {bad}"
            )));
        }
    }
    if let Some(sizes) = &args.sizes {
        bench::check_sizes(sizes).map_err(CliError::Args)?;
    }
    if let Some(path) = &args.power_sheet {
        return hall_system_bench(cli, args, path, HallSystem::PowerSheet);
    }
    if let Some(path) = &args.hall_air {
        return hall_system_bench(cli, args, path, HallSystem::Air);
    }
    if args.export.is_some() && args.sizes.as_ref().is_none_or(|s| s.len() != 1) {
        return Err(CliError::Args(
            "--export needs exactly one size in --sizes".into(),
        ));
    }
    let mut backend = backend(cli, Announce::Status)?;
    let sizes = args
        .sizes
        .clone()
        .unwrap_or_else(|| bench::default_sizes(&backend));
    let mut options = backend.solver().default_options();
    if let Some(r) = args.rtol {
        options.tolerance = Tolerance::RelResidual(r);
    }
    if !args.json {
        println!(
            "{:<4} {:<28} {:>5} {:>3} {:>6} {:>9} {:>9} {:>9} {:>9} {:>10} {:>8} {:>8} {:>6}",
            "",
            "adapter",
            "n",
            "lvl",
            "cycles",
            "eta",
            "rel_res",
            "solve_s",
            "total_s",
            "sweep_cups",
            "GB/s",
            "copyGB/s",
            "ratio"
        );
    }
    let records = bench::run(&mut backend, &sizes, &options, |r| {
        if args.json {
            println!("{}", serde_json::to_string(r).unwrap_or_default());
        } else {
            println!(
                "{:<4} {:<28.28} {:>5} {:>3} {:>6} {:>9.2e} {:>9.2e} {:>9.4} {:>9.4} {:>10.3e} {:>8.1} {:>8.1} {:>6.2}",
                r.backend, r.adapter, r.n, r.levels, r.cycles, r.eta, r.rel_residual, r.solve_s,
                r.total_s, r.smoother_cups, r.smoother_gbps, r.copy_gbps, r.bandwidth_fraction
            );
        }
    })?;
    if let (Some(dir), Some(record)) = (&args.export, records.first()) {
        let problem = bench::problem(record.n);
        let solution = backend.solver().solve(&problem, &options)?;
        let system = crate::solver::System::assemble(&problem);
        bench::export(dir, &system, &solution.u, record)?;
        if !cli.quiet {
            eprintln!("wrote {}/A.mtx, b.mtx, x.mtx, dcplan.json", dir.display());
        }
    }
    Ok(Exit::Success)
}

/// The hall systems `bench` can solve instead of the synthetic benchmark.
#[derive(Clone, Copy, PartialEq, Eq)]
enum HallSystem {
    /// `--power-sheet`: the busway sheet, symmetric.
    PowerSheet,
    /// `--hall-air`: the air temperature, nonsymmetric.
    Air,
}

impl HallSystem {
    fn name(self) -> &'static str {
        match self {
            HallSystem::PowerSheet => "power sheet",
            HallSystem::Air => "hall air",
        }
    }

    fn flag(self) -> &'static str {
        match self {
            HallSystem::PowerSheet => "--power-sheet",
            HallSystem::Air => "--hall-air",
        }
    }
}

/// `bench --power-sheet|--hall-air FACILITY.json [--cell-m X]`: one timed solve of that hall's
/// system, printed and optionally exported like a benchmark size.
fn hall_system_bench(
    cli: &Cli,
    args: &BenchArgs,
    path: &std::path::Path,
    kind: HallSystem,
) -> Result<Exit, CliError> {
    let input = crate::plan::inputs::load_facility(path).map_err(CliError::Inputs)?;
    let facility = &input.facility;
    let cell_m = args
        .cell_m
        .unwrap_or_else(|| crate::layout::default_cell_m(facility));
    crate::plan::limits::check_grid(facility, cell_m)?;
    let mut backend = backend(cli, Announce::Status)?;
    let mut peclet = None;
    let problem = match kind {
        HallSystem::PowerSheet => bench::power_sheet(facility, cell_m)
            .map_err(|e| CliError::Args(format!("--cell-m: {e}")))?,
        HallSystem::Air => {
            // the airflow under the operator is solved to the backend's own target, as
            // simulate solves it; --rtol applies to the timed solve only
            let flow_options = backend.solver().default_options();
            let system = bench::hall_air(facility, cell_m, backend.solver(), &flow_options)
                .map_err(hall_air_error)?;
            peclet = Some(system.max_cell_peclet);
            system.problem
        }
    };
    let mut options = backend.solver().default_options();
    if let Some(r) = args.rtol {
        options.tolerance = Tolerance::RelResidual(r);
    }
    let records = bench::run_on(
        &mut backend,
        [(kind.name(), problem.clone())],
        &options,
        |r| {
            if args.json {
                println!("{}", serde_json::to_string(r).unwrap_or_default());
            } else {
                let peclet = peclet.map_or(String::new(), |p| format!(", max cell Péclet {p:.0}"));
                println!(
                    "{} of {} at {cell_m} m: {} x {} cells{peclet}, {} cycles, rel. residual \
                 {:.2e}, setup {:.4} s, solve {:.4} s, total {:.4} s",
                    kind.name(),
                    path.display(),
                    r.nx,
                    r.ny,
                    r.cycles,
                    r.rel_residual,
                    r.setup_s,
                    r.solve_s,
                    r.total_s
                );
            }
        },
    )?;
    if let (Some(dir), Some(record)) = (&args.export, records.first()) {
        let solution = backend.solver().solve(&problem, &options)?;
        let system = crate::solver::System::assemble(&problem);
        bench::export(dir, &system, &solution.u, record)?;
        let facility_arg = std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf());
        let mut meta = serde_json::json!({
            "nx": problem.nx,
            "ny": problem.ny,
            "name": format!("{} of {} at {cell_m} m", kind.name(), path.display()),
            "dcplan_args": [
                "--backend", "cpu", "bench", kind.flag(), facility_arg.display().to_string(),
                "--cell-m", cell_m.to_string(), "--rtol", "{rtol}", "--json"
            ],
        });
        if kind == HallSystem::Air {
            // the power sheet's meta.json stays as it was: readers take a missing key as
            // symmetric, and A.mtx's header says the same
            meta["symmetric"] = serde_json::Value::Bool(system.op.symmetric());
            if let Some(p) = peclet {
                meta["max_cell_peclet"] = serde_json::json!(p);
            }
        }
        crate::fsio::write_atomic_with(&dir.join("meta.json"), |o| {
            serde_json::to_writer_pretty(&mut *o, &meta).map_err(std::io::Error::other)?;
            writeln!(o)
        })?;
        if !cli.quiet {
            eprintln!(
                "wrote {}/A.mtx, b.mtx, x.mtx, dcplan.json, meta.json",
                dir.display()
            );
        }
    }
    Ok(Exit::Success)
}

/// A hall air system that cannot be built: a cell size the floor plan refuses is the user's
/// argument; a solver failure keeps its own exit code.
fn hall_air_error(e: bench::HallAirError) -> CliError {
    use crate::model::airflow::AirflowError;
    use crate::model::HallError;
    match e {
        bench::HallAirError::Layout(e) => CliError::Args(format!("--cell-m: {e}")),
        bench::HallAirError::Hall(HallError::Air(
            AirflowError::Flow(s) | AirflowError::Heat(s),
        ))
        | bench::HallAirError::Hall(HallError::Power(s)) => CliError::Solve(s),
        bench::HallAirError::Hall(other) => CliError::Other(anyhow::Error::from(other)),
    }
}

fn validate(paths: &[PathBuf], facility: Option<&std::path::Path>) -> Result<Exit, CliError> {
    let (files, findings) = site::validate_all(paths, facility);
    if !findings.is_empty() {
        return Err(CliError::Inputs(site::Findings(findings)));
    }
    println!("{files} file(s) valid");
    Ok(Exit::Success)
}
