//! Standard line and transformer parameters by voltage (`sites/grid/line_types.json`): the
//! cited, assumed type table the build turns into per-branch reactances and ratings.
//!
//! Per circuit: `x_pu = x_ohm_per_km(50 Hz) · f_factor · length_km / (kV² / base_MVA)` for a
//! line, `x_pu = vk/100 · base_MVA / unit_MVA` for a transformer unit; normal ratings as given
//! (MW at unity power factor), emergency ratings `emergency_factor ×` normal.
//!
//! Invariants after [`LineTypes::load`]: every number finite and positive, one line type per
//! voltage, one transformer type per voltage pair. Units: kV, Ω/km, MW, MVA, %.

use super::error::{GridError, Problems};
use crate::site::locate::Locator;
use serde::{Deserialize, Serialize};
use std::path::Path;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LineType {
    pub kv: f64,
    pub overhead_std_type: String,
    pub overhead_x_ohm_per_km_50hz: f64,
    pub underground_std_type: String,
    pub underground_x_ohm_per_km_50hz: f64,
    pub normal_mw_per_circuit: f64,
    pub rating_basis: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TransformerType {
    pub kv_low: f64,
    pub kv_high: f64,
    pub unit_mva: f64,
    pub units: u32,
    pub vk_percent: f64,
    pub basis: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LineTypes {
    pub description: String,
    pub frequency_hz: f64,
    pub base_mva: f64,
    pub reactance_frequency_factor: f64,
    pub reactance_frequency_basis: String,
    pub lines: Vec<LineType>,
    pub transformers: Vec<TransformerType>,
    pub emergency_factor: f64,
    pub emergency_basis: String,
    pub sources: Vec<String>,
    pub assumed: Vec<String>,
    /// Ranges on the table's assumed numbers (`grid::ranges`), by JSON path.
    #[serde(default, skip_serializing_if = "std::collections::BTreeMap::is_empty")]
    pub ranges: std::collections::BTreeMap<String, crate::site::ranges::Range>,
}

impl LineTypes {
    pub fn load(file: &Path) -> Result<LineTypes, GridError> {
        let text = GridError::read_text(file)?;
        let types: LineTypes = serde_json::from_str(&text)
            .map_err(|e| GridError::one(file, Some(e.line()), "json", e.to_string()))?;
        let locator = Locator::new(&text);
        let mut problems = Problems::default();
        let mut positive = |path: String, v: f64| {
            if !(v.is_finite() && v > 0.0) {
                let line = locator.value_position(&path).map(|(l, _)| l);
                problems.push(
                    file,
                    line,
                    &path,
                    format!("expected a positive number, found {v}"),
                );
            }
        };
        positive("base_mva".into(), types.base_mva);
        positive("frequency_hz".into(), types.frequency_hz);
        positive(
            "reactance_frequency_factor".into(),
            types.reactance_frequency_factor,
        );
        for (i, l) in types.lines.iter().enumerate() {
            positive(format!("lines[{i}].kv"), l.kv);
            positive(
                format!("lines[{i}].overhead_x_ohm_per_km_50hz"),
                l.overhead_x_ohm_per_km_50hz,
            );
            positive(
                format!("lines[{i}].underground_x_ohm_per_km_50hz"),
                l.underground_x_ohm_per_km_50hz,
            );
            positive(
                format!("lines[{i}].normal_mw_per_circuit"),
                l.normal_mw_per_circuit,
            );
        }
        for (i, t) in types.transformers.iter().enumerate() {
            positive(format!("transformers[{i}].kv_low"), t.kv_low);
            positive(format!("transformers[{i}].kv_high"), t.kv_high);
            positive(format!("transformers[{i}].unit_mva"), t.unit_mva);
            positive(format!("transformers[{i}].units"), t.units as f64);
            positive(format!("transformers[{i}].vk_percent"), t.vk_percent);
        }
        if !(types.emergency_factor.is_finite() && types.emergency_factor >= 1.0) {
            problems.push(
                file,
                locator.value_position("emergency_factor").map(|(l, _)| l),
                "emergency_factor",
                format!("expected at least 1, found {}", types.emergency_factor),
            );
        }
        super::ranges::check(
            file,
            &locator,
            &types.ranges,
            &types.rangeable(),
            &mut problems,
        );
        problems.into_result(types)
    }

    /// The numbers of the table that may carry a range, with their rules.
    pub fn rangeable(&self) -> Vec<super::ranges::Rangeable> {
        use super::ranges::{Rangeable, AT_LEAST_ONE, POSITIVE};
        let mut numbers = vec![
            Rangeable::new(
                "reactance_frequency_factor".into(),
                self.reactance_frequency_factor,
                POSITIVE,
            ),
            Rangeable::new(
                "emergency_factor".into(),
                self.emergency_factor,
                AT_LEAST_ONE,
            ),
        ];
        for (i, l) in self.lines.iter().enumerate() {
            for (field, v) in [
                ("overhead_x_ohm_per_km_50hz", l.overhead_x_ohm_per_km_50hz),
                (
                    "underground_x_ohm_per_km_50hz",
                    l.underground_x_ohm_per_km_50hz,
                ),
                ("normal_mw_per_circuit", l.normal_mw_per_circuit),
            ] {
                numbers.push(Rangeable::new(format!("lines[{i}].{field}"), v, POSITIVE));
            }
        }
        for (i, t) in self.transformers.iter().enumerate() {
            for (field, v) in [("unit_mva", t.unit_mva), ("vk_percent", t.vk_percent)] {
                numbers.push(Rangeable::new(
                    format!("transformers[{i}].{field}"),
                    v,
                    POSITIVE,
                ));
            }
        }
        numbers
    }

    pub fn line(&self, kv: f64) -> Option<&LineType> {
        self.lines.iter().find(|l| (l.kv - kv).abs() < 1e-9)
    }

    pub fn transformer(&self, kv_a: f64, kv_b: f64) -> Option<&TransformerType> {
        let (lo, hi) = if kv_a < kv_b {
            (kv_a, kv_b)
        } else {
            (kv_b, kv_a)
        };
        self.transformers
            .iter()
            .find(|t| (t.kv_low - lo).abs() < 1e-9 && (t.kv_high - hi).abs() < 1e-9)
    }

    /// Per-circuit reactance of a line, per unit on `base_mva`.
    pub fn line_x_pu(&self, line: &LineType, length_km: f64, underground: bool) -> f64 {
        let x_50 = if underground {
            line.underground_x_ohm_per_km_50hz
        } else {
            line.overhead_x_ohm_per_km_50hz
        };
        let z_base = line.kv * line.kv / self.base_mva;
        x_50 * self.reactance_frequency_factor * length_km / z_base
    }

    /// Per-unit reactance of one transformer unit on `base_mva`.
    pub fn transformer_x_pu(&self, t: &TransformerType) -> f64 {
        t.vk_percent / 100.0 * self.base_mva / t.unit_mva
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shipped_table_gives_the_hand_computed_per_unit_values() {
        let file = Path::new(env!("CARGO_MANIFEST_DIR")).join("sites/grid/line_types.json");
        let t = LineTypes::load(&file).expect("shipped table is valid");
        let l154 = t.line(154.0).expect("154 kV type");
        // 0.37 Ω/km × 1.2 × 10 km / (154² / 100) = 4.44 / 237.16
        let x = t.line_x_pu(l154, 10.0, false);
        assert!((x - 4.44 / 237.16).abs() < 1e-15, "{x}");
        let tr = t.transformer(345.0, 154.0).expect("345/154 type");
        assert!((t.transformer_x_pu(tr) - 0.122 * 100.0 / 500.0).abs() < 1e-15);
        assert!(t.transformer(154.0, 154.0).is_none());
    }
}
