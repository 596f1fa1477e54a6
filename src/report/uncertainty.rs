//! The uncertainty section of report.md and report.html (`rank --uncertainty N`): the odds of
//! every site under the weights alone, the inputs alone and both, with Monte Carlo errors; the
//! tornado of each leading pair (a bar chart in HTML); the figures that can reverse the top
//! pair; what to measure first; the ranged figures and those held at nominal.

use crate::plan::uncertainty::{Tornado, Treatment, Uncertainty};
use std::fmt::Write as _;

fn pct(p: f64, se: f64) -> String {
    format!("{:.1} ± {:.1} %", 100.0 * p, 100.0 * se)
}

fn treatment(t: Treatment) -> &'static str {
    match t {
        Treatment::Direct => "direct",
        Treatment::Replaced => "campus re-placed",
        Treatment::Screened => "grid re-dispatched and re-screened",
        Treatment::NoEffect => "no effect",
        Treatment::Nominal => "held at nominal",
    }
}

/// `450.0000 MW`, or the bare number for a dimensionless figure.
fn with_unit(v: f64, unit: &str) -> String {
    if unit.is_empty() {
        format!("{v:.4}")
    } else {
        format!("{v:.4} {unit}")
    }
}

fn diff(d: Option<f64>) -> String {
    d.map_or("infeasible".into(), |d| format!("{d:+.4}"))
}

