//! The grid map: a PNG of South Korea with province outlines, transmission branches coloured
//! by loading, buses coloured by N-1 hosting capacity, and the candidate sites marked.
//!
//! Projection: equirectangular (plate carrée) on WGS 84 with standard parallel 36° N: x is
//! longitude × cos 36°, y latitude, both in degrees scaled to pixels, so distances are true
//! along 36° N and along meridians and the scale bar is exact there (within 3 % over the
//! mainland, 33–38.6° N). North is up.
//!
//! Colours come from `colorous`: loading (|flow| / normal rating, base case) on YlOrRd over
//! 0–100 %, branches above their rating drawn black and thicker; hosting capacity on viridis
//! over a log scale from [`HC_MIN_MW`] to [`HC_MAX_MW`] (clamped). Branch width grows with
//! voltage (154, 345, 765 kV). Text is in the shipped fonts (`report::text`: Hangul, then
//! DejaVu Sans). The drawing primitives here are shared with the ranking map
//! (`report::sitemap`).
//!
//! Invariants: the image size is fixed ([`WIDTH_PX`] × [`HEIGHT_PX`]); anything outside the
//! map frame is clipped; non-finite inputs are rejected.

use super::text::{self, Fonts};
use image::codecs::png::PngEncoder;
use image::{ExtendedColorType, ImageEncoder as _, Rgb, RgbImage};
use std::path::Path;

pub const LON_MIN: f64 = 124.5;
pub const LON_MAX: f64 = 131.0;
pub const LAT_MIN: f64 = 33.0;
pub const LAT_MAX: f64 = 38.75;
pub const STANDARD_PARALLEL_DEG: f64 = 36.0;
/// Lower and upper ends of the hosting-capacity colour scale, MW (log scale).
pub const HC_MIN_MW: f64 = 10.0;
pub const HC_MAX_MW: f64 = 5000.0;

pub(super) const MAP_W_PX: u32 = 1000;
pub(super) const TITLE_H_PX: u32 = 44;
pub(super) const MARGIN_PX: u32 = 14;
pub(super) const LEGEND_W_PX: u32 = 330;
const KM_PER_DEG: f64 = 111.195;

pub const WIDTH_PX: u32 = MARGIN_PX + MAP_W_PX + LEGEND_W_PX;
pub const HEIGHT_PX: u32 = TITLE_H_PX + map_h_px() + 2 * MARGIN_PX;

/// The map frame: the pixels inside it show the projected area.
pub(super) fn frame() -> Clip {
    Clip {
        x0: MARGIN_PX as i64,
        y0: (TITLE_H_PX + MARGIN_PX) as i64,
        x1: (MARGIN_PX + MAP_W_PX) as i64,
        y1: (TITLE_H_PX + MARGIN_PX + map_h_px()) as i64,
    }
}

const fn map_h_px() -> u32 {
    // (LAT_MAX - LAT_MIN) / ((LON_MAX - LON_MIN) cos 36°) × MAP_W_PX, rounded up
    1094
}

pub(super) const SEA: Rgb<u8> = Rgb([226, 236, 245]);
pub(super) const LAND: Rgb<u8> = Rgb([246, 245, 240]);
pub(super) const OUTLINE: Rgb<u8> = Rgb([150, 150, 145]);
pub(super) const INK: Rgb<u8> = Rgb([20, 20, 20]);
pub(super) const WHITE: Rgb<u8> = Rgb([255, 255, 255]);
const OVERLOAD: Rgb<u8> = Rgb([0, 0, 0]);

#[derive(Debug, Clone, PartialEq)]
pub struct MapLine {
    /// (lon, lat) of the two ends.
    pub from: (f64, f64),
    pub to: (f64, f64),
    pub kv: f64,
    /// |flow| / normal rating, base case.
    pub loading: f64,
}

#[derive(Debug, Clone, PartialEq)]
pub struct MapBus {
    pub lon: f64,
    pub lat: f64,
    pub hosting_mw: f64,
}

#[derive(Debug, Clone, PartialEq)]
pub struct MapSite {
    pub name: String,
    pub lon: f64,
    pub lat: f64,
}

