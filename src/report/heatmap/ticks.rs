//! Tick maths for the axes and the colour bar: "nice" tick values (steps of 1, 2, 2.5 or
//! 5 × 10^k), how many ticks a length of pixels wants, the fewest decimals that print every
//! tick exactly, and the tick labels themselves.

/// Guard against float-precision pathologies (e.g. a range of 6 around 1e17).
const MAX_TICKS: usize = 64;

/// Ticks an axis of `len_px` pixels wants at about one per `px_per_tick`, 3 to 10.
pub fn axis_tick_target(len_px: i64, px_per_tick: i64) -> usize {
    (len_px / px_per_tick).clamp(3, 10) as usize
}

/// Tick values inside `lo..=hi` at a step of 1, 2, 2.5 or 5 × 10^k, the count closest to
/// `target` (ties go to more ticks). Returns the ticks and the step.
pub fn nice_ticks(lo: f64, hi: f64, target: usize) -> (Vec<f64>, f64) {
    let span = hi - lo;
    if !(span.is_finite() && span > 0.0) || target == 0 {
        return (vec![lo], 1.0);
    }
    const EPS: f64 = 1e-9;
    let k0 = (span / target as f64).log10().floor() as i32;
    let mut best: Option<(usize, f64)> = None;
    for k in k0 - 1..=k0 + 1 {
        for m in [1.0, 2.0, 2.5, 5.0] {
            let step = m * 10f64.powi(k);
            let first = (lo / step - EPS).ceil();
            let last = (hi / step + EPS).floor();
            let count = (last - first + 1.0).max(0.0) as usize;
            let score = count.abs_diff(target);
            let better = match best {
                None => true,
                Some((best_score, best_step)) => {
                    score < best_score || (score == best_score && step < best_step)
                }
            };
            if better {
                best = Some((score, step));
            }
        }
    }
    let step = best.map_or(span, |(_, s)| s);
    let first = (lo / step - EPS).ceil() as i64;
    let last = (hi / step + EPS).floor() as i64;
    let ticks = (first..=last)
        .take(MAX_TICKS)
        .map(|i| i as f64 * step)
        .collect();
    (ticks, step)
}

/// Fewest decimals that print every multiple of `step` exactly.
pub fn decimals_for(step: f64) -> usize {
    (0..=6)
        .find(|&d| {
            let s = step * 10f64.powi(d as i32);
            (s - s.round()).abs() < 1e-6 * s.abs().max(1.0)
        })
        .unwrap_or(6)
}

/// `v` with `decimals` decimals, never as "-0.0".
pub fn format_value(v: f64, decimals: usize) -> String {
    let s = format!("{v:.decimals$}");
    // "-0.0" reads as a bug on an axis.
    if s.starts_with('-') && s[1..].chars().all(|c| c == '0' || c == '.') {
        s[1..].to_string()
    } else {
        s
    }
}

/// A colour-bar label: the value, then its unit when there is one.
pub fn with_unit(v: f64, decimals: usize, unit: &str) -> String {
    let v = format_value(v, decimals);
    if unit.is_empty() {
        v
    } else {
        format!("{v} {unit}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nice_ticks_are_nice() {
        // Ranges where some 1, 2, 2.5, 5 × 10^k step gives 5..=7 ticks inside the range.
        for (lo, hi) in [
            (0.0, 30.0),
            (18.3, 31.7),
            (0.0, 1.0),
            (-2.0, 3.0),
            (0.012, 0.047),
            (220.0, 240.0),
            (0.0, 100.0),
        ] {
            let (ticks, step) = nice_ticks(lo, hi, 6);
            assert!((5..=7).contains(&ticks.len()), "{lo}..{hi}: {ticks:?}");
            let mantissa = step / 10f64.powf(step.log10().floor());
            assert!(
                [1.0, 2.0, 2.5, 5.0]
                    .iter()
                    .any(|m| (m - mantissa).abs() < 1e-9),
                "step {step}"
            );
            assert!(ticks.iter().all(|&t| t >= lo - 1e-9 && t <= hi + 1e-9));
        }
        // Elsewhere (0..37: step 5 gives 8, step 10 gives 4) the count stays within one.
        for k in 1..200 {
            let (lo, hi) = (0.37 * k as f64, 0.37 * k as f64 + 1.3 * k as f64);
            let (ticks, _) = nice_ticks(lo, hi, 6);
            assert!((4..=8).contains(&ticks.len()), "{lo}..{hi}: {ticks:?}");
        }
        assert_eq!(format_value(-0.0001, 1), "0.0");
        assert_eq!(decimals_for(2.5), 1);
        assert_eq!(decimals_for(0.25), 2);
        assert_eq!(decimals_for(20.0), 0);
    }

    #[test]
    fn labels_carry_their_unit() {
        assert_eq!(with_unit(21.24, 1, "°C"), "21.2 °C");
        assert_eq!(with_unit(3.0, 0, ""), "3");
        assert_eq!(axis_tick_target(900, 70), 10);
        assert_eq!(axis_tick_target(100, 60), 3);
    }
}
