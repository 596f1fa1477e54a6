//! Heat rejection with capacity: what a loop's supply temperature can be held at in one hour,
//! and at what fan, chiller and water cost, when the equipment is sized once and the weather
//! is not always kind.
//!
//! A loop carries `load_kw` of heat at a heat-capacity flow `flow_kw_per_k` and wants its
//! supply at `setpoint_c`. The heat-rejection bank (dry coolers, wet towers or a seawater
//! exchanger) rejects `Q` to a source at `T_src` with conductance `UA` at full fan speed, so it
//! can deliver `T_out = T_src + Q / UA`:
//! - `T_out <= setpoint`: the set point holds; fans slow to the `UA` that is needed, airflow
//!   `f = (UA_needed / UA)^(1 / UA_AIRFLOW_EXPONENT)`, fan power `P_full f³` (fan laws);
//! - otherwise an adiabatic pre-cooler (dry coolers only, when fitted) wets the intake air:
//!   `T_src = T_db - eff (T_db - T_wb)`, evaporating `m_air c_p (T_db - T_src) / h_fg` of water;
//! - then a trim chiller (when fitted) cools the loop from `T_out` toward the set point, up to
//!   its capacity, its condenser heat rejected through the same bank (solved as a fixed point);
//! - whatever is left floats: the supply leaves at `T_out - Q_chiller / flow`, above the set
//!   point. Nothing covers more than it is sized for.
//!
//! Wet towers evaporate `Q / h_fg` and blow down `evaporation / (cycles - 1)`.
//! Units: kW, kW/K, °C, K, litres per hour.

/// Latent heat of vaporisation of water near 30 °C, kJ/kg: 2430 (steam tables). 1 kWh of heat
/// evaporates 3600 / 2430 = 1.48 kg, about the 1.5 L per kWh of the reference data.
pub const LATENT_KJ_PER_KG: f64 = 2430.0;

/// Specific heat of air, kJ/(kg K).
pub const AIR_CP_KJ_PER_KGK: f64 = 1.006;

/// UA of a finned-coil dry cooler grows with airflow to this power (air-side film dominated;
/// assumed, the usual 0.6-0.8 of turbulent film correlations).
pub const UA_AIRFLOW_EXPONENT: f64 = 0.8;

/// Lowest fan speed a variable-speed bank runs at, as a fraction of full (assumed).
pub const MIN_FAN_FRACTION: f64 = 0.1;

/// Offset from °C to K.
pub const KELVIN_OFFSET: f64 = 273.15;

/// What rejects the heat.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum BankKind {
    /// Dry coolers: to the dry bulb (or to pre-cooled air with adiabatic assist).
    DryCooler,
    /// Open wet cooling towers: to the wet bulb, evaporating water.
    WetTower,
    /// A seawater (or lake water) exchanger: to the water temperature.
    Seawater,
}

/// Adiabatic pre-cooling of a dry cooler's intake air.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Adiabatic {
    /// Pad effectiveness, 0..1: how far toward the wet bulb the air is cooled.
    pub effectiveness: f64,
}

/// A trim chiller between the bank and the loop.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Chiller {
    /// Cooling capacity, kW.
    pub capacity_kw: f64,
    /// Carnot efficiency of the COP model, COP = eta T_evap / (T_cond - T_evap).
    pub carnot_efficiency: f64,
    pub cop_min: f64,
    pub cop_max: f64,
    /// Condensing temperature above the bank's leaving water, K.
    pub condenser_approach_k: f64,
    /// Evaporating temperature below the loop supply set point, K.
    pub evaporator_approach_k: f64,
}

impl Chiller {
    pub fn cop(&self, condensing_c: f64, evaporating_c: f64) -> f64 {
        let lift = condensing_c - evaporating_c;
        if lift <= 0.0 {
            return self.cop_max;
        }
        (self.carnot_efficiency * (evaporating_c + KELVIN_OFFSET) / lift)
            .clamp(self.cop_min, self.cop_max)
    }
}

