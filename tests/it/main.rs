//! dcplan's integration tests: one binary, one module per area.

mod airflow;
mod cli;
mod climate;
mod common;
mod energy;
mod model;
mod multigrid;
mod rank;
mod site;
mod solver;
