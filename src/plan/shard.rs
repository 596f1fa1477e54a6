//! One ranking split over separate processes: each shard (a Slurm array task, a Kubernetes
//! indexed pod, a shell loop) simulates a slice of the sites and returns a [`Part`]; [`merge`]
//! checks that the parts belong together and runs the cross-site analysis once, so the report
//! is the one a single process would have written, byte for byte.
//!
//! Slicing: every shard loads and checks every input (so every part names the same study),
//! orders the sites by (id, file) and keeps the k-th of that order when `k mod n == i`.
//! Each site keeps its position in the order the sites were found; the merge restores it.
//!
//! A part holds the study it belongs to ([`Study`]: dcplan version, backend and adapter, the
//! SHA-256 of every input file, the ranking options), its shard, and for each of its sites
//! the [`SiteAssessment`] the ranking needs. Numbers survive the JSON round trip exactly
//! (serde_json's `float_roundtrip` parser; a test holds it), so merged scores are the scores
//! of one run. Nothing here writes files; `report::part` does.
//!
//! Invariants: a merge succeeds only when the parts are complete (shards 0..n each once),
//! made from the same study, and each holds exactly its slice; otherwise it names the shard,
//! part file, input file or option at fault.

use super::error::PlanError;
use super::evaluate::Evaluated;
use super::evaluate::{evaluate, EvalContext};
use super::inputs::FileHash;
use super::ranking::{assess, rank_assessed, RankSettings, RankingReport, SiteAssessment};
use super::run::{load_grid, Progress, RankInputs};
use super::simulate::{prepare_facility, Precision};
use crate::backend::Backend;
use crate::rank::Weights;
use crate::solver::BackendInfo;
use serde::{Deserialize, Serialize};
use std::fmt;
use std::path::{Path, PathBuf};

/// The format tag of a part file; a merge refuses any other.
pub const PART_FORMAT: &str = "dcplan-part/2";

/// The file a shard writes in its folder.
pub const PART_FILE: &str = "part.json";

/// Shard `index` of `count`, 0-based (`JOB_COMPLETION_INDEX`, `SLURM_ARRAY_TASK_ID` from 0).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct ShardSpec {
    pub index: usize,
    pub count: usize,
}

impl ShardSpec {
    /// Parses `i/n` with `0 <= i < n`.
    pub fn parse(text: &str) -> Result<ShardSpec, String> {
        let bad = || format!("expected i/n with 0 <= i < n (shards count from 0), found `{text}`");
        let (i, n) = text.split_once('/').ok_or_else(bad)?;
        let index: usize = i.trim().parse().map_err(|_| bad())?;
        let count: usize = n.trim().parse().map_err(|_| bad())?;
        if count == 0 || index >= count {
            return Err(bad());
        }
        Ok(ShardSpec { index, count })
    }
}

impl fmt::Display for ShardSpec {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        write!(f, "{}/{}", self.index, self.count)
    }
}

/// The positions (in input order, ascending) of the sites that shard `spec` simulates, given
/// every site's (id, file) in input order.
pub fn slice(keys: &[(&str, &str)], spec: ShardSpec) -> Vec<usize> {
    let mut order: Vec<usize> = (0..keys.len()).collect();
    order.sort_by(|&a, &b| keys[a].cmp(&keys[b]));
    let mut mine: Vec<usize> = order
        .into_iter()
        .enumerate()
        .filter(|(k, _)| k % spec.count == spec.index)
        .map(|(_, p)| p)
        .collect();
    mine.sort_unstable();
    mine
}

/// One input site of a study.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StudySite {
    pub id: String,
    pub site: FileHash,
    pub weather: Option<FileHash>,
}

/// The ranking options every part must share.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StudyOptions {
    /// Normalised, in criterion order.
    pub weights: Vec<f64>,
    pub top_k: usize,
    pub seed: u64,
    pub draws: usize,
    pub radius: f64,
    /// Grid cell size of every hall, m.
    pub cell_m: f64,
}

