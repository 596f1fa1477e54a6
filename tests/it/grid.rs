//! The grid model (issue 9): hand-checkable 3- and 5-bus networks with known answers, the
//! shipped national network against independent dense solves and brute-force outages, hosting
//! capacity against bisection with full re-solves, every class of bad network and snapshot
//! file, the GPU screen against the CPU, site linking, the CLI and the exported case.

use crate::trials;
use dcplan::grid::contingency::Outages;
use dcplan::grid::flow::DcModel;
use dcplan::grid::hosting::{case_rating, Limit};
use dcplan::grid::screen::{DFAX_CUTOFF, NONE};
use dcplan::grid::{load_snapshots, GridError, HostingMap, Network, ScreenBackend, Snapshot};
use dcplan::solver::laplacian::LaplacianFactor;
use libtest_mimic::Trial;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

// ---------------------------------------------------------------------------------------
// helpers

pub fn tests() -> Vec<Trial> {
    trials![
        plain three_bus_flows_sensitivities_and_hosting_capacity_match_the_hand_solution,
        plain five_bus_double_circuit_outage_and_radial_bus_match_the_hand_solution,
        plain small_network_outage_factors_equal_brute_force_outages,
        plain national_flows_match_an_independent_dense_solve,
        plain national_outage_factors_equal_brute_force_on_fifty_outages,
        plain national_hosting_capacity_matches_bisection_with_full_re_solves,
        plain national_hosting_map_is_consistent_and_deterministic,
        plain each_class_of_bad_network_file_is_named_by_file_row_and_field,
        plain each_class_of_bad_snapshot_file_is_named_by_file_line_and_path,
        plain a_bad_network_file_exits_2_through_the_cli,
        gpu gpu_screen_equals_the_cpu_on_the_hand_cases,
        gpu gpu_screen_equals_the_cpu_on_the_national_network,
        plain sites_link_to_buses_by_name_or_distance_and_get_assessment_figures,
        plain every_mainland_site_links_within_reach,
        plain capacity_geojson_csv_and_json_describe_every_bus,
        plain check_prints_statistics_islands_and_balance,
        plain the_exported_case_reproduces_dcplans_flows_in_an_independent_solve,
        plain the_map_png_has_the_fixed_size_and_draws_buses,
        shared the_shipped_network_rebuilds_byte_for_byte_from_the_raw_data,
    ]
}

fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("dcplan-grid-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(dir.join("snapshots")).expect("temp dir");
    dir
}

fn shipped() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("sites/grid")
}

fn dcplan(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_dcplan"))
        .args(args)
        .output()
        .expect("the dcplan binary runs")
}

const NETWORK_JSON: &str = r#"{
  "format": "dcplan-grid/1",
  "base_mva": 100,
  "frequency_hz": 60,
  "description": "test network",
  "built_from": [],
  "build_command": "",
  "rules": [],
  "islands": [],
  "left_out": [],
  "load_share_left_out": 0
}
"#;

pub(crate) struct Files {
    pub(crate) buses: String,
    pub(crate) branches: String,
    pub(crate) plants: String,
    pub(crate) snapshot: String,
}

impl Files {
    /// Writes the network into `dir` (which must hold a `snapshots` folder).
    pub(crate) fn write(&self, dir: &Path) {
        std::fs::write(dir.join("network.json"), NETWORK_JSON).unwrap();
        std::fs::write(dir.join("buses.csv"), &self.buses).unwrap();
        std::fs::write(dir.join("branches.csv"), &self.branches).unwrap();
        std::fs::write(dir.join("plants.csv"), &self.plants).unwrap();
        std::fs::write(dir.join("snapshots/test.json"), &self.snapshot).unwrap();
    }
}

pub(crate) fn snapshot_json(load_mw: f64) -> String {
    format!(
        r#"{{
  "name": "test",
  "description": "one LNG tier",
  "total_load_mw": {load_mw},
  "must_run": [],
  "merit_order": [{{"carriers": ["LNG"], "availability": 1.0}}],
  "off": [],
  "participation": ["LNG"],
  "sources": ["hand-made test case"],
  "assumed": []
}}
"#
    )
}

/// Triangle A-B-C, susceptances 200, 100, 100 MW/rad (x = 0.5, 1, 1 pu on 100 MVA); 30 MW of
/// load at C; one LNG plant of 1,000 MW at A.
fn three_bus() -> Files {
    Files {
        buses: "id,station,kv,lon,lat,province,load_share\n\
                A,1,345,127.0,36.0,Test,0\n\
                B,2,345,127.5,36.0,Test,0\n\
                C,3,345,127.25,36.4,Test,1\n"
            .into(),
        branches: "id,kind,from,to,circuits,length_km,x_pu,normal_mw,emergency_mw,source\n\
                   AB,line,A,B,1,10,0.5,100,110,test\n\
                   BC,line,B,C,1,10,1,50,55,test\n\
                   CA,line,C,A,1,10,1,50,60,test\n"
            .into(),
        plants: "id,name,carrier,capacity_mw,bus,placement\nG1,gas,LNG,1000,A,test\n".into(),
        snapshot: snapshot_json(30.0),
    }
}

