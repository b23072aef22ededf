//! `optplay play --screenshot`: the play screen drawn headlessly, as a terminal would show it.
//!
//! The view draws into ratatui's test backend at a fixed size; each cell then becomes a
//! rectangle of pixels with its background, and its glyph in its foreground colour. Text
//! comes from DejaVu Sans Mono, built into the binary. Braille, block and box-drawing
//! characters are drawn as shapes instead: a font's versions rarely fill the cell exactly,
//! and the map's braille paths and the borders would show gaps and misaligned dots.

use ab_glyph::{Font, FontRef, PxScale, ScaleFont, point};
use ratatui::backend::TestBackend;
use ratatui::buffer::{Buffer, Cell};
use ratatui::style::{Color, Modifier};
use ratatui::{Frame, Terminal};

use super::state::Model;
use super::view;

/// The terminal the screenshot shows, in cells.
pub const COLUMNS: u16 = 120;
pub const ROWS: u16 = 40;
/// One cell, in pixels: a monospace font's usual 1:2.
pub const CELL_WIDTH: u32 = 11;
pub const CELL_HEIGHT: u32 = 22;

/// The terminal's own colours, for cells that keep the default (`Color::Reset`).
const DEFAULT_FG: Rgb = [220, 220, 220];
const DEFAULT_BG: Rgb = [16, 18, 24];

type Rgb = [u8; 3];