pub struct GridMap {
    pub title: String,
    /// Province outer rings, (lon, lat).
    pub outlines: Vec<Vec<(f64, f64)>>,
    pub lines: Vec<MapLine>,
    pub buses: Vec<MapBus>,
    pub sites: Vec<MapSite>,
}

#[derive(Debug, thiserror::Error)]
pub enum MapError {
    #[error("the embedded font could not be read")]
    Font,
    #[error("map input {what} is not finite")]
    NonFinite { what: String },
    #[error("{0}")]
    Data(String),
}

/// Degrees to pixels.
#[derive(Debug, Clone, Copy)]
pub struct Projection {
    pub x0: f64,
    pub y0: f64,
    pub px_per_deg: f64,
    pub cos_phi: f64,
}

impl Projection {
    pub fn new() -> Self {
        let cos_phi = STANDARD_PARALLEL_DEG.to_radians().cos();
        Projection {
            x0: MARGIN_PX as f64,
            y0: (TITLE_H_PX + MARGIN_PX) as f64,
            px_per_deg: MAP_W_PX as f64 / ((LON_MAX - LON_MIN) * cos_phi),
            cos_phi,
        }
    }

    pub fn to_px(&self, lon: f64, lat: f64) -> (f64, f64) {
        (
            self.x0 + (lon - LON_MIN) * self.cos_phi * self.px_per_deg,
            self.y0 + (LAT_MAX - lat) * self.px_per_deg,
        )
    }

    /// Pixels per km along the standard parallel and the meridians.
    pub fn px_per_km(&self) -> f64 {
        self.px_per_deg / KM_PER_DEG
    }
}

impl Default for Projection {
    fn default() -> Self {
        Self::new()
    }
}

/// Colour of a loading (fraction of rating).
pub fn loading_rgb(loading: f64) -> Rgb<u8> {
    if loading > 1.0 {
        return OVERLOAD;
    }
    let t = 0.12 + 0.88 * loading.clamp(0.0, 1.0);
    let c = colorous::YELLOW_ORANGE_RED.eval_continuous(t);
    Rgb([c.r, c.g, c.b])
}

/// Position of a hosting capacity on its log colour scale, 0-1.
pub fn hosting_t(mw: f64) -> f64 {
    let lo = HC_MIN_MW.log10();
    let hi = HC_MAX_MW.log10();
    ((mw.max(HC_MIN_MW).log10() - lo) / (hi - lo)).clamp(0.0, 1.0)
}

pub fn hosting_rgb(mw: f64) -> Rgb<u8> {
    let c = colorous::VIRIDIS.eval_continuous(hosting_t(mw));
    Rgb([c.r, c.g, c.b])
}

fn check(map: &GridMap) -> Result<(), MapError> {
    let bad = |what: String| Err(MapError::NonFinite { what });
    for (i, l) in map.lines.iter().enumerate() {
        if ![l.from.0, l.from.1, l.to.0, l.to.1, l.loading, l.kv]
            .iter()
            .all(|v| v.is_finite())
        {
            return bad(format!("line {i}"));
        }
    }
    for (i, b) in map.buses.iter().enumerate() {
        if ![b.lon, b.lat, b.hosting_mw].iter().all(|v| v.is_finite()) {
            return bad(format!("bus {i}"));
        }
    }
    for s in &map.sites {
        if !(s.lon.is_finite() && s.lat.is_finite()) {
            return bad(format!("site {}", s.name));
        }
    }
    Ok(())
}

