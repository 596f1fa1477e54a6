//! A seeded mutation fuzzer for dcplan's input parsers and for the promise that whatever
//! `validate` accepts, `simulate` runs or refuses with exit 2 (issue 14). It runs on the stable
//! toolchain with no extra crate: mutations are drawn from ChaCha8 (the crate's own `rand_chacha`)
//! and applied to the shipped files (every site in `sites/`, the facility, the default weights,
//! an EPW year written like the tests' fixture, or the real Ulsan IWEC file when
//! `DCPLAN_SHARED` names the shared folder).
//!
//! Targets (`DCPLAN_FUZZ_TARGETS`, comma-separated; all by default):
//! - `site`, `facility`: the text through `parse_site` / `parse_facility` (syntax, structure,
//!   every rule) in this process;
//! - `epw`: the text through `parse_epw`;
//! - `weights`: the text through `weights_from_json`, and as `key=value` overrides;
//! - `grid`: one file of the shipped grid model (`network.json`, the bus, branch and plant
//!   tables, a snapshot), mutated in a copy of `sites/grid`, through `Network::load` and
//!   `load_snapshots`;
//! - `simulate`: a mutated site and facility written to a folder, `dcplan validate` run on
//!   them, and where it accepts, `dcplan --backend cpu simulate`; every exit must be 0 or 2, a
//!   run that exits 0 must leave no number non-finite in metrics.json (serialised as `null`
//!   at a field that is not optional, `OPTIONAL`). Half its mutants move 1 to 4 ruled numbers
//!   (`site::rules`) to or just inside an edge of their range (the bound itself, a hair
//!   inside, a point log-uniform within a decade of it), where the model is most fragile.
//!
//! In-process targets count a panic as a crash (caught, the input saved) and any single input
//! over 10 s as a hang; the `simulate` target runs the release binary, kills it after 10 s (a
//! hang) and counts a signal or an exit other than 0/2/3 as a crash. Failing inputs are saved
//! under `DCPLAN_FUZZ_OUT` (default `target/fuzz-failures`).
//!
//! Under `cargo test` each target runs for a moment (a smoke run: the harness works, the seeds
//! pass); `scripts/fuzz SECONDS` runs each for SECONDS (`DCPLAN_FUZZ_SECONDS`) and prints the
//! figures docs/RELIABILITY.md quotes. The seed is `DCPLAN_FUZZ_SEED` (default 1): a run is
//! reproducible up to the time limit.

use dcplan::site::rules::{Bound, NumberRule, FACILITY_NUMBERS, SITE_NUMBERS};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde_json::Value;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const HANG: Duration = Duration::from_secs(10);