/// Ring N0-N1-N2-N3 with a double-circuit N0-N1 (each circuit x 0.2 pu) and single circuits
/// of x 0.1 pu elsewhere, a radial N2-N4 (x 0.1); 40 MW of load at N4, a 500 MW LNG plant at
/// N0; every circuit 100 MW normal, 120 MW emergency.
fn five_bus() -> Files {
    Files {
        buses: "id,station,kv,lon,lat,province,load_share\n\
                N0,0,345,127.0,36.0,Test,0\n\
                N1,1,345,127.5,36.0,Test,0\n\
                N2,2,345,127.5,36.5,Test,0\n\
                N3,3,345,127.0,36.5,Test,0\n\
                N4,4,345,127.8,36.8,Test,1\n"
            .into(),
        branches: "id,kind,from,to,circuits,length_km,x_pu,normal_mw,emergency_mw,source\n\
                   L01,line,N0,N1,2,10,0.2,100,120,test\n\
                   L12,line,N1,N2,1,10,0.1,100,120,test\n\
                   L23,line,N2,N3,1,10,0.1,100,120,test\n\
                   L30,line,N3,N0,1,10,0.1,100,120,test\n\
                   L24,line,N2,N4,1,10,0.1,100,120,test\n"
            .into(),
        plants: "id,name,carrier,capacity_mw,bus,placement\nG0,gas,LNG,500,N0,test\n".into(),
        snapshot: snapshot_json(40.0),
    }
}

fn load(dir: &Path) -> (Network, Vec<Snapshot>) {
    let network = Network::load(dir).expect("network loads");
    let snapshots = load_snapshots(&dir.join("snapshots"), &network).expect("snapshots load");
    (network, snapshots)
}

fn national() -> (Network, Vec<Snapshot>) {
    load(&shipped())
}

fn close(a: f64, b: f64, tol: f64) -> bool {
    (a - b).abs() <= tol
}

/// Independent DC flow: dense Gaussian elimination with partial pivoting on the reduced
/// susceptance matrix (reference bus `r`), then branch flows.
fn dense_flows(
    n: usize,
    edges: &[(usize, usize, f64)],
    injection: &[f64],
    r: usize,
) -> (Vec<f64>, Vec<f64>) {
    let keep: Vec<usize> = (0..n).filter(|&i| i != r).collect();
    let pos: Vec<usize> = {
        let mut p = vec![usize::MAX; n];
        for (k, &i) in keep.iter().enumerate() {
            p[i] = k;
        }
        p
    };
    let m = keep.len();
    let mut a = vec![0.0; m * (m + 1)];
    let w = m + 1;
    for &(i, j, b) in edges {
        for (x, y, s) in [(i, i, b), (j, j, b), (i, j, -b), (j, i, -b)] {
            if x != r && y != r {
                a[pos[x] * w + pos[y]] += s;
            }
        }
    }
    for (k, &i) in keep.iter().enumerate() {
        a[k * w + m] = injection[i];
    }
    for col in 0..m {
        let piv = (col..m)
            .max_by(|&p, &q| a[p * w + col].abs().total_cmp(&a[q * w + col].abs()))
            .unwrap();
        if piv != col {
            for c in 0..w {
                a.swap(col * w + c, piv * w + c);
            }
        }
        let d = a[col * w + col];
        for row in col + 1..m {
            let f = a[row * w + col] / d;
            if f != 0.0 {
                for c in col..w {
                    a[row * w + c] -= f * a[col * w + c];
                }
            }
        }
    }
    let mut x = vec![0.0; m];
    for row in (0..m).rev() {
        let mut s = a[row * w + m];
        for c in row + 1..m {
            s -= a[row * w + c] * x[c];
        }
        x[row] = s / a[row * w + row];
    }
    let mut theta = vec![0.0; n];
    for (k, &i) in keep.iter().enumerate() {
        theta[i] = x[k];
    }
    let flows = edges
        .iter()
        .map(|&(i, j, b)| b * (theta[i] - theta[j]))
        .collect();
    (theta, flows)
}

fn edges(network: &Network) -> Vec<(usize, usize, f64)> {
    network
        .branches
        .iter()
        .map(|b| {
            (
                b.from,
                b.to,
                b.susceptance_mw_per_rad(network.info.base_mva),
            )
        })
        .collect()
}

/// Flows after removing one circuit of branch `k`, by a new factorisation (a full re-solve).
fn flows_without_circuit(network: &Network, k: usize, injection: &[f64]) -> Vec<f64> {
    let mut e = edges(network);
    let b = &network.branches[k];
    let per = network.info.base_mva / b.x_pu;
    e[k].2 -= per;
    let kept: Vec<(usize, usize, f64)> = e.iter().copied().filter(|x| x.2 > 0.0).collect();
    let f = LaplacianFactor::factor(network.buses.len(), &kept, 0).expect("still connected");
    let theta = f.solve(injection);
    e.iter()
        .map(|&(i, j, s)| {
            if s > 0.0 {
                s * (theta[i] - theta[j])
            } else {
                0.0
            }
        })
        .collect()
}

// ---------------------------------------------------------------------------------------
// hand-checkable cases