/// The section in Markdown.
pub fn to_markdown(u: &Uncertainty) -> String {
    let mut s = String::new();
    let _ = writeln!(s, "\n## How sure the ranking is\n");
    let _ = writeln!(
        s,
        "{} draws per mode, seed {}, weight radius {}. Method: {}.\n",
        u.draws, u.seed, u.radius, u.method
    );
    let modes: Vec<&str> = u.modes.iter().map(|m| m.mode).collect();
    let _ = write!(s, "| site |");
    for m in &modes {
        let _ = write!(s, " P(first), {m} | P(top {}), {m} |", u.top_k);
    }
    let _ = writeln!(s, " P(feasible), joint | mean rank, joint |");
    let _ = writeln!(s, "|---|{}---|---|", "---|---|".repeat(modes.len()));
    if let Some(first) = u.modes.first() {
        for (k, site) in first.sites.iter().enumerate() {
            let _ = write!(s, "| {} |", site.site_id);
            for m in &u.modes {
                let o = &m.sites[k];
                let _ = write!(
                    s,
                    " {} | {} |",
                    pct(o.p_first, o.p_first_se),
                    pct(o.p_top_k, o.p_top_k_se)
                );
            }
            let joint = u.modes.last().map(|m| &m.sites[k]);
            let _ = writeln!(
                s,
                " {} | {} |",
                joint.map_or("–".into(), |o| format!("{:.1} %", 100.0 * o.p_feasible)),
                joint
                    .and_then(|o| o.mean_rank)
                    .map_or("–".into(), |r| format!("{r:.2}"))
            );
        }
    }
    let _ = writeln!(
        s,
        "\n± is one Monte Carlo standard error, sqrt(p (1 − p) / draws).\n"
    );
    for t in &u.tornadoes {
        let _ = writeln!(
            s,
            "### Tornado: {} ahead of {} by {:+.4} score points\n",
            t.first, t.second, t.difference
        );
        let _ = writeln!(
            s,
            "Each figure at its low and high end, the others at their file values; the score \
             difference first − second (score points). {} ranged figures do not move it.\n",
            t.unmoved
        );
        let _ = writeln!(
            s,
            "| figure | low | high | difference at low | difference at high | reverses |"
        );
        let _ = writeln!(s, "|---|---|---|---|---|---|");
        for b in t.bars.iter().take(15) {
            let _ = writeln!(
                s,
                "| {} | {} | {} | {} | {} | {} |",
                b.input,
                with_unit(b.low, &b.unit),
                with_unit(b.high, &b.unit),
                diff(b.difference_at_low),
                diff(b.difference_at_high),
                if b.reverses { "**yes**" } else { "" }
            );
        }
        if t.bars.len() > 15 {
            let _ = writeln!(s, "\n({} smaller bars in ranking.json.)", t.bars.len() - 15);
        }
        let _ = writeln!(s);
    }
    if u.can_reverse_top_pair.is_empty() {
        let _ = writeln!(
            s,
            "No single ranged figure, at either end of its range, reverses the top pair.\n"
        );
    } else {
        let _ = writeln!(
            s,
            "Figures that alone can reverse the top pair: {}.\n",
            u.can_reverse_top_pair.join(", ")
        );
    }
    let _ = writeln!(s, "### What to measure first\n");
    let shown: Vec<_> = u
        .value_of_information
        .iter()
        .filter(|e| e.above_noise)
        .collect();
    match shown.first() {
        Some(top) => {
            let _ = writeln!(
                s,
                "Measuring **{}** first is worth the most: {:.4} score points of expected \
                 value of perfect information.\n",
                top.input, top.evpi
            );
            let _ = writeln!(s, "| figure | EVPI (score points) |\n|---|---|");
            for e in shown.iter().take(15) {
                let _ = writeln!(s, "| {} | {:.4} |", e.input, e.evpi);
            }
        }
        None => {
            let _ = writeln!(
                s,
                "No figure's EVPI stands above the Monte Carlo noise reference ({:.2e}): \
                 knowing any one of them would not change the choice.",
                u.evpi_noise_reference
            );
        }
    }
    let _ = writeln!(
        s,
        "\nKnowing every ranged figure (weights as chosen) is worth {:.4} score points. {}.\n",
        u.evpi_everything, u.evpi_method
    );
    let _ = writeln!(s, "### Ranged figures\n");
    let _ = writeln!(
        s,
        "| figure | value | low | high | distribution | range from | treatment |"
    );
    let _ = writeln!(s, "|---|---|---|---|---|---|---|");
    for i in &u.inputs {
        let _ = writeln!(
            s,
            "| {} | {} | {:.4} | {:.4} | {} | {} | {} |",
            i.input,
            if i.unit.is_empty() {
                i.nominal.to_string()
            } else {
                format!("{} {}", i.nominal, i.unit)
            },
            i.low,
            i.high,
            i.dist,
            i.range_from,
            treatment(i.treatment)
        );
    }
    if !u.grid_headroom.is_empty() {
        let _ = writeln!(s, "\n### Grid headroom under the drawn grid figures\n");
        let _ = writeln!(
            s,
            "Each computed site's N-1 hosting capacity over the inputs-alone draws (the grid \
             files' ranged figures dispatched and screened again), and the grid-impact \
             assessment's grid-margin item, 15 × clamp((H − L) / L, 0, 1) points, that follows \
             it.\n"
        );
        let _ = writeln!(
            s,
            "| site | at file values (MW) | 5 % (MW) | median (MW) | 95 % (MW) | grid-margin points at file values | mean grid-margin points |"
        );
        let _ = writeln!(s, "|---|---|---|---|---|---|---|");
        for g in &u.grid_headroom {
            let _ = writeln!(
                s,
                "| {} | {:.1} | {:.1} | {:.1} | {:.1} | {:.2} | {:.2} |",
                g.site_id,
                g.nominal_mw,
                g.p05_mw,
                g.p50_mw,
                g.p95_mw,
                g.margin_points_nominal,
                g.margin_points_mean
            );
        }
    }
    let _ = writeln!(s, "\n### Held at their file values\n");
    for h in &u.held_at_nominal {
        let _ = writeln!(s, "- {}: {}", h.input, h.why);
    }
    s
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// A tornado as inline SVG: one bar per figure from its low-end to its high-end difference,
/// the nominal difference and zero marked.
fn tornado_svg(t: &Tornado) -> String {
    let bars: Vec<_> = t.bars.iter().take(12).collect();
    let (row, left, width) = (22.0, 330.0, 380.0);
    let height = 40.0 + row * bars.len() as f64;
    let ends = |b: &&crate::plan::uncertainty::Bar| {
        [b.difference_at_low, b.difference_at_high]
            .into_iter()
            .flatten()
            .collect::<Vec<f64>>()
    };
    let (mut lo, mut hi) = (t.difference.min(0.0), t.difference.max(0.0));
    for b in &bars {
        for v in ends(b) {
            lo = lo.min(v);
            hi = hi.max(v);
        }
    }
    let span = (hi - lo).max(1e-12);
    let x = |v: f64| left + (v - lo) / span * width;
    let mut s = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{}\" height=\"{height}\" role=\"img\" aria-label=\"tornado\">",
        left + width + 20.0
    );
    for (k, b) in bars.iter().enumerate() {
        let y = 20.0 + row * k as f64;
        let v = ends(b);
        let (a, c) = v.iter().fold((t.difference, t.difference), |(a, c), &v| {
            (a.min(v), c.max(v))
        });
        let fill = if b.reverses { "#c0392b" } else { "#2e86c1" };
        let _ = write!(
            s,
            "<text x=\"{}\" y=\"{}\" font-size=\"11\" text-anchor=\"end\">{}</text><rect x=\"{:.1}\" y=\"{y}\" width=\"{:.1}\" height=\"{}\" fill=\"{fill}\"/>",
            left - 6.0,
            y + 13.0,
            escape(&b.input),
            x(a),
            (x(c) - x(a)).max(1.0),
            row - 6.0
        );
    }
    let bottom = 20.0 + row * bars.len() as f64;
    let _ = write!(
        s,
        "<line x1=\"{0:.1}\" x2=\"{0:.1}\" y1=\"14\" y2=\"{bottom}\" stroke=\"#000\"/><text x=\"{0:.1}\" y=\"10\" font-size=\"10\" text-anchor=\"middle\">0</text>\
         <line x1=\"{1:.1}\" x2=\"{1:.1}\" y1=\"14\" y2=\"{bottom}\" stroke=\"#777\" stroke-dasharray=\"3 3\"/><text x=\"{1:.1}\" y=\"{2}\" font-size=\"10\" text-anchor=\"middle\">nominal {3:+.4}</text></svg>",
        x(0.0),
        x(t.difference),
        bottom + 14.0,
        t.difference
    );
    s
}

/// The section in HTML: the tornado charts, and the Markdown tables as preformatted text.
pub fn to_html(u: &Uncertainty) -> String {
    let mut s = String::from("\n<h2>How sure the ranking is</h2>\n");
    for t in &u.tornadoes {
        let _ = writeln!(
            s,
            "<h3>Tornado: {} ahead of {}</h3><p>Score difference first − second with each \
             figure at its low and high end (red: can reverse the pair).</p>{}",
            escape(&t.first),
            escape(&t.second),
            tornado_svg(t)
        );
    }
    let _ = writeln!(s, "<pre>{}</pre>", escape(&to_markdown(u)));
    s
}
