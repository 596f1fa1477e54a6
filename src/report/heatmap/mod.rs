//! Heatmap PNGs of a data-hall floor plan: `thermal.png` (rack-inlet air, °C) and
//! `voltage.png` (voltage drop, % or V) written by `dcplan simulate`.
//!
//! Owns the figure's inputs ([`Heatmap`]: field, outlines, marker, colormap), the value →
//! colour mapping (colormaps come from `colorous`, never hand-typed tables) and the PNG write;
//! in its files:
//! - [`figure`]: the pixel layout of one figure (title, plot, axes in metres, colour bar) and
//!   its drawing;
//! - [`raster`]: the raster and text toolkit (rectangles, blending, frames, text from the
//!   embedded DejaVu Sans);
//! - [`ticks`]: tick values, decimals and labels.
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

pub mod figure;
pub mod raster;
pub mod ticks;

pub use figure::{layout, layout_at_least, render, render_at_least, Layout};
pub use raster::PixelRect;
pub use ticks::nice_ticks;

use std::path::{Path, PathBuf};

use image::codecs::png::PngEncoder;
use image::{ExtendedColorType, ImageEncoder as _, Rgb};

/// Background of the figure.
pub const BACKGROUND_RGB: Rgb<u8> = Rgb([255, 255, 255]);
/// Cells with a non-finite value (outside the hall).
pub const OUTSIDE_RGB: Rgb<u8> = Rgb([190, 190, 190]);
/// Rack outlines.
pub const OUTLINE_RGB: Rgb<u8> = Rgb([24, 24, 24]);
/// Frames, ticks and text.
pub const INK_RGB: Rgb<u8> = Rgb([20, 20, 20]);

/// Largest field side accepted; at one pixel a cell this keeps the image below ~70 MB.
pub const MAX_CELLS_PER_SIDE: usize = 4096;

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

/// Renders and writes a PNG atomically (`crate::fsio`: temporary, fsync, rename); returns the
/// PNG's bytes (the HTML report embeds them without reading the file back).
pub fn write_png(h: &Heatmap, path: &Path) -> Result<Vec<u8>, HeatmapError> {
    write_png_at_least(h, (0, 0), path)
}

/// Renders several figures at one size (the largest of their natural sizes) and writes them
/// as PNGs, `figures[k]` to `paths[k]`; returns their bytes in the same order.
pub fn write_pngs_same_size(figures: &[(&Heatmap, &Path)]) -> Result<Vec<Vec<u8>>, HeatmapError> {
    let mut size = (0, 0);
    for (h, _) in figures {
        let l = layout(h)?;
        size = (size.0.max(l.width), size.1.max(l.height));
    }
    figures
        .iter()
        .map(|(h, path)| write_png_at_least(h, size, path))
        .collect()
}

fn write_png_at_least(h: &Heatmap, min: (u32, u32), path: &Path) -> Result<Vec<u8>, HeatmapError> {
    use image::codecs::png::{CompressionType, FilterType};
    let img = render_at_least(h, min)?;
    let mut png = Vec::new();
    PngEncoder::new_with_quality(&mut png, CompressionType::Best, FilterType::Adaptive)
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
    Ok(png)
}
