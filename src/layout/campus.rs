//! A campus on a site's land: N identical halls in rows and columns, a heat-rejection yard and
//! an MV substation in a strip along the south edge, all inside a setback from the boundary.
//! As many halls as fit are placed (never more than asked); what does not fit is reported.
//!
//! Geometry: x along the land's width, y along its depth, origin at the south-west corner of
//! the land, metres. Halls may be turned 90° when that fits more of them.

use serde::Serialize;

/// What the campus needs besides its halls.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct CampusRules {
    /// Halls asked for.
    pub halls: usize,
    /// One hall's footprint (along its rows, across them), m.
    pub hall_width_m: f64,
    pub hall_depth_m: f64,
    /// IT load of one hall, MW.
    pub hall_it_mw: f64,
    /// Clear space between halls, m.
    pub hall_gap_m: f64,
    /// Heat-rejection yard per MW of IT placed, m².
    pub yard_m2_per_mw: f64,
    /// MV substation area for every hall asked for, m²; a campus of fewer halls needs a
    /// proportionally smaller one (its transformer bays scale with the load).
    pub substation_m2: f64,
    /// Setback from the land boundary, m.
    pub setback_m: f64,
}

/// A rectangle on the land, m: (x0, y0, x1, y1).
pub type Rect = [f64; 4];

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct CampusPlan {
    pub halls_asked: usize,
    pub halls_placed: usize,
    /// Each placed hall's footprint on the land.
    pub halls: Vec<Rect>,
    /// Halls turned 90° (their rows along y).
    pub rotated: bool,
    /// The strip holding the yard and the substation.
    pub yard: Rect,
    pub yard_m2: f64,
    pub substation_m2: f64,
    /// IT load of the placed halls, MW.
    pub it_mw_placed: f64,
    /// Why fewer halls than asked were placed; `None` when all fit.
    pub limit: Option<String>,
}

/// Halls of `w × d` that fit in columns and rows in a `width × depth` area with `gap` between.
fn grid_fit(width: f64, depth: f64, w: f64, d: f64, gap: f64) -> (usize, usize) {
    let count = |room: f64, size: f64| {
        if room < size {
            0
        } else {
            ((room + gap) / (size + gap)).floor() as usize
        }
    };
    (count(width, w), count(depth, d))
}

