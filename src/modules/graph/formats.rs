//! GEXF 1.3 (with positions, sizes and attributes, as Gephi reads them) and GraphML renderings
//! of a view, written by hand: both are flat lists of nodes and edges.

use std::fmt::Write;

use super::facts::{Facts, NodeFacts};
use super::model::Snapshot;
use super::views::View;

/// Node attributes both formats carry: (id, GEXF type, GraphML type).
const NODE_ATTRIBUTES: [(&str, &str, &str); 8] = [
    ("kind", "string", "string"),
    ("url", "string", "string"),
    ("community", "integer", "int"),
    ("pagerank", "double", "double"),
    ("in", "integer", "int"),
    ("out", "integer", "int"),
    ("trashed", "boolean", "boolean"),
    ("dangling", "boolean", "boolean"),
];

fn node_values(node: &NodeFacts<'_>) -> [String; 8] {
    [
        node.kind.to_owned(),
        node.url.unwrap_or("").to_owned(),
        node.community.to_string(),
        node.pagerank.to_string(),
        node.in_degree.to_string(),
        node.out_degree.to_string(),
        node.trashed.to_string(),
        node.dangling.to_string(),
    ]
}

/// Escapes text for an XML attribute or element; drops characters XML 1.0 cannot hold.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\t' | '\n' | '\r' => {
                let _ = write!(out, "&#{};", c as u32);
            }
            c if (c as u32) < 0x20 || c == '\u{fffe}' || c == '\u{ffff}' => {}
            c => out.push(c),
        }
    }
    out
}

/// A GEXF 1.3 document of `view`: directed, static, with `viz` positions and sizes.
pub fn gexf(snapshot: &Snapshot, view: &View) -> String {
    let facts = Facts::new(snapshot, view);
    let mut out = String::with_capacity(view.nodes.len() * 400 + view.links.len() * 120);
    out.push_str(concat!(
        r#"<?xml version="1.0" encoding="UTF-8"?>"#,
        "\n",
        r#"<gexf xmlns="http://gexf.net/1.3" xmlns:viz="http://gexf.net/1.3/viz" "#,
        r#"xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" "#,
        r#"xsi:schemaLocation="http://gexf.net/1.3 http://gexf.net/1.3/gexf.xsd" version="1.3">"#,
        "\n"
    ));
    let _ = writeln!(
        out,
        "<meta><creator>notion-graph</creator><description>{} view of workspace {} (snapshot {})</description></meta>",
        view.name,
        escape(&snapshot.meta.workspace),
        snapshot.meta.version
    );
    out.push_str(
        "<graph defaultedgetype=\"directed\" mode=\"static\">\n<attributes class=\"node\">",
    );
    for (id, gexf_type, _) in NODE_ATTRIBUTES {
        let _ = write!(
            out,
            r#"<attribute id="{id}" title="{id}" type="{gexf_type}"/>"#
        );
    }
    out.push_str("</attributes>\n<attributes class=\"edge\"><attribute id=\"kind\" title=\"kind\" type=\"string\"/></attributes>\n");
    let _ = writeln!(out, "<nodes count=\"{}\">", view.nodes.len());
    for &node in &view.nodes {
        gexf_node(&mut out, &facts.node(node));
    }
    let _ = writeln!(out, "</nodes>\n<edges count=\"{}\">", view.links.len());
    let ids: Vec<String> = view
        .nodes
        .iter()
        .map(|&n| escape(&facts.node(n).id))
        .collect();
    for (at, link) in view.links.iter().enumerate() {
        let _ = writeln!(
            out,
            r#"<edge id="{at}" source="{}" target="{}" label="{kind}" weight="{}"><attvalues><attvalue for="kind" value="{kind}"/></attvalues></edge>"#,
            ids[link.source as usize],
            ids[link.target as usize],
            link.count.max(1),
            kind = link.kind,
        );
    }
    out.push_str("</edges>\n</graph>\n</gexf>\n");
    out
}

