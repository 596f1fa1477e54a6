//! Hourly energy model: cooling mode, chiller COP and facility power for every hour of a year,
//! and the annual figures a planner ranks sites by (PUE, MWh, peak MW against grid headroom,
//! cost, carbon, hours per cooling mode, design hot hour).
//!
//! Owns the power balance of one facility at one site. The equations, every parameter and
//! every assumption are written out in `MODEL-energy.md` (merged into `docs/MODEL.md`); the
//! short form:
//!
//! - the economizer can deliver `T_econ = T_source + approach`; free cooling when
//!   `T_econ <= T_supply`, mechanical when `T_econ >= T_return = T_supply + ΔT`, partial in
//!   between with the chiller carrying `(T_econ - T_supply) / (T_return - T_supply)` of the load;
//! - chiller COP = η · T_evap / (T_cond − T_evap) in kelvin, clamped to the facility's bounds;
//! - facility power = IT + chiller + hall fans + pumps + heat-rejection fans + UPS loss +
//!   distribution loss; the cooled space receives IT + hall fans + UPS loss + distribution loss.
//!
//! Facility and site figures arrive validated (`site::Valid`): the bounds are
//! `site::rules`', and nothing here checks them again with bounds of its own. Only what
//! validation cannot know is checked here: the distribution loss from the power solve and the
//! hourly weather.
//!
//! Invariants: a [`Plant`] gives finite results for finite outdoor inputs;
//! `facility_kw >= it_kw > 0`, so every hourly PUE is at least 1. Hours are one hour long, so
//! an hour's kW is that hour's kWh.
//!
//! Units: temperatures °C (differences K, absolute temperatures in the COP K), power kW in the
//! hourly results, energy MWh and power MW in the annual results, cost KRW, carbon t CO2.

use serde::Serialize;

use crate::climate::{Hour, HourlyYear};
use crate::site::{CoolingType, Facility, Site, Valid};

/// Offset from °C to K.
pub const KELVIN_OFFSET: f64 = 273.15;

/// Chilled-water (or chilled-coolant) leaving temperature below the supply set point, K:
/// `T_evap = T_supply − EVAPORATOR_APPROACH_K`. Assumed: covers the cooling-coil (air) or CDU
/// (liquid) approach between the water the chiller makes and the medium delivered to the IT.
pub const EVAPORATOR_APPROACH_K: f64 = 6.0;

/// Rise of the condenser water across the chiller condenser, K: `T_cond` is the water leaving
/// the condenser, `T_cond = T_heat_sink + approach + CONDENSER_RANGE_K`. From the AHRI 550/590
/// rating condition, tower water 85 → 94.3 °F (29.4 → 34.6 °C), the same condition the
/// facility's Carnot efficiency is calibrated on (η = 0.63 on water temperatures).
pub const CONDENSER_RANGE_K: f64 = (94.3 - 85.0) * 5.0 / 9.0;

/// Months by which the seawater temperature proxy lags the air: the sea in month m is taken
/// as the air's monthly mean of month m − SEA_LAG_MONTHS. Assumed (the ocean's heat capacity
/// delays its seasonal cycle by about one to two months).
pub const SEA_LAG_MONTHS: usize = 1;

/// Lowest seawater temperature the proxy gives, °C. Assumed: seawater does not fall much below
/// its freezing point (about −1.9 °C), and Korean coastal water stays a few degrees above.
pub const SEA_FLOOR_C: f64 = 2.0;

/// Errors from model input that validation cannot see. `field` is the argument's name or the
/// hourly quantity.
#[derive(Debug, thiserror::Error)]
pub enum EnergyError {
    /// An argument or an hourly input is not usable. `hour` is the 0-based index in the year.
    #[error("{}{field}: {reason}", hour.map(|i| format!("hour {i}: ")).unwrap_or_default())]
    Input {
        hour: Option<usize>,
        field: &'static str,
        reason: String,
    },
    /// The year has no hours, or lacks a month the seawater proxy needs.
    #[error("hourly year: {reason}")]
    Year { reason: String },
}

/// How the cooling load was met in one hour.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum CoolingMode {
    /// Economizer alone; chiller off.
    Free,
    /// Economizer pre-cools, chiller trims the rest.
    Partial,
    /// Economizer off; chiller carries the whole load.
    Mechanical,
}

/// Outdoor conditions of one hour.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct HourInputs {
    /// Outdoor dry bulb, °C.
    pub dry_bulb_c: f64,
    /// Outdoor wet bulb, °C.
    pub wet_bulb_c: f64,
    /// Seawater (or lake water) temperature at the intake, °C. Required for
    /// [`CoolingType::Seawater`], ignored otherwise. [`annual`] fills it from
    /// [`sea_temperature_proxy_c`].
    pub sea_c: Option<f64>,
}

impl HourInputs {
    /// The inputs of one hour of a weather year, with an optional sea temperature.
    pub fn from_hour(hour: &Hour, sea_c: Option<f64>) -> Self {
        HourInputs {
            dry_bulb_c: hour.dry_bulb_c,
            wet_bulb_c: hour.wet_bulb_c,
            sea_c,
        }
    }
}

/// Power balance of one hour. Powers in kW (= kWh for the hour).
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct HourResult {
    pub mode: CoolingMode,
    /// Share of the cooling load carried by the chiller, 0..=1.
    pub chiller_fraction: f64,
    /// Economizer source temperature: outdoor dry bulb, or seawater, °C.
    pub source_c: f64,
    /// Temperature the economizer alone could deliver, °C.
    pub economizer_c: f64,
    /// Supply air delivered to the IT: the set point, or above it when the chillers ran out,
    /// °C.
    pub supply_c: f64,
    /// Return temperature, supply + ΔT, °C.
    pub return_c: f64,
    /// Chiller condensing (leaving condenser water) temperature, °C.
    pub condensing_c: f64,
    /// Chiller COP after clamping; `None` when the chiller is off (free cooling).
    pub cop: Option<f64>,
    /// Heat removed from the cooled space: IT + hall fans + UPS loss + distribution loss.
    pub cooling_load_kw: f64,
    /// Heat removed by the chiller, chiller_fraction × cooling_load_kw.
    pub chiller_load_kw: f64,
    /// Heat rejected outdoors through the heat-rejection equipment:
    /// cooling load + chiller electricity + pump work.
    pub heat_rejected_kw: f64,
    pub it_kw: f64,
    pub chiller_kw: f64,
    pub fans_kw: f64,
    pub pumps_kw: f64,
    pub heat_rejection_kw: f64,
    pub ups_loss_kw: f64,
    pub distribution_loss_kw: f64,
    pub facility_kw: f64,
    /// facility_kw / it_kw.
    pub pue: f64,
    /// IT utilisation of the hour, 0..1.
    pub utilisation: f64,
    /// Whether the air side's chillers ran out and the supply air floated above the set point.
    pub air_floated: bool,
    /// Facility-water supply of the liquid loop, °C (`None` without liquid cooling), and
    /// whether it exceeded the equipment's W-class limit.
    pub liquid_supply_c: Option<f64>,
    pub liquid_above_class: bool,
    /// Liquid-loop rejection fans and trim chiller, kW (inside `facility_kw`).
    pub liquid_fans_kw: f64,
    pub liquid_chiller_kw: f64,
    /// Unit-substation transformer and MV cable losses, kW (inside `facility_kw`).
    pub transformer_loss_kw: f64,
    /// Water evaporated and blown down in the hour (towers, adiabatic assist), litres.
    pub water_l: f64,
}

