//! `dcplan grid`: the national network model. `check` prints its statistics, islands and
//! each snapshot's balance; `capacity` screens every bus for N-1 hosting capacity (table,
//! CSV, JSON or GeoJSON; optionally a PNG map); `export` writes MATPOWER cases; `build`
//! rebuilds `sites/grid/` from the raw data.

use super::exit::Exit;
use super::{Cli, CliError};
use crate::backend::BackendChoice;
use crate::gpu::{list_adapters, pick_adapter, GpuContext};
use crate::grid::{self, capacity, GridError, HostingMap, Network, ScreenBackend, Snapshot};
use std::path::{Path, PathBuf};
use std::time::Instant;

#[derive(clap::Args, Debug)]
pub struct GridArgs {
    #[command(subcommand)]
    pub command: GridCommand,
}

#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum CapacityFormat {
    Table,
    Csv,
    Json,
    Geojson,
}

#[derive(clap::Subcommand, Debug)]
pub enum GridCommand {
    /// Network statistics, islands left out, outages, and each snapshot's balance and
    /// pre-existing violations.
    Check {
        /// The network folder.
        #[arg(long, default_value = "sites/grid")]
        network: PathBuf,
    },
    /// N-1 hosting capacity of every bus: the largest new load with every branch within its
    /// rating in the base case and after every credible single outage.
    Capacity {
        #[arg(long, default_value = "sites/grid")]
        network: PathBuf,
        /// Only this snapshot (a file name in <network>/snapshots without .json).
        #[arg(long)]
        snapshot: Option<String>,
        #[arg(long, value_enum, default_value_t = CapacityFormat::Table)]
        format: CapacityFormat,
        /// Write the output here instead of stdout.
        #[arg(long)]
        out: Option<PathBuf>,
        /// Also draw the map of Korea as a PNG (the snapshot given, else the one of highest
        /// load).
        #[arg(long)]
        map: Option<PathBuf>,
        /// Candidate sites to mark on the map (site files or a folder of them).
        #[arg(long, default_value = "sites")]
        sites: PathBuf,
    },
    /// Write each snapshot (or one) as a MATPOWER case `<snapshot>.m` with a JSON sidecar.
    Export {
        #[arg(long, default_value = "sites/grid")]
        network: PathBuf,
        #[arg(long)]
        snapshot: Option<String>,
        /// Output folder.
        #[arg(long)]
        out: PathBuf,
    },
    /// Rebuild the network files from the raw data (needed only when the raw data change).
    Build {
        /// Folder holding the raw grid tables (all_buses_build_network.csv, …,
        /// plants_2025.json, province_demand.json).
        #[arg(long)]
        raw: PathBuf,
        /// Output folder.
        #[arg(long, default_value = "sites/grid")]
        out: PathBuf,
        /// Province outlines (default: sites/geo/provinces-kostat-2012-simple.geojson).
        #[arg(long)]
        provinces: Option<PathBuf>,
        /// Line and transformer types (default: line_types.json in the output folder).
        #[arg(long)]
        line_types: Option<PathBuf>,
    },
}

pub(super) fn grid_error(e: GridError) -> CliError {
    match e {
        GridError::Gpu(g) => CliError::Device(g),
        GridError::Internal(_) => CliError::Other(anyhow::Error::new(e)),
        GridError::Invalid(_) | GridError::Site(_) => CliError::Args(e.to_string()),
    }
}

pub fn run(cli: &Cli, args: &GridArgs) -> Result<Exit, CliError> {
    match &args.command {
        GridCommand::Check { network } => check(network),
        GridCommand::Capacity {
            network,
            snapshot,
            format,
            out,
            map,
            sites,
        } => capacity_command(
            cli,
            network,
            snapshot.as_deref(),
            *format,
            out.as_deref(),
            map.as_deref(),
            sites,
        ),
        GridCommand::Export {
            network,
            snapshot,
            out,
        } => export(network, snapshot.as_deref(), out),
        GridCommand::Build {
            raw,
            out,
            provinces,
            line_types,
        } => build(cli, raw, out, provinces.as_deref(), line_types.as_deref()),
    }
}

