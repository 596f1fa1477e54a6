//! How large a hall's grid may be, checked before anything is allocated: a `--cell-m` that
//! would need more cells than dcplan plans for, or more memory than this machine has, is
//! refused up front (exit 2) with the grid it would make, the memory it would need, and the
//! cell sizes this facility allows.

use super::error::PlanError;
use crate::layout::{default_cell_m, MAX_CELLS};
use crate::site::Facility;

/// Peak memory of one hall simulation per grid cell, bytes: measured as the peak resident size
/// of `dcplan simulate --backend cpu` on the shipped hall at several cell sizes (fields, the
/// coupled heat and power systems with their multigrid hierarchies, the heatmaps), minus the
/// size at the smallest grid, divided by the cells — rounded up with a margin.
pub const BYTES_PER_CELL: u64 = 500;

/// Memory a hall of `cells` cells needs, bytes (an estimate: [`BYTES_PER_CELL`]).
pub fn estimate_bytes(cells: f64) -> f64 {
    cells * BYTES_PER_CELL as f64
}

/// Checks `cell_m` for `facility` before the floor plan is built: a positive finite size no
/// larger than the layout's limit (half the rack's smaller side), a grid of at most
/// [`MAX_CELLS`] cells, and an estimated memory within what the machine has available.
pub fn check_grid(facility: &Facility, cell_m: f64) -> Result<(), PlanError> {
    let largest = default_cell_m(facility);
    let foot = facility.footprint();
    let area = foot.width_m * foot.depth_m;
    // the smallest cell that keeps the grid within MAX_CELLS, with a margin for rounding up
    let smallest = (area / MAX_CELLS as f64).sqrt() * 1.01;
    let allowed = format!(
        "this facility allows --cell-m from {} to {} m",
        round_up(smallest),
        round_down(largest)
    );
    let shown = short(cell_m);
    if !(cell_m.is_finite() && cell_m > 0.0) {
        return Err(PlanError::Request(format!(
            "--cell-m: expected a positive number of metres, found {shown}; {allowed}"
        )));
    }
    if cell_m > largest * (1.0 + 1e-9) {
        return Err(PlanError::Request(format!(
            "--cell-m {shown}: a rack must span at least 2 cells; {allowed}"
        )));
    }
    let nx = (foot.width_m / cell_m).ceil();
    let ny = (foot.depth_m / cell_m).ceil();
    let cells = nx * ny;
    let need = estimate_bytes(cells);
    if cells > MAX_CELLS as f64 {
        return Err(PlanError::Request(format!(
            "--cell-m {shown}: the {:.0} x {:.0} m hall would need a {nx:.3e} x {ny:.3e} grid \
             ({cells:.3e} cells, about {}), above the {MAX_CELLS} cells dcplan plans for; {allowed}",
            foot.width_m,
            foot.depth_m,
            gib(need)
        )));
    }
    if let Some(free) = crate::fsio::available_memory_bytes() {
        if need > free as f64 {
            return Err(PlanError::Request(format!(
                "--cell-m {shown}: a {nx:.0} x {ny:.0} grid needs about {} and this machine \
                 has {} available; use a larger --cell-m ({allowed})",
                gib(need),
                gib(free as f64)
            )));
        }
    }
    Ok(())
}

/// A number as a person would write it: plain for everyday sizes, else in exponent form.
pub fn short(x: f64) -> String {
    if x == 0.0 || !x.is_finite() || (1e-3..1e6).contains(&x.abs()) {
        format!("{x}")
    } else {
        format!("{x:e}")
    }
}

/// Bytes as GiB, for messages.
pub fn gib(bytes: f64) -> String {
    format!("{:.2} GiB", bytes / (1u64 << 30) as f64)
}

fn round_up(x: f64) -> f64 {
    (x * 1000.0).ceil() / 1000.0
}

fn round_down(x: f64) -> f64 {
    (x * 1000.0).floor() / 1000.0
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::site::load_facility;
    use std::path::Path;

    fn hall() -> Facility {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("sites/facilities/ai-hall-20mw.json");
        load_facility(&path).expect("shipped facility").into_inner()
    }

    #[test]
    fn absurd_cell_sizes_are_refused_with_the_allowed_range() {
        let f = hall();
        for bad in [1e-300, 0.0, -1.0, f64::NAN, f64::INFINITY, 100.0] {
            let e = check_grid(&f, bad).unwrap_err().to_string();
            assert!(
                e.contains("this facility allows --cell-m from"),
                "{bad}: {e}"
            );
            assert!(!e.contains("18446744073709551615"), "{e}");
        }
        let e = check_grid(&f, 1e-4).unwrap_err().to_string();
        assert!(e.contains("cells dcplan plans for"), "{e}");
        check_grid(&f, default_cell_m(&f)).expect("the default size is allowed");
    }
}