fn gexf_node(out: &mut String, node: &NodeFacts<'_>) {
    let _ = write!(
        out,
        r#"<node id="{}" label="{}"><attvalues>"#,
        escape(&node.id),
        escape(node.title)
    );
    for ((id, _, _), value) in NODE_ATTRIBUTES.iter().zip(node_values(node)) {
        let _ = write!(out, r#"<attvalue for="{id}" value="{}"/>"#, escape(&value));
    }
    let _ = writeln!(
        out,
        r#"</attvalues><viz:size value="{}"/><viz:position x="{}" y="{}" z="0"/></node>"#,
        node.size.max(0.0),
        finite(node.x),
        finite(node.y)
    );
}

fn finite(value: f32) -> f32 {
    if value.is_finite() { value } else { 0.0 }
}

/// A GraphML document of `view`, directed, with the same attributes plus `label`, `x`, `y`
/// and `size` keys.
pub fn graphml(snapshot: &Snapshot, view: &View) -> String {
    let facts = Facts::new(snapshot, view);
    let mut out = String::with_capacity(view.nodes.len() * 400 + view.links.len() * 100);
    out.push_str(concat!(
        r#"<?xml version="1.0" encoding="UTF-8"?>"#,
        "\n",
        r#"<graphml xmlns="http://graphml.graphdrawing.org/xmlns" "#,
        r#"xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" "#,
        r#"xsi:schemaLocation="http://graphml.graphdrawing.org/xmlns http://graphml.graphdrawing.org/xmlns/1.0/graphml.xsd">"#,
        "\n"
    ));
    let extra = [
        ("label", "string"),
        ("x", "float"),
        ("y", "float"),
        ("size", "float"),
    ];
    let keys = extra
        .iter()
        .copied()
        .chain(NODE_ATTRIBUTES.iter().map(|&(id, _, t)| (id, t)));
    for (id, kind) in keys {
        let _ = writeln!(
            out,
            r#"<key id="{id}" for="node" attr.name="{id}" attr.type="{kind}"/>"#
        );
    }
    out.push_str("<key id=\"edge_kind\" for=\"edge\" attr.name=\"kind\" attr.type=\"string\"/>\n");
    out.push_str("<key id=\"count\" for=\"edge\" attr.name=\"count\" attr.type=\"int\"/>\n");
    out.push_str("<graph id=\"G\" edgedefault=\"directed\">\n");
    for &node in &view.nodes {
        graphml_node(&mut out, &facts.node(node));
    }
    let ids: Vec<String> = view
        .nodes
        .iter()
        .map(|&n| escape(&facts.node(n).id))
        .collect();
    for link in &view.links {
        let _ = writeln!(
            out,
            r#"<edge source="{}" target="{}"><data key="edge_kind">{}</data><data key="count">{}</data></edge>"#,
            ids[link.source as usize], ids[link.target as usize], link.kind, link.count
        );
    }
    out.push_str("</graph>\n</graphml>\n");
    out
}

fn graphml_node(out: &mut String, node: &NodeFacts<'_>) {
    let _ = write!(out, r#"<node id="{}">"#, escape(&node.id));
    let extra = [
        ("label", escape(node.title)),
        ("x", finite(node.x).to_string()),
        ("y", finite(node.y).to_string()),
        ("size", node.size.to_string()),
    ];
    let attributes = NODE_ATTRIBUTES.iter().map(|a| a.0).zip(node_values(node));
    for (key, value) in extra
        .into_iter()
        .chain(attributes.map(|(k, v)| (k, escape(&v))))
    {
        let _ = write!(out, r#"<data key="{key}">{value}</data>"#);
    }
    out.push_str("</node>\n");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escaping_covers_markup_and_drops_what_xml_cannot_hold() {
        assert_eq!(escape("a<b & \"c\"\u{1}"), "a&lt;b &amp; &quot;c&quot;");
        assert_eq!(escape("x\ny"), "x&#10;y");
    }
}
