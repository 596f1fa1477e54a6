//! Label placement for the maps and charts: every label beside its point where there is room,
//! farther out with a leader line where there is not, and never on top of another label or
//! another point's marker.
//!
//! Greedy, in the order given (callers pass the best-ranked first, so they get the nearest
//! places): for each point the candidates are the eight places around its marker, then rings
//! of 16 directions at growing distance, each ring one label height farther. The first
//! candidate that lies inside the bounds, meets no obstacle, no marker and no label placed
//! before it (with [`PAD_PX`] between) is taken; among the ring candidates, one whose leader
//! line crosses no other label or marker is preferred. A label that fits nowhere is left
//! unplaced (`None`), never drawn over another: callers list those in a note.
//!
//! Units: pixels, y down.

/// Clearance kept between a label and anything else, px.
pub const PAD_PX: f64 = 1.0;

/// An axis-aligned box in pixels.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct BoxPx {
    pub x0: f64,
    pub y0: f64,
    pub x1: f64,
    pub y1: f64,
}

impl BoxPx {
    pub fn new(x0: f64, y0: f64, w: f64, h: f64) -> BoxPx {
        BoxPx {
            x0,
            y0,
            x1: x0 + w,
            y1: y0 + h,
        }
    }

    /// Whether the interiors overlap (boxes that only touch do not).
    pub fn intersects(&self, o: &BoxPx) -> bool {
        self.x0 < o.x1 && o.x0 < self.x1 && self.y0 < o.y1 && o.y0 < self.y1
    }

    pub fn contains(&self, o: &BoxPx) -> bool {
        o.x0 >= self.x0 && o.x1 <= self.x1 && o.y0 >= self.y0 && o.y1 <= self.y1
    }

    fn grown(&self, by: f64) -> BoxPx {
        BoxPx {
            x0: self.x0 - by,
            y0: self.y0 - by,
            x1: self.x1 + by,
            y1: self.y1 + by,
        }
    }

    /// The point of the box nearest to `(x, y)`.
    fn nearest(&self, x: f64, y: f64) -> (f64, f64) {
        (x.clamp(self.x0, self.x1), y.clamp(self.y0, self.y1))
    }

    /// Whether the segment a-b passes through the box's interior (Liang–Barsky).
    pub fn crosses(&self, a: (f64, f64), b: (f64, f64)) -> bool {
        let (dx, dy) = (b.0 - a.0, b.1 - a.1);
        let (mut t0, mut t1) = (0.0f64, 1.0f64);
        for (p, q) in [
            (-dx, a.0 - self.x0),
            (dx, self.x1 - a.0),
            (-dy, a.1 - self.y0),
            (dy, self.y1 - a.1),
        ] {
            if p == 0.0 {
                if q <= 0.0 {
                    return false;
                }
            } else {
                let t = q / p;
                if p < 0.0 {
                    t0 = t0.max(t);
                } else {
                    t1 = t1.min(t);
                }
            }
        }
        t1 - t0 > 1e-9
    }
}

/// A point to label: its position, the radius of the marker drawn there, the label's size.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Anchor {
    pub x: f64,
    pub y: f64,
    pub r: f64,
    pub w: f64,
    pub h: f64,
}

impl Anchor {
    /// The marker's bounding box.
    pub fn marker(&self) -> BoxPx {
        BoxPx {
            x0: self.x - self.r,
            y0: self.y - self.r,
            x1: self.x + self.r,
            y1: self.y + self.r,
        }
    }
}

/// Where a label went.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Label {
    pub rect: BoxPx,
    /// From the marker's edge to the label's nearest point, when the label is not beside
    /// its marker.
    pub leader: Option<((f64, f64), (f64, f64))>,
}