fn three_bus_flows_sensitivities_and_hosting_capacity_match_the_hand_solution() {
    let dir = temp_dir("three");
    three_bus().write(&dir);
    let (net, snaps) = load(&dir);
    let model = DcModel::new(&net).expect("factors");
    let f = model.flows(&snaps[0].injection_mw);
    // 30 MW from A to C: 0.6 direct on CA (C→A negative), 0.4 through B
    for (got, want) in f.iter().zip([12.0, 12.0, -18.0]) {
        assert!(close(*got, want, 1e-12), "flows {f:?}");
    }
    // 1 MW injected at B (withdrawn at A): 0.8 on AB (B→A), 0.2 round through C
    assert!(close(model.ptdf(0, 1), -0.8, 1e-14));
    assert!(close(model.ptdf(1, 1), 0.2, 1e-14));
    assert!(close(model.ptdf(2, 1), 0.2, 1e-14));
    // losing AB moves all of its flow onto BC and CA (LODF -1 on both, as oriented)
    let outages = Outages::new(&net, &model).unwrap();
    assert_eq!(outages.credible, vec![0, 1, 2]);
    assert!(outages.islanding.is_empty());
    let d_ab = outages.row(0);
    assert!(
        close(d_ab[1], -1.0, 1e-14) && close(d_ab[2], -1.0, 1e-14) && close(d_ab[0], -1.0, 1e-14)
    );

    let map = HostingMap::compute(&net, &snaps, ScreenBackend::Cpu { threads: 2 }).unwrap();
    let s = &map.snapshots[0];
    // bus B: the tightest constraint is CA after AB is lost: 30 + ΔP <= 60
    assert!(close(s.buses[1].hosting_mw, 30.0, 1e-9), "{:?}", s.buses[1]);
    assert!(matches!(
        s.buses[1].limit,
        Limit::Branch { branch: 2, outage: Some(0), rating_mw } if close(rating_mw, 60.0, 1e-12)
    ));
    // bus C: BC after CA is lost: 30 + ΔP <= 55
    assert!(close(s.buses[2].hosting_mw, 25.0, 1e-9), "{:?}", s.buses[2]);
    assert!(matches!(
        s.buses[2].limit,
        Limit::Branch {
            branch: 1,
            outage: Some(2),
            ..
        }
    ));
    // bus A holds the plant: a load there moves no flow, so the plant's spare 970 MW binds
    assert!(close(s.buses[0].hosting_mw, 970.0, 1e-9));
    assert_eq!(s.buses[0].limit, Limit::Headroom);
    assert!(s.violations.is_empty());
}

fn five_bus_double_circuit_outage_and_radial_bus_match_the_hand_solution() {
    let dir = temp_dir("five");
    five_bus().write(&dir);
    let (net, snaps) = load(&dir);
    let model = DcModel::new(&net).unwrap();
    let f = model.flows(&snaps[0].injection_mw);
    for (got, want) in f.iter().zip([20.0, 20.0, -20.0, -20.0, 40.0]) {
        assert!(close(*got, want, 1e-12), "{f:?}");
    }
    let outages = Outages::new(&net, &model).unwrap();
    // the radial N2-N4 islands N4; the double circuit N0-N1 can lose one circuit
    assert_eq!(outages.credible, vec![0, 1, 2, 3]);
    assert_eq!(outages.islanding.len(), 1);
    assert_eq!(outages.islanding[0].branch, 4);
    assert_eq!(outages.islanding[0].cut_off, vec![4]);
    // one circuit of N0-N1 out: 16 MW stay on it, 24 MW go round through N3
    let post = outages.post_outage_flows(&f);
    assert!(
        close(post[0], 16.0, 1e-12) && close(post[2], -24.0, 1e-12),
        "{:?}",
        &post[..5]
    );

    let map = HostingMap::compute(&net, &snaps, ScreenBackend::Cpu { threads: 1 }).unwrap();
    let s = &map.snapshots[0];
    // N1: the remaining circuit of N0-N1 after its twin is lost, 16 + 0.6 ΔP <= 120
    assert!(
        close(s.buses[1].hosting_mw, 520.0 / 3.0, 1e-9),
        "{:?}",
        s.buses[1]
    );
    assert!(matches!(
        s.buses[1].limit,
        Limit::Branch { branch: 0, outage: Some(0), rating_mw } if close(rating_mw, 120.0, 1e-12)
    ));
    // N4 (radial): N2-N4 in the base case, 40 + ΔP <= 100
    assert!(close(s.buses[4].hosting_mw, 60.0, 1e-9), "{:?}", s.buses[4]);
    assert!(matches!(
        s.buses[4].limit,
        Limit::Branch {
            branch: 4,
            outage: None,
            ..
        }
    ));
}

fn small_network_outage_factors_equal_brute_force_outages() {
    let dir = temp_dir("five-lodf");
    five_bus().write(&dir);
    let (net, snaps) = load(&dir);
    let model = DcModel::new(&net).unwrap();
    let outages = Outages::new(&net, &model).unwrap();
    let base = model.flows(&snaps[0].injection_mw);
    let post = outages.post_outage_flows(&base);
    let m = net.branches.len();
    for (o, &k) in outages.credible.iter().enumerate() {
        let brute = flows_without_circuit(&net, k, &snaps[0].injection_mw);
        for l in 0..m {
            // the outaged branch's remaining circuits are compared as one branch
            assert!(
                close(post[o * m + l], brute[l], 1e-10),
                "outage {k}, branch {l}: {} vs {}",
                post[o * m + l],
                brute[l]
            );
        }
    }
}

// ---------------------------------------------------------------------------------------
// the national network

fn national_flows_match_an_independent_dense_solve() {
    let (net, snaps) = national();
    let model = DcModel::new(&net).unwrap();
    for s in &snaps {
        let ours = model.flows(&s.injection_mw);
        let (_, dense) = dense_flows(net.buses.len(), &edges(&net), &s.injection_mw, 0);
        let scale = dense.iter().fold(0.0f64, |a, f| a.max(f.abs()));
        let worst = ours
            .iter()
            .zip(&dense)
            .fold(0.0f64, |a, (x, y)| a.max((x - y).abs()));
        assert!(
            worst <= 1e-9 * scale,
            "{}: max flow difference {worst:e} MW against {scale} MW",
            s.name()
        );
    }
    // PTDF columns of a few buses against dense solves of a unit injection
    let n = net.buses.len();
    for bus in [1, n / 3, n / 2, n - 1] {
        let mut e = vec![0.0; n];
        e[bus] = 1.0;
        e[0] = -1.0;
        let (_, dense) = dense_flows(n, &edges(&net), &e, 0);
        for (l, want) in dense.iter().enumerate() {
            assert!(close(model.ptdf(l, bus), *want, 1e-9), "PTDF[{l}][{bus}]");
        }
    }
}

