//! The ranking report: ranking.json (every number with its unit), ranking.csv, report.md and a
//! self-contained report.html (per-site heatmaps embedded as data URIs, charts as inline SVG).
//!
//! Invariants: identical inputs and seed give byte-identical JSON and CSV (struct field order,
//! rows in rank order with ties broken by site id, fixed float formatting in CSV, no times);
//! every file is written to a temporary name and renamed.

use super::simulation::write_site_images;
use super::{create_dir, ReportError};
use crate::fsio::{write_atomic, write_json, WriteError};
use crate::plan::ranking::{RankedSite, RankingReport};
use crate::plan::RankOutcome;
use base64::Engine;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

/// Per-site images to embed in the HTML, by site id: the PNG bytes, held in memory.
pub struct SiteImages {
    pub site_id: String,
    pub thermal_png: Vec<u8>,
    pub voltage_png: Vec<u8>,
}

/// What `rank` writes into its report folder (besides [`crate::fsio::OUTPUT_MARKER`]).
pub const RANK_FILES: [&str; 5] = [
    "ranking.json",
    "ranking.csv",
    "report.md",
    "report.html",
    "sites",
];

/// CSV with fixed float formatting, one row per site in report order.
pub fn to_csv(r: &RankingReport) -> Result<String, csv::Error> {
    let mut w = csv::Writer::from_writer(Vec::new());
    let mut header = vec![
        "rank".to_string(),
        "site_id".into(),
        "name_en".into(),
        "feasible".into(),
        "score".into(),
        "topsis".into(),
        "topsis_rank".into(),
        "pareto_optimal".into(),
        "p_first".into(),
        format!("p_top_{}", r.stability.top_k),
    ];
    for c in &r.criteria {
        header.push(format!("{} [{}]", c.key, c.unit));
        header.push(format!("{}_contribution", c.key));
    }
    header.push("reasons".into());
    w.write_record(&header)?;
    let opt = |v: Option<f64>| v.map(|x| format!("{x:.6}")).unwrap_or_default();
    for s in &r.ranking {
        let mut row = vec![
            s.rank.map(|r| r.to_string()).unwrap_or_default(),
            s.site_id.clone(),
            s.name_en.clone(),
            s.feasible.to_string(),
            opt(s.score),
            opt(s.topsis),
            s.topsis_rank.map(|r| r.to_string()).unwrap_or_default(),
            s.pareto_optimal.to_string(),
            opt(s.p_first),
            opt(s.p_top_k),
        ];
        for v in &s.values {
            row.push(format!("{:.6}", v.value));
            row.push(opt(v.contribution));
        }
        row.push(s.reasons.join("; "));
        w.write_record(&row)?;
    }
    let bytes = w.into_inner().map_err(|e| e.into_error())?;
    Ok(String::from_utf8_lossy(&bytes).into_owned())
}

/// `v` with fewer decimals the larger it is: `tiers` are (at least this large, decimals),
/// largest first; smaller values get `finest` decimals.
fn tiered(v: f64, tiers: [(f64, usize); 2], finest: usize) -> String {
    let decimals = tiers
        .iter()
        .find(|(at_least, _)| v.abs() >= *at_least)
        .map_or(finest, |&(_, d)| d);
    format!("{v:.decimals$}")
}

/// A value in the Markdown and HTML tables.
fn fmt_value(v: f64) -> String {
    tiered(v, [(100.0, 1), (1.0, 3)], 4)
}

/// A value in the terminal table, where columns are narrow.
fn compact(v: f64) -> String {
    tiered(v, [(100.0, 0), (10.0, 1)], 3)
}

