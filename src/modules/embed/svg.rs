//! The static preview of a share: the summary view (communities and top pages) as an SVG, with
//! the largest labels that fit without overlapping. It is the viewer's fallback without WebGL
//! and the picture `png` draws for link previews.

use std::fmt::Write;

use crate::modules::graph::bin::{Labels, Packed, node_kind_code};
use crate::modules::graph::formats::escape;

pub const CONTENT_TYPE: &str = "image/svg+xml";
pub const WIDTH: f32 = 800.0;
pub const HEIGHT: f32 = 500.0;
const MARGIN: f32 = 40.0;
/// The most labels a preview draws.
const MAX_LABELS: usize = 24;
const FONT_PX: f32 = 13.0;
/// The viewer's palette (web/embed/style.css), by community id.
pub const PALETTE: [&str; 10] = [
    "#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f", "#edc948", "#b07aa1", "#ff9da7",
    "#9c755f", "#bab0ac",
];

/// Maps layout coordinates into the picture, keeping the aspect ratio.
pub struct Frame {
    scale: f32,
    offset: [f32; 2],
}

impl Frame {
    pub fn fit(bounds: [f32; 4]) -> Self {
        let [x0, y0, x1, y1] = bounds;
        let (w, h) = ((x1 - x0).max(1e-6), (y1 - y0).max(1e-6));
        let scale = ((WIDTH - 2.0 * MARGIN) / w).min((HEIGHT - 2.0 * MARGIN) / h);
        let offset = [
            (WIDTH - w * scale) / 2.0 - x0 * scale,
            (HEIGHT - h * scale) / 2.0 - y0 * scale,
        ];
        Self { scale, offset }
    }

    pub fn point(&self, [x, y]: [f32; 2]) -> [f32; 2] {
        [
            x * self.scale + self.offset[0],
            y * self.scale + self.offset[1],
        ]
    }
}

/// A node's radius in the picture.
pub fn radius(size: f32) -> f32 {
    size.clamp(2.0, 24.0)
}

/// The preview of `packed` (a summary view) titled `title`.
pub fn render(title: &str, packed: &Packed, labels: &Labels) -> String {
    let frame = Frame::fit(packed.bounds);
    let at = |i: u32| frame.point(packed.positions[i as usize]);
    let mut out = String::with_capacity(4096 + packed.links.len() * 80);
    let _ = write!(
        out,
        concat!(
            r#"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {w} {h}" width="{w}" height="{h}" role="img" aria-label="{t}">"#,
            "<title>{t}</title><style>",
            "svg{{background:#fff}}line{{stroke:#8a8f98;stroke-opacity:.35}}text{{font:{f}px system-ui,sans-serif;fill:#1f2328}}",
            "@media (prefers-color-scheme:dark){{svg{{background:#191919}}line{{stroke:#9aa0a6}}text{{fill:#e6e6e6}}}}",
            "</style>"
        ),
        w = WIDTH,
        h = HEIGHT,
        f = FONT_PX,
        t = escape(title)
    );
    for &[s, t] in &packed.links {
        let ([x1, y1], [x2, y2]) = (at(s), at(t));
        let _ = write!(
            out,
            r#"<line x1="{x1:.1}" y1="{y1:.1}" x2="{x2:.1}" y2="{y2:.1}"/>"#
        );
    }
    for i in 0..packed.positions.len() {
        let [x, y] = at(i as u32);
        let colour = PALETTE[packed.communities[i] as usize % PALETTE.len()];
        let r = radius(packed.sizes[i]);
        let _ = write!(
            out,
            r#"<circle cx="{x:.1}" cy="{y:.1}" r="{r:.1}" fill="{colour}"/>"#
        );
    }
    for (i, [x, y]) in placed_labels(packed, labels, &frame) {
        let text = escape(&label_text(packed, labels, i));
        let _ = write!(out, r#"<text x="{x:.1}" y="{y:.1}">{text}</text>"#);
    }
    out.push_str("</svg>");
    out
}

/// A node's label: its title, or its community's name for a super-node (named by number when
/// titles are hidden).
fn label_text(packed: &Packed, labels: &Labels, i: usize) -> String {
    let text = if packed.kinds[i] == node_kind_code("community") {
        let id = u32::from(packed.communities[i]);
        labels
            .communities
            .iter()
            .find(|c| c.id == id)
            .map_or("", |c| c.label.as_str())
    } else {
        labels.titles.get(i).map_or("", String::as_str)
    };
    text.chars().take(32).collect()
}

/// The labels to draw, largest node first, skipping any that would overlap one drawn already.
fn placed_labels(packed: &Packed, labels: &Labels, frame: &Frame) -> Vec<(usize, [f32; 2])> {
    let mut order: Vec<usize> = (0..packed.positions.len()).collect();
    order.sort_by(|&a, &b| packed.sizes[b].total_cmp(&packed.sizes[a]).then(a.cmp(&b)));
    let mut boxes: Vec<[f32; 4]> = Vec::new();
    let mut placed = Vec::new();
    for i in order {
        let text = label_text(packed, labels, i);
        if text.is_empty() {
            continue;
        }
        let [x, y] = frame.point(packed.positions[i]);
        let (x, y) = (x + radius(packed.sizes[i]) + 2.0, y + FONT_PX / 3.0);
        let width = text.chars().count() as f32 * FONT_PX * 0.6;
        let rect = [x, y - FONT_PX, x + width, y + 2.0];
        let overlaps =
            |b: &[f32; 4]| rect[0] < b[2] && b[0] < rect[2] && rect[1] < b[3] && b[1] < rect[3];
        if !boxes.iter().any(overlaps) {
            boxes.push(rect);
            placed.push((i, [x, y]));
        }
        if placed.len() == MAX_LABELS {
            break;
        }
    }
    placed
}