/// Draws the map.
pub fn render(map: &GridMap) -> Result<RgbImage, MapError> {
    check(map)?;
    let font = text::fonts().map_err(|_| MapError::Font)?;
    let p = Projection::new();
    let mut img = RgbImage::from_pixel(WIDTH_PX, HEIGHT_PX, WHITE);
    let frame = Clip {
        x0: MARGIN_PX as i64,
        y0: (TITLE_H_PX + MARGIN_PX) as i64,
        x1: (MARGIN_PX + MAP_W_PX) as i64,
        y1: (TITLE_H_PX + MARGIN_PX + map_h_px()) as i64,
    };
    fill_rect(&mut img, frame, SEA);
    let rings: Vec<Vec<(f64, f64)>> = map
        .outlines
        .iter()
        .map(|r| r.iter().map(|&(lon, lat)| p.to_px(lon, lat)).collect())
        .collect();
    fill_polygons(&mut img, &rings, LAND, frame);
    for r in &rings {
        for i in 0..r.len() {
            let (a, b) = (r[i], r[(i + 1) % r.len()]);
            segment(&mut img, a, b, 0.5, OUTLINE, frame);
        }
    }

    // branches: coolest first, so the loaded ones stay on top
    let mut order: Vec<usize> = (0..map.lines.len()).collect();
    order.sort_by(|&a, &b| {
        map.lines[a]
            .loading
            .total_cmp(&map.lines[b].loading)
            .then(a.cmp(&b))
    });
    for &i in &order {
        let l = &map.lines[i];
        let half = match l.kv {
            kv if kv >= 700.0 => 1.9,
            kv if kv >= 300.0 => 1.2,
            _ => 0.6,
        } + if l.loading > 1.0 { 0.6 } else { 0.0 };
        segment(
            &mut img,
            p.to_px(l.from.0, l.from.1),
            p.to_px(l.to.0, l.to.1),
            half,
            loading_rgb(l.loading),
            frame,
        );
    }
    // buses: largest capacity first, so the constrained ones stay on top
    let mut order: Vec<usize> = (0..map.buses.len()).collect();
    order.sort_by(|&a, &b| {
        map.buses[b]
            .hosting_mw
            .total_cmp(&map.buses[a].hosting_mw)
            .then(a.cmp(&b))
    });
    for &i in &order {
        let b = &map.buses[i];
        let (x, y) = p.to_px(b.lon, b.lat);
        disc(&mut img, x, y, 3.6, INK, frame);
        disc(&mut img, x, y, 2.7, hosting_rgb(b.hosting_mw), frame);
    }
    // sites: a white square with a black edge, labelled
    let mut placed: Vec<Clip> = Vec::new();
    for s in &map.sites {
        let (x, y) = p.to_px(s.lon, s.lat);
        square(&mut img, x, y, 6.0, INK, frame);
        square(&mut img, x, y, 4.0, WHITE, frame);
        let w = text_width(font, 13.0, &s.name);
        let h = text_height(font, 13.0);
        let (xi, yi) = (x.round() as i64, y.round() as i64);
        let candidates = [
            (xi + 9, yi - h / 2),
            (xi - 9 - w, yi - h / 2),
            (xi - w / 2, yi - 9 - h),
            (xi - w / 2, yi + 9),
            (xi + 9, yi - h - 4),
            (xi + 9, yi + 4),
        ];
        let boxed = |(bx, by): (i64, i64)| Clip {
            x0: bx - 2,
            y0: by - 1,
            x1: bx + w + 2,
            y1: by + h + 1,
        };
        let choice = candidates
            .iter()
            .copied()
            .find(|&c| {
                let b = boxed(c);
                b.x0 >= frame.x0 && b.x1 <= frame.x1 && !placed.iter().any(|o| o.overlaps(&b))
            })
            .unwrap_or(candidates[0]);
        let b = boxed(choice);
        blend_rect(&mut img, b, WHITE, 0.75);
        placed.push(b);
        draw_text(&mut img, font, 13.0, &s.name, choice.0, choice.1, INK);
    }
    frame_rect(&mut img, frame, INK);

    north_arrow(&mut img, font, frame);
    scale_bar(&mut img, font, frame, &p);

    // title
    draw_text(&mut img, font, 19.0, &map.title, MARGIN_PX as i64, 12, INK);

    // legend panel
    let whole = Clip::all(&img);
    let lx = (MARGIN_PX + MAP_W_PX + 22) as i64;
    let mut y = frame.y0 + 4;
    draw_text(
        &mut img,
        &font,
        15.0,
        "Bus hosting capacity (MW)",
        lx,
        y,
        INK,
    );
    y += 26;
    let bar_w = 22i64;
    let bar_h = 300i64;
    for k in 0..bar_h {
        let t = 1.0 - k as f64 / (bar_h - 1) as f64;
        let c = colorous::VIRIDIS.eval_continuous(t);
        fill_rect(
            &mut img,
            Clip {
                x0: lx,
                y0: y + k,
                x1: lx + bar_w,
                y1: y + k + 1,
            },
            Rgb([c.r, c.g, c.b]),
        );
    }
    frame_rect(
        &mut img,
        Clip {
            x0: lx,
            y0: y,
            x1: lx + bar_w,
            y1: y + bar_h,
        },
        INK,
    );
    for v in [10.0, 30.0, 100.0, 300.0, 1000.0, 3000.0, HC_MAX_MW] {
        let ty = y + ((1.0 - hosting_t(v)) * (bar_h - 1) as f64).round() as i64;
        fill_rect(
            &mut img,
            Clip {
                x0: lx + bar_w,
                y0: ty,
                x1: lx + bar_w + 5,
                y1: ty + 1,
            },
            INK,
        );
        let label = if v == HC_MAX_MW {
            format!("≥ {v}")
        } else if v == HC_MIN_MW {
            format!("≤ {v}")
        } else {
            format!("{v}")
        };
        draw_text(&mut img, font, 12.0, &label, lx + bar_w + 9, ty - 7, INK);
    }
    let notes_x = lx + bar_w + 70;
    for (k, line) in [
        "largest new load at the bus",
        "with every branch within its",
        "normal rating in the base case",
        "and its emergency rating after",
        "every credible single-circuit",
        "outage (DC load flow);",
        "log colour scale",
    ]
    .iter()
    .enumerate()
    {
        draw_text(
            &mut img,
            &font,
            11.5,
            line,
            notes_x,
            y + 4 + 16 * k as i64,
            INK,
        );
    }
    y += bar_h + 30;
    draw_text(
        &mut img,
        &font,
        15.0,
        "Branch loading, base case",
        lx,
        y,
        INK,
    );
    y += 26;
    let ramp_w = 230i64;
    for k in 0..ramp_w {
        let rgb = loading_rgb(k as f64 / (ramp_w - 1) as f64);
        fill_rect(
            &mut img,
            Clip {
                x0: lx + k,
                y0: y,
                x1: lx + k + 1,
                y1: y + 14,
            },
            rgb,
        );
    }
    frame_rect(
        &mut img,
        Clip {
            x0: lx,
            y0: y,
            x1: lx + ramp_w,
            y1: y + 14,
        },
        INK,
    );
    for (v, t) in [(0.0, "0"), (0.5, "50"), (1.0, "100 %")] {
        let x = lx + (v * (ramp_w - 1) as f64) as i64;
        let w = text_width(font, 12.0, t);
        let shift = if v == 1.0 {
            w - 4
        } else if v == 0.0 {
            0
        } else {
            w / 2
        };
        draw_text(&mut img, font, 12.0, t, x - shift, y + 18, INK);
    }
    y += 40;
    segment(
        &mut img,
        (lx as f64, y as f64 + 7.0),
        (lx as f64 + 40.0, y as f64 + 7.0),
        1.8,
        OVERLOAD,
        whole,
    );
    draw_text(
        &mut img,
        &font,
        12.0,
        "above its normal rating",
        lx + 50,
        y,
        INK,
    );
    y += 24;
    for (kv, half) in [(154, 0.6), (345, 1.2), (765, 1.9)] {
        segment(
            &mut img,
            (lx as f64, y as f64 + 7.0),
            (lx as f64 + 40.0, y as f64 + 7.0),
            half,
            Rgb([120, 120, 120]),
            whole,
        );
        draw_text(&mut img, font, 12.0, &format!("{kv} kV"), lx + 50, y, INK);
        y += 20;
    }
    y += 10;
    square(&mut img, lx as f64 + 6.0, y as f64 + 7.0, 6.0, INK, whole);
    square(&mut img, lx as f64 + 6.0, y as f64 + 7.0, 4.0, WHITE, whole);
    draw_text(&mut img, font, 12.0, "candidate site", lx + 20, y, INK);
    y += 36;
    for line in [
        "Projection: equirectangular,",
        "standard parallel 36° N (WGS 84);",
        "scale bar true along 36° N.",
        "",
        "Network: © OpenStreetMap",
        "contributors (ODbL 1.0), via",
        "PyPSA-KR; one bus per station",
        "and voltage; OSM holds about",
        "two-thirds of the 154 kV length.",
        "Plants: KPX records (PLANiT).",
        "Provinces: KOSTAT 2012.",
        "Line types and ratings assumed",
        "(sites/grid/line_types.json).",
    ] {
        draw_text(&mut img, font, 11.5, line, lx, y, INK);
        y += 16;
    }
    Ok(img)
}

