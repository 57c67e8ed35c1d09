//! Who is calling. For now one role: the operator, who presents the configured admin token as
//! a bearer token. Accounts, sessions and user roles build on this extractor.

mod extractor;

pub use extractor::AdminUser;
