//! The grid-impact assessment section of report.md and report.html: per site the verdict
//! against the 70 points, the points of every scored item with its figure, and the items not
//! modelled with the points they could add or take away.

use super::charts::escape;
use crate::plan::impact::{GridImpact, Item};
use crate::plan::ranking::RankingReport;
use std::fmt::Write as _;

fn sites(r: &RankingReport) -> Vec<(String, &GridImpact)> {
    r.ranking
        .iter()
        .filter_map(|s| {
            s.grid_impact
                .as_ref()
                .map(|g| (format!("{} ({})", s.name_en, s.site_id), g))
        })
        .collect()
}

fn cell(item: &Item) -> String {
    match item.points {
        _ if !item.modelled => "not modelled".into(),
        Some(p) => format!("{p:.1} ({})", item.figure),
        None => item.figure.clone(),
    }
}

fn points(item: &Item) -> String {
    if item.group == "gate" {
        "pass/fail".into()
    } else {
        format!("{:+} to {:+}", item.min_points, item.max_points)
    }
}

/// The section in Markdown; empty when no site carries an assessment.
pub fn to_markdown(r: &RankingReport) -> String {
    let rows = sites(r);
    let Some((_, first)) = rows.first() else {
        return String::new();
    };
    let mut s = String::new();
    let _ = writeln!(s, "\n## Grid-impact assessment (loads of 10 MW and more)\n");
    let _ = writeln!(
        s,
        "{}. A case needs {} points. lower/upper: the scored points with every item not modelled at its \
         least/most.\n",
        first.basis, first.pass_points
    );
    let modelled: Vec<&Item> = first.items.iter().filter(|i| i.modelled).collect();
    let _ = write!(s, "| site | verdict | scored points | lower–upper |");
    for i in &modelled {
        let _ = write!(s, " {} |", i.label);
    }
    let _ = writeln!(s, "\n|---|---|---|---|{}", "---|".repeat(modelled.len()));
    for (name, g) in &rows {
        let _ = write!(
            s,
            "| {name} | {} | {:.1} | {:.1}–{:.1} |",
            g.verdict, g.modelled_points, g.lower_points, g.upper_points
        );
        for key in modelled.iter().map(|i| &i.key) {
            let c = g
                .items
                .iter()
                .find(|i| &i.key == key)
                .map_or("–".into(), cell);
            let _ = write!(s, " {c} |");
        }
        let _ = writeln!(s);
    }
    let _ = writeln!(s, "\nItems and rules (points in the draft):\n");
    for i in &first.items {
        let _ = writeln!(s, "- {} ({}, {}): {}", i.label, i.group, points(i), i.rule);
    }
    s
}

/// The section in HTML.
pub fn to_html(r: &RankingReport) -> String {
    let rows = sites(r);
    let Some((_, first)) = rows.first() else {
        return String::new();
    };
    let mut s =
        String::from("\n<h2>Grid-impact assessment <span lang=\"ko\">계통영향평가</span></h2>\n");
    let _ = writeln!(
        s,
        "<p>{}. A case needs {} points; lower/upper: the scored points with every item not modelled at \
         its least/most.</p>",
        escape(&first.basis),
        first.pass_points
    );
    s.push_str(
        "<table><thead><tr><th>site</th><th>verdict</th><th>scored</th><th>lower–upper</th>",
    );
    for i in first.items.iter() {
        let _ = write!(
            s,
            "<th title=\"{}\">{}<br><small>{}</small></th>",
            escape(&i.rule),
            escape(&i.label),
            escape(&points(i))
        );
    }
    s.push_str("</tr></thead><tbody>\n");
    for (name, g) in &rows {
        let _ = write!(
            s,
            "<tr><td>{}</td><td>{}</td><td>{:.1}</td><td>{:.1}–{:.1}</td>",
            escape(name),
            escape(&g.verdict),
            g.modelled_points,
            g.lower_points,
            g.upper_points
        );
        for i in &g.items {
            let _ = write!(s, "<td>{}</td>", escape(&cell(i)));
        }
        s.push_str("</tr>\n");
    }
    s.push_str("</tbody></table>\n<ul>\n");
    for i in &first.items {
        let _ = writeln!(s, "<li>{}: {}</li>", escape(&i.label), escape(&i.rule));
    }
    s.push_str("</ul>\n");
    s
}
