// Coarse right-hand side = sum of the children's cell-integrated residuals; the coarse
// correction starts from zero. One invocation per coarse cell.

@group(0) @binding(0) var<uniform> level: LevelParams;
@group(0) @binding(1) var<storage, read> r_fine: array<f32>;
@group(0) @binding(2) var<storage, read_write> rhs_coarse: array<f32>;
@group(0) @binding(3) var<storage, read_write> u_coarse: array<f32>;

@compute @workgroup_size(16, 16)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
    let ci = gid.x;
    let cj = gid.y;
    if ci >= level.cnx || cj >= level.cny {
        return;
    }
    var sum = 0.0;
    for (var dj = 0u; dj < level.ry; dj++) {
        let j = cj * level.ry + dj;
        for (var di = 0u; di < level.rx; di++) {
            let i = ci * level.rx + di;
            if i < level.nx && j < level.ny {
                sum += r_fine[j * level.nx + i];
            }
        }
    }
    let c = cj * level.cnx + ci;
    rhs_coarse[c] = sum;
    u_coarse[c] = 0.0;
}
