//! Heatmap PNGs of a data-hall floor plan: `thermal.png` (rack-inlet air, °C) and
//! `voltage.png` (voltage drop, % or V) written by `dcplan simulate`.
//!
//! Owns: the pixel layout of one figure (title, plot, axes in metres, colour bar), the
//! value → colour mapping (colormaps come from `colorous`, never hand-typed tables), text
//! rasterised from the embedded DejaVu Sans, and the atomic PNG write.
//!
//! Invariants:
//! - every cell is a square of exactly `cell_px` × `cell_px` pixels, `cell_px >= 1`, so a
//!   cell's centre pixel carries exactly the colormap colour of its value;
//! - row `j = 0` of the field is the SOUTH row and is drawn at the bottom of the plot;
//! - non-finite values are cells outside the hall and are drawn [`OUTSIDE_RGB`];
//! - the colour range is the fixed `range` or the min..max of the finite values; a range
//!   of zero width is widened symmetrically so the colours never divide by zero;
//! - a PNG is written through `crate::fsio` (temporary name, fsync, rename), so readers
//!   never see a torn file.
//!
//! Units: field geometry, outlines and the marker in metres from the south-west corner of
//! the hall; values in whatever `unit` names (it is only printed).

use std::path::{Path, PathBuf};

use ab_glyph::{point, Font as _, FontRef, GlyphId, PxScale, ScaleFont as _};
use image::codecs::png::PngEncoder;
use image::{ExtendedColorType, ImageEncoder as _, Rgb, RgbImage};

/// DejaVu Sans (Bitstream Vera licence, see `assets/fonts/DejaVuSans-LICENSE.txt`).
static FONT_TTF: &[u8] = include_bytes!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/assets/fonts/DejaVuSans.ttf"
));

/// Background of the figure.
pub const BACKGROUND_RGB: Rgb<u8> = Rgb([255, 255, 255]);
/// Cells with a non-finite value (outside the hall).
pub const OUTSIDE_RGB: Rgb<u8> = Rgb([190, 190, 190]);
/// Rack outlines.
pub const OUTLINE_RGB: Rgb<u8> = Rgb([24, 24, 24]);
/// Frames, ticks and text.
pub const INK_RGB: Rgb<u8> = Rgb([20, 20, 20]);

/// Longest side of the plot area the cell size aims for, in pixels.
const PLOT_TARGET_PX: usize = 900;
/// Largest field side accepted; at one pixel a cell this keeps the image below ~70 MB.
pub const MAX_CELLS_PER_SIDE: usize = 4096;
const TITLE_PX: f32 = 18.0;
const LABEL_PX: f32 = 13.0;
const MARGIN_PX: i64 = 12;
const TICK_PX: i64 = 5;
const BAR_GAP_PX: i64 = 22;
const BAR_W_PX: i64 = 20;
const MIN_BAR_H_PX: i64 = 200;
const MARKER_RADIUS_PX: f64 = 9.0;
const MAX_TITLE_WIDEN_PX: i64 = 2400;
/// Guard against float-precision pathologies (e.g. a range of 6 around 1e17).
const MAX_TICKS: usize = 64;

#[derive(Debug, thiserror::Error)]
pub enum HeatmapError {
    #[error("heatmap field is empty ({nx}×{ny} cells)")]
    EmptyField { nx: usize, ny: usize },
    #[error("heatmap field of {nx}×{ny} cells is too large (at most {max} cells a side)")]
    TooLarge { nx: usize, ny: usize, max: usize },
    #[error("heatmap field has {len} values, expected {nx}×{ny} = {expected}")]
    LengthMismatch {
        nx: usize,
        ny: usize,
        expected: usize,
        len: usize,
    },
    #[error("heatmap cell size must be finite and positive, got {cell_m} m")]
    InvalidCellSize { cell_m: f64 },
    #[error("heatmap colour range {lo}..{hi} must be finite with lo <= hi")]
    InvalidRange { lo: f64, hi: f64 },
    #[error("heatmap field has no finite value to scale the colours by (pass a fixed range)")]
    NoFiniteValues,
    #[error("rack outline {index} has a non-finite coordinate")]
    InvalidOutline { index: usize },
    #[error("heatmap marker \"{label}\" is at a non-finite position ({x_m}, {y_m}) m")]
    InvalidMarker { label: String, x_m: f64, y_m: f64 },
    #[error("cannot write heatmap: {0}")]
    Write(#[from] crate::fsio::WriteError),
    /// Internal: the PNG encoder refused an image this module built.
    #[error("cannot encode heatmap PNG {}", path.display())]
    Encode {
        path: PathBuf,
        #[source]
        source: image::ImageError,
    },
    /// Internal: the embedded font did not parse.
    #[error("embedded heatmap font is unreadable")]
    Font,
}

/// A scalar field on a square grid of cells.
#[derive(Clone, Copy, Debug)]
pub struct Field<'a> {
    pub nx: usize,
    pub ny: usize,
    /// Row-major, index `j * nx + i`; `j = 0` is the SOUTH row. Non-finite = outside the hall.
    pub values: &'a [f64],
    pub cell_m: f64,
}

/// An axis-aligned rectangle in metres from the south-west corner of the hall.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Rect {
    pub x0_m: f64,
    pub y0_m: f64,
    pub x1_m: f64,
    pub y1_m: f64,
}

/// A labelled point of interest, e.g. the worst rack inlet.
#[derive(Clone, Debug, PartialEq)]
pub struct Marker {
    pub x_m: f64,
    pub y_m: f64,
    pub label: String,
}

/// Perceptually uniform colormaps from `colorous`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Colormap {
    /// Heat (thermal.png).
    Inferno,
    Magma,
    Plasma,
    /// Voltage drop (voltage.png).
    Viridis,
    Cividis,
}

