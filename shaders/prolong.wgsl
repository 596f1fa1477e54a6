// u_fine += P e_coarse: each fine point takes its weights toward its owner's four slots.
// `level` is the fine level.

@compute @workgroup_size(WG, WG)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
    let i = gid.x;
    let j = gid.y;
    if i >= level.nx || j >= level.ny {
        return;
    }
    let o = owner(i, j);
    let l = local_weights(i, j);
    let x1 = min(o.x + 1u, level.cnx - 1u);
    let y1 = min(o.y + 1u, level.cny - 1u);
    let cnx = level.cnx;
    let e = l.x * e_coarse[o.y * cnx + o.x] + l.y * e_coarse[o.y * cnx + x1]
        + l.z * e_coarse[y1 * cnx + o.x] + l.w * e_coarse[y1 * cnx + x1];
    u_fine[j * level.nx + i] += e;
}