fn national_outage_factors_equal_brute_force_on_fifty_outages() {
    let (net, snaps) = national();
    let model = DcModel::new(&net).unwrap();
    let outages = Outages::new(&net, &model).unwrap();
    let s = &snaps[snaps.len() - 1];
    let base = model.flows(&s.injection_mw);
    let post = outages.post_outage_flows(&base);
    let m = net.branches.len();
    let scale = base.iter().fold(0.0f64, |a, f| a.max(f.abs()));
    let step = outages.len() / 50;
    let mut checked = 0;
    for o in (0..outages.len()).step_by(step.max(1)).take(50) {
        let k = outages.credible[o];
        let brute = flows_without_circuit(&net, k, &s.injection_mw);
        for l in 0..m {
            assert!(
                (post[o * m + l] - brute[l]).abs() <= 1e-9 * scale,
                "outage of {}: branch {} {} vs {}",
                net.branches[k].id,
                net.branches[l].id,
                post[o * m + l],
                brute[l]
            );
        }
        checked += 1;
    }
    assert_eq!(checked, 50);
    // every islanding outage really disconnects the buses it names, and only those
    for isl in &outages.islanding {
        let labels = dcplan::grid::network::components(
            net.buses.len(),
            (0..m)
                .filter(|&l| l != isl.branch)
                .map(|l| (net.branches[l].from, net.branches[l].to)),
        );
        let cut: Vec<usize> = (0..net.buses.len())
            .filter(|&i| labels[i] != labels[0])
            .collect();
        assert_eq!(
            cut, isl.cut_off,
            "outage of {}",
            net.branches[isl.branch].id
        );
    }
}

/// Brute force for one bus: for the base case and each credible outage, a new factorisation
/// of that network, constraints chosen as the screen chooses them (distribution factor from
/// two full solves at least the cutoff, room before the load), and bisection on the load
/// with a full re-solve at every trial. The hosting capacity is the smallest over the cases
/// (each case's feasible loads form an interval from 0, so this equals bisecting all at once).
fn bisect_hosting(
    net: &Network,
    snap: &Snapshot,
    bus: usize,
    cases: &dcplan::grid::screen::Cases,
) -> f64 {
    let n = net.buses.len();
    let mut direction: Vec<f64> = snap.participation.clone();
    direction[bus] -= 1.0;
    let at = |x: f64| -> Vec<f64> {
        snap.injection_mw
            .iter()
            .zip(&direction)
            .map(|(p, d)| p + x * d)
            .collect()
    };
    let mut best = snap.participating_headroom_mw;
    for c in 0..cases.cases {
        let mut e = edges(net);
        if cases.outaged[c] != NONE {
            let k = cases.outaged[c] as usize;
            e[k].2 -= net.info.base_mva / net.branches[k].x_pu;
        }
        let kept: Vec<(usize, usize, f64)> = e.iter().copied().filter(|x| x.2 > 0.0).collect();
        let factor = LaplacianFactor::factor(n, &kept, 0).expect("connected");
        let solve = |x: f64| -> Vec<f64> {
            let theta = factor.solve(&at(x));
            e.iter()
                .map(|&(i, j, b)| {
                    if b > 0.0 {
                        b * (theta[i] - theta[j])
                    } else {
                        0.0
                    }
                })
                .collect()
        };
        let f0 = solve(0.0);
        let f1 = solve(1.0);
        let counted: Vec<(usize, f64, bool, bool)> = (0..net.branches.len())
            .filter_map(|l| {
                let rating = case_rating(net, cases, c, l)?;
                ((f1[l] - f0[l]).abs() >= DFAX_CUTOFF)
                    .then(|| (l, rating, rating - f0[l] > 1e-6, rating + f0[l] > 1e-6))
            })
            .collect();
        let feasible = |x: f64| -> bool {
            let f = solve(x);
            counted
                .iter()
                .all(|&(l, r, up, down)| (!up || f[l] <= r) && (!down || f[l] >= -r))
        };
        if feasible(best) {
            continue;
        }
        let (mut lo, mut hi) = (0.0, best);
        while hi - lo > 1e-4 {
            let mid = 0.5 * (lo + hi);
            if feasible(mid) {
                lo = mid;
            } else {
                hi = mid;
            }
        }
        best = 0.5 * (lo + hi);
    }
    best
}

fn national_hosting_capacity_matches_bisection_with_full_re_solves() {
    let (net, snaps) = national();
    let map = HostingMap::compute(&net, &snaps, ScreenBackend::cpu()).unwrap();
    for (si, s) in map.snapshots.iter().enumerate() {
        // a bus limited in the base case, one after an outage, and a 345 kV bus
        let base_bound = s
            .buses
            .iter()
            .position(|b| matches!(b.limit, Limit::Branch { outage: None, .. }));
        let outage_bound = s.buses.iter().position(|b| {
            matches!(
                b.limit,
                Limit::Branch {
                    outage: Some(_),
                    ..
                }
            )
        });
        let high = net.buses.iter().position(|b| b.kv == 345.0);
        let mut picked: Vec<usize> = [base_bound, outage_bound, high]
            .into_iter()
            .flatten()
            .collect();
        picked.dedup();
        assert!(
            picked.len() >= 2,
            "{}: too few kinds of bus",
            s.snapshot.name()
        );
        for bus in picked {
            let brute = bisect_hosting(&net, &snaps[si], bus, &map.cases);
            let fast = s.buses[bus].hosting_mw;
            assert!(
                (brute - fast).abs() <= 0.01,
                "{} at {}: screen {fast} MW, bisection {brute} MW",
                s.snapshot.name(),
                net.buses[bus].id
            );
        }
    }
}

