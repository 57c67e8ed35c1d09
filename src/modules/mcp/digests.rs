//! What each tool answers, as pure functions of a snapshot: compact digests (ids, titles, kinds
//! and counts, never page contents), long lists cut to a page with a cursor for the rest.

use serde_json::{Value, json};

use crate::modules::graph::model::LinkRef;
use crate::modules::graph::views::{self, View, ViewError, ViewNode};
use crate::modules::graph::{Neighbourhood, Snapshot, SnapshotDiff, ViewRequest, pages};

/// A page as a digest names it.
fn page(snapshot: &Snapshot, at: u32) -> Value {
    let node = &snapshot.graph.nodes[at as usize];
    json!({"id": node.id, "title": node.title, "kind": node.kind.name()})
}

/// `items` from `offset`, at most `limit` of them, with the cursor of the rest if any.
pub fn paged<T: Clone>(items: &[T], offset: usize, limit: usize) -> (Vec<T>, Option<String>) {
    let end = (offset + limit).min(items.len());
    let page = items.get(offset.min(end)..end).unwrap_or_default().to_vec();
    let next = (end < items.len()).then(|| end.to_string());
    (page, next)
}

pub fn search(snapshot: &Snapshot, text: &str, offset: usize, limit: usize) -> Value {
    let found = pages::search(snapshot, text, usize::MAX);
    let (hits, next) = paged(&found, offset, limit);
    let hits: Vec<Value> = hits
        .iter()
        .map(|p| {
            json!({"id": p.id, "title": p.title, "kind": p.kind, "url": p.url,
                "links_in": p.links_in, "links_out": p.links_out})
        })
        .collect();
    json!({"version": snapshot.meta.version, "total": found.len(), "pages": hits, "next_cursor": next})
}

/// A page with its metrics and its links both ways (`limit` of each from `offset`).
pub fn detail(
    snapshot: &Snapshot,
    text: &str,
    offset: usize,
    limit: usize,
) -> Result<Value, ViewError> {
    let detail = pages::detail(snapshot, text)?;
    let links = |all: &[pages::PageLink]| {
        let (items, next) = paged(all, offset, limit);
        let items: Vec<Value> = items
            .iter()
            .map(|l| json!({"id": l.id, "title": l.title, "kind": l.kind}))
            .collect();
        json!({"total": all.len(), "items": items, "next_cursor": next})
    };
    let m = &detail.metrics;
    Ok(json!({
        "id": detail.page.id, "title": detail.page.title, "kind": detail.page.kind,
        "url": detail.page.url, "parent": detail.parent,
        "last_edited_time": detail.last_edited_time,
        "trashed": detail.trashed, "unreadable": detail.dangling,
        "rank": m.rank, "community": m.community, "hub": m.hub, "orphan": m.orphan,
        "articulation_point": m.articulation_point,
        "links_out": links(&detail.links_out), "links_in": links(&detail.links_in),
    }))
}

/// The pages of a view and its links between them, by id.
fn digest(snapshot: &Snapshot, view: &View, limit: usize) -> Value {
    let ids: Vec<Option<u32>> = view
        .nodes
        .iter()
        .map(|n| match n {
            ViewNode::Page(at) => Some(*at),
            ViewNode::Community(_) => None,
        })
        .collect();
    let shown: Vec<Value> = ids
        .iter()
        .flatten()
        .take(limit)
        .map(|&at| page(snapshot, at))
        .collect();
    let id_of = |position: u32| {
        let at = ids.get(position as usize).copied().flatten()?;
        Some(snapshot.graph.nodes[at as usize].id.clone())
    };
    let links: Vec<Value> = view
        .links
        .iter()
        .filter(|l| (l.source as usize) < limit && (l.target as usize) < limit)
        .filter_map(|l| {
            Some(json!({"source": id_of(l.source)?, "target": id_of(l.target)?, "kind": l.kind}))
        })
        .collect();
    json!({"total_pages": view.nodes.len(), "truncated": view.nodes.len() > limit,
        "pages": shown, "links": links})
}