/// A north arrow (half black, half grey) with "N" below it, near the frame's top-left corner.
pub(super) fn north_arrow(img: &mut RgbImage, font: &Fonts, frame: Clip) -> Clip {
    // north arrow, top left of the map
    let (nx, ny) = (frame.x0 as f64 + 34.0, frame.y0 as f64 + 20.0);
    for dy in 0..34 {
        let half = dy as f64 * 0.33;
        let y = ny + dy as f64;
        for dx in -(half.ceil() as i64)..=(half.ceil() as i64) {
            let cover = (half + 0.5 - (dx as f64).abs()).clamp(0.0, 1.0) as f32;
            let rgb = if dx < 0 { INK } else { Rgb([110, 110, 110]) };
            blend(img, nx as i64 + dx, y as i64, rgb, cover);
        }
    }
    let nw = text_width(font, 16.0, "N");
    draw_text(
        img,
        font,
        16.0,
        "N",
        nx as i64 - nw / 2,
        ny as i64 + 36,
        INK,
    );
    Clip {
        x0: nx as i64 - 14,
        y0: ny as i64 - 2,
        x1: nx as i64 + 14,
        y1: ny as i64 + 36 + text_height(font, 16.0),
    }
}

/// A 100 km scale bar near the frame's bottom-left corner, true along the standard parallel.
pub(super) fn scale_bar(img: &mut RgbImage, font: &Fonts, frame: Clip, p: &Projection) -> Clip {
    // scale bar, bottom left of the map
    let km = 100.0;
    let len = km * p.px_per_km();
    let (sx, sy) = (frame.x0 as f64 + 24.0, frame.y1 as f64 - 34.0);
    let area = Clip {
        x0: sx as i64 - 8,
        y0: sy as i64 - 22,
        x1: (sx + len) as i64 + 40,
        y1: sy as i64 + 14,
    };
    blend_rect(img, area, WHITE, 0.7);
    for k in 0..2 {
        let x0 = sx + k as f64 * len / 2.0;
        let rgb = if k == 0 { INK } else { WHITE };
        fill_rect(
            img,
            Clip {
                x0: x0 as i64,
                y0: sy as i64,
                x1: (x0 + len / 2.0) as i64,
                y1: sy as i64 + 6,
            },
            rgb,
        );
    }
    frame_rect(
        img,
        Clip {
            x0: sx as i64,
            y0: sy as i64,
            x1: (sx + len) as i64,
            y1: sy as i64 + 6,
        },
        INK,
    );
    for (v, x) in [(0.0, sx), (50.0, sx + len / 2.0), (100.0, sx + len)] {
        let t = if v == 100.0 {
            "100 km".to_string()
        } else {
            format!("{v}")
        };
        let w = text_width(font, 12.0, &t);
        let shift = if v == 100.0 { 6 } else { w / 2 };
        draw_text(img, font, 12.0, &t, x as i64 - shift, sy as i64 - 18, INK);
    }
    area
}