fn main() {
    // `cargo test` passes libtest flags (--quiet, filters); this harness takes none
    let seconds: f64 = std::env::var("DCPLAN_FUZZ_SECONDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(0.0);
    let smoke = seconds == 0.0;
    let seed: u64 = std::env::var("DCPLAN_FUZZ_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(1);
    let targets: Vec<String> = std::env::var("DCPLAN_FUZZ_TARGETS")
        .unwrap_or_else(|_| "site,facility,epw,weights,grid,simulate".into())
        .split(',')
        .map(str::to_string)
        .collect();
    let out = std::env::var("DCPLAN_FUZZ_OUT")
        .map(PathBuf::from)
        .unwrap_or_else(|_| root().join("target/fuzz-failures"));
    let mut failed = false;
    for name in &targets {
        // a smoke run: a short budget, or a few cases for the slow target
        let budget = if smoke { 1.0 } else { seconds };
        let mut rng = ChaCha8Rng::seed_from_u64(seed ^ hash(name));
        let stats = match name.as_str() {
            "site" => in_process(name, &site_seeds(), budget, &mut rng, &out, |t| {
                let _ = dcplan::site::parse_site(t, Path::new("fuzz/pohang.json"));
            }),
            "facility" => in_process(name, &facility_seeds(), budget, &mut rng, &out, |t| {
                let _ = dcplan::site::parse_facility(t, Path::new("fuzz/facilities/f.json"));
            }),
            "epw" => in_process(name, &epw_seeds(), budget, &mut rng, &out, |t| {
                let _ = dcplan::climate::epw::parse_epw(Path::new("fuzz.epw"), t);
            }),
            "weights" => in_process(name, &weights_seeds(), budget, &mut rng, &out, |t| {
                let all = dcplan::plan::criteria::criteria();
                let _ = dcplan::rank::weights_from_json(t, &all);
                let _ = dcplan::rank::parse_overrides(
                    t,
                    &all,
                    &dcplan::plan::criteria::default_weights(),
                );
            }),
            "grid" => {
                let grid = GridCopy::new();
                in_process(name, &grid_seeds(), budget, &mut rng, &out, |t| {
                    grid.load(t)
                })
            }
            "simulate" => simulate_target(budget, smoke, &mut rng, &out),
            other => {
                eprintln!("fuzz: no target {other}");
                std::process::exit(2);
            }
        };
        println!("{stats}");
        failed |= stats.crashes > 0 || stats.hangs > 0 || stats.unexpected > 0;
    }
    if failed {
        eprintln!("fuzz: failures saved under {}", out.display());
        std::process::exit(1);
    }
}

/// Figures of one target's run.
#[derive(Default)]
struct Stats {
    target: String,
    execs: u64,
    seconds: f64,
    /// Inputs accepted (parsed and valid; for `simulate`, passed validate).
    accepted: u64,
    crashes: u64,
    hangs: u64,
    /// `simulate` only: exits other than 0/2/3, or a non-finite result.
    unexpected: u64,
    /// `simulate` only: runs of validate-accepted inputs, by exit code.
    simulated_ok: u64,
    simulated_refused: u64,
    slowest_s: f64,
    corpus: usize,
}

impl std::fmt::Display for Stats {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "fuzz {:<9} {:>9} execs in {:>6.1} s ({:>8.1}/s), accepted {:>7}, corpus {:>4}, slowest {:.3} s: crashes {}, hangs {}, unexpected exits {}",
            self.target,
            self.execs,
            self.seconds,
            self.execs as f64 / self.seconds.max(1e-9),
            self.accepted,
            self.corpus,
            self.slowest_s,
            self.crashes,
            self.hangs,
            self.unexpected
        )?;
        if self.target == "simulate" {
            write!(
                f,
                " (of validate-accepted: simulate exit 0 {}, exit 2 {})",
                self.simulated_ok, self.simulated_refused
            )?;
        }
        Ok(())
    }
}

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn hash(s: &str) -> u64 {
    s.bytes().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x1_0000_01b3)
    })
}

// ----------------------------------------------------------------------------------- seeds

fn site_seeds() -> Vec<Vec<u8>> {
    let mut seeds: Vec<(PathBuf, Vec<u8>)> = std::fs::read_dir(root().join("sites"))
        .expect("sites/")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .map(|p| {
            let b = std::fs::read(&p).expect("site");
            (p, b)
        })
        .collect();
    seeds.sort();
    seeds.into_iter().map(|(_, b)| b).collect()
}

fn facility_seeds() -> Vec<Vec<u8>> {
    ["ai-hall-20mw", "ai-campus-100mw", "ai-campus-1gw"]
        .iter()
        .map(|n| {
            std::fs::read(root().join(format!("sites/facilities/{n}.json"))).expect("facility")
        })
        .collect()
}

fn weights_seeds() -> Vec<Vec<u8>> {
    let keys = dcplan::plan::criteria::criteria();
    let json: serde_json::Map<String, Value> = keys
        .iter()
        .map(|c| (c.key.to_string(), Value::from(1.0)))
        .collect();
    vec![
        serde_json::to_vec_pretty(&json).expect("JSON"),
        b"pue=20,hazard_score=0".to_vec(),
    ]
}