pub fn neighbourhood(
    snapshot: &Snapshot,
    text: &str,
    depth: u8,
    limit: usize,
) -> Result<Value, ViewError> {
    let request = ViewRequest::Neighbourhood(Neighbourhood {
        root: text.to_owned(),
        depth,
        ..Neighbourhood::default()
    });
    let view = views::view(snapshot, &request)?;
    let mut answer = digest(snapshot, &view, limit);
    answer["depth"] = json!(depth);
    Ok(answer)
}

pub fn path(snapshot: &Snapshot, from: &str, to: &str, directed: bool) -> Result<Value, ViewError> {
    let request = ViewRequest::Path {
        from: from.to_owned(),
        to: to.to_owned(),
        directed,
    };
    let view = views::view(snapshot, &request)?;
    let found = view.meta.get("found").cloned().unwrap_or(json!(false));
    let mut answer = digest(snapshot, &view, usize::MAX);
    answer["found"] = found;
    answer["hops"] = view.meta.get("hops").cloned().unwrap_or(Value::Null);
    Ok(answer)
}

/// Counts, the largest communities, the top pages by PageRank and the orphans.
pub fn summary(snapshot: &Snapshot, top: usize) -> Value {
    let metrics = &snapshot.metrics;
    let mut communities = metrics.communities.clone();
    communities.sort_by(|a, b| b.size.cmp(&a.size).then(a.id.cmp(&b.id)));
    let communities: Vec<Value> = communities
        .iter()
        .take(top)
        .map(|c| json!({"id": c.id, "label": c.label, "size": c.size}))
        .collect();
    let list = |at: &[u32]| {
        at.iter()
            .take(top)
            .map(|&i| page(snapshot, i))
            .collect::<Vec<_>>()
    };
    let top_pages = crate::modules::graph::summary::top_pages(&metrics.pagerank, top);
    json!({
        "version": snapshot.meta.version,
        "pages": snapshot.graph.nodes.len(), "links": snapshot.graph.links.len(),
        "communities": {"total": metrics.communities.len(), "largest": communities},
        "top_pages": list(&top_pages),
        "hubs": {"total": metrics.hubs.len(), "items": list(&metrics.hubs)},
        "orphans": {"total": metrics.orphans.len(), "items": list(&metrics.orphans)},
        "components": metrics.component_count,
    })
}

/// A diff as counts and the first `limit` of each list, pages by id and title (from `after`).
pub fn changes(after: &Snapshot, diff: &SnapshotDiff, limit: usize) -> Value {
    let title = |id: &str| {
        let node = after.graph.nodes.iter().find(|n| n.id == id);
        node.map(|n| n.title.clone())
    };
    let pages = |ids: &[String]| {
        let items: Vec<Value> = ids
            .iter()
            .take(limit)
            .map(|id| json!({"id": id, "title": title(id)}))
            .collect();
        json!({"total": ids.len(), "items": items})
    };
    let links = |refs: &[LinkRef]| {
        let items: Vec<Value> = refs
            .iter()
            .take(limit)
            .map(|l| json!({"source": l.source, "target": l.target, "kind": l.kind.name()}))
            .collect();
        json!({"total": refs.len(), "items": items})
    };
    json!({
        "from": diff.from, "to": diff.to,
        "added_pages": pages(&diff.added_nodes), "removed_pages": pages(&diff.removed_nodes),
        "added_links": links(&diff.added_links), "removed_links": links(&diff.removed_links),
        "new_orphans": pages(&diff.new_orphans), "broken_links": links(&diff.broken_links),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_page_of_a_list_says_where_the_next_one_starts() {
        let items: Vec<u32> = (0..5).collect();
        assert_eq!(paged(&items, 0, 2), (vec![0, 1], Some("2".into())));
        assert_eq!(paged(&items, 4, 2), (vec![4], None));
        assert_eq!(paged(&items, 9, 2), (vec![], None));
    }
}