fn national_hosting_map_is_consistent_and_deterministic() {
    let (net, snaps) = national();
    let a = HostingMap::compute(&net, &snaps, ScreenBackend::Cpu { threads: 1 }).unwrap();
    let b = HostingMap::compute(&net, &snaps, ScreenBackend::Cpu { threads: 2 }).unwrap();
    for (sa, sb) in a.snapshots.iter().zip(&b.snapshots) {
        // the same f64 arithmetic in the same order on every thread split: equal results
        assert_eq!(sa.buses, sb.buses, "{}", sa.snapshot.name());
        // the binding constraint really binds at the reported load, within its rating
        for (bus, h) in sa.buses.iter().enumerate() {
            assert!(h.hosting_mw >= 0.0 && h.hosting_mw <= sa.snapshot.participating_headroom_mw);
            if let Limit::Branch {
                branch,
                outage,
                rating_mw,
            } = h.limit
            {
                let case = match outage {
                    None => 0,
                    Some(k) => 1 + a.outages.credible.iter().position(|&x| x == k).unwrap(),
                };
                let m = net.branches.len();
                let s = &sa.screen.s[bus * m..(bus + 1) * m];
                let sk = match a.cases.outaged[case] {
                    NONE => 0.0,
                    k => s[k as usize],
                };
                let sigma = s[branch] + a.cases.d[case * m + branch] * sk;
                let f = sa.case_flow_mw[case * m + branch] + h.hosting_mw * sigma;
                assert!(
                    close(f.abs(), rating_mw, 1e-6 * rating_mw),
                    "bus {bus}: flow {f} at rating {rating_mw}"
                );
                assert!(sigma.abs() >= DFAX_CUTOFF);
            }
        }
    }
}

// ---------------------------------------------------------------------------------------
// bad files

fn problems_of(files: &Files) -> Vec<String> {
    let dir = temp_dir("bad");
    files.write(&dir);
    let err = match Network::load(&dir) {
        Err(e) => e,
        Ok(net) => match load_snapshots(&dir.join("snapshots"), &net) {
            Err(e) => e,
            Ok(_) => panic!("expected an error"),
        },
    };
    assert!(matches!(err, GridError::Invalid(_)), "{err}");
    assert_eq!(err.exit_code(), 2);
    err.problems().iter().map(|p| p.to_string()).collect()
}

fn assert_problem(files: Files, needle: &str) {
    let problems = problems_of(&files);
    assert!(
        problems.iter().any(|p| p.contains(needle)),
        "expected a problem containing {needle:?}, got {problems:#?}"
    );
}

fn each_class_of_bad_network_file_is_named_by_file_row_and_field() {
    let edit = |f: fn(&mut Files)| {
        let mut files = three_bus();
        f(&mut files);
        files
    };
    assert_problem(
        edit(|f| {
            f.branches = f
                .branches
                .replace("AB,line,A,B,1,10,0.5", "AB,line,A,B,1,10,-0.5")
        }),
        "branches.csv:2: x_pu: expected a positive reactance, found -0.5",
    );
    assert_problem(
        edit(|f| f.branches = f.branches.replace("BC,line,B,C", "BC,line,B,Z")),
        "branches.csv:3: to: unknown bus `Z` (not in buses.csv)",
    );
    assert_problem(
        edit(|f| f.plants = f.plants.replace(",A,test", ",Q,test")),
        "plants.csv:2: bus: unknown bus `Q` (not in buses.csv)",
    );
    assert_problem(
        edit(|f| f.buses = f.buses.replace("B,2,345", "A,2,345")),
        "buses.csv:3: id: duplicate bus `A` (first on line 2)",
    );
    assert_problem(
        edit(|f| f.branches = f.branches.replace("100,110", "100,90")),
        "branches.csv:2: emergency_mw: expected at least the normal rating (100 MW), found 90",
    );
    assert_problem(
        edit(|f| f.branches = f.branches.replace("CA,line,C,A", "CA,line,C,C")),
        "branches.csv:4: to: joins bus `C` to itself",
    );
    assert_problem(
        edit(|f| f.branches = f.branches.replace("AB,line,A,B,1", "AB,line,A,B,0")),
        "branches.csv:2: circuits: expected a whole number of circuits from 1 to 16, found `0`",
    );
    assert_problem(
        edit(|f| {
            f.buses = f
                .buses
                .replace("Test,1\n", "Test,0.7\n")
                .replace("B,2,345,127.5,36.0,Test,0", "B,2,345,127.5,36.0,Test,0.5")
        }),
        "buses.csv: load_share: expected shares summing to a value in (0, 1]",
    );
    assert_problem(
        edit(|f| f.buses = f.buses.replace("127.25,36.4", "127.25,NaN")),
        "buses.csv:4: lat: expected a finite number, found `NaN`",
    );
    assert_problem(
        edit(|f| f.buses = f.buses.replace("127.25,36.4", "127.25,45")),
        "buses.csv:4: lat: expected a latitude in Korea >= 33 and <= 39, found 45",
    );
    assert_problem(
        edit(|f| f.branches = f.branches.replace("x_pu,", "reactance,")),
        "branches.csv:1: x_pu: missing column",
    );
    assert_problem(
        edit(|f| {
            f.buses.push_str("D,4,154,127.3,36.2,Test,0\n");
        }),
        "buses.csv: id: 1 bus(es) not connected to `A` through branches.csv: D",
    );
    assert_problem(
        edit(|f| {
            f.branches = f
                .branches
                .replace("AB,line,A,B,1,10", "AB,transformer,A,B,1,")
        }),
        "branches.csv:2: kind: a transformer joins two voltages, but both buses are 345 kV",
    );
}

