//! The charts of report.html as inline SVG: the Pareto scatter of two criteria and the rank
//! stability bars.
//!
//! - Colours come from `colorous` and are colour-blind safe: a site's score on viridis over
//!   0–1 (the map's scale), the stability bars in two far-apart shades of cividis. Meaning
//!   never rests on colour alone: Pareto-optimal sites carry a ring, infeasible ones a cross.
//! - Axes have ticks from `heatmap::ticks` and titles with the criterion's unit and whether
//!   higher or lower is better.
//! - Labels are placed by `report::labels` (never over another label or point; leader lines
//!   where a label had to move away), measured with the fonts report.html embeds
//!   (`report::text`). Each label's box is written as `data-box="x0 y0 x1 y1"` on its group so
//!   tests can check them in the finished page.
//!
//! Units: SVG user units = CSS pixels.

use super::heatmap::ticks::{decimals_for, format_value, nice_ticks};
use super::labels::{self, Anchor, BoxPx, Label};
use super::sitemap::score_rgb;
use super::text;
use crate::plan::ranking::{RankedSite, RankingReport};
use image::Rgb;
use std::fmt::Write as _;

const LABEL_PX: f32 = 11.0;
const POINT_R: f64 = 6.0;
const RING_R: f64 = 9.5;

/// `&`, `<`, `>` and `"` escaped for HTML text and attributes.
pub fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

fn hex(c: Rgb<u8>) -> String {
    format!("#{:02x}{:02x}{:02x}", c.0[0], c.0[1], c.0[2])
}

fn cividis(t: f64) -> String {
    let c = colorous::CIVIDIS.eval_continuous(t);
    format!("#{:02x}{:02x}{:02x}", c.r, c.g, c.b)
}

/// "label (unit), lower is better".
fn axis_title(r: &RankingReport, key: &str) -> String {
    r.criteria
        .iter()
        .find(|c| c.key == key)
        .map(|c| {
            let better = if c.direction == "cost" {
                "lower is better"
            } else {
                "higher is better"
            };
            format!("{} ({}), {better}", c.label, c.unit)
        })
        .unwrap_or_else(|| key.to_string())
}

/// A site's label: rank (or –), Korean and English names.
pub fn site_label(s: &RankedSite) -> String {
    let rank = s.rank.map(|r| r.to_string()).unwrap_or("–".into());
    format!("{rank} {} {}", s.name_ko, s.name_en)
}

/// The Pareto chart and where its labels went.
pub struct Scatter {
    pub svg: String,
    pub anchors: Vec<Anchor>,
    pub labels: Vec<Option<Label>>,
    pub bounds: BoxPx,
}

/// Padded range of `vals` (a single value gets ±1, or ±5 % of itself).
fn span(vals: impl Iterator<Item = f64>) -> (f64, f64) {
    let (lo, hi) = vals.fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), v| {
        (a.min(v), b.max(v))
    });
    if !(lo.is_finite() && hi.is_finite()) {
        return (0.0, 1.0);
    }
    if hi > lo {
        let pad = 0.08 * (hi - lo);
        (lo - pad, hi + pad)
    } else {
        let pad = (lo.abs() * 0.05).max(1e-3);
        (lo - pad, hi + pad)
    }
}

