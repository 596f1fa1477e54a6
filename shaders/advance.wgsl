// Step of flexible CG along the direction: x += alpha p.

@group(0) @binding(0) var<uniform> level: LevelParams;
@group(0) @binding(1) var<storage, read> scalars: Scalars;
@group(0) @binding(2) var<storage, read> p: array<f32>;
@group(0) @binding(3) var<storage, read_write> x: array<f32>;

@compute @workgroup_size(16, 16)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
    if gid.x >= level.nx || gid.y >= level.ny {
        return;
    }
    let k = gid.y * level.nx + gid.x;
    x[k] += scalars.alpha * p[k];
}
