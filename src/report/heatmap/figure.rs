//! The figure: where the title, the plot of cells, the axes in metres and the colour bar go
//! ([`layout`]), and drawing them in that layout ([`render`]).

use image::RgbImage;

use super::raster::{blend, draw_frame, fill_rect, font, Pen, PixelRect};
use super::ticks::{axis_tick_target, decimals_for, format_value, nice_ticks, with_unit};
use super::{
    Field, Heatmap, HeatmapError, Marker, Rect, BACKGROUND_RGB, INK_RGB, MAX_CELLS_PER_SIDE,
    OUTLINE_RGB, OUTSIDE_RGB,
};
use crate::report::text;

/// Longest side of the plot area the cell size aims for, in pixels.
const PLOT_TARGET_PX: usize = 900;
const TITLE_PX: f32 = 18.0;
const LABEL_PX: f32 = 13.0;
const MARGIN_PX: i64 = 12;
const TICK_PX: i64 = 5;
const BAR_GAP_PX: i64 = 22;
const BAR_W_PX: i64 = 20;
const MIN_BAR_H_PX: i64 = 200;
const MARKER_RADIUS_PX: f64 = 9.0;
const MAX_TITLE_WIDEN_PX: i64 = 2400;

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

/// Checks the input and computes the layout without drawing.
pub fn layout(h: &Heatmap) -> Result<Layout, HeatmapError> {
    layout_at_least(h, (0, 0))
}

/// [`layout`] on an image at least `min` (width, height) pixels: the figure is centred across
/// the extra width, the extra height is left below it. Figures shown side by side (a site's
/// thermal and voltage maps) are laid out at the larger of their natural sizes.
pub fn layout_at_least(h: &Heatmap, min: (u32, u32)) -> Result<Layout, HeatmapError> {
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
    let (label, title) = pens(font);

    let cell_px = (PLOT_TARGET_PX / f.nx.max(f.ny)).max(1);
    let plot_w = (f.nx * cell_px) as i64;
    let plot_h = (f.ny * cell_px) as i64;
    let bar_h = plot_h.max(MIN_BAR_H_PX);

    let (x_ticks_m, x_step) = nice_ticks(0.0, f.nx as f64 * f.cell_m, axis_tick_target(plot_w, 70));
    let (y_ticks_m, y_step) = nice_ticks(0.0, f.ny as f64 * f.cell_m, axis_tick_target(plot_h, 60));
    let (bar_ticks, bar_step) = nice_ticks(range.0, range.1, 6);
    let axis_decimals = (decimals_for(x_step), decimals_for(y_step));
    let bar_decimals = decimals_for(bar_step);

    let label_h = label.height();
    let title_h = title.height();
    let y_label_w = label.widest(y_ticks_m.iter().map(|&v| format_value(v, axis_decimals.1)));
    let bar_label_w = label.widest(
        bar_ticks
            .iter()
            .map(|&v| with_unit(v, bar_decimals, &h.unit)),
    );
    let title_w = title.width(&h.title);

    // Left: rotated "y (m)", tick labels, ticks, frame.
    let left = MARGIN_PX + label_h + 6 + y_label_w + 4 + TICK_PX + 1;
    let right = 1 + BAR_GAP_PX + 1 + BAR_W_PX + 1 + TICK_PX + 4 + bar_label_w + MARGIN_PX;
    let top = MARGIN_PX + title_h + 12;
    let below_plot = 1 + TICK_PX + 3 + label_h + 4 + label_h;
    let below_bar = label_h / 2 + 1;
    let content_w = left + plot_w + right;
    // A long title widens the figure, up to a point; beyond it the title is clipped.
    let width = content_w
        .max((2 * MARGIN_PX + title_w).min(MAX_TITLE_WIDEN_PX))
        .max(min.0 as i64);
    let x_off = (width - content_w) / 2;
    let height = (top + (plot_h + below_plot).max(bar_h + below_bar) + MARGIN_PX).max(min.1 as i64);

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
    render_at_least(h, (0, 0))
}

