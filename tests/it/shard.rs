//! Sharded rankings as a cluster runs them: each shard a separate `dcplan rank --shard i/n`
//! process, then `dcplan merge`; the merged report must be the single run's, byte for byte,
//! and parts that do not belong together must fail, exit 2, naming what is wrong.

use crate::trials;
use libtest_mimic::Trial;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

pub fn tests() -> Vec<Trial> {
    trials![
        plain shards_run_apart_merge_to_the_bytes_of_one_run,
        plain a_missing_duplicated_or_mismatched_shard_fails_naming_it,
        plain shards_report_progress_and_usage_and_merge_sums_them,
    ]
}

/// Four shipped sites and a copy of one under another id (a tie on every criterion but the
/// id), with the shipped facility, in `root/sites`.
fn site_set(name: &str) -> PathBuf {
    let root = std::env::temp_dir().join(format!("dcplan-shard-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&root);
    let shipped = Path::new(env!("CARGO_MANIFEST_DIR")).join("sites");
    let sites = root.join("sites");
    std::fs::create_dir_all(sites.join("facilities")).expect("temp folder");
    std::fs::copy(
        shipped.join("facilities/ai-hall-20mw.json"),
        sites.join("facilities/ai-hall-20mw.json"),
    )
    .expect("copy the facility");
    for id in ["ulsan", "pohang", "gangneung", "jeju"] {
        std::fs::copy(
            shipped.join(format!("{id}.json")),
            sites.join(format!("{id}.json")),
        )
        .expect("copy a site");
    }
    let text = std::fs::read_to_string(shipped.join("pohang.json")).expect("read pohang");
    let copy = text.replacen("\"id\": \"pohang\"", "\"id\": \"pohang-b\"", 1);
    assert_ne!(copy, text, "the id was replaced");
    std::fs::write(sites.join("pohang-b.json"), copy).expect("write the copy");
    if shipped.join("grid").is_dir() {
        copy_dir(&shipped.join("grid"), &sites.join("grid"));
    }
    root
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("mkdir");
    for e in std::fs::read_dir(from).expect("read dir") {
        let p = e.expect("entry").path();
        let target = to.join(p.file_name().expect("name"));
        if p.is_dir() {
            copy_dir(&p, &target);
        } else {
            std::fs::copy(&p, &target).expect("copy");
        }
    }
}

/// The binary under test: this build's, or `DCPLAN_BIN` (an installed or container binary).
pub fn binary() -> PathBuf {
    std::env::var_os("DCPLAN_BIN")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_BIN_EXE_dcplan")))
}

/// `dcplan --backend cpu ARGS` run in `root`.
pub fn dcplan(root: &Path, args: &[&str]) -> Output {
    Command::new(binary())
        .current_dir(root)
        .args(["--backend", "cpu"])
        .args(args)
        .output()
        .expect("the dcplan binary runs")
}

pub fn ok(o: Output, what: &str) -> Output {
    assert!(
        o.status.success(),
        "{what}: exit {:?}\n{}",
        o.status.code(),
        String::from_utf8_lossy(&o.stderr)
    );
    o
}

/// Runs shard i/n into `parts/n/i` for every i.
fn shards(root: &Path, n: usize, extra: &[&str]) -> Vec<String> {
    (0..n)
        .map(|i| {
            let (spec, out) = (format!("{i}/{n}"), format!("parts/{n}/{i}"));
            let mut args = vec!["rank", "sites", "--shard", &spec, "--out", &out];
            args.extend(extra);
            ok(dcplan(root, &args), &format!("shard {spec}"));
            out
        })
        .collect()
}

/// Every file under `dir`, by relative path, with its bytes.
fn tree(dir: &Path) -> BTreeMap<PathBuf, Vec<u8>> {
    fn walk(base: &Path, dir: &Path, out: &mut BTreeMap<PathBuf, Vec<u8>>) {
        for e in std::fs::read_dir(dir).expect("read dir") {
            let p = e.expect("entry").path();
            if p.is_dir() {
                walk(base, &p, out);
            } else {
                let rel = p.strip_prefix(base).expect("inside").to_path_buf();
                out.insert(rel, std::fs::read(&p).expect("read"));
            }
        }
    }
    let mut out = BTreeMap::new();
    walk(dir, dir, &mut out);
    out
}

fn shards_run_apart_merge_to_the_bytes_of_one_run() {
    let root = site_set("bytes");
    ok(
        dcplan(&root, &["rank", "sites", "--out", "single"]),
        "single run",
    );
    let single = tree(&root.join("single"));
    for name in ["ranking.json", "ranking.csv", "report.md", "report.html"] {
        assert!(single.contains_key(Path::new(name)), "{name} written");
    }
    assert!(single.keys().any(|k| k.starts_with("sites/pohang-b")));
    // 7 shards of 5 sites: two of them empty
    for n in [1, 3, 7] {
        let mut parts = shards(&root, n, &[]);
        parts.reverse(); // the order parts are given in does not matter
        let out = format!("merged-{n}");
        let mut args = vec!["merge", "--out", &out];
        args.extend(parts.iter().map(String::as_str));
        ok(dcplan(&root, &args), &format!("merge of {n}"));
        let merged = tree(&root.join(&out));
        assert_eq!(
            merged.keys().collect::<Vec<_>>(),
            single.keys().collect::<Vec<_>>(),
            "n = {n}: the same files"
        );
        for (path, bytes) in &single {
            assert!(
                merged[path] == *bytes,
                "n = {n}: {} differs",
                path.display()
            );
        }
    }
    // re-running a shard rewrites the same part
    let part = root.join("parts/3/1/part.json");
    let before = std::fs::read(&part).expect("part");
    shards(&root, 3, &[]);
    assert_eq!(std::fs::read(&part).expect("part"), before, "idempotent");
    std::fs::remove_dir_all(&root).expect("clean up");
}

pub fn fails(o: Output, needles: &[&str]) {
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "exit 2 expected:\n{err}");
    for n in needles {
        assert!(err.contains(n), "`{n}` not in:\n{err}");
    }
}

fn a_missing_duplicated_or_mismatched_shard_fails_naming_it() {
    let root = site_set("bad");
    let p = shards(&root, 3, &[]);
    fails(
        dcplan(&root, &["merge", "--out", "m", &p[0], &p[2]]),
        &["shard 1/3 is missing"],
    );
    fails(
        dcplan(&root, &["merge", "--out", "m", &p[0], &p[1], &p[2], &p[1]]),
        &["shard 1/3 is given twice", "parts/3/1/part.json"],
    );
    // another seed
    ok(
        dcplan(
            &root,
            &[
                "rank", "sites", "--shard", "2/3", "--out", "seed2", "--seed", "2",
            ],
        ),
        "shard with another seed",
    );
    fails(
        dcplan(&root, &["merge", "--out", "m", &p[0], &p[1], "seed2"]),
        &["seed2/part.json", "option --seed differs: 1 and 2"],
    );
    // another count
    ok(
        dcplan(&root, &["rank", "sites", "--shard", "2/4", "--out", "of4"]),
        "shard of 4",
    );
    fails(
        dcplan(&root, &["merge", "--out", "m", &p[0], &p[1], "of4"]),
        &["shard count differs: shard 0/3 and shard 2/4"],
    );
    // a site file edited after the other shards ran
    let site = root.join("sites/ulsan.json");
    let text = std::fs::read_to_string(&site).expect("read");
    std::fs::write(
        &site,
        text.replacen("\"name_en\": \"Ulsan\"", "\"name_en\": \"Ulsan \"", 1),
    )
    .expect("edit");
    ok(
        dcplan(
            &root,
            &["rank", "sites", "--shard", "2/3", "--out", "edited"],
        ),
        "shard on the edited site",
    );
    fails(
        dcplan(&root, &["merge", "--out", "m", &p[0], &p[1], "edited"]),
        &["edited/part.json", "site file sites/ulsan.json differs"],
    );
    // not a part; a bad shard
    fails(
        dcplan(&root, &["merge", "--out", "m", "sites/ulsan.json"]),
        &["sites/ulsan.json: not a dcplan part file"],
    );
    fails(
        dcplan(&root, &["rank", "sites", "--shard", "3/3", "--out", "x"]),
        &["--shard", "0 <= i < n", "3/3"],
    );
    assert!(!root.join("m").exists(), "no report from a failed merge");
    std::fs::remove_dir_all(&root).expect("clean up");
}

/// Issue 13 item 4: each shard prints its progress and ends with its time and memory a site
/// (also kept in `usage.json`), and `merge` sums the shards' usage into one line.
fn shards_report_progress_and_usage_and_merge_sums_them() {
    let root = site_set("usage");
    let mut parts = Vec::new();
    // 5 sites in 2 shards: positions 0, 2, 4 and 1, 3
    for (i, sites) in [(0, 3), (1, 2)] {
        let (spec, out) = (format!("{i}/2"), format!("parts/{i}"));
        let o = ok(
            dcplan(&root, &["rank", "sites", "--shard", &spec, "--out", &out]),
            &spec,
        );
        let err = String::from_utf8_lossy(&o.stderr);
        for needle in [
            format!("shard {spec}: {sites} site(s) to simulate"),
            format!("shard {spec}: {sites}/{sites} sites (100 %)"),
            format!("shard {spec}: {sites} site(s) in "),
            "s a site on ".to_string(),
            "peak memory ".to_string(),
        ] {
            assert!(err.contains(&needle), "`{needle}` not in:\n{err}");
        }
        let usage: serde_json::Value = serde_json::from_slice(
            &std::fs::read(root.join(&out).join("usage.json")).expect("usage.json"),
        )
        .expect("usage.json is JSON");
        assert_eq!(usage["sites"], sites);
        assert!(usage["wall_s"].as_f64().is_some_and(|s| s > 0.0), "{usage}");
        assert!(
            usage["peak_rss_mib"].as_f64().is_some_and(|m| m > 1.0),
            "{usage}"
        );
        parts.push(out);
    }
    let o = ok(
        dcplan(&root, &["merge", "--out", "merged", &parts[0], &parts[1]]),
        "merge",
    );
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("overall (2 of 2 shards reported usage): 5 site(s), "),
        "no overall line in:\n{err}"
    );
    std::fs::remove_dir_all(&root).expect("clean up");
}
