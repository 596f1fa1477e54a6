//! Report stage: turns solved fields and rankings into files a person reads
//! (PNG heatmaps of the data hall).

pub mod files;
pub mod heatmap;
pub mod map;
pub mod ranking;
pub mod site;
