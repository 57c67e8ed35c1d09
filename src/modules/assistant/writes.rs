//! The bodies of Notion's write requests for each step, built from the step alone (pure), and
//! a new row's property values typed by its data source's schema.

use serde_json::{Map, Value, json};

use super::plan::{MAX_TEXT, Property};

/// Rich text for `text`, in runs of at most Notion's 2000 characters.
pub fn rich_text(text: &str) -> Value {
    let chars: Vec<char> = text.chars().collect();
    let runs: Vec<Value> = chars
        .chunks(MAX_TEXT)
        .map(|run| json!({ "type": "text", "text": { "content": run.iter().collect::<String>() } }))
        .collect();
    Value::Array(runs)
}

/// One paragraph block per line of `text` (empty lines dropped).
pub fn paragraphs(text: &str) -> Vec<Value> {
    text.lines()
        .map(str::trim)
        .filter(|line| !line.is_empty())
        .map(|line| json!({ "object": "block", "type": "paragraph", "paragraph": { "rich_text": rich_text(line) } }))
        .collect()
}

pub fn to_do(text: &str) -> Value {
    json!({ "object": "block", "type": "to_do", "to_do": { "rich_text": rich_text(text), "checked": false } })
}

/// `POST /v1/pages` for a page under `parent` (a page id).
pub fn new_page(parent: &str, title: &str, text: Option<&str>) -> Value {
    let mut body = json!({
        "parent": { "type": "page_id", "page_id": parent },
        "properties": { "title": { "title": rich_text(title) } },
    });
    if let Some(text) = text {
        body["children"] = Value::Array(paragraphs(text));
    }
    body
}

/// `PATCH /v1/pages/{id}` setting the title property `name`.
pub fn title_update(name: &str, title: &str) -> Value {
    json!({ "properties": { name: { "title": rich_text(title) } } })
}

pub fn trash(trashed: bool) -> Value {
    json!({ "in_trash": trashed })
}

pub fn move_to(parent: &str) -> Value {
    json!({ "parent": { "type": "page_id", "page_id": parent } })
}

pub fn comment(page: &str, text: &str) -> Value {
    json!({ "parent": { "page_id": page }, "rich_text": rich_text(text) })
}

/// `POST /v1/pages` for a row of `data_source` with its title and properties typed by
/// `schema` (the data source's `properties`), or what is wrong with them, in words.
pub fn new_row(
    data_source: &str,
    schema: &Map<String, Value>,
    title: &str,
    properties: &[Property],
) -> Result<Value, String> {
    let kind_of = |def: &Value| {
        def.get("type")
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_owned()
    };
    let title_name = schema
        .iter()
        .find(|(_, def)| kind_of(def) == "title")
        .map(|(name, _)| name.clone())
        .ok_or("the database has no title property")?;
    let mut values = Map::new();
    values.insert(title_name, json!({ "title": rich_text(title) }));
    for property in properties {
        let (name, def) = schema
            .iter()
            .find(|(name, _)| name.eq_ignore_ascii_case(property.name.trim()))
            .ok_or_else(|| {
                let names: Vec<&str> = schema.keys().map(String::as_str).collect();
                format!(
                    "the database has no property “{}” (it has {})",
                    property.name,
                    names.join(", ")
                )
            })?;
        values.insert(
            name.clone(),
            typed(&kind_of(def), name, property.value.trim())?,
        );
    }
    Ok(json!({
        "parent": { "type": "data_source_id", "data_source_id": data_source },
        "properties": values,
    }))
}

fn typed(kind: &str, name: &str, value: &str) -> Result<Value, String> {
    Ok(match kind {
        "title" => json!({ "title": rich_text(value) }),
        "rich_text" => json!({ "rich_text": rich_text(value) }),
        "number" => {
            let n: f64 = value.parse().map_err(|_| {
                format!("{name} is a number property, and “{value}” is not a number")
            })?;
            json!({ "number": n })
        }
        "select" => json!({ "select": { "name": value } }),
        "status" => json!({ "status": { "name": value } }),
        "multi_select" => {
            let names: Vec<Value> = value
                .split('|')
                .map(str::trim)
                .filter(|v| !v.is_empty())
                .map(|v| json!({ "name": v }))
                .collect();
            json!({ "multi_select": names })
        }
        "checkbox" => {
            json!({ "checkbox": matches!(value.to_lowercase().as_str(), "yes" | "true" | "done" | "x" | "1" | "checked") })
        }
        "date" => json!({ "date": { "start": value } }),
        "url" | "email" | "phone_number" => json!({ kind: value }),
        other => return Err(format!("{name} is a {other} property, which I cannot set")),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn schema() -> Map<String, Value> {
        json!({
            "Name": { "type": "title" },
            "Status": { "type": "select" },
            "Score": { "type": "number" },
            "Tags": { "type": "multi_select" },
            "Action": { "type": "button" },
        })
        .as_object()
        .unwrap()
        .clone()
    }

    fn property(name: &str, value: &str) -> Property {
        Property {
            name: name.into(),
            value: value.into(),
        }
    }

    #[test]
    fn a_row_is_typed_by_its_schema_and_names_are_matched_in_any_case() {
        let body = new_row(
            "ds",
            &schema(),
            "Fix",
            &[
                property("status", "Done"),
                property("Score", "3"),
                property("tags", "a | b"),
            ],
        )
        .unwrap();
        assert_eq!(body["parent"]["data_source_id"], "ds");
        assert_eq!(
            body["properties"]["Name"]["title"][0]["text"]["content"],
            "Fix"
        );
        assert_eq!(body["properties"]["Status"]["select"]["name"], "Done");
        assert_eq!(body["properties"]["Score"]["number"], 3.0);
        assert_eq!(body["properties"]["Tags"]["multi_select"][1]["name"], "b");
    }

    #[test]
    fn a_property_that_cannot_be_set_is_refused_in_words() {
        let error = new_row("ds", &schema(), "Fix", &[property("Owner", "Ana")]).unwrap_err();
        assert!(
            error.contains("no property “Owner”") && error.contains("Status"),
            "{error}"
        );
        let error = new_row("ds", &schema(), "Fix", &[property("Score", "high")]).unwrap_err();
        assert!(error.contains("not a number"));
        assert!(
            new_row("ds", &schema(), "Fix", &[property("Action", "x")])
                .unwrap_err()
                .contains("button")
        );
    }

    #[test]
    fn long_text_is_split_into_runs_notion_accepts() {
        let text = "x".repeat(MAX_TEXT + 1);
        let runs = rich_text(&text);
        assert_eq!(runs.as_array().unwrap().len(), 2);
    }
}
