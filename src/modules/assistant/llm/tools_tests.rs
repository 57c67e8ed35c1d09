use super::*;
use crate::modules::assistant::intent::PageName;

fn page(name: &str) -> PageName {
    PageName(name.into())
}

#[test]
fn every_tool_becomes_its_intent_and_every_intent_but_help_has_a_tool() {
    let mut tagged = Vec::new();
    for tool in TOOLS {
        let arguments: Map<String, Value> = tool
            .arguments
            .iter()
            .map(|(name, _, _)| match *name {
                "properties" => (name.to_string(), json!({"Status": "Done"})),
                _ => (name.to_string(), json!(format!("{name} value"))),
            })
            .collect();
        let intent = intent(tool.name, &Value::Object(arguments).to_string())
            .unwrap_or_else(|e| panic!("{}: {e}", tool.name));
        let tag = serde_json::to_value(&intent).unwrap()["intent"].clone();
        assert_eq!(tag, tool.name);
        tagged.push(tag);
    }
    for missing in ["help", "unknown"] {
        assert!(!tagged.contains(&json!(missing)));
    }
    assert_eq!(tagged.len(), 19, "every other intent has its tool");
    let defined = definitions();
    assert_eq!(defined.as_array().unwrap().len(), TOOLS.len());
    assert_eq!(
        defined[0]["function"]["parameters"]["required"],
        json!(["text"])
    );
}

#[test]
fn arguments_are_read_as_text_as_an_object_or_stringified_twice() {
    let wanted = Intent::Rename {
        page: page("Roadmap"),
        title: "Plan 2027".into(),
    };
    let object = r#"{"page":"Roadmap","title":"Plan 2027"}"#;
    assert_eq!(intent("rename", object), Ok(wanted.clone()));
    let twice = serde_json::to_string(object).unwrap();
    assert_eq!(intent("rename", &twice), Ok(wanted.clone()));
    let number = r#"{"page":"Roadmap","title":2027,"extra":true}"#;
    assert_eq!(
        intent("rename", number),
        Ok(Intent::Rename {
            page: page("Roadmap"),
            title: "2027".into()
        })
    );
    assert_eq!(intent("orphans", ""), Ok(Intent::Orphans));
    assert_eq!(
        intent("summary", "null"),
        Ok(Intent::Summary { community: None })
    );
    assert_eq!(
        intent("summary", r#"{"community": ""}"#),
        Ok(Intent::Summary { community: None })
    );
}

#[test]
fn row_properties_come_as_an_object_a_list_or_json_text() {
    let wanted = Intent::AddRow {
        database: page("Tasks"),
        title: "Ship".into(),
        properties: vec![
            ("Status".into(), "Done".into()),
            ("Points".into(), "3".into()),
        ],
    };
    for properties in [
        json!({"Status": "Done", "Points": 3}),
        json!([["Status", "Done"], ["Points", 3]]),
        json!([{"name": "Status", "value": "Done"}, {"name": "Points", "value": "3"}]),
        json!(r#"{"Status": "Done", "Points": "3"}"#),
    ] {
        let arguments = json!({"database": "Tasks", "title": "Ship", "properties": properties});
        assert_eq!(
            intent("add_row", &arguments.to_string()),
            Ok(wanted.clone())
        );
    }
}

#[test]
fn a_bad_call_says_what_is_wrong() {
    let message = |name: &str, arguments: &str| intent(name, arguments).unwrap_err().0;
    assert!(message("delete_everything", "{}").contains("no tool"));
    assert!(message("archive", "{}").contains("`page`"));
    assert!(message("archive", "{page: x}").contains("not JSON"));
    assert!(message("archive", "[1]").contains("object"));
    assert!(message("archive", r#"{"page": {"id": 1}}"#).contains("text"));
}
