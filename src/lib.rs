//! dcplan: thermal and power planning of AI datacenter sites, solved on the GPU.
//!
//! Data flows one way (DESIGN.md): `site → climate → layout → solver → gpu → grid → model →
//! plan → rank → report`; `cli` and `main.rs` only parse, call and print.
//!
//! Imports follow the flow, with two modules placed low because they import nothing of the
//! crate: `fsio` (atomic file writes, used by `report` and `bench`) and `rank` (pure decision
//! analysis: numbers and directions, never sites, models or solvers). `plan` builds the
//! decision matrix from simulated sites and calls `rank`'s functions on it; `report` reads
//! `plan`'s result types; so where the data meets `rank` late in the flow, the imports still
//! point down. `backend` (the choice of solver) sits above `gpu`, `bench` above `backend`.
//! The rule: a module imports only modules before it in this list (`tests/it/layering.rs`
//! checks every `crate::` path in `src/` against it; `grid` is listed where it will go).
//!
//! Import order, lowest first: `fsio`, `rank`, `site`, `climate`, `layout`, `solver`, `gpu`,
//! `backend`, `grid`, `model`, `plan`, `report`, `bench`, `cli`.

pub mod backend;
pub mod bench;
pub mod cli;
pub mod climate;
pub mod fsio;
pub mod gpu;
pub mod grid;
pub mod layout;
pub mod model;
pub mod plan;
pub mod rank;
pub mod report;
pub mod site;
pub mod solver;
