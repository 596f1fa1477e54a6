//! `cargo bench --bench hall_air`: the time of one hall air field (potential flow, prepared
//! temperature operator, rack-coupled solve) at the shipped facilities' hall sizes, on the CPU
//! and on a GPU adapter where there is one. Under `cargo test` it only checks that it builds.

use dcplan::backend::{select, BackendChoice};
use dcplan::layout::{default_cell_m, FloorPlan};
use dcplan::model::hall::HallModel;
use dcplan::model::params::HallParams;
use dcplan::site::load_facility;
use std::path::Path;
use std::time::Instant;

const FACILITIES: [&str; 2] = [
    "sites/facilities/ai-hall-20mw.json",
    "sites/facilities/ai-campus-100mw.json",
];
const RUNS: usize = 3;

fn main() {
    if !std::env::args().any(|a| a == "--bench") {
        println!("hall air benchmark: run it with `cargo bench --bench hall_air`");
        return;
    }
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    for choice in [BackendChoice::Cpu, BackendChoice::Gpu] {
        let (mut backend, line) = match select(choice, None) {
            Ok(b) => b,
            Err(e) => {
                println!("{choice:?}: not run: {e}");
                continue;
            }
        };
        println!("{line}");
        let options = backend.solver().default_options();
        for file in FACILITIES {
            let facility = match load_facility(&root.join(file)) {
                Ok(f) => f.into_inner(),
                Err(e) => {
                    println!("{file}: {e}");
                    continue;
                }
            };
            let cell_m = default_cell_m(&facility);
            let plan = match FloorPlan::build(&facility, cell_m) {
                Ok(p) => p,
                Err(e) => {
                    println!("{file}: {e}");
                    continue;
                }
            };
            let (nx, ny) = (plan.nx, plan.ny);
            for run in 1..=RUNS {
                let start = Instant::now();
                let hall = HallModel::new(
                    plan.clone(),
                    &facility,
                    HallParams::default(),
                    backend.solver(),
                    &options,
                );
                let mut hall = match hall {
                    Ok(h) => h,
                    Err(e) => {
                        println!("{file}: {e}");
                        break;
                    }
                };
                let setup_s = start.elapsed().as_secs_f64();
                let start = Instant::now();
                let setpoint = facility.cooling.supply_setpoint_c;
                match hall.direct(setpoint, setpoint, 1.0, &[]) {
                    Ok(field) => println!(
                        "{file}  {nx} x {ny} cells of {cell_m} m  run {run}  flow + prepare {setup_s:.3} s  \
                         coupled field {:.3} s ({} field solves, coupling residual {:.1e}, \
                         heat imbalance {:.1e}, max cell Péclet {:.1})",
                        start.elapsed().as_secs_f64(),
                        field.solves,
                        field.coupling_residual,
                        field.heat_imbalance(),
                        hall.air.max_cell_peclet()
                    ),
                    Err(e) => println!("{file}: {e}"),
                }
            }
        }
    }
}