/// The network and its snapshots (or the one named).
fn load(dir: &Path, only: Option<&str>) -> Result<(Network, Vec<Snapshot>), CliError> {
    let network = Network::load_shipped(dir).map_err(grid_error)?;
    let snapshots = grid::load_snapshots(&dir.join("snapshots"), &network).map_err(grid_error)?;
    let snapshots = match only {
        None => snapshots,
        Some(name) => {
            let names: Vec<String> = snapshots.iter().map(|s| s.name().to_string()).collect();
            let chosen: Vec<Snapshot> =
                snapshots.into_iter().filter(|s| s.name() == name).collect();
            if chosen.is_empty() {
                return Err(CliError::Args(format!(
                    "--snapshot: no snapshot `{name}` in {} (there are: {})",
                    dir.join("snapshots").display(),
                    names.join(", ")
                )));
            }
            chosen
        }
    };
    Ok((network, snapshots))
}

/// `--backend auto` takes a hardware GPU when there is one, else the CPU (a software
/// rasteriser is slower than the CPU loop).
fn screen_backend(cli: &Cli) -> Result<(Option<GpuContext>, String), CliError> {
    let gpu = |why: &str| -> Result<(Option<GpuContext>, String), CliError> {
        let ctx = GpuContext::new(cli.adapter.as_deref())?;
        let line = format!(
            "grid screen: gpu, {} ({}) — {why}",
            ctx.adapter.name, ctx.adapter.device_type
        );
        Ok((Some(ctx), line))
    };
    match cli.backend {
        BackendChoice::Cpu => Ok((None, "grid screen: cpu — chosen with --backend cpu".into())),
        BackendChoice::Gpu => gpu("chosen with --backend gpu"),
        BackendChoice::Auto => {
            let adapters = list_adapters();
            match pick_adapter(&adapters, cli.adapter.as_deref()) {
                Some(i) if adapters[i].hardware => gpu("auto: a hardware GPU adapter is available"),
                _ => Ok((
                    None,
                    "grid screen: cpu — auto: no hardware GPU adapter (use --backend gpu to force a software one)"
                        .into(),
                )),
            }
        }
    }
}

fn mw(x: f64) -> String {
    let v = x.round() as i64;
    let s = v.abs().to_string();
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    if v < 0 {
        format!("-{out}")
    } else {
        out
    }
}