/// A facility's plant, built once from a validated facility so that every hour is computed
/// without re-validation.
#[derive(Debug, Clone, PartialEq)]
pub struct Plant {
    pub kind: CoolingType,
    pub it_kw: f64,
    pub supply_c: f64,
    pub delta_t_k: f64,
    pub economizer_approach_k: f64,
    pub heat_sink_approach_k: f64,
    pub heat_rejection_fan_fraction: f64,
    pub carnot_efficiency: f64,
    pub cop_min: f64,
    pub cop_max: f64,
    pub ups_efficiency: f64,
    pub fan_power_fraction: f64,
    pub pump_power_fraction: f64,
    pub distribution_loss_kw: f64,
    /// Air-side chiller capacity, kW (infinite: unlimited, the hand-check plant).
    pub chiller_capacity_kw: f64,
    /// Cycles of concentration of the air side's wet towers.
    pub tower_cycles: f64,
    /// Share of IT heat to air (1 without liquid cooling).
    pub air_share: f64,
    pub liquid: Option<LiquidPlant>,
    /// Unit-substation transformer efficiency (1: lossless), MV cable resistance per phase
    /// (ohm) and MV voltage (kV).
    pub transformer_efficiency: f64,
    pub mv_ohm: f64,
    pub mv_kv: f64,
    /// Hourly utilisation (24, hour ending 1..24) and the UPS curve, from the facility.
    pub utilisation: [f64; 24],
    pub ups_curve: Option<Vec<[f64; 2]>>,
    /// How hall fans and pumps follow the load (variable speed by default).
    pub movers: crate::site::Movers,
}

/// The facility-water loop of direct liquid cooling, as installed for one hall.
#[derive(Debug, Clone, PartialEq)]
pub struct LiquidPlant {
    pub share: f64,
    pub bank: super::plant::Bank,
    pub setpoint_c: f64,
    pub class_limit_c: f64,
    /// Coolant (technology cooling system) supply above facility water across the CDU, K.
    pub cdu_approach_k: f64,
    /// Heat-capacity flow of the loop, kW/K.
    pub flow_kw_per_k: f64,
    /// Units the bank holds (needed, installed).
    pub units: (usize, usize),
}

/// The outdoor condition a plant is sized for: the site's design dry and wet bulb.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct DesignCondition {
    pub dry_bulb_c: f64,
    pub wet_bulb_c: f64,
    /// Seawater at design, °C (seawater plants).
    pub sea_c: f64,
}

impl Plant {
    /// The plant of a validated facility, with the distribution loss (kW, from the power-grid
    /// solve), which must be finite and non-negative.
    pub fn new(facility: &Valid<Facility>, distribution_loss_kw: f64) -> Result<Self, EnergyError> {
        Self::sized(facility, distribution_loss_kw, None)
    }

    /// The plant of one hall, its chillers and liquid-loop bank sized for `design` (the site's
    /// design condition; `None`: unlimited chillers and no sizing, the hand-check plant).
    pub fn sized(
        facility: &Valid<Facility>,
        distribution_loss_kw: f64,
        design: Option<DesignCondition>,
    ) -> Result<Self, EnergyError> {
        let c = &facility.cooling;
        if !(distribution_loss_kw.is_finite() && distribution_loss_kw >= 0.0) {
            return Err(EnergyError::Input {
                hour: None,
                field: "distribution_loss_kw",
                reason: format!("expected a finite number >= 0, got {distribution_loss_kw}"),
            });
        }
        let it_kw = facility.hall_it_mw() * 1000.0;
        let sizing = facility.plant_sizing();
        let electrical = facility.electrical.as_ref();
        let mut utilisation = [1.0; 24];
        for (h, u) in utilisation.iter_mut().enumerate() {
            *u = facility.utilisation_at(h);
        }
        let liquid = facility.liquid.as_ref().map(|l| {
            use super::plant::{Adiabatic, Bank, BankKind, Chiller, Sizing};
            let load = it_kw * l.share;
            let kind = match l.rejection {
                crate::site::RejectionKind::DryCooler => BankKind::DryCooler,
                crate::site::RejectionKind::WetTower => BankKind::WetTower,
                crate::site::RejectionKind::Seawater => BankKind::Seawater,
            };
            let sz = Sizing {
                design_load_kw: load,
                approach_k: l.design_approach_k,
                unit_kw: l.unit_kw,
                spare_units: l.spare_units as usize,
                fan_kw_per_kw: l.fan_kw_per_kw,
                air_rise_k: DRY_COOLER_AIR_RISE_K,
            };
            let chiller = l
                .trim_chiller_share
                .filter(|&s| s > 0.0)
                .map(|share| Chiller {
                    capacity_kw: share * load,
                    carnot_efficiency: c.chiller_carnot_efficiency,
                    cop_min: c.chiller_cop_min,
                    cop_max: c.chiller_cop_max,
                    condenser_approach_k: CONDENSER_RANGE_K,
                    evaporator_approach_k: EVAPORATOR_APPROACH_K,
                });
            LiquidPlant {
                share: l.share,
                bank: Bank::sized(
                    kind,
                    &sz,
                    l.adiabatic_effectiveness
                        .map(|e| Adiabatic { effectiveness: e }),
                    chiller,
                    l.cycles_of_concentration,
                ),
                setpoint_c: l.supply_setpoint_c,
                class_limit_c: l.class_limit_c,
                cdu_approach_k: l.cdu_approach_k,
                flow_kw_per_k: load / l.delta_t_k,
                units: sz.units(),
            }
        });
        let mut plant = Plant {
            kind: c.kind,
            it_kw,
            supply_c: c.supply_setpoint_c,
            delta_t_k: c.supply_delta_t_k,
            economizer_approach_k: c.economizer_approach_k,
            heat_sink_approach_k: c.tower_or_drycooler_approach_k,
            heat_rejection_fan_fraction: c.heat_rejection_fan_fraction,
            carnot_efficiency: c.chiller_carnot_efficiency,
            cop_min: c.chiller_cop_min,
            cop_max: c.chiller_cop_max,
            ups_efficiency: facility.ups_efficiency,
            fan_power_fraction: facility.fan_power_fraction,
            pump_power_fraction: facility.pump_power_fraction,
            distribution_loss_kw,
            chiller_capacity_kw: f64::INFINITY,
            tower_cycles: sizing.cycles_of_concentration,
            air_share: facility.air_share(),
            liquid,
            transformer_efficiency: electrical.map_or(1.0, |e| e.transformer_efficiency),
            mv_ohm: electrical.map_or(0.0, |e| e.mv_cable_ohm_per_km * e.mv_cable_km),
            mv_kv: electrical.map_or(22.9, |e| e.mv_kv),
            utilisation,
            ups_curve: facility.ups_curve.clone(),
            movers: facility.movers.unwrap_or_default(),
        };
        if let Some(d) = design {
            plant.chiller_capacity_kw = match sizing.chiller_fixed_kw {
                Some(kw) => kw,
                None => {
                    // the chiller load at the design condition with unlimited chillers, in
                    // whole units, with the spares
                    let at_design = plant.hour_of(
                        HourInputs {
                            dry_bulb_c: d.dry_bulb_c,
                            wet_bulb_c: d.wet_bulb_c,
                            sea_c: Some(d.sea_c),
                        },
                        1.0,
                        None,
                    )?;
                    let needed = (at_design.chiller_load_kw / sizing.chiller_unit_kw - 1e-9)
                        .ceil()
                        .max(0.0);
                    (needed + f64::from(sizing.spare_units)) * sizing.chiller_unit_kw
                }
            };
        }
        Ok(plant)
    }