impl Colormap {
    pub fn gradient(self) -> colorous::Gradient {
        match self {
            Colormap::Inferno => colorous::INFERNO,
            Colormap::Magma => colorous::MAGMA,
            Colormap::Plasma => colorous::PLASMA,
            Colormap::Viridis => colorous::VIRIDIS,
            Colormap::Cividis => colorous::CIVIDIS,
        }
    }

    /// Colour at `t` in 0..=1 (clamped; NaN gives the bottom colour).
    pub fn rgb(self, t: f64) -> Rgb<u8> {
        let t = if t.is_nan() { 0.0 } else { t };
        let c = self.gradient().eval_continuous(t);
        Rgb([c.r, c.g, c.b])
    }
}

/// Everything one figure shows.
#[derive(Clone, Debug)]
pub struct Heatmap<'a> {
    pub field: Field<'a>,
    /// One line at the top, e.g. site and condition.
    pub title: String,
    /// Printed after each colour-bar value, e.g. "°C", "%", "V".
    pub unit: String,
    pub colormap: Colormap,
    /// Rack outlines, drawn as 1-px [`OUTLINE_RGB`] lines just inside each rectangle.
    pub outlines: &'a [Rect],
    pub marker: Option<Marker>,
    /// Fixed colour range; `None` = min..max of the finite values.
    pub range: Option<(f64, f64)>,
}

/// A rectangle of pixels; `x`, `y` is the top-left pixel.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PixelRect {
    pub x: u32,
    pub y: u32,
    pub w: u32,
    pub h: u32,
}

/// Where everything goes. The plot is exactly `nx * cell_px` × `ny * cell_px` pixels with
/// `cell_px = max(1, 900 / max(nx, ny))`; the image adds margins for the title, the axes
/// and the colour bar (at least 200 px tall), and widens to fit a long title.
#[derive(Clone, Debug, PartialEq)]
pub struct Layout {
    pub width: u32,
    pub height: u32,
    pub cell_px: u32,
    /// Inside of the plot frame: the cells.
    pub plot: PixelRect,
    /// Inside of the colour-bar frame: top row is the top colour, bottom row the bottom one.
    pub bar: PixelRect,
    /// Colour range after widening a zero-width one.
    pub range: (f64, f64),
    x_ticks_m: Vec<f64>,
    y_ticks_m: Vec<f64>,
    bar_ticks: Vec<f64>,
    bar_decimals: usize,
    axis_decimals: (usize, usize),
    y_label_w: i64,
}

impl Layout {
    /// Centre pixel of cell `(i, j)`, `j = 0` being the south (bottom) row.
    pub fn cell_center(&self, i: usize, j: usize) -> (u32, u32) {
        let c = self.cell_px as usize;
        let ny = self.plot.h as usize / c;
        let x = self.plot.x as usize + i * c + c / 2;
        let y = self.plot.y as usize + (ny - 1 - j.min(ny - 1)) * c + c / 2;
        (x as u32, y as u32)
    }

    /// Pixel position of a point given in metres from the south-west corner.
    fn to_px(&self, field: &Field, x_m: f64, y_m: f64) -> (f64, f64) {
        let s = self.cell_px as f64 / field.cell_m;
        (
            self.plot.x as f64 + x_m * s,
            (self.plot.y + self.plot.h) as f64 - y_m * s,
        )
    }
}

fn font() -> Result<FontRef<'static>, HeatmapError> {
    FontRef::try_from_slice(FONT_TTF).map_err(|_| HeatmapError::Font)
}

