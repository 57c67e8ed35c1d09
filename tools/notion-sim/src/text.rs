//! Words for titles and body text. Body text is stored as a seed and expanded on render, so a
//! large workspace stays small in memory.

use crate::ids::mix;

const WORDS: [&str; 64] = [
    "alpha",
    "budget",
    "canvas",
    "delta",
    "engine",
    "feature",
    "garden",
    "harbor",
    "insight",
    "journey",
    "kernel",
    "ledger",
    "matrix",
    "network",
    "orbit",
    "pilot",
    "quarter",
    "roadmap",
    "signal",
    "template",
    "update",
    "vision",
    "workflow",
    "yield",
    "zenith",
    "archive",
    "backlog",
    "cadence",
    "design",
    "estimate",
    "forecast",
    "growth",
    "hiring",
    "infra",
    "launch",
    "metrics",
    "notes",
    "onboarding",
    "planning",
    "research",
    "review",
    "sprint",
    "strategy",
    "support",
    "testing",
    "tracker",
    "vendor",
    "weekly",
    "meeting",
    "retro",
    "summary",
    "draft",
    "policy",
    "handbook",
    "release",
    "incident",
    "customer",
    "partner",
    "report",
    "budgeting",
    "offsite",
    "goals",
    "ideas",
    "wiki",
];

/// Titles with punctuation exercise slug generation in URLs.
const ODD_TITLES: [&str; 4] = [
    "Q&A / Ops",
    "R&D: 2025 plan",
    "Ideas (draft)",
    "FAQ — support",
];

fn capitalised(word: &str) -> String {
    let mut chars = word.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// A page title such as "Roadmap Sprint Notes 42"; the number keeps titles mostly distinct.
pub fn title(seed: u64, number: usize) -> String {
    let h = mix(seed);
    if h.is_multiple_of(97) {
        return format!(
            "{} {number}",
            ODD_TITLES[(h >> 8) as usize % ODD_TITLES.len()]
        );
    }
    let words = 2 + (h >> 4) as usize % 3;
    let mut out = String::new();
    for i in 0..words {
        let w = WORDS[(mix(h ^ i as u64) % WORDS.len() as u64) as usize];
        out.push_str(&capitalised(w));
        out.push(' ');
    }
    out.push_str(&number.to_string());
    out
}

/// Four to twelve words of body text derived from `seed`.
pub fn lorem(seed: u32) -> String {
    let h = mix(u64::from(seed));
    let words = 4 + (h % 9) as usize;
    let mut out = String::new();
    for i in 0..words {
        if i > 0 {
            out.push(' ');
        }
        let w = WORDS[(mix(h.wrapping_add(i as u64)) % WORDS.len() as u64) as usize];
        if i == 0 {
            out.push_str(&capitalised(w));
        } else {
            out.push_str(w);
        }
    }
    out
}
