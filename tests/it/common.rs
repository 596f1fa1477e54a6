//! Shared test helpers.

use dcplan::gpu::{GpuContext, GpuMultigrid};

/// The GPU solver on the best adapter wgpu sees (lavapipe in CI). Without an adapter the test
/// fails when `DCPLAN_REQUIRE_GPU=1` (scripts/test sets it) and otherwise says loudly that it
/// did not run.
pub fn gpu() -> Option<GpuMultigrid> {
    let required = std::env::var("DCPLAN_REQUIRE_GPU").is_ok_and(|v| v == "1");
    match GpuContext::new(None).and_then(GpuMultigrid::new) {
        Ok(solver) => Some(solver),
        Err(e) if required => panic!("DCPLAN_REQUIRE_GPU=1 but no GPU solver: {e}"),
        Err(e) => {
            eprintln!("GPU TEST NOT RUN (no adapter, DCPLAN_REQUIRE_GPU unset): {e}");
            None
        }
    }
}
