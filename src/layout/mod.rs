//! Floor plan of a facility's data hall on a uniform grid: rack rows, cold and hot aisles,
//! cooling-unit supply, busways and feed points.
//!
//! Geometry (the same as `Facility::footprint`): x runs along the rows, y across them, origin
//! at the hall's south-west corner, metres. A `perimeter_clearance_m` band surrounds the rack
//! block. Rows alternate facing: row 0's front faces north across a cold aisle to row 1's
//! front; row 1's back faces north across a hot aisle to row 2's back; and so on. Cells are
//! square, `cell_m` on a side, indexed `j * nx + i`; a cell belongs to whatever covers its
//! centre. Invariant: every rack covers at least one whole cell in each direction.

pub mod campus;

use crate::site::Facility;

/// What covers a cell.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CellKind {
    Rack,
    ColdAisle,
    HotAisle,
    /// The clearance band around the rack block (cooling units, access, switchboards).
    Perimeter,
}

/// Which side of a rack its air inlet (front) faces.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Facing {
    North,
    South,
}

/// A rectangle of cells `[i0, i1) × [j0, j1)`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CellRect {
    pub i0: usize,
    pub i1: usize,
    pub j0: usize,
    pub j1: usize,
}

impl CellRect {
    pub fn cells(&self) -> impl Iterator<Item = (usize, usize)> + '_ {
        (self.j0..self.j1).flat_map(move |j| (self.i0..self.i1).map(move |i| (i, j)))
    }

    pub fn count(&self) -> usize {
        (self.i1 - self.i0) * (self.j1 - self.j0)
    }
}

/// One rack: where it stands and where its inlet air is sampled.
#[derive(Clone, Debug, PartialEq)]
pub struct Rack {
    /// Row (0 = southmost) and position in the row (0 = westmost).
    pub row: usize,
    pub index: usize,
    pub cells: CellRect,
    pub facing: Facing,
    /// The cold-aisle cells just in front of the rack: its inlet air.
    pub inlet: CellRect,
    /// The cells just behind the rack, where its exhaust leaves.
    pub exhaust: CellRect,
    /// Outline in metres (x0, y0, x1, y1).
    pub outline_m: [f64; 4],
}

impl Rack {
    /// A name a planner can find on the plan: row letter(s) and 1-based position, e.g. "C07".
    pub fn label(&self) -> String {
        let mut row = String::new();
        let mut r = self.row;
        loop {
            row.insert(0, (b'A' + (r % 26) as u8) as char);
            if r < 26 {
                break;
            }
            r = r / 26 - 1;
        }
        format!("{row}{:02}", self.index + 1)
    }
}

#[derive(Clone, Debug)]
pub struct FloorPlan {
    pub nx: usize,
    pub ny: usize,
    pub cell_m: f64,
    pub width_m: f64,
    pub depth_m: f64,
    pub kind: Vec<CellKind>,
    pub racks: Vec<Rack>,
    /// Share of one busway conductor each cell carries (0 off the busways): a conductor
    /// spread over a band `t` cells wide puts `1/t` in each.
    pub busway: Vec<f64>,
    /// Cells where the unit substations feed the main busbars along the west and east walls.
    pub feeds: Vec<usize>,
}

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum LayoutError {
    #[error("cell size {cell_m} m must be positive and at most half the rack's smaller side ({limit_m} m) so that a rack spans at least 2 cells")]
    CellSize { cell_m: f64, limit_m: f64 },
    #[error("the facility needs no racks (it_load_mw and rack_kw must be positive)")]
    NoRacks,
    #[error("a {nx} x {ny} grid is larger than the {max} cells dcplan plans for one hall; use a larger --cell-m")]
    TooManyCells { nx: usize, ny: usize, max: usize },
}

/// Largest grid a plan may have (a 16 M-cell hall solves in seconds on a GPU, minutes on a CPU).
pub const MAX_CELLS: usize = 1 << 24;

/// The default cell size: half the rack's smaller side, so a rack spans at least 2 cells.
pub fn default_cell_m(facility: &Facility) -> f64 {
    0.5 * facility.rack_width_m.min(facility.rack_depth_m)
}

