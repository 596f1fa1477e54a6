//! Parameters of the hall's walls and power sheet that neither the site nor the facility file gives:
//! each with its unit, default, and whether it is sourced or assumed (see docs/MODEL.md).

use serde::Serialize;

/// Kept in one place so that the report lists every assumed figure the fields rest on.
#[derive(Debug, Clone, Serialize)]
pub struct HallParams {
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
            ("model.wall_u_w_per_m2k", "assumed: insulated external wall"),
            ("model.conductor_alpha_per_k", "sourced: temperature coefficient of resistance of aluminium, about 0.0040 per K at 20 °C (standard handbook value)"),
            ("model.floor_conductance_fraction", "numerical: keeps the power sheet connected; no physical meaning"),
            ("model.power_factor", "assumed: IT power supplies with power-factor correction"),
            ("model.drop_limit_pct", "design rule: 5 % total voltage drop from the point of supply to the load"),
        ]
    }
}
