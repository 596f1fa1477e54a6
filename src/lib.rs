//! dcplan: thermal and power planning of AI datacenter sites, solved on the GPU.
//!
//! Data flows one way: `site → climate → layout → solver → gpu → model → rank → report`;
//! `cli` and `main.rs` only parse, call and print.

pub mod backend;
pub mod bench;
pub mod cli;
pub mod climate;
pub mod gpu;
pub mod grid;
pub mod layout;
pub mod model;
pub mod rank;
pub mod report;
pub mod site;
pub mod solver;
