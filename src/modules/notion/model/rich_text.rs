//! Rich text and mentions: where most links live. Unknown rich-text and mention types are kept
//! by name, never an error, because Notion adds new ones without a version bump.

use serde::Deserialize;
use serde_json::Value;

/// One run of rich text.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(from = "RawRichText")]
pub struct RichText {
    pub plain_text: String,
    /// Where the run links to, as Notion resolved it (set for text links and page mentions).
    pub href: Option<String>,
    pub content: RichTextContent,
}

#[derive(Debug, Clone, PartialEq)]
pub enum RichTextContent {
    Text { link: Option<String> },
    Mention(Mention),
    Equation,
    Unknown(String),
}

#[derive(Debug, Clone, PartialEq)]
pub enum Mention {
    Page(String),
    Database(String),
    DataSource(String),
    User,
    Date,
    LinkPreview(String),
    LinkMention(String),
    TemplateMention,
    CustomEmoji,
    Unknown(String),
}

#[derive(Deserialize)]
struct RawRichText {
    #[serde(rename = "type", default)]
    type_name: String,
    #[serde(default)]
    plain_text: String,
    #[serde(default)]
    href: Option<String>,
    #[serde(default)]
    text: Option<RawText>,
    #[serde(default)]
    mention: Option<Value>,
}

#[derive(Deserialize)]
struct RawText {
    #[serde(default)]
    link: Option<RawLink>,
}

#[derive(Deserialize)]
struct RawLink {
    #[serde(default)]
    url: Option<String>,
}

impl From<RawRichText> for RichText {
    fn from(raw: RawRichText) -> Self {
        let content = match raw.type_name.as_str() {
            "text" => RichTextContent::Text {
                link: raw.text.and_then(|t| t.link).and_then(|l| l.url),
            },
            "mention" => RichTextContent::Mention(
                raw.mention
                    .as_ref()
                    .map_or(Mention::Unknown(String::new()), Mention::from_value),
            ),
            "equation" => RichTextContent::Equation,
            other => RichTextContent::Unknown(other.to_owned()),
        };
        RichText {
            plain_text: raw.plain_text,
            href: raw.href,
            content,
        }
    }
}

impl Mention {
    fn from_value(value: &Value) -> Self {
        let kind = value
            .get("type")
            .and_then(Value::as_str)
            .unwrap_or_default();
        let field = |name: &str, key: &str| {
            value
                .get(name)
                .and_then(|v| v.get(key))
                .and_then(Value::as_str)
                .map(str::to_owned)
        };
        let known = match kind {
            "page" => field("page", "id").map(Mention::Page),
            "database" => field("database", "id").map(Mention::Database),
            "data_source" => field("data_source", "id").map(Mention::DataSource),
            "user" => Some(Mention::User),
            "date" => Some(Mention::Date),
            "link_preview" => field("link_preview", "url").map(Mention::LinkPreview),
            "link_mention" => field("link_mention", "href").map(Mention::LinkMention),
            "template_mention" => Some(Mention::TemplateMention),
            "custom_emoji" => Some(Mention::CustomEmoji),
            _ => None,
        };
        known.unwrap_or_else(|| Mention::Unknown(kind.to_owned()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn text_links_and_mentions_are_typed() {
        let runs: Vec<RichText> = serde_json::from_value(json!([
            {"type": "text", "text": {"content": "a", "link": {"url": "https://x.example"}}, "plain_text": "a", "href": "https://x.example"},
            {"type": "mention", "mention": {"type": "page", "page": {"id": "p1"}}, "plain_text": "P"},
            {"type": "mention", "mention": {"type": "database", "database": {"id": "d1"}}},
            {"type": "mention", "mention": {"type": "person_group", "person_group": {}}},
            {"type": "sparkle", "sparkle": {}},
        ]))
        .unwrap();
        assert_eq!(
            runs[0].content,
            RichTextContent::Text {
                link: Some("https://x.example".into())
            }
        );
        assert_eq!(
            runs[1].content,
            RichTextContent::Mention(Mention::Page("p1".into()))
        );
        assert_eq!(
            runs[2].content,
            RichTextContent::Mention(Mention::Database("d1".into()))
        );
        assert_eq!(
            runs[3].content,
            RichTextContent::Mention(Mention::Unknown("person_group".into()))
        );
        assert_eq!(runs[4].content, RichTextContent::Unknown("sparkle".into()));
    }
}