fn check(dir: &Path) -> Result<Exit, CliError> {
    let (network, snapshots) = load(dir, None)?;
    let start = Instant::now();
    let model = grid::flow::DcModel::new(&network).map_err(grid_error)?;
    let outages = grid::contingency::Outages::new(&network, &model).map_err(grid_error)?;
    let count_kv = |kv: f64| network.buses.iter().filter(|b| b.kv == kv).count();
    println!(
        "network {}: {} buses (154 kV {}, 345 kV {}, 765 kV {}), {} branches ({} lines, {} transformers), {} plants ({} MW)",
        dir.display(),
        network.buses.len(),
        count_kv(154.0),
        count_kv(345.0),
        count_kv(765.0),
        network.branches.len(),
        network.branches.iter().filter(|b| b.kind == grid::BranchKind::Line).count(),
        network.branches.iter().filter(|b| b.kind == grid::BranchKind::Transformer).count(),
        network.plants.len(),
        mw(network.plants.iter().map(|p| p.capacity_mw).sum())
    );
    for kv in [154.0, 345.0, 765.0] {
        let ckm: f64 = network
            .branches
            .iter()
            .filter(|b| b.kind == grid::BranchKind::Line && network.buses[b.from].kv == kv)
            .map(|b| b.circuits as f64 * b.length_km.unwrap_or(0.0))
            .sum();
        println!("  {kv} kV lines: {} circuit-km", mw(ckm));
    }
    println!(
        "  islands left out: {} ({} buses); load share left out {:.2} %",
        network.info.islands.len(),
        network
            .info
            .islands
            .iter()
            .map(|i| i.buses.len())
            .sum::<usize>(),
        100.0 * network.info.load_share_left_out
    );
    for island in &network.info.islands {
        println!("    {} [{}]", island.note, island.buses.join(", "));
    }
    println!(
        "  raw items left out or changed by the build: {} (listed in network.json)",
        network.info.left_out.len()
    );
    println!(
        "  outages: {} credible single-circuit outages; {} islanding (reported, not screened)",
        outages.len(),
        outages.islanding.len()
    );
    for o in &outages.islanding {
        let names: Vec<&str> = o
            .cut_off
            .iter()
            .map(|&i| network.buses[i].id.as_str())
            .collect();
        println!(
            "    {} cuts off {}",
            network.branches[o.branch].id,
            names.join(", ")
        );
    }
    let map =
        HostingMap::compute(&network, &snapshots, ScreenBackend::cpu()).map_err(grid_error)?;
    for s in &map.snapshots {
        let snap = &s.snapshot;
        let generation = snap.total_generation_mw();
        let load = snap.total_load_mw();
        println!(
            "snapshot {}: national load {} MW, modelled load {} MW, generation {} MW, balance {:.6} MW; renewable share {:.1} %; marginal tier {}; participating spare capacity {} MW",
            snap.name(),
            mw(snap.rules.total_load_mw),
            mw(load),
            mw(generation),
            generation - load,
            100.0 * snap.renewable_share(&network),
            snap.marginal_tier
                .map(|t| snap.rules.merit_order[t].carriers.join("+"))
                .unwrap_or_else(|| "none (must-run alone)".into()),
            mw(snap.participating_headroom_mw)
        );
        let carriers: Vec<String> = snap
            .by_carrier(&network)
            .into_iter()
            .filter(|(_, _, cap)| *cap > 0.0)
            .map(|(c, out, cap)| format!("{c} {}/{}", mw(out), mw(cap)))
            .collect();
        println!("  dispatch MW (output/capacity): {}", carriers.join(", "));
        let base: Vec<_> = s.violations.iter().filter(|v| v.outage.is_none()).collect();
        let post: Vec<_> = s.violations.iter().filter(|v| v.outage.is_some()).collect();
        let worst_base = s
            .base_flow_mw
            .iter()
            .enumerate()
            .map(|(l, f)| f.abs() / network.branches[l].normal_total_mw())
            .fold(0.0, f64::max);
        println!(
            "  before any new load: {} branch(es) above normal rating in the base case, {} (case, branch) pairs above emergency rating after an outage; highest base loading {:.0} %",
            base.len(),
            post.len(),
            100.0 * worst_base
        );
        for v in base.iter().take(5) {
            println!(
                "    base: {} at {:.0} % ({} MW of {} MW)",
                network.branches[v.branch].id,
                100.0 * v.loading(),
                mw(v.flow_mw.abs()),
                mw(v.rating_mw)
            );
        }
        for v in post.iter().take(5) {
            println!(
                "    after {} out: {} at {:.0} % ({} MW of {} MW)",
                network.branches[v.outage.unwrap_or(0)].id,
                network.branches[v.branch].id,
                100.0 * v.loading(),
                mw(v.flow_mw.abs()),
                mw(v.rating_mw)
            );
        }
    }
    eprintln!("checked in {:.2} s", start.elapsed().as_secs_f64());
    Ok(Exit::Success)
}

fn write_or_print(out: Option<&Path>, text: &str) -> Result<(), CliError> {
    match out {
        Some(path) => crate::fsio::write_atomic(path, text.as_bytes())
            .map_err(|e| CliError::Args(format!("{}: cannot write: {e}", path.display()))),
        None => {
            print!("{text}");
            Ok(())
        }
    }
}

