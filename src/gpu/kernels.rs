//! Compute kernels: one WGSL file per multigrid stage, each compiled with the shared prelude
//! into one pipeline. Stage name = WGSL file name = field name = resource label.
//!
//! Invariants: pipelines are built once per device, inside error scopes, and their bind group
//! layouts come from the shaders themselves, so binding numbers are declared only in WGSL.

use super::context::GpuContext;
use super::GpuError;

/// Prepended to every stage.
pub const PRELUDE: &str = include_str!("../../shaders/prelude.wgsl");

/// Every stage's name and source: the V-cycle's, then the Krylov iteration's.
pub const STAGES: [(&str, &str); 11] = [
    ("smooth", include_str!("../../shaders/smooth.wgsl")),
    ("residual", include_str!("../../shaders/residual.wgsl")),
    ("restrict", include_str!("../../shaders/restrict.wgsl")),
    ("prolong", include_str!("../../shaders/prolong.wgsl")),
    ("coarse", include_str!("../../shaders/coarse.wgsl")),
    ("reduce", include_str!("../../shaders/reduce.wgsl")),
    ("apply", include_str!("../../shaders/apply.wgsl")),
    ("dot", include_str!("../../shaders/dot.wgsl")),
    ("scalars", include_str!("../../shaders/scalars.wgsl")),
    ("direction", include_str!("../../shaders/direction.wgsl")),
    ("advance", include_str!("../../shaders/advance.wgsl")),
];

/// Workgroup edge of every 2D stage (`WG` in the prelude).
pub const WORKGROUP: u32 = 16;

/// The full WGSL of a stage: prelude, then the stage.
pub fn source(stage_source: &str) -> String {
    format!("{PRELUDE}\n{stage_source}")
}

/// One stage: its pipeline and the layout of its bind group 0.
pub struct Kernel {
    pub label: &'static str,
    pub pipeline: wgpu::ComputePipeline,
    pub layout: wgpu::BindGroupLayout,
}

pub struct Kernels {
    pub smooth: Kernel,
    pub residual: Kernel,
    pub restrict: Kernel,
    pub prolong: Kernel,
    pub coarse: Kernel,
    pub reduce: Kernel,
    pub apply: Kernel,
    pub dot: Kernel,
    pub scalars: Kernel,
    pub direction: Kernel,
    pub advance: Kernel,
}

impl Kernels {
    pub fn new(ctx: &GpuContext) -> Result<Self, GpuError> {
        let build = |index: usize| -> Result<Kernel, GpuError> {
            let (label, body) = STAGES[index];
            ctx.scoped(&format!("compiling shader stage `{label}`"), || {
                let module = ctx
                    .device
                    .create_shader_module(wgpu::ShaderModuleDescriptor {
                        label: Some(label),
                        source: wgpu::ShaderSource::Wgsl(source(body).into()),
                    });
                let pipeline =
                    ctx.device
                        .create_compute_pipeline(&wgpu::ComputePipelineDescriptor {
                            label: Some(label),
                            layout: None,
                            module: &module,
                            entry_point: Some("main"),
                            compilation_options: Default::default(),
                            cache: None,
                        });
                let layout = pipeline.get_bind_group_layout(0);
                Kernel {
                    label,
                    pipeline,
                    layout,
                }
            })
        };
        Ok(Kernels {
            smooth: build(0)?,
            residual: build(1)?,
            restrict: build(2)?,
            prolong: build(3)?,
            coarse: build(4)?,
            reduce: build(5)?,
            apply: build(6)?,
            dot: build(7)?,
            scalars: build(8)?,
            direction: build(9)?,
            advance: build(10)?,
        })
    }
}

impl Kernel {
    /// A bind group of this stage over `buffers`, bound at 0, 1, 2, … in order.
    pub fn bind(
        &self,
        ctx: &GpuContext,
        label: &str,
        buffers: &[&wgpu::Buffer],
    ) -> wgpu::BindGroup {
        let entries: Vec<wgpu::BindGroupEntry> = buffers
            .iter()
            .enumerate()
            .map(|(i, b)| wgpu::BindGroupEntry {
                binding: i as u32,
                resource: b.as_entire_binding(),
            })
            .collect();
        ctx.device.create_bind_group(&wgpu::BindGroupDescriptor {
            label: Some(label),
            layout: &self.layout,
            entries: &entries,
        })
    }
}

/// Workgroups needed to cover `n` cells.
pub fn div_ceil(n: u32, per: u32) -> u32 {
    n.div_ceil(per)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every stage parses and validates with naga, on the CPU, without an adapter.
    #[test]
    fn every_wgsl_stage_parses_and_validates() {
        for (name, body) in STAGES {
            let module = naga::front::wgsl::parse_str(&source(body))
                .unwrap_or_else(|e| panic!("{name}.wgsl: {}", e.emit_to_string(&source(body))));
            naga::valid::Validator::new(
                naga::valid::ValidationFlags::all(),
                naga::valid::Capabilities::empty(),
            )
            .validate(&module)
            .unwrap_or_else(|e| panic!("{name}.wgsl does not validate: {e:?}"));
            assert!(
                module.entry_points.iter().any(|e| e.name == "main"),
                "{name}.wgsl has no `main` entry point"
            );
        }
    }

    #[test]
    fn every_shader_file_is_a_stage() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("shaders");
        let mut files: Vec<String> = std::fs::read_dir(&dir)
            .expect("shaders/ exists")
            .filter_map(|e| e.ok())
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .filter(|n| n.ends_with(".wgsl") && n != "prelude.wgsl")
            .collect();
        files.sort();
        let mut stages: Vec<String> = STAGES.iter().map(|(n, _)| format!("{n}.wgsl")).collect();
        // the grid screen is its own stage, validated in gpu::screen's tests
        stages.push(format!("{}.wgsl", crate::gpu::screen::STAGE));
        stages.sort();
        assert_eq!(files, stages);
    }
}
