//! The multi-site pipeline: simulate one site, evaluate many, rank them.

pub mod criteria;
pub mod ranking;
pub mod simulate;
