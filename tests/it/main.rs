//! dcplan's integration tests: one binary, one module per area.

mod cli;
mod climate;
mod common;
mod energy;
mod grid;
mod model;
mod rank;
mod site;
mod solver;
