// screen: the N-1 hosting-capacity screen, one workgroup per bus.
//
// For bus i, every case c (0 = base, else the loss of one circuit of branch outaged[c]) and
// every branch l: sigma = s[i][l] + d[c][l] * s[i][outaged[c]] is the flow moved on l per MW
// of new load at i; a constraint counts when |sigma| >= dfax_min, and binds at
// room / |sigma| with room = up (sigma > 0) or down (sigma < 0); rooms <= 0 mark constraints
// that are absent or already violated. The
// workgroup finds the smallest value below the cap and its (case, branch), ties to the
// lowest case * branches + branch, the CPU's scan order (src/grid/screen.rs).
//
// Bindings (params, s, cases, outaged, found) are generated from src/gpu/kernels.rs.
//
// Layout: s is buses x branches (row = bus; every thread of a workgroup reads the same
// word); cases is branches x cases (row = branch) of vec4 (outage factor, room up, room
// down, 0), so the threads of a workgroup, which own consecutive cases, read consecutive
// 16-byte words, one per constraint.

const NONE: u32 = 0xffffffffu;

// Kept in sync with src/gpu/screen.rs (ScreenParams).
struct Params {
    buses: u32,
    branches: u32,
    cases: u32,
    groups_x: u32,
    cap_mw: f32,
    dfax_min: f32,
    _pad1: f32,
    _pad2: f32,
}

// Kept in sync with src/gpu/screen.rs (Found).
struct Found {
    value_mw: f32,
    case_index: u32,
    branch: u32,
    _pad: u32,
}


var<workgroup> best_value: array<f32, REDUCE>;
var<workgroup> best_index: array<u32, REDUCE>;

// (value, index) lexicographic: is a before b?
fn better(va: f32, ia: u32, vb: f32, ib: u32) -> bool {
    return va < vb || (va == vb && ia < ib);
}

@compute @workgroup_size(REDUCE)
fn main(
    @builtin(workgroup_id) group: vec3<u32>,
    @builtin(local_invocation_index) t: u32,
) {
    // workgroup-uniform, so returning here keeps the barriers below in uniform control flow
    let bus = group.x + group.y * params.groups_x;
    if bus >= params.buses {
        return;
    }
    let m = params.branches;
    let nc = params.cases;
    let row = bus * m;
    let rounds = (nc + REDUCE - 1u) / REDUCE;
    var value = params.cap_mw;
    var index = NONE;

    for (var r = 0u; r < rounds; r++) {
        let c = t + r * REDUCE;
        if c < nc {
            let k = outaged[c];
            var sk = 0.0;
            if k != NONE {
                sk = s[row + k];
            }
            for (var l = 0u; l < m; l++) {
                let q = cases[l * nc + c];
                let sigma = s[row + l] + q.x * sk;
                let room = select(q.z, q.y, sigma > 0.0);
                let a = abs(sigma);
                if room > 0.0 && a >= params.dfax_min && room < value * a {
                    let v = room / a;
                    let idx = c * m + l;
                    if better(v, idx, value, index) {
                        value = v;
                        index = idx;
                    }
                }
            }
        }
    }

    best_value[t] = value;
    best_index[t] = index;
    workgroupBarrier();
    for (var stride = REDUCE / 2u; stride > 0u; stride = stride / 2u) {
        if t < stride {
            let vo = best_value[t + stride];
            let io = best_index[t + stride];
            if better(vo, io, best_value[t], best_index[t]) {
                best_value[t] = vo;
                best_index[t] = io;
            }
        }
        workgroupBarrier();
    }
    if t == 0u {
        let i = best_index[0];
        var out: Found;
        out.value_mw = best_value[0];
        out.case_index = NONE;
        out.branch = NONE;
        if i != NONE {
            out.case_index = i / m;
            out.branch = i % m;
        }
        out._pad = 0u;
        found[bus] = out;
    }
}
