//! The tools: what each is called, what it does, the JSON Schema of its arguments (derived
//! from the type they parse into, so the two cannot disagree) and the call itself, always on
//! a workspace of the calling account.

use serde::Deserialize;
use serde::de::DeserializeOwned;
use serde_json::{Value, json};
use utoipa::{PartialSchema, ToSchema};

use super::digests;
use crate::error::AppError;
use crate::modules::auth::AuthUser;
use crate::modules::graph::service;
use crate::modules::graph::views::MAX_DEPTH;
use crate::modules::sync::connection::{self, Connection};
use crate::modules::sync::service::workspace_named;
use crate::state::AppState;

/// How a call fails: arguments the tool cannot take (a protocol error), or a failure the
/// model should read and act on (an unknown page, say), or the server's own.
#[derive(Debug)]
pub enum ToolError {
    Arguments(String),
    Failed(String),
    Internal(anyhow::Error),
}

impl From<AppError> for ToolError {
    fn from(error: AppError) -> Self {
        match error {
            AppError::Internal(cause) => Self::Internal(cause),
            other => Self::Failed(other.describe()),
        }
    }
}

macro_rules! failed_from {
    ($($error:ty),+) => {$(
        impl From<$error> for ToolError {
            fn from(error: $error) -> Self {
                AppError::from(error).into()
            }
        }
    )+};
}
failed_from!(
    crate::modules::graph::GraphError,
    crate::modules::graph::views::ViewError,
    crate::storage::StoreError
);

pub struct Tool {
    pub name: &'static str,
    pub description: &'static str,
    schema: fn() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema>,
}

/// Every tool, in the order `tools/list` gives them.
pub const TOOLS: &[Tool] = &[
    Tool {
        name: "list_workspaces",
        description: "The account's connected Notion workspaces: id, name and status.",
        schema: NoArguments::schema,
    },
    Tool {
        name: "search_pages",
        description: "Pages whose title contains the text (any case), highest PageRank first, with their link counts.",
        schema: Search::schema,
    },
    Tool {
        name: "get_page",
        description: "One page: kind, URL, parent, rank, community, whether it is a hub or an orphan, and the pages it links to and that link to it, with each link's kind (page_mention, link_to_page, relation, child_page, ...).",
        schema: PageArgs::schema,
    },
    Tool {
        name: "neighbourhood",
        description: "The pages within 1 to 3 links of a page (either direction) and the links among them.",
        schema: NeighbourhoodArgs::schema,
    },
    Tool {
        name: "shortest_path",
        description: "The fewest links leading from one page to another, page by page with each link's kind.",
        schema: PathArgs::schema,
    },
    Tool {
        name: "graph_summary",
        description: "The workspace as a whole: page and link counts, its largest communities, top pages by PageRank, hubs and orphans.",
        schema: SummaryArgs::schema,
    },
    Tool {
        name: "changes_since",
        description: "What changed in the graph from a snapshot version (by default the one before the newest) to the newest: pages and links added and removed, new orphans, broken links.",
        schema: ChangesArgs::schema,
    },
];