/// Writes the image as PNG, atomically.
pub fn write_png(img: &RgbImage, path: &Path) -> Result<(), crate::fsio::WriteError> {
    let bytes = png_bytes(img).map_err(|e| crate::fsio::WriteError {
        path: path.to_path_buf(),
        source: std::io::Error::other(e),
    })?;
    crate::fsio::write_atomic(path, &bytes)
}

/// The image as PNG bytes, compressed hard (maps are mostly flat colour).
pub fn png_bytes(img: &RgbImage) -> Result<Vec<u8>, image::ImageError> {
    use image::codecs::png::{CompressionType, FilterType};
    let mut bytes = Vec::new();
    PngEncoder::new_with_quality(&mut bytes, CompressionType::Best, FilterType::Adaptive)
        .write_image(
            img.as_raw(),
            img.width(),
            img.height(),
            ExtendedColorType::Rgb8,
        )?;
    Ok(bytes)
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) struct Clip {
    pub x0: i64,
    pub y0: i64,
    pub x1: i64,
    pub y1: i64,
}

impl Clip {
    pub fn all(img: &RgbImage) -> Clip {
        Clip {
            x0: 0,
            y0: 0,
            x1: img.width() as i64,
            y1: img.height() as i64,
        }
    }

    pub fn overlaps(&self, o: &Clip) -> bool {
        self.x0 < o.x1 && o.x0 < self.x1 && self.y0 < o.y1 && o.y0 < self.y1
    }
}