/// Checks the input and computes the layout without drawing.
pub fn layout(h: &Heatmap) -> Result<Layout, HeatmapError> {
    let f = &h.field;
    if f.nx == 0 || f.ny == 0 {
        return Err(HeatmapError::EmptyField { nx: f.nx, ny: f.ny });
    }
    if f.nx > MAX_CELLS_PER_SIDE || f.ny > MAX_CELLS_PER_SIDE {
        return Err(HeatmapError::TooLarge {
            nx: f.nx,
            ny: f.ny,
            max: MAX_CELLS_PER_SIDE,
        });
    }
    let expected = f.nx * f.ny;
    if f.values.len() != expected {
        return Err(HeatmapError::LengthMismatch {
            nx: f.nx,
            ny: f.ny,
            expected,
            len: f.values.len(),
        });
    }
    if !(f.cell_m.is_finite() && f.cell_m > 0.0) {
        return Err(HeatmapError::InvalidCellSize { cell_m: f.cell_m });
    }
    for (index, r) in h.outlines.iter().enumerate() {
        if ![r.x0_m, r.y0_m, r.x1_m, r.y1_m]
            .iter()
            .all(|v| v.is_finite())
        {
            return Err(HeatmapError::InvalidOutline { index });
        }
    }
    if let Some(m) = &h.marker {
        if !(m.x_m.is_finite() && m.y_m.is_finite()) {
            return Err(HeatmapError::InvalidMarker {
                label: m.label.clone(),
                x_m: m.x_m,
                y_m: m.y_m,
            });
        }
    }
    let range = color_range(f.values, h.range)?;
    let font = font()?;

    let cell_px = (PLOT_TARGET_PX / f.nx.max(f.ny)).max(1);
    let plot_w = (f.nx * cell_px) as i64;
    let plot_h = (f.ny * cell_px) as i64;
    let bar_h = plot_h.max(MIN_BAR_H_PX);

    let (x_ticks_m, x_step) = nice_ticks(0.0, f.nx as f64 * f.cell_m, axis_tick_target(plot_w, 70));
    let (y_ticks_m, y_step) = nice_ticks(0.0, f.ny as f64 * f.cell_m, axis_tick_target(plot_h, 60));
    let (bar_ticks, bar_step) = nice_ticks(range.0, range.1, 6);
    let axis_decimals = (decimals_for(x_step), decimals_for(y_step));
    let bar_decimals = decimals_for(bar_step);

    let label_h = text_height(&font, LABEL_PX);
    let title_h = text_height(&font, TITLE_PX);
    let y_label_w = y_ticks_m
        .iter()
        .map(|&v| text_width(&font, LABEL_PX, &format_value(v, axis_decimals.1)))
        .max()
        .unwrap_or(0);
    let bar_label_w = bar_ticks
        .iter()
        .map(|&v| text_width(&font, LABEL_PX, &bar_label(v, bar_decimals, &h.unit)))
        .max()
        .unwrap_or(0);
    let title_w = text_width(&font, TITLE_PX, &h.title);

    // Left: rotated "y (m)", tick labels, ticks, frame.
    let left = MARGIN_PX + label_h + 6 + y_label_w + 4 + TICK_PX + 1;
    let right = 1 + BAR_GAP_PX + 1 + BAR_W_PX + 1 + TICK_PX + 4 + bar_label_w + MARGIN_PX;
    let top = MARGIN_PX + title_h + 12;
    let below_plot = 1 + TICK_PX + 3 + label_h + 4 + label_h;
    let below_bar = label_h / 2 + 1;
    let content_w = left + plot_w + right;
    // A long title widens the figure, up to a point; beyond it the title is clipped.
    let width = content_w.max((2 * MARGIN_PX + title_w).min(MAX_TITLE_WIDEN_PX));
    let x_off = (width - content_w) / 2;
    let height = top + (plot_h + below_plot).max(bar_h + below_bar) + MARGIN_PX;

    let plot = PixelRect {
        x: (x_off + left) as u32,
        y: top as u32,
        w: plot_w as u32,
        h: plot_h as u32,
    };
    let bar = PixelRect {
        x: (x_off + left + plot_w + 1 + BAR_GAP_PX + 1) as u32,
        y: top as u32,
        w: BAR_W_PX as u32,
        h: bar_h as u32,
    };
    Ok(Layout {
        width: width as u32,
        height: height as u32,
        cell_px: cell_px as u32,
        plot,
        bar,
        range,
        x_ticks_m,
        y_ticks_m,
        bar_ticks,
        bar_decimals,
        axis_decimals,
        y_label_w,
    })
}

/// Renders the figure into an RGB image of [`layout`]'s size.
pub fn render(h: &Heatmap) -> Result<RgbImage, HeatmapError> {
    let l = layout(h)?;
    let font = font()?;
    let f = &h.field;
    let mut img = RgbImage::from_pixel(l.width, l.height, BACKGROUND_RGB);
    let (lo, hi) = l.range;
    let t_of = |v: f64| (v - lo) / (hi - lo);

    // Cells, north row first so row j = 0 lands at the bottom.
    let c = l.cell_px;
    for j in 0..f.ny {
        let py0 = l.plot.y + (f.ny - 1 - j) as u32 * c;
        for i in 0..f.nx {
            let v = f.values[j * f.nx + i];
            let rgb = if v.is_finite() {
                h.colormap.rgb(t_of(v))
            } else {
                OUTSIDE_RGB
            };
            let px0 = l.plot.x + i as u32 * c;
            for y in py0..py0 + c {
                for x in px0..px0 + c {
                    img.put_pixel(x, y, rgb);
                }
            }
        }
    }

    for r in h.outlines {
        draw_outline(&mut img, &l, f, r);
    }
    draw_frame(&mut img, l.plot);

    // Axes in metres; a label is skipped where it would overlap the previous one.
    let plot_bottom = (l.plot.y + l.plot.h) as i64;
    let plot_left = l.plot.x as i64;
    let label_h = text_height(&font, LABEL_PX);
    let mut last_right = i64::MIN;
    for &x_m in &l.x_ticks_m {
        let (px, _) = l.to_px(f, x_m, 0.0);
        let px = (px.round() as i64).min(plot_left + l.plot.w as i64 - 1);
        fill_rect(&mut img, px, plot_bottom + 1, 1, TICK_PX, INK_RGB);
        let text = format_value(x_m, l.axis_decimals.0);
        let w = text_width(&font, LABEL_PX, &text);
        if px - w / 2 > last_right + 6 {
            let y = plot_bottom + 1 + TICK_PX + 3;
            draw_text(
                &mut img,
                &font,
                LABEL_PX,
                &text,
                px - w / 2,
                y,
                INK_RGB,
                false,
            );
            last_right = px + w - w / 2;
        }
    }
    let x_title = "x (m)";
    let w = text_width(&font, LABEL_PX, x_title);
    let y = plot_bottom + 1 + TICK_PX + 3 + label_h + 4;
    let cx = plot_left + l.plot.w as i64 / 2;
    draw_text(
        &mut img,
        &font,
        LABEL_PX,
        x_title,
        cx - w / 2,
        y,
        INK_RGB,
        false,
    );

    let mut last_top = i64::MAX;
    for &y_m in &l.y_ticks_m {
        let (_, py) = l.to_px(f, 0.0, y_m);
        let py = (py.round() as i64).max(l.plot.y as i64);
        fill_rect(&mut img, plot_left - 1 - TICK_PX, py, TICK_PX, 1, INK_RGB);
        if py + label_h / 2 < last_top - 2 {
            let text = format_value(y_m, l.axis_decimals.1);
            let w = text_width(&font, LABEL_PX, &text);
            let x = plot_left - 1 - TICK_PX - 4 - w;
            draw_text(
                &mut img,
                &font,
                LABEL_PX,
                &text,
                x,
                py - label_h / 2,
                INK_RGB,
                false,
            );
            last_top = py - label_h / 2;
        }
    }
    let y_title = "y (m)";
    let w = text_width(&font, LABEL_PX, y_title);
    let cy = l.plot.y as i64 + l.plot.h as i64 / 2;
    let x = l.plot.x as i64 - 1 - TICK_PX - 4 - l.y_label_w - 6 - label_h;
    draw_text(
        &mut img,
        &font,
        LABEL_PX,
        y_title,
        x,
        cy - w / 2,
        INK_RGB,
        true,
    );

    // Colour bar: top row = t 1, bottom row = t 0.
    let bh = l.bar.h;
    for r in 0..bh {
        let t = if bh > 1 {
            1.0 - r as f64 / (bh - 1) as f64
        } else {
            1.0
        };
        let rgb = h.colormap.rgb(t);
        for x in l.bar.x..l.bar.x + l.bar.w {
            img.put_pixel(x, l.bar.y + r, rgb);
        }
    }
    draw_frame(&mut img, l.bar);
    let bar_right = (l.bar.x + l.bar.w) as i64;
    let mut last_top = i64::MAX;
    for &v in &l.bar_ticks {
        let row = ((1.0 - t_of(v)) * (bh as f64 - 1.0)).round() as i64;
        let py = l.bar.y as i64 + row.clamp(0, bh as i64 - 1);
        fill_rect(&mut img, bar_right + 1, py, TICK_PX, 1, INK_RGB);
        if py + label_h / 2 < last_top - 2 {
            let text = bar_label(v, l.bar_decimals, &h.unit);
            let x = bar_right + 1 + TICK_PX + 4;
            draw_text(
                &mut img,
                &font,
                LABEL_PX,
                &text,
                x,
                py - label_h / 2,
                INK_RGB,
                false,
            );
            last_top = py - label_h / 2;
        }
    }

    // Title, centred over the whole figure.
    let w = text_width(&font, TITLE_PX, &h.title);
    let x = (l.width as i64 - w) / 2;
    draw_text(
        &mut img, &font, TITLE_PX, &h.title, x, MARGIN_PX, INK_RGB, false,
    );

    if let Some(m) = &h.marker {
        draw_marker(&mut img, &font, &l, f, m);
    }
    Ok(img)
}

