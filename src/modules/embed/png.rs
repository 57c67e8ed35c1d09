//! The static preview as a PNG (`preview.png`), for link previews: Open Graph and oEmbed
//! readers (Slack, Notion, social sites) take PNG or JPEG, not SVG. The same picture as
//! `static.svg` in its light theme, without the labels (drawing text would need a font
//! rasteriser): links as thin translucent lines, nodes as discs in their community's colour,
//! plotted here and written as an 8-bit RGB PNG (zlib through `flate2`).

use std::io::Write;

use flate2::Crc;
use flate2::write::ZlibEncoder;

use super::svg::{Frame, HEIGHT, PALETTE, WIDTH, radius};
use crate::modules::graph::bin::Packed;

pub const CONTENT_TYPE: &str = "image/png";
const BACKGROUND: [u8; 3] = [0xff, 0xff, 0xff];
const LINK: [u8; 3] = [0x8a, 0x8f, 0x98];
const LINK_ALPHA: f32 = 0.35;

/// An RGB picture being drawn.
struct Canvas {
    width: usize,
    height: usize,
    rgb: Vec<u8>,
}

impl Canvas {
    fn new(width: usize, height: usize) -> Self {
        Self {
            width,
            height,
            rgb: BACKGROUND.repeat(width * height),
        }
    }

    /// Mixes `colour` into pixel (x, y) by `alpha`; outside the picture, nothing.
    fn blend(&mut self, x: i64, y: i64, colour: [u8; 3], alpha: f32) {
        if x < 0 || y < 0 || x as usize >= self.width || y as usize >= self.height {
            return;
        }
        let at = (y as usize * self.width + x as usize) * 3;
        for (channel, &value) in self.rgb[at..at + 3].iter_mut().zip(&colour) {
            let mixed = f32::from(*channel) * (1.0 - alpha) + f32::from(value) * alpha;
            *channel = mixed.round() as u8;
        }
    }

    /// A one-pixel line: one pixel per step along its longer axis.
    fn line(&mut self, [x1, y1]: [f32; 2], [x2, y2]: [f32; 2], colour: [u8; 3], alpha: f32) {
        let steps = (x2 - x1).abs().max((y2 - y1).abs()).ceil().max(1.0);
        for step in 0..=steps as i64 {
            let t = step as f32 / steps;
            let (x, y) = (x1 + (x2 - x1) * t, y1 + (y2 - y1) * t);
            self.blend(x.round() as i64, y.round() as i64, colour, alpha);
        }
    }

    /// A filled disc whose edge is smoothed over one pixel.
    fn disc(&mut self, [cx, cy]: [f32; 2], r: f32, colour: [u8; 3]) {
        let reach = (r + 1.0).ceil() as i64;
        let (px, py) = (cx.round() as i64, cy.round() as i64);
        for y in py - reach..=py + reach {
            for x in px - reach..=px + reach {
                let distance = ((x as f32 - cx).powi(2) + (y as f32 - cy).powi(2)).sqrt();
                let coverage = (r + 0.5 - distance).clamp(0.0, 1.0);
                if coverage > 0.0 {
                    self.blend(x, y, colour, coverage);
                }
            }
        }
    }
}

/// The preview of `packed` (the view `static.svg` shows) as PNG bytes.
pub fn render(packed: &Packed) -> Vec<u8> {
    let frame = Frame::fit(packed.bounds);
    let at = |i: u32| frame.point(packed.positions[i as usize]);
    let mut canvas = Canvas::new(WIDTH as usize, HEIGHT as usize);
    for &[s, t] in &packed.links {
        canvas.line(at(s), at(t), LINK, LINK_ALPHA);
    }
    for i in 0..packed.positions.len() {
        let colour = PALETTE[packed.communities[i] as usize % PALETTE.len()];
        canvas.disc(at(i as u32), radius(packed.sizes[i]), rgb(colour));
    }
    encode(&canvas)
}

/// `#rrggbb` as bytes.
fn rgb(hex: &str) -> [u8; 3] {
    let channel = |at: usize| u8::from_str_radix(&hex[at..at + 2], 16).unwrap_or(0);
    [channel(1), channel(3), channel(5)]
}

