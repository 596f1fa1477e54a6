//! Compute kernels: one WGSL file per stage (`shaders/<stage>.wgsl`), compiled with the shared
//! includes it names into one pipeline with an explicit bind-group layout.
//!
//! Each stage's bindings are declared once, here, as a short list of (name, access, type); the
//! WGSL declarations and the bind-group layout are both generated from it, and bind groups are
//! made by name, so a binding number is never written by hand. Constants shared by Rust and
//! WGSL (workgroup edge, tile halo, reduction width) are generated into the source the same way.
//! Stage name = WGSL file name = field name = resource label; a stage compiled for the
//! nonsymmetric finest operator carries the suffix `.gen` (`smooth5.gen`).
//!
//! Invariants: pipelines are built once per device, inside error scopes.

use super::context::GpuContext;
use super::GpuError;

/// Workgroup edge of every 2D stage.
pub const WORKGROUP: u32 = 16;
/// Halo of the fused red–black smoothing tile.
pub const HALO: u32 = 2;
/// Edge of the smoothing tile with its halo.
pub const SPAN: u32 = WORKGROUP + 2 * HALO;
/// Edge of the ring of red cells each tile recomputes.
pub const RING: u32 = WORKGROUP + 2;
/// Lanes of a workgroup tree reduction (one 2D workgroup).
pub const REDUCE: u32 = WORKGROUP * WORKGROUP;
/// Invocations per workgroup of the line solves (one line each).
pub const LINE_WG: u32 = 64;

/// The generated constants every stage starts with.
fn constants() -> String {
    format!(
        "const WG: u32 = {WORKGROUP}u;\nconst HALO: u32 = {HALO}u;\nconst SPAN: u32 = {SPAN}u;\n\
         const RING: u32 = {RING}u;\nconst REDUCE: u32 = {REDUCE}u;\nconst LINE_WG: u32 = {LINE_WG}u;\n"
    )
}

/// Shared WGSL includes, by name.
pub const INCLUDES: [(&str, &str); 8] = [
    (
        "prelude",
        include_str!("../../shaders/include/prelude.wgsl"),
    ),
    (
        "coef5_sym",
        include_str!("../../shaders/include/coef5_sym.wgsl"),
    ),
    (
        "coef5_gen",
        include_str!("../../shaders/include/coef5_gen.wgsl"),
    ),
    (
        "tile5_sym",
        include_str!("../../shaders/include/tile5_sym.wgsl"),
    ),
    (
        "tile5_gen",
        include_str!("../../shaders/include/tile5_gen.wgsl"),
    ),
    ("coef9", include_str!("../../shaders/include/coef9.wgsl")),
    (
        "transfer",
        include_str!("../../shaders/include/transfer.wgsl"),
    ),
    ("tree", include_str!("../../shaders/include/tree.wgsl")),
];

/// How a stage reaches a buffer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Access {
    Uniform,
    Read,
    ReadWrite,
}

/// One binding of a stage's group 0.
#[derive(Clone, Copy, Debug)]
pub struct Binding {
    pub name: &'static str,
    pub access: Access,
    /// WGSL type, e.g. `array<f32>`.
    pub ty: &'static str,
}

const fn b(name: &'static str, access: Access, ty: &'static str) -> Binding {
    Binding { name, access, ty }
}

use Access::{Read, ReadWrite, Uniform};

/// The finest level's coupling layout a 5-point stage is compiled for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Variant {
    /// `faces: array<vec2<f32>>`, one conductance per face.
    Symmetric,
    /// `faces: array<vec4<f32>>`, each cell's own four couplings.
    General,
}

impl Variant {
    pub const ALL: [Variant; 2] = [Variant::Symmetric, Variant::General];

