//! notion-graph turns a Notion workspace into an interactive map of how its pages connect.
//! The architecture is described in `docs/architecture.md` of the shared docs; this crate
//! follows its layout.

pub mod app;
pub mod cache;
pub mod cli;
pub mod commands;
pub mod config;
pub mod crypto;
pub mod error;
pub mod modules;
pub mod startup;
pub mod state;
pub mod storage;
pub mod telemetry;