    /// UPS efficiency at load fraction `load`.
    pub fn ups_efficiency_at(&self, load: f64) -> f64 {
        crate::site::types::ups_curve_at(self.ups_curve.as_deref(), self.ups_efficiency, load)
    }

    /// Chiller COP for a condensing and an evaporating temperature (°C): the Carnot fraction
    /// η · T_evap / (T_cond − T_evap) in kelvin, clamped to [cop_min, cop_max]. A lift of zero
    /// or less gives cop_max.
    pub fn cop(&self, condensing_c: f64, evaporating_c: f64) -> f64 {
        let lift_k = condensing_c - evaporating_c;
        if lift_k <= 0.0 {
            return self.cop_max;
        }
        let carnot = (evaporating_c + KELVIN_OFFSET) / lift_k;
        (self.carnot_efficiency * carnot).clamp(self.cop_min, self.cop_max)
    }

    /// The power balance of one hour at full utilisation. `index` only labels errors.
    pub fn hour(&self, h: HourInputs, index: Option<usize>) -> Result<HourResult, EnergyError> {
        self.hour_of(h, 1.0, index)
    }

    /// The power balance of one hour at IT utilisation `u`. `index` only labels errors.
    pub fn hour_of(
        &self,
        h: HourInputs,
        u: f64,
        index: Option<usize>,
    ) -> Result<HourResult, EnergyError> {
        let input = |field: &'static str, v: f64| -> Result<f64, EnergyError> {
            if v.is_finite() {
                Ok(v)
            } else {
                Err(EnergyError::Input {
                    hour: index,
                    field,
                    reason: format!("expected a finite temperature, got {v}"),
                })
            }
        };
        let dry_bulb_c = input("dry_bulb_c", h.dry_bulb_c)?;
        let wet_bulb_c = input("wet_bulb_c", h.wet_bulb_c)?;

        // Economizer source, what the economizer alone can deliver, and the chiller's heat
        // sink (the temperature of the water or air its condenser loop starts from).
        let (source_c, economizer_c, sink_c) = match self.kind {
            // Indirect air-side economizer (air-to-air heat exchanger): supply air can reach
            // outdoor dry bulb + approach; the trim chiller rejects to an open wet tower.
            CoolingType::AirEconomizer => (
                dry_bulb_c,
                dry_bulb_c + self.economizer_approach_k,
                wet_bulb_c + self.heat_sink_approach_k,
            ),
            // Dry cooler, then the CDU: coolant can reach dry bulb + dry-cooler approach +
            // CDU approach; the trim chiller rejects through the same dry coolers.
            CoolingType::DirectLiquidDryCooler => {
                let loop_c = dry_bulb_c + self.heat_sink_approach_k;
                (dry_bulb_c, loop_c + self.economizer_approach_k, loop_c)
            }
            // Seawater heat exchanger: supply can reach sea + approach; the trim chiller's
            // condenser is cooled by the same seawater through its own exchanger.
            CoolingType::Seawater => {
                let sea_c = match h.sea_c {
                    Some(s) => input("sea_c", s)?,
                    None => {
                        return Err(EnergyError::Input {
                            hour: index,
                            field: "sea_c",
                            reason: "a seawater plant needs the sea temperature of the hour".into(),
                        })
                    }
                };
                (
                    sea_c,
                    sea_c + self.economizer_approach_k,
                    sea_c + self.heat_sink_approach_k,
                )
            }
        };

        let supply_c = self.supply_c;
        let return_c = supply_c + self.delta_t_k;
        let (mode, chiller_fraction) = if economizer_c <= supply_c {
            (CoolingMode::Free, 0.0)
        } else if economizer_c >= return_c {
            (CoolingMode::Mechanical, 1.0)
        } else {
            (
                CoolingMode::Partial,
                (economizer_c - supply_c) / (return_c - supply_c),
            )
        };

        let condensing_c = sink_c + CONDENSER_RANGE_K;
        let evaporating_c = supply_c - EVAPORATOR_APPROACH_K;

