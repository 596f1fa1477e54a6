// Coarse-level (9-point) couplings and the difference-form flux of a correction.

// sum_d c_d (u_P - u_d) over the neighbours of (i, j) that exist.
fn flux9(i: u32, j: u32, up: f32) -> f32 {
    let nx = level.nx;
    let k = j * nx + i;
    let a = c_axis[k];
    let d = c_diag[k];
    let west = i > 0u;
    let east = i + 1u < nx;
    let south = j > 0u;
    let north = j + 1u < level.ny;
    var flux = 0.0;
    if west {
        flux += a.x * (up - u[k - 1u]);
        if south {
            flux += d.x * (up - u[k - nx - 1u]);
        }
        if north {
            flux += d.z * (up - u[k + nx - 1u]);
        }
    }
    if east {
        flux += a.y * (up - u[k + 1u]);
        if south {
            flux += d.y * (up - u[k - nx + 1u]);
        }
        if north {
            flux += d.w * (up - u[k + nx + 1u]);
        }
    }
    if south {
        flux += a.z * (up - u[k - nx]);
    }
    if north {
        flux += a.w * (up - u[k + nx]);
    }
    return flux;
}

// Diagonal of the row: every coupling plus the anchor.
fn diag9(k: u32) -> f32 {
    let a = c_axis[k];
    let d = c_diag[k];
    return a.x + a.y + a.z + a.w + d.x + d.y + d.z + d.w + anchor[k];
}
