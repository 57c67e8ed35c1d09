//! Who is calling. For now one role: the operator, who presents the configured admin token as
//! a bearer token. Accounts, sessions and user roles build on this extractor.

mod extractor;

pub use extractor::{AdminUser, admin_only};

/// Nothing to declare yet: accounts, sessions and their routes will live here.
pub static MODULE: crate::manifest::Module = crate::manifest::Module {
    name: "auth",
    collections: &[],
    jobs: &[],
    routes: &[],
    housekeeping: None,
};