        let it_kw = self.it_kw * u;
        // the UPS loss follows its curve at load u; I²R grows with the square of the current
        let ups_loss_kw = it_kw * (1.0 / self.ups_efficiency_at(u) - 1.0);
        let distribution_loss_kw = self.distribution_loss_kw * u * u;
        // hall fans move the air-side heat and the pumps all of it, at a fixed temperature
        // rise: their flow follows that heat (against full load), their power its cube
        let (fans_kw, pumps_kw) = {
            let design_ups_kw = self.it_kw * (1.0 / self.ups_efficiency_at(1.0) - 1.0);
            let air_ratio = (it_kw * self.air_share + ups_loss_kw + distribution_loss_kw)
                / (self.it_kw * self.air_share + design_ups_kw + self.distribution_loss_kw)
                    .max(f64::MIN_POSITIVE);
            let all_ratio = (it_kw + ups_loss_kw + distribution_loss_kw)
                / (self.it_kw + design_ups_kw + self.distribution_loss_kw).max(f64::MIN_POSITIVE);
            (
                self.fan_power_fraction * self.it_kw * self.movers.power_fraction(air_ratio),
                self.pump_power_fraction * self.it_kw * self.movers.power_fraction(all_ratio),
            )
        };
        let cooling_load_kw = it_kw * self.air_share + fans_kw + ups_loss_kw + distribution_loss_kw;
        let wanted_kw = chiller_fraction * cooling_load_kw;
        // the chillers carry what they are sized for; the rest floats the supply air up
        let chiller_load_kw = wanted_kw.min(self.chiller_capacity_kw);
        let air_floated = wanted_kw > chiller_load_kw + 1e-9;
        let design_flow_kw_per_k = (self.it_kw * self.air_share
            + fans_kw
            + self.it_kw * (1.0 / self.ups_efficiency - 1.0))
            / self.delta_t_k;
        let supply_c = if air_floated {
            supply_c + (wanted_kw - chiller_load_kw) / design_flow_kw_per_k.max(1e-9)
        } else {
            supply_c
        };
        let (cop, chiller_kw) = if chiller_load_kw > 0.0 {
            let cop = self.cop(condensing_c, evaporating_c);
            (Some(cop), chiller_load_kw / cop)
        } else {
            (None, 0.0)
        };
        let heat_rejected_kw = cooling_load_kw + chiller_kw + pumps_kw;
        let heat_rejection_kw = self.heat_rejection_fan_fraction * heat_rejected_kw;
        // the air side's chiller rejects through wet towers (air economizer): their water
        let latent_l_per_kwh = 3600.0 / super::plant::LATENT_KJ_PER_KG;
        let mut water_l = match self.kind {
            CoolingType::AirEconomizer => {
                (chiller_load_kw + chiller_kw)
                    * latent_l_per_kwh
                    * (self.tower_cycles / (self.tower_cycles - 1.0))
            }
            _ => 0.0,
        };
        let (mut liquid_supply_c, mut liquid_above_class) = (None, false);
        let (mut liquid_fans_kw, mut liquid_chiller_kw) = (0.0, 0.0);
        if let Some(l) = &self.liquid {
            let out = super::plant::Outdoor {
                dry_bulb_c,
                wet_bulb_c,
                water_c: h.sea_c.unwrap_or(wet_bulb_c),
            };
            let r = l
                .bank
                .hour(&out, it_kw * l.share, l.flow_kw_per_k, l.setpoint_c);
            liquid_supply_c = Some(r.supply_c);
            liquid_above_class = r.supply_c > l.class_limit_c;
            liquid_fans_kw = r.fan_kw;
            liquid_chiller_kw = r.chiller_kw;
            water_l += r.evaporated_l + r.blowdown_l;
        }
        let delivered_kw = it_kw
            + chiller_kw
            + fans_kw
            + pumps_kw
            + heat_rejection_kw
            + ups_loss_kw
            + distribution_loss_kw
            + liquid_fans_kw
            + liquid_chiller_kw;
        // everything passes the unit substations; the MV cables carry it at mv_kv
        let transformer_kw = delivered_kw * (1.0 / self.transformer_efficiency - 1.0);
        let mv_current_a = (delivered_kw + transformer_kw) * 1e3 / (3f64.sqrt() * self.mv_kv * 1e3);
        let mv_kw = 3.0 * mv_current_a * mv_current_a * self.mv_ohm / 1e3;
        let transformer_loss_kw = transformer_kw + mv_kw;
        let facility_kw = delivered_kw + transformer_loss_kw;
        Ok(HourResult {
            mode,
            chiller_fraction,
            source_c,
            economizer_c,
            supply_c,
            return_c,
            condensing_c,
            cop,
            cooling_load_kw,
            chiller_load_kw,
            heat_rejected_kw,
            it_kw,
            chiller_kw,
            fans_kw,
            pumps_kw,
            heat_rejection_kw,
            ups_loss_kw,
            distribution_loss_kw,
            facility_kw,
            pue: facility_kw / it_kw.max(f64::MIN_POSITIVE),
            utilisation: u,
            air_floated,
            liquid_supply_c,
            liquid_above_class,
            liquid_fans_kw,
            liquid_chiller_kw,
            transformer_loss_kw,
            water_l,
        })
    }
}

/// The power balance of one hour for `facility`. `distribution_loss_kw` is the in-hall
/// distribution loss from the power-grid solve, kW.
pub fn hour(
    facility: &Valid<Facility>,
    h: HourInputs,
    distribution_loss_kw: f64,
) -> Result<HourResult, EnergyError> {
    Plant::new(facility, distribution_loss_kw)?.hour(h, None)
}

/// Air temperature rise across a dry cooler at design (sets its airflow for the adiabatic
/// water; assumed, typical of dry-cooler selections).
pub const DRY_COOLER_AIR_RISE_K: f64 = 10.0;

/// Seawater temperature proxy for each month, °C, January first: the air's monthly mean dry
/// bulb [`SEA_LAG_MONTHS`] month(s) earlier, not below [`SEA_FLOOR_C`]. An assumption standing
/// in for measured sea-surface temperatures, which no site file carries yet.
pub fn sea_temperature_proxy_c(year: &HourlyYear) -> Result<[f64; 12], EnergyError> {
    let air = year.monthly_mean_dry_bulb_c();
    let mut sea = [0.0; 12];
    for (m, s) in sea.iter_mut().enumerate() {
        let from = (m + 12 - SEA_LAG_MONTHS % 12) % 12;
        let t = air[from].ok_or_else(|| EnergyError::Year {
            reason: format!(
                "month {} has no hours; the seawater proxy for month {} needs it",
                from + 1,
                m + 1
            ),
        })?;
        *s = t.max(SEA_FLOOR_C);
    }
    Ok(sea)
}

/// Every hour of `year`, in order. Seawater plants take their sea temperature from
/// [`sea_temperature_proxy_c`].
pub fn hourly(
    facility: &Valid<Facility>,
    year: &HourlyYear,
    distribution_loss_kw: f64,
) -> Result<Vec<HourResult>, EnergyError> {
    let plant = Plant::new(facility, distribution_loss_kw)?;
    hourly_with(&plant, year)
}

fn hourly_with(plant: &Plant, year: &HourlyYear) -> Result<Vec<HourResult>, EnergyError> {
    if year.is_empty() {
        return Err(EnergyError::Year {
            reason: "no hours".into(),
        });
    }
    let sea = match plant.kind {
        CoolingType::Seawater => Some(sea_temperature_proxy_c(year)?),
        _ => None,
    };
    year.hours
        .iter()
        .enumerate()
        .map(|(i, h)| {
            let sea_c = sea.map(|s| s[usize::from(h.month.clamp(1, 12)) - 1]);
            let hour_of_day = usize::from(h.hour.clamp(1, 24)) - 1;
            plant.hour_of(
                HourInputs::from_hour(h, sea_c),
                plant.utilisation[hour_of_day],
                Some(i),
            )
        })
        .collect()
}

