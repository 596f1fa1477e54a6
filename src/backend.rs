//! Which solver runs: `--backend auto|gpu|cpu` and `--adapter NAME` turned into a solver and
//! one line saying what was chosen and why.
//!
//! `auto` takes a hardware GPU when wgpu sees one and otherwise the CPU solver: a software
//! rasteriser such as lavapipe runs 15-40x slower than the CPU multigrid on the same machine.

use crate::gpu::{list_adapters, pick_adapter, GpuContext, GpuError, GpuMultigrid};
use crate::solver::{CpuMultigrid, Solver};

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum BackendChoice {
    /// A hardware GPU if there is one, else the CPU solver.
    Auto,
    /// A GPU adapter (software adapters included); an error if there is none.
    Gpu,
    /// The CPU f64 multigrid.
    Cpu,
}

/// The chosen solver.
pub enum Backend {
    Cpu(CpuMultigrid),
    Gpu(Box<GpuMultigrid>),
}

impl Backend {
    pub fn solver(&mut self) -> &mut dyn Solver {
        match self {
            Backend::Cpu(s) => s,
            Backend::Gpu(s) => s.as_mut(),
        }
    }

    pub fn is_gpu(&self) -> bool {
        matches!(self, Backend::Gpu(_))
    }
}

/// Builds the solver for `choice`; returns it with a one-line reason for the choice.
pub fn select(choice: BackendChoice, adapter: Option<&str>) -> Result<(Backend, String), GpuError> {
    let gpu = |why: String| -> Result<(Backend, String), GpuError> {
        let solver = GpuMultigrid::new(GpuContext::new(adapter)?)?;
        let a = &solver.ctx().adapter;
        let line = format!(
            "backend: gpu, {} ({}, {}) — {why}",
            a.name, a.backend, a.device_type
        );
        Ok((Backend::Gpu(Box::new(solver)), line))
    };
    match choice {
        BackendChoice::Cpu => Ok((
            Backend::Cpu(CpuMultigrid),
            "backend: cpu — chosen with --backend cpu".to_string(),
        )),
        BackendChoice::Gpu => gpu("chosen with --backend gpu".to_string()),
        BackendChoice::Auto => {
            let adapters = list_adapters();
            match pick_adapter(&adapters, adapter) {
                Some(i) if adapters[i].hardware => {
                    gpu("auto: a hardware GPU adapter is available".to_string())
                }
                Some(i) => Ok((
                    Backend::Cpu(CpuMultigrid),
                    format!(
                        "backend: cpu — auto: the only matching adapter, {} ({}), is a software \
                         rasteriser, slower than the CPU solver; use --backend gpu to force it",
                        adapters[i].name, adapters[i].device_type
                    ),
                )),
                None => Ok((
                    Backend::Cpu(CpuMultigrid),
                    match adapter {
                        Some(f) => format!("backend: cpu — auto: no adapter name contains `{f}`"),
                        None => "backend: cpu — auto: wgpu found no GPU adapter".to_string(),
                    },
                )),
            }
        }
    }
}
