//! The assistant: a chat that answers questions about a workspace from its graph and acts in
//! Notion after the user confirms a plan, with undo.
//!
//! - Understanding is offline and deterministic: [`grammar`] reads a message into a typed
//!   [`intent::Intent`], [`resolve`] finds the pages it names among the workspace's titles (a
//!   numbered question when two fit), and [`planner`] answers reads from the graph
//!   ([`answer`]) or proposes the checked steps of a [`plan`]. A plan is built from the user's
//!   words and the title index only, never from page contents.
//! - [`chat`] runs one turn of a conversation ([`service`] keeps conversations, [`store`]
//!   persists them); [`tasks`] confirms and rejects plans and steers tasks; [`execute`] carries
//!   a confirmed plan out through the workspace's Notion client ([`writes`] builds the request
//!   bodies), each step recording its compensation, which [`undo`] applies; [`allowance`]
//!   counts the write steps confirmed against the plan's monthly allowance.
//! - [`events`]: each user's live stream (messages, plans, typing, tokens, task progress) over
//!   the cache's pub/sub, with ids a reconnecting client resumes from.
//! - With `llm_base_url` set, [`llm`] has an OpenAI-compatible model understand messages: its
//!   tool calls become the same intents, planned the same way; writes only from the user's
//!   own words; the grammar answers when the model fails.
//! - `routes`: the API under `/api/v1/assistant`, and `socket` its WebSocket (the same
//!   commands and the events, [`socket_protocol`]).

pub mod allowance;
pub mod answer;
pub mod chat;
pub mod events;
pub mod execute;
pub mod grammar;
pub mod intent;
pub mod llm;
pub mod model;
pub mod plan;
pub mod planner;
pub mod resolve;
mod routes;
pub mod service;
mod socket;
pub mod socket_protocol;
pub mod store;
pub mod tasks;
pub mod undo;
pub mod views;
pub mod writes;

use futures::FutureExt;
use utoipa::OpenApi;

use crate::jobs::JobType;
use crate::manifest::{Access, Module, Mount, Routes};

pub use store::{CONVERSATIONS, MESSAGES, PLANS, TASKS};

pub static MODULE: Module = Module {
    name: "assistant",
    collections: &[&CONVERSATIONS, &MESSAGES, &PLANS, &TASKS, &allowance::USAGE],
    jobs: &[
        JobType::of::<tasks::RunTask>(),
        JobType::of::<tasks::UndoTask>(),
    ],
    routes: &[Routes {
        mount: Mount::Api,
        access: Access::SignedIn,
        configure: routes::configure,
        openapi: routes::Api::openapi,
    }],
    housekeeping: None,
    after_sync: None,
    on_workspace_removed: Some(|state, workspace| {
        service::delete_workspace(state, workspace).boxed()
    }),
};
