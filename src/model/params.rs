//! Parameters of the data-hall field model that neither the site nor the facility file gives:
//! each with its unit, default, and whether it is sourced or assumed (see docs/MODEL.md).

use serde::Serialize;

/// Kept in one place so that the report lists every assumed figure the fields rest on.
#[derive(Debug, Clone, Serialize)]
pub struct HallParams {
    /// Air height the 2D model integrates over (floor to ceiling of the cold aisle), m.
    pub hall_height_m: f64,
    /// Effective (turbulent-mixing) conductivity of hall air, W/(m K).
    pub k_eff_w_per_mk: f64,
    /// Share of each rack's heat that recirculates to inlet height instead of leaving with
    /// the return air.
    pub recirculation_fraction: f64,
    /// How much less supply the cold-aisle cells in the middle of the hall get than those at
    /// the west and east walls, where the cooling units stand (0 = uniform).
    pub supply_falloff: f64,
    /// Share of the cooling units' airflow that they draw from the room air of the west and
    /// east clearance bands, where they stand (the rest arrives as supply in the cold aisles).
    pub perimeter_return_share: f64,
    /// Thermal transmittance of the hall's walls to outdoors, W/(m² K).
    pub wall_u_w_per_m2k: f64,
    /// Temperature coefficient of the busway conductor's resistance (aluminium), 1/K.
    pub conductor_alpha_per_k: f64,
    /// Conductor temperature at which `busway_conductance_s_m` holds, °C.
    pub conductor_reference_c: f64,
    /// Conductance of floor cells with no conductor, as a fraction of a busway cell's: a
    /// numerical floor that keeps the sheet connected; it carries no measurable current.
    pub floor_conductance_fraction: f64,
    /// Power factor of the IT load.
    pub power_factor: f64,
    /// Largest allowed voltage drop at a rack, % of nominal.
    pub drop_limit_pct: f64,
}

impl Default for HallParams {
    fn default() -> Self {
        HallParams {
            hall_height_m: 3.0,
            k_eff_w_per_mk: 65.0,
            recirculation_fraction: 0.05,
            supply_falloff: 0.3,
            perimeter_return_share: 0.2,
            wall_u_w_per_m2k: 0.35,
            conductor_alpha_per_k: 0.00403,
            conductor_reference_c: 20.0,
            floor_conductance_fraction: 1e-4,
            power_factor: 1.0,
            drop_limit_pct: 5.0,
        }
    }
}

impl HallParams {
    /// Which figures are sourced and which assumed, for the report (JSON paths in `model`).
    pub fn provenance() -> Vec<(&'static str, &'static str)> {
        vec![
            ("model.hall_height_m", "assumed: typical slab-to-ceiling air height of a data hall"),
            ("model.k_eff_w_per_mk", "derived: central value of rho cp nu_t / Pr_t for hall air speeds 0.3-2 m/s and length scales 0.5-3 m (Chen & Xu 1998 zero-equation model; shared engineering parameters §2); the range is 8-300"),
            ("model.recirculation_fraction", "assumed: hot-air recirculation to rack inlets in a hall without aisle containment"),
            ("model.supply_falloff", "assumed: supply non-uniformity along cold aisles fed from the hall's ends"),
            ("model.perimeter_return_share", "assumed: cooling units along the west and east walls draw part of their air from the clearance band around them"),
            ("model.wall_u_w_per_m2k", "assumed: insulated external wall"),
            ("model.conductor_alpha_per_k", "sourced: temperature coefficient of resistance of aluminium, about 0.0040 per K at 20 °C (standard handbook value)"),
            ("model.floor_conductance_fraction", "numerical: keeps the power sheet connected; no physical meaning"),
            ("model.power_factor", "assumed: IT power supplies with power-factor correction"),
            ("model.drop_limit_pct", "design rule: 5 % total voltage drop from the point of supply to the load"),
        ]
    }
}