    fn suffix(self) -> &'static str {
        match self {
            Variant::Symmetric => "",
            Variant::General => ".gen",
        }
    }

    /// The include with the finest level's couplings; `tile` for the fused smoother's tile.
    fn include(self, tile: bool) -> &'static str {
        match (self, tile) {
            (Variant::Symmetric, false) => "coef5_sym",
            (Variant::General, false) => "coef5_gen",
            (Variant::Symmetric, true) => "tile5_sym",
            (Variant::General, true) => "tile5_gen",
        }
    }

    fn faces(self) -> Binding {
        match self {
            Variant::Symmetric => b("faces", Read, "array<vec2<f32>>"),
            Variant::General => b("faces", Read, "array<vec4<f32>>"),
        }
    }

    pub fn index(self) -> usize {
        self as usize
    }
}

/// A stage as written: file, includes and bindings.
#[derive(Clone, Debug)]
pub struct StageDef {
    /// Label and pipeline name, e.g. `smooth5.gen`.
    pub name: String,
    /// The WGSL file (without `.wgsl`).
    pub file: &'static str,
    pub includes: Vec<&'static str>,
    pub bindings: Vec<Binding>,
}

const LEVEL: Binding = b("level", Uniform, "LevelParams");
const PHASE: Binding = b("phase", Uniform, "Phase");
const ANCHORS: Binding = b("anchors", Read, "array<vec2<f32>>");
const C_AXIS: Binding = b("c_axis", Read, "array<vec4<f32>>");
const C_DIAG: Binding = b("c_diag", Read, "array<vec4<f32>>");
const ANCHOR: Binding = b("anchor", Read, "array<f32>");
const W_A: Binding = b("w_a", Read, "array<vec4<f32>>");
const W_B: Binding = b("w_b", Read, "array<vec4<f32>>");

fn field(name: &'static str) -> Binding {
    b(name, Read, "array<f32>")
}

fn field_rw(name: &'static str) -> Binding {
    b(name, ReadWrite, "array<f32>")
}

/// The source files of every stage (for the test that every file is a stage).
pub const FILES: [(&str, &str); 16] = [
    ("smooth5", include_str!("../../shaders/smooth5.wgsl")),
    ("residual5", include_str!("../../shaders/residual5.wgsl")),
    ("apply5", include_str!("../../shaders/apply5.wgsl")),
    ("lines5", include_str!("../../shaders/lines5.wgsl")),
    ("smooth9", include_str!("../../shaders/smooth9.wgsl")),
    ("residual9", include_str!("../../shaders/residual9.wgsl")),
    ("lines9", include_str!("../../shaders/lines9.wgsl")),
    ("restrict", include_str!("../../shaders/restrict.wgsl")),
    ("prolong", include_str!("../../shaders/prolong.wgsl")),
    ("coarse", include_str!("../../shaders/coarse.wgsl")),
    ("dot", include_str!("../../shaders/dot.wgsl")),
    ("scalars", include_str!("../../shaders/scalars.wgsl")),
    ("direction", include_str!("../../shaders/direction.wgsl")),
    ("advance", include_str!("../../shaders/advance.wgsl")),
    ("reduce", include_str!("../../shaders/reduce.wgsl")),
    ("screen", include_str!("../../shaders/screen.wgsl")),
];

fn file_source(file: &str) -> &'static str {
    FILES
        .iter()
        .chain(INCLUDES.iter())
        .find(|(name, _)| *name == file)
        .map(|(_, src)| *src)
        .unwrap_or("")
}

fn five_point(file: &'static str, variant: Variant, bindings: Vec<Binding>) -> StageDef {
    StageDef {
        name: format!("{file}{}", variant.suffix()),
        file,
        includes: vec!["prelude", variant.include(file == "smooth5")],
        bindings,
    }
}

fn stage(file: &'static str, includes: &[&'static str], bindings: Vec<Binding>) -> StageDef {
    StageDef {
        name: file.to_string(),
        file,
        includes: std::iter::once("prelude")
            .chain(includes.iter().copied())
            .collect(),
        bindings,
    }
}

