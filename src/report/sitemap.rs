//! The ranking map (`map.png`, also shown in report.html): South Korea's provinces, the
//! capital region (Seoul, Incheon, Gyeonggi) shaded and hatched, the transmission network and
//! its substations where the grid model is given, and every candidate site as a disc coloured
//! by its score with its rank inside, infeasible sites as a crossed white disc; each site is
//! labelled in Korean and English without overlap (`report::labels`).
//!
//! Projection, frame, north arrow and scale bar are the grid map's (`report::map`):
//! equirectangular on WGS 84 with standard parallel 36° N, north up, the scale bar true along
//! 36° N (within 3 % over the mainland). Scores are coloured on viridis over the fixed range
//! 0–1 (colour-blind safe, readable in grey), so a colour means the same score in every report.
//!
//! Province outlines: KOSTAT 2012 (`sites/geo/provinces-kostat-2012-simple.geojson`, compiled
//! in, so a report folder anywhere gets its map). Network: `sites/grid` (OpenStreetMap, ODbL).

use super::labels::{self, Anchor, BoxPx, Label};
use super::map::{
    blend_rect, disc, draw_text, fill_polygons, fill_rect, frame, frame_rect, north_arrow,
    scale_bar, segment, text_height, text_width, Clip, MapError, Projection, HEIGHT_PX, INK, LAND,
    LEGEND_W_PX, MAP_W_PX, MARGIN_PX, OUTLINE, SEA, WHITE, WIDTH_PX,
};
use super::text::{self, Fonts};
use crate::grid::geo::Provinces;
use crate::grid::{BranchKind, Network};
use image::{Rgb, RgbImage};
use std::collections::BTreeMap;
use std::path::Path;

/// KOSTAT codes of the capital region: Seoul (11), Incheon (23), Gyeonggi (31).
pub const CAPITAL_REGION: [&str; 3] = ["11", "23", "31"];

/// Radius of a feasible site's disc and of an infeasible site's, px.
pub const SITE_R_PX: f64 = 11.0;
pub const INFEASIBLE_R_PX: f64 = 8.0;
const LABEL_PX: f32 = 13.0;

static PROVINCES_GEOJSON: &str = include_str!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/sites/geo/provinces-kostat-2012-simple.geojson"
));

const CAPITAL: Rgb<u8> = Rgb([228, 222, 238]);
const CAPITAL_HATCH: Rgb<u8> = Rgb([176, 164, 200]);
const LEADER: Rgb<u8> = Rgb([90, 90, 90]);
const GRID_154: Rgb<u8> = Rgb([180, 180, 176]);
const GRID_345: Rgb<u8> = Rgb([125, 125, 122]);
const GRID_765: Rgb<u8> = Rgb([70, 70, 68]);
const SUBSTATION: Rgb<u8> = Rgb([95, 95, 92]);

/// The province outlines compiled into dcplan.
pub fn shipped_provinces() -> Result<Provinces, MapError> {
    Provinces::parse(
        Path::new("sites/geo/provinces-kostat-2012-simple.geojson"),
        PROVINCES_GEOJSON,
    )
    .map_err(|e| MapError::Data(e.to_string()))
}

/// A site on the ranking map.
#[derive(Debug, Clone, PartialEq)]
pub struct RankMapSite {
    pub site_id: String,
    pub name_ko: String,
    pub name_en: String,
    pub lon: f64,
    pub lat: f64,
    /// Rank among the feasible sites; `None`: infeasible.
    pub rank: Option<usize>,
    /// Weighted-sum score, 0–1 (feasible sites).
    pub score: Option<f64>,
}

impl RankMapSite {
    /// The label text: Korean name, then English.
    pub fn label(&self) -> String {
        format!("{} {}", self.name_ko, self.name_en)
    }
}

pub struct RankMap<'a> {
    pub title: String,
    pub provinces: &'a Provinces,
    /// The transmission network, where the grid model is there.
    pub grid: Option<&'a Network>,
    pub sites: Vec<RankMapSite>,
}

