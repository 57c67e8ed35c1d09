//! Workspace export to Markdown and JSON, resumable.
//!
//! - [`markdown`]: Notion objects to Markdown with YAML front matter (pure).
//! - [`names`]: titles to file names every file system accepts, unique and stable (pure).

pub mod markdown;
pub mod names;

use crate::manifest::Module;

pub static MODULE: Module = Module {
    name: "export",
    collections: &[],
    jobs: &[],
    routes: &[],
    housekeeping: None,
    after_sync: None,
    on_workspace_removed: None,
};