/// The 5-point (finest-level) stages of one variant.
pub fn five_point_stages(v: Variant) -> [StageDef; 4] {
    let faces = v.faces();
    [
        five_point(
            "smooth5",
            v,
            vec![
                LEVEL,
                faces,
                ANCHORS,
                field("rhs"),
                field("u_in"),
                field_rw("u_out"),
            ],
        ),
        five_point(
            "residual5",
            v,
            vec![
                LEVEL,
                faces,
                ANCHORS,
                field("rhs"),
                field("u"),
                field_rw("r"),
            ],
        ),
        five_point(
            "apply5",
            v,
            vec![LEVEL, faces, ANCHORS, field("p_in"), field_rw("q_out")],
        ),
        five_point(
            "lines5",
            v,
            vec![
                LEVEL,
                PHASE,
                faces,
                ANCHORS,
                field("rhs"),
                field_rw("u"),
                field_rw("work_c"),
                field_rw("work_d"),
            ],
        ),
    ]
}

/// Every stage that does not depend on the finest level's variant.
pub fn other_stages() -> Vec<StageDef> {
    vec![
        stage(
            "smooth9",
            &["coef9"],
            vec![
                LEVEL,
                PHASE,
                C_AXIS,
                C_DIAG,
                ANCHOR,
                field("rhs"),
                field_rw("u"),
            ],
        ),
        stage(
            "residual9",
            &["coef9"],
            vec![
                LEVEL,
                C_AXIS,
                C_DIAG,
                ANCHOR,
                field("rhs"),
                field("u"),
                field_rw("r"),
            ],
        ),
        stage(
            "lines9",
            &["coef9"],
            vec![
                LEVEL,
                PHASE,
                C_AXIS,
                C_DIAG,
                ANCHOR,
                field("rhs"),
                field_rw("u"),
                field_rw("work_c"),
                field_rw("work_d"),
            ],
        ),
        stage(
            "restrict",
            &["transfer"],
            vec![
                LEVEL,
                W_A,
                W_B,
                field("r_fine"),
                field_rw("rhs_coarse"),
                field_rw("u_coarse"),
            ],
        ),
        stage(
            "prolong",
            &["transfer"],
            vec![LEVEL, W_A, W_B, field("e_coarse"), field_rw("u_fine")],
        ),
        stage(
            "coarse",
            &[],
            vec![LEVEL, field("lu"), field("rhs"), field_rw("u")],
        ),
        stage(
            "dot",
            &["tree"],
            vec![
                LEVEL,
                field("a"),
                field("b"),
                field("c"),
                field("d"),
                field_rw("partials"),
            ],
        ),
        stage(
            "scalars",
            &["tree"],
            vec![
                b("step", Uniform, "Step"),
                field("partials"),
                b("scalars", ReadWrite, "Scalars"),
            ],
        ),
        stage(
            "direction",
            &[],
            vec![
                LEVEL,
                b("scalars", Read, "Scalars"),
                field("z"),
                field_rw("p"),
            ],
        ),
        stage(
            "advance",
            &[],
            vec![
                LEVEL,
                b("scalars", Read, "Scalars"),
                field("p"),
                field_rw("x"),
            ],
        ),
        stage(
            "reduce",
            &["tree"],
            vec![
                LEVEL,
                field("r"),
                field("u"),
                b("result", ReadWrite, "array<atomic<u32>, 4>"),
            ],
        ),
        // the grid's N-1 hosting-capacity screen (src/gpu/screen.rs)
        stage(
            "screen",
            &[],
            vec![
                b("params", Uniform, "Params"),
                field("s"),
                b("cases", Read, "array<vec4<f32>>"),
                b("outaged", Read, "array<u32>"),
                b("found", ReadWrite, "array<Found>"),
            ],
        ),
    ]
}

/// Every stage, for validation.
pub fn all_stages() -> Vec<StageDef> {
    Variant::ALL
        .iter()
        .flat_map(|&v| five_point_stages(v))
        .chain(other_stages())
        .collect()
}

