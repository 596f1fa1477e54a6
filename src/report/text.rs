//! Text for every PNG and for report.html: the shipped fonts, glyph lookup with fallback, and
//! one-line layout and rasterising.
//!
//! Fonts (both compiled in, nothing read from the system; see `assets/fonts/README.md`):
//! - "Dcplan Hangul", a subset of NanumGothic (SIL OFL 1.1): Latin, punctuation and the 2,350
//!   KS X 1001 Hangul syllables — the primary font, so Korean site names render everywhere;
//! - DejaVu Sans: the fallback for characters the subset lacks (−, ✓, …).
//!
//! A character is drawn in the first font that has a glyph for it, the primary font's
//! missing-glyph box when neither has. Sizes are em sizes in pixels, so both fonts set the
//! same size side by side; line metrics (ascent, descent) are the primary font's.
//!
//! Invariants: measuring and drawing use the same layout ([`Fonts::layout`]), so a measured
//! box holds all the ink of its text (within anti-aliasing); control characters are skipped.

use ab_glyph::{point, Font as _, FontRef, Glyph, GlyphId, PxScale, ScaleFont as _};
use image::{Rgb, RgbImage};
use std::sync::OnceLock;

/// The Hangul subset as TrueType (drawn into PNGs).
pub static HANGUL_TTF: &[u8] = include_bytes!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/assets/fonts/DcplanHangul-Regular.ttf"
));
/// The same subset as WOFF2 (embedded in report.html).
pub static HANGUL_WOFF2: &[u8] = include_bytes!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/assets/fonts/DcplanHangul-Regular.woff2"
));
/// The CSS family name of [`HANGUL_WOFF2`] in report.html.
pub const HANGUL_FAMILY: &str = "Dcplan Hangul";

static DEJAVU_TTF: &[u8] = include_bytes!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/assets/fonts/DejaVuSans.ttf"
));

/// A shipped font did not parse (an internal error: the bytes are compiled in).
#[derive(Debug, Clone, thiserror::Error)]
#[error("the embedded font {0} could not be read")]
pub struct FontError(pub &'static str);

/// The primary (Hangul) font and its fallback.
pub struct Fonts {
    primary: FontRef<'static>,
    fallback: FontRef<'static>,
}

/// One glyph of a laid-out line: which font, and the glyph at its pen position.
#[derive(Clone, Debug)]
pub struct Placed {
    /// 0: primary, 1: fallback.
    pub font: usize,
    pub glyph: Glyph,
}

/// The shipped fonts, parsed once.
pub fn fonts() -> Result<&'static Fonts, FontError> {
    static FONTS: OnceLock<Result<Fonts, FontError>> = OnceLock::new();
    FONTS
        .get_or_init(|| {
            Ok(Fonts {
                primary: FontRef::try_from_slice(HANGUL_TTF)
                    .map_err(|_| FontError("DcplanHangul-Regular.ttf"))?,
                fallback: FontRef::try_from_slice(DEJAVU_TTF)
                    .map_err(|_| FontError("DejaVuSans.ttf"))?,
            })
        })
        .as_ref()
        .map_err(Clone::clone)
}