/// Places every label; see the module comment. `obstacles`: boxes no label may cover
/// (legends, titles). Returns one entry per anchor, in order.
pub fn place(anchors: &[Anchor], bounds: BoxPx, obstacles: &[BoxPx]) -> Vec<Option<Label>> {
    let markers: Vec<BoxPx> = anchors.iter().map(Anchor::marker).collect();
    let mut placed: Vec<BoxPx> = Vec::new();
    let mut out = Vec::with_capacity(anchors.len());
    let reach = (bounds.x1 - bounds.x0).hypot(bounds.y1 - bounds.y0);
    for (i, a) in anchors.iter().enumerate() {
        let free = |r: &BoxPx| {
            let g = r.grown(PAD_PX);
            bounds.contains(r)
                && !obstacles.iter().any(|o| o.intersects(&g))
                && !markers.iter().any(|m| m.intersects(&g))
                && !placed.iter().any(|p| p.intersects(&g))
        };
        let mut found: Option<Label> = None;
        // beside the marker: right, left, above, below, then the corners
        let gap = a.r + 2.0;
        let beside = [
            (a.x + gap, a.y - a.h / 2.0),
            (a.x - gap - a.w, a.y - a.h / 2.0),
            (a.x - a.w / 2.0, a.y - gap - a.h),
            (a.x - a.w / 2.0, a.y + gap),
            (a.x + gap * 0.7, a.y - gap * 0.7 - a.h),
            (a.x - gap * 0.7 - a.w, a.y - gap * 0.7 - a.h),
            (a.x + gap * 0.7, a.y + gap * 0.7),
            (a.x - gap * 0.7 - a.w, a.y + gap * 0.7),
        ];
        for (x, y) in beside {
            let r = BoxPx::new(x, y, a.w, a.h);
            if free(&r) {
                found = Some(Label {
                    rect: r,
                    leader: None,
                });
                break;
            }
        }
        // rings farther out, with a leader line
        let step = a.h.max(4.0);
        let mut k = 1.0;
        let mut fallback: Option<Label> = None;
        while found.is_none() && gap + k * step < reach {
            let d = gap + k * step;
            for n in 0..16 {
                let angle = std::f64::consts::TAU * n as f64 / 16.0;
                let (ux, uy) = (angle.cos(), -angle.sin());
                // the box's edge nearest the point sits at distance d
                let cx = a.x + ux * (d + a.w / 2.0);
                let cy = a.y + uy * (d + a.h / 2.0);
                let r = BoxPx::new(cx - a.w / 2.0, cy - a.h / 2.0, a.w, a.h);
                if !free(&r) {
                    continue;
                }
                let end = r.nearest(a.x, a.y);
                let len = (end.0 - a.x).hypot(end.1 - a.y).max(1e-9);
                let start = (
                    a.x + (end.0 - a.x) / len * a.r,
                    a.y + (end.1 - a.y) / len * a.r,
                );
                let label = Label {
                    rect: r,
                    leader: Some((start, end)),
                };
                let clear = !placed.iter().any(|p| p.crosses(start, end))
                    && !markers
                        .iter()
                        .enumerate()
                        .any(|(j, m)| j != i && m.crosses(start, end));
                if clear {
                    found = Some(label);
                    break;
                }
                fallback.get_or_insert(label);
            }
            if found.is_none() && fallback.is_some() {
                found = fallback;
            }
            k += 1.0;
        }
        if let Some(l) = &found {
            placed.push(l.rect);
        }
        out.push(found);
    }
    out
}

