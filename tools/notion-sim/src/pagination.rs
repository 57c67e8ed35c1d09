//! Cursor pagination. Cursors are opaque, stateless and bound to one list: they encode an
//! offset plus a keyed tag over (list, offset), so a cursor from another list, an edited one
//! or plain garbage is rejected with `validation_error`. Some responses are deliberately
//! shorter than `page_size` (as Notion's can be) while `has_more` stays true.

use std::collections::HashMap;
use std::ops::Range;

use serde_json::Value;

use crate::error::{ApiError, ApiResult};
use crate::ids::{dashed, hash_bytes, mix, parse_id, unit};

pub const MAX_PAGE_SIZE: usize = 100;

/// A validated request for one page of a list.
#[derive(Clone, Copy, Debug)]
pub struct Paging {
    scope: u64,
    pub offset: usize,
    pub page_size: usize,
}

#[derive(Clone, Copy, Debug)]
pub struct Pager {
    secret: u64,
    pub short_fraction: f64,
}

/// Identifies one list (e.g. the children of one block, or one search query).
pub fn scope(parts: &str) -> u64 {
    hash_bytes(parts.as_bytes())
}

impl Pager {
    pub fn new(seed: u64, short_fraction: f64) -> Self {
        Self {
            secret: mix(seed ^ 0xc0ffee),
            short_fraction,
        }
    }

    fn tag(&self, scope: u64, offset: u64) -> u64 {
        mix(self.secret ^ mix(scope ^ mix(offset)))
    }

    fn mask(&self, scope: u64) -> u64 {
        mix(self.secret.rotate_left(17) ^ scope)
    }

    pub fn encode(&self, scope: u64, offset: usize) -> String {
        let offset = offset as u64;
        let raw =
            (u128::from(offset ^ self.mask(scope)) << 64) | u128::from(self.tag(scope, offset));
        dashed(raw)
    }

    fn decode(&self, scope: u64, cursor: &str) -> ApiResult<usize> {
        let raw = parse_id(cursor).ok_or_else(ApiError::invalid_cursor)?;
        let offset = ((raw >> 64) as u64) ^ self.mask(scope);
        if self.tag(scope, offset) != raw as u64 {
            return Err(ApiError::invalid_cursor());
        }
        Ok(offset as usize)
    }

    /// Paging for a GET list: `start_cursor` and `page_size` are query parameters.
    pub fn from_query(&self, scope: u64, query: &HashMap<String, String>) -> ApiResult<Paging> {
        let page_size = match query.get("page_size") {
            None => MAX_PAGE_SIZE,
            Some(text) => match text.parse::<i64>() {
                Ok(n) => check_size(n, "query")?,
                Err(_) => {
                    return Err(ApiError::validation(format!(
                        "query.page_size should be a number, instead was `{text}`."
                    )));
                }
            },
        };
        let offset = match query.get("start_cursor").map(String::as_str) {
            None | Some("") => 0,
            Some(cursor) => self.decode(scope, cursor)?,
        };
        Ok(Paging {
            scope,
            offset,
            page_size,
        })
    }

    /// Paging for a POST list: `start_cursor` and `page_size` are body fields.
    pub fn from_body(&self, scope: u64, body: &Value) -> ApiResult<Paging> {
        let page_size = match body.get("page_size") {
            None | Some(Value::Null) => MAX_PAGE_SIZE,
            Some(v) => match v.as_i64() {
                Some(n) => check_size(n, "body")?,
                None => {
                    return Err(ApiError::validation(format!(
                        "body.page_size should be a number, instead was `{v}`."
                    )));
                }
            },
        };
        let offset = match body.get("start_cursor") {
            None | Some(Value::Null) => 0,
            Some(Value::String(cursor)) => self.decode(scope, cursor)?,
            Some(other) => {
                return Err(ApiError::validation(format!(
                    "body.start_cursor should be a string, instead was `{other}`."
                )));
            }
        };
        Ok(Paging {
            scope,
            offset,
            page_size,
        })
    }

    /// The slice of a list of `len` items to return, and the cursor for the rest.
    pub fn window(&self, paging: Paging, len: usize) -> (Range<usize>, Option<String>) {
        let start = paging.offset.min(len);
        let mut size = paging.page_size;
        let h = mix(self.secret ^ paging.scope ^ mix(paging.offset as u64 ^ (size as u64) << 32));
        if size > 1 && unit(h) < self.short_fraction {
            size = 1 + (h % (size as u64 - 1)) as usize;
        }
        let end = (start + size).min(len);
        let next = (end < len).then(|| self.encode(paging.scope, end));
        (start..end, next)
    }
}

fn check_size(n: i64, place: &str) -> ApiResult<usize> {
    if (1..=MAX_PAGE_SIZE as i64).contains(&n) {
        Ok(n as usize)
    } else {
        Err(ApiError::validation(format!(
            "{place}.page_size should be a number between 1 and {MAX_PAGE_SIZE}, instead was `{n}`."
        )))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_only_work_for_their_own_list() {
        let pager = Pager::new(7, 0.0);
        let cursor = pager.encode(scope("a"), 40);
        assert_eq!(pager.decode(scope("a"), &cursor).unwrap(), 40);
        assert!(pager.decode(scope("b"), &cursor).is_err());
        assert!(pager.decode(scope("a"), "not-a-cursor").is_err());
        assert!(pager.decode(scope("a"), &dashed(12345)).is_err());
    }
}