/// Everything a part's results depend on besides its slice: the same for every part of one
/// study.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Study {
    pub dcplan_version: String,
    pub backend: String,
    pub adapter: String,
    pub facility: FileHash,
    /// Every site of the study, in the order the sites were found.
    pub sites: Vec<StudySite>,
    pub weights_file: Option<FileHash>,
    /// The grid model's files beside the sites (none when there is no model, or the shard had
    /// no site to simulate and so did not load it).
    pub grid_files: Vec<FileHash>,
    pub options: StudyOptions,
    /// The criteria keys of the decision matrix, in order: parts whose matrices another build
    /// of dcplan made (other criteria, or the same in another order) are refused by `merge`.
    #[serde(default)]
    pub criteria: Vec<String>,
}

/// The criteria keys of this build's decision matrix.
pub fn criteria_keys() -> Vec<String> {
    super::criteria::SPECS
        .iter()
        .map(|s| s.key.to_string())
        .collect()
}

impl Study {
    /// The study of a loaded ranking run on `backend`.
    pub fn of(inputs: &RankInputs, backend: &BackendInfo) -> Study {
        let s = &inputs.settings;
        Study {
            dcplan_version: env!("CARGO_PKG_VERSION").to_string(),
            criteria: criteria_keys(),
            backend: backend.backend.clone(),
            adapter: backend.adapter.clone(),
            facility: inputs.facility.hash.clone(),
            sites: inputs
                .sites
                .iter()
                .map(|s| StudySite {
                    id: s.site.id.clone(),
                    site: s.hash.clone(),
                    weather: s.weather.as_ref().map(|w| w.hash.clone()),
                })
                .collect(),
            weights_file: inputs.weights_file.clone(),
            grid_files: Vec::new(),
            options: StudyOptions {
                weights: s.weights.as_slice().to_vec(),
                top_k: s.top_k,
                seed: s.seed,
                draws: s.draws,
                radius: s.radius,
                cell_m: inputs.cell_m,
            },
        }
    }

    /// The positions of shard `spec`'s sites.
    pub fn slice(&self, spec: ShardSpec) -> Vec<usize> {
        let keys: Vec<(&str, &str)> = self
            .sites
            .iter()
            .map(|s| (s.id.as_str(), s.site.file.as_str()))
            .collect();
        slice(&keys, spec)
    }
}

/// One simulated site of a part.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PartSite {
    /// Position among the study's sites.
    pub position: usize,
    pub assessment: SiteAssessment,
    /// The site's report files beside the part (`sites/<id>/metrics.json`, …), relative to
    /// the part's folder, with their SHA-256; filled in by whoever writes them.
    pub outputs: Vec<FileHash>,
}

/// What one shard returns (`part.json`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Part {
    pub format: String,
    pub shard: ShardSpec,
    pub study: Study,
    /// In position order.
    pub results: Vec<PartSite>,
}

/// Sites a shard simulates at a time: each batch's fields are handed to the sink and dropped
/// before the next, so a shard's memory stays flat in its number of sites.
pub const BATCH: usize = 32;

