//! Restarted GMRES for small dense-free linear systems `A x = b` given only `x -> A x`: the
//! coupling of a hall's racks (exhaust temperature = intake mean + rise) is such a system, each
//! product costing one field solve. Modified Gram–Schmidt, Givens rotations, restart every `m`.

/// The outcome of [`gmres`].
#[derive(Clone, Debug, PartialEq)]
pub struct GmresResult {
    pub x: Vec<f64>,
    /// Products `A v` taken.
    pub products: usize,
    /// `||b - A x|| / ||b||`, recomputed from x at the end (one more product).
    pub relative_residual: f64,
}

/// Solves `A x = b` to `||b - A x|| <= tol ||b||`, starting from `x0`, with at most
/// `max_products` applications of `apply`. Returns the last iterate whatever happens; the caller
/// judges `relative_residual`. An error from `apply` stops the iteration and is returned.
pub fn gmres<E>(
    b: &[f64],
    x0: &[f64],
    tol: f64,
    restart: usize,
    max_products: usize,
    mut apply: impl FnMut(&[f64], &mut [f64]) -> Result<(), E>,
) -> Result<GmresResult, E> {
    let n = b.len();
    let m = restart.clamp(1, n.max(1));
    let norm = |v: &[f64]| v.iter().map(|x| x * x).sum::<f64>().sqrt();
    let b_norm = norm(b);
    let mut x = x0.to_vec();
    let mut products = 0;
    let mut ax = vec![0.0; n];
    fn residual<E>(
        b: &[f64],
        x: &[f64],
        ax: &mut [f64],
        apply: &mut impl FnMut(&[f64], &mut [f64]) -> Result<(), E>,
    ) -> Result<Vec<f64>, E> {
        apply(x, ax)?;
        Ok(b.iter().zip(ax.iter()).map(|(b, a)| b - a).collect())
    }
    if b_norm == 0.0 {
        return Ok(GmresResult {
            x: vec![0.0; n],
            products,
            relative_residual: 0.0,
        });
    }
    loop {
        let r = residual(b, &x, &mut ax, &mut apply)?;
        products += 1;
        let beta = norm(&r);
        if beta <= tol * b_norm || products >= max_products {
            return Ok(GmresResult {
                x,
                products,
                relative_residual: beta / b_norm,
            });
        }
        // Arnoldi with modified Gram-Schmidt
        let mut v: Vec<Vec<f64>> = vec![r.iter().map(|x| x / beta).collect()];
        let mut h = vec![vec![0.0; m]; m + 1];
        let (mut cs, mut sn) = (vec![0.0; m], vec![0.0; m]);
        let mut g = vec![0.0; m + 1];
        g[0] = beta;
        let mut k = 0;
        while k < m && products < max_products {
            let mut w = vec![0.0; n];
            apply(&v[k], &mut w)?;
            products += 1;
            for (i, vi) in v.iter().enumerate() {
                let hik: f64 = w.iter().zip(vi).map(|(a, b)| a * b).sum();
                h[i][k] = hik;
                for (wj, vj) in w.iter_mut().zip(vi) {
                    *wj -= hik * vj;
                }
            }
            let wn = norm(&w);
            h[k + 1][k] = wn;
            for i in 0..k {
                let t = cs[i] * h[i][k] + sn[i] * h[i + 1][k];
                h[i + 1][k] = -sn[i] * h[i][k] + cs[i] * h[i + 1][k];
                h[i][k] = t;
            }
            let d = (h[k][k] * h[k][k] + h[k + 1][k] * h[k + 1][k]).sqrt();
            (cs[k], sn[k]) = if d > 0.0 {
                (h[k][k] / d, h[k + 1][k] / d)
            } else {
                (1.0, 0.0)
            };
            h[k][k] = d;
            h[k + 1][k] = 0.0;
            g[k + 1] = -sn[k] * g[k];
            g[k] *= cs[k];
            k += 1;
            if g[k].abs() <= tol * b_norm || wn == 0.0 {
                break;
            }
            v.push(w.iter().map(|x| x / wn).collect());
        }
        // back substitution for the k coefficients, then x += V y
        let mut y = vec![0.0; k];
        for i in (0..k).rev() {
            let mut s = g[i];
            for j in (i + 1)..k {
                s -= h[i][j] * y[j];
            }
            y[i] = if h[i][i] != 0.0 { s / h[i][i] } else { 0.0 };
        }
        for (yi, vi) in y.iter().zip(&v) {
            for (xj, vj) in x.iter_mut().zip(vi) {
                *xj += yi * vj;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A nonsymmetric, diagonally dominant system with a known solution.
    #[test]
    fn solves_a_nonsymmetric_system_to_tolerance() {
        let n = 30;
        let a = |i: usize, j: usize| -> f64 {
            if i == j {
                4.0
            } else if j == i + 1 {
                -1.5
            } else if i == j + 1 {
                -0.5
            } else if (i * 7 + j * 3).is_multiple_of(11) {
                0.1
            } else {
                0.0
            }
        };
        let exact: Vec<f64> = (0..n).map(|i| (i as f64 * 0.37).sin()).collect();
        let b: Vec<f64> = (0..n)
            .map(|i| (0..n).map(|j| a(i, j) * exact[j]).sum())
            .collect();
        let result = gmres::<()>(&b, &vec![0.0; n], 1e-12, 8, 200, |x, y| {
            for (i, yi) in y.iter_mut().enumerate() {
                *yi = (0..n).map(|j| a(i, j) * x[j]).sum();
            }
            Ok(())
        })
        .expect("no error");
        assert!(result.relative_residual <= 1e-12, "{result:?}");
        let err = result
            .x
            .iter()
            .zip(&exact)
            .fold(0.0f64, |m, (a, b)| m.max((a - b).abs()));
        assert!(err < 1e-10, "error {err:.3e}");
        // restarting every 8 still converges, within a few restarts
        assert!(result.products < 80, "{} products", result.products);
    }

    #[test]
    fn zero_right_hand_side_gives_zero() {
        let r = gmres::<()>(&[0.0; 3], &[1.0; 3], 1e-10, 3, 10, |x, y| {
            y.copy_from_slice(x);
            Ok(())
        })
        .expect("no error");
        assert_eq!(r.x, vec![0.0; 3]);
        assert_eq!(r.relative_residual, 0.0);
    }
}
