//! `dcplan rank`: parse, evaluate every site, print the table, write the report.

use super::{backend_line, default_facility, simulate_error, Cli, CliError};
use crate::backend::{self, Backend};
use crate::plan::criteria::{criteria, default_weights};
use crate::plan::ranking::{
    evaluate_cpu_parallel, evaluate_with, rank, sha256_file, EvalContext, RankSettings,
};
use crate::rank::{parse_overrides, weights_from_json};
use crate::report::ranking::{
    to_csv, to_markdown, write_ranking, FileHash, RankingReport, SiteImages,
};
use crate::site::{self, FileKind};
use crate::solver::SolveOptions;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// Exit code when no site can host the facility.
pub const NO_FEASIBLE_SITE: u8 = 3;

#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    Table,
    Json,
    Csv,
    Md,
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
    /// defaults. Keys: grid_margin_mw, voltage_drop_pct, pue, energy_cost_bn_krw,
    /// carbon_kt_co2, thermal_margin_k, hazard_score, distance_to_seoul_km.
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
    /// What to print on stdout.
    #[arg(long, value_enum, default_value_t = Format::Table)]
    pub format: Format,
    /// Report folder.
    #[arg(long, default_value = "report")]
    pub out: PathBuf,
}

fn input(msg: String) -> CliError {
    CliError::Input(msg)
}

pub fn run(cli: &Cli, args: &RankArgs) -> Result<ExitCode, CliError> {
    if args.top == 0 {
        return Err(input("--top: expected K >= 1".into()));
    }
    if args.draws < 10_000 {
        return Err(input(format!(
            "--draws: expected at least 10000, found {}",
            args.draws
        )));
    }
    if !(args.radius > 0.0 && args.radius <= 1.0) {
        return Err(input(format!(
            "--radius: expected a number in (0, 1], found {}",
            args.radius
        )));
    }
    // every input file checked before any work; all problems reported at once
    let (files, mut problems) = site::expand_paths(&args.paths);
    let site_paths: Vec<PathBuf> = files
        .into_iter()
        .filter(|(_, k)| *k == FileKind::Site)
        .map(|(p, _)| p)
        .collect();
    let facility_path = args.facility.clone().unwrap_or_else(|| {
        let first = args.paths.first().cloned().unwrap_or_default();
        if first.is_dir() {
            first.join("facilities").join("ai-hall-20mw.json")
        } else {
            default_facility(&first)
        }
    });
    let mut sites = Vec::new();
    for p in &site_paths {
        match site::load_site(p) {
            Ok(s) => sites.push((p.clone(), s)),
            Err(e) => problems.extend(e.findings()),
        }
    }
    let facility = match site::load_facility(&facility_path) {
        Ok(f) => Some(f),
        Err(e) => {
            problems.extend(e.findings());
            None
        }
    };
    if sites.is_empty() && problems.is_empty() {
        return Err(input("no site files found in the given paths".into()));
    }
    let (Some(facility), true) = (facility, problems.is_empty()) else {
        for p in &problems {
            eprintln!("{p}");
        }
        return Err(input(format!(
            "{} problem(s) in the input files",
            problems.len()
        )));
    };
    let all = criteria();
    let weights = match &args.weights {
        None => default_weights(),
        Some(w) if Path::new(w).is_file() => {
            let text = std::fs::read_to_string(w).map_err(|e| input(format!("{w}: {e}")))?;
            weights_from_json(&text, &all).map_err(|e| input(format!("--weights {w}: {e}")))?
        }
        Some(spec) => parse_overrides(spec, &all, &default_weights())
            .map_err(|e| input(format!("--weights: {e}")))?,
    };
    let cell_m = args
        .cell_m
        .unwrap_or_else(|| crate::layout::default_cell_m(&facility));
    let (mut backend, line) = backend::select(cli.backend, cli.adapter.as_deref())?;
    backend_line(cli, &line);
    let gpu = backend.is_gpu();
    let options = SolveOptions::for_precision(gpu);
    let ctx = EvalContext {
        facility: &facility,
        facility_path: &facility_path,
        cell_m,
        options: &options,
        tolerance_k: if gpu { 1e-3 } else { 1e-6 },
    };
    let bar = indicatif::ProgressBar::new(sites.len() as u64);
    bar.set_style(
        indicatif::ProgressStyle::with_template("{bar:30} {pos}/{len} sites {msg}")
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
    );
    let done = |id: &str| {
        bar.set_message(id.to_string());
        bar.inc(1);
    };
    let evaluated = match &mut backend {
        Backend::Cpu(_) => evaluate_cpu_parallel(sites, &ctx, &done),
        Backend::Gpu(g) => evaluate_with(sites, &ctx, g.as_mut(), &done),
    };
    bar.finish_and_clear();
    let evaluated = evaluated.map_err(|(path, e)| simulate_error(&path, e))?;
    // per-site folders as `simulate` writes them
    let mut images = Vec::new();
    for e in &evaluated {
        let dir = args.out.join("sites").join(&e.site.id);
        crate::report::simulation::write_site(&e.run, &dir)
            .map_err(|err| CliError::Other(anyhow::Error::new(err)))?;
        images.push(SiteImages {
            site_id: e.site.id.clone(),
            thermal_png: dir.join("thermal.png"),
            voltage_png: dir.join("voltage.png"),
        });
    }
    let facility_hash = FileHash {
        file: facility_path.display().to_string(),
        sha256: sha256_file(&facility_path)
            .map_err(|e| input(format!("{}: {e}", facility_path.display())))?,
    };
    let info = backend.solver().info();
    let settings = RankSettings {
        weights,
        top_k: args.top,
        seed: args.seed,
        draws: args.draws,
        radius: args.radius,
    };
    let report = rank(
        &evaluated,
        &facility,
        facility_hash,
        &settings,
        (&info.backend, &info.adapter),
    )
    .map_err(|e| input(e.to_string()))?;
    let files = write_ranking(&report, &images, ("pue", "grid_margin_mw"), &args.out)
        .map_err(|e| CliError::Other(anyhow::Error::new(e)))?;
    match args.format {
        Format::Table => print_table(&report),
        Format::Json => println!(
            "{}",
            serde_json::to_string_pretty(&report).map_err(anyhow::Error::from)?
        ),
        Format::Csv => print!("{}", to_csv(&report).map_err(anyhow::Error::from)?),
        Format::Md => print!("{}", to_markdown(&report)),
    }
    if !cli.quiet {
        for f in files {
            eprintln!("wrote {}", f.display());
        }
    }
    if report.feasible_sites == 0 {
        eprintln!("no site can host the facility");
        return Ok(ExitCode::from(NO_FEASIBLE_SITE));
    }
    Ok(ExitCode::SUCCESS)
}