fn epw_seeds() -> Vec<Vec<u8>> {
    let mut seeds = vec![fixture_epw().into_bytes()];
    if let Ok(shared) = std::env::var("DCPLAN_SHARED") {
        if let Ok(b) = std::fs::read(Path::new(&shared).join("data/epw/KOR_Ulsan.471520_IWEC.epw"))
        {
            seeds.push(b);
        }
    }
    seeds
}

/// A plausible EPW year (the shape of the integration tests' fixture).
fn fixture_epw() -> String {
    const DAYS: [usize; 12] = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
    let mut s = String::from(
        "LOCATION,FUZZVILLE,GB,KOR,Fixture,999001,36.25,128.75,9.0,120.0\r\n\
         DESIGN CONDITIONS,0\r\nTYPICAL/EXTREME PERIODS,0\r\nGROUND TEMPERATURES,0\r\n\
         HOLIDAYS/DAYLIGHT SAVINGS,No,0,0,0\r\nCOMMENTS 1,fuzz seed\r\nCOMMENTS 2,\r\n\
         DATA PERIODS,1,1,Data,Monday, 1/ 1,12/31\r\n",
    );
    let mut i = 0;
    for (m, &days) in DAYS.iter().enumerate() {
        for d in 0..days {
            for h in 0..24 {
                let db = 12.0
                    + 10.0 * (2.0 * std::f64::consts::PI * (i as f64 / 24.0 - 110.0) / 365.0).sin()
                    + 4.0 * (2.0 * std::f64::consts::PI * (h as f64 - 9.0) / 24.0).sin();
                s.push_str(&format!(
                    "2001,{},{},{},60,A7A7A7A7*0?9?9?9?9?9?9?9A7A7A7A7A7A7*0E8*0*0,{db:.1},{:.1},65,100500,\
                     0,1415,300,0,0,0,0,0,0,0,180,2.0,5,3,20.0,77777,9,999999999,10,0.1,0,88,0.0,0.0,0.0\r\n",
                    m + 1,
                    d + 1,
                    h + 1,
                    db - 6.0
                ));
                i += 1;
            }
        }
    }
    s
}

// ------------------------------------------------------------------------------- mutation

const TOKENS: &[&str] = &[
    "NaN",
    "-0",
    "1e308",
    "1e-300",
    "-1e308",
    "1e999",
    "0",
    "-1",
    "null",
    "true",
    "\"\"",
    "[]",
    "{}",
    "\"\\u0000\"",
    "\"\\u001b[31m\"",
    "\u{feff}",
    ",",
    ":",
    "{",
    "}",
    "[",
    "]",
    "\"",
    "99999999999999999999",
    "0.5",
    "2.5",
    "\r\n",
    "LOCATION",
    "999.9",
    "9999",
];

/// Byte-level mutation: 1 to 4 edits (flip, set, insert, delete, duplicate, splice a token).
fn mutate_bytes(rng: &mut ChaCha8Rng, seed: &[u8]) -> Vec<u8> {
    let mut b = seed.to_vec();
    for _ in 0..rng.random_range(1..=4) {
        let len = b.len();
        let at = if len == 0 {
            0
        } else {
            rng.random_range(0..len)
        };
        match rng.random_range(0..7) {
            0 if len > 0 => b[at] ^= 1 << rng.random_range(0..8),
            1 if len > 0 => b[at] = rng.random(),
            2 => {
                let n = rng.random_range(1..8);
                for _ in 0..n {
                    b.insert(at.min(b.len()), rng.random());
                }
            }
            3 if len > 0 => {
                let end = (at + rng.random_range(1..64)).min(len);
                b.drain(at..end);
            }
            4 if len > 0 => {
                let end = (at + rng.random_range(1..256)).min(len);
                let piece = b[at..end].to_vec();
                let to = rng.random_range(0..=b.len());
                b.splice(to..to, piece);
            }
            _ => {
                let t = TOKENS[rng.random_range(0..TOKENS.len())].as_bytes();
                let to = at.min(b.len());
                if rng.random_bool(0.5) && to < b.len() {
                    // replace the number or word at `to`
                    let end = b[to..]
                        .iter()
                        .position(|c| !(c.is_ascii_alphanumeric() || b".-+".contains(c)))
                        .map_or(b.len(), |p| to + p);
                    b.splice(to..end.max(to), t.iter().copied());
                } else {
                    b.splice(to..to, t.iter().copied());
                }
            }
        }
    }
    b
}