/// The ranked table `dcplan rank` prints on a terminal: each criterion's value with, in
/// brackets, what it added to the score.
pub fn to_table(r: &RankingReport) -> String {
    let mut out = String::new();
    let _ = write!(
        out,
        "{:>4}  {:<12} {:>6} {:>6} {:>6} {:>7}",
        "rank",
        "site",
        "score",
        "TOPSIS",
        "P1",
        format!("P{}", r.stability.top_k)
    );
    for c in &r.criteria {
        let short = c.key.split('_').next().unwrap_or(&c.key);
        let _ = write!(out, " {:>14}", format!("{short} {}", c.unit));
    }
    let _ = writeln!(out, "  feasibility");
    let opt = |v: Option<f64>| v.map(|x| format!("{x:.3}")).unwrap_or("-".into());
    for s in &r.ranking {
        let _ = write!(
            out,
            "{:>4}  {:<12} {:>6} {:>6} {:>6} {:>7}",
            s.rank.map(|r| r.to_string()).unwrap_or("-".into()),
            s.site_id,
            opt(s.score),
            opt(s.topsis),
            opt(s.p_first),
            opt(s.p_top_k),
        );
        for v in &s.values {
            let text = match v.contribution {
                Some(c) => format!("{} (+{:.3})", compact(v.value), c),
                None => compact(v.value),
            };
            let _ = write!(out, " {text:>14}");
        }
        if s.feasible {
            let pareto = if s.pareto_optimal { ", Pareto" } else { "" };
            let _ = writeln!(out, "  ok{pareto}");
        } else {
            let _ = writeln!(out, "  INFEASIBLE: {}", s.reasons.join("; "));
        }
    }
    out
}

/// A Markdown table of the ranking (also what `--format md` prints).
pub fn to_markdown(r: &RankingReport) -> String {
    let mut s = String::new();
    let _ = writeln!(s, "# dcplan site ranking\n");
    let _ = writeln!(
        s,
        "Facility: `{}`. dcplan {}, backend {} ({}). {} of {} sites feasible.\n",
        r.facility.file,
        r.dcplan_version,
        r.backend,
        r.adapter,
        r.feasible_sites,
        r.ranking.len()
    );
    let _ = writeln!(s, "Score: weighted sum of criteria {}.\n", r.normalisation);
    let _ = write!(
        s,
        "| rank | site | score | TOPSIS | Pareto | P(first) | P(top {}) |",
        r.stability.top_k
    );
    for c in &r.criteria {
        let _ = write!(s, " {} ({}) |", c.label, c.unit);
    }
    let _ = writeln!(s, " feasibility |");
    let _ = write!(s, "|---|---|---|---|---|---|---|");
    for _ in &r.criteria {
        let _ = write!(s, "---|");
    }
    let _ = writeln!(s, "---|");
    let pct = |v: Option<f64>| {
        v.map(|x| format!("{:.1} %", 100.0 * x))
            .unwrap_or("–".into())
    };
    for site in &r.ranking {
        let _ = write!(
            s,
            "| {} | {} ({}) | {} | {} | {} | {} | {} |",
            site.rank.map(|r| r.to_string()).unwrap_or("–".into()),
            site.name_en,
            site.site_id,
            site.score.map(|x| format!("{x:.3}")).unwrap_or("–".into()),
            site.topsis.map(|x| format!("{x:.3}")).unwrap_or("–".into()),
            if site.pareto_optimal { "yes" } else { "" },
            pct(site.p_first),
            pct(site.p_top_k),
        );
        for v in &site.values {
            match v.contribution {
                Some(c) => {
                    let _ = write!(s, " {} (+{:.3}) |", fmt_value(v.value), c);
                }
                None => {
                    let _ = write!(s, " {} |", fmt_value(v.value));
                }
            }
        }
        let feas = if site.feasible {
            "feasible".to_string()
        } else {
            format!("**infeasible**: {}", site.reasons.join("; "))
        };
        let _ = writeln!(s, " {feas} |");
    }
    let _ = writeln!(s, "\nWeights (normalised):\n");
    for c in &r.criteria {
        let _ = writeln!(
            s,
            "- {} (`{}`, {}, {}): {:.3}",
            c.label, c.key, c.unit, c.direction, c.weight
        );
    }
    let _ = writeln!(
        s,
        "\nStability: {} weight draws, (1 − {r}) w + {r} s with s uniform on the simplex, seed {}.",
        r.stability.draws,
        r.stability.seed,
        r = r.stability.radius
    );
    s
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// Horizontal bars of P(first) and P(top K) per feasible site, as inline SVG.
fn stability_svg(r: &RankingReport) -> String {
    let sites: Vec<&RankedSite> = r.ranking.iter().filter(|s| s.feasible).collect();
    let (row, left, width) = (26.0, 240.0, 420.0);
    let height = 40.0 + row * sites.len() as f64;
    let mut s = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{}\" height=\"{height}\" role=\"img\" aria-label=\"rank stability\">",
        left + width + 80.0
    );
    let _ = write!(
        s,
        "<text x=\"{left}\" y=\"16\" font-size=\"12\">P(first) (dark) and P(top {}) (light) over {} weight draws</text>",
        r.stability.top_k, r.stability.draws
    );
    for (k, site) in sites.iter().enumerate() {
        let y = 28.0 + row * k as f64;
        let (pf, pk) = (site.p_first.unwrap_or(0.0), site.p_top_k.unwrap_or(0.0));
        let _ = write!(
            s,
            "<text x=\"{}\" y=\"{}\" font-size=\"12\" text-anchor=\"end\">{}</text>\
             <rect x=\"{left}\" y=\"{y}\" width=\"{:.1}\" height=\"16\" fill=\"#9ecae1\"/>\
             <rect x=\"{left}\" y=\"{}\" width=\"{:.1}\" height=\"8\" fill=\"#08519c\"/>\
             <text x=\"{:.1}\" y=\"{}\" font-size=\"11\">{:.0} % / {:.0} %</text>",
            left - 6.0,
            y + 12.0,
            escape(&site.name_en),
            width * pk,
            y + 4.0,
            width * pf,
            left + width * pk + 4.0,
            y + 12.0,
            100.0 * pf,
            100.0 * pk
        );
    }
    s.push_str("</svg>");
    s
}