/// The drawn map and where its labels went (for the tests and the HTML's alt text).
pub struct Drawn {
    pub image: RgbImage,
    /// One per site, in the order of [`RankMap::sites`].
    pub anchors: Vec<Anchor>,
    pub labels: Vec<Option<Label>>,
    /// The area labels must stay in.
    pub bounds: BoxPx,
    /// Sites whose label found no room (listed in the legend instead).
    pub unplaced: Vec<String>,
}

/// The score's colour (viridis over 0–1, clamped).
pub fn score_rgb(score: f64) -> Rgb<u8> {
    let c = colorous::VIRIDIS.eval_continuous(score.clamp(0.0, 1.0));
    Rgb([c.r, c.g, c.b])
}

/// Black or white, whichever reads on `bg`.
fn ink_on(bg: Rgb<u8>) -> Rgb<u8> {
    let l = 0.299 * bg.0[0] as f64 + 0.587 * bg.0[1] as f64 + 0.114 * bg.0[2] as f64;
    if l < 140.0 {
        WHITE
    } else {
        INK
    }
}

fn to_box(c: Clip) -> BoxPx {
    BoxPx {
        x0: c.x0 as f64,
        y0: c.y0 as f64,
        x1: c.x1 as f64,
        y1: c.y1 as f64,
    }
}

