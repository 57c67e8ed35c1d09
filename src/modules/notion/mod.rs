//! Notion: the API client (rate-limited, retrying, OAuth-refreshing), the typed models it
//! parses into, and link extraction, which turns Notion objects into graph edges.

mod breaker;
mod client;
mod endpoints;
mod error;
pub mod ids;
pub mod links;
pub mod model;
mod oauth;

pub use breaker::Breaker;
pub use client::{CallCounters, ClientConfig, Credentials, NotionClient};
pub use error::{NotionError, backoff};
pub use oauth::{OAuthApp, OAuthSession, TokenGrant, TokenStore, Tokens};
