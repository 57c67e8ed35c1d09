//! How large a query may be: nested at most [`MAX_DEPTH`] fields deep, and at most
//! [`MAX_COMPLEXITY`] in all, where a field counts 1 and a list field counts its `first` times
//! what it selects. Checked after validation and before anything runs, with an error that says
//! how large the query is and what to ask for instead.

use std::sync::Arc;

use async_graphql::extensions::{Extension, ExtensionContext, ExtensionFactory, NextValidation};
use async_graphql::{ServerError, ValidationResult};

use super::errors::coded;
use crate::error::Code;

pub const MAX_DEPTH: usize = 12;
pub const MAX_COMPLEXITY: usize = 20_000;

pub struct Limits;

impl ExtensionFactory for Limits {
    fn create(&self) -> Arc<dyn Extension> {
        Arc::new(Limits)
    }
}

#[async_trait::async_trait]
impl Extension for Limits {
    async fn validation(
        &self,
        ctx: &ExtensionContext<'_>,
        next: NextValidation<'_>,
    ) -> Result<ValidationResult, Vec<ServerError>> {
        let measured = next.run(ctx).await?;
        match over(measured.depth, measured.complexity) {
            Some((code, detail)) => Err(vec![
                coded(code, detail).into_server_error(Default::default()),
            ]),
            None => Ok(measured),
        }
    }
}

/// Which limit a query of this depth and complexity is over, and what to say.
fn over(depth: usize, complexity: usize) -> Option<(Code, String)> {
    if depth > MAX_DEPTH {
        return Some((
            Code::QueryTooDeep,
            format!(
                "the query nests {depth} fields deep, more than {MAX_DEPTH}: ask for fewer levels \
                 of links and send another query from the pages it returns"
            ),
        ));
    }
    (complexity > MAX_COMPLEXITY).then(|| {
        (
            Code::QueryTooComplex,
            format!(
                "the query's complexity is {complexity}, more than {MAX_COMPLEXITY} (a list \
                 counts its `first` times what it selects): ask for a smaller `first` or fewer \
                 nested lists, and page on with `after`"
            ),
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_query_within_both_limits_passes_and_one_over_either_is_named() {
        assert_eq!(over(MAX_DEPTH, MAX_COMPLEXITY), None);
        assert_eq!(over(MAX_DEPTH + 1, 1).unwrap().0, Code::QueryTooDeep);
        assert_eq!(
            over(1, MAX_COMPLEXITY + 1).unwrap().0,
            Code::QueryTooComplex
        );
    }
}