/// Draws the map.
pub fn render(map: &RankMap) -> Result<Drawn, MapError> {
    for s in &map.sites {
        if !(s.lon.is_finite() && s.lat.is_finite()) {
            return Err(MapError::NonFinite {
                what: format!("site {}", s.site_id),
            });
        }
    }
    let font = text::fonts().map_err(|_| MapError::Font)?;
    let p = Projection::new();
    let frame = frame();
    let mut img = RgbImage::from_pixel(WIDTH_PX, HEIGHT_PX, WHITE);
    fill_rect(&mut img, frame, SEA);
    let project = |rings: &[Vec<(f64, f64)>]| -> Vec<Vec<(f64, f64)>> {
        rings
            .iter()
            .map(|r| r.iter().map(|&(lon, lat)| p.to_px(lon, lat)).collect())
            .collect()
    };
    let rings_of = |capital: Option<bool>| -> Vec<Vec<(f64, f64)>> {
        map.provinces
            .list
            .iter()
            .filter(|pr| capital.is_none_or(|c| CAPITAL_REGION.contains(&pr.code.as_str()) == c))
            .flat_map(|pr| pr.polygons.iter().flat_map(|poly| project(poly)))
            .collect()
    };
    fill_polygons(&mut img, &rings_of(None), LAND, frame);
    fill_polygons(&mut img, &rings_of(Some(true)), CAPITAL, frame);
    // hatching: diagonal lines over the capital region, so it reads without colour too
    for y in frame.y0..frame.y1 {
        for x in frame.x0..frame.x1 {
            if (x + y) % 7 == 0 && *img.get_pixel(x as u32, y as u32) == CAPITAL {
                img.put_pixel(x as u32, y as u32, CAPITAL_HATCH);
            }
        }
    }
    for r in rings_of(None) {
        for i in 0..r.len() {
            segment(&mut img, r[i], r[(i + 1) % r.len()], 0.5, OUTLINE, frame);
        }
    }

    if let Some(net) = map.grid {
        draw_grid(&mut img, net, &p, frame);
    }

    // sites: infeasible first, then feasible from the last rank up, so rank 1 is on top
    let mut order: Vec<usize> = (0..map.sites.len()).collect();
    order.sort_by_key(|&i| match map.sites[i].rank {
        None => (0, 0),
        Some(r) => (1, usize::MAX - r),
    });
    let anchors: Vec<Anchor> = map
        .sites
        .iter()
        .map(|s| {
            let (x, y) = p.to_px(s.lon, s.lat);
            let label = s.label();
            Anchor {
                x,
                y,
                r: if s.rank.is_some() {
                    SITE_R_PX
                } else {
                    INFEASIBLE_R_PX
                } + 1.0,
                w: (text_width(font, LABEL_PX, &label) + 6) as f64,
                h: (text_height(font, LABEL_PX) + 2) as f64,
            }
        })
        .collect();

    // labels: best rank first gets the nearest place
    let arrow = north_arrow(&mut img, font, frame);
    let bar = scale_bar(&mut img, font, frame, &p);
    let bounds = to_box(Clip {
        x0: frame.x0 + 2,
        y0: frame.y0 + 2,
        x1: frame.x1 - 2,
        y1: frame.y1 - 2,
    });
    let mut by_rank: Vec<usize> = (0..map.sites.len()).collect();
    by_rank.sort_by_key(|&i| (map.sites[i].rank.unwrap_or(usize::MAX), i));
    let ordered: Vec<Anchor> = by_rank.iter().map(|&i| anchors[i]).collect();
    let placed = labels::place(&ordered, bounds, &[to_box(arrow), to_box(bar)]);
    let mut labels_out: Vec<Option<Label>> = vec![None; map.sites.len()];
    for (k, &i) in by_rank.iter().enumerate() {
        labels_out[i] = placed[k];
    }
    for l in labels_out.iter().flatten() {
        if let Some((a, b)) = l.leader {
            segment(&mut img, a, b, 0.6, LEADER, frame);
        }
    }
    for &i in &order {
        draw_site(&mut img, font, &map.sites[i], &anchors[i], frame);
    }
    let mut unplaced = Vec::new();
    for (i, l) in labels_out.iter().enumerate() {
        let s = &map.sites[i];
        match l {
            Some(l) => {
                let r = l.rect;
                let c = Clip {
                    x0: r.x0.round() as i64,
                    y0: r.y0.round() as i64,
                    x1: r.x1.round() as i64,
                    y1: r.y1.round() as i64,
                };
                blend_rect(&mut img, c, WHITE, 0.8);
                draw_text(
                    &mut img,
                    font,
                    LABEL_PX,
                    &s.label(),
                    c.x0 + 3,
                    c.y0 + 1,
                    INK,
                );
            }
            None => unplaced.push(s.label()),
        }
    }
    frame_rect(&mut img, frame, INK);
    draw_text(&mut img, font, 19.0, &map.title, MARGIN_PX as i64, 12, INK);
    legend(&mut img, font, map.grid.is_some(), &unplaced);
    Ok(Drawn {
        image: img,
        anchors,
        labels: labels_out,
        bounds,
        unplaced,
    })
}

/// Lines by voltage (thin light 154 kV to thick dark 765 kV), then one square per substation.
fn draw_grid(img: &mut RgbImage, net: &Network, p: &Projection, frame: Clip) {
    let style = |kv: f64| match kv {
        kv if kv >= 700.0 => (GRID_765, 1.5),
        kv if kv >= 300.0 => (GRID_345, 0.9),
        _ => (GRID_154, 0.5),
    };
    let mut lines: Vec<(f64, (f64, f64), (f64, f64))> = net
        .branches
        .iter()
        .filter(|b| b.kind == BranchKind::Line)
        .map(|b| {
            let (f, t) = (&net.buses[b.from], &net.buses[b.to]);
            (f.kv.max(t.kv), p.to_px(f.lon, f.lat), p.to_px(t.lon, t.lat))
        })
        .filter(|(kv, a, b)| kv.is_finite() && a.0.is_finite() && b.0.is_finite())
        .collect();
    lines.sort_by(|a, b| a.0.total_cmp(&b.0));
    for (kv, a, b) in lines {
        let (rgb, half) = style(kv);
        segment(img, a, b, half, rgb, frame);
    }
    // one mark per station, at its highest-voltage bus
    let mut stations: BTreeMap<&str, (f64, f64, f64)> = BTreeMap::new();
    for b in &net.buses {
        let e = stations.entry(&b.station).or_insert((b.kv, b.lon, b.lat));
        if b.kv > e.0 {
            *e = (b.kv, b.lon, b.lat);
        }
    }
    for (_, (_, lon, lat)) in stations {
        if lon.is_finite() && lat.is_finite() {
            let (x, y) = p.to_px(lon, lat);
            super::map::square(img, x, y, 1.6, SUBSTATION, frame);
        }
    }
}

