//! The `dcplan` binary as a user or a CI pipeline runs it: output, files and exit codes.

use crate::trials;
use libtest_mimic::Trial;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

pub fn tests() -> Vec<Trial> {
    trials![
        plain bench_json_has_every_documented_key_and_a_converged_solve,
        plain bench_export_writes_a_matrix_market_system_that_matches_its_solution,
        plain bench_power_sheet_solves_and_exports_the_halls_busway_system,
        plain bench_hall_air_solves_and_exports_the_halls_nonsymmetric_air_system,
        plain bad_arguments_exit_2_with_the_reason,
        plain a_missing_adapter_is_a_device_error_exit_4,
        plain auto_backend_names_its_choice_and_reason,
        plain validate_accepts_the_shipped_sites_and_rejects_a_bad_file_with_exit_2,
        plain schema_prints_json_schema_for_both_formats,
    ]
}

fn dcplan(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_dcplan"))
        .args(args)
        .output()
        .expect("the dcplan binary runs")
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("dcplan-cli-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    dir
}

fn bench_json_has_every_documented_key_and_a_converged_solve() {
    let o = dcplan(&["--backend", "cpu", "bench", "--sizes", "32,48", "--json"]);
    assert!(o.status.success(), "stderr: {}", stderr(&o));
    let lines: Vec<serde_json::Value> = stdout(&o)
        .lines()
        .map(|l| serde_json::from_str(l).expect("each line is one JSON object"))
        .collect();
    assert_eq!(lines.len(), 2, "one line per size: {}", stdout(&o));
    for (line, n) in lines.iter().zip([32, 48]) {
        for key in [
            "backend",
            "adapter",
            "n",
            "cycles",
            "eta",
            "rel_residual",
            "solve_s",
            "total_s",
            "smoother_cups",
            "smoother_gbps",
            "copy_gbps",
        ] {
            assert!(line.get(key).is_some(), "missing key {key} in {line}");
        }
        assert_eq!(line["n"], n);
        assert_eq!(line["backend"], "cpu");
        let eta = line["eta"].as_f64().expect("eta is a number");
        assert!(eta <= 1e-12, "CPU bench solve reached eta {eta}");
        assert!(line["copy_gbps"].as_f64().is_some_and(|g| g > 0.0));
    }
    assert!(
        stderr(&o).contains("backend: cpu"),
        "the choice is announced: {}",
        stderr(&o)
    );
}

/// An exported system read back from its Matrix Market files alone.
struct Exported {
    n: usize,
    /// The storage the header declares: `symmetric` (lower triangle) or `general`.
    kind: String,
    /// Every entry of A, the symmetric storage's mirrored ones included.
    entries: Vec<(usize, usize, f64)>,
    b: Vec<f64>,
    x: Vec<f64>,
}

impl Exported {
    fn read(dir: &Path) -> Exported {
        let read = |name: &str| std::fs::read_to_string(dir.join(name)).expect("exported file");
        let a = read("A.mtx");
        let banner: Vec<&str> = a
            .lines()
            .next()
            .expect("header")
            .split_whitespace()
            .collect();
        assert_eq!(
            &banner[..4],
            ["%%MatrixMarket", "matrix", "coordinate", "real"]
        );
        let kind = banner[4].to_string();
        assert!(kind == "symmetric" || kind == "general", "storage {kind}");
        let mut lines = a.lines().filter(|l| !l.starts_with('%'));
        let header: Vec<usize> = lines
            .next()
            .expect("size line")
            .split_whitespace()
            .map(|t| t.parse().expect("integer"))
            .collect();
        assert_eq!(header[0], header[1]);
        let mut entries = Vec::new();
        let mut stored = 0;
        for line in lines {
            let t: Vec<&str> = line.split_whitespace().collect();
            let (i, j): (usize, usize) = (t[0].parse().unwrap(), t[1].parse().unwrap());
            let v: f64 = t[2].parse().unwrap();
            entries.push((i - 1, j - 1, v));
            if kind == "symmetric" && i != j {
                entries.push((j - 1, i - 1, v));
            }
            stored += 1;
        }
        assert_eq!(stored, header[2], "entries against the size line");
        let vector = |text: String| -> Vec<f64> {
            text.lines()
                .filter(|l| !l.starts_with('%'))
                .skip(1)
                .map(|l| l.trim().parse().expect("number"))
                .collect()
        };
        let (b, x) = (vector(read("b.mtx")), vector(read("x.mtx")));
        assert_eq!((b.len(), x.len()), (header[0], header[0]));
        Exported {
            n: header[0],
            kind,
            entries,
            b,
            x,
        }
    }

    /// `b - A x` and the row sums of `|A|`.
    fn residual(&self) -> (Vec<f64>, Vec<f64>) {
        let mut r = self.b.clone();
        let mut a_abs = vec![0.0f64; self.n];
        for &(i, j, v) in &self.entries {
            r[i] -= v * self.x[j];
            a_abs[i] += v.abs();
        }
        (r, a_abs)
    }

    /// Normwise backward error `||b - Ax||inf / (||A||inf ||x||inf + ||b||inf)`.
    fn backward_error(&self) -> f64 {
        let (r, a_abs) = self.residual();
        let inf = |v: &[f64]| v.iter().fold(0.0f64, |m, x| m.max(x.abs()));
        inf(&r) / (inf(&a_abs) * inf(&self.x) + inf(&self.b))
    }

    /// `||b - Ax||2 / ||b||2`, and a bound on how far two evaluations of it in f64 that sum
    /// in different orders can differ: each entry of `b - Ax` sums at most 6 terms, so its
    /// rounding is at most about `6 u (|A| |x| + |b|)`, twice for two evaluations.
    fn rel_residual(&self) -> (f64, f64) {
        let two = |v: &[f64]| v.iter().map(|x| x * x).sum::<f64>().sqrt();
        let mut scale: Vec<f64> = self.b.iter().map(|v| v.abs()).collect();
        for &(i, j, v) in &self.entries {
            scale[i] += (v * self.x[j]).abs();
        }
        let b_two = two(&self.b);
        let bound = 2.0 * 6.0 * (f64::EPSILON / 2.0) * two(&scale) / b_two;
        (two(&self.residual().0) / b_two, bound)
    }
}

/// The exported system's size and the backward error of its exported solution, recomputed
/// from the Matrix Market files alone.
fn exported_backward_error(dir: &Path) -> (usize, f64) {
    let e = Exported::read(dir);
    (e.n, e.backward_error())
}

fn bench_export_writes_a_matrix_market_system_that_matches_its_solution() {
    let dir = temp_dir("export");
    let d = dir.to_string_lossy().into_owned();
    let o = dcplan(&[
        "--backend",
        "cpu",
        "bench",
        "--sizes",
        "24",
        "--export",
        &d,
        "--json",
    ]);
    assert!(o.status.success(), "stderr: {}", stderr(&o));
    let read = |name: &str| std::fs::read_to_string(dir.join(name)).expect("exported file");
    let (cells, eta) = exported_backward_error(&dir);
    assert_eq!(cells, 576);
    assert!(
        eta < 1e-11,
        "exported x solves exported A x = b only to eta {eta}"
    );
    let record: serde_json::Value = serde_json::from_str(&read("dcplan.json")).expect("JSON");
    assert_eq!(record["n"], 24);
    let _ = std::fs::remove_dir_all(&dir);
}

fn bad_arguments_exit_2_with_the_reason() {
    let o = dcplan(&["bench", "--sizes", "1"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("--sizes"), "{}", stderr(&o));
    let o = dcplan(&["bench", "--rtol", "7"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("--rtol"), "{}", stderr(&o));
    let o = dcplan(&["bench", "--export", "/tmp/x", "--sizes", "8,16"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("--export"), "{}", stderr(&o));
}

fn a_missing_adapter_is_a_device_error_exit_4() {
    let o = dcplan(&[
        "--backend",
        "gpu",
        "--adapter",
        "no-such-adapter-xyz",
        "adapters",
    ]);
    assert_eq!(o.status.code(), Some(4), "stderr: {}", stderr(&o));
    assert!(stderr(&o).contains("no-such-adapter-xyz"), "{}", stderr(&o));
}

fn auto_backend_names_its_choice_and_reason() {
    let o = dcplan(&["adapters"]);
    assert!(o.status.success(), "stderr: {}", stderr(&o));
    let out = stdout(&o);
    let line = out
        .lines()
        .find(|l| l.starts_with("backend: "))
        .unwrap_or_else(|| panic!("no backend line in {out}"));
    assert!(line.contains("auto"), "the line says why: {line}");
}

fn validate_accepts_the_shipped_sites_and_rejects_a_bad_file_with_exit_2() {
    let sites = Path::new(env!("CARGO_MANIFEST_DIR")).join("sites");
    let o = dcplan(&["validate", &sites.to_string_lossy()]);
    assert!(o.status.success(), "shipped sites invalid: {}", stderr(&o));
    let dir = temp_dir("validate");
    std::fs::create_dir_all(&dir).unwrap();
    let bad = dir.join("bad.json");
    std::fs::write(&bad, "{\n  \"id\": \"bad\",\n  \"lat\": 35.0,\n").unwrap();
    let o = dcplan(&["validate", &bad.to_string_lossy()]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("bad.json"),
        "names the file: {}",
        stderr(&o)
    );
    let _ = std::fs::remove_dir_all(&dir);
}

fn schema_prints_json_schema_for_both_formats() {
    for kind in ["site", "facility"] {
        let o = dcplan(&["schema", kind]);
        assert!(o.status.success());
        let v: serde_json::Value = serde_json::from_str(&stdout(&o)).expect("JSON Schema");
        assert!(
            v.get("properties").is_some(),
            "{kind} schema has properties"
        );
    }
}

/// `bench --power-sheet`: the hall's busway sheet (1e4 contrast) through the multigrid to the
/// asked relative residual, exported with the meta.json the race script re-solves it from.
fn bench_power_sheet_solves_and_exports_the_halls_busway_system() {
    let dir = temp_dir("power-sheet");
    let d = dir.to_string_lossy().into_owned();
    let facility =
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("sites/facilities/ai-hall-20mw.json");
    let o = dcplan(&[
        "--backend",
        "cpu",
        "bench",
        "--power-sheet",
        facility.to_str().unwrap(),
        "--cell-m",
        "0.3",
        "--rtol",
        "1e-10",
        "--json",
        "--export",
        &d,
    ]);
    assert!(o.status.success(), "stderr: {}", stderr(&o));
    let record: serde_json::Value = serde_json::from_str(stdout(&o).trim()).expect("one record");
    assert_eq!(record["system"], "power sheet");
    let rel = record["rel_residual"].as_f64().unwrap();
    assert!(rel <= 1e-10, "relative residual {rel}");
    let (nx, ny) = (
        record["nx"].as_u64().unwrap(),
        record["ny"].as_u64().unwrap(),
    );
    let (cells, eta) = exported_backward_error(&dir);
    assert_eq!(cells as u64, nx * ny);
    assert!(eta < 1e-9, "exported solution's backward error {eta}");
    let meta: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("meta.json")).unwrap()).unwrap();
    assert_eq!(meta["nx"], nx);
    assert!(meta["dcplan_args"]
        .as_array()
        .unwrap()
        .iter()
        .any(|a| a == "--power-sheet"));
    // --sizes and --power-sheet do not go together; a missing facility is bad input
    let o = dcplan(&[
        "bench",
        "--power-sheet",
        facility.to_str().unwrap(),
        "--sizes",
        "8",
    ]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    let o = dcplan(&["bench", "--power-sheet", "/nonexistent/f.json"]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    let _ = std::fs::remove_dir_all(&dir);
}

/// `bench --hall-air`: the hall's air temperature (advection–diffusion, nonsymmetric) solved
/// to the asked relative residual and exported as a general matrix that the exported solution
/// solves, recomputed here from the files alone.
fn bench_hall_air_solves_and_exports_the_halls_nonsymmetric_air_system() {
    let dir = temp_dir("hall-air");
    let d = dir.to_string_lossy().into_owned();
    let facility =
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("sites/facilities/ai-hall-20mw.json");
    let f = facility.to_str().unwrap();
    let rtol = 1e-10;
    let o = dcplan(&[
        "--backend",
        "cpu",
        "bench",
        "--hall-air",
        f,
        "--cell-m",
        "0.3",
        "--rtol",
        "1e-10",
        "--json",
        "--export",
        &d,
    ]);
    assert!(o.status.success(), "stderr: {}", stderr(&o));
    let record: serde_json::Value = serde_json::from_str(stdout(&o).trim()).expect("one record");
    assert_eq!(record["system"], "hall air");
    let reported = record["rel_residual"].as_f64().unwrap();
    assert!(reported <= rtol, "relative residual {reported}");
    let (nx, ny) = (
        record["nx"].as_u64().unwrap(),
        record["ny"].as_u64().unwrap(),
    );
    let e = Exported::read(&dir);
    assert_eq!(e.n as u64, nx * ny);
    assert_eq!(e.kind, "general", "a nonsymmetric operator is stored whole");
    // the label must mean something: some coupling differs from its transpose
    let mut coupling = std::collections::BTreeMap::new();
    for &(i, j, v) in &e.entries {
        coupling.insert((i, j), v);
    }
    let scale = e
        .entries
        .iter()
        .fold(0.0f64, |m, &(_, _, v)| m.max(v.abs()));
    let skew = e
        .entries
        .iter()
        .filter(|(i, j, _)| i != j)
        .map(|&(i, j, v)| (v - coupling.get(&(j, i)).copied().unwrap_or(0.0)).abs())
        .fold(0.0f64, f64::max);
    assert!(
        skew > 1e-6 * scale,
        "largest |A_ij - A_ji| {skew:.3e} against max |A_ij| {scale:.3e}: not advective"
    );
    // the exported x solves the exported A x = b to the asked residual: the files carry 17
    // significant digits, so what is recomputed here differs from dcplan's own figure only by
    // the rounding of forming b - Ax
    let (mine, bound) = e.rel_residual();
    assert!(
        mine <= rtol + bound,
        "exported x solves exported A x = b only to relative residual {mine:.3e}"
    );
    assert!(
        (mine - reported).abs() <= 1e-6 * reported + bound,
        "recomputed {mine:.9e} against dcplan's {reported:.9e} (rounding bound {bound:.1e})"
    );
    let meta: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("meta.json")).unwrap()).unwrap();
    assert_eq!(meta["nx"], nx);
    assert_eq!(meta["symmetric"], false);
    assert!(meta["dcplan_args"]
        .as_array()
        .unwrap()
        .iter()
        .any(|a| a == "--hall-air"));
    // bad arguments: two hall systems at once, --cell-m without one, a cell too large for the
    // racks, a missing facility
    for (args, names) in [
        (
            vec!["bench", "--hall-air", f, "--power-sheet", f],
            "--power-sheet",
        ),
        (vec!["bench", "--cell-m", "0.1"], "--cell-m"),
        (vec!["bench", "--hall-air", f, "--cell-m", "5"], "--cell-m"),
        (vec!["bench", "--hall-air", "/nonexistent/f.json"], "f.json"),
    ] {
        let o = dcplan(&args);
        assert_eq!(o.status.code(), Some(2), "{args:?}: {}", stderr(&o));
        assert!(stderr(&o).contains(names), "{args:?}: {}", stderr(&o));
    }
    let _ = std::fs::remove_dir_all(&dir);
}
