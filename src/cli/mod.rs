//! Command line: parse raw arguments into a typed command, run it, map failures to exit codes.
//! Nothing here computes; it calls the library and prints.
//!
//! Exit codes: 0 success, 1 internal error, 2 bad input, 3 no feasible site (`rank`),
//! 4 GPU/device error.

use crate::backend::{self, BackendChoice};
use crate::bench;
use crate::gpu::{list_adapters, pick_adapter};
use crate::site;
use crate::solver::{SolveError, SolveOptions, Tolerance};
use clap::{Parser, Subcommand};

pub mod grid;
pub mod rank;
use std::path::PathBuf;
use std::process::ExitCode;

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
    Simulate {
        /// The site file.
        site: PathBuf,
        /// The facility design (default: facilities/ai-hall-20mw.json beside the site file).
        #[arg(long)]
        facility: Option<PathBuf>,
        /// Grid cell size, m (default: half the rack's smaller side, so a rack spans 2 cells).
        #[arg(long)]
        cell_m: Option<f64>,
        /// Output folder.
        #[arg(long)]
        out: PathBuf,
    },
    /// Rank candidate sites: simulate each, score by weighted criteria, TOPSIS and Pareto,
    /// measure rank stability, and write ranking.json/csv, report.md and report.html.
    Rank(rank::RankArgs),
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
    /// Write the system of the (single) size in --sizes as A.mtx, b.mtx, x.mtx to this folder.
    #[arg(long)]
    pub export: Option<PathBuf>,
}

