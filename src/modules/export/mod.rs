//! Workspace export to Markdown and JSON, resumable.
//!
//! - [`markdown`]: Notion objects to Markdown with YAML front matter (pure).
//! - [`names`] and [`layout`]: titles to file names every file system accepts, and the tree of
//!   files a workspace becomes (pure).
//! - [`content`]: the raw Notion content of each page, from a stored copy when unchanged.
//! - [`files`]: atomic writes, the checkpoint a killed export resumes from, the final sweep.
//! - [`run`]: one export into a folder; [`database`]: `_database.md` and `rows.csv`.
//! - [`service`], [`jobs`] and `routes`: exports as jobs behind the API, zipped
//!   ([`archive`]) for download, expiring after `export_retention_days`; [`model`]: what is stored of one.

pub mod archive;
pub mod content;
pub mod database;
pub mod files;
pub mod jobs;
pub mod layout;
pub mod markdown;
pub mod model;
pub mod names;
pub mod progress;
mod routes;
pub mod run;
pub mod service;

use std::path::PathBuf;

use futures::FutureExt;
use utoipa::OpenApi;

use crate::error::{AppError, Code};
use crate::jobs::JobType;
use crate::manifest::{Access, Module, Mount, Routes};

pub use progress::{Progress, ProgressSnapshot};
pub use run::{Report, Request, export};

pub static MODULE: Module = Module {
    name: "export",
    collections: &[&model::EXPORTS],
    jobs: &[JobType::of::<jobs::ExportWorkspace>()],
    routes: &[Routes {
        mount: Mount::Api,
        access: Access::SignedIn,
        configure: routes::configure,
        openapi: routes::Api::openapi,
    }],
    housekeeping: Some(|state| service::expire(state).boxed()),
    after_sync: None,
    on_workspace_removed: Some(|state, workspace| {
        service::delete_workspace(state, workspace).boxed()
    }),
};

#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    #[error(
        "{0} is not empty and holds no export: choose an empty folder, or one an earlier export wrote"
    )]
    NotAnExportDir(PathBuf),
    #[error("cannot write the export: {0}")]
    Io(#[from] std::io::Error),
    #[error(transparent)]
    Other(#[from] anyhow::Error),
}

impl From<ExportError> for AppError {
    fn from(error: ExportError) -> Self {
        match error {
            ExportError::NotAnExportDir(_) => {
                AppError::new(Code::InvalidArgument, error.to_string())
            }
            ExportError::Io(_) => AppError::Internal(error.into()),
            ExportError::Other(error) => error.into(),
        }
    }
}