/// Renders and writes a PNG atomically (`crate::fsio`: temporary, fsync, rename).
pub fn write_png(h: &Heatmap, path: &Path) -> Result<(), HeatmapError> {
    let img = render(h)?;
    let mut png = Vec::new();
    PngEncoder::new(&mut png)
        .write_image(
            img.as_raw(),
            img.width(),
            img.height(),
            ExtendedColorType::Rgb8,
        )
        .map_err(|source| HeatmapError::Encode {
            path: path.to_path_buf(),
            source,
        })?;

    crate::fsio::write_atomic(path, &png)?;
    Ok(())
}

fn color_range(values: &[f64], fixed: Option<(f64, f64)>) -> Result<(f64, f64), HeatmapError> {
    let (lo, hi) = match fixed {
        Some((lo, hi)) => {
            if !(lo.is_finite() && hi.is_finite() && lo <= hi) {
                return Err(HeatmapError::InvalidRange { lo, hi });
            }
            (lo, hi)
        }
        None => {
            let mut it = values.iter().copied().filter(|v| v.is_finite());
            let first = it.next().ok_or(HeatmapError::NoFiniteValues)?;
            it.fold((first, first), |(lo, hi), v| (lo.min(v), hi.max(v)))
        }
    };
    if hi > lo && (hi - lo).is_finite() {
        return Ok((lo, hi));
    }
    // Zero width (a constant field): centre the value in a small symmetric range.
    let half = (lo.abs() * 0.05).max(1.0);
    Ok((lo - half, lo + half))
}

fn axis_tick_target(len_px: i64, px_per_tick: i64) -> usize {
    (len_px / px_per_tick).clamp(3, 10) as usize
}

/// Tick values inside `lo..=hi` at a step of 1, 2, 2.5 or 5 × 10^k, the count closest to
/// `target` (ties go to more ticks). Returns the ticks and the step.
pub fn nice_ticks(lo: f64, hi: f64, target: usize) -> (Vec<f64>, f64) {
    let span = hi - lo;
    if !(span.is_finite() && span > 0.0) || target == 0 {
        return (vec![lo], 1.0);
    }
    const EPS: f64 = 1e-9;
    let k0 = (span / target as f64).log10().floor() as i32;
    let mut best: Option<(usize, f64)> = None;
    for k in k0 - 1..=k0 + 1 {
        for m in [1.0, 2.0, 2.5, 5.0] {
            let step = m * 10f64.powi(k);
            let first = (lo / step - EPS).ceil();
            let last = (hi / step + EPS).floor();
            let count = (last - first + 1.0).max(0.0) as usize;
            let score = count.abs_diff(target);
            let better = match best {
                None => true,
                Some((best_score, best_step)) => {
                    score < best_score || (score == best_score && step < best_step)
                }
            };
            if better {
                best = Some((score, step));
            }
        }
    }
    let step = best.map_or(span, |(_, s)| s);
    let first = (lo / step - EPS).ceil() as i64;
    let last = (hi / step + EPS).floor() as i64;
    let ticks = (first..=last)
        .take(MAX_TICKS)
        .map(|i| i as f64 * step)
        .collect();
    (ticks, step)
}

/// Fewest decimals that print every multiple of `step` exactly.
fn decimals_for(step: f64) -> usize {
    (0..=6)
        .find(|&d| {
            let s = step * 10f64.powi(d as i32);
            (s - s.round()).abs() < 1e-6 * s.abs().max(1.0)
        })
        .unwrap_or(6)
}