/// Failures, by who is at fault.
#[derive(Debug, thiserror::Error)]
pub enum CliError {
    #[error("{0}")]
    Input(String),
    #[error(transparent)]
    Device(#[from] crate::gpu::GpuError),
    #[error(transparent)]
    Solve(#[from] SolveError),
    #[error(transparent)]
    Other(#[from] anyhow::Error),
}

impl CliError {
    pub fn exit_code(&self) -> u8 {
        match self {
            CliError::Input(_) | CliError::Solve(SolveError::Problem(_)) => 2,
            CliError::Device(_) | CliError::Solve(SolveError::Device(_)) => 4,
            _ => 1,
        }
    }
}

pub fn run(cli: Cli) -> Result<ExitCode, CliError> {
    match &cli.command {
        Command::Adapters => adapters(&cli),
        Command::Bench(args) => bench_command(&cli, args),
        Command::Validate { paths, facility } => validate(paths, facility.as_deref()),
        Command::Rank(args) => rank::run(&cli, args),
        Command::Grid(args) => grid::run(&cli, args),
        Command::Simulate {
            site,
            facility,
            cell_m,
            out,
        } => simulate_command(&cli, site, facility.as_deref(), *cell_m, out),
        Command::Schema { kind } => {
            let schema = match kind {
                SchemaKind::Site => site::site_schema(),
                SchemaKind::Facility => site::facility_schema(),
            };
            let text = serde_json::to_string_pretty(&schema).map_err(anyhow::Error::from)?;
            println!("{text}");
            Ok(ExitCode::SUCCESS)
        }
    }
}

fn adapters(cli: &Cli) -> Result<ExitCode, CliError> {
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
    let (_, line) = backend::select(cli.backend, cli.adapter.as_deref())?;
    println!("{line}");
    Ok(ExitCode::SUCCESS)
}

fn bench_command(cli: &Cli, args: &BenchArgs) -> Result<ExitCode, CliError> {
    if let Some(r) = args.rtol {
        if !(r.is_finite() && r > 0.0 && r < 1.0) {
            return Err(CliError::Input(format!(
                "--rtol: expected a number in (0, 1), found {r}"
            )));
        }
    }
    if let Some(sizes) = &args.sizes {
        if let Some(bad) = sizes.iter().find(|&&n| n < 2) {
            return Err(CliError::Input(format!(
                "--sizes: expected sizes >= 2, found {bad}"
            )));
        }
    }
    if args.export.is_some() && args.sizes.as_ref().is_none_or(|s| s.len() != 1) {
        return Err(CliError::Input(
            "--export needs exactly one size in --sizes".into(),
        ));
    }
    let (mut backend, line) = backend::select(cli.backend, cli.adapter.as_deref())?;
    if !cli.quiet {
        eprintln!("{line}");
    }
    let sizes = args
        .sizes
        .clone()
        .unwrap_or_else(|| bench::default_sizes(&backend));
    let mut options = SolveOptions::for_precision(backend.is_gpu());
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
        bench::export(dir, &system, &solution.u, record).map_err(|e| {
            CliError::Input(format!("{}: cannot write the export: {e}", dir.display()))
        })?;
        if !cli.quiet {
            eprintln!("wrote {}/A.mtx, b.mtx, x.mtx, dcplan.json", dir.display());
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// A failed site simulation, by who is at fault: a solver or device failure keeps its own
/// code; the site's inputs (weather, grid size, energy inputs) are bad input; a stopped worker
/// thread or a coupling that does not settle is internal.
pub fn simulate_error(
    site: &std::path::Path,
    e: crate::model::simulate::SimulateError,
) -> CliError {
    use crate::model::simulate::SimulateError as E;
    use crate::model::HallError as H;
    match e {
        E::Hall(H::Heat(s) | H::Power(s)) => CliError::Solve(s),
        e @ (E::Hall(H::Coupling { .. }) | E::Panicked) => {
            CliError::Other(anyhow::anyhow!("{}: {e}", site.display()))
        }
        e @ (E::Climate { .. } | E::Layout(_) | E::Energy(_)) => {
            CliError::Input(format!("{}: {e}", site.display()))
        }
    }
}

/// Prints the backend choice line unless quiet.
pub fn backend_line(cli: &Cli, line: &str) {
    if !cli.quiet {
        eprintln!("{line}");
    }
}

/// The default facility: `facilities/ai-hall-20mw.json` in the site file's folder.
pub fn default_facility(site: &std::path::Path) -> PathBuf {
    site.parent()
        .unwrap_or(std::path::Path::new("."))
        .join("facilities")
        .join("ai-hall-20mw.json")
}

/// Loads a site and a facility, reporting every problem of both (and a facility that does not
/// fit the site's land) as one input error.
pub fn load_inputs(
    site_path: &std::path::Path,
    facility_path: &std::path::Path,
) -> Result<(site::Site, site::Facility), CliError> {
    let report = |problems: Vec<site::Problem>| {
        for p in &problems {
            eprintln!("{p}");
        }
        CliError::Input(format!("{} problem(s) in the input files", problems.len()))
    };
    let site_result = site::load_site(site_path);
    let facility_result = site::load_facility(facility_path);
    let mut problems = Vec::new();
    if let Err(e) = &site_result {
        problems.extend(e.problems());
    }
    if let Err(e) = &facility_result {
        problems.extend(e.problems());
    }
    match (site_result, facility_result) {
        (Ok(s), Ok(f)) if problems.is_empty() => {
            if let Some(p) = site::check_fit(&s, site_path, &f) {
                return Err(report(vec![p]));
            }
            Ok((s, f))
        }
        _ => Err(report(problems)),
    }
}

fn simulate_command(
    cli: &Cli,
    site_path: &std::path::Path,
    facility: Option<&std::path::Path>,
    cell_m: Option<f64>,
    out: &std::path::Path,
) -> Result<ExitCode, CliError> {
    let facility_path = facility.map_or_else(|| default_facility(site_path), PathBuf::from);
    let (site, facility) = load_inputs(site_path, &facility_path)?;
    let cell_m = cell_m.unwrap_or_else(|| crate::layout::default_cell_m(&facility));
    let (mut backend, line) = backend::select(cli.backend, cli.adapter.as_deref())?;
    if !cli.quiet {
        eprintln!("{line}");
    }
    let gpu = backend.is_gpu();
    let options = SolveOptions::for_precision(gpu);
    let tolerance_k = if gpu { 1e-3 } else { 1e-6 };
    let run = crate::model::simulate::simulate(
        &site,
        site_path,
        &facility,
        &facility_path,
        cell_m,
        backend.solver(),
        &options,
        tolerance_k,
    )
    .map_err(|e| simulate_error(site_path, e))?;
    let files = crate::report::site::write_site(&run, out)
        .map_err(|e| CliError::Other(anyhow::Error::new(e)))?;
    let m = &run.metrics;
    println!(
        "{} ({}): design hour {:.1} °C dry bulb / {:.1} °C wet bulb ({})",
        m.inputs.site_name_en,
        m.inputs.site_id,
        m.design_hour.outdoor.dry_bulb_c,
        m.design_hour.outdoor.wet_bulb_c,
        m.design_hour.outdoor.source
    );
    println!(
        "  worst rack inlet {:.2} °C at {} (mean {:.2} °C); outside ASHRAE recommended 18-27 °C: {}, outside A1 15-32 °C: {} of {} racks",
        m.thermal.worst_inlet_c,
        m.thermal.worst_rack,
        m.thermal.mean_inlet_c,
        m.thermal.outside_recommended,
        m.thermal.outside_allowable_a1,
        m.thermal.racks
    );
    println!(
        "  worst voltage drop {:.2} % at {} (limit {} %); busway losses {:.1} kW",
        m.power.worst_drop_pct,
        m.power.worst_rack,
        m.power.drop_limit_pct,
        m.power.distribution_loss_w / 1e3
    );
    let e = &m.energy;
    println!(
        "  annual PUE {:.3} ({} h free, {} h partial, {} h mechanical cooling); {:.1} GWh, {:.1} bn KRW, {:.1} kt CO2",
        e.pue,
        e.hours_free,
        e.hours_partial,
        e.hours_mechanical,
        e.facility_mwh / 1e3,
        e.energy_cost_krw / 1e9,
        e.carbon_t_co2 / 1e3
    );
    println!(
        "  peak {:.2} MW against {:.1} MW grid headroom: {}",
        e.peak_facility_mw,
        e.grid_headroom_mw,
        if e.grid_feasible {
            format!("fits, {:.2} MW to spare", e.grid_margin_mw)
        } else {
            format!("does NOT fit, {:.2} MW short", -e.grid_margin_mw)
        }
    );
    if !cli.quiet {
        for f in files {
            eprintln!("wrote {}", f.display());
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn validate(paths: &[PathBuf], facility: Option<&std::path::Path>) -> Result<ExitCode, CliError> {
    let mut problems = site::validate_paths(paths, facility);
    let (files, _) = site::expand_paths(paths);
    if facility.is_none() {
        // without --facility, every facility among the files must fit every site's land
        let sites: Vec<_> = files
            .iter()
            .filter(|(_, k)| *k == site::FileKind::Site)
            .filter_map(|(p, _)| site::load_site(p).ok().map(|s| (p, s)))
            .collect();
        for (fp, _) in files.iter().filter(|(_, k)| *k == site::FileKind::Facility) {
            if let Ok(f) = site::load_facility(fp) {
                problems.extend(sites.iter().filter_map(|(p, s)| site::check_fit(s, p, &f)));
            }
        }
    }
    if problems.is_empty() {
        println!("{} file(s) valid", files.len());
        return Ok(ExitCode::SUCCESS);
    }
    for p in &problems {
        eprintln!("{p}");
    }
    Err(CliError::Input(format!(
        "{} problem(s) found",
        problems.len()
    )))
}
