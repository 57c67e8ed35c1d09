//! The assistant: a chat that answers questions about a workspace from its graph and acts in
//! Notion after the user confirms a plan, with undo.
//!
//! Understanding is offline and deterministic by default: [`grammar`] reads a message into a
//! typed [`intent::Intent`], [`resolve`] finds the pages it names among the workspace's titles
//! (a numbered question when two fit), and [`planner`] answers reads from the graph
//! ([`answer`]) or proposes the steps of a [`plan`]. The plan is built from the user's words
//! and the title index only, never from page contents.

pub mod answer;
pub mod grammar;
pub mod intent;
pub mod plan;
pub mod planner;
pub mod resolve;

use crate::manifest::Module;

pub static MODULE: Module = Module {
    name: "assistant",
    collections: &[],
    jobs: &[],
    routes: &[],
    housekeeping: None,
    after_sync: None,
    on_workspace_removed: None,
};