impl StageDef {
    /// The full WGSL: constants, includes, generated bindings, then the stage.
    pub fn source(&self) -> String {
        let mut src = constants();
        for inc in &self.includes {
            src.push_str(file_source(inc));
            src.push('\n');
        }
        for (i, b) in self.bindings.iter().enumerate() {
            let var = match b.access {
                Uniform => "var<uniform>",
                Read => "var<storage, read>",
                ReadWrite => "var<storage, read_write>",
            };
            src.push_str(&format!(
                "@group(0) @binding({i}) {var} {}: {};\n",
                b.name, b.ty
            ));
        }
        src.push_str(file_source(self.file));
        src
    }

    fn layout_entries(&self) -> Vec<wgpu::BindGroupLayoutEntry> {
        self.bindings
            .iter()
            .enumerate()
            .map(|(i, b)| wgpu::BindGroupLayoutEntry {
                binding: i as u32,
                visibility: wgpu::ShaderStages::COMPUTE,
                ty: wgpu::BindingType::Buffer {
                    ty: match b.access {
                        Uniform => wgpu::BufferBindingType::Uniform,
                        Read => wgpu::BufferBindingType::Storage { read_only: true },
                        ReadWrite => wgpu::BufferBindingType::Storage { read_only: false },
                    },
                    has_dynamic_offset: false,
                    min_binding_size: None,
                },
                count: None,
            })
            .collect()
    }
}

/// One stage: its pipeline and the layout of its bind group 0.
pub struct Kernel {
    pub label: String,
    pub bindings: Vec<Binding>,
    pub pipeline: wgpu::ComputePipeline,
    pub layout: wgpu::BindGroupLayout,
}

impl Kernel {
    pub fn build(ctx: &GpuContext, def: &StageDef) -> Result<Kernel, GpuError> {
        ctx.scoped(&format!("compiling shader stage `{}`", def.name), || {
            let device = &ctx.device;
            let module = device.create_shader_module(wgpu::ShaderModuleDescriptor {
                label: Some(&def.name),
                source: wgpu::ShaderSource::Wgsl(def.source().into()),
            });
            let layout = device.create_bind_group_layout(&wgpu::BindGroupLayoutDescriptor {
                label: Some(&def.name),
                entries: &def.layout_entries(),
            });
            let pipeline_layout = device.create_pipeline_layout(&wgpu::PipelineLayoutDescriptor {
                label: Some(&def.name),
                bind_group_layouts: &[Some(&layout)],
                immediate_size: 0,
            });
            let pipeline = device.create_compute_pipeline(&wgpu::ComputePipelineDescriptor {
                label: Some(&def.name),
                layout: Some(&pipeline_layout),
                module: &module,
                entry_point: Some("main"),
                compilation_options: Default::default(),
                cache: None,
            });
            Kernel {
                label: def.name.clone(),
                bindings: def.bindings.clone(),
                pipeline,
                layout,
            }
        })
    }