/// The hour whose facility power is highest (ties: higher wet bulb, then higher dry bulb,
/// then the earlier hour). Its supply temperature is the one the thermal solve uses.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PeakHour {
    /// 0-based index in the year.
    pub index: usize,
    pub month: u8,
    pub day: u8,
    /// Hour ending, 1..=24, local standard time.
    pub hour: u8,
    pub dry_bulb_c: f64,
    pub wet_bulb_c: f64,
    /// Economizer source (dry bulb, or seawater), °C.
    pub source_c: f64,
    pub mode: CoolingMode,
    pub supply_c: f64,
    pub return_c: f64,
    pub cop: Option<f64>,
    pub facility_mw: f64,
    pub pue: f64,
}

/// Annual results for one facility at one site. Energies are sums over the year's hours
/// (8760, or 8784 for a leap-year EPW).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Annual {
    pub site_id: String,
    pub cooling_type: CoolingType,
    pub hours: usize,
    /// Annual PUE, The Green Grid: total facility energy / IT energy.
    pub pue: f64,
    pub pue_hourly_min: f64,
    pub pue_hourly_max: f64,
    pub it_mwh: f64,
    pub facility_mwh: f64,
    pub chiller_mwh: f64,
    pub fans_mwh: f64,
    pub pumps_mwh: f64,
    pub heat_rejection_mwh: f64,
    pub ups_loss_mwh: f64,
    pub distribution_loss_mwh: f64,
    /// Heat removed from the cooled space over the year.
    pub cooling_load_mwh: f64,
    pub peak_facility_mw: f64,
    pub hours_free: usize,
    pub hours_partial: usize,
    pub hours_mechanical: usize,
    pub tariff_krw_per_kwh: f64,
    /// Σ facility kWh × tariff.
    pub energy_cost_krw: f64,
    pub grid_carbon_kg_per_kwh: f64,
    /// Σ facility kWh × grid carbon factor / 1000.
    pub carbon_t_co2: f64,
    pub design_hour: PeakHour,
    pub grid_headroom_mw: f64,
    /// grid_headroom_mw − peak_facility_mw; negative when the grid cannot carry the peak.
    pub grid_margin_mw: f64,
    /// Whether the peak facility power fits in the grid headroom (margin >= 0).
    pub grid_feasible: bool,
    /// Monthly seawater proxy used, °C, January first; `None` unless seawater cooling.
    pub sea_temperature_c: Option<[f64; 12]>,
    /// The distribution loss used in every hour at full load, kW (one hall).
    pub distribution_loss_kw: f64,
    /// Halls the figures count (energy, cost, carbon, water and peak are campus totals).
    pub halls: usize,
    /// Water evaporated and blown down over the year, m³, and per IT kWh (WUE), L/kWh.
    pub water_m3: f64,
    pub wue_l_per_kwh: f64,
    /// Hours the supply air floated above its set point (chillers at capacity).
    pub hours_air_floated: usize,
    /// Hours the facility water exceeded the W-class limit (liquid cooling).
    pub hours_liquid_above_class: usize,
    /// Highest facility-water supply of the year, °C.
    pub liquid_supply_max_c: Option<f64>,
    /// Highest coolant supply to the cold plates of the year (facility water + CDU approach), °C.
    pub coolant_supply_max_c: Option<f64>,
    /// Air-side chiller capacity per hall, kW (`null`: unlimited).
    pub chiller_capacity_kw: Option<f64>,
    /// Liquid-loop rejection units per hall: needed, installed.
    pub liquid_units: Option<(usize, usize)>,
    pub transformer_loss_mwh: f64,
}

/// Annual energy, cost, carbon and grid fit of `facility` at `site` over `year` (one hall,
/// unlimited chillers, the site file's headroom).
pub fn annual(
    site: &Valid<Site>,
    facility: &Valid<Facility>,
    year: &HourlyYear,
    distribution_loss_kw: f64,
) -> Result<Annual, EnergyError> {
    let plant = Plant::new(facility, distribution_loss_kw)?;
    let results = hourly_with(&plant, year)?;
    // without a grid model: the site file's override, else none
    summarize(
        site,
        &plant,
        year,
        &results,
        1,
        site.power.grid_headroom_mw.unwrap_or(0.0),
    )
}

/// The plant sized for the site's `design` condition, every hour of `year`, and the annual
/// figures of `halls` such halls against `headroom_mw` of grid.
pub fn annual_sized(
    site: &Valid<Site>,
    facility: &Valid<Facility>,
    year: &HourlyYear,
    distribution_loss_kw: f64,
    design: DesignCondition,
    halls: usize,
    headroom_mw: f64,
) -> Result<(Plant, Vec<HourResult>, Annual), EnergyError> {
    let plant = Plant::sized(facility, distribution_loss_kw, Some(design))?;
    let results = hourly_with(&plant, year)?;
    let annual = summarize(site, &plant, year, &results, halls, headroom_mw)?;
    Ok((plant, results, annual))
}

