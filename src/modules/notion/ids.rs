//! Notion ids: normalised to lowercase dashed UUIDs, and found inside Notion URLs in every
//! form they appear in (`notion.so/Title-<32 hex>`, `notion.so/<32 hex>`, `app.notion.com/p/<id>`,
//! `*.notion.site/...`, `?p=<id>` peeks, and relative `/<32 hex>` links).

/// `ab12...` (32 hex, any case, with or without dashes) → `ab12cd34-...`; `None` otherwise.
pub fn normalize(id: &str) -> Option<String> {
    let hex: String = id.chars().filter(|c| *c != '-').collect();
    if hex.len() != 32 || !hex.chars().all(|c| c.is_ascii_hexdigit()) {
        return None;
    }
    if id.contains('-') && id.len() != 36 {
        return None;
    }
    let hex = hex.to_ascii_lowercase();
    Some(format!(
        "{}-{}-{}-{}-{}",
        &hex[..8],
        &hex[8..12],
        &hex[12..16],
        &hex[16..20],
        &hex[20..]
    ))
}

/// The page or database a Notion URL points at, or `None` for any other URL.
pub fn from_notion_url(url: &str) -> Option<String> {
    let rest = strip_notion_origin(url.trim())?;
    let (path, query) = rest.split_once('?').unwrap_or((rest, ""));
    let path = path.split('#').next().unwrap_or(path);
    let query = query.split('#').next().unwrap_or(query);
    // A peek (`?p=<id>`) names the page shown, whatever the path.
    let peek = query
        .split('&')
        .find_map(|pair| pair.strip_prefix("p="))
        .and_then(trailing_id);
    peek.or_else(|| {
        path.split('/')
            .rev()
            .find(|s| !s.is_empty())
            .and_then(trailing_id)
    })
}

/// What follows the origin of a Notion URL (`/...`), or the URL itself when relative.
fn strip_notion_origin(url: &str) -> Option<&str> {
    if url.starts_with('/') && !url.starts_with("//") {
        return Some(url);
    }
    let rest = url
        .strip_prefix("https://")
        .or_else(|| url.strip_prefix("http://"))?;
    let (host, path) = rest.split_at(rest.find('/').unwrap_or(rest.len()));
    let host = host.to_ascii_lowercase();
    let notion = host == "notion.so"
        || host.ends_with(".notion.so")
        || host.ends_with(".notion.site")
        || host == "notion.com"
        || host.ends_with(".notion.com");
    notion.then_some(path)
}

/// A path segment that is, or ends with, an id: `Title-<32 hex>`, `<32 hex>`, `<dashed uuid>`.
fn trailing_id(segment: &str) -> Option<String> {
    if let Some(id) = normalize(segment) {
        return Some(id);
    }
    let tail = segment.get(segment.len().checked_sub(32)?..)?;
    let boundary = segment.len() == 32 || segment[..segment.len() - 32].ends_with('-');
    boundary.then(|| normalize(tail)).flatten()
}

#[cfg(test)]
mod tests {
    use super::*;

    const ID: &str = "54449eb7-a430-446e-a983-a36bc55ea846";

    #[test]
    fn ids_normalise_to_lowercase_dashed_uuids() {
        assert_eq!(
            normalize("54449EB7A430446EA983A36BC55EA846").as_deref(),
            Some(ID)
        );
        assert_eq!(normalize(ID).as_deref(), Some(ID));
        assert_eq!(normalize("54449eb7a430446ea983a36bc55ea84"), None);
        assert_eq!(normalize("54449eb7-a430446ea983a36bc55ea846"), None);
        assert_eq!(normalize("zz449eb7a430446ea983a36bc55ea846"), None);
    }

    #[test]
    fn every_notion_url_form_yields_its_page() {
        for url in [
            "https://www.notion.so/Test-2023-06-29-54449eb7a430446ea983a36bc55ea846",
            "https://www.notion.so/54449eb7a430446ea983a36bc55ea846",
            "https://notion.so/team/Roadmap-54449eb7a430446ea983a36bc55ea846?pvs=4",
            "https://app.notion.com/p/54449eb7-a430-446e-a983-a36bc55ea846",
            "https://acme.notion.site/Docs-54449eb7a430446ea983a36bc55ea846#block",
            "https://www.notion.so/ws/Base-11112222333344445555666677778888?p=54449eb7a430446ea983a36bc55ea846",
            "/54449eb7a430446ea983a36bc55ea846",
        ] {
            assert_eq!(from_notion_url(url).as_deref(), Some(ID), "{url}");
        }
    }

    #[test]
    fn other_urls_are_not_notion_links() {
        for url in [
            "https://example.com/54449eb7a430446ea983a36bc55ea846",
            "https://www.notion.so/pricing",
            "https://www.notion.so/Title-x54449eb7a430446ea983a36bc55ea846",
            "//evil.example/54449eb7a430446ea983a36bc55ea846",
            "mailto:someone@example.com",
        ] {
            assert_eq!(from_notion_url(url), None, "{url}");
        }
    }
}
