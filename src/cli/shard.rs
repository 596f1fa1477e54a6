//! `dcplan rank --shard i/n`: one slice of a ranking, written as a part folder for
//! `dcplan merge`; progress as it runs, and a time and memory summary at the end of every
//! ranking, sharded or not.

use super::rank::RankArgs;
use super::{backend, Announce, Cli, CliError, Exit};
use crate::plan::shard::{run_shard, PartSite, ShardSpec};
use crate::plan::{load_rank, Evaluated};
use crate::report::part::{write_part, write_shard_site};
use serde::{Deserialize, Serialize};
use std::io::IsTerminal;
use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// The file beside `part.json` with the shard's [`Usage`]; kept apart so that the part itself
/// is the same bytes on every re-run.
pub const USAGE_FILE: &str = "usage.json";

/// Runs shard `spec` of the ranking `args` describes and writes its folder to `--out`.
pub fn run(cli: &Cli, args: &RankArgs, spec: &str) -> Result<Exit, CliError> {
    let spec = ShardSpec::parse(spec).map_err(|e| CliError::Args(format!("--shard: {e}")))?;
    if args.uncertainty.is_some() {
        return Err(CliError::Args(
            "--uncertainty needs every site's full simulation in one process: it is not \
             available with --shard"
                .into(),
        ));
    }
    let inputs = load_rank(&args.request()?)?;
    let mut backend = backend(cli, Announce::Status)?;
    let meter = Meter::new(format!("shard {spec}"), cli.quiet);
    let out = &args.out;
    let mut write = |e: &Evaluated, result: &mut PartSite| -> Result<(), CliError> {
        Ok(write_shard_site(e, result, out)?)
    };
    let part = run_shard(inputs, spec, &mut backend, &|p| meter.on(p), &mut write);
    meter.finish();
    let part = part?;
    let usage = meter.usage(part.results.len());
    let part = write_part(&part, out)?;
    crate::fsio::write_json(&args.out.join(USAGE_FILE), &usage)?;
    if !cli.quiet {
        eprintln!("{}", usage.line());
        eprintln!("wrote {}", part.display());
    }
    Ok(Exit::Success)
}

/// Time and memory of one run.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Usage {
    /// `shard 2/7`, or `rank`.
    pub label: String,
    pub sites: usize,
    /// From loading the inputs to the last site simulated, s.
    pub wall_s: f64,
    /// Peak resident memory of the process, MiB (Linux `VmHWM`); none elsewhere.
    pub peak_rss_mib: Option<f64>,
    /// Threads the CPU work was split over.
    pub threads: usize,
}

impl Usage {
    /// One line for a log.
    pub fn line(&self) -> String {
        let per = if self.sites > 0 {
            format!(
                " ({:.3} s a site on {} thread(s))",
                self.wall_s / self.sites as f64,
                self.threads
            )
        } else {
            String::new()
        };
        let mem = self
            .peak_rss_mib
            .map(|m| format!(", peak memory {m:.1} MiB"))
            .unwrap_or_default();
        format!(
            "{}: {} site(s) in {:.2} s{per}{mem}",
            self.label, self.sites, self.wall_s
        )
    }
}

/// Peak resident set size of this process, MiB: `VmHWM` of /proc/self/status (Linux).
pub fn peak_rss_mib() -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kib: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib / 1024.0)
}

/// Progress of a run: a bar on a terminal; on a pipe or a batch log (Slurm, Kubernetes), a
/// line at most every ten seconds and at the end, with the sites done and the time left.
pub struct Meter {
    label: String,
    start: Instant,
    total: AtomicUsize,
    done: AtomicUsize,
    last_line: Mutex<Instant>,
    bar: Option<indicatif::ProgressBar>,
    quiet: bool,
}

/// How often a progress line is logged when stderr is not a terminal.
const LINE_EVERY: Duration = Duration::from_secs(10);

impl Meter {
    pub fn new(label: String, quiet: bool) -> Meter {
        let bar = (!quiet && std::io::stderr().is_terminal()).then(|| {
            let bar = indicatif::ProgressBar::new(0);
            bar.set_style(
                indicatif::ProgressStyle::with_template(&format!(
                    "{label} {{bar:30}} {{pos}}/{{len}} sites {{msg}} (eta {{eta}})"
                ))
                .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
            );
            bar
        });
        Meter {
            label,
            start: Instant::now(),
            total: AtomicUsize::new(0),
            done: AtomicUsize::new(0),
            last_line: Mutex::new(Instant::now()),
            bar,
            quiet,
        }
    }

    pub fn on(&self, p: crate::plan::Progress) {
        match p {
            crate::plan::Progress::Loaded { sites } => {
                self.total.store(sites, Ordering::Relaxed);
                if let Some(bar) = &self.bar {
                    bar.set_length(sites as u64);
                } else if !self.quiet {
                    eprintln!("{}: {sites} site(s) to simulate", self.label);
                }
            }
            crate::plan::Progress::Drawn { done, total } => {
                if let Some(bar) = &self.bar {
                    bar.set_length(total as u64);
                    bar.set_position(done as u64);
                }
            }
            crate::plan::Progress::Simulated { site_id } => {
                let done = self.done.fetch_add(1, Ordering::Relaxed) + 1;
                if let Some(bar) = &self.bar {
                    bar.set_message(site_id.to_string());
                    bar.inc(1);
                    return;
                }
                let total = self.total.load(Ordering::Relaxed);
                let now = Instant::now();
                let Ok(mut last) = self.last_line.lock() else {
                    return;
                };
                if !self.quiet && (now - *last >= LINE_EVERY || done == total) {
                    *last = now;
                    eprintln!("{}", self.line(done, total));
                }
            }
        }
    }

    fn line(&self, done: usize, total: usize) -> String {
        let elapsed = self.start.elapsed().as_secs_f64();
        let left = if done > 0 && total >= done {
            format!(
                ", about {:.0} s left",
                elapsed / done as f64 * (total - done) as f64
            )
        } else {
            String::new()
        };
        format!(
            "{}: {done}/{total} sites ({:.0} %), {elapsed:.1} s{left}",
            self.label,
            100.0 * done as f64 / total.max(1) as f64
        )
    }

    pub fn finish(&self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }

    /// The run's time and memory, `sites` simulated.
    pub fn usage(&self, sites: usize) -> Usage {
        Usage {
            label: self.label.clone(),
            sites,
            wall_s: self.start.elapsed().as_secs_f64(),
            peak_rss_mib: peak_rss_mib(),
            threads: crate::solver::parallel::threads(),
        }
    }
}

/// The usage a shard left beside its part, if it did.
pub fn read_usage(part_dir: &Path) -> Option<Usage> {
    let text = std::fs::read_to_string(part_dir.join(USAGE_FILE)).ok()?;
    serde_json::from_str(&text).ok()
}