/// Renders the figure into an RGB image of [`layout_at_least`]'s size.
pub fn render_at_least(h: &Heatmap, min: (u32, u32)) -> Result<RgbImage, HeatmapError> {
    let l = layout_at_least(h, min)?;
    let font = font()?;
    let (label, title) = pens(font);
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
    draw_frame(&mut img, l.plot, INK_RGB);

    // Axes in metres; a label is skipped where it would overlap the previous one.
    let plot_bottom = (l.plot.y + l.plot.h) as i64;
    let plot_left = l.plot.x as i64;
    let label_h = label.height();
    let mut last_right = i64::MIN;
    for &x_m in &l.x_ticks_m {
        let (px, _) = l.to_px(f, x_m, 0.0);
        let px = (px.round() as i64).min(plot_left + l.plot.w as i64 - 1);
        fill_rect(&mut img, px, plot_bottom + 1, 1, TICK_PX, INK_RGB);
        let text = format_value(x_m, l.axis_decimals.0);
        let w = label.width(&text);
        if px - w / 2 > last_right + 6 {
            label.draw(&mut img, &text, px - w / 2, plot_bottom + 1 + TICK_PX + 3);
            last_right = px + w - w / 2;
        }
    }
    let x_title = "x (m)";
    let y = plot_bottom + 1 + TICK_PX + 3 + label_h + 4;
    let cx = plot_left + l.plot.w as i64 / 2;
    label.draw(&mut img, x_title, cx - label.width(x_title) / 2, y);

    let y_ticks = l.y_ticks_m.iter().map(|&y_m| {
        let (_, py) = l.to_px(f, 0.0, y_m);
        let py = (py.round() as i64).max(l.plot.y as i64);
        (py, format_value(y_m, l.axis_decimals.1))
    });
    draw_row_ticks(&mut img, &label, plot_left - 1, Side::Left, y_ticks);
    let y_title = "y (m)";
    let cy = l.plot.y as i64 + l.plot.h as i64 / 2;
    let x = l.plot.x as i64 - 1 - TICK_PX - 4 - l.y_label_w - 6 - label_h;
    label.draw_rotated(&mut img, y_title, x, cy - label.width(y_title) / 2);

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
    draw_frame(&mut img, l.bar, INK_RGB);
    let bar_ticks = l.bar_ticks.iter().map(|&v| {
        let row = ((1.0 - t_of(v)) * (bh as f64 - 1.0)).round() as i64;
        let py = l.bar.y as i64 + row.clamp(0, bh as i64 - 1);
        (py, with_unit(v, l.bar_decimals, &h.unit))
    });
    let bar_right = (l.bar.x + l.bar.w) as i64;
    draw_row_ticks(&mut img, &label, bar_right + 1, Side::Right, bar_ticks);

    // Title, centred over the whole figure.
    let x = (l.width as i64 - title.width(&h.title)) / 2;
    title.draw(&mut img, &h.title, x, MARGIN_PX);

    if let Some(m) = &h.marker {
        draw_marker(&mut img, &label, &l, f, m);
    }
    Ok(img)
}

/// The label and title pens.
fn pens(font: &text::Fonts) -> (Pen<'_>, Pen<'_>) {
    let pen = |size_px| Pen {
        font,
        size_px,
        rgb: INK_RGB,
    };
    (pen(LABEL_PX), pen(TITLE_PX))
}

/// Which side of a vertical edge ticks stand on.
#[derive(Clone, Copy)]
enum Side {
    Left,
    Right,
}

/// Ticks along a vertical edge at `edge_x` (the y axis, the colour bar): a mark at each pixel
/// row with its label beyond it, a label skipped where it would overlap the one above.
fn draw_row_ticks(
    img: &mut RgbImage,
    label: &Pen,
    edge_x: i64,
    side: Side,
    ticks: impl IntoIterator<Item = (i64, String)>,
) {
    let half_h = label.height() / 2;
    let mut last_top = i64::MAX;
    for (py, text) in ticks {
        let tick_x = match side {
            Side::Left => edge_x - TICK_PX,
            Side::Right => edge_x,
        };
        fill_rect(img, tick_x, py, TICK_PX, 1, INK_RGB);
        if py + half_h < last_top - 2 {
            let x = match side {
                Side::Left => tick_x - 4 - label.width(&text),
                Side::Right => tick_x + TICK_PX + 4,
            };
            label.draw(img, &text, x, py - half_h);
            last_top = py - half_h;
        }
    }
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

/// A ring with a white halo and a centre dot, readable on every colormap, plus its label
/// on a light box beside it (left of the ring when the right side would leave the plot),
/// kept inside the plot so that it never covers the axis labels.
fn draw_marker(img: &mut RgbImage, label: &Pen, l: &Layout, f: &Field, m: &Marker) {
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
    let w = label.width(&m.label);
    let h = label.height();
    let gap = (r + 6.0) as i64;
    let plot_right = (l.plot.x + l.plot.w) as i64;
    let plot_left = l.plot.x as i64;
    let mut x = ix + gap;
    if x + w > plot_right && ix - gap - w >= 0 {
        x = ix - gap - w;
    }
    // keep the label off the axes: inside the plot where it fits
    if w + 6 <= plot_right - plot_left {
        x = x.clamp(plot_left + 3, plot_right - w - 3);
    }
    let y = (iy - h / 2).clamp(0, (img.height() as i64 - h).max(0));
    for yy in y - 2..y + h + 2 {
        for xx in x - 3..x + w + 3 {
            blend(img, xx, yy, BACKGROUND_RGB, 0.8);
        }
    }
    label.draw(img, &m.label, x, y);
}

#[cfg(test)]
mod tests {
    use super::super::{write_png, Colormap};
    use super::*;
    use image::Rgb;

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
    fn a_minimum_size_centres_the_figure_and_keeps_the_cells() {
        let v = gradient_values();
        let h = heatmap(&v, &[]);
        let natural = layout(&h).unwrap();
        let big = layout_at_least(&h, (natural.width + 100, natural.height + 40)).unwrap();
        assert_eq!(
            (big.width, big.height),
            (natural.width + 100, natural.height + 40)
        );
        assert_eq!(big.plot.x, natural.plot.x + 50);
        assert_eq!((big.plot.y, big.cell_px), (natural.plot.y, natural.cell_px));
        let img = render_at_least(&h, (big.width, big.height)).unwrap();
        assert_eq!(img.dimensions(), (big.width, big.height));
        let (x, y) = big.cell_center(7, 3);
        assert_eq!(*img.get_pixel(x, y), expected(colorous::INFERNO, 1.0));
        // a smaller minimum changes nothing
        assert_eq!(layout_at_least(&h, (10, 10)).unwrap(), natural);
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
}
