//! The graph algorithms behind notion-graph, free of the service: a compact CSR graph, plain
//! edge-list input, metrics, communities and a force-directed layout.
//!
//! They live in their own crate so that the hot loops build, test and benchmark in seconds in
//! release mode without compiling the web service, and so that `src/modules/graph` stays about
//! the product (which pages, which snapshot, which view) rather than about arithmetic.

pub mod community;
pub mod csr;
pub mod edgelist;
pub mod layout;
pub mod metrics;
pub mod quality;

pub use csr::Csr;
pub use edgelist::{EdgeList, EdgeListError};
