//! Errors as GraphQL answers them: a message a person can act on and `extensions.code`, a code
//! of the service's one list ([`Code`]), so that a client matches on the same names as over
//! REST. Internal failures are logged with their cause and answered with an opaque message.

use async_graphql::{ErrorExtensions, Response};

use crate::error::{AppError, Code};

pub type Answer<T> = Result<T, async_graphql::Error>;

/// An error of the service as a GraphQL error. (async-graphql would take any error with `?`,
/// by its text alone; resolvers go through here so that the code is kept.)
pub fn problem(error: AppError) -> async_graphql::Error {
    if let AppError::Internal(cause) = &error {
        tracing::error!(error = format!("{cause:#}"), "a GraphQL field failed");
        return coded(Code::Internal, "internal error; it was logged".into());
    }
    coded(error.code(), error.describe())
}

/// A GraphQL error with its code.
pub fn coded(code: Code, message: String) -> async_graphql::Error {
    async_graphql::Error::new(message).extend_with(|_, e| e.set("code", code.name()))
}

pub trait OrProblem<T> {
    fn or_problem(self) -> Answer<T>;
}

impl<T, E: Into<AppError>> OrProblem<T> for Result<T, E> {
    fn or_problem(self) -> Answer<T> {
        self.map_err(|e| problem(e.into()))
    }
}

/// Errors the query itself caused before anything ran (syntax, an unknown field, a wrong
/// argument type) carry no code from a resolver: they get `invalid_graphql`.
pub fn label(response: &mut Response) {
    for error in &mut response.errors {
        let extensions = error.extensions.get_or_insert_with(Default::default);
        if extensions.get("code").is_none() {
            extensions.set("code", Code::InvalidGraphql.name());
        }
    }
}
