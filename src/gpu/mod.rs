//! GPU backend through wgpu: context (adapter, device, limits), kernels (one per WGSL stage),
//! buffers (per-level fields) and the GPU multigrid that records whole V-cycles.
//! Nothing outside this module sees a wgpu type.

pub mod bandwidth;
pub mod buffers;
pub mod context;
pub mod kernels;
pub mod screen;
pub mod solver;

pub use context::{list_adapters, pick_adapter, AdapterSummary, GpuContext};
pub use solver::GpuMultigrid;

use crate::solver::SolveError;

#[derive(Debug, thiserror::Error)]
pub enum GpuError {
    #[error("no GPU adapter{} (adapters seen: {})", filter.as_ref().map(|f| format!(" whose name contains `{f}`")).unwrap_or_default(), if available.is_empty() { "none".to_string() } else { available.join(", ") })]
    NoAdapter {
        filter: Option<String>,
        available: Vec<String>,
    },
    #[error("could not open the device: {0}")]
    RequestDevice(String),
    #[error("grid {nx} x {ny} is too large for this adapter: it needs {needed} but the adapter's {limit} is {value}")]
    GridTooLarge {
        nx: usize,
        ny: usize,
        limit: &'static str,
        value: u64,
        needed: u64,
    },
    #[error("{what}: validation error: {message}")]
    Validation { what: String, message: String },
    #[error("{what}: out of GPU memory: {message}")]
    OutOfMemory { what: String, message: String },
    #[error("{0}")]
    Device(String),
}

impl From<GpuError> for SolveError {
    fn from(e: GpuError) -> Self {
        SolveError::Device(Box::new(e))
    }
}
