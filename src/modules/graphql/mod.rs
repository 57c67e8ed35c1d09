//! GraphQL for questions that REST answers in several calls (`POST /api/graphql`): a page with
//! its links both ways and, through them, the pages they reach; neighbourhoods, shortest paths,
//! search, communities and what changed between snapshots, over the caller's workspaces only.
//! The same services as the REST API and MCP answer it; [`limits`] bounds what one query may
//! ask. The schema is printed to `docs/schema.graphql`, which a test keeps equal to this one.

mod changes;
mod errors;
mod graph;
mod limits;
mod list;
mod page;
mod query;
mod routes;

use std::sync::LazyLock;

use async_graphql::{EmptyMutation, EmptySubscription, Schema};
use utoipa::OpenApi;

use crate::manifest::{Access, Module, Mount, Routes};

pub static MODULE: Module = Module {
    name: "graphql",
    collections: &[],
    jobs: &[],
    routes: &[Routes {
        mount: Mount::Root,
        access: Access::SignedIn,
        configure: routes::configure,
        openapi: routes::Api::openapi,
    }],
    housekeeping: None,
    after_sync: None,
    on_workspace_removed: None,
};

pub type GraphSchema = Schema<query::Query, EmptyMutation, EmptySubscription>;

/// The schema, built once.
pub fn schema() -> &'static GraphSchema {
    static SCHEMA: LazyLock<GraphSchema> = LazyLock::new(|| {
        Schema::build(query::Query, EmptyMutation, EmptySubscription)
            .extension(limits::Limits)
            .finish()
    });
    &SCHEMA
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `NOTION_GRAPH_WRITE_SCHEMA=1 cargo test --lib graphql` writes it after a change.
    #[test]
    fn docs_schema_graphql_is_the_schema_served() {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/docs/schema.graphql");
        let served = schema().sdl();
        if std::env::var_os("NOTION_GRAPH_WRITE_SCHEMA").is_some() {
            std::fs::write(path, &served).unwrap();
        }
        let written = std::fs::read_to_string(path).unwrap_or_default();
        assert!(
            written == served,
            "docs/schema.graphql is not the schema served: run \
             `NOTION_GRAPH_WRITE_SCHEMA=1 cargo test --lib graphql` and commit it"
        );
    }
}