/// Scatter of criteria `x_key` and `y_key` over all sites.
pub fn pareto(r: &RankingReport, x_key: &str, y_key: &str) -> Scatter {
    let fonts = text::fonts().ok();
    let measure = |t: &str| match fonts {
        Some(f) => (f.width(LABEL_PX, t) as f64, f.line_height(LABEL_PX) as f64),
        None => (0.62 * LABEL_PX as f64 * t.chars().count() as f64, 14.0),
    };
    let find = |s: &RankedSite, key: &str| {
        s.values
            .iter()
            .find(|v| v.key == key)
            .map(|v| v.value)
            .filter(|v| v.is_finite())
    };
    let points: Vec<(f64, f64, &RankedSite)> = r
        .ranking
        .iter()
        .filter_map(|s| Some((find(s, x_key)?, find(s, y_key)?, s)))
        .collect();
    let (w, h) = (780.0, 460.0);
    let (left, right, top, bottom) = (78.0, 20.0, 16.0, 96.0);
    let plot = BoxPx {
        x0: left,
        y0: top,
        x1: w - right,
        y1: h - bottom,
    };
    let (x0, x1) = span(points.iter().map(|p| p.0));
    let (y0, y1) = span(points.iter().map(|p| p.1));
    let px = |x: f64| plot.x0 + (x - x0) / (x1 - x0) * (plot.x1 - plot.x0);
    let py = |y: f64| plot.y1 - (y - y0) / (y1 - y0) * (plot.y1 - plot.y0);
    let mut s = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{w}\" height=\"{h}\" viewBox=\"0 0 {w} {h}\" role=\"img\" aria-label=\"Pareto chart\" class=\"chart pareto\">\
         <rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" fill=\"#fbfbfb\" stroke=\"#777\"/>",
        plot.x0,
        plot.y0,
        plot.x1 - plot.x0,
        plot.y1 - plot.y0
    );
    // ticks and grid
    let (xt, xs) = nice_ticks(x0, x1, 7);
    let (yt, ys) = nice_ticks(y0, y1, 6);
    let (xd, yd) = (decimals_for(xs), decimals_for(ys));
    for v in &xt {
        let x = px(*v);
        let _ = write!(
            s,
            "<line x1=\"{x:.1}\" y1=\"{:.1}\" x2=\"{x:.1}\" y2=\"{:.1}\" stroke=\"#e3e3e3\"/>\
             <line x1=\"{x:.1}\" y1=\"{:.1}\" x2=\"{x:.1}\" y2=\"{:.1}\" stroke=\"#333\"/>\
             <text x=\"{x:.1}\" y=\"{:.1}\" font-size=\"11\" text-anchor=\"middle\">{}</text>",
            plot.y0,
            plot.y1,
            plot.y1,
            plot.y1 + 5.0,
            plot.y1 + 18.0,
            format_value(*v, xd)
        );
    }
    for v in &yt {
        let y = py(*v);
        let _ = write!(
            s,
            "<line x1=\"{:.1}\" y1=\"{y:.1}\" x2=\"{:.1}\" y2=\"{y:.1}\" stroke=\"#e3e3e3\"/>\
             <line x1=\"{:.1}\" y1=\"{y:.1}\" x2=\"{:.1}\" y2=\"{y:.1}\" stroke=\"#333\"/>\
             <text x=\"{:.1}\" y=\"{:.1}\" font-size=\"11\" text-anchor=\"end\">{}</text>",
            plot.x0,
            plot.x1,
            plot.x0 - 5.0,
            plot.x0,
            plot.x0 - 8.0,
            y + 4.0,
            format_value(*v, yd)
        );
    }
    let _ = write!(
        s,
        "<text x=\"{:.1}\" y=\"{:.1}\" font-size=\"13\" text-anchor=\"middle\">{}</text>\
         <text x=\"16\" y=\"{:.1}\" font-size=\"13\" text-anchor=\"middle\" transform=\"rotate(-90 16 {:.1})\">{}</text>",
        (plot.x0 + plot.x1) / 2.0,
        plot.y1 + 40.0,
        escape(&axis_title(r, x_key)),
        (plot.y0 + plot.y1) / 2.0,
        (plot.y0 + plot.y1) / 2.0,
        escape(&axis_title(r, y_key)),
    );
    // legend under the axis title
    let ly = plot.y1 + 66.0;
    let _ = write!(
        s,
        "<g font-size=\"11\"><circle cx=\"{a:.1}\" cy=\"{ly}\" r=\"{POINT_R}\" fill=\"{}\" stroke=\"#222\"/>\
         <text x=\"{:.1}\" y=\"{:.1}\">fill: score 0–1 (viridis, as on the map)</text>\
         <circle cx=\"{b:.1}\" cy=\"{ly}\" r=\"{POINT_R}\" fill=\"{}\" stroke=\"#222\"/><circle cx=\"{b:.1}\" cy=\"{ly}\" r=\"{RING_R}\" fill=\"none\" stroke=\"#222\" stroke-width=\"1.5\"/>\
         <text x=\"{:.1}\" y=\"{:.1}\">ring: Pareto-optimal</text>{}\
         <text x=\"{:.1}\" y=\"{:.1}\">infeasible</text></g>",
        hex(score_rgb(0.3)),
        plot.x0 + 12.0,
        ly + 4.0,
        hex(score_rgb(0.9)),
        plot.x0 + 262.0,
        ly + 4.0,
        cross_svg(plot.x0 + 400.0, ly),
        plot.x0 + 412.0,
        ly + 4.0,
        a = plot.x0,
        b = plot.x0 + 250.0,
    );
    // labels, best rank first
    let anchors: Vec<Anchor> = points
        .iter()
        .map(|(x, y, site)| {
            let (tw, th) = measure(&site_label(site));
            Anchor {
                x: px(*x),
                y: py(*y),
                r: if site.pareto_optimal {
                    RING_R + 1.0
                } else {
                    POINT_R + 1.0
                },
                w: tw + 6.0,
                h: th + 2.0,
            }
        })
        .collect();
    let bounds = BoxPx {
        x0: plot.x0 + 1.0,
        y0: plot.y0 + 1.0,
        x1: plot.x1 - 1.0,
        y1: plot.y1 - 1.0,
    };
    let placed = labels::place(&anchors, bounds, &[]);
    for l in placed.iter().flatten() {
        if let Some((a, b)) = l.leader {
            let _ = write!(
                s,
                "<line x1=\"{:.1}\" y1=\"{:.1}\" x2=\"{:.1}\" y2=\"{:.1}\" stroke=\"#666\" stroke-width=\"0.8\"/>",
                a.0, a.1, b.0, b.1
            );
        }
    }
    // points: infeasible first, rank 1 last (on top)
    let mut order: Vec<usize> = (0..points.len()).collect();
    order.sort_by_key(|&i| match points[i].2.rank {
        None => (0, 0),
        Some(r) => (1, usize::MAX - r),
    });
    for &i in &order {
        let (a, site) = (&anchors[i], points[i].2);
        if !site.feasible {
            s.push_str(&cross_svg(a.x, a.y));
            continue;
        }
        let _ = write!(
            s,
            "<circle cx=\"{:.1}\" cy=\"{:.1}\" r=\"{POINT_R}\" fill=\"{}\" stroke=\"#222\"><title>{}</title></circle>",
            a.x,
            a.y,
            hex(score_rgb(site.score.unwrap_or(0.0))),
            escape(&site_label(site))
        );
        if site.pareto_optimal {
            let _ = write!(
                s,
                "<circle cx=\"{:.1}\" cy=\"{:.1}\" r=\"{RING_R}\" fill=\"none\" stroke=\"#222\" stroke-width=\"1.5\"/>",
                a.x, a.y
            );
        }
    }
    let mut unplaced = Vec::new();
    for (k, l) in placed.iter().enumerate() {
        let site = points[k].2;
        match l {
            Some(l) => {
                let b = l.rect;
                let _ = write!(
                    s,
                    "<g class=\"label\" data-box=\"{:.1} {:.1} {:.1} {:.1}\"><rect x=\"{:.1}\" y=\"{:.1}\" width=\"{:.1}\" height=\"{:.1}\" fill=\"#fff\" fill-opacity=\"0.85\"/>\
                     <text x=\"{:.1}\" y=\"{:.1}\" font-size=\"{LABEL_PX}\">{}</text></g>",
                    b.x0,
                    b.y0,
                    b.x1,
                    b.y1,
                    b.x0,
                    b.y0,
                    b.x1 - b.x0,
                    b.y1 - b.y0,
                    b.x0 + 3.0,
                    b.y1 - 4.0,
                    escape(&site_label(site))
                );
            }
            None => unplaced.push(site_label(site)),
        }
    }
    if !unplaced.is_empty() {
        let _ = write!(
            s,
            "<text x=\"{:.1}\" y=\"{:.1}\" font-size=\"11\">not labelled for lack of room: {}</text>",
            plot.x0,
            h - 6.0,
            escape(&unplaced.join(", "))
        );
    }
    s.push_str("</svg>");
    Scatter {
        svg: s,
        anchors,
        labels: placed,
        bounds,
    }
}