pub(super) fn blend(img: &mut RgbImage, x: i64, y: i64, rgb: Rgb<u8>, alpha: f32) {
    text::blend(img, x, y, rgb, alpha);
}

pub(super) fn fill_rect(img: &mut RgbImage, r: Clip, rgb: Rgb<u8>) {
    let c = Clip::all(img);
    for y in r.y0.max(c.y0)..r.y1.min(c.y1) {
        for x in r.x0.max(c.x0)..r.x1.min(c.x1) {
            img.put_pixel(x as u32, y as u32, rgb);
        }
    }
}

pub(super) fn blend_rect(img: &mut RgbImage, r: Clip, rgb: Rgb<u8>, alpha: f32) {
    for y in r.y0..r.y1 {
        for x in r.x0..r.x1 {
            blend(img, x, y, rgb, alpha);
        }
    }
}

pub(super) fn frame_rect(img: &mut RgbImage, r: Clip, rgb: Rgb<u8>) {
    for x in r.x0..r.x1 {
        blend(img, x, r.y0, rgb, 1.0);
        blend(img, x, r.y1 - 1, rgb, 1.0);
    }
    for y in r.y0..r.y1 {
        blend(img, r.x0, y, rgb, 1.0);
        blend(img, r.x1 - 1, y, rgb, 1.0);
    }
}

/// Even-odd scanline fill of all rings together, sampled at pixel centres.
pub(super) fn fill_polygons(
    img: &mut RgbImage,
    rings: &[Vec<(f64, f64)>],
    rgb: Rgb<u8>,
    clip: Clip,
) {
    let mut xs: Vec<f64> = Vec::new();
    for y in clip.y0..clip.y1 {
        let yc = y as f64 + 0.5;
        xs.clear();
        for r in rings {
            for i in 0..r.len() {
                let (a, b) = (r[i], r[(i + 1) % r.len()]);
                if (a.1 > yc) != (b.1 > yc) {
                    xs.push(a.0 + (yc - a.1) * (b.0 - a.0) / (b.1 - a.1));
                }
            }
        }
        xs.sort_by(f64::total_cmp);
        for pair in xs.chunks(2) {
            if let [x0, x1] = pair {
                let from = (x0 - 0.5).ceil().max(clip.x0 as f64) as i64;
                let to = (x1 - 0.5).floor().min(clip.x1 as f64 - 1.0) as i64;
                for x in from..=to {
                    img.put_pixel(x as u32, y as u32, rgb);
                }
            }
        }
    }
}

/// An anti-aliased segment of half-width `half` px.
pub(super) fn segment(
    img: &mut RgbImage,
    a: (f64, f64),
    b: (f64, f64),
    half: f64,
    rgb: Rgb<u8>,
    clip: Clip,
) {
    let reach = half + 1.0;
    let x_lo = (a.0.min(b.0) - reach).floor().max(clip.x0 as f64) as i64;
    let x_hi = (a.0.max(b.0) + reach).ceil().min(clip.x1 as f64 - 1.0) as i64;
    let y_lo = (a.1.min(b.1) - reach).floor().max(clip.y0 as f64) as i64;
    let y_hi = (a.1.max(b.1) + reach).ceil().min(clip.y1 as f64 - 1.0) as i64;
    let (dx, dy) = (b.0 - a.0, b.1 - a.1);
    let len2 = dx * dx + dy * dy;
    for y in y_lo..=y_hi {
        for x in x_lo..=x_hi {
            let (px, py) = (x as f64 + 0.5 - a.0, y as f64 + 0.5 - a.1);
            let t = if len2 > 0.0 {
                ((px * dx + py * dy) / len2).clamp(0.0, 1.0)
            } else {
                0.0
            };
            let d = ((px - t * dx).powi(2) + (py - t * dy).powi(2)).sqrt();
            let cover = (half + 0.5 - d).clamp(0.0, 1.0) as f32;
            blend(img, x, y, rgb, cover);
        }
    }
}

