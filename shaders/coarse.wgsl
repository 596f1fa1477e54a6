// Exact solve on the coarsest level (at most 2 x 2 cells): one invocation assembles the dense
// matrix and eliminates with partial pivoting.

@group(0) @binding(0) var<uniform> level: LevelParams;
@group(0) @binding(1) var<storage, read> coef: array<vec4<f32>>;
@group(0) @binding(2) var<storage, read> rhs: array<f32>;
@group(0) @binding(3) var<storage, read_write> u: array<f32>;

const MAXN: u32 = 4u;

@compute @workgroup_size(1)
fn main() {
    let nx = level.nx;
    let n = min(nx * level.ny, MAXN);
    var m: array<array<f32, 5>, 4>;
    for (var p = 0u; p < n; p++) {
        for (var k = 0u; k < 5u; k++) {
            m[p][k] = 0.0;
        }
    }
    for (var p = 0u; p < n; p++) {
        let i = p % nx;
        let c = coef[p];
        var diag = c.x + c.y + c.z;
        if i > 0u {
            diag += coef[p - 1u].x;
        }
        if p >= nx {
            diag += coef[p - nx].y;
        }
        m[p][p] = diag;
        m[p][4] = rhs[p];
        if i + 1u < nx && p + 1u < n {
            m[p][p + 1u] = -c.x;
            m[p + 1u][p] = -c.x;
        }
        if p + nx < n {
            m[p][p + nx] = -c.y;
            m[p + nx][p] = -c.y;
        }
    }
    for (var col = 0u; col < n; col++) {
        var piv = col;
        for (var row = col + 1u; row < n; row++) {
            if abs(m[row][col]) > abs(m[piv][col]) {
                piv = row;
            }
        }
        let tmp = m[col];
        m[col] = m[piv];
        m[piv] = tmp;
        let d = m[col][col];
        if d != 0.0 {
            for (var row = col + 1u; row < n; row++) {
                let f = m[row][col] / d;
                for (var k = col; k < 5u; k++) {
                    m[row][k] -= f * m[col][k];
                }
            }
        }
    }
    var x: array<f32, 4>;
    for (var rr = 0u; rr < n; rr++) {
        let row = n - 1u - rr;
        var acc = m[row][4];
        for (var k = row + 1u; k < n; k++) {
            acc -= m[row][k] * x[k];
        }
        let d = m[row][row];
        x[row] = select(0.0, acc / d, d != 0.0);
        u[row] = x[row];
    }
}