/// An infeasible point: a white circle with a cross.
fn cross_svg(x: f64, y: f64) -> String {
    let d = POINT_R * 0.6;
    format!(
        "<circle cx=\"{x:.1}\" cy=\"{y:.1}\" r=\"{POINT_R}\" fill=\"#fff\" stroke=\"#222\"/>\
         <path d=\"M{:.1} {:.1}L{:.1} {:.1}M{:.1} {:.1}L{:.1} {:.1}\" stroke=\"#222\" stroke-width=\"1.3\"/>",
        x - d,
        y - d,
        x + d,
        y + d,
        x - d,
        y + d,
        x + d,
        y - d
    )
}

/// Horizontal bars of P(first) and P(top K) per feasible site, with a percentage axis.
pub fn stability(r: &RankingReport) -> String {
    let sites: Vec<&RankedSite> = r.ranking.iter().filter(|s| s.feasible).collect();
    let fonts = text::fonts().ok();
    let names: Vec<String> = sites.iter().map(|s| site_label(s)).collect();
    let name_w = names
        .iter()
        .map(|n| fonts.map_or(7 * n.chars().count() as i64, |f| f.width(12.0, n)))
        .max()
        .unwrap_or(0) as f64;
    let (row, left, width) = (24.0, name_w + 16.0, 440.0);
    let top = 30.0;
    let plot_h = row * sites.len() as f64;
    let height = top + plot_h + 62.0;
    let (dark, light) = (cividis(0.08), cividis(0.82));
    let mut s = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{w:.0}\" height=\"{height:.0}\" viewBox=\"0 0 {w:.0} {height:.0}\" role=\"img\" aria-label=\"rank stability\" class=\"chart stability\">\
         <g font-size=\"11\"><rect x=\"{left:.1}\" y=\"6\" width=\"12\" height=\"12\" fill=\"{dark}\"/><text x=\"{:.1}\" y=\"16\">P(first)</text>\
         <rect x=\"{:.1}\" y=\"6\" width=\"12\" height=\"12\" fill=\"{light}\"/><text x=\"{:.1}\" y=\"16\">P(top {})</text></g>",
        left + 16.0,
        left + 90.0,
        left + 106.0,
        r.stability.top_k,
        w = left + width + 90.0,
    );
    for p in [0.0, 0.25, 0.5, 0.75, 1.0] {
        let x = left + width * p;
        let _ = write!(
            s,
            "<line x1=\"{x:.1}\" y1=\"{top}\" x2=\"{x:.1}\" y2=\"{:.1}\" stroke=\"#ddd\"/>\
             <text x=\"{x:.1}\" y=\"{:.1}\" font-size=\"11\" text-anchor=\"middle\">{:.0}</text>",
            top + plot_h + 4.0,
            top + plot_h + 17.0,
            100.0 * p
        );
    }
    let _ = write!(
        s,
        "<text x=\"{:.1}\" y=\"{:.1}\" font-size=\"13\" text-anchor=\"middle\">probability (%) over {} weight draws within {:.0} % of the chosen weights</text>",
        left + width / 2.0,
        top + plot_h + 40.0,
        r.stability.draws,
        100.0 * r.stability.radius
    );
    for (k, site) in sites.iter().enumerate() {
        let y = top + row * k as f64 + 3.0;
        let (pf, pk) = (site.p_first.unwrap_or(0.0), site.p_top_k.unwrap_or(0.0));
        let _ = write!(
            s,
            "<text x=\"{:.1}\" y=\"{:.1}\" font-size=\"12\" text-anchor=\"end\">{}</text>\
             <rect x=\"{left:.1}\" y=\"{y:.1}\" width=\"{:.1}\" height=\"18\" fill=\"{light}\"/>\
             <rect x=\"{left:.1}\" y=\"{:.1}\" width=\"{:.1}\" height=\"8\" fill=\"{dark}\"/>\
             <text x=\"{:.1}\" y=\"{:.1}\" font-size=\"11\">{:.0} % / {:.0} %</text>",
            left - 6.0,
            y + 13.0,
            escape(&names[k]),
            width * pk,
            y + 5.0,
            width * pf,
            left + width * pk + 4.0,
            y + 13.0,
            100.0 * pf,
            100.0 * pk
        );
    }
    let _ = write!(
        s,
        "<line x1=\"{left:.1}\" y1=\"{top}\" x2=\"{left:.1}\" y2=\"{:.1}\" stroke=\"#333\"/></svg>",
        top + plot_h
    );
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plan::inputs::FileHash;
    use crate::plan::ranking::{CriterionInfo, CriterionValue, StabilityInfo};

    fn site(id: &str, rank: Option<usize>, pue: f64, margin: f64, pareto: bool) -> RankedSite {
        let value = |key: &str, value: f64| CriterionValue {
            key: key.into(),
            value,
            unit: String::new(),
            normalised: rank.map(|_| 0.5),
            contribution: rank.map(|_| 0.1),
        };
        RankedSite {
            rank,
            site_id: id.into(),
            name_en: format!("Site {id}"),
            name_ko: "서산·당진".into(),
            feasible: rank.is_some(),
            reasons: if rank.is_some() {
                vec![]
            } else {
                vec!["too small".into()]
            },
            hostable_it_mw: 20.0,
            limited_by: "facility".into(),
            shortfall: None,
            score: rank.map(|r| 1.0 - r as f64 / 20.0),
            topsis: rank.map(|_| 0.5),
            topsis_rank: rank,
            pareto_optimal: pareto,
            p_first: rank.map(|r| if r == 1 { 1.0 } else { 0.0 }),
            p_top_k: rank.map(|r| if r <= 3 { 1.0 } else { 0.0 }),
            values: vec![value("pue", pue), value("grid_margin_mw", margin)],
            grid_impact: None,
        }
    }

    fn report(ranking: Vec<RankedSite>) -> RankingReport {
        let hash = FileHash {
            file: "f.json".into(),
            sha256: "0".repeat(64),
        };
        let info = |key: &str, label: &str, unit: &str, direction: &str| CriterionInfo {
            key: key.into(),
            label: label.into(),
            unit: unit.into(),
            direction: direction.into(),
            weight: 0.5,
            resolution: 0.001,
        };
        RankingReport {
            dcplan_version: "0".into(),
            backend: "cpu".into(),
            adapter: "-".into(),
            facility: hash.clone(),
            sites: vec![hash],
            weather: vec![],
            weights_file: None,
            normalisation: "min-max".into(),
            criteria: vec![
                info("pue", "annual PUE", "–", "cost"),
                info("grid_margin_mw", "grid headroom left", "MW", "benefit"),
            ],
            stability: StabilityInfo {
                draws: 10_000,
                radius: 0.3,
                seed: 1,
                top_k: 3,
            },
            feasible_sites: ranking.iter().filter(|s| s.feasible).count(),
            ranking,
            uncertainty: None,
        }
    }

    #[test]
    fn coincident_points_have_labels_that_do_not_overlap() {
        // six sites on one point (as Seosan and Gangneung are), three near it, one apart
        let mut sites: Vec<RankedSite> = (1..=6)
            .map(|k| site(&format!("s{k}"), Some(k), 1.127, 126.0, k <= 2))
            .collect();
        sites.push(site("n1", Some(7), 1.1271, 125.8, false));
        sites.push(site("n2", Some(8), 1.127, 125.5, false));
        sites.push(site("n3", Some(9), 1.1275, 126.0, false));
        sites.push(site("far", Some(10), 1.134, 5.0, false));
        sites.push(site("bad", None, 1.133, -4.6, false));
        let chart = pareto(&report(sites), "pue", "grid_margin_mw");
        assert_eq!(chart.anchors.len(), 11);
        assert!(chart.labels.iter().all(Option::is_some), "all labelled");
        assert_eq!(
            labels::conflicts(&chart.anchors, &chart.labels, chart.bounds),
            Vec::<String>::new()
        );
        assert!(chart.labels.iter().flatten().any(|l| l.leader.is_some()));
        assert_eq!(chart.svg.matches("class=\"label\"").count(), 11);
        // axis titles carry the unit and the direction
        assert!(chart.svg.contains("annual PUE (–), lower is better"));
        assert!(chart
            .svg
            .contains("grid headroom left (MW), higher is better"));
    }

    #[test]
    fn stability_bars_have_an_axis_with_units() {
        let r = report(vec![
            site("a", Some(1), 1.1, 10.0, true),
            site("b", Some(2), 1.2, 20.0, true),
        ]);
        let svg = stability(&r);
        assert!(svg.contains("probability (%) over 10000 weight draws"));
        assert!(svg.contains("1 서산·당진 Site a"));
        assert!(svg.contains(&cividis(0.08)) && svg.contains(&cividis(0.82)));
    }
}