/// Values a number in a site or facility may be changed to.
fn interesting_number(rng: &mut ChaCha8Rng, v: f64) -> Value {
    let choices = [
        0.0,
        -1.0,
        1e-300,
        1e308,
        -1e308,
        0.5,
        2.5,
        1e6,
        v * 10.0,
        v / 10.0,
        v * 1.5,
        v * 0.5,
        v + 1.0,
        v - 1.0,
        -v,
        v * 1e3,
        v * 1e-3,
    ];
    let x = choices[rng.random_range(0..choices.len())];
    if x == x.trunc() && x.abs() < 1e15 && rng.random_bool(0.5) {
        Value::from(x as i64)
    } else {
        serde_json::Number::from_f64(x).map_or(Value::Null, Value::Number)
    }
}

/// The dotted paths and bounds of the ruled numbers that `v` gives.
fn ruled<T>(rules: &[NumberRule<T>], v: &T) -> Vec<(&'static str, Bound)> {
    rules
        .iter()
        .filter(|r| (r.value)(v).is_some())
        .map(|r| (r.path, r.bound))
        .collect()
}

/// Moves 1 to 4 of `rules`' numbers in `v` to or just inside an edge of their range.
fn edge_mutation(rng: &mut ChaCha8Rng, v: &Value, rules: &[(&'static str, Bound)]) -> Value {
    let mut v = v.clone();
    for _ in 0..rng.random_range(1..=4) {
        let (path, bound) = rules[rng.random_range(0..rules.len())];
        let (lo, hi) = match bound {
            Bound::Range { min, max } => (min, max),
            Bound::NonNegative { max } => (0.0, max),
            Bound::Positive { max } => (f64::MIN_POSITIVE, max),
        };
        let hi = hi.min(1e300);
        let near = |edge: f64, toward: f64, rng: &mut ChaCha8Rng| {
            let span = (toward - edge).abs();
            match rng.random_range(0..4) {
                0 => edge,
                1 => edge + (toward - edge) * 1e-9,
                2 => edge + (toward - edge) * rng.random_range(0.0..0.1),
                _ if edge > 0.0 && toward > edge => edge * 10f64.powf(rng.random_range(0.0..1.0)),
                _ => edge + (toward - edge).signum() * span.min(1.0) * rng.random_range(0.0..1.0),
            }
        };
        let x = if rng.random_bool(0.5) {
            near(lo, hi, rng)
        } else {
            near(hi, lo, rng)
        }
        .clamp(lo, hi);
        let keys: Vec<Key> = path.split('.').map(|k| Key::Name(k.into())).collect();
        if let Some(leaf) = get_mut(&mut v, &keys) {
            *leaf = if x == x.trunc() && x.abs() < 1e15 {
                Value::from(x as i64)
            } else {
                serde_json::Number::from_f64(x).map_or(Value::Null, Value::Number)
            };
        }
    }
    v
}

/// Structure-aware mutation of a JSON document: 1 to 3 leaves replaced, keys removed, array
/// entries dropped or duplicated.
fn mutate_json(rng: &mut ChaCha8Rng, v: &Value) -> Value {
    let mut v = v.clone();
    for _ in 0..rng.random_range(1..=3) {
        let mut paths = Vec::new();
        leaves(&v, &mut Vec::new(), &mut paths);
        if paths.is_empty() {
            break;
        }
        let path = paths[rng.random_range(0..paths.len())].clone();
        let op = rng.random_range(0..10);
        if op == 0 && !path.is_empty() {
            // remove the entry
            let (last, parent) = path.split_last().expect("non-empty");
            if let Some(p) = get_mut(&mut v, parent) {
                match (p, last) {
                    (Value::Object(m), Key::Name(k)) => {
                        m.remove(k);
                    }
                    (Value::Array(a), Key::Index(i)) if *i < a.len() => {
                        if rng.random_bool(0.5) {
                            a.remove(*i);
                        } else {
                            let x = a[*i].clone();
                            a.push(x);
                        }
                    }
                    _ => {}
                }
            }
            continue;
        }
        let Some(leaf) = get_mut(&mut v, &path) else {
            continue;
        };
        *leaf = match leaf {
            Value::Number(n) => interesting_number(rng, n.as_f64().unwrap_or(0.0)),
            Value::String(_) => {
                let strings = [
                    "",
                    "x",
                    "../../../../etc/passwd",
                    "/dev/zero",
                    "a\u{1b}[31mb",
                    "air",
                    "liquid",
                ];
                Value::from(strings[rng.random_range(0..strings.len())])
            }
            Value::Bool(b) => Value::Bool(!*b),
            _ => Value::Null,
        };
    }
    v
}

#[derive(Clone)]
enum Key {
    Name(String),
    Index(usize),
}

fn leaves(v: &Value, at: &mut Vec<Key>, out: &mut Vec<Vec<Key>>) {
    match v {
        Value::Object(m) => {
            for (k, x) in m {
                at.push(Key::Name(k.clone()));
                leaves(x, at, out);
                at.pop();
            }
        }
        Value::Array(a) => {
            for (i, x) in a.iter().enumerate() {
                at.push(Key::Index(i));
                leaves(x, at, out);
                at.pop();
            }
        }
        _ => out.push(at.clone()),
    }
}

fn get_mut<'a>(v: &'a mut Value, path: &[Key]) -> Option<&'a mut Value> {
    path.iter().try_fold(v, |v, k| match (v, k) {
        (Value::Object(m), Key::Name(n)) => m.get_mut(n),
        (Value::Array(a), Key::Index(i)) => a.get_mut(*i),
        _ => None,
    })
}