fn capacity_command(
    cli: &Cli,
    dir: &Path,
    snapshot: Option<&str>,
    format: CapacityFormat,
    out: Option<&Path>,
    map_png: Option<&Path>,
    sites: &Path,
) -> Result<Exit, CliError> {
    let start = Instant::now();
    let (network, snapshots) = load(dir, snapshot)?;
    let (ctx, line) = screen_backend(cli)?;
    if !cli.quiet {
        eprintln!("{line}");
    }
    let backend = match &ctx {
        Some(c) => ScreenBackend::Gpu(c),
        None => ScreenBackend::cpu(),
    };
    let map = HostingMap::compute(&network, &snapshots, backend).map_err(grid_error)?;
    let records = capacity::records(&map, snapshot);
    let text = match format {
        CapacityFormat::Table => capacity::table(&records),
        CapacityFormat::Csv => capacity::csv(&records).map_err(grid_error)?,
        CapacityFormat::Json => capacity::json(&map, &records).map_err(grid_error)?,
        CapacityFormat::Geojson => capacity::geojson(&records).map_err(grid_error)?,
    };
    write_or_print(out, &text)?;
    if let Some(png) = map_png {
        let marks = site_marks(sites)?;
        let outline_file = provinces_file(dir);
        let provinces = grid::geo::Provinces::load(&outline_file).map_err(grid_error)?;
        // the snapshot given, else the one of highest load
        let which = (0..map.snapshots.len())
            .max_by(|&a, &b| {
                let load = |i: usize| map.snapshots[i].snapshot.rules.total_load_mw;
                load(a).total_cmp(&load(b)).then(b.cmp(&a))
            })
            .unwrap_or(0);
        let image = grid_map(&map, which, &provinces, &marks)
            .map_err(|e| CliError::Other(anyhow::Error::new(e)))?;
        crate::report::map::write_png(&image, png).map_err(CliError::Write)?;
        if !cli.quiet {
            eprintln!("wrote {}", png.display());
        }
    }
    if !cli.quiet {
        let screen: f64 = map.snapshots.iter().map(|s| s.screen_s).sum();
        eprintln!(
            "{} buses × {} cases × {} branches × {} snapshot(s) on {}: analysis {:.3} s, screen {:.3} s, total {:.3} s",
            network.buses.len(),
            map.cases.cases,
            network.branches.len(),
            map.snapshots.len(),
            map.screened_on,
            map.analysis_s,
            screen,
            start.elapsed().as_secs_f64()
        );
    }
    Ok(Exit::Success)
}

/// The shipped province outlines: `geo/` beside the network folder.
pub fn provinces_file(network_dir: &Path) -> PathBuf {
    network_dir
        .parent()
        .unwrap_or(Path::new("."))
        .join("geo")
        .join("provinces-kostat-2012-simple.geojson")
}

/// Names and positions of the candidate sites under `path`.
fn site_marks(path: &Path) -> Result<Vec<crate::report::map::MapSite>, CliError> {
    let (files, problems) = crate::site::expand_paths(std::slice::from_ref(&path.to_path_buf()));
    if !problems.is_empty() {
        for p in &problems {
            eprintln!("{p}");
        }
        return Err(CliError::Args(format!(
            "{} problem(s) with --sites",
            problems.len()
        )));
    }
    let mut marks = Vec::new();
    for (file, kind) in files {
        if kind != crate::site::FileKind::Site {
            continue;
        }
        match crate::site::load_site(&file) {
            Ok(s) => marks.push(crate::report::map::MapSite {
                name: s.name_en.clone(),
                lon: s.lon,
                lat: s.lat,
            }),
            Err(e) => {
                for p in e.findings() {
                    eprintln!("{p}");
                }
                return Err(CliError::Args(format!(
                    "{}: not a valid site file",
                    file.display()
                )));
            }
        }
    }
    Ok(marks)
}