pub(super) fn disc(img: &mut RgbImage, cx: f64, cy: f64, r: f64, rgb: Rgb<u8>, clip: Clip) {
    let reach = r.ceil() as i64 + 1;
    let (ix, iy) = (cx.floor() as i64, cy.floor() as i64);
    for y in (iy - reach).max(clip.y0)..=(iy + reach).min(clip.y1 - 1) {
        for x in (ix - reach).max(clip.x0)..=(ix + reach).min(clip.x1 - 1) {
            let d = ((x as f64 + 0.5 - cx).powi(2) + (y as f64 + 0.5 - cy).powi(2)).sqrt();
            blend(img, x, y, rgb, (r + 0.5 - d).clamp(0.0, 1.0) as f32);
        }
    }
}

pub(super) fn square(img: &mut RgbImage, cx: f64, cy: f64, half: f64, rgb: Rgb<u8>, clip: Clip) {
    let (x0, y0) = ((cx - half).round() as i64, (cy - half).round() as i64);
    let side = (2.0 * half).round() as i64;
    let r = Clip {
        x0: x0.max(clip.x0),
        y0: y0.max(clip.y0),
        x1: (x0 + side).min(clip.x1),
        y1: (y0 + side).min(clip.y1),
    };
    fill_rect(img, r, rgb);
}

pub(super) fn text_width(font: &Fonts, size_px: f32, text: &str) -> i64 {
    font.width(size_px, text)
}

pub(super) fn text_height(font: &Fonts, size_px: f32) -> i64 {
    font.line_height(size_px)
}

/// Blends `text` with its top-left corner at `(x, y)`.
pub(super) fn draw_text(
    img: &mut RgbImage,
    font: &Fonts,
    size_px: f32,
    text: &str,
    x: i64,
    y: i64,
    rgb: Rgb<u8>,
) {
    font.draw(img, size_px, text, x, y, rgb);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_fixed_map_height_matches_the_projection() {
        let p = Projection::new();
        let h = (LAT_MAX - LAT_MIN) * p.px_per_deg;
        assert!((h - map_h_px() as f64).abs() < 1.0, "{h}");
    }

    #[test]
    fn pixels_carry_the_colour_scales() {
        // one bus and one overloaded line, far apart, on an empty map
        let map = GridMap {
            title: "test".into(),
            outlines: vec![vec![
                (126.0, 35.0),
                (128.0, 35.0),
                (128.0, 37.0),
                (126.0, 37.0),
            ]],
            lines: vec![MapLine {
                from: (129.0, 34.0),
                to: (130.0, 34.0),
                kv: 765.0,
                loading: 1.5,
            }],
            buses: vec![MapBus {
                lon: 127.0,
                lat: 36.0,
                hosting_mw: 100.0,
            }],
            sites: vec![],
        };
        let img = render(&map).expect("renders");
        assert_eq!((img.width(), img.height()), (WIDTH_PX, HEIGHT_PX));
        let p = Projection::new();
        let (x, y) = p.to_px(127.0, 36.0);
        assert_eq!(*img.get_pixel(x as u32, y as u32), hosting_rgb(100.0));
        let (x, y) = p.to_px(129.5, 34.0);
        assert_eq!(*img.get_pixel(x as u32, y as u32), OVERLOAD);
        // land inside the outline, sea outside
        let (x, y) = p.to_px(126.5, 35.5);
        assert_eq!(*img.get_pixel(x as u32, y as u32), LAND);
        let (x, y) = p.to_px(125.0, 34.0);
        assert_eq!(*img.get_pixel(x as u32, y as u32), SEA);
        assert!(hosting_rgb(10.0) != hosting_rgb(5000.0));
        assert_eq!(hosting_rgb(1.0), hosting_rgb(HC_MIN_MW));
    }

    #[test]
    fn non_finite_input_is_rejected() {
        let map = GridMap {
            title: String::new(),
            outlines: vec![],
            lines: vec![],
            buses: vec![MapBus {
                lon: f64::NAN,
                lat: 36.0,
                hosting_mw: 1.0,
            }],
            sites: vec![],
        };
        assert!(matches!(render(&map), Err(MapError::NonFinite { .. })));
    }
}
