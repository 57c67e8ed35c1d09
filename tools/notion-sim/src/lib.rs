//! A Notion API simulator: a generated workspace served over HTTP with Notion's shapes,
//! pagination, errors, rate limits and faults, plus a control API and its ground truth.
//!
//! `generate` builds a deterministic workspace without HTTP; `start` serves one.

pub mod auth;
pub mod config;
pub mod error;
pub mod generate;
pub mod ids;
pub mod limits;
pub mod lower_bound;
pub mod model;
pub mod mutate;
pub mod pagination;
pub mod render;
pub mod server;
pub mod startup;
pub mod stats;
pub mod text;
pub mod truth;
pub mod webhooks;

pub use config::{Fault, RateLimit, SimConfig};
pub use generate::generate;
pub use lower_bound::LowerBound;
pub use model::Workspace;
pub use startup::{RunningSim, start, start_on};
pub use stats::Stats;
pub use truth::{EDGE_KINDS, EdgeTruth, PageTruth, Truth};