/// Annual figures from hourly results already computed for `year` (one per hour, in order),
/// for `halls` identical halls.
pub fn summarize(
    site: &Valid<Site>,
    plant: &Plant,
    year: &HourlyYear,
    results: &[HourResult],
    halls: usize,
    headroom_mw: f64,
) -> Result<Annual, EnergyError> {
    let tariff = site.power.tariff_krw_per_kwh;
    let carbon = site.power.grid_carbon_kg_per_kwh;
    let headroom = headroom_mw;
    let scale = halls as f64;
    if results.is_empty() || results.len() != year.len() {
        return Err(EnergyError::Year {
            reason: format!(
                "{} hourly results for a year of {} hours",
                results.len(),
                year.len()
            ),
        });
    }

    let mut it_kwh = 0.0;
    let mut facility_kwh = 0.0;
    let mut chiller_kwh = 0.0;
    let mut fans_kwh = 0.0;
    let mut pumps_kwh = 0.0;
    let mut heat_rejection_kwh = 0.0;
    let mut ups_kwh = 0.0;
    let mut distribution_kwh = 0.0;
    let mut cooling_kwh = 0.0;
    let mut cost_krw = 0.0;
    let mut carbon_kg = 0.0;
    let (mut water_l, mut transformer_kwh) = (0.0, 0.0);
    let (mut floated, mut above_class) = (0, 0);
    let mut liquid_max: Option<f64> = None;
    let (mut free, mut partial, mut mechanical) = (0, 0, 0);
    let mut pue_min = f64::INFINITY;
    let mut pue_max = f64::NEG_INFINITY;
    let mut design = 0;
    for (i, r) in results.iter().enumerate() {
        it_kwh += r.it_kw;
        facility_kwh += r.facility_kw;
        // the liquid loop's trim chiller and dry-cooler fans count with the air side's
        chiller_kwh += r.chiller_kw + r.liquid_chiller_kw;
        fans_kwh += r.fans_kw;
        pumps_kwh += r.pumps_kw;
        heat_rejection_kwh += r.heat_rejection_kw + r.liquid_fans_kw;
        ups_kwh += r.ups_loss_kw;
        distribution_kwh += r.distribution_loss_kw;
        cooling_kwh += r.cooling_load_kw;
        cost_krw += r.facility_kw * tariff;
        carbon_kg += r.facility_kw * carbon;
        water_l += r.water_l;
        transformer_kwh += r.transformer_loss_kw;
        floated += usize::from(r.air_floated);
        above_class += usize::from(r.liquid_above_class);
        if let Some(t) = r.liquid_supply_c {
            liquid_max = Some(liquid_max.map_or(t, |m: f64| m.max(t)));
        }
        match r.mode {
            CoolingMode::Free => free += 1,
            CoolingMode::Partial => partial += 1,
            CoolingMode::Mechanical => mechanical += 1,
        }
        pue_min = pue_min.min(r.pue);
        pue_max = pue_max.max(r.pue);
        let (best, best_h, h) = (&results[design], &year.hours[design], &year.hours[i]);
        let key = (r.facility_kw, h.wet_bulb_c, h.dry_bulb_c);
        let best_key = (best.facility_kw, best_h.wet_bulb_c, best_h.dry_bulb_c);
        if key > best_key {
            design = i;
        }
    }
    let d = &results[design];
    let dh = &year.hours[design];
    let peak_facility_mw = scale * d.facility_kw / 1000.0;
    let margin = headroom - peak_facility_mw;
    Ok(Annual {
        site_id: site.id.clone(),
        cooling_type: plant.kind,
        hours: results.len(),
        pue: facility_kwh / it_kwh,
        pue_hourly_min: pue_min,
        pue_hourly_max: pue_max,
        it_mwh: it_kwh * scale / 1000.0,
        facility_mwh: facility_kwh * scale / 1000.0,
        chiller_mwh: chiller_kwh * scale / 1000.0,
        fans_mwh: fans_kwh * scale / 1000.0,
        pumps_mwh: pumps_kwh * scale / 1000.0,
        heat_rejection_mwh: heat_rejection_kwh * scale / 1000.0,
        ups_loss_mwh: ups_kwh * scale / 1000.0,
        distribution_loss_mwh: distribution_kwh * scale / 1000.0,
        cooling_load_mwh: cooling_kwh * scale / 1000.0,
        peak_facility_mw,
        hours_free: free,
        hours_partial: partial,
        hours_mechanical: mechanical,
        tariff_krw_per_kwh: tariff,
        energy_cost_krw: cost_krw * scale,
        grid_carbon_kg_per_kwh: carbon,
        carbon_t_co2: carbon_kg * scale / 1000.0,
        design_hour: PeakHour {
            index: design,
            month: dh.month,
            day: dh.day,
            hour: dh.hour,
            dry_bulb_c: dh.dry_bulb_c,
            wet_bulb_c: dh.wet_bulb_c,
            source_c: d.source_c,
            mode: d.mode,
            supply_c: d.supply_c,
            return_c: d.return_c,
            cop: d.cop,
            facility_mw: peak_facility_mw,
            pue: d.pue,
        },
        grid_headroom_mw: headroom,
        grid_margin_mw: margin,
        grid_feasible: margin >= 0.0,
        sea_temperature_c: match plant.kind {
            CoolingType::Seawater => Some(sea_temperature_proxy_c(year)?),
            _ => None,
        },
        distribution_loss_kw: plant.distribution_loss_kw,
        halls,
        water_m3: water_l * scale / 1000.0,
        wue_l_per_kwh: water_l / it_kwh,
        hours_air_floated: floated,
        hours_liquid_above_class: above_class,
        liquid_supply_max_c: liquid_max,
        coolant_supply_max_c: liquid_max
            .zip(plant.liquid.as_ref())
            .map(|(t, l)| t + l.cdu_approach_k),
        chiller_capacity_kw: plant
            .chiller_capacity_kw
            .is_finite()
            .then_some(plant.chiller_capacity_kw),
        liquid_units: plant.liquid.as_ref().map(|l| l.units),
        transformer_loss_mwh: transformer_kwh * scale / 1000.0,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::site::{validate_facility, Cooling};
    use std::path::Path;

    /// Round-number facility for hand calculation: 10 MW IT, 20 °C supply, 10 K rise,
    /// 2 K economizer approach, 5 K tower approach, 2 % heat-rejection fans, η = 0.5,
    /// COP in [2, 12], UPS 95 %, hall fans 5 %, pumps 1 %.
    fn facility() -> Valid<Facility> {
        valid(raw_facility())
    }

    fn valid(f: Facility) -> Valid<Facility> {
        validate_facility(f, Path::new("hand.json")).expect("a valid facility")
    }

    fn raw_facility() -> Facility {
        Facility {
            schema: None,
            name: "hand".into(),
            it_load_mw: 10.0,
            rack_kw: 40.0,
            rack_width_m: 0.6,
            rack_depth_m: 1.2,
            racks_per_row: 20,
            cold_aisle_m: 1.2,
            hot_aisle_m: 0.9,
            perimeter_clearance_m: 3.0,
            cooling: Cooling {
                kind: CoolingType::AirEconomizer,
                supply_setpoint_c: 20.0,
                supply_delta_t_k: 10.0,
                economizer_approach_k: 2.0,
                tower_or_drycooler_approach_k: 5.0,
                heat_rejection_fan_fraction: 0.02,
                chiller_carnot_efficiency: 0.5,
                chiller_cop_min: 2.0,
                chiller_cop_max: 12.0,
            },
            ups_efficiency: 0.95,
            fan_power_fraction: 0.05,
            pump_power_fraction: 0.01,
            distribution_voltage_v: 380.0,
            busway_conductance_s_m: 58_000.0,
            campus: None,
            electrical: None,
            air: None,
            liquid: None,
            plant: None,
            ups_curve: None,
            utilisation: None,
            movers: None,
            sources: vec!["test".into()],
            assumed: vec![],
            ranges: Default::default(),
        }
    }

    const DIST_KW: f64 = 50.0;

    fn air(dry_bulb_c: f64, wet_bulb_c: f64) -> HourInputs {
        HourInputs {
            dry_bulb_c,
            wet_bulb_c,
            sea_c: None,
        }
    }

    #[track_caller]
    fn close(actual: f64, expected: f64) {
        let rel = ((actual - expected) / expected).abs();
        assert!(
            rel <= 1e-9,
            "got {actual}, expected {expected} (relative error {rel:e})"
        );
    }

    // Common to all three hours (hand):
    //   IT = 10 MW = 10000 kW; hall fans = 0.05 × 10000 = 500 kW; pumps = 0.01 × 10000 = 100 kW
    //   UPS loss = 10000 × (1/0.95 − 1) = 10000 × 0.05/0.95 = 526.315789473684 kW
    //   distribution = 50 kW
    //   cooling load Q = 10000 + 500 + 526.315789473684 + 50 = 11076.315789473684 kW
    //   T_evap = 20 − 6 = 14 °C = 287.15 K; condenser range R = 9.3 °F = 5.1666… K
    const UPS_KW: f64 = 526.315789473684;
    const Q_KW: f64 = 11076.315789473684;

    #[test]
    fn free_hour_by_hand() {
        // 10 °C dry bulb, 7 °C wet bulb: economizer reaches 10 + 2 = 12 °C <= 20 °C → free.
        // chiller 0; heat rejected = Q + 0 + 100 = 11176.315789473684 kW;
        // heat-rejection fans = 0.02 × 11176.315789473684 = 223.526315789474 kW;
        // facility = 10000 + 0 + 500 + 100 + 223.526315789474 + 526.315789473684 + 50
        //          = 11399.842105263158 kW; PUE = 1.1399842105263158.
        let r = hour(&facility(), air(10.0, 7.0), DIST_KW).expect("valid");
        assert_eq!(r.mode, CoolingMode::Free);
        assert_eq!(r.chiller_fraction, 0.0);
        assert_eq!(r.cop, None);
        assert_eq!(r.chiller_kw, 0.0);
        close(r.economizer_c, 12.0);
        close(r.ups_loss_kw, UPS_KW);
        close(r.cooling_load_kw, Q_KW);
        close(r.heat_rejection_kw, 223.526315789474);
        close(r.facility_kw, 11399.842105263158);
        close(r.pue, 1.1399842105263158);
        assert_eq!(r.supply_c, 20.0);
    }

    #[test]
    fn partial_hour_by_hand() {
        // 24 °C dry bulb, 18 °C wet bulb: economizer reaches 26 °C, between supply 20 and
        // return 30 → partial, chiller fraction (26 − 20)/(30 − 20) = 0.6.
        // T_cond = 18 + 5 + 5.1666… = 28.1666… °C; lift = 14.1666… K;
        // COP = 0.5 × 287.15 / 14.1666… = 143.575 × 6/85 = 10.134705882352941 (inside [2, 12]).
        // chiller load = 0.6 × Q = 6645.78947368421 kW; chiller = 655.745667494524 kW.
        // heat rejected = Q + 655.745667494524 + 100 = 11832.061456968207;
        // fans = 0.02 × that = 236.641229139364 kW.
        // facility = 10000 + 655.745667494524 + 500 + 100 + 236.641229139364
        //          + 526.315789473684 + 50 = 12068.702686107572 kW; PUE 1.2068702686107572.
        let r = hour(&facility(), air(24.0, 18.0), DIST_KW).expect("valid");
        assert_eq!(r.mode, CoolingMode::Partial);
        close(r.chiller_fraction, 0.6);
        close(r.cop.expect("chiller on"), 10.134705882352941);
        close(r.chiller_load_kw, 6645.78947368421);
        close(r.chiller_kw, 655.745667494524);
        close(r.heat_rejection_kw, 236.641229139364);
        close(r.facility_kw, 12068.702686107572);
        close(r.pue, 1.2068702686107572);
    }

    #[test]
    fn mechanical_hour_by_hand() {
        // 33 °C dry bulb, 27 °C wet bulb: economizer reaches 35 °C >= return 30 → mechanical.
        // T_cond = 27 + 5 + 5.1666… = 37.1666… °C; lift 23.1666… K;
        // COP = 143.575 / 23.1666… = 143.575 × 6/139 = 6.197482014388489.
        // chiller = Q / COP = 1787.228387877233 kW.
        // heat rejected = Q + 1787.228387877233 + 100 = 12963.544177350916;
        // fans = 259.270883547018 kW.
        // facility = 10000 + 1787.228387877233 + 500 + 100 + 259.270883547018
        //          + 526.315789473684 + 50 = 13222.815060897935 kW; PUE 1.3222815060897935.
        let r = hour(&facility(), air(33.0, 27.0), DIST_KW).expect("valid");
        assert_eq!(r.mode, CoolingMode::Mechanical);
        assert_eq!(r.chiller_fraction, 1.0);
        close(r.cop.expect("chiller on"), 6.197482014388489);
        close(r.chiller_kw, 1787.228387877233);
        close(r.heat_rejection_kw, 259.270883547018);
        close(r.facility_kw, 13222.815060897935);
        close(r.pue, 1.3222815060897935);
    }

    #[test]
    fn mode_boundaries_are_inclusive_as_documented() {
        // Economizer exactly at supply (18 + 2 = 20): free. Exactly at return (28 + 2 = 30):
        // mechanical.
        let f = facility();
        let at_supply = hour(&f, air(18.0, 10.0), 0.0).expect("valid");
        assert_eq!(at_supply.mode, CoolingMode::Free);
        let at_return = hour(&f, air(28.0, 20.0), 0.0).expect("valid");
        assert_eq!(at_return.mode, CoolingMode::Mechanical);
        assert_eq!(at_return.chiller_fraction, 1.0);
    }

    #[test]
    fn cop_is_clamped() {
        let plant = Plant::new(&facility(), 0.0).expect("valid");
        // Lift 1 K: 0.5 × 287.15 = 143.6 → cop_max 12.
        assert_eq!(plant.cop(15.0, 14.0), 12.0);
        // No lift at all: cop_max.
        assert_eq!(plant.cop(10.0, 14.0), 12.0);
        // Lift 100 K: 1.4358 → cop_min 2.
        assert_eq!(plant.cop(114.0, 14.0), 2.0);
    }

    #[test]
    fn facility_power_is_the_sum_of_its_parts_and_pue_at_least_one() {
        let f = facility();
        for db in [-20.0, 0.0, 15.0, 21.0, 25.0, 29.0, 40.0] {
            let r = hour(&f, air(db, db - 4.0), DIST_KW).expect("valid");
            let parts = r.it_kw
                + r.chiller_kw
                + r.fans_kw
                + r.pumps_kw
                + r.heat_rejection_kw
                + r.ups_loss_kw
                + r.distribution_loss_kw;
            close(r.facility_kw, parts);
            assert!(r.pue >= 1.0);
        }
    }

    #[test]
    fn invalid_facility_is_refused_by_validation_naming_the_field() {
        // The energy model takes only validated facilities; these are the figures it would
        // otherwise divide by or clamp with, and validation names each one.
        type Edit = fn(&mut Facility);
        let cases: [(Edit, &str); 4] = [
            (|f| f.ups_efficiency = 0.0, "ups_efficiency"),
            (
                |f| f.cooling.chiller_cop_max = 1.0,
                "cooling.chiller_cop_max",
            ),
            (|f| f.it_load_mw = f64::NAN, "it_load_mw"),
            (
                |f| f.cooling.supply_delta_t_k = 0.0,
                "cooling.supply_delta_t_k",
            ),
        ];
        for (edit, field) in cases {
            let mut f = raw_facility();
            edit(&mut f);
            let e = validate_facility(f, Path::new("hand.json")).unwrap_err();
            let findings = e.findings();
            assert!(
                findings.len() == 1 && findings[0].path == field,
                "{field}: {findings:?}"
            );
        }
    }

    #[test]
    fn invalid_inputs_are_errors() {
        let f = facility();
        let e = hour(&f, air(10.0, 5.0), -1.0).unwrap_err();
        assert!(
            matches!(
                e,
                EnergyError::Input {
                    field: "distribution_loss_kw",
                    ..
                }
            ),
            "{e}"
        );
        let e = hour(&f, air(f64::NAN, 5.0), 0.0).unwrap_err();
        assert!(
            matches!(
                e,
                EnergyError::Input {
                    field: "dry_bulb_c",
                    ..
                }
            ),
            "{e}"
        );
        let mut sea = raw_facility();
        sea.cooling.kind = CoolingType::Seawater;
        let e = hour(&valid(sea), air(10.0, 5.0), 0.0).unwrap_err();
        assert!(
            matches!(e, EnergyError::Input { field: "sea_c", .. }),
            "{e}"
        );
        assert_eq!(
            e.to_string(),
            "sea_c: a seawater plant needs the sea temperature of the hour"
        );
    }

    #[test]
    fn seawater_and_liquid_use_their_own_sources() {
        // Seawater: 14 °C sea, 2 K exchanger → 16 °C <= 20 → free, whatever the air.
        let mut sea = raw_facility();
        sea.cooling.kind = CoolingType::Seawater;
        let sea = valid(sea);
        let h = HourInputs {
            dry_bulb_c: 35.0,
            wet_bulb_c: 28.0,
            sea_c: Some(14.0),
        };
        let r = hour(&sea, h, 0.0).expect("valid");
        assert_eq!(r.mode, CoolingMode::Free);
        close(r.source_c, 14.0);
        // Sea at 23 °C: economizer 25 °C → partial 0.5; condenser 23 + 5 + R.
        let r = hour(
            &sea,
            HourInputs {
                sea_c: Some(23.0),
                ..h
            },
            0.0,
        )
        .expect("valid");
        assert_eq!(r.mode, CoolingMode::Partial);
        close(r.chiller_fraction, 0.5);
        close(r.condensing_c, 23.0 + 5.0 + CONDENSER_RANGE_K);

        // Liquid, 32 °C coolant: dry bulb 20 + 5 (dry cooler) + 2 (CDU) = 27 <= 32 → free.
        let mut dlc = raw_facility();
        dlc.cooling.kind = CoolingType::DirectLiquidDryCooler;
        dlc.cooling.supply_setpoint_c = 32.0;
        let dlc = valid(dlc);
        let r = hour(&dlc, air(20.0, 15.0), 0.0).expect("valid");
        assert_eq!(r.mode, CoolingMode::Free);
        close(r.economizer_c, 27.0);
        // Dry bulb 30: 37 → partial (37 − 32)/10 = 0.5, condenser 30 + 5 + R.
        let r = hour(&dlc, air(30.0, 15.0), 0.0).expect("valid");
        assert_eq!(r.mode, CoolingMode::Partial);
        close(r.chiller_fraction, 0.5);
        close(r.condensing_c, 35.0 + CONDENSER_RANGE_K);
    }
    #[test]
    fn fan_and_pump_laws_by_hand() {
        // The hand facility (no liquid: all heat to air) at half utilisation, UPS 95 % flat,
        // distribution 50 kW at full load:
        //   IT 5000 kW; UPS loss 5000 × 0.05/0.95 = 263.157894736842 kW; I²R 50 × 0.25 = 12.5 kW
        //   heat to move 5275.657894736842 of 10576.315789473684 kW at full load → 0.498818...
        //   fans 0.05 × 10000 × 0.498818…³ = 62.0578 kW, pumps 0.01 × 10000 × the same cube
        let ratio = 5275.657894736842 / 10576.315789473684;
        let f = facility();
        let plant = Plant::new(&f, DIST_KW).expect("valid");
        let r = plant.hour_of(air(10.0, 7.0), 0.5, None).expect("valid");
        close(r.fans_kw, 500.0 * ratio * ratio * ratio);
        close(r.pumps_kw, 100.0 * ratio * ratio * ratio);
        close(r.fans_kw, 62.057_839_550_010_56);
        // at full load the drives run at design flow: the constant-flow figures
        let full = plant.hour_of(air(10.0, 7.0), 1.0, None).expect("valid");
        close(full.fans_kw, 500.0);
        close(full.pumps_kw, 100.0);
        // at 10 % utilisation the drives stop at their 30 % minimum: 0.3³ = 0.027
        let low = plant.hour_of(air(10.0, 7.0), 0.1, None).expect("valid");
        close(low.fans_kw, 500.0 * 0.027);
        close(low.pumps_kw, 100.0 * 0.027);
        // constant-flow drives: design power at every load
        let mut constant = raw_facility();
        constant.movers = Some(crate::site::Movers {
            variable_speed: false,
            min_speed_fraction: 0.3,
        });
        let plant = Plant::new(&valid(constant), DIST_KW).expect("valid");
        let r = plant.hour_of(air(10.0, 7.0), 0.5, None).expect("valid");
        close(r.fans_kw, 500.0);
        close(r.pumps_kw, 100.0);
    }
    #[test]
    fn ups_curve_points_by_hand() {
        // curve (10 %, 0.90), (50 %, 0.95), (100 %, 0.96): linear between, constant beyond
        let mut f = raw_facility();
        f.ups_curve = Some(vec![[0.1, 0.90], [0.5, 0.95], [1.0, 0.96]]);
        let plant = Plant::new(&valid(f), DIST_KW).expect("valid");
        close(plant.ups_efficiency_at(0.3), 0.925); // 0.90 + (0.2 / 0.4) × 0.05
        close(plant.ups_efficiency_at(0.75), 0.955); // 0.95 + (0.25 / 0.5) × 0.01
        close(plant.ups_efficiency_at(0.05), 0.90);
        close(plant.ups_efficiency_at(1.0), 0.96);
        // at 30 % utilisation: IT 3000 kW, loss 3000 × (1/0.925 − 1) = 243.243243243243 kW
        let r = plant.hour_of(air(10.0, 7.0), 0.3, None).expect("valid");
        close(r.ups_loss_kw, 3000.0 * (1.0 / 0.925 - 1.0));
        close(r.ups_loss_kw, 243.243_243_243_243_24);
    }
}
