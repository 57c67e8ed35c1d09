//! notion-graph turns a Notion workspace into an interactive map of how its pages connect.
//! The architecture is described in `docs/architecture.md` of the shared docs; this crate
//! follows its layout.
//!
//! Two layers. The platform (`config`, `error`, `storage`, `cache`, `crypto`, `jobs`, `json`,
//! `metrics`, `lifecycle`, `manifest`, `sse`, `state`, `static_files`, `telemetry`) knows no module. The modules
//! (`modules/`) build on it and declare themselves in a [`manifest::Module`]; `app`, `startup`
//! and `commands` put the two together.

pub mod app;
pub mod cache;
pub mod cli;
pub mod commands;
pub mod config;
pub mod crypto;
pub mod error;
pub mod jobs;
pub mod json;
pub mod lifecycle;
pub mod manifest;
pub mod metrics;
pub mod modules;
pub mod sse;
pub mod startup;
pub mod state;
pub mod static_files;
pub mod storage;
pub mod telemetry;