/// The map of snapshot `which` of a hosting map.
pub fn grid_map(
    map: &HostingMap,
    which: usize,
    provinces: &grid::geo::Provinces,
    sites: &[crate::report::map::MapSite],
) -> Result<image::RgbImage, crate::report::map::MapError> {
    use crate::report::map::{GridMap, MapBus, MapLine};
    let net = &map.network;
    let s = &map.snapshots[which];
    let outlines: Vec<Vec<(f64, f64)>> = provinces
        .list
        .iter()
        .flat_map(|p| p.polygons.iter().map(|poly| poly[0].clone()))
        .collect();
    let lines = net
        .branches
        .iter()
        .enumerate()
        .map(|(l, b)| MapLine {
            from: (net.buses[b.from].lon, net.buses[b.from].lat),
            to: (net.buses[b.to].lon, net.buses[b.to].lat),
            kv: net.buses[b.from].kv.max(net.buses[b.to].kv),
            loading: s.base_flow_mw[l].abs() / b.normal_total_mw(),
        })
        .collect();
    let buses = net
        .buses
        .iter()
        .zip(&s.buses)
        .map(|(b, h)| MapBus {
            lon: b.lon,
            lat: b.lat,
            hosting_mw: h.hosting_mw,
        })
        .collect();
    crate::report::map::render(&GridMap {
        title: format!(
            "N-1 hosting capacity by bus, snapshot {} ({} MW national load)",
            s.snapshot.name(),
            mw(s.snapshot.rules.total_load_mw)
        ),
        outlines,
        lines,
        buses,
        sites: sites.to_vec(),
    })
}

fn export(dir: &Path, snapshot: Option<&str>, out: &Path) -> Result<Exit, CliError> {
    let (network, snapshots) = load(dir, snapshot)?;
    let model = grid::flow::DcModel::new(&network).map_err(grid_error)?;
    let outages = grid::contingency::Outages::new(&network, &model).map_err(grid_error)?;
    std::fs::create_dir_all(out)
        .map_err(|e| CliError::Args(format!("{}: cannot create: {e}", out.display())))?;
    for s in &snapshots {
        let case = format!("dcplan_{}", s.name());
        let flows = model.flows(&s.injection_mw);
        let m = grid::export::matpower(&network, s, &case);
        let side = grid::export::sidecar(&network, s, &case, &flows, &outages.credible)
            .map_err(grid_error)?;
        for (name, text) in [(format!("{case}.m"), m), (format!("{case}.json"), side)] {
            let path = out.join(&name);
            crate::fsio::write_atomic(&path, text.as_bytes())
                .map_err(|e| CliError::Args(format!("{}: cannot write: {e}", path.display())))?;
            println!("wrote {}", path.display());
        }
    }
    Ok(Exit::Success)
}

fn build(
    cli: &Cli,
    raw: &Path,
    out: &Path,
    provinces: Option<&Path>,
    line_types: Option<&Path>,
) -> Result<Exit, CliError> {
    let inputs = grid::build::BuildInputs {
        raw_grid: raw.to_path_buf(),
        provinces: provinces
            .map(Path::to_path_buf)
            .unwrap_or_else(|| PathBuf::from("sites/geo/provinces-kostat-2012-simple.geojson")),
        line_types: line_types
            .map(Path::to_path_buf)
            .unwrap_or_else(|| out.join("line_types.json")),
        command: "dcplan grid build --raw <shared>/data/grid --out sites/grid".to_string(),
    };
    let network = grid::build::build(&inputs).map_err(grid_error)?;
    std::fs::create_dir_all(out)
        .map_err(|e| CliError::Args(format!("{}: cannot create: {e}", out.display())))?;
    for (name, text) in network.files().map_err(grid_error)? {
        let path = out.join(name);
        crate::fsio::write_atomic(&path, text.as_bytes())
            .map_err(|e| CliError::Args(format!("{}: cannot write: {e}", path.display())))?;
    }
    if !cli.quiet {
        eprintln!(
            "wrote {}: {} buses, {} branches, {} plants, {} islands left out",
            out.display(),
            network.buses.len(),
            network.branches.len(),
            network.plants.len(),
            network.info.islands.len()
        );
    }
    // the written files must read back and pass every check
    Network::load(out).map_err(grid_error)?;
    Ok(Exit::Success)
}
