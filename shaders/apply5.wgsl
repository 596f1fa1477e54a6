// q = A p: the linear part of the finest operator (couplings and anchors, no anchor values),
// in flux form. The Krylov iteration's matrix-vector product.

@compute @workgroup_size(WG, WG)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
    let i = gid.x;
    let j = gid.y;
    if i >= level.nx || j >= level.ny {
        return;
    }
    let nx = level.nx;
    let k = j * nx + i;
    let c = couplings5(i, j);
    let pk = p_in[k];
    var flux = 0.0;
    if i > 0u {
        flux += c.x * (pk - p_in[k - 1u]);
    }
    if i + 1u < nx {
        flux += c.y * (pk - p_in[k + 1u]);
    }
    if j > 0u {
        flux += c.z * (pk - p_in[k - nx]);
    }
    if j + 1u < level.ny {
        flux += c.w * (pk - p_in[k + nx]);
    }
    q_out[k] = flux + anchors[k].x * pk;
}
