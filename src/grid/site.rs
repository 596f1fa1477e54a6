//! A site's place in the grid: which bus it connects to, how much new load that bus can take
//! in each snapshot, what binds, and the figures of Korea's grid-impact assessment for new
//! loads of 10 MW and more that this model can compute.
//!
//! Linking: `power.grid_bus` names the bus; otherwise the nearest bus of the connection
//! voltage class within [`LINK_REACH_KM`] (loads below 154 kV connect through a distribution
//! substation, which is fed at 154 kV, so they link to a 154 kV bus); else an error.
//!
//! Assessment figures computed (for the site's load in each snapshot, the worse reported):
//! - margin after connection: hosting capacity − load, MW;
//! - overload increase: of the branches the load moves by at least the distribution-factor
//!   cutoff (`grid::screen::DFAX_CUTOFF`), in the base case and after every credible single
//!   outage, the one most loaded once the load is connected, with its loading before and after
//!   (% of its rating in that case) and the increase in percentage points;
//! - the province's self-sufficiency: the generation dispatched in the province of the site's
//!   bus over the load drawn there, summed over the snapshots (a proxy for the annual ratio,
//!   which would need every plant's annual output).
//!
//! The items it cannot compute are listed in [`NOT_COMPUTED`].
//!
//! Units: MW, km, percent of rating.

use super::error::GridError;
use super::geo::distance_km;
use super::hosting::{case_rating, HostingMap, Limit, SnapshotHosting};
use super::network::Network;
use crate::site::Power;
use serde::Serialize;

/// Farthest a site may be from the bus found for it.
pub const LINK_REACH_KM: f64 = 30.0;

