//! The cluster files in deploy/: that they agree with each other and with the command line.
//! Schema validation of the Kubernetes manifests is scripts/validate-k8s (kubernetes-validate,
//! run by scripts/test); a real Slurm run is scripts/test-slurm. What is checked here needs
//! neither: the shard count written twice in the manifests is one number, the shard index is
//! the Job's completion index, every pod mounts the one volume, and the scripts parse.

use crate::trials;
use libtest_mimic::Trial;
use std::path::Path;
use std::process::Command;

pub fn tests() -> Vec<Trial> {
    trials![
        plain k8s_manifests_agree_on_the_shard_count_index_and_volume,
        plain slurm_scripts_parse_and_pass_the_shard_and_out,
    ]
}

fn read(rel: &str) -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(rel);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// The values of every `key: value` line (trimmed, quotes removed).
fn values(text: &str, key: &str) -> Vec<String> {
    let prefix = format!("{key}:");
    text.lines()
        .map(str::trim)
        .map(|l| l.strip_prefix("- ").unwrap_or(l))
        .filter_map(|l| l.strip_prefix(&prefix))
        .map(|v| v.trim().trim_matches('"').to_string())
        .collect()
}

/// The value of the env var `name` in a manifest.
fn env_value(text: &str, name: &str) -> Option<String> {
    let lines: Vec<&str> = text.lines().map(str::trim).collect();
    let at = lines.iter().position(|l| *l == format!("- name: {name}"))?;
    values(lines[at + 1], "value").into_iter().next()
}

fn k8s_manifests_agree_on_the_shard_count_index_and_volume() {
    let volume = read("deploy/k8s/00-volume.yaml");
    let rank = read("deploy/k8s/20-rank-job.yaml");
    let merge = read("deploy/k8s/30-merge-job.yaml");
    let prepare = read("deploy/k8s/10-prepare-job.yaml");
    assert_eq!(values(&rank, "completionMode"), vec!["Indexed"]);
    let completions = values(&rank, "completions");
    assert_eq!(completions.len(), 1);
    let shards = env_value(&rank, "SHARDS").expect("SHARDS in the rank Job");
    assert_eq!(completions[0], shards, "completions = SHARDS");
    assert_eq!(
        env_value(&merge, "SHARDS").as_deref(),
        Some(shards.as_str()),
        "the merge Job waits for as many parts"
    );
    assert!(
        rank.contains("--shard \"$JOB_COMPLETION_INDEX/$SHARDS\"")
            && rank.contains("--out \"parts/$JOB_COMPLETION_INDEX\""),
        "the shard is the completion index"
    );
    assert!(merge.contains("merge \"$@\" --out report") && merge.contains("\"parts/$i\""));
    let claim = values(&volume, "name");
    assert_eq!(claim, vec!["dcplan-study"]);
    for (name, job) in [("prepare", &prepare), ("rank", &rank), ("merge", &merge)] {
        assert_eq!(
            values(job, "claimName"),
            claim,
            "{name} mounts the study volume"
        );
        assert_eq!(values(job, "mountPath"), vec!["/study"], "{name}");
        assert_eq!(values(job, "workingDir"), vec!["/study"], "{name}");
        assert_eq!(values(job, "restartPolicy"), vec!["Never"], "{name}");
    }
    let images: Vec<String> = [&prepare, &rank, &merge]
        .iter()
        .flat_map(|j| values(j, "image"))
        .collect();
    assert!(
        images.windows(2).all(|w| w[0] == w[1]),
        "one image: {images:?}"
    );
    // the image the Containerfile builds has the shipped sites where the prepare Job looks
    assert!(prepare.contains("/opt/dcplan/sites"));
    assert!(read("deploy/Containerfile").contains("/opt/dcplan/sites"));
}

fn slurm_scripts_parse_and_pass_the_shard_and_out() {
    for script in [
        "deploy/slurm/rank-array.sbatch",
        "deploy/slurm/merge.sbatch",
        "deploy/slurm/submit.sh",
        "scripts/test-slurm",
        "scripts/validate-k8s",
    ] {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(script);
        let out = Command::new("bash")
            .arg("-n")
            .arg(&path)
            .output()
            .expect("bash runs");
        assert!(
            out.status.success(),
            "{script}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let array = read("deploy/slurm/rank-array.sbatch");
    assert!(array.contains("--shard \"$SLURM_ARRAY_TASK_ID/$SHARDS\""));
    assert!(array.contains("--out \"parts/$SLURM_ARRAY_TASK_ID\""));
    let merge = read("deploy/slurm/merge.sbatch");
    assert!(merge.contains("parts+=(\"parts/$i\")") && merge.contains("merge \"${parts[@]}\""));
    let submit = read("deploy/slurm/submit.sh");
    assert!(submit.contains("--array=\"0-$((SHARDS - 1))\""));
    assert!(submit.contains("--dependency=\"afterok:$array\""));
}