impl FloorPlan {
    pub fn build(facility: &Facility, cell_m: f64) -> Result<FloorPlan, LayoutError> {
        let limit_m = default_cell_m(facility);
        if !(cell_m.is_finite() && cell_m > 0.0 && cell_m <= limit_m * (1.0 + 1e-9)) {
            return Err(LayoutError::CellSize { cell_m, limit_m });
        }
        let foot = facility.footprint();
        if foot.racks == 0 {
            return Err(LayoutError::NoRacks);
        }
        let nx = (foot.width_m / cell_m).ceil() as usize;
        let ny = (foot.depth_m / cell_m).ceil() as usize;
        if nx.saturating_mul(ny) > MAX_CELLS {
            return Err(LayoutError::TooManyCells {
                nx,
                ny,
                max: MAX_CELLS,
            });
        }
        let cell = |m: f64| ((m / cell_m).round() as usize).min(nx.max(ny));
        let clearance = facility.perimeter_clearance_m;
        let per_row = facility.racks_per_row.max(1) as u64;
        let mut kind = vec![CellKind::Perimeter; nx * ny];
        let mut busway = vec![0.0; nx * ny];
        let mut racks = Vec::new();
        let block_x0 = clearance;
        let block_x1 = foot.width_m - clearance;
        let mut y = clearance;
        for row in 0..foot.rows as usize {
            let in_row = (foot.racks - row as u64 * per_row).min(per_row) as usize;
            let facing = if row % 2 == 0 {
                Facing::North
            } else {
                Facing::South
            };
            let (j0, j1) = (cell(y), cell(y + facility.rack_depth_m));
            for index in 0..in_row {
                let x0 = block_x0 + index as f64 * facility.rack_width_m;
                let x1 = x0 + facility.rack_width_m;
                let cells = CellRect {
                    i0: cell(x0),
                    i1: cell(x1),
                    j0,
                    j1,
                };
                // the inlet sample is the first cell-row of the cold aisle in front, the
                // exhaust the first row behind: the rows just north and south of the rack
                let north = CellRect {
                    j0: j1,
                    j1: (j1 + 1).min(ny),
                    ..cells
                };
                let south = CellRect {
                    j0: j0.saturating_sub(1),
                    j1: j0,
                    ..cells
                };
                let (inlet, exhaust) = match facing {
                    Facing::North => (north, south),
                    Facing::South => (south, north),
                };
                racks.push(Rack {
                    row,
                    index,
                    cells,
                    facing,
                    inlet,
                    exhaust,
                    outline_m: [x0, y, x1, y + facility.rack_depth_m],
                });
            }
            // the row's aisles (whole block width, even where a short last row leaves a gap)
            let (i0, i1) = (cell(block_x0), cell(block_x1));
            for j in j0..j1 {
                for i in i0..i1 {
                    kind[j * nx + i] = CellKind::ColdAisle; // rack cells overwritten below
                }
            }
            y += facility.rack_depth_m;
            if row + 1 == foot.rows as usize && facing == Facing::North {
                // the last row has no partner across its cold aisle: its supply comes into
                // the clearance band in front of it
                for j in cell(y)..cell(y + facility.cold_aisle_m).min(ny) {
                    for i in i0..i1 {
                        kind[j * nx + i] = CellKind::ColdAisle;
                    }
                }
            }
            if row + 1 < foot.rows as usize {
                let (aisle, width) = if row % 2 == 0 {
                    (CellKind::ColdAisle, facility.cold_aisle_m)
                } else {
                    (CellKind::HotAisle, facility.hot_aisle_m)
                };
                for j in cell(y)..cell(y + width) {
                    for i in i0..i1 {
                        kind[j * nx + i] = aisle;
                    }
                }
                y += width;
            }
        }
        // cells of a row's band that no rack covers (a short last row) count as cold aisle
        for rack in &racks {
            for (i, j) in rack.cells.cells() {
                kind[j * nx + i] = CellKind::Rack;
            }
        }
        // busways: one overhead along each rack row, joined at both ends to main busbars that
        // run along the west and east walls in the clearance band; switchboards feed the main
        // busbars at mid-wall. On the grid a conductor is spread over a band of cells (the
        // rack row's depth; up to 4 cells for a main busbar), each carrying its share, so the
        // sheet resolves it on coarse grids as well.
        let bar = (cell(clearance) / 2).clamp(1, 4);
        let iw0 = (cell(0.5 * clearance)).saturating_sub(bar / 2);
        let ie0 = (cell(foot.width_m - 0.5 * clearance) + bar / 2).min(nx) - bar;
        let (jlo, jhi) = (cell(clearance), cell(foot.depth_m - clearance).min(ny));
        for j in jlo..jhi {
            for i in (iw0..iw0 + bar).chain(ie0..ie0 + bar) {
                busway[j * nx + i] = 1.0 / bar as f64;
            }
        }
        let bands: std::collections::BTreeSet<(usize, usize)> =
            racks.iter().map(|r| (r.cells.j0, r.cells.j1)).collect();
        for &(j0, j1) in &bands {
            for j in j0..j1 {
                for i in iw0 + bar..ie0 {
                    busway[j * nx + i] = 1.0 / (j1 - j0) as f64;
                }
            }
        }
        // the unit substations feed the main busbars, half along each end wall (the odd one
        // west), evenly spaced along it
        let units = facility.unit_substations() as usize;
        let (west, east) = (units.div_ceil(2), units / 2);
        let at = |k: usize, of: usize| {
            jlo + (((k as f64 + 0.5) * (jhi - jlo) as f64 / of as f64) as usize).min(jhi - jlo - 1)
        };
        let mut feeds: Vec<usize> = Vec::new();
        for k in 0..west {
            feeds.extend((iw0..iw0 + bar).map(|i| at(k, west) * nx + i));
        }
        for k in 0..east {
            feeds.extend((ie0..ie0 + bar).map(|i| at(k, east) * nx + i));
        }
        Ok(FloorPlan {
            nx,
            ny,
            cell_m,
            width_m: foot.width_m,
            depth_m: foot.depth_m,
            kind,
            racks,
            busway,
            feeds,
        })
    }