/// `tools/list`'s result.
pub fn list() -> Value {
    let tools: Vec<Value> = TOOLS
        .iter()
        .map(|t| {
            json!({"name": t.name, "description": t.description, "inputSchema": (t.schema)(),
                "annotations": {"readOnlyHint": true, "openWorldHint": false}})
        })
        .collect();
    json!({"tools": tools})
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
struct NoArguments {}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
struct Search {
    /// The workspace's id or name; may be left out when the account has one.
    workspace: Option<String>,
    /// Text the title contains; empty lists every page.
    #[serde(default)]
    query: String,
    /// 1 to 100 (default 20).
    limit: Option<usize>,
    /// `next_cursor` of the previous answer.
    cursor: Option<String>,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
struct PageArgs {
    workspace: Option<String>,
    /// A Notion page id, a Notion URL or an exact title.
    page: String,
    /// Links of each direction to list, 1 to 200 (default 50).
    limit: Option<usize>,
    cursor: Option<String>,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
struct NeighbourhoodArgs {
    workspace: Option<String>,
    page: String,
    /// 1 to 3 (default 1).
    depth: Option<u8>,
    /// Pages to list, 1 to 500 (default 100).
    limit: Option<usize>,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
struct PathArgs {
    workspace: Option<String>,
    from: String,
    to: String,
    /// Follow links only from source to target (default false).
    #[serde(default)]
    directed: bool,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
struct SummaryArgs {
    workspace: Option<String>,
    /// How many of each list, 1 to 50 (default 10).
    top: Option<usize>,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
struct ChangesArgs {
    workspace: Option<String>,
    /// The snapshot version to compare the newest with.
    version: Option<u64>,
    /// How many of each list, 1 to 100 (default 20).
    limit: Option<usize>,
}

/// Runs the tool `name` with `arguments` for `user`.
pub async fn call(
    state: &AppState,
    user: &AuthUser,
    name: &str,
    arguments: Value,
) -> Result<Value, ToolError> {
    match name {
        "list_workspaces" => {
            let _: NoArguments = parse(arguments)?;
            workspaces(state, user).await
        }
        "search_pages" => {
            let a: Search = parse(arguments)?;
            let (limit, offset) = (within("limit", a.limit, 20, 100)?, offset(a.cursor)?);
            let snapshot = snapshot(state, user, a.workspace.as_deref()).await?;
            Ok(digests::search(&snapshot, &a.query, offset, limit))
        }
        "get_page" => {
            let a: PageArgs = parse(arguments)?;
            let (limit, offset) = (within("limit", a.limit, 50, 200)?, offset(a.cursor)?);
            let snapshot = snapshot(state, user, a.workspace.as_deref()).await?;
            Ok(digests::detail(&snapshot, &a.page, offset, limit)?)
        }
        "neighbourhood" => {
            let a: NeighbourhoodArgs = parse(arguments)?;
            let depth = within("depth", a.depth.map(usize::from), 1, MAX_DEPTH.into())? as u8;
            let limit = within("limit", a.limit, 100, 500)?;
            let snapshot = snapshot(state, user, a.workspace.as_deref()).await?;
            Ok(digests::neighbourhood(&snapshot, &a.page, depth, limit)?)
        }
        "shortest_path" => {
            let a: PathArgs = parse(arguments)?;
            let snapshot = snapshot(state, user, a.workspace.as_deref()).await?;
            Ok(digests::path(&snapshot, &a.from, &a.to, a.directed)?)
        }
        "graph_summary" => {
            let a: SummaryArgs = parse(arguments)?;
            let top = within("top", a.top, 10, 50)?;
            let snapshot = snapshot(state, user, a.workspace.as_deref()).await?;
            Ok(digests::summary(&snapshot, top))
        }
        "changes_since" => {
            let a: ChangesArgs = parse(arguments)?;
            let limit = within("limit", a.limit, 20, 100)?;
            let workspace = workspace(state, user, a.workspace.as_deref()).await?;
            let graphs = service(state);
            let after = graphs.current(&workspace.id, None).await?;
            let diff = graphs.diff(&workspace.id, a.version, None).await?;
            Ok(digests::changes(&after, &diff, limit))
        }
        other => Err(ToolError::Arguments(format!(
            "no tool `{other}`: tools/list names them"
        ))),
    }
}

fn parse<T: DeserializeOwned>(arguments: Value) -> Result<T, ToolError> {
    let arguments = match arguments {
        Value::Null => json!({}),
        other => other,
    };
    serde_json::from_value(arguments).map_err(|e| ToolError::Arguments(format!("arguments: {e}")))
}

/// `given`, or `default`, checked to be 1 to `max`.
fn within(
    name: &str,
    given: Option<usize>,
    default: usize,
    max: usize,
) -> Result<usize, ToolError> {
    match given.unwrap_or(default) {
        n if (1..=max).contains(&n) => Ok(n),
        n => Err(ToolError::Arguments(format!(
            "`{name}` is {n}: give 1 to {max}"
        ))),
    }
}

fn offset(cursor: Option<String>) -> Result<usize, ToolError> {
    cursor.map_or(Ok(0), |c| {
        c.parse().map_err(|_| {
            ToolError::Arguments(format!("`cursor` `{c}` is not one this server gave"))
        })
    })
}

async fn workspaces(state: &AppState, user: &AuthUser) -> Result<Value, ToolError> {
    let mine = connection::of_tenant(&state.store, user.id()).await?;
    let listed: Vec<Value> = mine
        .iter()
        .map(|c| json!({"id": c.id, "name": c.name, "status": c.status}))
        .collect();
    Ok(json!({"workspaces": listed}))
}

/// The account's workspace `given` names (id or name), or its only one.
async fn workspace(
    state: &AppState,
    user: &AuthUser,
    given: Option<&str>,
) -> Result<Connection, ToolError> {
    Ok(workspace_named(state, user, given).await?)
}

async fn snapshot(
    state: &AppState,
    user: &AuthUser,
    given: Option<&str>,
) -> Result<std::sync::Arc<crate::modules::graph::Snapshot>, ToolError> {
    let workspace = workspace(state, user, given).await?;
    Ok(service(state).current(&workspace.id, None).await?)
}