fn print_table(r: &RankingReport) {
    print!(
        "{:>4}  {:<12} {:>6} {:>6} {:>6} {:>7}",
        "rank",
        "site",
        "score",
        "TOPSIS",
        "P1",
        format!("P{}", r.stability.top_k)
    );
    for c in &r.criteria {
        print!(" {:>14}", format!("{} {}", short(&c.key), c.unit));
    }
    println!("  feasibility");
    for s in &r.ranking {
        let opt = |v: Option<f64>, scale: f64| {
            v.map(|x| format!("{:.3}", x * scale)).unwrap_or("-".into())
        };
        print!(
            "{:>4}  {:<12} {:>6} {:>6} {:>6} {:>7}",
            s.rank.map(|r| r.to_string()).unwrap_or("-".into()),
            s.site_id,
            opt(s.score, 1.0),
            opt(s.topsis, 1.0),
            opt(s.p_first, 1.0),
            opt(s.p_top_k, 1.0),
        );
        for v in &s.values {
            let text = match v.contribution {
                Some(c) => format!("{} (+{:.3})", compact(v.value), c),
                None => compact(v.value),
            };
            print!(" {text:>14}");
        }
        if s.feasible {
            println!("  ok{}", if s.pareto_optimal { ", Pareto" } else { "" });
        } else {
            println!("  INFEASIBLE: {}", s.reasons.join("; "));
        }
    }
}

fn short(key: &str) -> &str {
    key.split('_').next().unwrap_or(key)
}

fn compact(v: f64) -> String {
    if v.abs() >= 100.0 {
        format!("{v:.0}")
    } else if v.abs() >= 10.0 {
        format!("{v:.1}")
    } else {
        format!("{v:.3}")
    }
}
