//! `dcplan merge PART... --out DIR`: the parts of a sharded ranking checked (complete,
//! disjoint, one study) and ranked once; the report is the one `dcplan rank` writes, byte for
//! byte, and the table (or JSON, CSV, Markdown) is printed as `rank` prints it.

use super::rank::{print_report, Format};
use super::shard::{read_usage, Usage};
use super::{wrote, Cli, CliError, Exit};
use crate::fsio::OutputDir;
use crate::plan::shard::{merge, read_part, site_outputs};
use crate::report::part::{write_merged_ranking, write_site_files};
use crate::report::ranking::RANK_FILES;
use std::path::PathBuf;

#[derive(clap::Args, Debug)]
pub struct MergeArgs {
    /// The shards' folders (or their part.json files), every shard of the study once.
    #[arg(required = true)]
    pub parts: Vec<PathBuf>,
    /// What to print on stdout.
    #[arg(long, value_enum, default_value_t = Format::Table)]
    pub format: Format,
    /// Report folder.
    #[arg(long, default_value = "report")]
    pub out: PathBuf,
}

pub fn run(cli: &Cli, args: &MergeArgs) -> Result<Exit, CliError> {
    let parts = args
        .parts
        .iter()
        .map(|p| read_part(p))
        .collect::<Result<Vec<_>, _>>()?;
    let merged = merge(&parts)?;
    // the report folder is staged and swapped in whole, as `rank` writes it
    let out = OutputDir::prepare(&args.out, &RANK_FILES)?;
    let mut sites = Vec::with_capacity(merged.sites.len());
    for (k, site) in &merged.sites {
        let files = site_outputs(&parts[*k], site)?;
        write_site_files(out.path(), &files)?;
        sites.push(&site.assessment);
    }
    // the map draws the grid model the shards used: grid/ beside the sites, when they had one
    let network = match parts
        .first()
        .filter(|p| !p.part.study.grid_files.is_empty())
        .and_then(|p| p.part.study.sites.first())
        .and_then(|s| {
            std::path::Path::new(&s.site.file)
                .parent()
                .map(|d| d.join("grid"))
        }) {
        Some(dir) => {
            Some(crate::grid::Network::load_shipped(&dir).map_err(super::grid::grid_error)?)
        }
        None => None,
    };
    let files: Vec<PathBuf> =
        write_merged_ranking(&merged.report, &sites, network.as_ref(), out.path())?
            .iter()
            .map(|f| out.final_path(f))
            .collect();
    out.commit()?;
    let locations: Vec<crate::report::geojson::SiteLocation> = sites
        .iter()
        .map(|a| crate::report::geojson::SiteLocation {
            site_id: a.site_id.clone(),
            lon: a.lon,
            lat: a.lat,
            province: a.province.clone(),
        })
        .collect();
    print_report(&merged.report, &locations, args.format)?;
    wrote(cli, &files);
    if !cli.quiet {
        let usages: Vec<Usage> = parts.iter().filter_map(|p| read_usage(p.dir())).collect();
        if let Some(line) = overall(&usages, parts.len()) {
            eprintln!("{line}");
        }
    }
    if merged.report.feasible_sites == 0 {
        eprintln!("no site can host the facility");
        return Ok(Exit::NoFeasibleSite);
    }
    Ok(Exit::Success)
}

/// The study's time and memory over its shards, from the usage files they left.
fn overall(usages: &[Usage], parts: usize) -> Option<String> {
    if usages.is_empty() {
        return None;
    }
    let sites: usize = usages.iter().map(|u| u.sites).sum();
    let total: f64 = usages.iter().map(|u| u.wall_s).sum();
    let longest = usages.iter().map(|u| u.wall_s).fold(0.0, f64::max);
    let peak = usages
        .iter()
        .filter_map(|u| u.peak_rss_mib)
        .fold(None, |m: Option<f64>, x| Some(m.map_or(x, |m| m.max(x))));
    Some(format!(
        "overall ({} of {parts} shards reported usage): {sites} site(s), {total:.2} s of shard time \
         ({:.3} s a site), longest shard {longest:.2} s{}",
        usages.len(),
        total / sites.max(1) as f64,
        peak.map(|m| format!(", peak memory of a shard {m:.1} MiB"))
            .unwrap_or_default()
    ))
}