/// A heat-rejection bank as installed.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Bank {
    pub kind: BankKind,
    /// Conductance of every installed unit at full fan speed, kW/K.
    pub ua_kw_per_k: f64,
    /// Fan (or seawater pump) power of the bank at full speed, kW.
    pub fan_kw: f64,
    /// Air heat-capacity flow through the bank at full speed, kW/K (for adiabatic water).
    pub air_kw_per_k: f64,
    pub adiabatic: Option<Adiabatic>,
    pub chiller: Option<Chiller>,
    /// Cycles of concentration of a wet tower (blowdown = evaporation / (cycles - 1)).
    pub cycles: f64,
}

/// How a bank is sized: the heat it must reject at the design condition with `approach_k`
/// between its leaving water and the source, with `spare_units` of `unit_kw` more than that.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Sizing {
    pub design_load_kw: f64,
    pub approach_k: f64,
    pub unit_kw: f64,
    pub spare_units: usize,
    /// Fan power at full speed per kW of installed capacity.
    pub fan_kw_per_kw: f64,
    /// Air temperature rise across a dry cooler at design, K (sets its airflow).
    pub air_rise_k: f64,
}

impl Sizing {
    /// Units needed for the design load, and installed (with spares).
    pub fn units(&self) -> (usize, usize) {
        let needed = (self.design_load_kw / self.unit_kw).ceil().max(1.0) as usize;
        (needed, needed + self.spare_units)
    }
}

impl Bank {
    /// A bank of `kind` sized by `sizing`: the needed units carry the design load at the
    /// design approach; every installed unit runs, so spares add capacity in service.
    pub fn sized(
        kind: BankKind,
        sizing: &Sizing,
        adiabatic: Option<Adiabatic>,
        chiller: Option<Chiller>,
        cycles: f64,
    ) -> Bank {
        let (_, installed) = sizing.units();
        let per_unit_ua = sizing.unit_kw / sizing.approach_k;
        let installed_kw = installed as f64 * sizing.unit_kw;
        Bank {
            kind,
            ua_kw_per_k: installed as f64 * per_unit_ua,
            fan_kw: sizing.fan_kw_per_kw * installed_kw,
            air_kw_per_k: installed_kw / sizing.air_rise_k.max(1e-9),
            adiabatic,
            chiller,
            cycles,
        }
    }
}

/// Outdoor conditions of one hour.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Outdoor {
    pub dry_bulb_c: f64,
    pub wet_bulb_c: f64,
    /// Seawater or lake water, °C (seawater banks only).
    pub water_c: f64,
}

/// One hour of one loop.
#[derive(Clone, Copy, Debug, PartialEq, serde::Serialize)]
pub struct LoopHour {
    /// Temperature the loop's supply reached, °C (the set point unless it floated).
    pub supply_c: f64,
    pub floated: bool,
    /// Source temperature the bank rejected to, °C (pre-cooled air when adiabatic ran).
    pub source_c: f64,
    pub adiabatic_on: bool,
    /// Heat the chiller removed and the electricity it took, kW.
    pub chiller_load_kw: f64,
    pub chiller_kw: f64,
    pub cop: Option<f64>,
    /// Heat the bank rejected (loop load + chiller electricity), kW.
    pub rejected_kw: f64,
    /// Bank fans (or seawater pumps), kW.
    pub fan_kw: f64,
    /// Water evaporated and blown down, litres in the hour.
    pub evaporated_l: f64,
    pub blowdown_l: f64,
}

impl Bank {
    fn source_c(&self, out: &Outdoor) -> f64 {
        match self.kind {
            BankKind::DryCooler => out.dry_bulb_c,
            BankKind::WetTower => out.wet_bulb_c,
            BankKind::Seawater => out.water_c,
        }
    }

