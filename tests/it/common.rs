//! Shared test helpers.

use dcplan::gpu::{GpuContext, GpuMultigrid};

/// The GPU solver on the best adapter wgpu sees (lavapipe in CI). Only `gpu` trials call it
/// (see `harness`): they run only where an adapter exists or `DCPLAN_REQUIRE_GPU=1`, so a
/// failure to build the solver fails the test.
pub fn gpu() -> GpuMultigrid {
    GpuContext::new(None)
        .and_then(GpuMultigrid::new)
        .unwrap_or_else(|e| panic!("no GPU solver: {e}"))
}