fn each_class_of_bad_snapshot_file_is_named_by_file_line_and_path() {
    let with = |snapshot: String| {
        let mut f = three_bus();
        f.snapshot = snapshot;
        f
    };
    // unbalanced: more load than the merit order can dispatch
    assert_problem(
        with(snapshot_json(5000.0)),
        "test.json:6: merit_order: unbalanced: the load 5000.0 MW exceeds everything the merit order can dispatch by 4000.0 MW",
    );
    let base = snapshot_json(30.0);
    assert_problem(
        with(base.replace("\"availability\": 1.0", "\"availability\": 1.5")),
        "test.json:6: merit_order[0].availability: expected a fraction in (0, 1], found 1.5",
    );
    assert_problem(
        with(base.replace(
            "[\"LNG\"], \"availability\"",
            "[\"LNG\", \"coal\"], \"availability\"",
        )),
        "merit_order[0].carriers[1]: unknown carrier `coal` (no plant in plants.csv has it)",
    );
    assert_problem(
        with(base.replace(
            "\"merit_order\": [{\"carriers\": [\"LNG\"], \"availability\": 1.0}]",
            "\"merit_order\": []",
        )),
        "merit_order: carrier `LNG` of plants.csv is in none of must_run, merit_order, off",
    );
    assert_problem(
        with(base.replace("\"name\": \"test\"", "\"name\": \"other\"")),
        "test.json:2: name: expected the file name without .json (`test`), found `other`",
    );
    assert_problem(
        with(base.replace(
            "\"must_run\": []",
            "\"must_run\": [{\"carrier\": \"LNG\", \"share_of_capacity\": 1.0}]",
        )),
        "carrier `LNG` is already listed at must_run[0].carrier",
    );
    assert_problem(
        with(base.replace("\"total_load_mw\": 30", "\"total_load_mw\": -30")),
        "test.json:4: total_load_mw: expected a load > 0 and <= 1e6 MW, found -30",
    );
    assert_problem(
        with(base.replace(
            "\"sources\": [\"hand-made test case\"]",
            "\"sources\": [], \"extra\": 1",
        )),
        "json: unknown field `extra`",
    );
}