fn draw_site(img: &mut RgbImage, font: &Fonts, s: &RankMapSite, a: &Anchor, frame: Clip) {
    match (s.rank, s.score) {
        (Some(rank), score) => {
            let fill = score_rgb(score.unwrap_or(0.0));
            disc(img, a.x, a.y, SITE_R_PX + 1.2, INK, frame);
            disc(img, a.x, a.y, SITE_R_PX, fill, frame);
            let t = rank.to_string();
            let size = if t.len() > 2 { 10.0 } else { 12.5 };
            let w = text_width(font, size, &t);
            let h = text_height(font, size);
            draw_text(
                img,
                font,
                size,
                &t,
                a.x.round() as i64 - w / 2,
                a.y.round() as i64 - h / 2,
                ink_on(fill),
            );
        }
        (None, _) => cross(img, a.x, a.y, frame),
    }
}

/// An infeasible site: a white disc with a dark ring and a cross.
fn cross(img: &mut RgbImage, x: f64, y: f64, frame: Clip) {
    disc(img, x, y, INFEASIBLE_R_PX + 1.2, INK, frame);
    disc(img, x, y, INFEASIBLE_R_PX, WHITE, frame);
    let d = INFEASIBLE_R_PX * 0.55;
    segment(img, (x - d, y - d), (x + d, y + d), 0.9, INK, frame);
    segment(img, (x - d, y + d), (x + d, y - d), 0.9, INK, frame);
}

