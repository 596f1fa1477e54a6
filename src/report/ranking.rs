//! The ranking report: ranking.json (every number with its unit), ranking.csv,
//! ranking.geojson (`report::geojson`), report.md, map.png (`report::sitemap`) and a
//! self-contained report.html: the map and per-site heatmaps embedded as data URIs, charts as
//! inline SVG (`report::charts`), the Hangul font (`report::text`) as a base64 WOFF2
//! `@font-face`, so the page needs no network and no system Korean font.
//!
//! Invariants: identical inputs and seed give byte-identical JSON and CSV (struct field order,
//! rows in rank order with ties broken by site id, fixed float formatting in CSV, no times);
//! every file is written to a temporary name and renamed; report.html references nothing
//! outside itself (no http(s) URL, no file path), and for the 15 shipped sites stays within
//! [`HTML_BUDGET_BYTES`].

use super::charts::{escape, site_label};
use super::geojson::{to_geojson, SiteLocation};
use super::simulation::write_site_images;
use super::sitemap::{self, RankMap, RankMapSite};
use super::{create_dir, ReportError};
use crate::fsio::{write_atomic, write_json, WriteError};
use crate::grid::Network;
use crate::plan::ranking::{RankedSite, RankingReport};
use crate::plan::RankOutcome;
use base64::Engine;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

/// The size report.html must stay within for the 15 shipped sites (an e-mail attachment).
pub const HTML_BUDGET_BYTES: usize = 5_000_000;

/// Per-site images to embed in the HTML, by site id: the PNG bytes, held in memory (the
/// report never reads back what it wrote).
pub struct SiteImages {
    pub site_id: String,
    pub thermal_png: Vec<u8>,
    pub voltage_png: Vec<u8>,
}

/// What `rank` writes into its report folder (besides [`crate::fsio::OUTPUT_MARKER`]): a
/// folder holding only these names is one a rerun may replace.
pub const RANK_FILES: [&str; 7] = [
    "ranking.json",
    "ranking.csv",
    "ranking.geojson",
    "report.md",
    "report.html",
    "map.png",
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
    s.push_str(&super::impact::to_markdown(r));
    if let Some(u) = &r.uncertainty {
        s.push_str(&super::uncertainty::to_markdown(u));
    }
    s
}

fn data_uri(png: &[u8]) -> String {
    format!(
        "data:image/png;base64,{}",
        base64::engine::general_purpose::STANDARD.encode(png)
    )
}

/// The `@font-face` rule of the embedded Hangul font.
fn font_face() -> String {
    format!(
        "@font-face{{font-family:\"{}\";src:url(data:font/woff2;base64,{}) format(\"woff2\");font-display:block}}",
        super::text::HANGUL_FAMILY,
        base64::engine::general_purpose::STANDARD.encode(super::text::HANGUL_WOFF2)
    )
}

/// What report.html shows besides the ranking itself.
pub struct HtmlParts<'a> {
    /// Each site's heatmaps.
    pub images: &'a [SiteImages],
    /// The ranking map (map.png's bytes), if drawn.
    pub map_png: Option<&'a [u8]>,
    /// The two criteria keys of the Pareto chart (x, y).
    pub pareto_axes: (&'a str, &'a str),
}

