//! dcplan's integration tests: one binary, one module per area, run by the harness in
//! [`harness`] (libtest-mimic, `harness = false` in Cargo.toml) so that tests needing a GPU
//! adapter or the shared data folder show as ignored where those are missing, never as passed.

mod harness;
mod layering;

mod airflow;
mod campus;
mod cfd;
mod cli;
mod climate;
mod common;
mod deploy;
mod energy;
mod grid;
mod hostile;
mod impact;
mod model;
mod multigrid;
mod parcels;
mod rank;
mod report;
mod shard;
mod site;
mod solver;
mod uncertainty;

use libtest_mimic::{Arguments, Trial};

fn main() {
    let (argv, filters) = harness::split_filters(std::env::args());
    let args = Arguments::from_iter(argv);
    let mut tests: Vec<Trial> = [
        airflow::tests(),
        campus::tests(),
        cfd::tests(),
        grid::tests(),
        hostile::tests(),
        impact::tests(),
        cli::tests(),
        deploy::tests(),
        climate::tests(),
        energy::tests(),
        layering::tests(),
        model::tests(),
        multigrid::tests(),
        parcels::tests(),
        rank::tests(),
        shard::tests(),
        report::tests(),
        site::tests(),
        solver::tests(),
        uncertainty::tests(),
    ]
    .into_iter()
    .flatten()
    .collect();
    harness::keep_matching(&mut tests, &filters, args.exact);
    libtest_mimic::run(&args, tests).exit();
}
