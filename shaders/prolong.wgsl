// u_fine += bilinear interpolation of the coarse correction between coarse cell centres.
// The per-axis tables hold each fine column's (row's) parent, neighbour and weight, so odd
// counts (a narrower last coarse cell) interpolate at true centre positions.

@group(0) @binding(0) var<uniform> level: LevelParams;
@group(0) @binding(1) var<storage, read> e_coarse: array<f32>;
@group(0) @binding(2) var<storage, read_write> u_fine: array<f32>;
@group(0) @binding(3) var<storage, read> interp_x: array<Interp>;
@group(0) @binding(4) var<storage, read> interp_y: array<Interp>;

fn along_x(row: u32, x: Interp) -> f32 {
    let base = row * level.cnx;
    return (1.0 - x.w_nb) * e_coarse[base + x.coarse] + x.w_nb * e_coarse[base + x.nb];
}

@compute @workgroup_size(16, 16)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
    let i = gid.x;
    let j = gid.y;
    if i >= level.nx || j >= level.ny {
        return;
    }
    let x = interp_x[i];
    let y = interp_y[j];
    let e = (1.0 - y.w_nb) * along_x(y.coarse, x) + y.w_nb * along_x(y.nb, x);
    u_fine[j * level.nx + i] += e;
}