/// Simulates shard `spec`'s slice of the loaded sites on `backend`, [`BATCH`] sites at a
/// time; hands each simulated site and its result to `sink` (to write its files and record
/// them in `outputs`) and keeps only the assessment. `progress` hears of the slice only.
pub fn run_shard<E: From<PlanError>>(
    inputs: RankInputs,
    spec: ShardSpec,
    backend: &mut Backend,
    progress: &(dyn Fn(Progress) + Sync),
    sink: &mut dyn FnMut(&Evaluated, &mut PartSite) -> Result<(), E>,
) -> Result<Part, E> {
    let mut study = Study::of(&inputs, &backend.solver().info());
    let positions = study.slice(spec);
    let RankInputs {
        sites,
        facility,
        cell_m,
        ..
    } = inputs;
    // the grid model beside the study's first site, as `run::rank_sites` finds it, loaded by
    // every shard (even one with no site) so that every part names its files
    let grid = load_grid(
        &sites
            .iter()
            .take(1)
            .map(|s| s.path.clone())
            .collect::<Vec<_>>(),
    )?;
    let (map, files) = match &grid {
        Some((m, f)) => (Some(m), f.as_slice()),
        None => (None, &[][..]),
    };
    study.grid_files = files.to_vec();
    let mut wanted = positions.iter().copied().peekable();
    let mut mine = Vec::with_capacity(positions.len());
    for (p, site) in sites.into_iter().enumerate() {
        if wanted.peek() == Some(&p) {
            wanted.next();
            mine.push(site);
        }
    }
    progress(Progress::Loaded { sites: mine.len() });
    let mut results = Vec::with_capacity(positions.len());
    if mine.is_empty() {
        return Ok(Part {
            format: PART_FORMAT.to_string(),
            shard: spec,
            study,
            results,
        });
    }
    // the facility's hall on the backend, prepared once for all the shard's sites
    let precision = Precision::for_backend(backend);
    let model = prepare_facility(&facility, cell_m, backend.solver(), &precision)
        .map_err(|source| super::suspect::facility_failure(&facility, source))?;
    let ctx = EvalContext {
        facility: &facility,
        model: &model,
        grid: map,
        extra_files: files,
    };
    let done = |site_id: &str| progress(Progress::Simulated { site_id });
    let mut position = positions.iter().copied();
    let mut rest = mine.into_iter().peekable();
    while rest.peek().is_some() {
        let batch: Vec<_> = rest.by_ref().take(BATCH).collect();
        let evaluated = evaluate(batch, &ctx, &done)?;
        for (e, assessment) in evaluated.iter().zip(assess(&evaluated, &facility)) {
            let mut result = PartSite {
                position: position.next().unwrap_or_default(),
                assessment,
                outputs: Vec::new(),
            };
            sink(e, &mut result)?;
            results.push(result);
        }
    }
    Ok(Part {
        format: PART_FORMAT.to_string(),
        shard: spec,
        study,
        results,
    })
}

