//! `dcplan simulate`: one site's arguments into a [`SimulateRequest`], the site simulated,
//! its files written, its summary printed.

use super::{backend, wrote, Announce, Cli, CliError, Exit};
use crate::fsio::OutputDir;
use crate::plan::limits::check_grid;
use crate::plan::{load_simulation, simulate_site, SimulateRequest, SiteRun};
use crate::report::simulation::{write_site, SITE_FILES};
use std::path::PathBuf;

#[derive(clap::Args, Debug)]
pub struct SimulateArgs {
    /// The site file.
    pub site: PathBuf,
    /// The facility design (default: facilities/ai-hall-20mw.json beside the site file).
    #[arg(long)]
    pub facility: Option<PathBuf>,
    /// Grid cell size, m (default: half the rack's smaller side, so a rack spans 2 cells).
    #[arg(long)]
    pub cell_m: Option<f64>,
    /// Output folder.
    #[arg(long)]
    pub out: PathBuf,
}

impl SimulateArgs {
    /// The checked request: `--cell-m` a positive finite number before any file is read.
    pub fn request(&self) -> Result<SimulateRequest, CliError> {
        check_cell_m(self.cell_m)?;
        Ok(SimulateRequest {
            site: self.site.clone(),
            facility: self.facility.clone(),
            cell_m: self.cell_m,
        })
    }
}

/// `--cell-m` must be a positive finite number of metres (the range a facility allows is
/// checked once it is loaded, `plan::limits::check_grid`).
pub fn check_cell_m(cell_m: Option<f64>) -> Result<(), CliError> {
    match cell_m {
        Some(c) if !(c.is_finite() && c > 0.0) => Err(CliError::Args(format!(
            "--cell-m: expected a positive number of metres, found {c}"
        ))),
        _ => Ok(()),
    }
}

pub fn run(cli: &Cli, args: &SimulateArgs) -> Result<Exit, CliError> {
    let inputs = load_simulation(&args.request()?)?;
    check_grid(&inputs.facility.facility, inputs.cell_m)?;
    // the output folder is checked (and staged) before any computing
    let out = OutputDir::prepare(&args.out, &SITE_FILES)?;
    let mut backend = backend(cli, Announce::Status)?;
    let run = simulate_site(&inputs, &mut backend)?;
    let files: Vec<PathBuf> = write_site(&run, out.path())?
        .iter()
        .map(|f| out.final_path(f))
        .collect();
    out.commit()?;
    print_summary(&run);
    wrote(cli, &files);
    Ok(Exit::Success)
}

fn print_summary(run: &SiteRun) {
    let m = &run.metrics;
    println!(
        "{} ({}): design hour {:.1} °C dry bulb / {:.1} °C wet bulb ({})",
        m.inputs.site_name_en,
        m.inputs.site_id,
        m.design_hour.outdoor.dry_bulb_c,
        m.design_hour.outdoor.wet_bulb_c,
        m.design_hour.outdoor.source
    );
    let c = &m.campus;
    println!(
        "  campus: {} of {} halls fit the land ({:.1} MW of IT){}",
        c.halls_placed,
        c.halls_asked,
        c.it_mw_placed,
        c.limit
            .as_deref()
            .map(|l| format!(": {l}"))
            .unwrap_or_default()
    );
    let w = &m.hourly_thermal;
    println!(
        "  every hour's racks: hottest inlet {:.2} °C (hour {}); worst rack {} {} h outside \
         recommended 18-27 °C, {} h outside A1; {} rack-hours outside A1 in all",
        w.max_inlet_c,
        w.worst_hour + 1,
        w.worst_rack,
        w.worst_rack_hours_outside_recommended,
        w.worst_rack_hours_outside_a1,
        w.rack_hours_outside_a1
    );
    println!(
        "  hottest hour's field: worst rack inlet {:.2} °C at {} (mean {:.2} °C); outside ASHRAE recommended 18-27 °C: {}, outside A1 15-32 °C: {} of {} racks",
        m.thermal.worst_inlet_c,
        m.thermal.worst_rack,
        m.thermal.mean_inlet_c,
        m.thermal.outside_recommended,
        m.thermal.outside_allowable_a1,
        m.thermal.racks
    );
    println!(
        "  worst voltage drop {:.2} % at {} (limit {} %); busway losses {:.1} kW",
        m.power.worst_drop_pct,
        m.power.worst_rack,
        m.power.drop_limit_pct,
        m.power.distribution_loss_w / 1e3
    );
    let e = &m.energy;
    println!(
        "  annual PUE {:.3} ({} h free, {} h partial, {} h mechanical cooling); {:.1} GWh, {:.1} bn KRW, {:.1} kt CO2",
        e.pue,
        e.hours_free,
        e.hours_partial,
        e.hours_mechanical,
        e.facility_mwh / 1e3,
        e.energy_cost_krw / 1e9,
        e.carbon_t_co2 / 1e3
    );
    println!(
        "  water {:.0} m3/yr (WUE {:.3} L/kWh); supply air floated above its set point in {} h{}",
        e.water_m3,
        e.wue_l_per_kwh,
        e.hours_air_floated,
        e.liquid_supply_max_c
            .map(|t| format!(
                "; facility water up to {t:.1} °C, {} h above its class limit, coolant to the \
                 cold plates up to {:.1} °C",
                e.hours_liquid_above_class,
                e.coolant_supply_max_c.unwrap_or(t)
            ))
            .unwrap_or_default()
    );
    let g = &m.grid_fit;
    let binding = g
        .hosting
        .as_ref()
        .map(|h| {
            format!(
                " at {} ({}{})",
                h.bus,
                h.binding_branch.as_deref().unwrap_or("no binding branch"),
                h.binding_outage
                    .as_deref()
                    .map(|o| format!(" after outage of {o}"))
                    .unwrap_or_default()
            )
        })
        .unwrap_or_default();
    println!(
        "  peak {:.2} MW against {:.1} MW grid hosting capacity ({}{binding}): {}",
        e.peak_facility_mw,
        e.grid_headroom_mw,
        g.source,
        if e.grid_feasible {
            format!("fits, {:.2} MW to spare", e.grid_margin_mw)
        } else {
            format!("does NOT fit, {:.2} MW short", -e.grid_margin_mw)
        }
    );
    let h = &m.hostable;
    println!(
        "  hosts {:.2} MW of IT, limited by {} (land {:.1}, grid {:.1}, thermal {:.1} MW)",
        h.it_mw, h.limited_by, h.land_it_mw, h.grid_it_mw, h.thermal_it_mw
    );
    let a = &m.grid_impact;
    println!(
        "  grid-impact assessment: {} ({:.1} points scored by assumed rules; {:.1}-{:.1} with the \
         items not modelled; {} needed)",
        a.verdict, a.modelled_points, a.lower_points, a.upper_points, a.pass_points
    );
}