    /// A bind group of this stage. `buffers` name every binding, in the stage's order; a
    /// missing, extra or misnamed buffer is a programming error caught by the GPU tests.
    pub fn bind(
        &self,
        ctx: &GpuContext,
        label: &str,
        buffers: &[(&str, &wgpu::Buffer)],
    ) -> wgpu::BindGroup {
        let names: Vec<&str> = buffers.iter().map(|(n, _)| *n).collect();
        let expected: Vec<&str> = self.bindings.iter().map(|b| b.name).collect();
        assert_eq!(
            names, expected,
            "bind group `{label}` of stage `{}`: buffers do not match its bindings",
            self.label
        );
        let entries: Vec<wgpu::BindGroupEntry> = buffers
            .iter()
            .enumerate()
            .map(|(i, (_, b))| wgpu::BindGroupEntry {
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

/// The multigrid's kernels, built once per device.
pub struct Kernels {
    /// Finest-level stages, indexed by [`Variant::index`].
    pub smooth5: [Kernel; 2],
    pub residual5: [Kernel; 2],
    pub apply5: [Kernel; 2],
    pub lines5: [Kernel; 2],
    pub smooth9: Kernel,
    pub residual9: Kernel,
    pub lines9: Kernel,
    pub restrict: Kernel,
    pub prolong: Kernel,
    pub coarse: Kernel,
    pub dot: Kernel,
    pub scalars: Kernel,
    pub direction: Kernel,
    pub advance: Kernel,
    pub reduce: Kernel,
}

impl Kernels {
    pub fn new(ctx: &GpuContext) -> Result<Self, GpuError> {
        let five = |v: Variant| -> Result<[Kernel; 4], GpuError> {
            let [a, b, c, d] = five_point_stages(v);
            Ok([
                Kernel::build(ctx, &a)?,
                Kernel::build(ctx, &b)?,
                Kernel::build(ctx, &c)?,
                Kernel::build(ctx, &d)?,
            ])
        };
        let [s0, r0, a0, l0] = five(Variant::Symmetric)?;
        let [s1, r1, a1, l1] = five(Variant::General)?;
        let others = other_stages();
        let get = |name: &str| -> Result<Kernel, GpuError> {
            let def = others
                .iter()
                .find(|d| d.name == name)
                .ok_or_else(|| GpuError::Device(format!("no shader stage `{name}`")))?;
            Kernel::build(ctx, def)
        };
        Ok(Kernels {
            smooth5: [s0, s1],
            residual5: [r0, r1],
            apply5: [a0, a1],
            lines5: [l0, l1],
            smooth9: get("smooth9")?,
            residual9: get("residual9")?,
            lines9: get("lines9")?,
            restrict: get("restrict")?,
            prolong: get("prolong")?,
            coarse: get("coarse")?,
            dot: get("dot")?,
            scalars: get("scalars")?,
            direction: get("direction")?,
            advance: get("advance")?,
            reduce: get("reduce")?,
        })
    }
}

/// Workgroups needed to cover `n` items.
pub fn div_ceil(n: u32, per: u32) -> u32 {
    n.div_ceil(per)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(def: &StageDef) -> naga::Module {
        let src = def.source();
        naga::front::wgsl::parse_str(&src)
            .unwrap_or_else(|e| panic!("{}: {}", def.name, e.emit_to_string(&src)))
    }

    /// Every stage parses and validates with naga, on the CPU, without an adapter.
    #[test]
    fn every_wgsl_stage_parses_and_validates() {
        for def in all_stages() {
            let module = parse(&def);
            naga::valid::Validator::new(
                naga::valid::ValidationFlags::all(),
                naga::valid::Capabilities::empty(),
            )
            .validate(&module)
            .unwrap_or_else(|e| panic!("{} does not validate: {e:?}", def.name));
            assert!(
                module.entry_points.iter().any(|e| e.name == "main"),
                "{} has no `main` entry point",
                def.name
            );
        }
    }

    #[test]
    fn every_shader_file_is_a_stage_and_every_include_is_used() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("shaders");
        let list = |dir: &std::path::Path| -> Vec<String> {
            let mut files: Vec<String> = std::fs::read_dir(dir)
                .expect("shader folder exists")
                .filter_map(|e| e.ok())
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .filter(|n| n.ends_with(".wgsl"))
                .map(|n| n.trim_end_matches(".wgsl").to_string())
                .collect();
            files.sort();
            files
        };
        let mut stages: Vec<String> = FILES.iter().map(|(n, _)| n.to_string()).collect();
        stages.sort();
        assert_eq!(list(&dir), stages);
        let mut includes: Vec<String> = INCLUDES.iter().map(|(n, _)| n.to_string()).collect();
        includes.sort();
        assert_eq!(list(&dir.join("include")), includes);
        let defs = all_stages();
        for (inc, _) in INCLUDES {
            assert!(
                defs.iter().any(|d| d.includes.contains(&inc)),
                "include {inc} is used by no stage"
            );
        }
        for (file, _) in FILES {
            assert!(
                defs.iter().any(|d| d.file == file),
                "{file}.wgsl is no stage"
            );
        }
    }

    /// Size and member offsets of a WGSL struct as naga lays it out.
    pub fn wgsl_layout(module: &naga::Module, name: &str) -> (u32, Vec<(String, u32)>) {
        let ty = module
            .types
            .iter()
            .find(|(_, t)| t.name.as_deref() == Some(name))
            .unwrap_or_else(|| panic!("no struct {name}"))
            .1;
        match &ty.inner {
            naga::TypeInner::Struct { members, span } => (
                *span,
                members
                    .iter()
                    .map(|m| (m.name.clone().unwrap_or_default(), m.offset))
                    .collect(),
            ),
            other => panic!("{name} is not a struct: {other:?}"),
        }
    }

    /// Every uniform struct shared with Rust has the size and member offsets of its mirror.
    #[test]
    fn wgsl_structs_match_their_rust_mirrors() {
        use super::super::buffers::{LevelParams, Phase};
        use super::super::solver::{Scalars, ScalarsStep};
        use std::mem::{offset_of, size_of};
        let defs = all_stages();
        let scalars = defs.iter().find(|d| d.name == "scalars").expect("scalars");
        let module = parse(scalars);
        let check = |name: &str, size: usize, offsets: &[(&str, usize)]| {
            let (span, members) = wgsl_layout(&module, name);
            assert_eq!(span as usize, size, "{name}: size");
            for (field, offset) in offsets {
                let m = members
                    .iter()
                    .find(|(n, _)| n == field)
                    .unwrap_or_else(|| panic!("{name}.{field} missing in WGSL"));
                assert_eq!(m.1 as usize, *offset, "{name}.{field}: offset");
            }
            assert_eq!(members.len(), offsets.len(), "{name}: member count");
        };
        check(
            "LevelParams",
            size_of::<LevelParams>(),
            &[
                ("nx", offset_of!(LevelParams, nx)),
                ("ny", offset_of!(LevelParams, ny)),
                ("cnx", offset_of!(LevelParams, cnx)),
                ("cny", offset_of!(LevelParams, cny)),
                ("rx", offset_of!(LevelParams, rx)),
                ("ry", offset_of!(LevelParams, ry)),
                ("band", offset_of!(LevelParams, band)),
                ("by_columns", offset_of!(LevelParams, by_columns)),
                ("homogeneous", offset_of!(LevelParams, homogeneous)),
                ("_pad0", offset_of!(LevelParams, _pad0)),
                ("_pad1", offset_of!(LevelParams, _pad1)),
                ("_pad2", offset_of!(LevelParams, _pad2)),
            ],
        );
        check(
            "Phase",
            size_of::<Phase>(),
            &[
                ("colour_x", offset_of!(Phase, colour_x)),
                ("colour_y", offset_of!(Phase, colour_y)),
                ("along_x", offset_of!(Phase, along_x)),
                ("parity", offset_of!(Phase, parity)),
            ],
        );
        check(
            "Scalars",
            size_of::<Scalars>(),
            &[
                ("beta", offset_of!(Scalars, beta)),
                ("alpha", offset_of!(Scalars, alpha)),
                ("pq_prev", offset_of!(Scalars, pq_prev)),
                ("_pad", offset_of!(Scalars, _pad)),
            ],
        );
        check(
            "Step",
            size_of::<ScalarsStep>(),
            &[
                ("mode", offset_of!(ScalarsStep, mode)),
                ("groups", offset_of!(ScalarsStep, groups)),
                ("_pad0", offset_of!(ScalarsStep, _pad0)),
                ("_pad1", offset_of!(ScalarsStep, _pad1)),
            ],
        );
    }
}