/// Grid-impact assessment items this DC model cannot compute, with the reason.
pub const NOT_COMPUTED: [&str; 6] = [
    "voltage adequacy (pass/fail): the DC load flow has no voltage magnitudes or reactive power",
    "difficulty of securing margin (20 points): needs KEPCO's reinforcement plans and costs",
    "self-generation plan (10) and efficiency plan (5): facts of the applicant's design, not of the grid",
    "site-provision bonus and voltage-application penalty: administrative facts",
    "non-technical items (business stability, local fiscal contribution, value added, direct jobs)",
    "policy fit and demand dispersion: need data outside the network model (dcplan::plan::impact scores dispersion from the site's province)",
];

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "how", rename_all = "snake_case")]
pub enum Link {
    /// `power.grid_bus` in the site file.
    Named,
    /// The nearest bus of the connection voltage.
    Nearest,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct OverloadIncrease {
    pub branch: String,
    /// `None`: the base case.
    pub outage: Option<String>,
    pub loading_before_pct: f64,
    pub loading_after_pct: f64,
    pub increase_pct_points: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SnapshotSiteHosting {
    pub snapshot: String,
    pub hosting_mw: f64,
    /// `headroom` (participating plants' spare capacity) or `branch`.
    pub limited_by: String,
    pub binding_branch: Option<String>,
    /// `None` with a binding branch: the base case binds.
    pub binding_outage: Option<String>,
    pub margin_after_connection_mw: f64,
    pub overload: Option<OverloadIncrease>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SiteHosting {
    pub bus: String,
    pub bus_kv: f64,
    pub link: Link,
    pub distance_km: f64,
    pub load_mw: f64,
    pub snapshots: Vec<SnapshotSiteHosting>,
    /// The snapshot with the smaller hosting capacity; its figures are repeated below.
    pub worse_snapshot: String,
    pub hosting_mw: f64,
    pub binding_branch: Option<String>,
    pub binding_outage: Option<String>,
    pub margin_after_connection_mw: f64,
    pub overload: Option<OverloadIncrease>,
    /// Province of the bus (KOSTAT English name) and its balance over the snapshots.
    pub province: ProvinceBalance,
    pub not_computed: Vec<String>,
}

/// Generation and load of one province, summed over the snapshots, MW.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ProvinceBalance {
    pub province: String,
    pub generation_mw: f64,
    pub load_mw: f64,
    /// generation / load (0 when the province draws no load in the model).
    pub self_sufficiency: f64,
}

/// The balance of `province` over every snapshot of the map.
pub fn province_balance(map: &HostingMap, province: &str) -> ProvinceBalance {
    let net = &map.network;
    let in_province = |bus: usize| net.buses[bus].province == province;
    let (mut generation_mw, mut load_mw) = (0.0, 0.0);
    for s in &map.snapshots {
        let snap = &s.snapshot;
        generation_mw += net
            .plants
            .iter()
            .zip(&snap.dispatch_mw)
            .filter(|(p, _)| in_province(p.bus))
            .map(|(_, mw)| mw)
            .sum::<f64>();
        load_mw += (0..net.buses.len())
            .filter(|&b| in_province(b))
            .map(|b| snap.load_mw[b])
            .sum::<f64>();
    }
    ProvinceBalance {
        province: province.to_string(),
        generation_mw,
        load_mw,
        self_sufficiency: if load_mw > 0.0 {
            generation_mw / load_mw
        } else {
            0.0
        },
    }
}

/// Voltage class a site connects at: 765 or 345 kV for transmission connections at those
/// levels, otherwise 154 kV.
pub fn connection_class_kv(connection_voltage_kv: f64) -> f64 {
    if connection_voltage_kv >= 600.0 {
        765.0
    } else if connection_voltage_kv >= 250.0 {
        345.0
    } else {
        154.0
    }
}

/// The bus a site connects to and its distance, km.
pub fn link_bus(
    network: &Network,
    power: &Power,
    lat: f64,
    lon: f64,
) -> Result<(usize, Link, f64), GridError> {
    if let Some(name) = &power.grid_bus {
        let i = network.bus_index(name).ok_or_else(|| {
            GridError::Site(format!(
                "power.grid_bus: `{name}` is not a bus of the network in {} (ids look like S102-154)",
                network.dir.display()
            ))
        })?;
        let b = &network.buses[i];
        return Ok((i, Link::Named, distance_km(lon, lat, b.lon, b.lat)));
    }
    let kv = connection_class_kv(power.connection_voltage_kv);
    let nearest = network
        .buses
        .iter()
        .enumerate()
        .filter(|(_, b)| (b.kv - kv).abs() < 1e-9)
        .map(|(i, b)| (i, distance_km(lon, lat, b.lon, b.lat)))
        .min_by(|a, b| a.1.total_cmp(&b.1).then(a.0.cmp(&b.0)));
    match nearest {
        Some((i, d)) if d <= LINK_REACH_KM => Ok((i, Link::Nearest, d)),
        Some((i, d)) => Err(GridError::Site(format!(
            "no {kv} kV bus within {LINK_REACH_KM} km of ({lat}, {lon}): the nearest, {}, is {d:.1} km \
             away; name one in power.grid_bus if the site is meant to connect there",
            network.buses[i].id
        ))),
        None => Err(GridError::Site(format!("the network has no {kv} kV bus"))),
    }
}

/// The most loaded of the branches `load_mw` at `bus` moves by at least the cutoff, over all
/// cases, once the load is connected.
pub fn overload_increase(
    map: &HostingMap,
    snap: &SnapshotHosting,
    bus: usize,
    load_mw: f64,
) -> Option<OverloadIncrease> {
    let net = &map.network;
    let cases = &map.cases;
    let m = cases.branches;
    let s = &snap.screen.s[bus * m..(bus + 1) * m];
    let mut best: Option<(f64, f64, usize, usize)> = None;
    for c in 0..cases.cases {
        let sk = match cases.outaged[c] {
            super::screen::NONE => 0.0,
            k => s[k as usize],
        };
        for (l, &s_l) in s.iter().enumerate() {
            let Some(rating) = case_rating(net, cases, c, l) else {
                continue;
            };
            let sigma = s_l + cases.d[c * m + l] * sk;
            if sigma.abs() < super::screen::DFAX_CUTOFF {
                continue;
            }
            let f = snap.case_flow_mw[c * m + l];
            let after = (f + load_mw * sigma).abs() / rating;
            if best.is_none_or(|b| after > b.0) {
                best = Some((after, f.abs() / rating, c, l));
            }
        }
    }
    best.map(|(after, before, c, l)| OverloadIncrease {
        branch: net.branches[l].id.clone(),
        outage: (c > 0).then(|| net.branches[cases.outaged[c] as usize].id.clone()),
        loading_before_pct: 100.0 * before,
        loading_after_pct: 100.0 * after,
        increase_pct_points: 100.0 * (after - before),
    })
}

/// Hosting capacity and assessment figures for a site of `load_mw` at (`lat`, `lon`).
pub fn site_hosting(
    map: &HostingMap,
    power: &Power,
    lat: f64,
    lon: f64,
    load_mw: f64,
) -> Result<SiteHosting, GridError> {
    let net = &map.network;
    let (bus, link, distance_km) = link_bus(net, power, lat, lon)?;
    if map.snapshots.is_empty() {
        return Err(GridError::Internal(
            "the hosting map has no snapshot".into(),
        ));
    }
    let snapshots: Vec<SnapshotSiteHosting> = map
        .snapshots
        .iter()
        .map(|s| {
            let h = s.buses[bus];
            let (limited_by, binding_branch, binding_outage) = match h.limit {
                Limit::Headroom => ("headroom".to_string(), None, None),
                Limit::Branch { branch, outage, .. } => (
                    "branch".to_string(),
                    Some(net.branches[branch].id.clone()),
                    outage.map(|o| net.branches[o].id.clone()),
                ),
            };
            SnapshotSiteHosting {
                snapshot: s.snapshot.name().to_string(),
                hosting_mw: h.hosting_mw,
                limited_by,
                binding_branch,
                binding_outage,
                margin_after_connection_mw: h.hosting_mw - load_mw,
                overload: overload_increase(map, s, bus, load_mw),
            }
        })
        .collect();
    let worse = map.worse_snapshot(bus);
    let w = snapshots[worse].clone();
    Ok(SiteHosting {
        bus: net.buses[bus].id.clone(),
        bus_kv: net.buses[bus].kv,
        link,
        distance_km,
        load_mw,
        worse_snapshot: w.snapshot.clone(),
        hosting_mw: w.hosting_mw,
        binding_branch: w.binding_branch.clone(),
        binding_outage: w.binding_outage.clone(),
        margin_after_connection_mw: w.margin_after_connection_mw,
        overload: w.overload.clone(),
        province: province_balance(map, &net.buses[bus].province),
        snapshots,
        not_computed: NOT_COMPUTED.iter().map(|s| s.to_string()).collect(),
    })
}