/// Why parts do not merge. Every variant names the part files (and shard, input file or
/// option) at fault.
#[derive(Debug, thiserror::Error)]
pub enum ShardError {
    #[error("no part given to merge")]
    NoParts,
    #[error("{}: cannot read the part: {source}", path.display())]
    Read {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{}: not a dcplan part file: {source}", path.display())]
    Parse {
        path: PathBuf,
        #[source]
        source: serde_json::Error,
    },
    #[error("{}: format `{found}`, expected `{PART_FORMAT}` (written by another dcplan version?)", path.display())]
    Format { path: PathBuf, found: String },
    #[error("{} and {} belong to different studies: {what}", a.display(), b.display())]
    Mismatch {
        a: PathBuf,
        b: PathBuf,
        what: String,
    },
    #[error("shard {shard} is given twice: {} and {}", a.display(), b.display())]
    Duplicate {
        shard: ShardSpec,
        a: PathBuf,
        b: PathBuf,
    },
    #[error("incomplete: {} missing (found {found})", missing_list(missing))]
    Missing {
        missing: Vec<ShardSpec>,
        found: String,
    },
    #[error("{}: {reason}", path.display())]
    Corrupt { path: PathBuf, reason: String },
    #[error("{}: {source}", path.display())]
    Rank {
        path: PathBuf,
        #[source]
        source: crate::rank::RankError,
    },
}

fn missing_list(missing: &[ShardSpec]) -> String {
    let names: Vec<String> = missing.iter().map(|s| format!("shard {s}")).collect();
    let verb = if missing.len() == 1 { "is" } else { "are" };
    format!("{} {verb}", names.join(", "))
}

/// A part read from its file.
#[derive(Debug, Clone)]
pub struct LoadedPart {
    /// The part file.
    pub path: PathBuf,
    pub part: Part,
}

impl LoadedPart {
    /// The folder the part's `outputs` are relative to.
    pub fn dir(&self) -> &Path {
        self.path.parent().unwrap_or(Path::new("."))
    }
}

/// Reads a part: a part file, or a shard's folder holding [`PART_FILE`].
pub fn read_part(path: &Path) -> Result<LoadedPart, ShardError> {
    let path = if path.is_dir() {
        path.join(PART_FILE)
    } else {
        path.to_path_buf()
    };
    let text = std::fs::read_to_string(&path).map_err(|source| ShardError::Read {
        path: path.clone(),
        source,
    })?;
    // the format first, so that another version's part is named as such, not as malformed
    let tag: Option<String> = serde_json::from_str::<serde_json::Value>(&text)
        .ok()
        .and_then(|v| v.get("format").and_then(|f| f.as_str()).map(str::to_string));
    if let Some(found) = tag.filter(|t| t != PART_FORMAT) {
        return Err(ShardError::Format { path, found });
    }
    let part: Part = serde_json::from_str(&text).map_err(|source| ShardError::Parse {
        path: path.clone(),
        source,
    })?;
    Ok(LoadedPart { path, part })
}

/// Merged parts: the report, and each site's part (index into the parts given) and result,
/// in the order the sites were found.
pub struct Merged {
    pub report: RankingReport,
    pub sites: Vec<(usize, PartSite)>,
}

/// Checks that `parts` are one complete study, each holding exactly its slice, and ranks
/// their sites as one run would.
pub fn merge(parts: &[LoadedPart]) -> Result<Merged, ShardError> {
    let first = parts.first().ok_or(ShardError::NoParts)?;
    for p in parts {
        if p.part.format != PART_FORMAT {
            return Err(ShardError::Format {
                path: p.path.clone(),
                found: p.part.format.clone(),
            });
        }
        if p.part.study.criteria != criteria_keys() {
            return Err(ShardError::Corrupt {
                path: p.path.clone(),
                reason: format!(
                    "its decision matrix has the criteria {:?}; this dcplan ranks by {:?} \
                     (re-run the shard with this build)",
                    p.part.study.criteria,
                    criteria_keys()
                ),
            });
        }
        if let Some(what) = difference(&first.part, &p.part) {
            return Err(ShardError::Mismatch {
                a: first.path.clone(),
                b: p.path.clone(),
                what,
            });
        }
    }
    let count = first.part.shard.count;
    let mut by_index: Vec<Option<usize>> = vec![None; count];
    for (k, p) in parts.iter().enumerate() {
        let Some(slot) = by_index.get_mut(p.part.shard.index) else {
            return Err(ShardError::Corrupt {
                path: p.path.clone(),
                reason: format!(
                    "shard {} is not a shard (index past the count)",
                    p.part.shard
                ),
            });
        };
        if let Some(earlier) = *slot {
            return Err(ShardError::Duplicate {
                shard: p.part.shard,
                a: parts[earlier].path.clone(),
                b: p.path.clone(),
            });
        }
        *slot = Some(k);
    }
    let missing: Vec<ShardSpec> = (0..count)
        .filter(|&i| by_index[i].is_none())
        .map(|index| ShardSpec { index, count })
        .collect();
    if !missing.is_empty() {
        let found: Vec<String> = parts
            .iter()
            .map(|p| format!("{} in {}", p.part.shard, p.path.display()))
            .collect();
        return Err(ShardError::Missing {
            missing,
            found: found.join(", "),
        });
    }
    let study = &first.part.study;
    let mut slots: Vec<Option<(usize, PartSite)>> = vec![None; study.sites.len()];
    for (k, p) in parts.iter().enumerate() {
        check_slice(p, study)?;
        for r in &p.part.results {
            slots[r.position] = Some((k, r.clone()));
        }
    }
    // complete and disjoint slices cover every position once
    let sites: Vec<(usize, PartSite)> = slots.into_iter().flatten().collect();
    if sites.len() != study.sites.len() {
        return Err(ShardError::Corrupt {
            path: first.path.clone(),
            reason: format!(
                "the parts hold {} of the study's {} sites",
                sites.len(),
                study.sites.len()
            ),
        });
    }
    let rank_err = |source| ShardError::Rank {
        path: first.path.clone(),
        source,
    };
    let o = &study.options;
    let settings = RankSettings {
        weights: Weights::from_normalised(o.weights.clone(), &super::criteria::criteria())
            .map_err(rank_err)?,
        top_k: o.top_k,
        seed: o.seed,
        draws: o.draws,
        radius: o.radius,
        // the joint Monte Carlo re-evaluates sites from their full simulations: not in parts
        uncertainty: None,
    };
    let assessed: Vec<SiteAssessment> = sites.iter().map(|(_, r)| r.assessment.clone()).collect();
    let backend = BackendInfo {
        backend: study.backend.clone(),
        adapter: study.adapter.clone(),
    };
    let report = rank_assessed(
        &assessed,
        &study.facility,
        study.weights_file.clone(),
        &settings,
        &backend,
    )
    .map_err(rank_err)?;
    Ok(Merged { report, sites })
}

/// A site's report files as its shard wrote them: each `(path relative to the report, bytes)`,
/// read from beside the part and checked against the SHA-256 the part recorded.
pub fn site_outputs(
    part: &LoadedPart,
    site: &PartSite,
) -> Result<Vec<(PathBuf, Vec<u8>)>, ShardError> {
    let corrupt = |reason: String| ShardError::Corrupt {
        path: part.path.clone(),
        reason,
    };
    site.outputs
        .iter()
        .map(|o| {
            let rel = PathBuf::from(&o.file);
            if !rel
                .components()
                .all(|c| matches!(c, std::path::Component::Normal(_)))
            {
                return Err(corrupt(format!(
                    "output `{}` of site {} is not a path inside the part's folder",
                    o.file, site.assessment.site_id
                )));
            }
            let path = part.dir().join(&rel);
            let bytes = std::fs::read(&path).map_err(|source| ShardError::Read {
                path: path.clone(),
                source,
            })?;
            if super::inputs::sha256_hex(&bytes) != o.sha256 {
                return Err(corrupt(format!(
                    "{} is not the file this part wrote (sha256 differs; was the shard re-run \
                     into the same folder with other inputs?)",
                    path.display()
                )));
            }
            Ok((rel, bytes))
        })
        .collect()
}

/// That part `p` holds exactly its slice of `study`, each site the study's.
fn check_slice(p: &LoadedPart, study: &Study) -> Result<(), ShardError> {
    let corrupt = |reason: String| ShardError::Corrupt {
        path: p.path.clone(),
        reason,
    };
    let expected = study.slice(p.part.shard);
    let got: Vec<usize> = p.part.results.iter().map(|r| r.position).collect();
    if got != expected {
        let name = |v: &[usize]| {
            v.iter()
                .map(|&i| study.sites.get(i).map_or(format!("#{i}"), |s| s.id.clone()))
                .collect::<Vec<_>>()
                .join(", ")
        };
        return Err(corrupt(format!(
            "shard {} should hold the sites [{}] but holds [{}]",
            p.part.shard,
            name(&expected),
            name(&got)
        )));
    }
    for r in &p.part.results {
        let s = &study.sites[r.position];
        let a = &r.assessment;
        if a.site_id != s.id || a.site != s.site || a.weather != s.weather {
            return Err(corrupt(format!(
                "the result at position {} is for {} ({}), the study has {} ({}) there",
                r.position, a.site_id, a.site.file, s.id, s.site.file
            )));
        }
    }
    Ok(())
}

/// The first way two parts' studies (or shard counts) differ, in words; `None` if they agree.
pub fn difference(a: &Part, b: &Part) -> Option<String> {
    let (x, y) = (&a.study, &b.study);
    let differs = |what: &str, u: &dyn fmt::Debug, v: &dyn fmt::Debug| {
        Some(format!("{what} differs: {u:?} and {v:?}"))
    };
    if a.shard.count != b.shard.count {
        return Some(format!(
            "shard count differs: shard {} and shard {}",
            a.shard, b.shard
        ));
    }
    if x.dcplan_version != y.dcplan_version {
        return differs("dcplan version", &x.dcplan_version, &y.dcplan_version);
    }
    if x.backend != y.backend || x.adapter != y.adapter {
        return Some(format!(
            "backend differs: {} ({}) and {} ({}); run every shard on the same kind of node \
             (the CPU solver's thread count is part of its name)",
            x.backend, x.adapter, y.backend, y.adapter
        ));
    }
    if x.facility != y.facility {
        return Some(format!(
            "facility differs: {} (sha256 {}) and {} (sha256 {})",
            x.facility.file, x.facility.sha256, y.facility.file, y.facility.sha256
        ));
    }
    if let Some(what) = site_difference(&x.sites, &y.sites) {
        return Some(what);
    }
    if x.grid_files != y.grid_files {
        return differs("grid model", &x.grid_files, &y.grid_files);
    }
    if x.weights_file != y.weights_file {
        return differs("weights file", &x.weights_file, &y.weights_file);
    }
    let (o, p) = (&x.options, &y.options);
    let fields: [(&str, &dyn fmt::Debug, &dyn fmt::Debug, bool); 6] = [
        (
            "option --weights",
            &o.weights,
            &p.weights,
            o.weights == p.weights,
        ),
        ("option --top", &o.top_k, &p.top_k, o.top_k == p.top_k),
        ("option --seed", &o.seed, &p.seed, o.seed == p.seed),
        ("option --draws", &o.draws, &p.draws, o.draws == p.draws),
        (
            "option --radius",
            &o.radius,
            &p.radius,
            o.radius == p.radius,
        ),
        (
            "option --cell-m",
            &o.cell_m,
            &p.cell_m,
            o.cell_m == p.cell_m,
        ),
    ];
    fields
        .iter()
        .find(|f| !f.3)
        .and_then(|(what, u, v, _)| differs(what, *u, *v))
}

fn site_difference(a: &[StudySite], b: &[StudySite]) -> Option<String> {
    let files =
        |v: &[StudySite]| -> Vec<String> { v.iter().map(|s| s.site.file.clone()).collect() };
    if a.len() != b.len() {
        let only = |u: &[StudySite], v: &[StudySite]| {
            let other = files(v);
            files(u)
                .into_iter()
                .filter(|f| !other.contains(f))
                .collect::<Vec<_>>()
                .join(", ")
        };
        return Some(format!(
            "site count differs: {} and {} (only in the first: [{}]; only in the second: [{}])",
            a.len(),
            b.len(),
            only(a, b),
            only(b, a)
        ));
    }
    for (s, t) in a.iter().zip(b) {
        if s.site.file != t.site.file || s.id != t.id {
            return Some(format!(
                "site list differs: {} ({}) and {} ({}) at the same position",
                s.site.file, s.id, t.site.file, t.id
            ));
        }
        if s.site.sha256 != t.site.sha256 {
            return Some(format!(
                "site file {} differs: sha256 {} and {}",
                s.site.file, s.site.sha256, t.site.sha256
            ));
        }
        if s.weather != t.weather {
            return Some(format!(
                "weather file of site {} differs: {:?} and {:?}",
                s.site.file, s.weather, t.weather
            ));
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hash(file: &str, sha: &str) -> FileHash {
        FileHash {
            file: file.into(),
            sha256: sha.into(),
        }
    }

    fn study(ids: &[&str]) -> Study {
        Study {
            dcplan_version: "0.1.0".into(),
            criteria: criteria_keys(),
            backend: "cpu".into(),
            adapter: "CPU f64 multigrid, 2 threads".into(),
            facility: hash("f.json", "ff"),
            sites: ids
                .iter()
                .map(|id| StudySite {
                    id: id.to_string(),
                    site: hash(&format!("s/{id}.json"), id),
                    weather: None,
                })
                .collect(),
            weights_file: None,
            grid_files: Vec::new(),
            options: StudyOptions {
                weights: crate::plan::criteria::default_weights().as_slice().to_vec(),
                top_k: 3,
                seed: 1,
                draws: 10_000,
                radius: 0.3,
                cell_m: 0.3,
            },
        }
    }

    /// Parts of `study` split `count` ways, with made-up assessments.
    fn parts(study: &Study, count: usize) -> Vec<LoadedPart> {
        (0..count)
            .map(|index| {
                let spec = ShardSpec { index, count };
                let results = study
                    .slice(spec)
                    .into_iter()
                    .map(|position| {
                        let s = &study.sites[position];
                        PartSite {
                            position,
                            assessment: SiteAssessment {
                                site_id: s.id.clone(),
                                name_en: s.id.clone(),
                                name_ko: s.id.clone(),
                                site: s.site.clone(),
                                weather: None,
                                lon: 129.0,
                                lat: 36.0,
                                province: "경상북도".into(),
                                reasons: Vec::new(),
                                hostable_it_mw: 20.0,
                                limited_by: "facility".into(),
                                shortfall: None,
                                values: (0..crate::plan::criteria::SPECS.len())
                                    .map(|c| (position * 8 + c) as f64 * 0.37)
                                    .collect(),
                                grid_impact: None,
                            },
                            outputs: Vec::new(),
                        }
                    })
                    .collect();
                LoadedPart {
                    path: PathBuf::from(format!("parts/{index}/part.json")),
                    part: Part {
                        format: PART_FORMAT.into(),
                        shard: spec,
                        study: study.clone(),
                        results,
                    },
                }
            })
            .collect()
    }

    #[test]
    fn a_shard_spec_is_i_of_n_counted_from_zero() {
        assert_eq!(
            ShardSpec::parse("2/7"),
            Ok(ShardSpec { index: 2, count: 7 })
        );
        assert_eq!(
            ShardSpec::parse("0/1").map(|s| s.to_string()),
            Ok("0/1".into())
        );
        for bad in ["7/7", "1/0", "3", "a/2", "-1/2", "1/2/3"] {
            let e = ShardSpec::parse(bad).unwrap_err();
            assert!(e.contains(bad) && e.contains("0 <= i < n"), "{bad}: {e}");
        }
    }

    #[test]
    fn the_slices_partition_the_sites_in_id_order() {
        // input order is not id order; ids repeat in two folders
        let keys = [
            ("gumi", "a/gumi.json"),
            ("busan", "a/busan.json"),
            ("ulsan", "a/ulsan.json"),
            ("busan", "b/busan.json"),
            ("daegu", "a/daegu.json"),
        ];
        for n in 1..=7 {
            let mut seen = vec![0; keys.len()];
            for i in 0..n {
                let s = slice(&keys, ShardSpec { index: i, count: n });
                assert!(s.windows(2).all(|w| w[0] < w[1]), "ascending: {s:?}");
                for p in s {
                    seen[p] += 1;
                }
            }
            assert_eq!(seen, vec![1; keys.len()], "n = {n}");
        }
        // id order: busan(a), busan(b), daegu, gumi, ulsan -> positions 1, 3, 4, 0, 2
        assert_eq!(
            slice(&keys, ShardSpec { index: 0, count: 2 }),
            vec![1, 2, 4]
        );
        assert_eq!(slice(&keys, ShardSpec { index: 1, count: 2 }), vec![0, 3]);
    }

    #[test]
    fn numbers_survive_the_part_file_exactly() {
        use rand::{Rng, SeedableRng};
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(7);
        let mut values: Vec<f64> = (0..20_000)
            .map(|_| f64::from_bits(rng.random::<u64>()))
            .filter(|v| v.is_finite())
            .collect();
        values.extend([
            0.1,
            1.0 / 3.0,
            2.0f64.sqrt(),
            f64::MIN_POSITIVE,
            f64::MAX,
            5e-324,
        ]);
        let text = serde_json::to_string(&values).expect("serialise");
        let back: Vec<f64> = serde_json::from_str(&text).expect("parse");
        let bits = |v: &[f64]| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
        assert_eq!(bits(&back), bits(&values));
        let part = parts(&study(&["a", "b", "c"]), 1).remove(0).part;
        let text = serde_json::to_string_pretty(&part).expect("serialise");
        assert_eq!(serde_json::from_str::<Part>(&text).expect("parse"), part);
    }

    #[test]
    fn complete_parts_merge_in_input_order_whatever_their_order() {
        let st = study(&["gumi", "busan", "ulsan", "daegu", "pohang"]);
        let one = merge(&parts(&st, 1)).expect("one part");
        let mut three = parts(&st, 3);
        three.reverse();
        let merged = merge(&three).expect("three parts");
        let positions: Vec<usize> = merged.sites.iter().map(|(_, r)| r.position).collect();
        assert_eq!(positions, vec![0, 1, 2, 3, 4]);
        assert_eq!(
            serde_json::to_string(&merged.report).expect("json"),
            serde_json::to_string(&one.report).expect("json")
        );
    }

    #[test]
    fn missing_duplicated_and_mismatched_parts_are_named() {
        let st = study(&["gumi", "busan", "ulsan", "daegu", "pohang"]);
        let all = parts(&st, 3);
        let e = merge(&all[..2]).err().expect("missing").to_string();
        assert!(e.contains("shard 2/3 is missing"), "{e}");
        let twice = vec![
            all[0].clone(),
            all[1].clone(),
            all[1].clone(),
            all[2].clone(),
        ];
        let e = merge(&twice).err().expect("duplicate").to_string();
        assert!(
            e.contains("shard 1/3 is given twice: parts/1/part.json"),
            "{e}"
        );
        let mut seed = all.clone();
        seed[2].part.study.options.seed = 2;
        let e = merge(&seed).err().expect("seed").to_string();
        assert!(
            e.contains("parts/2/part.json") && e.contains("option --seed differs: 1 and 2"),
            "{e}"
        );
        let mut edited = all.clone();
        edited[1].part.study.sites[3].site.sha256 = "00".into();
        let e = merge(&edited).err().expect("site").to_string();
        assert!(e.contains("site file s/daegu.json differs"), "{e}");
        let mut other_count = all.clone();
        other_count[2] = parts(&st, 4).remove(2);
        let e = merge(&other_count).err().expect("count").to_string();
        assert!(
            e.contains("shard count differs: shard 0/3 and shard 2/4"),
            "{e}"
        );
        let mut moved = all.clone();
        let r = moved[0].part.results.pop().expect("a result");
        moved[1].part.results.push(r);
        let e = merge(&moved).err().expect("slice").to_string();
        assert!(
            e.contains("parts/0/part.json: shard 0/3 should hold"),
            "{e}"
        );
        assert!(matches!(merge(&[]), Err(ShardError::NoParts)));
    }
    #[test]
    fn parts_made_by_a_build_with_other_criteria_are_refused() {
        let mut old = study(&["a", "b", "c"]);
        old.criteria = vec!["grid_margin_mw".into(), "energy_cost_bn_krw".into()];
        let e = merge(&parts(&old, 2)).err().expect("refused");
        let text = e.to_string();
        assert!(
            text.contains("energy_cost_bn_krw") && text.contains("re-run the shard"),
            "{text}"
        );
        // the same parts with this build's criteria merge
        assert!(merge(&parts(&study(&["a", "b", "c"]), 2)).is_ok());
    }
}