fn format_value(v: f64, decimals: usize) -> String {
    let s = format!("{v:.decimals$}");
    // "-0.0" reads as a bug on an axis.
    if s.starts_with('-') && s[1..].chars().all(|c| c == '0' || c == '.') {
        s[1..].to_string()
    } else {
        s
    }
}

fn bar_label(v: f64, decimals: usize, unit: &str) -> String {
    let v = format_value(v, decimals);
    if unit.is_empty() {
        v
    } else {
        format!("{v} {unit}")
    }
}

fn draw_outline(img: &mut RgbImage, l: &Layout, f: &Field, r: &Rect) {
    let (ax, ay) = l.to_px(f, r.x0_m.min(r.x1_m), r.y0_m.min(r.y1_m));
    let (bx, by) = l.to_px(f, r.x0_m.max(r.x1_m), r.y0_m.max(r.y1_m));
    // Pixel edges of the rectangle; the line sits on the pixels just inside them.
    let left = ax.round() as i64;
    let right = (bx.round() as i64 - 1).max(left);
    let top = by.round() as i64;
    let bottom = (ay.round() as i64 - 1).max(top);
    let clip = l.plot;
    let mut put = |x: i64, y: i64| {
        if x >= clip.x as i64
            && x < (clip.x + clip.w) as i64
            && y >= clip.y as i64
            && y < (clip.y + clip.h) as i64
        {
            img.put_pixel(x as u32, y as u32, OUTLINE_RGB);
        }
    };
    let (x_lo, x_hi) = (
        left.max(clip.x as i64 - 1),
        right.min((clip.x + clip.w) as i64),
    );
    for x in x_lo..=x_hi {
        put(x, top);
        put(x, bottom);
    }
    let (y_lo, y_hi) = (
        top.max(clip.y as i64 - 1),
        bottom.min((clip.y + clip.h) as i64),
    );
    for y in y_lo..=y_hi {
        put(left, y);
        put(right, y);
    }
}

/// A 1-px frame just outside `r`.
fn draw_frame(img: &mut RgbImage, r: PixelRect) {
    let (x0, y0) = (r.x as i64 - 1, r.y as i64 - 1);
    let (w, h) = (r.w as i64 + 2, r.h as i64 + 2);
    fill_rect(img, x0, y0, w, 1, INK_RGB);
    fill_rect(img, x0, y0 + h - 1, w, 1, INK_RGB);
    fill_rect(img, x0, y0, 1, h, INK_RGB);
    fill_rect(img, x0 + w - 1, y0, 1, h, INK_RGB);
}

fn fill_rect(img: &mut RgbImage, x: i64, y: i64, w: i64, h: i64, rgb: Rgb<u8>) {
    for yy in y.max(0)..(y + h).min(img.height() as i64) {
        for xx in x.max(0)..(x + w).min(img.width() as i64) {
            img.put_pixel(xx as u32, yy as u32, rgb);
        }
    }
}

fn blend(img: &mut RgbImage, x: i64, y: i64, rgb: Rgb<u8>, alpha: f32) {
    if alpha <= 0.0 || x < 0 || y < 0 || x >= img.width() as i64 || y >= img.height() as i64 {
        return;
    }
    let a = alpha.min(1.0);
    let p = img.get_pixel_mut(x as u32, y as u32);
    for (dst, src) in p.0.iter_mut().zip(rgb.0) {
        *dst = (*dst as f32 * (1.0 - a) + src as f32 * a).round() as u8;
    }
}

/// A ring with a white halo and a centre dot, readable on every colormap, plus its label
/// on a light box beside it (left of the ring when the right side would leave the plot).
fn draw_marker(img: &mut RgbImage, font: &FontRef, l: &Layout, f: &Field, m: &Marker) {
    let (cx, cy) = l.to_px(f, m.x_m, m.y_m);
    // A marker far outside the hall is drawn (clipped) just off the image, never overflows.
    let cx = cx.clamp(-100.0, l.width as f64 + 100.0);
    let cy = cy.clamp(-100.0, l.height as f64 + 100.0);
    let r = MARKER_RADIUS_PX;
    let reach = (r + 4.0).ceil() as i64;
    let (ix, iy) = (cx.floor() as i64, cy.floor() as i64);
    for pass in 0..2 {
        let (rgb, half_w, dot) = if pass == 0 {
            (BACKGROUND_RGB, 2.6, 3.4)
        } else {
            (INK_RGB, 1.1, 1.8)
        };
        for y in iy - reach..=iy + reach {
            for x in ix - reach..=ix + reach {
                let d = ((x as f64 + 0.5 - cx).powi(2) + (y as f64 + 0.5 - cy).powi(2)).sqrt();
                let ring = (half_w + 0.5 - (d - r).abs()).clamp(0.0, 1.0);
                let centre = (dot + 0.5 - d).clamp(0.0, 1.0);
                blend(img, x, y, rgb, ring.max(centre) as f32);
            }
        }
    }
    if m.label.is_empty() {
        return;
    }
    let w = text_width(font, LABEL_PX, &m.label);
    let h = text_height(font, LABEL_PX);
    let gap = (r + 6.0) as i64;
    let plot_right = (l.plot.x + l.plot.w) as i64;
    let mut x = ix + gap;
    if x + w > plot_right && ix - gap - w >= 0 {
        x = ix - gap - w;
    }
    let y = (iy - h / 2).clamp(0, (img.height() as i64 - h).max(0));
    for yy in y - 2..y + h + 2 {
        for xx in x - 3..x + w + 3 {
            blend(img, xx, yy, BACKGROUND_RGB, 0.8);
        }
    }
    draw_text(img, font, LABEL_PX, &m.label, x, y, INK_RGB, false);
}