/// Scatter of two criteria over all sites, the Pareto-optimal ones filled, as inline SVG.
fn pareto_svg(r: &RankingReport, x_key: &str, y_key: &str) -> String {
    let find =
        |site: &RankedSite, key: &str| site.values.iter().find(|v| v.key == key).map(|v| v.value);
    let label = |key: &str| {
        r.criteria
            .iter()
            .find(|c| c.key == key)
            .map(|c| format!("{} ({}, {})", c.label, c.unit, c.direction))
            .unwrap_or_else(|| key.to_string())
    };
    let points: Vec<(f64, f64, &RankedSite)> = r
        .ranking
        .iter()
        .filter_map(|s| Some((find(s, x_key)?, find(s, y_key)?, s)))
        .collect();
    let (w, h, m) = (560.0, 360.0, 60.0);
    let span = |vals: &mut dyn Iterator<Item = f64>| {
        let (lo, hi) = vals.fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), v| {
            (a.min(v), b.max(v))
        });
        if hi > lo {
            (lo, hi)
        } else {
            (lo - 1.0, hi + 1.0)
        }
    };
    let (x0, x1) = span(&mut points.iter().map(|p| p.0));
    let (y0, y1) = span(&mut points.iter().map(|p| p.1));
    let px = |x: f64| m + (x - x0) / (x1 - x0) * (w - 2.0 * m);
    let py = |y: f64| h - m - (y - y0) / (y1 - y0) * (h - 2.0 * m);
    let mut s = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{w}\" height=\"{h}\" role=\"img\" aria-label=\"Pareto chart\">\
         <rect x=\"{m}\" y=\"{m}\" width=\"{}\" height=\"{}\" fill=\"none\" stroke=\"#888\"/>\
         <text x=\"{}\" y=\"{}\" font-size=\"12\" text-anchor=\"middle\">{}</text>\
         <text x=\"14\" y=\"{}\" font-size=\"12\" text-anchor=\"middle\" transform=\"rotate(-90 14 {})\">{}</text>\
         <text x=\"{m}\" y=\"{}\" font-size=\"10\">{}</text><text x=\"{}\" y=\"{}\" font-size=\"10\" text-anchor=\"end\">{}</text>\
         <text x=\"{}\" y=\"{}\" font-size=\"10\" text-anchor=\"end\">{}</text><text x=\"{}\" y=\"{}\" font-size=\"10\" text-anchor=\"end\">{}</text>",
        w - 2.0 * m,
        h - 2.0 * m,
        w / 2.0,
        h - 14.0,
        escape(&label(x_key)),
        h / 2.0,
        h / 2.0,
        escape(&label(y_key)),
        h - m + 14.0,
        fmt_value(x0),
        w - m,
        h - m + 14.0,
        fmt_value(x1),
        m - 4.0,
        h - m,
        fmt_value(y0),
        m - 4.0,
        m + 4.0,
        fmt_value(y1),
    );
    for (x, y, site) in &points {
        let fill = if !site.feasible {
            "#ffffff"
        } else if site.pareto_optimal {
            "#d62728"
        } else {
            "#7f7f7f"
        };
        let _ = write!(
            s,
            "<circle cx=\"{:.1}\" cy=\"{:.1}\" r=\"5\" fill=\"{fill}\" stroke=\"#333\"/>\
             <text x=\"{:.1}\" y=\"{:.1}\" font-size=\"10\">{}</text>",
            px(*x),
            py(*y),
            px(*x) + 7.0,
            py(*y) + 3.0,
            escape(&site.site_id)
        );
    }
    s.push_str("</svg>");
    s
}