/// PNG: the signature, then IHDR (8-bit RGB), one IDAT (every row unfiltered) and IEND.
fn encode(canvas: &Canvas) -> Vec<u8> {
    let mut rows = Vec::with_capacity((canvas.width * 3 + 1) * canvas.height);
    for row in canvas.rgb.chunks(canvas.width * 3) {
        rows.push(0);
        rows.extend_from_slice(row);
    }
    let mut zlib = ZlibEncoder::new(Vec::new(), flate2::Compression::default());
    zlib.write_all(&rows).expect("writing to memory");
    let data = zlib.finish().expect("writing to memory");
    let mut header = Vec::with_capacity(13);
    header.extend_from_slice(&(canvas.width as u32).to_be_bytes());
    header.extend_from_slice(&(canvas.height as u32).to_be_bytes());
    header.extend_from_slice(&[8, 2, 0, 0, 0]);
    let mut png = b"\x89PNG\r\n\x1a\n".to_vec();
    chunk(&mut png, b"IHDR", &header);
    chunk(&mut png, b"IDAT", &data);
    chunk(&mut png, b"IEND", &[]);
    png
}

/// A chunk: length, type, data, and the CRC-32 of type and data.
fn chunk(png: &mut Vec<u8>, kind: &[u8; 4], data: &[u8]) {
    png.extend_from_slice(&(data.len() as u32).to_be_bytes());
    png.extend_from_slice(kind);
    png.extend_from_slice(data);
    let mut crc = Crc::new();
    crc.update(kind);
    crc.update(data);
    png.extend_from_slice(&crc.sum().to_be_bytes());
}

#[cfg(test)]
mod tests {
    use std::io::Read;

    use super::*;

    /// Width, height and RGB pixels of a PNG written by [`encode`].
    fn decode(png: &[u8]) -> (usize, usize, Vec<u8>) {
        assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n");
        let (mut at, mut size, mut data) = (8, (0, 0), Vec::new());
        while at < png.len() {
            let length = u32::from_be_bytes(png[at..at + 4].try_into().unwrap()) as usize;
            let (kind, body) = (&png[at + 4..at + 8], &png[at + 8..at + 8 + length]);
            let mut crc = Crc::new();
            crc.update(&png[at + 4..at + 8 + length]);
            let stored = &png[at + 8 + length..at + 12 + length];
            assert_eq!(crc.sum().to_be_bytes(), stored, "the CRC of {kind:?}");
            match kind {
                b"IHDR" => {
                    let word = |i: usize| u32::from_be_bytes(body[i..i + 4].try_into().unwrap());
                    size = (word(0) as usize, word(4) as usize);
                    assert_eq!(&body[8..], [8, 2, 0, 0, 0]);
                }
                b"IDAT" => data.extend_from_slice(body),
                _ => {}
            }
            at += 12 + length;
        }
        let mut rows = Vec::new();
        flate2::read::ZlibDecoder::new(&data[..])
            .read_to_end(&mut rows)
            .unwrap();
        let pixels = rows
            .chunks(size.0 * 3 + 1)
            .flat_map(|row| row[1..].to_vec())
            .collect();
        (size.0, size.1, pixels)
    }

    fn two_nodes() -> Packed {
        Packed {
            snapshot_version: 1,
            community_count: 2,
            created_at: 0.0,
            bounds: [0.0, 0.0, 1.0, 1.0],
            positions: vec![[0.0, 0.0], [1.0, 1.0]],
            sizes: vec![8.0, 8.0],
            ranks: vec![0.5, 0.5],
            communities: vec![0, 1],
            kinds: vec![0, 0],
            flags: vec![0, 0],
            links: vec![[0, 1]],
            link_kinds: vec![0],
        }
    }

    #[test]
    fn nodes_are_discs_in_their_communitys_colour_on_white() {
        let packed = two_nodes();
        let (width, height, pixels) = decode(&render(&packed));
        assert_eq!((width, height), (WIDTH as usize, HEIGHT as usize));
        let frame = Frame::fit(packed.bounds);
        let pixel = |[x, y]: [f32; 2]| {
            let at = (y as usize * width + x as usize) * 3;
            [pixels[at], pixels[at + 1], pixels[at + 2]]
        };
        assert_eq!(pixel(frame.point([0.0, 0.0])), rgb(PALETTE[0]));
        assert_eq!(pixel(frame.point([1.0, 1.0])), rgb(PALETTE[1]));
        assert_eq!(pixel([1.0, 1.0]), BACKGROUND, "a corner is background");
        let middle = pixel(frame.point([0.5, 0.5]));
        assert!(
            middle != BACKGROUND && middle.iter().all(|&c| c > 0x8a),
            "the link is a light grey line: {middle:?}"
        );
    }
}
