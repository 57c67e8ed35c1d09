//! The graph over the Model Context Protocol: `POST /mcp` answers an MCP client (an AI
//! assistant's host) with read-only tools over the API key's workspaces: search pages, a page
//! with its links in and out and their kinds, a neighbourhood, the shortest path between two
//! pages, a summary (communities, hubs, orphans) and what changed since a snapshot.
//!
//! The protocol is served here rather than through the `rmcp` SDK: its Streamable HTTP server
//! is a tower service for axum with sessions kept in process memory, while this endpoint is
//! stateless JSON-RPC on actix (any instance answers any call), which takes a few small
//! functions.

mod digests;
mod protocol;
mod routes;
mod tools;

use utoipa::OpenApi;

use crate::manifest::{Access, Module, Mount, Routes};

pub static MODULE: Module = Module {
    name: "mcp",
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
