//! Share links and the embeddable page.
//!
//! - [`model`]: a share link, its preset (what the viewer shows) and their checks.
//! - [`service`]: create, list, change and revoke links; resolve an embed token to a live one.
//! - `routes`: the share-link API under `/api/v1` (tenant-scoped).
//! - `public`: the embed routes at the root (the page, `graph.bin`, `labels.json`,
//!   `static.svg`, `preview.png`, the viewer's files, oEmbed), rendered by `page`,
//!   `documents`, `svg` and `png`;
//!   `versions`, the stream telling an open viewer that a newer snapshot exists.
//!
//! A link's token (256 random bits) is in its URL path; the store keeps its SHA-256 digest for
//! lookup and a sealed copy so that the owner can see the URL again. Nothing about a share is
//! cached in memory: a revoked or expired link answers 404 at once on every instance. A share
//! that pins a snapshot version keeps it from pruning (`graph::GraphService::pin`).

pub mod assets;
pub mod documents;
pub mod model;
mod page;
mod png;
mod public;
mod routes;
pub mod service;
pub mod store;
pub mod svg;
mod versions;

use futures::FutureExt;
use utoipa::OpenApi;

use crate::manifest::{Access, Module, Mount, Routes};

pub use store::SHARES;

pub static MODULE: Module = Module {
    name: "embed",
    collections: &[&SHARES],
    jobs: &[],
    routes: &[
        Routes {
            mount: Mount::Api,
            access: Access::SignedIn,
            configure: routes::configure,
            openapi: routes::Api::openapi,
        },
        Routes {
            mount: Mount::Root,
            access: Access::Public,
            configure: public::configure,
            openapi: public::Api::openapi,
        },
    ],
    housekeeping: None,
    after_sync: None,
    on_workspace_removed: Some(|state, workspace| {
        service::delete_workspace(state, workspace).boxed()
    }),
};
