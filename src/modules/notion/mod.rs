//! Notion: the API client (rate-limited, retrying, OAuth-refreshing), the typed models it
//! parses into, and link extraction, which turns Notion objects into graph edges.

pub mod ids;
pub mod links;
pub mod model;