/// Places the campus on land `width_m × depth_m`.
pub fn place(rules: &CampusRules, width_m: f64, depth_m: f64) -> CampusPlan {
    let (s, g) = (rules.setback_m, rules.hall_gap_m);
    let (uw, ud) = ((width_m - 2.0 * s).max(0.0), (depth_m - 2.0 * s).max(0.0));
    let mut best: Option<CampusPlan> = None;
    for rotated in [false, true] {
        let (w, d) = if rotated {
            (rules.hall_depth_m, rules.hall_width_m)
        } else {
            (rules.hall_width_m, rules.hall_depth_m)
        };
        // the yard grows with the halls placed: try from the most halls down
        for n in (1..=rules.halls).rev() {
            let yard_m2 = rules.yard_m2_per_mw * rules.hall_it_mw * n as f64;
            let substation_m2 = rules.substation_m2 * n as f64 / rules.halls as f64;
            let strip_m2 = yard_m2 + substation_m2;
            if uw <= 0.0 {
                break;
            }
            let strip_depth = strip_m2 / uw;
            let room = ud - strip_depth - g;
            let (cols, rows) = grid_fit(uw, room, w, d, g);
            if cols * rows < n {
                continue;
            }
            let y0 = s + strip_depth + g;
            let halls: Vec<Rect> = (0..n)
                .map(|k| {
                    let (c, r) = (k % cols, k / cols);
                    let x = s + c as f64 * (w + g);
                    let y = y0 + r as f64 * (d + g);
                    [x, y, x + w, y + d]
                })
                .collect();
            let plan = CampusPlan {
                halls_asked: rules.halls,
                halls_placed: n,
                halls,
                rotated,
                yard: [s, s, s + uw, s + strip_depth],
                yard_m2,
                substation_m2,
                it_mw_placed: n as f64 * rules.hall_it_mw,
                limit: None,
            };
            if best
                .as_ref()
                .is_none_or(|b| plan.halls_placed > b.halls_placed)
            {
                best = Some(plan);
            }
            break;
        }
    }
    let mut plan = best.unwrap_or(CampusPlan {
        halls_asked: rules.halls,
        halls_placed: 0,
        halls: Vec::new(),
        rotated: false,
        yard: [s, s, s, s],
        yard_m2: 0.0,
        substation_m2: 0.0,
        it_mw_placed: 0.0,
        limit: None,
    });
    if plan.halls_placed < rules.halls {
        plan.limit = Some(format!(
            "land: {} of {} halls ({:.0} of {:.0} MW IT) fit on {:.0} m x {:.0} m with a {:.0} m \
             setback, {:.0} m between halls, a yard of {:.0} m² per MW and a {:.0} m² substation for \
             all halls (less for fewer)",
            plan.halls_placed,
            rules.halls,
            plan.it_mw_placed,
            rules.halls as f64 * rules.hall_it_mw,
            width_m,
            depth_m,
            s,
            g,
            rules.yard_m2_per_mw,
            rules.substation_m2
        ));
    }
    plan
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rules(halls: usize) -> CampusRules {
        CampusRules {
            halls,
            hall_width_m: 60.0,
            hall_depth_m: 40.0,
            hall_it_mw: 20.0,
            hall_gap_m: 10.0,
            yard_m2_per_mw: 100.0,
            substation_m2: 4_000.0,
            setback_m: 10.0,
        }
    }

    /// 400 x 300 m land: usable 380 x 280; five halls need a 10,000 + 4,000 m² strip, 36.8 m
    /// deep; 5 columns of 60 m (with 10 m gaps: 340 m) and 5 rows of 40 m in the 233.2 m
    /// left: all five fit in the first row, the strip along the south.
    #[test]
    fn all_halls_fit_on_ample_land() {
        let p = place(&rules(5), 400.0, 300.0);
        assert_eq!(p.halls_placed, 5);
        assert!(p.limit.is_none());
        assert!((p.yard[3] - (10.0 + 14_000.0 / 380.0)).abs() < 1e-9);
        for h in &p.halls {
            assert!(h[0] >= 10.0 && h[2] <= 390.0 && h[1] >= p.yard[3] + 10.0 && h[3] <= 290.0);
        }
        // halls never overlap and keep their gap
        for (a, b) in p.halls.iter().zip(p.halls.iter().skip(1)) {
            assert!(b[0] >= a[2] + 10.0 - 1e-9 || b[1] >= a[3] + 10.0 - 1e-9);
        }
    }

    /// On 150 x 150 m only part fits: the plan says so, with the MW that fit.
    #[test]
    fn fewer_halls_on_small_land_are_reported() {
        let p = place(&rules(20), 150.0, 150.0);
        assert!(
            p.halls_placed < 20 && p.halls_placed > 0,
            "{}",
            p.halls_placed
        );
        let limit = p.limit.expect("a limit");
        assert!(limit.starts_with("land:"), "{limit}");
        assert!((p.it_mw_placed - 20.0 * p.halls_placed as f64).abs() < 1e-9);
    }

    /// Turning the halls fits more of them on a narrow plot.
    #[test]
    fn narrow_land_turns_the_halls() {
        // 55 m usable width: halls 60 m wide do not fit unturned; turned (40 m) one per row
        let p = place(&rules(3), 75.0, 500.0);
        assert!(p.rotated, "{p:?}");
        assert_eq!(p.halls_placed, 3);
    }

    #[test]
    fn no_room_places_nothing() {
        let p = place(&rules(2), 30.0, 30.0);
        assert_eq!(p.halls_placed, 0);
        assert!(p.limit.is_some());
    }
}
