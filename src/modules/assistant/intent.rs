//! What a message asks for, as the planner understands it: a typed [`Intent`] whose slots hold
//! the words the user wrote (page names are resolved later, against the workspace's titles).

use serde::{Deserialize, Serialize};

/// A page as the user named it: a title (exact, any case or misspelt), a Notion URL or an id.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PageName(pub String);

impl PageName {
    pub fn new(text: &str) -> Self {
        Self(text.trim().to_owned())
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Every request the assistant understands. Reads are answered at once from the graph;
/// writes become a plan that waits for the user's confirmation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "intent", rename_all = "snake_case")]
pub enum Intent {
    /// Pages whose title contains the text.
    Search {
        text: String,
    },
    /// What links to the page, with the kind of each link.
    Backlinks {
        page: PageName,
    },
    /// What the page links to.
    Links {
        page: PageName,
    },
    Orphans,
    Hubs,
    /// The shortest chain of links between two pages.
    Path {
        from: PageName,
        to: PageName,
    },
    /// The workspace, or one community (by its label).
    Summary {
        community: Option<String>,
    },
    /// What changed between the last two snapshots.
    Changes,
    /// The page: its link, its links and the start of its text.
    Open {
        page: PageName,
    },
    CreatePage {
        title: String,
        parent: PageName,
        text: Option<String>,
    },
    AddTodo {
        text: String,
        page: PageName,
    },
    Append {
        text: String,
        page: PageName,
    },
    /// A row in a database: its title and properties by name.
    AddRow {
        database: PageName,
        title: String,
        properties: Vec<(String, String)>,
    },
    Comment {
        page: PageName,
        text: String,
    },
    Rename {
        page: PageName,
        title: String,
    },
    Move {
        page: PageName,
        parent: PageName,
    },
    /// Moves the page to the trash (Notion's archive).
    Archive {
        page: PageName,
    },
    /// Reverts the conversation's last task.
    Undo,
    Help,
    /// A task by id, or the conversation's last one.
    TaskStatus {
        task: Option<String>,
    },
    /// Nothing the grammar knows: answered with help, never with a write.
    Unknown,
}

impl Intent {
    /// Whether carrying the intent out changes the workspace (and so needs a confirmed plan).
    pub fn writes(&self) -> bool {
        matches!(
            self,
            Intent::CreatePage { .. }
                | Intent::AddTodo { .. }
                | Intent::Append { .. }
                | Intent::AddRow { .. }
                | Intent::Comment { .. }
                | Intent::Rename { .. }
                | Intent::Move { .. }
                | Intent::Archive { .. }
        )
    }
}

impl Intent {
    /// The page slots, in the order they appear in the intent.
    fn pages_mut(&mut self) -> Vec<&mut PageName> {
        match self {
            Intent::Backlinks { page }
            | Intent::Links { page }
            | Intent::Open { page }
            | Intent::AddTodo { page, .. }
            | Intent::Append { page, .. }
            | Intent::Comment { page, .. }
            | Intent::Rename { page, .. }
            | Intent::Archive { page } => vec![page],
            Intent::CreatePage { parent, .. } => vec![parent],
            Intent::AddRow { database, .. } => vec![database],
            Intent::Path { from, to } => vec![from, to],
            Intent::Move { page, parent } => vec![page, parent],
            _ => Vec::new(),
        }
    }

    /// The same intent with the first slot holding `name` naming `chosen` instead (the
    /// answer to a question about which page was meant).
    pub fn choosing(mut self, name: &PageName, chosen: PageName) -> Self {
        if let Some(slot) = self.pages_mut().into_iter().find(|slot| **slot == *name) {
            *slot = chosen;
        }
        self
    }
}
