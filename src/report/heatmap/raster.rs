//! A small raster and text toolkit over `image::RgbImage`: clipped rectangles, alpha blending,
//! 1-px frames, and anti-aliased text in the shipped fonts of `report::text` (Hangul first,
//! DejaVu Sans as fallback; one line, upright or turned 90° counter-clockwise). Knows nothing
//! about heatmaps.
//!
//! Coordinates are pixels from the top-left corner, signed so that shapes may hang off the
//! image: everything outside it is clipped, never an error.

use image::{Rgb, RgbImage};

use super::HeatmapError;
use crate::report::text::{self, Fonts};

/// The shipped fonts.
pub fn font() -> Result<&'static Fonts, HeatmapError> {
    text::fonts().map_err(|_| HeatmapError::Font)
}

/// A rectangle of pixels; `x`, `y` is the top-left pixel.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PixelRect {
    pub x: u32,
    pub y: u32,
    pub w: u32,
    pub h: u32,
}

/// Fills `w` × `h` pixels from `(x, y)`, clipped to the image.
pub fn fill_rect(img: &mut RgbImage, x: i64, y: i64, w: i64, h: i64, rgb: Rgb<u8>) {
    for yy in y.max(0)..(y + h).min(img.height() as i64) {
        for xx in x.max(0)..(x + w).min(img.width() as i64) {
            img.put_pixel(xx as u32, yy as u32, rgb);
        }
    }
}

/// A 1-px frame just outside `r`.
pub fn draw_frame(img: &mut RgbImage, r: PixelRect, rgb: Rgb<u8>) {
    let (x0, y0) = (r.x as i64 - 1, r.y as i64 - 1);
    let (w, h) = (r.w as i64 + 2, r.h as i64 + 2);
    fill_rect(img, x0, y0, w, 1, rgb);
    fill_rect(img, x0, y0 + h - 1, w, 1, rgb);
    fill_rect(img, x0, y0, 1, h, rgb);
    fill_rect(img, x0 + w - 1, y0, 1, h, rgb);
}

/// Mixes `rgb` into one pixel with opacity `alpha` (0..=1); off-image pixels are skipped.
pub fn blend(img: &mut RgbImage, x: i64, y: i64, rgb: Rgb<u8>, alpha: f32) {
    text::blend(img, x, y, rgb, alpha);
}

/// Text of one size and colour in the shipped fonts.
#[derive(Clone, Copy)]
pub struct Pen<'f> {
    pub font: &'f Fonts,
    pub size_px: f32,
    pub rgb: Rgb<u8>,
}

impl Pen<'_> {
    /// Advance width of `text`, pixels (rounded up).
    pub fn width(&self, text: &str) -> i64 {
        self.font.width(self.size_px, text)
    }

    /// Ascent plus descent, pixels (rounded up): the height of one line.
    pub fn height(&self) -> i64 {
        self.font.line_height(self.size_px)
    }

    /// The widest of `texts`, 0 when there is none.
    pub fn widest(&self, texts: impl IntoIterator<Item = String>) -> i64 {
        texts.into_iter().map(|t| self.width(&t)).max().unwrap_or(0)
    }

    /// Blends `text` with its top-left corner at `(x, y)`.
    pub fn draw(&self, img: &mut RgbImage, text: &str, x: i64, y: i64) {
        self.draw_mask(img, text, |mx, my, _| (x + mx, y + my));
    }

    /// Blends `text` turned 90° counter-clockwise (reading bottom to top) with the top-left
    /// corner of its box at `(x, y)`; the box is `height` wide and `width` tall.
    pub fn draw_rotated(&self, img: &mut RgbImage, text: &str, x: i64, y: i64) {
        self.draw_mask(img, text, |mx, my, w| (x + my, y + (w - 1 - mx)));
    }

    fn draw_mask(
        &self,
        img: &mut RgbImage,
        text: &str,
        place: impl Fn(i64, i64, i64) -> (i64, i64),
    ) {
        let m = self.rasterize(text);
        for my in 0..m.h {
            for mx in 0..m.w {
                let a = m.alpha[my * m.w + mx];
                let (px, py) = place(mx as i64, my as i64, m.w as i64);
                blend(img, px, py, self.rgb, a);
            }
        }
    }

    fn rasterize(&self, text: &str) -> text::TextMask {
        self.font.mask(self.size_px, text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const WHITE: Rgb<u8> = Rgb([255, 255, 255]);
    const BLACK: Rgb<u8> = Rgb([0, 0, 0]);

    #[test]
    fn shapes_are_clipped_and_blending_mixes() {
        let mut img = RgbImage::from_pixel(4, 3, WHITE);
        fill_rect(&mut img, -2, 1, 4, 10, BLACK);
        assert_eq!(*img.get_pixel(1, 2), BLACK);
        assert_eq!(*img.get_pixel(2, 2), WHITE);
        assert_eq!(*img.get_pixel(0, 0), WHITE);
        blend(&mut img, 3, 0, BLACK, 0.5);
        assert_eq!(*img.get_pixel(3, 0), Rgb([128, 128, 128]));
        blend(&mut img, 9, 9, BLACK, 1.0);
        let mut framed = RgbImage::from_pixel(5, 5, WHITE);
        draw_frame(
            &mut framed,
            PixelRect {
                x: 1,
                y: 1,
                w: 3,
                h: 3,
            },
            BLACK,
        );
        assert_eq!(*framed.get_pixel(0, 0), BLACK);
        assert_eq!(*framed.get_pixel(4, 2), BLACK);
        assert_eq!(*framed.get_pixel(2, 2), WHITE);
    }

    #[test]
    fn rotated_text_covers_the_turned_box() {
        let font = font().expect("embedded font");
        let pen = Pen {
            font,
            size_px: 13.0,
            rgb: BLACK,
        };
        let (w, h) = (pen.width("y (m)"), pen.height());
        assert!(w > h && h > 10, "{w} x {h}");
        let mut img = RgbImage::from_pixel(60, 60, WHITE);
        pen.draw_rotated(&mut img, "y (m)", 5, 5);
        let inked = |x0: i64, x1: i64, y0: i64, y1: i64| {
            (y0..y1)
                .flat_map(|y| (x0..x1).map(move |x| (x, y)))
                .filter(|&(x, y)| *img.get_pixel(x as u32, y as u32) != WHITE)
                .count()
        };
        // all ink inside the h-wide, w-tall box at (5, 5), none outside
        assert!(inked(5, 5 + h, 5, 5 + w + 1) > 20);
        assert_eq!(inked(5 + h, 60, 0, 60), 0);
        assert_eq!(inked(0, 60, 6 + w, 60), 0);
    }
}