/// Anti-aliased coverage of one line of text: `w` × `h` alphas, baseline at `ascent`.
struct TextMask {
    w: usize,
    h: usize,
    alpha: Vec<f32>,
}

/// Layout of one line: glyphs with their pen positions, and the advance width.
fn shape(font: &FontRef, size_px: f32, text: &str) -> (Vec<ab_glyph::Glyph>, f32) {
    let scale = PxScale::from(size_px);
    let scaled = font.as_scaled(scale);
    let mut caret = 0.0f32;
    let mut prev: Option<GlyphId> = None;
    let mut glyphs = Vec::new();
    for ch in text.chars().filter(|c| !c.is_control()) {
        let id = scaled.glyph_id(ch);
        if let Some(p) = prev {
            caret += scaled.kern(p, id);
        }
        glyphs.push(id.with_scale_and_position(scale, point(caret, scaled.ascent())));
        caret += scaled.h_advance(id);
        prev = Some(id);
    }
    (glyphs, caret)
}

fn text_width(font: &FontRef, size_px: f32, text: &str) -> i64 {
    shape(font, size_px, text).1.ceil() as i64
}

fn text_height(font: &FontRef, size_px: f32) -> i64 {
    let scaled = font.as_scaled(PxScale::from(size_px));
    (scaled.ascent() - scaled.descent()).ceil() as i64
}

fn rasterize(font: &FontRef, size_px: f32, text: &str) -> TextMask {
    let (glyphs, advance) = shape(font, size_px, text);
    let w = advance.ceil().max(0.0) as usize + 1;
    let h = text_height(font, size_px).max(0) as usize;
    let mut alpha = vec![0.0f32; w * h];
    for g in glyphs {
        let Some(outlined) = font.outline_glyph(g) else {
            continue; // blank glyphs such as spaces
        };
        let b = outlined.px_bounds();
        outlined.draw(|gx, gy, c| {
            let x = b.min.x as i64 + gx as i64;
            let y = b.min.y as i64 + gy as i64;
            if x >= 0 && y >= 0 && (x as usize) < w && (y as usize) < h {
                let a = &mut alpha[y as usize * w + x as usize];
                *a = (*a + c).min(1.0);
            }
        });
    }
    TextMask { w, h, alpha }
}