/// A mutant of one of `corpus`: structure-aware where the seed is JSON (half the time), else
/// bytes.
fn mutant(rng: &mut ChaCha8Rng, corpus: &[Vec<u8>]) -> Vec<u8> {
    let seed = &corpus[rng.random_range(0..corpus.len())];
    if rng.random_bool(0.5) {
        if let Ok(v) = serde_json::from_slice::<Value>(seed) {
            return serde_json::to_vec_pretty(&mutate_json(rng, &v)).expect("JSON");
        }
    }
    mutate_bytes(rng, seed)
}

fn save(out: &Path, target: &str, n: u64, bytes: &[u8], why: &str) {
    let _ = std::fs::create_dir_all(out);
    let path = out.join(format!("{target}-{n}.bin"));
    let _ = std::fs::write(&path, bytes);
    eprintln!("fuzz {target}: {why}; input saved as {}", path.display());
}

// ------------------------------------------------------------------------ in-process targets

fn in_process(
    target: &str,
    seeds: &[Vec<u8>],
    budget_s: f64,
    rng: &mut ChaCha8Rng,
    out: &Path,
    run: impl Fn(&str),
) -> Stats {
    // panics are caught and counted: keep their messages off the terminal
    std::panic::set_hook(Box::new(|_| {}));
    let mut stats = Stats {
        target: target.into(),
        ..Stats::default()
    };
    let mut corpus = seeds.to_vec();
    let start = Instant::now();
    // the seeds themselves first, then mutants until the budget is spent
    let mut queue: Vec<Vec<u8>> = seeds.to_vec();
    while start.elapsed().as_secs_f64() < budget_s || !queue.is_empty() {
        let input = queue.pop().unwrap_or_else(|| mutant(rng, &corpus));
        let text = String::from_utf8_lossy(&input);
        let t0 = Instant::now();
        let outcome = catch_unwind(AssertUnwindSafe(|| run(&text)));
        let took = t0.elapsed();
        stats.execs += 1;
        stats.slowest_s = stats.slowest_s.max(took.as_secs_f64());
        if outcome.is_err() {
            stats.crashes += 1;
            save(out, target, stats.execs, &input, "panic");
        } else if took > HANG {
            stats.hangs += 1;
            save(out, target, stats.execs, &input, "over 10 s");
        }
        // inputs that still parse as JSON (or as text for EPW) feed the corpus
        let keep = serde_json::from_slice::<Value>(&input).is_ok() || target == "epw";
        if keep && corpus.len() < 256 && rng.random_bool(0.05) {
            corpus.push(input);
            stats.accepted += 1;
        }
    }
    let _ = std::panic::take_hook();
    stats.seconds = start.elapsed().as_secs_f64();
    stats.corpus = corpus.len();
    stats
}