    pub fn cells(&self) -> usize {
        self.nx * self.ny
    }

    /// Centre of cell (i, j), m.
    pub fn centre_m(&self, i: usize, j: usize) -> (f64, f64) {
        (
            (i as f64 + 0.5) * self.cell_m,
            (j as f64 + 0.5) * self.cell_m,
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::site::load_facility;
    use std::path::Path;

    fn default_facility() -> Facility {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("sites/facilities/ai-hall-20mw.json");
        load_facility(&path)
            .expect("the shipped facility loads")
            .into_inner()
    }

    #[test]
    fn shipped_hall_places_every_rack_on_whole_cells_with_an_inlet_in_a_cold_aisle() {
        let f = default_facility();
        let plan = FloorPlan::build(&f, default_cell_m(&f)).expect("plan");
        assert_eq!(plan.racks.len() as u64, f.rack_count());
        for r in &plan.racks {
            assert!(
                r.cells.i1 - r.cells.i0 >= 2 && r.cells.j1 - r.cells.j0 >= 2,
                "{r:?}"
            );
            assert!(r.inlet.count() > 0, "rack {} has no inlet cells", r.label());
            for (i, j) in r.inlet.cells() {
                assert_eq!(
                    plan.kind[j * plan.nx + i],
                    CellKind::ColdAisle,
                    "{}",
                    r.label()
                );
            }
        }
        // racks do not overlap
        let rack_cells = plan.kind.iter().filter(|k| **k == CellKind::Rack).count();
        let sum: usize = plan.racks.iter().map(|r| r.cells.count()).sum();
        assert_eq!(rack_cells, sum);
        assert!(plan.width_m <= plan.nx as f64 * plan.cell_m + 1e-9);
        assert!(!plan.feeds.is_empty());
        assert!(plan.feeds.iter().all(|&p| plan.busway[p] > 0.0));
        // every rack sits on a busway band
        for r in &plan.racks {
            assert!(r
                .cells
                .cells()
                .all(|(i, j)| plan.busway[j * plan.nx + i] > 0.0));
        }
    }

    #[test]
    fn a_cell_larger_than_half_a_rack_is_refused() {
        let f = default_facility();
        let err = FloorPlan::build(&f, 0.5).expect_err("0.5 m cells are too coarse");
        assert!(matches!(err, LayoutError::CellSize { .. }), "{err}");
        assert!(FloorPlan::build(&f, -1.0).is_err());
    }

    #[test]
    fn rack_labels_run_a_to_z_then_aa() {
        let rack = |row| Rack {
            row,
            index: 6,
            cells: CellRect {
                i0: 0,
                i1: 1,
                j0: 0,
                j1: 1,
            },
            facing: Facing::North,
            inlet: CellRect {
                i0: 0,
                i1: 1,
                j0: 1,
                j1: 2,
            },
            exhaust: CellRect {
                i0: 0,
                i1: 1,
                j0: 0,
                j1: 0,
            },
            outline_m: [0.0; 4],
        };
        assert_eq!(rack(0).label(), "A07");
        assert_eq!(rack(25).label(), "Z07");
        assert_eq!(rack(26).label(), "AA07");
    }
}