/// The self-contained HTML report.
pub fn to_html(r: &RankingReport, parts: &HtmlParts) -> Result<String, ReportError> {
    let row = |site: &RankedSite| {
        let mut row = format!(
            "<tr class=\"{}\"><td>{}</td><td><span lang=\"ko\">{}</span> {}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td>",
            if site.feasible { "feasible" } else { "infeasible" },
            site.rank.map(|r| r.to_string()).unwrap_or("–".into()),
            escape(&site.name_ko),
            escape(&site.name_en),
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
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>dcplan site ranking 후보지 순위</title>\n<style>{}\n\
         body{{font-family:\"{}\",sans-serif;margin:2em;max-width:1400px;color:#1a1a1a}}\
         table{{border-collapse:collapse;font-size:13px}}\
         td,th{{border:1px solid #ccc;padding:4px 6px;text-align:right}}td:nth-child(2),th:nth-child(2){{text-align:left}}\
         tr.infeasible{{color:#a00;background:#fff4f4}}.sites{{display:flex;flex-wrap:wrap;gap:1.5em}}\
         .site img{{width:340px;height:auto;border:1px solid #ddd;vertical-align:top}}\
         .site .pair{{display:flex;gap:8px}}img.map{{width:100%;max-width:1000px;height:auto;border:1px solid #ddd}}\
         svg.chart{{max-width:100%;height:auto}}svg text{{font-family:inherit}}</style>\n\
         <script>window.dcplanErrors=0;window.addEventListener('error',function(){{window.dcplanErrors++;}});</script>\
         </head><body>\n\
         <h1>dcplan site ranking <span lang=\"ko\">후보지 순위</span></h1>\n<p>Facility <code>{}</code> (sha256 {}…). dcplan {}, backend {} ({}). \
         {} of {} sites feasible. Score: weighted sum of criteria {}; TOPSIS as a second opinion.</p>\n",
        font_face(),
        super::text::HANGUL_FAMILY,
        escape(&r.facility.file),
        &r.facility.sha256[..12.min(r.facility.sha256.len())],
        escape(&r.dcplan_version),
        escape(&r.backend),
        escape(&r.adapter),
        r.feasible_sites,
        r.ranking.len(),
        escape(&r.normalisation)
    );
    if let Some(map) = parts.map_png {
        let names: Vec<String> = r.ranking.iter().map(site_label).collect();
        let _ = write!(
            html,
            "<h2>Map <span lang=\"ko\">지도</span></h2>\n<p>Each site coloured by its score (viridis, 0–1) with its rank; crossed: infeasible; \
             hatched: the capital region (Seoul, Incheon, Gyeonggi). Equirectangular projection, standard parallel 36° N.</p>\n\
             <img class=\"map\" alt=\"map of the candidate sites: {}\" src=\"{}\">\n",
            escape(&names.join(", ")),
            data_uri(map)
        );
    }
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
        html.push_str(&row(site));
        html.push('\n');
    }
    html.push_str(
        "</tbody></table>\n<h2>Pareto chart</h2>\n<p>Ringed: Pareto-optimal over all criteria (no other site is better on every one); \
         fill: score; crossed: infeasible. Labels: rank, Korean and English name.</p>\n",
    );
    html.push_str(&super::charts::pareto(r, parts.pareto_axes.0, parts.pareto_axes.1).svg);
    html.push_str("\n<h2>Rank stability</h2>\n");
    html.push_str(&super::charts::stability(r));
    html.push_str(&super::impact::to_html(r));
    if let Some(u) = &r.uncertainty {
        html.push_str(&super::uncertainty::to_html(u));
    }
    html.push_str("\n<h2>Sites at the design hot hour</h2>\n<div class=\"sites\">\n");
    for img in parts.images {
        let (ko, en) = r
            .ranking
            .iter()
            .find(|s| s.site_id == img.site_id)
            .map(|s| (s.name_ko.clone(), s.name_en.clone()))
            .unwrap_or_else(|| (String::new(), img.site_id.clone()));
        let _ = writeln!(
            html,
            "<div class=\"site\" id=\"site-{}\"><h3><span lang=\"ko\">{}</span> {}</h3><div class=\"pair\"><img alt=\"{} rack-inlet air temperature\" src=\"{}\"><img alt=\"{} busway voltage drop\" src=\"{}\"></div></div>",
            escape(&img.site_id),
            escape(&ko),
            escape(&en),
            escape(&en),
            data_uri(&img.thermal_png),
            escape(&en),
            data_uri(&img.voltage_png)
        );
    }
    let shown: std::collections::BTreeSet<&str> =
        parts.images.iter().map(|i| i.site_id.as_str()).collect();
    let rest: Vec<&str> = r
        .ranking
        .iter()
        .map(|s| s.site_id.as_str())
        .filter(|id| !shown.contains(id))
        .collect();
    if !rest.is_empty() {
        let _ = write!(
            html,
            "<p>Heatmaps of the other {} sites (beyond the first {EMBEDDED_SITES} in ranking order) \
             are in their folders:",
            rest.len()
        );
        for id in rest {
            let id = escape(id);
            let _ = write!(html, " <a href=\"sites/{id}/thermal.png\">{id}</a>");
        }
        html.push_str("</p>\n");
    }
    // marks the page once every image has decoded and the fonts are in (the report test reads
    // these from the DOM)
    html.push_str(
        "</div>\n<script>window.addEventListener('load',function(){var i=document.images,n=0;\
         for(var k=0;k<i.length;k++){if(i[k].complete&&i[k].naturalWidth>0)n++;}\
         document.body.setAttribute('data-images-loaded',n+'/'+i.length);\
         document.body.setAttribute('data-script-errors',String(window.dcplanErrors));\
         var r=performance.getEntriesByType('resource').filter(function(e){return e.name.indexOf('data:')!==0;});\
         document.body.setAttribute('data-requests',String(r.length));\
         document.fonts.ready.then(function(){var f=0;document.fonts.forEach(function(x){if(x.status==='loaded')f++;});\
         document.body.setAttribute('data-fonts-loaded',String(f));});});</script>\n</body></html>\n",
    );
    Ok(html)
}

/// The criteria of the Pareto chart in report.html (x, y).
pub const PARETO_AXES: (&str, &str) = ("pue", "grid_margin_mw");

/// Sites whose heatmaps report.html embeds: the first this many in ranking order. Every site's
/// PNGs are still written under `sites/<id>/`; holding and embedding only the leading ones keeps
/// the report's size and the memory of `rank` and `merge` flat in the number of sites (a
/// national study has thousands).
pub const EMBEDDED_SITES: usize = 30;

/// The ids of the sites whose heatmaps report.html embeds (see [`EMBEDDED_SITES`]).
pub fn embedded_site_ids(report: &RankingReport) -> std::collections::BTreeSet<String> {
    report
        .ranking
        .iter()
        .take(EMBEDDED_SITES)
        .map(|s| s.site_id.clone())
        .collect()
}

/// Writes everything `dcplan rank` leaves in `dir`: each site's folder as `simulate` writes
/// it (`sites/<id>/`), map.png (with the transmission network when `grid` is given), then
/// ranking.json, ranking.csv, ranking.geojson, report.md and report.html with the map and
/// the sites' heatmaps embedded. Returns the ranking files' paths.
pub fn write_rank_report(
    outcome: &RankOutcome,
    dir: &Path,
    grid: Option<&Network>,
) -> Result<Vec<PathBuf>, ReportError> {
    let embedded = embedded_site_ids(&outcome.report);
    let mut images = Vec::new();
    for e in &outcome.sites {
        let id = &e.input.site.id;
        let site_dir = dir.join("sites").join(id);
        let (_, pngs) = write_site_images(&e.run, &site_dir)?;
        if !embedded.contains(id) {
            continue;
        }
        images.push(SiteImages {
            site_id: id.clone(),
            thermal_png: pngs.thermal,
            voltage_png: pngs.voltage,
        });
    }
    write_rank_files(&outcome.report, &images, &locations(outcome), grid, dir)
}

/// The ranking files (JSON, CSV, GeoJSON, Markdown, the map and the HTML with `images`
/// embedded) of `r` into `dir`, as `rank` and `merge` both write them.
pub fn write_rank_files(
    r: &RankingReport,
    images: &[SiteImages],
    locations: &[SiteLocation],
    grid: Option<&Network>,
    dir: &Path,
) -> Result<Vec<PathBuf>, ReportError> {
    create_dir(dir)?;
    let map_png = dir.join("map.png");
    let provinces = sitemap::shipped_provinces()?;
    let map = RankMap {
        title: format!(
            "dcplan: {} candidate sites by score 후보지 종합 점수 ({} feasible)",
            r.ranking.len(),
            r.feasible_sites
        ),
        provinces: &provinces,
        grid,
        sites: map_sites(r, locations),
    };
    let drawn = sitemap::render(&map)?;
    let map_bytes = super::map::png_bytes(&drawn.image).map_err(|e| WriteError {
        path: map_png.clone(),
        source: std::io::Error::other(e),
    })?;
    write_atomic(&map_png, &map_bytes)?;
    let mut paths = write_ranking(
        r,
        &HtmlParts {
            images,
            map_png: Some(&map_bytes),
            pareto_axes: PARETO_AXES,
        },
        locations,
        dir,
    )?;
    paths.push(map_png);
    Ok(paths)
}

/// Every simulated site's position and province.
pub fn locations(outcome: &RankOutcome) -> Vec<SiteLocation> {
    outcome
        .sites
        .iter()
        .map(|e| {
            let s = &e.input.site;
            SiteLocation {
                site_id: s.id.clone(),
                lon: s.lon,
                lat: s.lat,
                province: s.province.clone(),
            }
        })
        .collect()
}

/// The ranked sites that have a position, for the map.
fn map_sites(r: &RankingReport, locations: &[SiteLocation]) -> Vec<RankMapSite> {
    r.ranking
        .iter()
        .filter_map(|s| {
            let l = locations.iter().find(|l| l.site_id == s.site_id)?;
            Some(RankMapSite {
                site_id: s.site_id.clone(),
                name_ko: s.name_ko.clone(),
                name_en: s.name_en.clone(),
                lon: l.lon,
                lat: l.lat,
                rank: s.rank,
                score: s.score,
            })
        })
        .collect()
}

/// Writes ranking.json, ranking.csv, ranking.geojson, report.md and report.html into `dir`.
pub fn write_ranking(
    r: &RankingReport,
    parts: &HtmlParts,
    locations: &[SiteLocation],
    dir: &Path,
) -> Result<Vec<PathBuf>, ReportError> {
    create_dir(dir)?;
    let paths: Vec<PathBuf> = [
        "ranking.json",
        "ranking.csv",
        "ranking.geojson",
        "report.md",
        "report.html",
    ]
    .iter()
    .map(|n| dir.join(n))
    .collect();
    write_json(&paths[0], r)?;
    let csv = to_csv(r).map_err(|e| WriteError {
        path: paths[1].clone(),
        source: std::io::Error::other(e),
    })?;
    write_atomic(&paths[1], csv.as_bytes())?;
    write_atomic(&paths[2], to_geojson(r, locations)?.as_bytes())?;
    write_atomic(&paths[3], to_markdown(r).as_bytes())?;
    write_atomic(&paths[4], to_html(r, parts)?.as_bytes())?;
    Ok(paths)
}