/// Every pair of placed labels that overlap, and every label that covers a marker or
/// leaves the bounds: what the tests assert is empty.
pub fn conflicts(anchors: &[Anchor], labels: &[Option<Label>], bounds: BoxPx) -> Vec<String> {
    let mut bad = Vec::new();
    let rects: Vec<(usize, BoxPx)> = labels
        .iter()
        .enumerate()
        .filter_map(|(i, l)| l.map(|l| (i, l.rect)))
        .collect();
    for (k, (i, a)) in rects.iter().enumerate() {
        if !bounds.contains(a) {
            bad.push(format!("label {i} leaves the bounds: {a:?}"));
        }
        for (j, b) in &rects[k + 1..] {
            if a.intersects(b) {
                bad.push(format!("labels {i} and {j} overlap: {a:?} {b:?}"));
            }
        }
        for (j, m) in anchors.iter().enumerate() {
            if a.intersects(&m.marker()) {
                bad.push(format!("label {i} covers marker {j}"));
            }
        }
    }
    bad
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bounds() -> BoxPx {
        BoxPx::new(0.0, 0.0, 400.0, 300.0)
    }

    #[test]
    fn coincident_points_get_separate_labels_with_leaders() {
        // ten labels on one point, plus two more close by
        let mut anchors: Vec<Anchor> = (0..10)
            .map(|_| Anchor {
                x: 200.0,
                y: 150.0,
                r: 5.0,
                w: 70.0,
                h: 14.0,
            })
            .collect();
        anchors.push(Anchor {
            x: 204.0,
            y: 150.0,
            r: 5.0,
            w: 90.0,
            h: 14.0,
        });
        anchors.push(Anchor {
            x: 200.0,
            y: 156.0,
            r: 5.0,
            w: 40.0,
            h: 14.0,
        });
        let labels = place(&anchors, bounds(), &[]);
        assert!(labels.iter().all(Option::is_some), "all placed");
        assert_eq!(conflicts(&anchors, &labels, bounds()), Vec::<String>::new());
        assert!(
            labels
                .iter()
                .filter(|l| l.unwrap().leader.is_some())
                .count()
                >= 4
        );
    }

    #[test]
    fn labels_keep_off_the_edges_and_obstacles() {
        // points in the corners and beside a legend box
        let legend = BoxPx::new(300.0, 0.0, 100.0, 100.0);
        let anchors = [
            Anchor {
                x: 2.0,
                y: 2.0,
                r: 4.0,
                w: 60.0,
                h: 12.0,
            },
            Anchor {
                x: 398.0,
                y: 298.0,
                r: 4.0,
                w: 60.0,
                h: 12.0,
            },
            Anchor {
                x: 295.0,
                y: 50.0,
                r: 4.0,
                w: 60.0,
                h: 12.0,
            },
        ];
        let labels = place(&anchors, bounds(), &[legend]);
        assert_eq!(conflicts(&anchors, &labels, bounds()), Vec::<String>::new());
        for l in labels.iter().flatten() {
            assert!(!l.rect.intersects(&legend), "{l:?}");
        }
    }

    #[test]
    fn the_check_finds_overlaps() {
        // the test of the tests: overlapping boxes are reported
        let anchors = [
            Anchor {
                x: 10.0,
                y: 10.0,
                r: 2.0,
                w: 20.0,
                h: 10.0,
            },
            Anchor {
                x: 100.0,
                y: 100.0,
                r: 2.0,
                w: 20.0,
                h: 10.0,
            },
        ];
        let same = Label {
            rect: BoxPx::new(50.0, 50.0, 20.0, 10.0),
            leader: None,
        };
        let found = conflicts(&anchors, &[Some(same), Some(same)], bounds());
        assert_eq!(found.len(), 1, "{found:?}");
        let on_marker = Label {
            rect: BoxPx::new(5.0, 5.0, 20.0, 10.0),
            leader: None,
        };
        assert_eq!(
            conflicts(&anchors, &[Some(on_marker), None], bounds()).len(),
            1
        );
    }

    #[test]
    fn a_full_plot_leaves_labels_unplaced_rather_than_overlapping() {
        let b = BoxPx::new(0.0, 0.0, 100.0, 40.0);
        let anchors: Vec<Anchor> = (0..30)
            .map(|i| Anchor {
                x: 50.0,
                y: 20.0 + (i % 2) as f64,
                r: 2.0,
                w: 45.0,
                h: 12.0,
            })
            .collect();
        let labels = place(&anchors, b, &[]);
        assert!(labels.iter().any(Option::is_none));
        assert!(labels.iter().any(Option::is_some));
        assert_eq!(conflicts(&anchors, &labels, b), Vec::<String>::new());
    }

    #[test]
    fn segment_box_crossing() {
        let b = BoxPx::new(10.0, 10.0, 10.0, 10.0);
        assert!(b.crosses((0.0, 15.0), (30.0, 15.0)));
        assert!(!b.crosses((0.0, 5.0), (30.0, 5.0)));
        assert!(!b.crosses((0.0, 0.0), (9.0, 30.0)));
        assert!(b.crosses((15.0, 15.0), (15.0, 16.0)));
    }
}