impl Fonts {
    fn font(&self, i: usize) -> &FontRef<'static> {
        if i == 0 {
            &self.primary
        } else {
            &self.fallback
        }
    }

    /// The ab_glyph scale of font `i` for an em of `size_px` pixels.
    fn scale(&self, i: usize, size_px: f32) -> PxScale {
        let f = self.font(i);
        let em = f.units_per_em().unwrap_or(1000.0);
        PxScale::from(size_px * f.height_unscaled() / em)
    }

    /// Whether the primary font has a glyph for `ch` (not its missing-glyph box).
    pub fn primary_has(&self, ch: char) -> bool {
        self.primary.glyph_id(ch) != GlyphId(0)
    }

    /// Which font draws `ch`.
    fn pick(&self, ch: char) -> usize {
        if self.primary_has(ch) || self.fallback.glyph_id(ch) == GlyphId(0) {
            0
        } else {
            1
        }
    }

    /// Ascent above the baseline, pixels.
    pub fn ascent(&self, size_px: f32) -> f32 {
        self.primary.as_scaled(self.scale(0, size_px)).ascent()
    }

    /// Height of one line (ascent + descent), pixels, rounded up.
    pub fn line_height(&self, size_px: f32) -> i64 {
        let s = self.primary.as_scaled(self.scale(0, size_px));
        (s.ascent() - s.descent()).ceil() as i64
    }

    /// Lays out one line with its top at y = 0 and its start at x = 0: the glyphs and the
    /// advance width.
    pub fn layout(&self, size_px: f32, text: &str) -> (Vec<Placed>, f32) {
        let ascent = self.ascent(size_px);
        let mut caret = 0.0f32;
        let mut prev: Option<(usize, GlyphId)> = None;
        let mut glyphs = Vec::new();
        for ch in text.chars().filter(|c| !c.is_control()) {
            let i = self.pick(ch);
            let scale = self.scale(i, size_px);
            let scaled = self.font(i).as_scaled(scale);
            let id = scaled.glyph_id(ch);
            if let Some((pi, pid)) = prev {
                if pi == i {
                    caret += scaled.kern(pid, id);
                }
            }
            glyphs.push(Placed {
                font: i,
                glyph: id.with_scale_and_position(scale, point(caret, ascent)),
            });
            caret += scaled.h_advance(id);
            prev = Some((i, id));
        }
        (glyphs, caret)
    }

    /// Advance width of `text`, pixels, rounded up.
    pub fn width(&self, size_px: f32, text: &str) -> i64 {
        self.layout(size_px, text).1.ceil() as i64
    }

    /// Anti-aliased coverage of one line: `w` × `h` alphas, the top-left at the line's top
    /// and start.
    pub fn mask(&self, size_px: f32, text: &str) -> TextMask {
        let (glyphs, advance) = self.layout(size_px, text);
        let w = advance.ceil().max(0.0) as usize + 1;
        let h = self.line_height(size_px).max(0) as usize;
        let mut alpha = vec![0.0f32; w * h];
        for p in glyphs {
            let Some(outlined) = self.font(p.font).outline_glyph(p.glyph) else {
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

    /// Blends `text` with its top-left corner at `(x, y)`.
    pub fn draw(&self, img: &mut RgbImage, size_px: f32, text: &str, x: i64, y: i64, rgb: Rgb<u8>) {
        let m = self.mask(size_px, text);
        for my in 0..m.h {
            for mx in 0..m.w {
                blend(
                    img,
                    x + mx as i64,
                    y + my as i64,
                    rgb,
                    m.alpha[my * m.w + mx],
                );
            }
        }
    }
}

/// Anti-aliased coverage of one line of text: `w` × `h` alphas, baseline at the ascent.
pub struct TextMask {
    pub w: usize,
    pub h: usize,
    pub alpha: Vec<f32>,
}

/// Mixes `rgb` into one pixel with opacity `alpha` (0..=1); off-image pixels are skipped.
pub fn blend(img: &mut RgbImage, x: i64, y: i64, rgb: Rgb<u8>, alpha: f32) {
    if alpha <= 0.0 || x < 0 || y < 0 || x >= img.width() as i64 || y >= img.height() as i64 {
        return;
    }
    let a = alpha.min(1.0);
    let p = img.get_pixel_mut(x as u32, y as u32);
    for (dst, src) in p.0.iter_mut().zip(rgb.0) {
        *dst = (*dst as f32 * (1.0 - a) + src as f32 * a).round() as u8;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ink(img: &RgbImage) -> Vec<u8> {
        img.pixels().map(|p| 255 - p.0[0]).collect()
    }

    fn render(text: &str) -> RgbImage {
        let f = fonts().expect("fonts");
        let mut img = RgbImage::from_pixel(200, 40, Rgb([255, 255, 255]));
        f.draw(&mut img, 24.0, text, 4, 4, Rgb([0, 0, 0]));
        img
    }

    #[test]
    fn every_shipped_korean_name_has_glyphs() {
        let f = fonts().expect("fonts");
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        let mut names = Vec::new();
        for entry in std::fs::read_dir(root.join("sites")).expect("sites/") {
            let path = entry.expect("entry").path();
            if path.extension().is_some_and(|e| e == "json") {
                let v: serde_json::Value =
                    serde_json::from_str(&std::fs::read_to_string(&path).expect("read"))
                        .expect("JSON");
                names.push(v["name_ko"].as_str().expect("name_ko").to_string());
            }
        }
        let geo =
            std::fs::read_to_string(root.join("sites/geo/provinces-kostat-2012-simple.geojson"))
                .expect("provinces");
        let v: serde_json::Value = serde_json::from_str(&geo).expect("GeoJSON");
        for p in v["features"].as_array().expect("features") {
            names.push(p["properties"]["name"].as_str().expect("name").to_string());
        }
        assert!(names.len() >= 30, "{names:?}");
        for name in &names {
            for ch in name.chars().filter(|c| !c.is_whitespace()) {
                assert!(
                    f.primary_has(ch),
                    "{name}: no glyph for {ch:?} in the Hangul subset"
                );
            }
        }
        // and the test can fail: a syllable outside KS X 1001 is not in the subset
        assert!(!f.primary_has('똠'));
        assert!(f.primary_has('포') && f.primary_has('A') && f.primary_has('°'));
    }

    #[test]
    fn hangul_renders_as_distinct_glyphs_not_boxes() {
        // two different names give different ink; a missing character gives the same box
        let (a, b) = (render("포항"), render("울산"));
        assert_ne!(ink(&a), ink(&b), "Hangul drawn as identical boxes");
        let (x, y) = (render("\u{E000}\u{E000}"), render("\u{E001}\u{E001}"));
        assert_eq!(ink(&x), ink(&y), "missing glyphs are the same box");
        assert_ne!(ink(&a), ink(&x));
        let inked = ink(&a).iter().filter(|&&v| v > 128).count();
        assert!(inked > 60, "{inked}");
    }

    #[test]
    fn fallback_fills_what_the_subset_lacks_at_the_same_size() {
        let f = fonts().expect("fonts");
        assert!(
            !f.primary_has('−'),
            "U+2212 is expected to come from DejaVu"
        );
        let (glyphs, _) = f.layout(20.0, "a−b");
        assert_eq!(glyphs.iter().map(|g| g.font).collect::<Vec<_>>(), [0, 1, 0]);
        // the fallback glyph is about as wide as the primary's hyphen-minus, not tiny or huge
        let (minus, hyphen) = (f.width(20.0, "−"), f.width(20.0, "-"));
        assert!(
            minus >= hyphen && minus < 4 * hyphen.max(1),
            "{minus} vs {hyphen}"
        );
        // measured width bounds the ink
        let text = "서산·당진 Seosan 24.7 °C";
        let m = f.mask(18.0, text);
        assert!(m.w as i64 >= f.width(18.0, text));
        assert!(m.alpha.iter().any(|&a| a > 0.5));
    }
}
