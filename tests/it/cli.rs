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

/// The exported system's size and the backward error of its exported solution, recomputed
/// from the Matrix Market files alone (symmetric storage: the lower triangle).
fn exported_backward_error(dir: &Path) -> (usize, f64) {
    let read = |name: &str| std::fs::read_to_string(dir.join(name)).expect("exported file");
    let a = read("A.mtx");
    let mut lines = a.lines().filter(|l| !l.starts_with('%'));
    let header: Vec<usize> = lines
        .next()
        .expect("size line")
        .split_whitespace()
        .map(|t| t.parse().expect("integer"))
        .collect();
    assert_eq!(header[0], header[1]);
    let n = header[0];
    // recompute b - A x from the files alone (symmetric storage: lower triangle)
    let vector = |text: String| -> Vec<f64> {
        text.lines()
            .filter(|l| !l.starts_with('%'))
            .skip(1)
            .map(|l| l.trim().parse().expect("number"))
            .collect()
    };
    let (b, x) = (vector(read("b.mtx")), vector(read("x.mtx")));
    let mut ax = vec![0.0; n];
    let mut a_inf = vec![0.0f64; n];
    let mut entries = 0;
    for line in lines {
        let t: Vec<&str> = line.split_whitespace().collect();
        let (i, j): (usize, usize) = (t[0].parse().unwrap(), t[1].parse().unwrap());
        let v: f64 = t[2].parse().unwrap();
        let (i, j) = (i - 1, j - 1);
        ax[i] += v * x[j];
        a_inf[i] += v.abs();
        if i != j {
            ax[j] += v * x[i];
            a_inf[j] += v.abs();
        }
        entries += 1;
    }
    assert_eq!(entries, header[2]);
    let r_inf = (0..n).map(|i| (b[i] - ax[i]).abs()).fold(0.0, f64::max);
    let x_inf = x.iter().fold(0.0f64, |m, v| m.max(v.abs()));
    let b_inf = b.iter().fold(0.0f64, |m, v| m.max(v.abs()));
    let a_norm = a_inf.iter().fold(0.0f64, |m, v| m.max(*v));
    let eta = r_inf / (a_norm * x_inf + b_inf);
    (n, eta)
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