    /// The hour of a loop carrying `load_kw` at heat-capacity flow `flow_kw_per_k` with its
    /// supply wanted at `setpoint_c`.
    pub fn hour(
        &self,
        out: &Outdoor,
        load_kw: f64,
        flow_kw_per_k: f64,
        setpoint_c: f64,
    ) -> LoopHour {
        let load = load_kw.max(0.0);
        let dry_src = self.source_c(out);
        let full_out = |src: f64, q: f64| src + q / self.ua_kw_per_k;
        // adiabatic assist runs only when the dry bank cannot hold the set point
        let (source_c, adiabatic_on) = match (self.kind, self.adiabatic) {
            (BankKind::DryCooler, Some(a)) if full_out(dry_src, load) > setpoint_c => {
                let wet = out.wet_bulb_c.min(out.dry_bulb_c);
                (
                    out.dry_bulb_c - a.effectiveness * (out.dry_bulb_c - wet),
                    true,
                )
            }
            _ => (dry_src, false),
        };
        let mut result = LoopHour {
            supply_c: setpoint_c,
            floated: false,
            source_c,
            adiabatic_on,
            chiller_load_kw: 0.0,
            chiller_kw: 0.0,
            cop: None,
            rejected_kw: load,
            fan_kw: 0.0,
            evaporated_l: 0.0,
            blowdown_l: 0.0,
        };
        let t_out = full_out(source_c, load);
        let mut fan_fraction = 1.0;
        if t_out <= setpoint_c {
            // the set point holds with fans slowed: UA needed for the load at this source
            let gap = setpoint_c - source_c;
            let ua_needed = if gap > 0.0 {
                load / gap
            } else {
                self.ua_kw_per_k
            };
            fan_fraction = (ua_needed / self.ua_kw_per_k)
                .powf(1.0 / UA_AIRFLOW_EXPONENT)
                .clamp(MIN_FAN_FRACTION, 1.0);
        } else if let Some(ch) = self.chiller {
            // chiller in series: loop water leaves the bank at t, the chiller takes it toward
            // the set point; its condenser heat goes through the same bank
            let evaporating = setpoint_c - ch.evaporator_approach_k;
            let (mut q_ch, mut w, mut t, mut cop) = (0.0, 0.0, t_out, ch.cop_max);
            for _ in 0..50 {
                t = full_out(source_c, load + w);
                q_ch = (flow_kw_per_k * (t - setpoint_c)).clamp(0.0, ch.capacity_kw);
                cop = ch.cop(t + ch.condenser_approach_k, evaporating);
                let next = q_ch / cop;
                if (next - w).abs() <= 1e-12 * (1.0 + load) {
                    w = next;
                    break;
                }
                w = next;
            }
            result.chiller_load_kw = q_ch;
            result.chiller_kw = w;
            result.cop = (q_ch > 0.0).then_some(cop);
            result.rejected_kw = load + w;
            result.supply_c = t - q_ch / flow_kw_per_k;
            result.floated = result.supply_c > setpoint_c + 1e-9;
        } else {
            result.supply_c = t_out;
            result.floated = true;
        }
        result.fan_kw = self.fan_kw * fan_fraction.powi(3);
        let hours_l = 3600.0 / LATENT_KJ_PER_KG; // kg (= L) per kWh of latent heat
        match self.kind {
            BankKind::WetTower => {
                result.evaporated_l = result.rejected_kw * hours_l;
                result.blowdown_l = result.evaporated_l / (self.cycles - 1.0).max(1e-9);
            }
            BankKind::DryCooler if adiabatic_on => {
                // sensible heat taken from the air by evaporation
                let cooled_kw = self.air_kw_per_k * fan_fraction * (out.dry_bulb_c - source_c);
                result.evaporated_l = cooled_kw.max(0.0) * hours_l;
            }
            _ => {}
        }
        result
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sizing() -> Sizing {
        Sizing {
            design_load_kw: 10_000.0,
            approach_k: 8.0,
            unit_kw: 1_000.0,
            spare_units: 1,
            fan_kw_per_kw: 0.02,
            air_rise_k: 10.0,
        }
    }

    fn chiller(capacity_kw: f64) -> Chiller {
        Chiller {
            capacity_kw,
            carnot_efficiency: 0.6,
            cop_min: 2.0,
            cop_max: 12.0,
            condenser_approach_k: 3.0,
            evaporator_approach_k: 5.0,
        }
    }

    fn out(db: f64, wb: f64) -> Outdoor {
        Outdoor {
            dry_bulb_c: db,
            wet_bulb_c: wb,
            water_c: 15.0,
        }
    }

    /// 11 units of 1 MW at 8 K approach: UA = 11 x 125 = 1375 kW/K, fans 220 kW at full speed.
    #[test]
    fn sizing_by_hand() {
        let bank = Bank::sized(BankKind::DryCooler, &sizing(), None, None, 4.0);
        assert_eq!(sizing().units(), (10, 11));
        assert!((bank.ua_kw_per_k - 1375.0).abs() < 1e-9);
        assert!((bank.fan_kw - 220.0).abs() < 1e-9);
        assert!((bank.air_kw_per_k - 1100.0).abs() < 1e-9);
    }

    /// Dry cooler alone, cool hour: 10 MW at 10 °C, set point 32 °C. UA needed 10000 / 22 =
    /// 454.5 kW/K of 1375: airflow (454.5/1375)^1.25 = 0.2505, fans 220 x 0.2505³ = 3.46 kW.
    #[test]
    fn dry_cooler_alone_holds_the_set_point_with_slow_fans() {
        let bank = Bank::sized(BankKind::DryCooler, &sizing(), None, None, 4.0);
        let h = bank.hour(&out(10.0, 7.0), 10_000.0, 1_000.0, 32.0);
        assert!(!h.floated && (h.supply_c - 32.0).abs() < 1e-12);
        let f: f64 = (10_000.0 / 22.0 / 1375.0_f64).powf(1.25);
        assert!((h.fan_kw - 220.0 * f.powi(3)).abs() < 1e-9, "{}", h.fan_kw);
        assert_eq!(h.evaporated_l, 0.0);
    }

    /// Dry cooler alone, hot hour, no assist: 10 MW at 30 °C reaches 30 + 10000/1375 = 37.27 °C.
    #[test]
    fn dry_cooler_alone_floats_when_it_runs_out() {
        let bank = Bank::sized(BankKind::DryCooler, &sizing(), None, None, 4.0);
        let h = bank.hour(&out(30.0, 24.0), 10_000.0, 1_000.0, 32.0);
        assert!(h.floated);
        assert!((h.supply_c - (30.0 + 10_000.0 / 1375.0)).abs() < 1e-9);
        assert!((h.fan_kw - 220.0).abs() < 1e-9);
    }

    /// Adiabatic assist at 30/24 °C with 0.8 effectiveness: air to 30 - 0.8 x 6 = 25.2 °C;
    /// 25.2 + 7.27 = 32.47 °C still above 32: floats there, fans full, water
    /// 1100 kW/K x 4.8 K = 5280 kW of evaporation = 5280 x 3600 / 2430 L.
    #[test]
    fn adiabatic_assist_by_hand() {
        let bank = Bank::sized(
            BankKind::DryCooler,
            &sizing(),
            Some(Adiabatic { effectiveness: 0.8 }),
            None,
            4.0,
        );
        let h = bank.hour(&out(30.0, 24.0), 10_000.0, 1_000.0, 32.0);
        assert!(h.adiabatic_on);
        assert!((h.source_c - 25.2).abs() < 1e-12);
        assert!((h.supply_c - (25.2 + 10_000.0 / 1375.0)).abs() < 1e-9);
        assert!((h.evaporated_l - 1100.0 * 4.8 * 3600.0 / 2430.0).abs() < 1e-6);
        // with the set point at 33 °C it holds, with fans below full speed and less water
        let hold = bank.hour(&out(30.0, 24.0), 10_000.0, 1_000.0, 33.0);
        assert!(!hold.floated && hold.fan_kw < 220.0 && hold.evaporated_l < h.evaporated_l);
    }

    /// Trim chiller at capacity: 10 MW at 35 °C dry bulb, set point 32 °C, chiller 2 MW.
    /// Without it the bank gives 42.27 °C; the chiller can take only 2 MW of the
    /// 1000 x (t - 32) it is asked for, so the supply floats at t - 2 K, t including the
    /// chiller's own heat: t = 35 + (10000 + W) / 1375 with W = 2000 / COP(t + 3, 27).
    #[test]
    fn trim_chiller_at_capacity_by_hand() {
        let ch = chiller(2_000.0);
        let bank = Bank::sized(BankKind::DryCooler, &sizing(), None, Some(ch), 4.0);
        let h = bank.hour(&out(35.0, 25.0), 10_000.0, 1_000.0, 32.0);
        assert!((h.chiller_load_kw - 2_000.0).abs() < 1e-9);
        // solve the fixed point independently by bisection on t
        let (mut lo, mut hi) = (35.0, 60.0);
        for _ in 0..200 {
            let t: f64 = 0.5 * (lo + hi);
            let w = 2_000.0 / ch.cop(t + 3.0, 27.0);
            if 35.0 + (10_000.0 + w) / 1375.0 > t {
                lo = t;
            } else {
                hi = t;
            }
        }
        let t = 0.5 * (lo + hi);
        assert!(
            (h.supply_c - (t - 2.0)).abs() < 1e-8,
            "{} vs {}",
            h.supply_c,
            t - 2.0
        );
        assert!(h.floated);
        // a larger chiller holds the set point
        let big = Bank::sized(
            BankKind::DryCooler,
            &sizing(),
            None,
            Some(chiller(20_000.0)),
            4.0,
        );
        let held = big.hour(&out(35.0, 25.0), 10_000.0, 1_000.0, 32.0);
        assert!(!held.floated && (held.supply_c - 32.0).abs() < 1e-9);
    }

    /// A wet tower evaporates the rejected heat's worth of water and blows down a third of that
    /// at four cycles of concentration.
    #[test]
    fn wet_tower_water_by_hand() {
        let bank = Bank::sized(BankKind::WetTower, &sizing(), None, None, 4.0);
        let h = bank.hour(&out(30.0, 24.0), 5_000.0, 500.0, 32.0);
        let evap = 5_000.0 * 3600.0 / 2430.0;
        assert!((h.evaporated_l - evap).abs() < 1e-9);
        assert!((h.blowdown_l - evap / 3.0).abs() < 1e-9);
        assert!((h.source_c - 24.0).abs() < 1e-12);
    }

    /// More installed units never raise the supply temperature, fan or chiller power.
    #[test]
    fn a_larger_bank_never_does_worse() {
        let mut small = sizing();
        small.spare_units = 0;
        let mut large = sizing();
        large.spare_units = 4;
        for (db, wb) in [(5.0, 2.0), (25.0, 20.0), (33.0, 26.0), (38.0, 27.0)] {
            let a = Bank::sized(
                BankKind::DryCooler,
                &small,
                None,
                Some(chiller(1_500.0)),
                4.0,
            )
            .hour(&out(db, wb), 10_000.0, 1_000.0, 30.0);
            let b = Bank::sized(
                BankKind::DryCooler,
                &large,
                None,
                Some(chiller(1_500.0)),
                4.0,
            )
            .hour(&out(db, wb), 10_000.0, 1_000.0, 30.0);
            assert!(
                b.supply_c <= a.supply_c + 1e-12,
                "{db}: {} > {}",
                b.supply_c,
                a.supply_c
            );
            assert!(b.chiller_kw <= a.chiller_kw + 1e-12);
        }
    }
}