/// Blends `text` with its top-left corner at `(x, y)`. `rotated` turns it 90° counter-
/// clockwise (reading bottom to top); the box is then `height` wide and `width` tall.
#[allow(clippy::too_many_arguments)]
fn draw_text(
    img: &mut RgbImage,
    font: &FontRef,
    size_px: f32,
    text: &str,
    x: i64,
    y: i64,
    rgb: Rgb<u8>,
    rotated: bool,
) {
    let m = rasterize(font, size_px, text);
    for my in 0..m.h {
        for mx in 0..m.w {
            let a = m.alpha[my * m.w + mx];
            let (px, py) = if rotated {
                (x + my as i64, y + (m.w - 1 - mx) as i64)
            } else {
                (x + mx as i64, y + my as i64)
            };
            blend(img, px, py, rgb, a);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const NX: usize = 8;
    const NY: usize = 4;

    /// v = i + 10 j: warmer to the east and much warmer to the north; hottest at (7, 3).
    fn gradient_values() -> Vec<f64> {
        (0..NY)
            .flat_map(|j| (0..NX).map(move |i| i as f64 + 10.0 * j as f64))
            .collect()
    }

    fn heatmap<'a>(values: &'a [f64], outlines: &'a [Rect]) -> Heatmap<'a> {
        Heatmap {
            field: Field {
                nx: NX,
                ny: NY,
                values,
                cell_m: 0.5,
            },
            title: "Test hall — design day".to_string(),
            unit: "°C".to_string(),
            colormap: Colormap::Inferno,
            outlines,
            marker: None,
            range: None,
        }
    }

    fn expected(cm: colorous::Gradient, t: f64) -> Rgb<u8> {
        let c = cm.eval_continuous(t);
        Rgb([c.r, c.g, c.b])
    }

    fn is_dark(p: &Rgb<u8>) -> bool {
        p.0.iter().all(|&c| c < 100)
    }

    #[test]
    fn image_has_documented_size() {
        let v = gradient_values();
        let h = heatmap(&v, &[]);
        let l = layout(&h).unwrap();
        let img = render(&h).unwrap();
        assert_eq!(l.cell_px as usize, (900 / NX).max(1));
        assert_eq!(l.plot.w as usize, NX * l.cell_px as usize);
        assert_eq!(l.plot.h as usize, NY * l.cell_px as usize);
        assert_eq!(img.dimensions(), (l.width, l.height));
        assert!(
            l.plot.x + l.plot.w < l.bar.x,
            "colour bar right of the plot"
        );
        assert!(l.bar.x + l.bar.w < l.width);
        assert!(l.plot.y + l.plot.h < l.height);
        assert!(l.bar.h >= l.plot.h && l.bar.h >= 200);
    }

    #[test]
    fn cell_centre_has_colormap_colour_and_south_row_is_at_bottom() {
        let v = gradient_values();
        let h = heatmap(&v, &[]);
        let l = layout(&h).unwrap();
        let img = render(&h).unwrap();
        let (lo, hi) = (0.0, 37.0);
        assert_eq!(l.range, (lo, hi));
        for (i, j) in [(0, 0), (3, 1), (5, 2), (7, 3)] {
            let val = v[j * NX + i];
            let (x, y) = l.cell_center(i, j);
            assert_eq!(
                *img.get_pixel(x, y),
                expected(colorous::INFERNO, (val - lo) / (hi - lo)),
                "cell ({i}, {j})"
            );
        }
        // Hottest cell = top colour, coldest = bottom colour.
        let (x, y) = l.cell_center(7, 3);
        assert_eq!(*img.get_pixel(x, y), expected(colorous::INFERNO, 1.0));
        let (x, y) = l.cell_center(0, 0);
        assert_eq!(*img.get_pixel(x, y), expected(colorous::INFERNO, 0.0));
        // South row (coldest) is the bottom row of the plot, north row the top.
        let bottom_left = img.get_pixel(l.plot.x, l.plot.y + l.plot.h - 1);
        let top_left = img.get_pixel(l.plot.x, l.plot.y);
        assert_eq!(*bottom_left, expected(colorous::INFERNO, 0.0));
        assert_eq!(*top_left, expected(colorous::INFERNO, 30.0 / 37.0));
    }

    #[test]
    fn colour_bar_ends_carry_top_and_bottom_colours() {
        let v = gradient_values();
        let mut h = heatmap(&v, &[]);
        h.colormap = Colormap::Viridis;
        let l = layout(&h).unwrap();
        let img = render(&h).unwrap();
        let x = l.bar.x + l.bar.w / 2;
        assert_eq!(*img.get_pixel(x, l.bar.y), expected(colorous::VIRIDIS, 1.0));
        assert_eq!(
            *img.get_pixel(x, l.bar.y + l.bar.h - 1),
            expected(colorous::VIRIDIS, 0.0)
        );
        assert!(is_dark(img.get_pixel(x, l.bar.y - 1)), "bar frame");
    }

    #[test]
    fn outline_pixels_are_outline_colour() {
        let v = gradient_values();
        // Cells 2..4 × 1..3 at 0.5 m a cell.
        let racks = [Rect {
            x0_m: 1.0,
            y0_m: 0.5,
            x1_m: 2.0,
            y1_m: 1.5,
        }];
        let h = heatmap(&v, &racks);
        let l = layout(&h).unwrap();
        let img = render(&h).unwrap();
        let c = l.cell_px;
        let left = l.plot.x + 2 * c;
        let right = l.plot.x + 4 * c - 1;
        let top = l.plot.y + (NY as u32 - 3) * c;
        let bottom = l.plot.y + (NY as u32 - 1) * c - 1;
        let mid_y = (top + bottom) / 2;
        let mid_x = (left + right) / 2;
        for (x, y) in [(left, mid_y), (right, mid_y), (mid_x, top), (mid_x, bottom)] {
            assert_eq!(*img.get_pixel(x, y), OUTLINE_RGB, "outline at ({x}, {y})");
        }
        // One pixel inside is the cell colour again.
        assert_ne!(*img.get_pixel(left + 1, mid_y), OUTLINE_RGB);
        let (x, y) = l.cell_center(2, 1);
        assert_eq!(
            *img.get_pixel(x, y),
            expected(colorous::INFERNO, 12.0 / 37.0)
        );
    }

    #[test]
    fn text_is_drawn_anti_aliased() {
        let v = gradient_values();
        let h = heatmap(&v, &[]);
        let l = layout(&h).unwrap();
        let img = render(&h).unwrap();
        let title_band = (0..l.plot.y - 1)
            .flat_map(|y| (0..l.width).map(move |x| (x, y)))
            .map(|(x, y)| *img.get_pixel(x, y));
        let (mut dark, mut grey) = (0, 0);
        for p in title_band {
            if is_dark(&p) {
                dark += 1;
            } else if p != BACKGROUND_RGB {
                grey += 1;
            }
        }
        assert!(dark > 50, "title has dark pixels ({dark})");
        assert!(grey > 50, "title has anti-aliased edges ({grey})");
        // Colour-bar labels to the right of the bar.
        let labels = (l.bar.y..l.bar.y + l.bar.h)
            .flat_map(|y| (l.bar.x + l.bar.w + 8..l.width).map(move |x| (x, y)))
            .filter(|&(x, y)| is_dark(img.get_pixel(x, y)))
            .count();
        assert!(labels > 50, "colour-bar labels ({labels})");
    }

    #[test]
    fn nan_cells_are_grey_and_constant_field_is_mid_colour() {
        let mut v = vec![21.0; NX * NY];
        v[0] = f64::NAN;
        v[NX * NY - 1] = f64::INFINITY;
        let h = heatmap(&v, &[]);
        let l = layout(&h).unwrap();
        let img = render(&h).unwrap();
        let (x, y) = l.cell_center(0, 0);
        assert_eq!(*img.get_pixel(x, y), OUTSIDE_RGB);
        let (x, y) = l.cell_center(NX - 1, NY - 1);
        assert_eq!(*img.get_pixel(x, y), OUTSIDE_RGB);
        let (lo, hi) = l.range;
        assert!(lo < 21.0 && hi > 21.0);
        let (x, y) = l.cell_center(3, 2);
        assert_eq!(
            *img.get_pixel(x, y),
            expected(colorous::INFERNO, (21.0 - lo) / (hi - lo))
        );
    }

    #[test]
    fn fixed_range_clamps() {
        let v = gradient_values();
        let mut h = heatmap(&v, &[]);
        h.range = Some((10.0, 20.0));
        let l = layout(&h).unwrap();
        let img = render(&h).unwrap();
        let (x, y) = l.cell_center(0, 0);
        assert_eq!(*img.get_pixel(x, y), expected(colorous::INFERNO, 0.0));
        let (x, y) = l.cell_center(7, 3);
        assert_eq!(*img.get_pixel(x, y), expected(colorous::INFERNO, 1.0));
        h.range = Some((5.0, f64::NAN));
        assert!(matches!(render(&h), Err(HeatmapError::InvalidRange { .. })));
    }

    #[test]
    fn marker_is_drawn() {
        let v = vec![0.0; NX * NY];
        let mut h = heatmap(&v, &[]);
        h.range = Some((0.0, 1.0));
        h.marker = Some(Marker {
            x_m: 1.0,
            y_m: 1.0,
            label: "worst 31.2 °C".to_string(),
        });
        let l = layout(&h).unwrap();
        let img = render(&h).unwrap();
        let (cx, cy) = l.to_px(&h.field, 1.0, 1.0);
        let ring = img.get_pixel((cx + MARKER_RADIUS_PX) as u32, cy as u32);
        assert!(is_dark(ring), "ring at radius: {ring:?}");
        let halo = img.get_pixel((cx + MARKER_RADIUS_PX + 1.5) as u32, cy as u32);
        assert!(halo.0.iter().all(|&c| c > 150), "halo: {halo:?}");
    }

    #[test]
    fn input_errors() {
        let v = gradient_values();
        let mut h = heatmap(&v[..NX * NY - 1], &[]);
        let err = render(&h).unwrap_err();
        assert!(matches!(
            err,
            HeatmapError::LengthMismatch {
                expected: 32,
                len: 31,
                ..
            }
        ));
        assert!(err.to_string().contains("31"));
        h.field.values = &[];
        h.field.nx = 0;
        assert!(matches!(render(&h), Err(HeatmapError::EmptyField { .. })));
        let nan = vec![f64::NAN; NX * NY];
        let h = heatmap(&nan, &[]);
        assert!(matches!(render(&h), Err(HeatmapError::NoFiniteValues)));
        let mut h = heatmap(&v, &[]);
        h.field.cell_m = 0.0;
        assert!(matches!(
            render(&h),
            Err(HeatmapError::InvalidCellSize { .. })
        ));
        let bad = [Rect {
            x0_m: 0.0,
            y0_m: f64::NAN,
            x1_m: 1.0,
            y1_m: 1.0,
        }];
        let h = heatmap(&v, &bad);
        assert!(matches!(
            render(&h),
            Err(HeatmapError::InvalidOutline { index: 0 })
        ));
    }

    #[test]
    fn write_png_round_trips_and_names_unwritable_path() {
        let v = gradient_values();
        let h = heatmap(&v, &[]);
        let dir = std::env::temp_dir().join(format!("dcplan-heatmap-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("thermal.png");
        write_png(&h, &path).unwrap();
        let img = image::load_from_memory_with_format(
            &std::fs::read(&path).unwrap(),
            image::ImageFormat::Png,
        )
        .unwrap();
        let l = layout(&h).unwrap();
        assert_eq!((img.width(), img.height()), (l.width, l.height));
        assert_eq!(img.to_rgb8(), render(&h).unwrap());
        // No temporary left behind.
        let names: Vec<_> = std::fs::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names, vec![std::ffi::OsString::from("thermal.png")]);
        std::fs::remove_dir_all(&dir).unwrap();

        let missing = dir.join("no-such-dir").join("thermal.png");
        let err = write_png(&h, &missing).unwrap_err();
        assert!(matches!(err, HeatmapError::Write { .. }));
        assert!(err.to_string().contains("no-such-dir"), "{err}");
    }

    #[test]
    fn extreme_values_do_not_panic() {
        for v in [
            vec![-1e308, 1e308],
            vec![1e17, 1e17 + 16.0],
            vec![1e-300, 2e-300],
            vec![f64::NEG_INFINITY, 5.0],
        ] {
            let h = Heatmap {
                field: Field {
                    nx: 2,
                    ny: 1,
                    values: &v,
                    cell_m: 1e-3,
                },
                title: "x".repeat(2000),
                unit: String::new(),
                colormap: Colormap::Magma,
                outlines: &[],
                marker: Some(Marker {
                    x_m: -50.0,
                    y_m: 1e300,
                    label: "far away".to_string(),
                }),
                range: None,
            };
            let img = render(&h).unwrap();
            assert!(img.width() <= 2400 + 900 + 400);
        }
    }

    #[test]
    fn nice_ticks_are_nice() {
        // Ranges where some 1, 2, 2.5, 5 × 10^k step gives 5..=7 ticks inside the range.
        for (lo, hi) in [
            (0.0, 30.0),
            (18.3, 31.7),
            (0.0, 1.0),
            (-2.0, 3.0),
            (0.012, 0.047),
            (220.0, 240.0),
            (0.0, 100.0),
        ] {
            let (ticks, step) = nice_ticks(lo, hi, 6);
            assert!((5..=7).contains(&ticks.len()), "{lo}..{hi}: {ticks:?}");
            let mantissa = step / 10f64.powf(step.log10().floor());
            assert!(
                [1.0, 2.0, 2.5, 5.0]
                    .iter()
                    .any(|m| (m - mantissa).abs() < 1e-9),
                "step {step}"
            );
            assert!(ticks.iter().all(|&t| t >= lo - 1e-9 && t <= hi + 1e-9));
        }
        // Elsewhere (0..37: step 5 gives 8, step 10 gives 4) the count stays within one.
        for k in 1..200 {
            let (lo, hi) = (0.37 * k as f64, 0.37 * k as f64 + 1.3 * k as f64);
            let (ticks, _) = nice_ticks(lo, hi, 6);
            assert!((4..=8).contains(&ticks.len()), "{lo}..{hi}: {ticks:?}");
        }
        assert_eq!(format_value(-0.0001, 1), "0.0");
        assert_eq!(decimals_for(2.5), 1);
        assert_eq!(decimals_for(0.25), 2);
        assert_eq!(decimals_for(20.0), 0);
    }
}