/// Why a screenshot could not be made.
#[derive(Debug, thiserror::Error)]
pub enum ScreenshotError {
    #[error("the built-in font cannot be read: {0}")]
    Font(#[from] ab_glyph::InvalidFont),
    #[error("cannot encode the PNG: {0}")]
    Encode(#[from] png::EncodingError),
}

/// Shows `model` paused at step `steps` (all steps when `None`), as `play` would.
pub fn show_step(model: &mut Model, steps: Option<u64>) {
    let last = model.last_row();
    model.cursor = steps.map_or(last, |s| usize::try_from(s).unwrap_or(usize::MAX).min(last));
    model.playing = false;
}

/// The screen `draw` paints, as a PNG of `COLUMNS`×`ROWS` cells.
pub fn png_of(draw: impl FnOnce(&mut Frame)) -> Result<Vec<u8>, ScreenshotError> {
    // A picture has every colour: no 256-colour fallback.
    view::use_truecolor();
    let mut terminal = match Terminal::new(TestBackend::new(COLUMNS, ROWS)) {
        Ok(terminal) => terminal,
        Err(never) => match never {},
    };
    if let Err(never) = terminal.draw(draw) {
        match never {}
    }
    let pixels = Raster::new()?.draw(terminal.backend().buffer());
    Ok(crate::plot::encode_png(
        &pixels.data,
        pixels.width,
        pixels.height,
    )?)
}

/// An RGB image being painted.
struct Pixels {
    width: u32,
    height: u32,
    data: Vec<u8>,
}

impl Pixels {
    /// Mixes `colour` into pixel (`x`, `y`) by `coverage` (0..=1); outside the image, nothing.
    fn blend(&mut self, x: i64, y: i64, colour: Rgb, coverage: f32) {
        if x < 0 || y < 0 || x >= i64::from(self.width) || y >= i64::from(self.height) {
            return;
        }
        let coverage = coverage.clamp(0.0, 1.0);
        let at = ((y as usize) * self.width as usize + x as usize) * 3;
        for (channel, &c) in self.data[at..at + 3].iter_mut().zip(&colour) {
            let mixed = f32::from(*channel) + (f32::from(c) - f32::from(*channel)) * coverage;
            *channel = mixed.round() as u8;
        }
    }

    /// Fills the rectangle [x0, x1) × [y0, y1), in pixels with fractional edges.
    fn fill(&mut self, x0: f32, y0: f32, x1: f32, y1: f32, colour: Rgb, alpha: f32) {
        for y in y0.floor() as i64..y1.ceil() as i64 {
            let cover_y = (y1.min(y as f32 + 1.0) - y0.max(y as f32)).max(0.0);
            for x in x0.floor() as i64..x1.ceil() as i64 {
                let cover_x = (x1.min(x as f32 + 1.0) - x0.max(x as f32)).max(0.0);
                self.blend(x, y, colour, cover_x * cover_y * alpha);
            }
        }
    }

    /// An anti-aliased dot of radius `r` around (`cx`, `cy`).
    fn disc(&mut self, cx: f32, cy: f32, r: f32, colour: Rgb) {
        for y in (cy - r).floor() as i64..=(cy + r).ceil() as i64 {
            for x in (cx - r).floor() as i64..=(cx + r).ceil() as i64 {
                let d = ((x as f32 + 0.5 - cx).powi(2) + (y as f32 + 0.5 - cy).powi(2)).sqrt();
                self.blend(x, y, colour, r + 0.5 - d);
            }
        }
    }
}

/// The fonts, scaled so that one advance is one cell.
struct Raster {
    regular: FontRef<'static>,
    bold: FontRef<'static>,
    /// For the few symbols the monospace font lacks.
    fallback: FontRef<'static>,
    scale: PxScale,
}

impl Raster {
    fn new() -> Result<Raster, ab_glyph::InvalidFont> {
        let regular = FontRef::try_from_slice(dejavu::sans_mono::regular())?;
        let bold = FontRef::try_from_slice(dejavu::sans_mono::bold())?;
        let fallback = FontRef::try_from_slice(dejavu::sans::regular())?;
        let unit = regular.as_scaled(PxScale::from(1.0));
        let advance = unit.h_advance(regular.glyph_id('M')).max(0.01);
        let scale = PxScale::from(CELL_WIDTH as f32 / advance);
        Ok(Raster {
            regular,
            bold,
            fallback,
            scale,
        })
    }

    fn draw(&self, buffer: &Buffer) -> Pixels {
        let area = buffer.area;
        let mut pixels = Pixels {
            width: u32::from(area.width) * CELL_WIDTH,
            height: u32::from(area.height) * CELL_HEIGHT,
            data: Vec::new(),
        };
        pixels.data = DEFAULT_BG
            .repeat(pixels.width as usize * pixels.height as usize)
            .to_vec();
        // Backgrounds first, then glyphs: a wide glyph may reach into the next cell.
        for pass in [Pass::Background, Pass::Glyph] {
            for row in area.top()..area.bottom() {
                for column in area.left()..area.right() {
                    let cell = &buffer[(column, row)];
                    let x = f32::from(column - area.x) * CELL_WIDTH as f32;
                    let y = f32::from(row - area.y) * CELL_HEIGHT as f32;
                    let (fg, bg) = colours(cell);
                    match pass {
                        Pass::Background => {
                            let (w, h) = (CELL_WIDTH as f32, CELL_HEIGHT as f32);
                            pixels.fill(x, y, x + w, y + h, bg, 1.0);
                        }
                        Pass::Glyph => self.glyph(&mut pixels, cell, x, y, fg),
                    }
                }
            }
        }
        pixels
    }

    fn glyph(&self, pixels: &mut Pixels, cell: &Cell, x: f32, y: f32, fg: Rgb) {
        if cell.modifier.contains(Modifier::HIDDEN) {
            return;
        }
        let (w, h) = (CELL_WIDTH as f32, CELL_HEIGHT as f32);
        if cell.modifier.contains(Modifier::UNDERLINED) {
            pixels.fill(x, y + h - 3.0, x + w, y + h - 2.0, fg, 1.0);
        }
        let Some(c) = cell.symbol().chars().next() else {
            return;
        };
        if c == ' ' || draw_shape(pixels, c, x, y, fg) {
            return;
        }
        let bold = cell.modifier.contains(Modifier::BOLD);
        let mono = if bold { &self.bold } else { &self.regular };
        let (font, id) = match mono.glyph_id(c) {
            id if id.0 != 0 => (mono, id),
            _ => (&self.fallback, self.fallback.glyph_id(c)),
        };
        let scaled = font.as_scaled(self.scale);
        // Centred in the cell: the fallback font is proportional.
        let left = x + (w - scaled.h_advance(id)) / 2.0;
        let height = scaled.ascent() - scaled.descent();
        let baseline = y + (h - height) / 2.0 + scaled.ascent();
        let glyph = id.with_scale_and_position(self.scale, point(left, baseline));
        let Some(outline) = font.outline_glyph(glyph) else {
            return;
        };
        let bounds = outline.px_bounds();
        outline.draw(|gx, gy, coverage| {
            pixels.blend(
                bounds.min.x as i64 + i64::from(gx),
                bounds.min.y as i64 + i64::from(gy),
                fg,
                coverage,
            );
        });
    }
}

#[derive(Clone, Copy)]
enum Pass {
    Background,
    Glyph,
}

/// The cell's foreground and background as shown: reversed and dimmed as the modifiers say.
fn colours(cell: &Cell) -> (Rgb, Rgb) {
    let mut fg = rgb(cell.fg).unwrap_or(DEFAULT_FG);
    let mut bg = rgb(cell.bg).unwrap_or(DEFAULT_BG);
    if cell.modifier.contains(Modifier::REVERSED) {
        std::mem::swap(&mut fg, &mut bg);
    }
    if cell.modifier.contains(Modifier::DIM) {
        fg = [0, 1, 2].map(|i| ((u16::from(fg[i]) + u16::from(bg[i])) / 2) as u8);
    }
    (fg, bg)
}

/// A colour as RGB; `None` for the terminal's default.
fn rgb(colour: Color) -> Option<Rgb> {
    // The 16 ANSI colours as xterm shows them.
    const ANSI: [Rgb; 16] = [
        [0, 0, 0],
        [205, 0, 0],
        [0, 205, 0],
        [205, 205, 0],
        [0, 0, 238],
        [205, 0, 205],
        [0, 205, 205],
        [229, 229, 229],
        [127, 127, 127],
        [255, 0, 0],
        [0, 255, 0],
        [255, 255, 0],
        [92, 92, 255],
        [255, 0, 255],
        [0, 255, 255],
        [255, 255, 255],
    ];
    Some(match colour {
        Color::Reset => return None,
        Color::Rgb(r, g, b) => [r, g, b],
        Color::Black => ANSI[0],
        Color::Red => ANSI[1],
        Color::Green => ANSI[2],
        Color::Yellow => ANSI[3],
        Color::Blue => ANSI[4],
        Color::Magenta => ANSI[5],
        Color::Cyan => ANSI[6],
        Color::Gray => ANSI[7],
        Color::DarkGray => ANSI[8],
        Color::LightRed => ANSI[9],
        Color::LightGreen => ANSI[10],
        Color::LightYellow => ANSI[11],
        Color::LightBlue => ANSI[12],
        Color::LightMagenta => ANSI[13],
        Color::LightCyan => ANSI[14],
        Color::White => ANSI[15],
        Color::Indexed(i @ 0..=15) => ANSI[usize::from(i)],
        // The 6×6×6 cube, then the grey ramp, as xterm defines them.
        Color::Indexed(i @ 16..=231) => {
            let level = |v: u8| if v == 0 { 0 } else { 55 + 40 * v };
            let i = i - 16;
            [level(i / 36), level(i / 6 % 6), level(i % 6)]
        }
        Color::Indexed(i) => [8 + 10 * (i - 232); 3],
    })
}

/// Draws braille, block elements, light box drawing and ⏸ as shapes filling the cell exactly;
/// false for every other character.
fn draw_shape(pixels: &mut Pixels, c: char, x: f32, y: f32, fg: Rgb) -> bool {
    let (w, h) = (CELL_WIDTH as f32, CELL_HEIGHT as f32);
    let code = u32::from(c);
    match code {
        0x2800..=0x28ff => {
            // Dots 1-2-3-7 down the left column, 4-5-6-8 down the right: bit → (column, row).
            const DOTS: [(f32, f32); 8] = [
                (0.0, 0.0),
                (0.0, 1.0),
                (0.0, 2.0),
                (1.0, 0.0),
                (1.0, 1.0),
                (1.0, 2.0),
                (0.0, 3.0),
                (1.0, 3.0),
            ];
            for (bit, (column, row)) in DOTS.iter().enumerate() {
                if code & (1 << bit) != 0 {
                    let cx = x + w * (0.3 + 0.4 * column);
                    let cy = y + h * (0.125 + 0.25 * row);
                    pixels.disc(cx, cy, 1.6, fg);
                }
            }
            true
        }
        // ▀ upper half, ▁..█ lower eighths, ▉..▏ left eighths, ▐ right half.
        0x2580 => fill_part(pixels, x, y, (0.0, 0.0, 1.0, 0.5), fg, 1.0),
        0x2581..=0x2588 => {
            let part = (code - 0x2580) as f32 / 8.0;
            fill_part(pixels, x, y, (0.0, 1.0 - part, 1.0, 1.0), fg, 1.0)
        }
        0x2589..=0x258f => {
            let part = (0x2590 - code) as f32 / 8.0;
            fill_part(pixels, x, y, (0.0, 0.0, part, 1.0), fg, 1.0)
        }
        0x2590 => fill_part(pixels, x, y, (0.5, 0.0, 1.0, 1.0), fg, 1.0),
        // ░ ▒ ▓: a quarter, half and three quarters of the colour.
        0x2591..=0x2593 => {
            let alpha = (code - 0x2590) as f32 / 4.0;
            fill_part(pixels, x, y, (0.0, 0.0, 1.0, 1.0), fg, alpha)
        }
        // ⏸, which neither DejaVu font has: two bars.
        0x23f8 => {
            fill_part(pixels, x, y, (0.2, 0.3, 0.4, 0.75), fg, 1.0);
            fill_part(pixels, x, y, (0.6, 0.3, 0.8, 0.75), fg, 1.0)
        }
        0x2594 => fill_part(pixels, x, y, (0.0, 0.0, 1.0, 0.125), fg, 1.0),
        0x2595 => fill_part(pixels, x, y, (0.875, 0.0, 1.0, 1.0), fg, 1.0),
        0x2596..=0x259f => {
            // Quadrants as bits: upper left 1, upper right 2, lower left 4, lower right 8.
            const QUADRANTS: [u8; 10] = [
                4,
                8,
                1,
                1 | 4 | 8,
                1 | 8,
                1 | 2 | 4,
                1 | 2 | 8,
                2,
                2 | 4,
                2 | 4 | 8,
            ];
            let bits = QUADRANTS[(code - 0x2596) as usize];
            for (bit, (qx, qy)) in [(0.0, 0.0), (0.5, 0.0), (0.0, 0.5), (0.5, 0.5)]
                .into_iter()
                .enumerate()
            {
                if bits & (1 << bit) != 0 {
                    fill_part(pixels, x, y, (qx, qy, qx + 0.5, qy + 0.5), fg, 1.0);
                }
            }
            true
        }
        _ => match box_arms(c) {
            Some([left, right, up, down]) => {
                // One pixel wide, through the cell's centre, to its edges.
                let (cx, cy) = ((x + w / 2.0).floor(), (y + h / 2.0).floor());
                if left || right {
                    let from = if left { x } else { cx };
                    let to = if right { x + w } else { cx + 1.0 };
                    pixels.fill(from, cy, to, cy + 1.0, fg, 1.0);
                }
                if up || down {
                    let from = if up { y } else { cy };
                    let to = if down { y + h } else { cy + 1.0 };
                    pixels.fill(cx, from, cx + 1.0, to, fg, 1.0);
                }
                true
            }
            None => false,
        },
    }
}

/// Fills a part of the cell given as fractions (left, top, right, bottom); always true.
fn fill_part(
    pixels: &mut Pixels,
    x: f32,
    y: f32,
    part: (f32, f32, f32, f32),
    fg: Rgb,
    alpha: f32,
) -> bool {
    let (w, h) = (CELL_WIDTH as f32, CELL_HEIGHT as f32);
    let (l, t, r, b) = part;
    pixels.fill(x + l * w, y + t * h, x + r * w, y + b * h, fg, alpha);
    true
}

/// Which arms (left, right, up, down) a light box-drawing character has; rounded corners as
/// square ones.
fn box_arms(c: char) -> Option<[bool; 4]> {
    Some(match c {
        '─' => [true, true, false, false],
        '│' => [false, false, true, true],
        '┌' | '╭' => [false, true, false, true],
        '┐' | '╮' => [true, false, false, true],
        '└' | '╰' => [false, true, true, false],
        '┘' | '╯' => [true, false, true, false],
        '├' => [false, true, true, true],
        '┤' => [true, false, true, true],
        '┬' => [true, true, false, true],
        '┴' => [true, true, true, false],
        '┼' => [true, true, true, true],
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn indexed_colours_follow_xterm() {
        assert_eq!(rgb(Color::Indexed(16)), Some([0, 0, 0]));
        assert_eq!(rgb(Color::Indexed(196)), Some([255, 0, 0]));
        assert_eq!(rgb(Color::Indexed(232)), Some([8, 8, 8]));
        assert_eq!(rgb(Color::Indexed(255)), Some([238, 238, 238]));
        assert_eq!(rgb(Color::Reset), None);
    }

    #[test]
    fn every_symbol_the_view_uses_has_a_glyph_or_a_shape() {
        let raster = Raster::new().unwrap();
        let text = format!(
            "{}{}▶⏸●○▀·→←−÷×β…*xo–",
            view::HELP,
            super::super::network_view::HELP
        );
        for c in text.chars() {
            let mut pixels = Pixels {
                width: CELL_WIDTH,
                height: CELL_HEIGHT,
                data: vec![0; (CELL_WIDTH * CELL_HEIGHT * 3) as usize],
            };
            if c == ' ' || c == '\n' || draw_shape(&mut pixels, c, 0.0, 0.0, [255; 3]) {
                continue;
            }
            let found = raster.regular.glyph_id(c).0 != 0 || raster.fallback.glyph_id(c).0 != 0;
            assert!(found, "no glyph for {c:?}");
        }
    }

    #[test]
    fn a_braille_cell_lights_its_dots_only() {
        let mut pixels = Pixels {
            width: CELL_WIDTH,
            height: CELL_HEIGHT,
            data: vec![0; (CELL_WIDTH * CELL_HEIGHT * 3) as usize],
        };
        // ⠁: dot 1 alone, top left.
        assert!(draw_shape(&mut pixels, '⠁', 0.0, 0.0, [255; 3]));
        let lit = |x: u32, y: u32| pixels.data[((y * CELL_WIDTH + x) * 3) as usize] > 128;
        assert!(lit(3, 2));
        assert!(!lit(7, 2));
        assert!(!lit(3, 19));
    }
}
