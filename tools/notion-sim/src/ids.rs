//! Identifiers and the small deterministic helpers around them: UUID forms, Notion URL forms,
//! stable hashing and API timestamps.

use chrono::{DateTime, Utc};
use rand::RngCore;

/// A Notion id (UUID) kept as a number: compact, hashable, and renderable in every form.
pub type Id = u128;

/// A random version-4 UUID drawn from the generator's deterministic stream.
pub fn new_id(rng: &mut impl RngCore) -> Id {
    let raw = (u128::from(rng.next_u64()) << 64) | u128::from(rng.next_u64());
    uuid::Builder::from_random_bytes(raw.to_be_bytes())
        .into_uuid()
        .as_u128()
}

/// The canonical form used everywhere in JSON: lowercase, dashed (8-4-4-4-12).
pub fn dashed(id: Id) -> String {
    uuid::Uuid::from_u128(id).hyphenated().to_string()
}

/// The 32-hex form Notion uses in URLs.
pub fn hex32(id: Id) -> String {
    uuid::Uuid::from_u128(id).simple().to_string()
}

/// Accepts an id with or without dashes, in any case.
pub fn parse_id(text: &str) -> Option<Id> {
    let text = text.trim();
    if text.len() != 32 && text.len() != 36 {
        return None;
    }
    uuid::Uuid::parse_str(text).ok().map(|u| u.as_u128())
}

/// The ways a Notion page link is written in the wild; all must resolve to the same page.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum UrlForm {
    /// `https://www.notion.so/Title-Words-<32 hex>`
    Slug,
    /// `https://www.notion.so/Title-Words-<32 hex>?pvs=4`, as copied from the share menu.
    SlugQuery,
    /// `https://www.notion.so/<32 hex>`
    Bare,
    /// `https://app.notion.com/p/<32 hex>`
    App,
    /// `https://app.notion.com/p/<dashed uuid>`
    AppDashed,
    /// `/<32 hex>`, how Notion writes links between pages of one workspace.
    Relative,
}

impl UrlForm {
    pub const ALL: [UrlForm; 6] = [
        UrlForm::Slug,
        UrlForm::SlugQuery,
        UrlForm::Bare,
        UrlForm::App,
        UrlForm::AppDashed,
        UrlForm::Relative,
    ];

    pub fn render(self, id: Id, title: &str) -> String {
        match self {
            UrlForm::Slug => format!("https://www.notion.so/{}", slug_path(id, title)),
            UrlForm::SlugQuery => format!("https://www.notion.so/{}?pvs=4", slug_path(id, title)),
            UrlForm::Bare => format!("https://www.notion.so/{}", hex32(id)),
            UrlForm::App => format!("https://app.notion.com/p/{}", hex32(id)),
            UrlForm::AppDashed => format!("https://app.notion.com/p/{}", dashed(id)),
            UrlForm::Relative => format!("/{}", hex32(id)),
        }
    }
}

/// `Title-Words-<hex>` as in a page's `url`; punctuation collapses into single dashes.
pub fn slug_path(id: Id, title: &str) -> String {
    let mut slug = String::with_capacity(title.len() + 33);
    for word in title
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
    {
        slug.push_str(word);
        slug.push('-');
    }
    slug.push_str(&hex32(id));
    slug
}

/// The page's canonical `url` field.
pub fn page_url(id: Id, title: &str) -> String {
    UrlForm::Slug.render(id, title)
}

/// The id a Notion link points at, if the text is a link to a Notion page in any known form.
pub fn parse_notion_url(url: &str) -> Option<Id> {
    let rest = if let Some(rest) = url.strip_prefix("https://www.notion.so/") {
        rest
    } else if let Some(rest) = url.strip_prefix("https://notion.so/") {
        rest
    } else if let Some(rest) = url.strip_prefix("https://app.notion.com/p/") {
        rest
    } else {
        url.strip_prefix('/')?
    };
    let path = rest.split(['?', '#']).next().unwrap_or_default();
    let last = path.rsplit('/').next().unwrap_or_default();
    if let Some(id) = parse_id(last) {
        return Some(id);
    }
    let tail = last.get(last.len().checked_sub(32)?..)?;
    parse_id(tail)
}

/// SplitMix64 finaliser: a cheap, well-mixed hash of one word.
pub fn mix(mut x: u64) -> u64 {
    x = x.wrapping_add(0x9e37_79b9_7f4a_7c15);
    x = (x ^ (x >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    x ^ (x >> 31)
}

/// FNV-1a over bytes, then mixed; stable across runs and platforms.
pub fn hash_bytes(bytes: &[u8]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in bytes {
        h ^= u64::from(*b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    mix(h)
}

/// A stable hash of an id, used for derived attributes (icons, checkboxes, search visibility).
pub fn hash_id(id: Id) -> u64 {
    mix((id as u64) ^ mix((id >> 64) as u64))
}

/// A uniform number in `[0, 1)` from a hash.
pub fn unit(h: u64) -> f64 {
    (h >> 11) as f64 / (1u64 << 53) as f64
}

/// API timestamps: Notion rounds `created_time` and `last_edited_time` down to the minute.
pub fn api_time(ms: i64) -> String {
    let minute = ms.div_euclid(60_000) * 60_000;
    DateTime::<Utc>::from_timestamp_millis(minute)
        .unwrap_or_default()
        .format("%Y-%m-%dT%H:%M:00.000Z")
        .to_string()
}

/// A full-precision timestamp, for webhook events and other places Notion does not round.
pub fn exact_time(ms: i64) -> String {
    DateTime::<Utc>::from_timestamp_millis(ms)
        .unwrap_or_default()
        .format("%Y-%m-%dT%H:%M:%S%.3fZ")
        .to_string()
}

/// Milliseconds since the epoch, now.
pub fn now_ms() -> i64 {
    Utc::now().timestamp_millis()
}

/// Parses a date or date-time filter value (`2025-01-02` or RFC 3339) into milliseconds.
pub fn parse_time(text: &str) -> Option<i64> {
    if let Ok(t) = DateTime::parse_from_rfc3339(text) {
        return Some(t.timestamp_millis());
    }
    let date = chrono::NaiveDate::parse_from_str(text, "%Y-%m-%d").ok()?;
    Some(date.and_hms_opt(0, 0, 0)?.and_utc().timestamp_millis())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_url_form_resolves_to_its_id() {
        let id = 0x1234_5678_9abc_4def_8123_4567_89ab_cdefu128;
        for form in UrlForm::ALL {
            let url = form.render(id, "Q&A / Road map");
            assert_eq!(parse_notion_url(&url), Some(id), "{url}");
        }
        assert_eq!(parse_notion_url("https://example.com/x"), None);
    }

    #[test]
    fn api_time_is_rounded_down_to_the_minute() {
        assert_eq!(api_time(1_700_000_039_999), "2023-11-14T22:13:00.000Z");
    }
}
