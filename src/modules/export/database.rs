//! A database's files: `_database.md` (front matter, the schema of each data source, links to
//! its rows) and `rows.csv` (one line per row, a column per property), written after its rows
//! from their stored content, one row at a time.

use std::collections::{BTreeMap, HashSet};
use std::io::{BufWriter, Write};
use std::path::Path;

use serde_json::{Value, json};

use super::content::Cache;
use super::files;
use super::layout::{self, Node, NodeKind, Plan};
use super::markdown::{self, FoundLink, Renderer, heading_text, plain};
use super::run::{PlanTargets, meta};

/// Writes the files of every database that `touched` holds or holds a row of. Answers the
/// files and bytes written.
pub fn write_all(
    plan: &Plan,
    cache: &Cache,
    out: &Path,
    touched: &HashSet<usize>,
) -> std::io::Result<(u64, u64)> {
    let mut rows: BTreeMap<usize, Vec<usize>> = BTreeMap::new();
    for (i, node) in plan.nodes.iter().enumerate() {
        if node.entry.kind == NodeKind::Database {
            rows.entry(i).or_default();
        }
        let parent = node
            .parent
            .filter(|p| plan.nodes[*p].entry.kind == NodeKind::Database);
        if let (Some(parent), NodeKind::Row) = (parent, node.entry.kind) {
            rows.entry(parent).or_default().push(i);
        }
    }
    let (mut written, mut bytes) = (0, 0);
    for (database, rows) in rows {
        if !touched.contains(&database) && !rows.iter().any(|r| touched.contains(r)) {
            continue;
        }
        let node = &plan.nodes[database];
        let content = stored(cache, node);
        let schema = schema(&content);
        let document = document(plan, node, &content, &schema, &rows);
        if files::write_atomic(&out.join(&node.file), document.as_bytes())? {
            written += 1;
            bytes += document.len() as u64;
        }
        let csv = out
            .join(node.folder.as_deref().unwrap_or_default())
            .join(layout::ROWS_FILE);
        bytes += write_csv(&csv, plan, cache, &schema, &rows)?;
        written += 1;
    }
    Ok((written, bytes))
}

/// The stored content of `node`, or nothing (a page that failed leaves its row's cells empty).
fn stored(cache: &Cache, node: &Node) -> Value {
    std::fs::read(cache.path(&node.entry.id))
        .ok()
        .and_then(|bytes| serde_json::from_slice(&bytes).ok())
        .unwrap_or(Value::Null)
}

/// Property name to type over every data source, the title property first.
fn schema(content: &Value) -> Vec<(String, String)> {
    let mut columns: BTreeMap<String, String> = BTreeMap::new();
    for source in content["data_sources"].as_array().into_iter().flatten() {
        for (name, property) in source["properties"].as_object().into_iter().flatten() {
            let kind = property["type"].as_str().unwrap_or_default().to_owned();
            columns.entry(name.clone()).or_insert(kind);
        }
    }
    let mut ordered: Vec<(String, String)> = columns.into_iter().collect();
    ordered.sort_by_key(|(_, kind)| kind != "title");
    ordered
}

fn document(
    plan: &Plan,
    node: &Node,
    content: &Value,
    schema: &[(String, String)],
    rows: &[usize],
) -> String {
    let sources: Vec<Value> = content["data_sources"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|s| json!({ "id": s["id"], "name": plain(&s["title"]) }))
        .collect();
    let columns: serde_json::Map<String, Value> = schema
        .iter()
        .map(|(name, kind)| (name.clone(), json!(kind)))
        .collect();
    let targets = PlanTargets {
        plan,
        from: &node.file,
    };
    let mut renderer = Renderer::new(&targets);
    let description = renderer.rich_text(&content["object"]["description"]);
    let links: Vec<FoundLink> = renderer.into_links();
    let extra = [
        ("data_sources", Value::Array(sources)),
        ("schema", Value::Object(columns)),
    ];
    let mut out = markdown::front_matter(&meta(plan, node), &extra, &links);
    out.push_str(&format!("\n# {}\n", heading_text(&node.entry.title)));
    if !description.is_empty() {
        out.push_str(&format!("\n{description}\n"));
    }
    if !schema.is_empty() {
        out.push_str("\n## Properties\n\n| Property | Type |\n| --- | --- |\n");
        for (name, kind) in schema {
            out.push_str(&format!("| {} | {} |\n", markdown::escape(name), kind));
        }
    }
    out.push_str(&format!(
        "\n## Rows\n\n[All rows as CSV]({})\n",
        layout::ROWS_FILE
    ));
    if !rows.is_empty() {
        out.push('\n');
    }
    for row in rows {
        let row = &plan.nodes[*row];
        let href = layout::href(&node.file, &row.file);
        out.push_str(&format!("- [{}]({href})\n", heading_text(&row.entry.title)));
    }
    out
}

/// `rows.csv`: a header of property names, then a line per row in path order (RFC 4180
/// quoting), streamed to a temporary file and renamed. Answers the bytes written.
fn write_csv(
    path: &Path,
    plan: &Plan,
    cache: &Cache,
    schema: &[(String, String)],
    rows: &[usize],
) -> std::io::Result<u64> {
    let temporary = path.with_file_name(format!(".rows.csv.{}.partial", std::process::id()));
    let mut file = BufWriter::new(std::fs::File::create(&temporary)?);
    let mut bytes = 0;
    let mut line = |file: &mut BufWriter<std::fs::File>, cells: Vec<String>| {
        let text = cells.iter().map(|c| quote(c)).collect::<Vec<_>>().join(",") + "\r\n";
        bytes += text.len() as u64;
        file.write_all(text.as_bytes())
    };
    let header = if schema.is_empty() {
        vec!["Name".to_owned()]
    } else {
        schema.iter().map(|(name, _)| name.clone()).collect()
    };
    line(&mut file, header)?;
    for row in rows {
        let node = &plan.nodes[*row];
        let content = stored(cache, node);
        let properties = &content["object"]["properties"];
        let cells = if schema.is_empty() {
            vec![node.entry.title.clone()]
        } else {
            schema
                .iter()
                .map(|(name, _)| {
                    let value = markdown::property_value(&properties[name]);
                    markdown::cell_text(&value)
                })
                .collect()
        };
        line(&mut file, cells)?;
    }
    file.into_inner().map_err(|e| e.into_error())?.sync_data()?;
    std::fs::rename(&temporary, path)?;
    Ok(bytes)
}

/// A CSV field, quoted when it holds a comma, quote or line break.
fn quote(cell: &str) -> String {
    if cell.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", cell.replace('"', "\"\""))
    } else {
        cell.to_owned()
    }
}
