//! dcplan's integration tests: one binary, one module per area.

mod climate;
mod common;
mod site;
mod solver;
