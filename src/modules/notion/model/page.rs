//! Pages, their properties, property items, databases and data sources.

use std::collections::BTreeMap;

use serde::Deserialize;
use serde_json::{Map, Value};

use super::{Parent, RichText, RichTextContent};

/// How many references Notion returns in one property of a page object.
const REFERENCE_CAP: usize = 25;

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(from = "RawPage")]
pub struct Page {
    pub id: String,
    pub created_time: Option<String>,
    pub last_edited_time: Option<String>,
    pub parent: Option<Parent>,
    pub in_trash: bool,
    pub url: Option<String>,
    pub icon: Option<Value>,
    /// By property name.
    pub properties: BTreeMap<String, PropertyValue>,
}

impl Page {
    /// The plain text of the title property.
    pub fn title(&self) -> String {
        self.properties
            .values()
            .find_map(|p| match p {
                PropertyValue::Title { text, .. } => Some(plain(text)),
                _ => None,
            })
            .unwrap_or_default()
    }
}

pub(crate) fn plain(text: &[RichText]) -> String {
    text.iter().map(|t| t.plain_text.as_str()).collect()
}

#[derive(Debug, Clone, PartialEq)]
pub enum PropertyValue {
    /// `has_more` is set when Notion cut the list at 25 entries.
    Title {
        id: String,
        text: Vec<RichText>,
        has_more: bool,
    },
    RichText {
        id: String,
        text: Vec<RichText>,
        has_more: bool,
    },
    Relation {
        id: String,
        targets: Vec<String>,
        has_more: bool,
    },
    Other {
        id: String,
        kind: String,
    },
}

#[derive(Deserialize)]
struct RawPage {
    id: String,
    #[serde(default)]
    created_time: Option<String>,
    #[serde(default)]
    last_edited_time: Option<String>,
    #[serde(default)]
    parent: Option<Parent>,
    #[serde(default)]
    archived: bool,
    #[serde(default)]
    in_trash: bool,
    #[serde(default)]
    url: Option<String>,
    #[serde(default)]
    icon: Option<Value>,
    #[serde(default)]
    properties: Map<String, Value>,
}

impl From<RawPage> for Page {
    fn from(raw: RawPage) -> Self {
        let properties = raw
            .properties
            .into_iter()
            .map(|(name, value)| (name, PropertyValue::from_value(&value)))
            .collect();
        Page {
            id: raw.id,
            created_time: raw.created_time,
            last_edited_time: raw.last_edited_time,
            parent: raw.parent,
            in_trash: raw.archived || raw.in_trash,
            url: raw.url,
            icon: raw.icon,
            properties,
        }
    }
}

fn rich_text(value: Option<&Value>) -> Option<Vec<RichText>> {
    serde_json::from_value(value?.clone()).ok()
}

fn ids(value: Option<&Value>) -> Option<Vec<String>> {
    value?
        .as_array()?
        .iter()
        .map(|r| r.get("id").and_then(Value::as_str).map(str::to_owned))
        .collect()
}

impl PropertyValue {
    fn from_value(value: &Value) -> Self {
        let id = value
            .get("id")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned();
        let kind = value
            .get("type")
            .and_then(Value::as_str)
            .unwrap_or_default();
        let has_more = value
            .get("has_more")
            .and_then(Value::as_bool)
            .unwrap_or(false);
        // Notion cuts title and rich text at 25 references without saying so: a property
        // holding that many mentions may hold more.
        let cut = |text: &Vec<RichText>| {
            has_more
                || text
                    .iter()
                    .filter(|t| matches!(t.content, RichTextContent::Mention(_)))
                    .count()
                    >= REFERENCE_CAP
        };
        let typed = match kind {
            "title" => rich_text(value.get("title")).map(|text| PropertyValue::Title {
                id: id.clone(),
                has_more: cut(&text),
                text,
            }),
            "rich_text" => rich_text(value.get("rich_text")).map(|text| PropertyValue::RichText {
                id: id.clone(),
                has_more: cut(&text),
                text,
            }),
            "relation" => ids(value.get("relation")).map(|targets| PropertyValue::Relation {
                id: id.clone(),
                targets,
                has_more,
            }),
            _ => None,
        };
        typed.unwrap_or(PropertyValue::Other {
            id,
            kind: kind.to_owned(),
        })
    }
}

/// One entry of `GET /v1/pages/{id}/properties/{property_id}`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(from = "Map<String, Value>")]
pub struct PropertyItem {
    pub id: String,
    pub value: PropertyItemValue,
}

#[derive(Debug, Clone, PartialEq)]
pub enum PropertyItemValue {
    Relation(String),
    Title(RichText),
    RichText(RichText),
    Other(String),
}

impl From<Map<String, Value>> for PropertyItem {
    fn from(map: Map<String, Value>) -> Self {
        let id = map
            .get("id")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned();
        let kind = map
            .get("type")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned();
        let payload = map.get(&kind).cloned().unwrap_or(Value::Null);
        let value = match kind.as_str() {
            "relation" => payload
                .get("id")
                .and_then(Value::as_str)
                .map(|t| PropertyItemValue::Relation(t.to_owned())),
            "title" => serde_json::from_value(payload)
                .ok()
                .map(PropertyItemValue::Title),
            "rich_text" => serde_json::from_value(payload)
                .ok()
                .map(PropertyItemValue::RichText),
            _ => None,
        };
        PropertyItem {
            id,
            value: value.unwrap_or(PropertyItemValue::Other(kind)),
        }
    }
}

/// What databases and data sources have in common.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
pub struct Container {
    #[serde(default)]
    pub title: Vec<RichText>,
    /// A database's page (or block); a data source's database.
    #[serde(default)]
    pub parent: Option<Parent>,
    #[serde(default)]
    pub archived: bool,
    #[serde(default)]
    pub in_trash: bool,
    #[serde(default)]
    pub created_time: Option<String>,
    #[serde(default)]
    pub last_edited_time: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct Database {
    pub id: String,
    #[serde(flatten)]
    pub info: Container,
    #[serde(default)]
    pub data_sources: Vec<DataSourceRef>,
    #[serde(default)]
    pub url: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct DataSourceRef {
    pub id: String,
    #[serde(default)]
    pub name: String,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct DataSource {
    pub id: String,
    #[serde(flatten)]
    pub info: Container,
    /// The schema, by property name (kept raw: its types vary most between versions).
    #[serde(default)]
    pub properties: Map<String, Value>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn relations_flag_truncation_and_unknown_properties_are_kept() {
        let page: Page = serde_json::from_value(json!({
            "object": "page", "id": "p1", "in_trash": false,
            "properties": {
                "Name": {"id": "title", "type": "title", "title": [{"type": "text", "text": {"content": "Roadmap"}, "plain_text": "Roadmap"}]},
                "Links": {"id": "ab%3D", "type": "relation", "relation": [{"id": "r1"}], "has_more": true},
                "Vibe": {"id": "v", "type": "vibe", "vibe": {}}
            }
        }))
        .unwrap();
        assert_eq!(page.title(), "Roadmap");
        assert_eq!(
            page.properties["Links"],
            PropertyValue::Relation {
                id: "ab%3D".into(),
                targets: vec!["r1".into()],
                has_more: true
            }
        );
        assert_eq!(
            page.properties["Vibe"],
            PropertyValue::Other {
                id: "v".into(),
                kind: "vibe".into()
            }
        );
    }
}