fn a_bad_network_file_exits_2_through_the_cli() {
    let dir = temp_dir("cli-bad");
    let mut f = three_bus();
    f.branches = f
        .branches
        .replace("AB,line,A,B,1,10,0.5", "AB,line,A,B,1,10,-0.5");
    f.write(&dir);
    let o = dcplan(&["grid", "check", "--network", dir.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("x_pu: expected a positive reactance, found -0.5"),
        "{err}"
    );
    let o = dcplan(&["grid", "capacity", "--network", dir.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
}

// ---------------------------------------------------------------------------------------
// GPU against CPU

fn gpu_context() -> dcplan::gpu::GpuContext {
    dcplan::gpu::GpuContext::new(None)
        .expect("a GPU adapter (the harness runs this test only with one)")
}

fn gpu_matches_cpu(net: &Network, snaps: &[Snapshot], ctx: &dcplan::gpu::GpuContext) {
    let cpu = HostingMap::compute(net, snaps, ScreenBackend::cpu()).unwrap();
    let gpu = HostingMap::compute(net, snaps, ScreenBackend::Gpu(ctx)).unwrap();
    let scale = cpu.rating_scale_mw();
    for (c, g) in cpu.snapshots.iter().zip(&gpu.snapshots) {
        let raw = g
            .gpu_f32_mw
            .as_ref()
            .expect("the GPU run keeps its f32 values");
        let mut worst = 0.0f64;
        let mut worst_raw = 0.0f64;
        for (bus, (hc, hg)) in c.buses.iter().zip(&g.buses).enumerate() {
            worst = worst.max((hc.hosting_mw - hg.hosting_mw).abs());
            if !g.gpu_rescreened.contains(&bus) {
                worst_raw = worst_raw.max((hc.hosting_mw - raw[bus] as f64).abs());
            }
        }
        eprintln!(
            "{} on {}: max |GPU - CPU| {worst:.3e} MW, f32 before the f64 re-evaluation {worst_raw:.3e} MW (rating scale {scale} MW); {} bus(es) re-screened on the CPU",
            c.snapshot.name(),
            ctx.adapter.name,
            gpu.cpu_rescreened
        );
        assert!(worst <= 1e-6 * scale, "{}: {worst} MW", c.snapshot.name());
        // where the f64 check accepted the GPU's pick, the f32 value itself is close too
        assert!(
            worst_raw <= 1e-4 * scale,
            "{}: f32 {worst_raw} MW",
            c.snapshot.name()
        );
        assert!(
            g.gpu_rescreened.len() * 20 <= c.buses.len(),
            "most buses need no CPU pass"
        );
    }
}

fn gpu_screen_equals_the_cpu_on_the_hand_cases() {
    let ctx = gpu_context();
    for (name, files) in [("three-gpu", three_bus()), ("five-gpu", five_bus())] {
        let dir = temp_dir(name);
        files.write(&dir);
        let (net, snaps) = load(&dir);
        gpu_matches_cpu(&net, &snaps, &ctx);
    }
}

fn gpu_screen_equals_the_cpu_on_the_national_network() {
    let ctx = gpu_context();
    let (net, snaps) = national();
    // the heavier snapshot only: lavapipe takes some seconds per snapshot
    let peak = snaps
        .iter()
        .max_by(|a, b| a.rules.total_load_mw.total_cmp(&b.rules.total_load_mw))
        .unwrap()
        .clone();
    gpu_matches_cpu(&net, &[peak], &ctx);
}

// ---------------------------------------------------------------------------------------
// sites

fn sites_link_to_buses_by_name_or_distance_and_get_assessment_figures() {
    let (net, snaps) = national();
    let map = HostingMap::compute(&net, &snaps, ScreenBackend::cpu()).unwrap();
    let sites = Path::new(env!("CARGO_MANIFEST_DIR")).join("sites");
    let mut pohang = dcplan::site::load_site(&sites.join("pohang.json"))
        .expect("site")
        .into_inner();
    let h = dcplan::grid::site_hosting(&map, &pohang.power, pohang.lat, pohang.lon, 24.66).unwrap();
    let bus = net.bus_index(&h.bus).unwrap();
    assert_eq!(net.buses[bus].kv, 154.0);
    assert!(h.distance_km <= dcplan::grid::site::LINK_REACH_KM);
    let worse = map.worse_snapshot(bus);
    assert_eq!(h.worse_snapshot, map.snapshots[worse].snapshot.name());
    assert!(close(
        h.hosting_mw,
        map.snapshots[worse].buses[bus].hosting_mw,
        1e-12
    ));
    assert!(close(
        h.margin_after_connection_mw,
        h.hosting_mw - 24.66,
        1e-9
    ));
    assert_eq!(h.snapshots.len(), snaps.len());
    if let Some(o) = &h.overload {
        assert!(close(
            o.increase_pct_points,
            o.loading_after_pct - o.loading_before_pct,
            1e-9
        ));
    }
    assert!(!h.not_computed.is_empty());
    // a named bus wins over distance
    pohang.power.grid_bus = Some(net.buses[0].id.clone());
    let named =
        dcplan::grid::site_hosting(&map, &pohang.power, pohang.lat, pohang.lon, 1.0).unwrap();
    assert_eq!(named.bus, net.buses[0].id);
    pohang.power.grid_bus = Some("S0-999".into());
    let e =
        dcplan::grid::site_hosting(&map, &pohang.power, pohang.lat, pohang.lon, 1.0).unwrap_err();
    assert!(
        e.to_string()
            .contains("power.grid_bus: `S0-999` is not a bus"),
        "{e}"
    );
    assert_eq!(e.exit_code(), 2);
    // Jeju is an island outside the modelled network: no bus within reach, a clear error
    let jeju = dcplan::site::load_site(&sites.join("jeju.json")).expect("site");
    let e = dcplan::grid::site_hosting(&map, &jeju.power, jeju.lat, jeju.lon, 1.0).unwrap_err();
    assert!(e.to_string().contains("kV bus within 30 km"), "{e}");
}

fn every_mainland_site_links_within_reach() {
    let (net, snaps) = national();
    let map = HostingMap::compute(&net, &snaps, ScreenBackend::cpu()).unwrap();
    let sites = Path::new(env!("CARGO_MANIFEST_DIR")).join("sites");
    let (files, _) = dcplan::site::expand_paths(&[sites]);
    for (file, kind) in files {
        if kind != dcplan::site::FileKind::Site {
            continue;
        }
        let s = dcplan::site::load_site(&file).unwrap();
        let linked = dcplan::grid::site::link_bus(&net, &s.power, s.lat, s.lon);
        if s.id == "jeju" {
            assert!(linked.is_err());
        } else {
            let (bus, _, d) = linked.unwrap_or_else(|e| panic!("{}: {e}", s.id));
            let h = dcplan::grid::site_hosting(&map, &s.power, s.lat, s.lon, 25.0).unwrap();
            assert_eq!(h.bus, net.buses[bus].id);
            eprintln!(
                "{}: {} at {d:.1} km; {:.1} MW ({}), binding {} after {}",
                s.id,
                h.bus,
                h.hosting_mw,
                h.worse_snapshot,
                h.binding_branch.as_deref().unwrap_or("headroom"),
                h.binding_outage.as_deref().unwrap_or("base case")
            );
        }
    }
}

// ---------------------------------------------------------------------------------------
// CLI and export

fn capacity_geojson_csv_and_json_describe_every_bus() {
    let (net, _) = national();
    let o = dcplan(&[
        "--backend",
        "cpu",
        "grid",
        "capacity",
        "--format",
        "geojson",
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).expect("GeoJSON");
    let features = v["features"].as_array().unwrap();
    assert_eq!(features.len(), net.buses.len());
    let p = &features[0]["properties"];
    for key in [
        "bus",
        "kv",
        "hosting_mw",
        "worse_snapshot",
        "summer_peak_mw",
        "light_load_mw",
    ] {
        assert!(p.get(key).is_some(), "missing {key} in {p}");
    }
    assert_eq!(features[0]["geometry"]["type"], "Point");

    let o = dcplan(&[
        "--backend",
        "cpu",
        "grid",
        "capacity",
        "--format",
        "csv",
        "--snapshot",
        "summer_peak",
    ]);
    assert!(o.status.success());
    let text = String::from_utf8_lossy(&o.stdout);
    assert_eq!(text.lines().count(), net.buses.len() + 1);
    assert!(text.starts_with("bus,kv,province,lon,lat,summer_peak_mw,"));

    let json1 = dcplan(&["--backend", "cpu", "grid", "capacity", "--format", "json"]);
    let json2 = dcplan(&["--backend", "cpu", "grid", "capacity", "--format", "json"]);
    assert!(json1.status.success());
    assert_eq!(json1.stdout, json2.stdout, "same inputs, same bytes");

    let o = dcplan(&["grid", "capacity", "--snapshot", "winter"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("no snapshot `winter`"));
}

fn check_prints_statistics_islands_and_balance() {
    let o = dcplan(&["grid", "check"]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let text = String::from_utf8_lossy(&o.stdout);
    assert!(text.contains("islands left out:"), "{text}");
    assert!(text.contains("Jeju"), "{text}");
    assert!(text.contains("islanding (reported, not screened)"));
    for name in ["summer_peak", "light_load"] {
        assert!(text.contains(&format!("snapshot {name}:")), "{text}");
    }
    assert!(text.contains("renewable share"));
}

/// Reads the `mpc.<name> = [ ... ];` matrix of a MATPOWER case.
fn mpc_matrix(text: &str, name: &str) -> Vec<Vec<f64>> {
    let start = text
        .find(&format!("mpc.{name} = ["))
        .expect("matrix present");
    let body = &text[start..];
    let end = body.find("];").unwrap();
    body[..end]
        .lines()
        .skip(1)
        .filter(|l| !l.trim().is_empty())
        .map(|l| {
            l.trim()
                .trim_end_matches(';')
                .split_whitespace()
                .map(|x| x.parse::<f64>().expect("number"))
                .collect()
        })
        .collect()
}

fn the_exported_case_reproduces_dcplans_flows_in_an_independent_solve() {
    let out = temp_dir("export");
    let o = dcplan(&["grid", "export", "--out", out.to_str().unwrap()]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    for snapshot in ["summer_peak", "light_load"] {
        let text = std::fs::read_to_string(out.join(format!("dcplan_{snapshot}.m"))).unwrap();
        let side: serde_json::Value = serde_json::from_str(
            &std::fs::read_to_string(out.join(format!("dcplan_{snapshot}.json"))).unwrap(),
        )
        .unwrap();
        let bus = mpc_matrix(&text, "bus");
        let gen = mpc_matrix(&text, "gen");
        let branch = mpc_matrix(&text, "branch");
        let n = bus.len();
        let mut inj: Vec<f64> = bus.iter().map(|r| -r[2]).collect();
        for g in &gen {
            inj[g[0] as usize - 1] += g[1];
        }
        assert!(inj.iter().sum::<f64>().abs() < 1e-6, "balanced case");
        let base: f64 = 100.0;
        let e: Vec<(usize, usize, f64)> = branch
            .iter()
            .map(|r| (r[0] as usize - 1, r[1] as usize - 1, base / r[3]))
            .collect();
        let reference = bus.iter().position(|r| r[1] == 3.0).unwrap();
        let (_, flows) = dense_flows(n, &e, &inj, reference);
        let ours: Vec<f64> = side["dcplan_flow_mw"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_f64().unwrap())
            .collect();
        let scale = flows.iter().fold(0.0f64, |a, f| a.max(f.abs()));
        let worst = flows
            .iter()
            .zip(&ours)
            .fold(0.0f64, |a, (x, y)| a.max((x - y).abs()));
        assert!(worst <= 1e-9 * scale, "{snapshot}: {worst:e} of {scale}");
    }
}

fn the_map_png_has_the_fixed_size_and_draws_buses() {
    let out = temp_dir("map");
    let png = out.join("map.png");
    let o = dcplan(&[
        "--backend",
        "cpu",
        "grid",
        "capacity",
        "--format",
        "csv",
        "--out",
        out.join("cap.csv").to_str().unwrap(),
        "--map",
        png.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let img = image::open(&png).expect("a PNG").to_rgb8();
    assert_eq!(
        (img.width(), img.height()),
        (
            dcplan::report::map::WIDTH_PX,
            dcplan::report::map::HEIGHT_PX
        )
    );
    let (net, _) = national();
    let p = dcplan::report::map::Projection::new();
    // at least most bus centres carry a hosting-capacity colour (others may be covered by a
    // neighbour or a site marker)
    let coloured = net
        .buses
        .iter()
        .filter(|b| {
            let (x, y) = p.to_px(b.lon, b.lat);
            let px = img.get_pixel(x as u32, y as u32);
            let c = |t: f64| colorous::VIRIDIS.eval_continuous(t);
            (0..=100).any(|k| {
                let v = c(k as f64 / 100.0);
                (px[0] as i32 - v.r as i32).abs() <= 12
                    && (px[1] as i32 - v.g as i32).abs() <= 12
                    && (px[2] as i32 - v.b as i32).abs() <= 12
            })
        })
        .count();
    assert!(
        coloured * 10 >= net.buses.len() * 8,
        "{coloured} of {}",
        net.buses.len()
    );
}

// ---------------------------------------------------------------------------------------
// the build

fn the_shipped_network_rebuilds_byte_for_byte_from_the_raw_data(shared: &Path) {
    let out = temp_dir("rebuild");
    std::fs::copy(
        shipped().join("line_types.json"),
        out.join("line_types.json"),
    )
    .unwrap();
    let raw = shared.join("data/grid");
    let provinces = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("sites/geo/provinces-kostat-2012-simple.geojson");
    let o = dcplan(&[
        "grid",
        "build",
        "--raw",
        raw.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
        "--provinces",
        provinces.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    for f in ["buses.csv", "branches.csv", "plants.csv", "network.json"] {
        let a = std::fs::read(shipped().join(f)).unwrap();
        let b = std::fs::read(out.join(f)).unwrap();
        assert!(a == b, "{f} differs from a fresh build");
    }
}
