//! A workspace made from a plain edge list (`graph import-edges`), so that demos and
//! benchmarks can use a graph of any size: every node id that appears becomes a page with a
//! generated title, every pair a page mention, and the graph is built at once.

use std::collections::BTreeSet;
use std::sync::Arc;

use graph_engine::EdgeList;

use super::model::Snapshot;
use super::service::{GraphError, service};
use crate::modules::sync::connection::Connection;
use crate::modules::sync::local::{self, LocalPage};
use crate::modules::sync::service::SyncError;
use crate::state::AppState;

/// Words the generated titles start with, so that titles read like a workspace's and a title
/// search finds a spread of pages.
const WORDS: [&str; 16] = [
    "Roadmap",
    "Meeting notes",
    "Design",
    "Research",
    "Plan",
    "Ideas",
    "Review",
    "Journal",
    "Project",
    "Spec",
    "Guide",
    "Retro",
    "Onboarding",
    "Budget",
    "Launch",
    "Reading list",
];

/// The page id of node `n`: shaped like a Notion id, unique within the workspace.
pub fn page_id(n: u32) -> String {
    format!("00000000-0000-4000-8000-{n:012x}")
}

/// The generated title of node `n`: unique, so that it names the page.
pub fn title(n: u32) -> String {
    format!("{} {n}", WORDS[n as usize % WORDS.len()])
}

/// The pages (each node that some pair names) and links (self-links left out) of `list`.
pub fn pages_and_links(list: &EdgeList) -> (Vec<LocalPage>, Vec<(String, String)>) {
    let named: BTreeSet<u32> = list.edges.iter().flat_map(|&(u, v)| [u, v]).collect();
    let pages = named
        .into_iter()
        .map(|n| LocalPage {
            id: page_id(n),
            title: title(n),
        })
        .collect();
    let links = list
        .edges
        .iter()
        .filter(|(u, v)| u != v)
        .map(|&(u, v)| (page_id(u), page_id(v)))
        .collect();
    (pages, links)
}

#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    #[error(transparent)]
    Sync(#[from] SyncError),
    #[error(transparent)]
    Graph(#[from] GraphError),
}

impl From<ImportError> for crate::error::AppError {
    fn from(error: ImportError) -> Self {
        match error {
            ImportError::Sync(error) => error.into(),
            ImportError::Graph(error) => error.into(),
        }
    }
}

/// Stores `list` as a new workspace `name` of `owner` and builds its first snapshot.
pub async fn import(
    state: &AppState,
    owner: &str,
    name: &str,
    list: &EdgeList,
) -> Result<(Connection, Arc<Snapshot>), ImportError> {
    let (pages, links) = pages_and_links(list);
    let connection = local::create(state, owner, name, pages, links).await?;
    let snapshot = service(state)
        .build(&connection.id, super::BuildOptions::default())
        .await?;
    Ok((connection, snapshot))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_named_nodes_become_pages_and_self_links_are_left_out() {
        let list = EdgeList::parse("0 1\n1 1\n7 0\n").unwrap();
        let (pages, links) = pages_and_links(&list);
        let titles: Vec<_> = pages.iter().map(|p| p.title.as_str()).collect();
        assert_eq!(titles, ["Roadmap 0", "Meeting notes 1", "Journal 7"]);
        assert_eq!(links, [(page_id(0), page_id(1)), (page_id(7), page_id(0))]);
        assert_eq!(page_id(255), "00000000-0000-4000-8000-0000000000ff");
    }
}