// --------------------------------------------------------------------------------- grid

/// The grid model files a `grid` seed may be, each seed being the file's name on its first
/// line and its content after.
const GRID_FILES: [&str; 5] = [
    "network.json",
    "buses.csv",
    "branches.csv",
    "plants.csv",
    "snapshots/summer_peak.json",
];

fn grid_seeds() -> Vec<Vec<u8>> {
    GRID_FILES
        .iter()
        .map(|name| {
            let mut seed = format!("{name}\n").into_bytes();
            seed.extend(std::fs::read(root().join("sites/grid").join(name)).expect("grid file"));
            seed
        })
        .collect()
}

/// A private copy of `sites/grid` in which one file at a time is replaced by a mutant.
struct GridCopy {
    dir: PathBuf,
}

impl GridCopy {
    fn new() -> Self {
        let dir = std::env::temp_dir().join(format!("dcplan-fuzz-grid-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(dir.join("snapshots")).expect("grid copy");
        for name in GRID_FILES
            .iter()
            .chain(&["line_types.json", "snapshots/light_load.json"])
        {
            std::fs::copy(root().join("sites/grid").join(name), dir.join(name)).expect("copy");
        }
        GridCopy { dir }
    }

    /// Writes the mutant (a damaged name line falls back to `network.json`), loads the
    /// network and its snapshots, and puts the shipped file back.
    fn load(&self, seed: &str) {
        let (name, body) = seed.split_once('\n').unwrap_or(("", seed));
        let name = GRID_FILES
            .iter()
            .find(|n| **n == name)
            .copied()
            .unwrap_or("network.json");
        let path = self.dir.join(name);
        std::fs::write(&path, body).expect("write mutant");
        if let Ok(network) = dcplan::grid::network::Network::load(&self.dir) {
            let _ = dcplan::grid::snapshot::load_snapshots(&self.dir.join("snapshots"), &network);
        }
        std::fs::copy(root().join("sites/grid").join(name), &path).expect("restore");
    }
}

impl Drop for GridCopy {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

// --------------------------------------------------------------------- validate -> simulate

fn bin() -> String {
    std::env::var("DCPLAN_BIN").unwrap_or_else(|_| env!("CARGO_BIN_EXE_dcplan").to_string())
}

/// Runs the binary with a 10 s limit: the exit code (`None`: killed by a signal), whether it
/// was killed for time, stderr.
fn run_limited(args: &[&str]) -> (Option<i32>, bool, String, f64) {
    let start = Instant::now();
    let mut child = Command::new(bin())
        .args(args)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("dcplan runs");
    loop {
        if let Ok(Some(_)) = child.try_wait() {
            break;
        }
        if start.elapsed() > HANG {
            let _ = child.kill();
            let _ = child.wait();
            return (None, true, String::new(), start.elapsed().as_secs_f64());
        }
        std::thread::sleep(Duration::from_millis(5));
    }
    let o = child.wait_with_output().expect("output");
    let took = start.elapsed().as_secs_f64();
    (
        o.status.code(),
        false,
        String::from_utf8_lossy(&o.stderr).into_owned(),
        took,
    )
}

/// The fields of metrics.json that are optional (`Option` in the metrics types): `null` there
/// is an absent figure, anywhere else a non-finite number serde_json wrote as `null`.
const OPTIONAL: [&str; 15] = [
    "hosting",
    "sea_c",
    "cop",
    "liquid_supply_c",
    "liquid",
    "ups_curve",
    "sea_temperature_c",
    "liquid_supply_max_c",
    "coolant_supply_max_c",
    "chiller_capacity_kw",
    "liquid_units",
    "limit",
    "outage",
    // a grid-impact item that is not modelled has no figure and no points
    "points",
    "value",
];

/// The paths of `null`s in metrics.json at fields that are not optional.
fn number_nulls(path: &Path) -> Vec<String> {
    fn walk(v: &Value, key: &str, at: &str, out: &mut Vec<String>) {
        match v {
            Value::Null if !OPTIONAL.contains(&key) => out.push(at.to_string()),
            Value::Object(m) => m
                .iter()
                .for_each(|(k, x)| walk(x, k, &format!("{at}.{k}"), out)),
            // an array's entries belong to the field that holds it
            Value::Array(a) => a.iter().for_each(|x| walk(x, key, &format!("{at}[]"), out)),
            _ => {}
        }
    }
    let mut out = Vec::new();
    if let Some(v) = std::fs::read(path)
        .ok()
        .and_then(|b| serde_json::from_slice::<Value>(&b).ok())
    {
        walk(&v, "", "", &mut out);
    }
    out
}

fn simulate_target(budget_s: f64, smoke: bool, rng: &mut ChaCha8Rng, out: &Path) -> Stats {
    let mut stats = Stats {
        target: "simulate".into(),
        ..Stats::default()
    };
    let dir = std::env::temp_dir().join(format!("dcplan-fuzz-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(dir.join("facilities")).expect("fuzz folder");
    let site_file = dir.join("pohang.json");
    let facility_file = dir.join("facilities/f.json");
    let mut site_seed: Value =
        serde_json::from_slice(&std::fs::read(root().join("sites/pohang.json")).expect("site"))
            .expect("JSON");
    // the folder has no grid model: the headroom is given, as an override, so each run stays
    // a short simulate of the site and facility being fuzzed
    site_seed["power"]["grid_headroom_mw"] = 730.0.into();
    site_seed["assumed"]
        .as_array_mut()
        .expect("assumed list")
        .push("power.grid_headroom_mw".into());
    let facility_seeds: Vec<Value> = facility_seeds()
        .iter()
        .map(|b| serde_json::from_slice(b).expect("JSON"))
        .collect();
    let typed_site: dcplan::site::Site = serde_json::from_value(site_seed.clone()).expect("site");
    let site_rules = ruled(SITE_NUMBERS, &typed_site);
    let facility_rules: Vec<Vec<(&'static str, Bound)>> = facility_seeds
        .iter()
        .map(|f| {
            let typed: dcplan::site::Facility =
                serde_json::from_value(f.clone()).expect("facility");
            ruled(FACILITY_NUMBERS, &typed)
        })
        .collect();
    let metrics = dir.join("out/metrics.json");
    let (sf, ff, o) = (
        site_file.to_string_lossy().into_owned(),
        facility_file.to_string_lossy().into_owned(),
        dir.join("out").to_string_lossy().into_owned(),
    );
    let simulate = [
        "--backend",
        "cpu",
        "-q",
        "simulate",
        &sf,
        "--facility",
        &ff,
        "--out",
        &o,
    ];
    // the seeds: how many nulls an unmutated run leaves in metrics.json
    std::fs::write(
        &site_file,
        serde_json::to_vec_pretty(&site_seed).expect("JSON"),
    )
    .expect("w");

    for seed in &facility_seeds {
        std::fs::write(
            &facility_file,
            serde_json::to_vec_pretty(seed).expect("JSON"),
        )
        .expect("w");
        let (code, _, err, _) = run_limited(&simulate);
        assert_eq!(code, Some(0), "the unmutated files simulate: {err}");
        let nulls = number_nulls(&metrics);
        assert!(
            nulls.is_empty(),
            "the unmutated files leave nulls: {nulls:?}"
        );
    }
    let start = Instant::now();
    let mut cases = 0;
    while (smoke && cases < 4) || (!smoke && start.elapsed().as_secs_f64() < budget_s) {
        cases += 1;
        // mostly the facility (the model's inputs), sometimes the site, sometimes both
        let which = rng.random_range(0..4);
        let k = rng.random_range(0..facility_seeds.len());
        let facility_seed = &facility_seeds[k];
        let edges = rng.random_bool(0.5);
        let site = match (which >= 2, edges) {
            (false, _) => site_seed.clone(),
            (true, false) => mutate_json(rng, &site_seed),
            (true, true) => edge_mutation(rng, &site_seed, &site_rules),
        };
        let facility = match (which != 2, edges) {
            (false, _) => facility_seed.clone(),
            (true, false) => mutate_json(rng, facility_seed),
            (true, true) => edge_mutation(rng, facility_seed, &facility_rules[k]),
        };
        let site_bytes = serde_json::to_vec_pretty(&site).expect("JSON");
        let facility_bytes = serde_json::to_vec_pretty(&facility).expect("JSON");
        std::fs::write(&site_file, &site_bytes).expect("write");
        std::fs::write(&facility_file, &facility_bytes).expect("write");
        let mut both = site_bytes.clone();
        both.extend_from_slice(b"\n----- facility -----\n");
        both.extend_from_slice(&facility_bytes);
        let (code, hung, err, took) = run_limited(&["validate", &sf, &ff, "--facility", &ff]);
        stats.execs += 1;
        stats.slowest_s = stats.slowest_s.max(took);
        if hung {
            stats.hangs += 1;
            save(out, "simulate", stats.execs, &both, "validate over 10 s");
            continue;
        }
        match code {
            Some(2) => continue,
            Some(0) => stats.accepted += 1,
            other => {
                stats.unexpected += 1;
                save(
                    out,
                    "simulate",
                    stats.execs,
                    &both,
                    &format!("validate exit {other:?}: {err}"),
                );
                continue;
            }
        }
        let _ = std::fs::remove_dir_all(dir.join("out"));
        let (code, hung, err, took) = run_limited(&simulate);
        stats.execs += 1;
        stats.slowest_s = stats.slowest_s.max(took);
        if hung {
            stats.hangs += 1;
            save(out, "simulate", stats.execs, &both, "simulate over 10 s");
            continue;
        }
        match code {
            Some(0) if !number_nulls(&metrics).is_empty() => {
                stats.unexpected += 1;
                save(
                    out,
                    "simulate",
                    stats.execs,
                    &both,
                    "exit 0 with a non-finite metric",
                );
            }
            Some(0) => stats.simulated_ok += 1,
            Some(2) => stats.simulated_refused += 1,
            other => {
                stats.unexpected += 1;
                let first = err.lines().find(|l| l.starts_with("error")).unwrap_or("");
                save(
                    out,
                    "simulate",
                    stats.execs,
                    &both,
                    &format!("validate accepted, simulate exit {other:?}: {first}"),
                );
            }
        }
    }
    stats.seconds = start.elapsed().as_secs_f64();
    let _ = std::fs::remove_dir_all(&dir);
    stats
}
