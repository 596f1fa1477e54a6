//! Export of the network with one snapshot as a MATPOWER case file (`.m`, version 2), which
//! MATPOWER, pandapower (`pandapower.converter.from_mpc`) and PowerModels read, plus a JSON
//! sidecar naming every bus and branch and holding dcplan's own DC flows for comparison.
//!
//! Mapping: MATPOWER bus `i + 1` is network bus `i`; bus type 3 (reference) for bus 0, 2 where
//! a plant is, else 1; `Pd` = the snapshot's load. One generator row per plant with `Pg` = its
//! dispatch and `Pmax` = capacity. One branch row per branch with the parallel reactance of
//! its circuits (`x_pu / circuits`), `r = 0` and no charging (the DC model has neither),
//! `rateA` = normal and `rateB = rateC` = emergency rating of all circuits; transformers have
//! tap ratio 1 and no phase shift. Units: MW, per unit on `baseMVA`, kV.

use super::error::GridError;
use super::network::{BranchKind, Network};
use super::snapshot::Snapshot;
use serde::Serialize;
use std::fmt::Write as _;

/// The MATPOWER case text; `function mpc = <name>`.
pub fn matpower(network: &Network, snapshot: &Snapshot, name: &str) -> String {
    let mut has_plant = vec![false; network.buses.len()];
    for p in &network.plants {
        has_plant[p.bus] = true;
    }
    let mut t = String::new();
    let _ = writeln!(t, "function mpc = {name}");
    let _ = writeln!(
        t,
        "% dcplan export: {} buses, {} branches, {} plants; snapshot `{}` ({} MW national load).",
        network.buses.len(),
        network.branches.len(),
        network.plants.len(),
        snapshot.name(),
        snapshot.rules.total_load_mw
    );
    let _ = writeln!(
        t,
        "% Network data derived from OpenStreetMap (c) OpenStreetMap contributors, ODbL 1.0; see sites/grid/ATTRIBUTION.md."
    );
    let _ = writeln!(
        t,
        "% DC model: r = 0 and b = 0 throughout; ratings are MW at unity power factor."
    );
    let _ = writeln!(t, "mpc.version = '2';");
    let _ = writeln!(t, "mpc.baseMVA = {};", network.info.base_mva);
    let _ = writeln!(
        t,
        "\n%% bus data\n%\tbus_i\ttype\tPd\tQd\tGs\tBs\tarea\tVm\tVa\tbaseKV\tzone\tVmax\tVmin"
    );
    let _ = writeln!(t, "mpc.bus = [");
    for (i, b) in network.buses.iter().enumerate() {
        let kind = if i == 0 {
            3
        } else if has_plant[i] {
            2
        } else {
            1
        };
        let _ = writeln!(
            t,
            "\t{}\t{kind}\t{:.9}\t0\t0\t0\t1\t1\t0\t{}\t1\t1.1\t0.9;",
            i + 1,
            snapshot.load_mw[i],
            b.kv
        );
    }
    let _ = writeln!(t, "];");
    let _ = writeln!(
        t,
        "\n%% generator data\n%\tbus\tPg\tQg\tQmax\tQmin\tVg\tmBase\tstatus\tPmax\tPmin"
    );
    let _ = writeln!(t, "mpc.gen = [");
    for (p, mw) in network.plants.iter().zip(&snapshot.dispatch_mw) {
        let _ = writeln!(
            t,
            "\t{}\t{:.9}\t0\t0\t0\t1\t{}\t1\t{}\t0;",
            p.bus + 1,
            mw,
            network.info.base_mva,
            p.capacity_mw
        );
    }
    let _ = writeln!(t, "];");
    let _ = writeln!(
        t,
        "\n%% branch data\n%\tfbus\ttbus\tr\tx\tb\trateA\trateB\trateC\tratio\tangle\tstatus\tangmin\tangmax"
    );
    let _ = writeln!(t, "mpc.branch = [");
    for br in &network.branches {
        let ratio = match br.kind {
            BranchKind::Line => 0.0,
            BranchKind::Transformer => 1.0,
        };
        let _ = writeln!(
            t,
            "\t{}\t{}\t0\t{:.12e}\t0\t{}\t{}\t{}\t{ratio}\t0\t1\t-360\t360;",
            br.from + 1,
            br.to + 1,
            br.x_pu / br.circuits as f64,
            br.normal_total_mw(),
            br.emergency_total_mw(),
            br.emergency_total_mw()
        );
    }
    let _ = writeln!(t, "];");
    t
}

#[derive(Serialize)]
pub struct Sidecar<'a> {
    pub case: &'a str,
    pub snapshot: &'a str,
    pub base_mva: f64,
    /// MATPOWER bus `i + 1` is `buses[i]`.
    pub buses: Vec<&'a str>,
    /// MATPOWER branch row `k + 1` is `branches[k]`.
    pub branches: Vec<&'a str>,
    pub circuits: Vec<u32>,
    /// dcplan's base-case DC flow on each branch, MW, from `fbus` to `tbus`.
    pub dcplan_flow_mw: Vec<f64>,
    /// Share of a new load met at each bus (the snapshot's participating plants).
    pub participation: Vec<f64>,
    /// Spare capacity of the participating plants, MW (the cap on hosting capacity).
    pub participating_headroom_mw: f64,
    /// Branch rows (0-based) whose loss of one circuit is a credible outage; the others
    /// island part of the network.
    pub credible_outages: Vec<usize>,
    /// Smallest distribution factor of a constraint that counts.
    pub dfax_cutoff: f64,
    /// Rooms at or below this count as already violated, MW.
    pub room_eps_mw: f64,
    pub attribution: &'a str,
}

/// The sidecar JSON for a case written by [`matpower`].
pub fn sidecar(
    network: &Network,
    snapshot: &Snapshot,
    case: &str,
    flows_mw: &[f64],
    credible_outages: &[usize],
) -> Result<String, GridError> {
    let s = Sidecar {
        case,
        snapshot: snapshot.name(),
        base_mva: network.info.base_mva,
        buses: network.buses.iter().map(|b| b.id.as_str()).collect(),
        branches: network.branches.iter().map(|b| b.id.as_str()).collect(),
        circuits: network.branches.iter().map(|b| b.circuits).collect(),
        dcplan_flow_mw: flows_mw.to_vec(),
        participation: snapshot.participation.clone(),
        participating_headroom_mw: snapshot.participating_headroom_mw,
        credible_outages: credible_outages.to_vec(),
        dfax_cutoff: super::screen::DFAX_CUTOFF,
        room_eps_mw: super::hosting::ROOM_EPS_MW,
        attribution: "Network derived from OpenStreetMap data, (c) OpenStreetMap contributors, \
                      ODbL 1.0; plant facts from KPX records via PLANiT-Institute/PyPSA-KR-PLANiT",
    };
    let mut text =
        serde_json::to_string_pretty(&s).map_err(|e| GridError::Internal(e.to_string()))?;
    text.push('\n');
    Ok(text)
}