fn data_uri(png: &[u8]) -> String {
    format!(
        "data:image/png;base64,{}",
        base64::engine::general_purpose::STANDARD.encode(png)
    )
}

/// The self-contained HTML report. `pareto_axes`: the two criteria keys of the Pareto chart.
pub fn to_html(
    r: &RankingReport,
    images: &[SiteImages],
    pareto_axes: (&str, &str),
) -> Result<String, ReportError> {
    let md_table = |site: &RankedSite| {
        let mut row = format!(
            "<tr class=\"{}\"><td>{}</td><td>{} <span lang=\"ko\">{}</span></td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td>",
            if site.feasible { "feasible" } else { "infeasible" },
            site.rank.map(|r| r.to_string()).unwrap_or("–".into()),
            escape(&site.name_en),
            escape(&site.name_ko),
            site.score.map(|x| format!("{x:.3}")).unwrap_or("–".into()),
            site.topsis.map(|x| format!("{x:.3}")).unwrap_or("–".into()),
            if site.pareto_optimal { "✓" } else { "" },
            site.p_first.map(|x| format!("{:.1} %", 100.0 * x)).unwrap_or("–".into()),
            site.p_top_k.map(|x| format!("{:.1} %", 100.0 * x)).unwrap_or("–".into()),
        );
        for v in &site.values {
            let _ = write!(
                row,
                "<td>{}{}</td>",
                fmt_value(v.value),
                v.contribution
                    .map(|c| format!("<br><small>+{c:.3}</small>"))
                    .unwrap_or_default()
            );
        }
        let _ = write!(
            row,
            "<td>{}</td></tr>",
            if site.feasible {
                "feasible".into()
            } else {
                escape(&site.reasons.join("; "))
            }
        );
        row
    };
    let mut html = String::new();
    let _ = write!(
        html,
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>dcplan site ranking</title>\
         <style>body{{font-family:sans-serif;margin:2em;max-width:1400px}}table{{border-collapse:collapse;font-size:13px}}\
         td,th{{border:1px solid #ccc;padding:4px 6px;text-align:right}}td:nth-child(2),th:nth-child(2){{text-align:left}}\
         tr.infeasible{{color:#a00;background:#fff4f4}}.sites{{display:flex;flex-wrap:wrap;gap:1em}}\
         .site img{{max-width:330px;border:1px solid #ddd}}</style>\
         <script>window.dcplanErrors=0;window.addEventListener('error',function(){{window.dcplanErrors++;}});</script>\
         </head><body>\n\
         <h1>dcplan site ranking</h1>\n<p>Facility <code>{}</code> (sha256 {}…). dcplan {}, backend {} ({}). \
         {} of {} sites feasible. Score: weighted sum of criteria {}; TOPSIS as a second opinion.</p>\n",
        escape(&r.facility.file),
        &r.facility.sha256[..12.min(r.facility.sha256.len())],
        escape(&r.dcplan_version),
        escape(&r.backend),
        escape(&r.adapter),
        r.feasible_sites,
        r.ranking.len(),
        escape(&r.normalisation)
    );
    let _ = write!(
        html,
        "<h2>Ranking</h2>\n<table><thead><tr><th>rank</th><th>site</th><th>score</th><th>TOPSIS</th><th>Pareto</th><th>P(first)</th><th>P(top {})</th>",
        r.stability.top_k
    );
    for c in &r.criteria {
        let _ = write!(
            html,
            "<th title=\"{}\">{}<br><small>{}, {}, w {:.2}</small></th>",
            escape(&c.key),
            escape(&c.label),
            escape(&c.unit),
            escape(&c.direction),
            c.weight
        );
    }
    html.push_str("<th>feasibility</th></tr></thead><tbody>\n");
    for site in &r.ranking {
        html.push_str(&md_table(site));
        html.push('\n');
    }
    html.push_str("</tbody></table>\n<h2>Pareto chart</h2>\n<p>Filled red: Pareto-optimal over all criteria; grey: dominated; white: infeasible.</p>\n");
    html.push_str(&pareto_svg(r, pareto_axes.0, pareto_axes.1));
    html.push_str("\n<h2>Rank stability</h2>\n");
    html.push_str(&stability_svg(r));
    html.push_str("\n<h2>Sites at the design hot hour</h2>\n<div class=\"sites\">\n");
    for img in images {
        let name = r
            .ranking
            .iter()
            .find(|s| s.site_id == img.site_id)
            .map(|s| s.name_en.clone())
            .unwrap_or_else(|| img.site_id.clone());
        let _ = writeln!(
            html,
            "<div class=\"site\"><h3>{}</h3><img alt=\"{} rack-inlet air temperature\" src=\"{}\"><img alt=\"{} busway voltage drop\" src=\"{}\"></div>",
            escape(&name),
            escape(&name),
            data_uri(&img.thermal_png),
            escape(&name),
            data_uri(&img.voltage_png)
        );
    }
    // marks the page once every image has decoded (the report test reads it from the DOM)
    html.push_str(
        "</div>\n<script>window.addEventListener('load',function(){var i=document.images,n=0;\
         for(var k=0;k<i.length;k++){if(i[k].complete&&i[k].naturalWidth>0)n++;}\
         document.body.setAttribute('data-images-loaded',n+'/'+i.length);\
         document.body.setAttribute('data-script-errors',String(window.dcplanErrors));});</script>\n</body></html>\n",
    );
    Ok(html)
}

/// The criteria of the Pareto chart in report.html (x, y).
pub const PARETO_AXES: (&str, &str) = ("pue", "grid_margin_mw");

/// Writes everything `dcplan rank` leaves in `dir`: each site's folder as `simulate` writes
/// it (`sites/<id>/`), then ranking.json, ranking.csv, report.md and report.html with those
/// sites' heatmaps embedded. Returns the ranking files' paths.
pub fn write_rank_report(outcome: &RankOutcome, dir: &Path) -> Result<Vec<PathBuf>, ReportError> {
    let mut images = Vec::new();
    for e in &outcome.sites {
        let id = &e.input.site.id;
        let site_dir = dir.join("sites").join(id);
        let (_, pngs) = write_site_images(&e.run, &site_dir)?;
        images.push(SiteImages {
            site_id: id.clone(),
            thermal_png: pngs.thermal,
            voltage_png: pngs.voltage,
        });
    }
    write_ranking(&outcome.report, &images, PARETO_AXES, dir)
}

/// Writes ranking.json, ranking.csv, report.md and report.html into `dir`.
pub fn write_ranking(
    r: &RankingReport,
    images: &[SiteImages],
    pareto_axes: (&str, &str),
    dir: &Path,
) -> Result<Vec<PathBuf>, ReportError> {
    create_dir(dir)?;
    let paths: Vec<PathBuf> = ["ranking.json", "ranking.csv", "report.md", "report.html"]
        .iter()
        .map(|n| dir.join(n))
        .collect();
    write_json(&paths[0], r)?;
    let csv = to_csv(r).map_err(|e| WriteError {
        path: paths[1].clone(),
        source: std::io::Error::other(e),
    })?;
    write_atomic(&paths[1], csv.as_bytes())?;
    write_atomic(&paths[2], to_markdown(r).as_bytes())?;
    write_atomic(&paths[3], to_html(r, images, pareto_axes)?.as_bytes())?;
    Ok(paths)
}