fn legend(img: &mut RgbImage, font: &Fonts, grid: bool, unplaced: &[String]) {
    let whole = Clip::all(img);
    let f = frame();
    let lx = (MARGIN_PX + MAP_W_PX + 22) as i64;
    let right = (MARGIN_PX + MAP_W_PX + LEGEND_W_PX) as i64;
    let mut y = f.y0 + 4;
    draw_text(img, font, 15.0, "Score 점수 (weighted sum)", lx, y, INK);
    y += 26;
    let (bar_w, bar_h) = (22i64, 220i64);
    for k in 0..bar_h {
        let t = 1.0 - k as f64 / (bar_h - 1) as f64;
        fill_rect(
            img,
            Clip {
                x0: lx,
                y0: y + k,
                x1: lx + bar_w,
                y1: y + k + 1,
            },
            score_rgb(t),
        );
    }
    frame_rect(
        img,
        Clip {
            x0: lx,
            y0: y,
            x1: lx + bar_w,
            y1: y + bar_h,
        },
        INK,
    );
    for v in [0.0, 0.25, 0.5, 0.75, 1.0] {
        let ty = y + ((1.0 - v) * (bar_h - 1) as f64).round() as i64;
        fill_rect(
            img,
            Clip {
                x0: lx + bar_w,
                y0: ty,
                x1: lx + bar_w + 5,
                y1: ty + 1,
            },
            INK,
        );
        draw_text(
            img,
            font,
            12.0,
            &format!("{v:.2}"),
            lx + bar_w + 9,
            ty - 7,
            INK,
        );
    }
    let notes_x = lx + bar_w + 60;
    for (k, line) in [
        "disc colour: the score,",
        "0 (worst) to 1 (best);",
        "number: rank among",
        "the feasible sites",
    ]
    .iter()
    .enumerate()
    {
        draw_text(img, font, 11.5, line, notes_x, y + 4 + 16 * k as i64, INK);
    }
    // a sample disc
    let (sx, sy) = (notes_x as f64 + 14.0, (y + 90) as f64);
    disc(img, sx, sy, SITE_R_PX + 1.2, INK, whole);
    disc(img, sx, sy, SITE_R_PX, score_rgb(0.9), whole);
    draw_text(img, font, 12.5, "1", sx as i64 - 3, sy as i64 - 8, INK);
    draw_text(img, font, 12.0, "rank 1", notes_x + 34, sy as i64 - 8, INK);
    y += bar_h + 26;
    cross(img, lx as f64 + 11.0, y as f64 + 8.0, whole);
    draw_text(
        img,
        font,
        12.0,
        "infeasible (reason in the table)",
        lx + 30,
        y,
        INK,
    );
    y += 30;
    let swatch = Clip {
        x0: lx,
        y0: y,
        x1: lx + 22,
        y1: y + 16,
    };
    fill_rect(img, swatch, CAPITAL);
    for yy in swatch.y0..swatch.y1 {
        for xx in swatch.x0..swatch.x1 {
            if (xx + yy) % 7 == 0 {
                img.put_pixel(xx as u32, yy as u32, CAPITAL_HATCH);
            }
        }
    }
    frame_rect(img, swatch, OUTLINE);
    draw_text(
        img,
        font,
        12.0,
        "capital region 수도권:",
        lx + 30,
        y - 6,
        INK,
    );
    draw_text(
        img,
        font,
        12.0,
        "Seoul, Incheon, Gyeonggi",
        lx + 30,
        y + 10,
        INK,
    );
    y += 36;
    if grid {
        for (kv, rgb, half) in [
            (154, GRID_154, 0.5),
            (345, GRID_345, 0.9),
            (765, GRID_765, 1.5),
        ] {
            segment(
                img,
                (lx as f64, y as f64 + 7.0),
                (lx as f64 + 40.0, y as f64 + 7.0),
                half,
                rgb,
                whole,
            );
            draw_text(img, font, 12.0, &format!("{kv} kV line"), lx + 50, y, INK);
            y += 20;
        }
        super::map::square(
            img,
            lx as f64 + 20.0,
            y as f64 + 7.0,
            1.6,
            SUBSTATION,
            whole,
        );
        draw_text(img, font, 12.0, "substation", lx + 50, y, INK);
        y += 30;
    }
    let mut notes: Vec<String> = vec![
        "Projection: equirectangular,".into(),
        "standard parallel 36° N (WGS 84),".into(),
        "north up; scale bar true along 36° N.".into(),
        String::new(),
        "Provinces: KOSTAT 2012.".into(),
    ];
    if grid {
        notes.extend([
            "Network: © OpenStreetMap".to_string(),
            "contributors (ODbL 1.0), via PyPSA-KR;".into(),
            "sites/grid.".into(),
        ]);
    }
    if !unplaced.is_empty() {
        notes.push(String::new());
        notes.push("Not labelled for lack of room:".into());
        notes.extend(unplaced.iter().cloned());
    }
    for line in notes {
        if text_width(font, 11.5, &line) <= right - lx {
            draw_text(img, font, 11.5, &line, lx, y, INK);
        }
        y += 16;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shipped_sites() -> Vec<RankMapSite> {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("sites");
        let mut files: Vec<_> = std::fs::read_dir(&root)
            .expect("sites/")
            .map(|e| e.expect("entry").path())
            .filter(|p| p.extension().is_some_and(|e| e == "json"))
            .collect();
        files.sort();
        files
            .iter()
            .enumerate()
            .map(|(k, path)| {
                let v: serde_json::Value =
                    serde_json::from_str(&std::fs::read_to_string(path).expect("read"))
                        .expect("JSON");
                let s = |key: &str| v[key].as_str().expect(key).to_string();
                RankMapSite {
                    site_id: s("id"),
                    name_ko: s("name_ko"),
                    name_en: s("name_en"),
                    lon: v["lon"].as_f64().expect("lon"),
                    lat: v["lat"].as_f64().expect("lat"),
                    // one infeasible, the rest ranked in file order
                    rank: (k != 3).then_some(k + 1),
                    score: (k != 3).then_some(1.0 - k as f64 / 15.0),
                }
            })
            .collect()
    }

    #[test]
    fn shipped_sites_are_labelled_without_overlap() {
        let provinces = shipped_provinces().expect("provinces");
        let grid = Network::load_shipped(&Path::new(env!("CARGO_MANIFEST_DIR")).join("sites/grid"))
            .expect("shipped grid");
        let sites = shipped_sites();
        assert_eq!(sites.len(), 15);
        let drawn = render(&RankMap {
            title: "test".into(),
            provinces: &provinces,
            grid: Some(&grid),
            sites,
        })
        .expect("renders");
        assert!(drawn.unplaced.is_empty(), "{:?}", drawn.unplaced);
        assert_eq!(
            labels::conflicts(&drawn.anchors, &drawn.labels, drawn.bounds),
            Vec::<String>::new()
        );
        assert_eq!(drawn.image.dimensions(), (WIDTH_PX, HEIGHT_PX));
    }

    #[test]
    fn coincident_sites_get_separate_labels() {
        let provinces = shipped_provinces().expect("provinces");
        let mut sites = shipped_sites();
        // five copies of Pohang at the same point, and one a few metres away
        for k in 0..5 {
            let mut s = sites[11].clone();
            s.site_id = format!("copy{k}");
            s.name_en = format!("Copy {k}");
            s.lon += if k == 4 { 0.0001 } else { 0.0 };
            sites.push(s);
        }
        let drawn = render(&RankMap {
            title: "test".into(),
            provinces: &provinces,
            grid: None,
            sites,
        })
        .expect("renders");
        assert!(drawn.unplaced.is_empty(), "{:?}", drawn.unplaced);
        assert_eq!(
            labels::conflicts(&drawn.anchors, &drawn.labels, drawn.bounds),
            Vec::<String>::new()
        );
        assert!(drawn.labels.iter().flatten().any(|l| l.leader.is_some()));
    }

    #[test]
    fn pixels_carry_the_score_colour_and_the_capital_region() {
        let provinces = shipped_provinces().expect("provinces");
        let site = |rank: Option<usize>, score: Option<f64>, lon: f64, lat: f64| RankMapSite {
            site_id: "x".into(),
            name_ko: "포항".into(),
            name_en: "Pohang".into(),
            lon,
            lat,
            rank,
            score,
        };
        let drawn = render(&RankMap {
            title: "t".into(),
            provinces: &provinces,
            grid: None,
            sites: vec![
                site(Some(1), Some(0.8), 129.38, 36.03),
                site(None, None, 126.53, 33.51),
            ],
        })
        .expect("renders");
        let p = Projection::new();
        let img = &drawn.image;
        // the disc's rim (inside it, away from the number) has the score's colour
        let (x, y) = p.to_px(129.38, 36.03);
        assert_eq!(*img.get_pixel((x + 8.0) as u32, y as u32), score_rgb(0.8));
        // infeasible: white disc, dark cross at the centre
        let (x, y) = p.to_px(126.53, 33.51);
        assert_eq!(*img.get_pixel((x + 5.5) as u32, y as u32), WHITE);
        assert!(img.get_pixel(x as u32, y as u32).0[0] < 100);
        // Seoul is capital region (tinted or hatched), Daejeon is plain land
        let (x, y) = p.to_px(126.98, 37.56);
        let c = *img.get_pixel(x as u32, y as u32);
        assert!(c == CAPITAL || c == CAPITAL_HATCH, "{c:?}");
        let (x, y) = p.to_px(127.45, 36.33);
        assert_eq!(*img.get_pixel(x as u32, y as u32), LAND);
        assert_ne!(score_rgb(0.0), score_rgb(1.0));
    }
}
