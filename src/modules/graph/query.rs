//! The graph API's query parameters, read into an [`ExportRequest`]. Every parameter arrives as
//! text and is checked here, so that a bad one is refused with a problem that names it (and
//! what it may be) instead of a parser's message; a parameter the chosen view does not take is
//! refused too, since ignoring it would hide a typo.

use std::str::FromStr;

use serde::Deserialize;
use utoipa::IntoParams;

use super::export::{ExportRequest, Format};
use super::views::{MAX_DEPTH, Neighbourhood, ViewRequest};
use crate::error::{AppError, Code};

/// Pages a summary shows besides its communities, and results a search returns, at most.
pub const MAX_RESULTS: usize = 1000;

/// A query parameter that cannot be used as given.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{detail}")]
pub struct BadParameter {
    pub code: Code,
    pub parameter: &'static str,
    pub detail: String,
}

impl BadParameter {
    pub fn new(code: Code, parameter: &'static str, detail: impl Into<String>) -> Self {
        Self {
            code,
            parameter,
            detail: detail.into(),
        }
    }
}

impl From<BadParameter> for AppError {
    fn from(error: BadParameter) -> Self {
        AppError::new(error.code, error.detail).with("parameter", error.parameter)
    }
}

/// `GET graph`: which view of which snapshot, in which format.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct GraphQuery {
    /// `full` (default), `summary`, `neighbourhood`, `path` or `search`.
    pub view: Option<String>,
    /// `d3` (default), `gexf`, `graphml`, `bin` or `labels` (the titles, ids and URLs beside `bin`).
    pub format: Option<String>,
    /// Neighbourhood and path: the page to start from (a Notion id or an exact title).
    pub root: Option<String>,
    /// Path: the page to end at.
    pub to: Option<String>,
    /// Path: follow links only from source to target (`true` or `false`, default `false`).
    pub directed: Option<String>,
    /// Neighbourhood: links from the root, 1 to 3 (default 1).
    pub depth: Option<String>,
    /// Neighbourhood: entity kinds to keep, comma-separated (`page,row,database,data_source,unknown`).
    pub kinds: Option<String>,
    /// Neighbourhood: the community to keep.
    pub community: Option<String>,
    /// Search: the title text to look for (required); neighbourhood: title text to keep.
    pub text: Option<String>,
    /// Summary: pages shown besides the communities, 0 to 1000 (default 20).
    pub top: Option<String>,
    /// Search: most results, 1 to 1000 (default 50).
    #[param(value_type = Option<u32>, minimum = 1, maximum = 1000)]
    pub limit: Option<String>,
    /// D3: links name their ends by node id instead of index (`true` or `false`).
    pub ids: Option<String>,
    /// A stored snapshot version instead of the newest.
    pub version: Option<String>,
}

impl GraphQuery {
    /// The export this query asks for, or the first parameter that is wrong.
    pub fn request(&self) -> Result<ExportRequest, BadParameter> {
        let view = self.view_request()?;
        let format = match self.format.as_deref().unwrap_or("d3") {
            "d3" => Format::D3,
            "gexf" => Format::Gexf,
            "graphml" => Format::Graphml,
            "bin" => Format::Bin,
            "labels" => Format::Labels,
            other => {
                return Err(BadParameter::new(
                    Code::InvalidFormat,
                    "format",
                    format!("format `{other}` is not one of d3, gexf, graphml, bin, labels"),
                ));
            }
        };
        let by_id = flag("ids", self.ids.as_deref())?;
        if by_id && format != Format::D3 {
            return Err(not_for("ids", "formats other than d3"));
        }
        Ok(ExportRequest {
            view,
            format,
            by_id,
            version: version("version", self.version.as_deref())?,
        })
    }

    fn view_request(&self) -> Result<ViewRequest, BadParameter> {
        let name = self.view.as_deref().unwrap_or("full");
        let takes: &[&str] = match name {
            "full" => &[],
            "summary" => &["top"],
            "neighbourhood" | "neighborhood" => &["root", "depth", "kinds", "community", "text"],
            "path" => &["root", "to", "directed"],
            "search" => &["text", "limit"],
            other => {
                return Err(BadParameter::new(
                    Code::InvalidView,
                    "view",
                    format!(
                        "view `{other}` is not one of full, summary, neighbourhood, path, search"
                    ),
                ));
            }
        };
        if let Some(extra) = self.view_parameters().find(|p| !takes.contains(p)) {
            return Err(not_for(extra, &format!("view `{name}`")));
        }
        Ok(match name {
            "full" => ViewRequest::Full,
            "summary" => ViewRequest::Summary {
                top: bounded(
                    "top",
                    self.top.as_deref(),
                    20,
                    0,
                    MAX_RESULTS,
                    Code::InvalidLimit,
                )?,
            },
            "path" => ViewRequest::Path {
                from: required("root", &self.root)?,
                to: required("to", &self.to)?,
                directed: flag("directed", self.directed.as_deref())?,
            },
            "search" => ViewRequest::Search {
                text: required("text", &self.text)?,
                limit: bounded(
                    "limit",
                    self.limit.as_deref(),
                    50,
                    1,
                    MAX_RESULTS,
                    Code::InvalidLimit,
                )?,
            },
            _ => ViewRequest::Neighbourhood(self.neighbourhood()?),
        })
    }

    fn neighbourhood(&self) -> Result<Neighbourhood, BadParameter> {
        let max = usize::from(MAX_DEPTH);
        let depth = bounded(
            "depth",
            self.depth.as_deref(),
            1,
            1,
            max,
            Code::InvalidDepth,
        )?;
        let kinds = self.kinds.as_deref().map(kinds).transpose()?;
        let community = self
            .community
            .as_deref()
            .map(|c| number::<u32>("community", c, "a community id (0 or more)"))
            .transpose()?;
        Ok(Neighbourhood {
            root: required("root", &self.root)?,
            depth: depth as u8,
            kinds: kinds.unwrap_or_default(),
            community,
            text: self.text.clone().filter(|t| !t.trim().is_empty()),
        })
    }

    /// The view-specific parameters present in the query.
    fn view_parameters(&self) -> impl Iterator<Item = &'static str> + '_ {
        [
            ("root", &self.root),
            ("to", &self.to),
            ("directed", &self.directed),
            ("depth", &self.depth),
            ("kinds", &self.kinds),
            ("community", &self.community),
            ("text", &self.text),
            ("top", &self.top),
            ("limit", &self.limit),
        ]
        .into_iter()
        .filter(|(_, value)| value.is_some())
        .map(|(name, _)| name)
    }
}

fn not_for(parameter: &'static str, what: &str) -> BadParameter {
    BadParameter::new(
        Code::InvalidQuery,
        parameter,
        format!("`{parameter}` does not apply to {what}; leave it out"),
    )
}

fn required(parameter: &'static str, value: &Option<String>) -> Result<String, BadParameter> {
    match value.as_deref().map(str::trim) {
        Some(text) if !text.is_empty() => Ok(text.to_owned()),
        _ => Err(BadParameter::new(
            Code::InvalidQuery,
            parameter,
            format!("this view needs `{parameter}`"),
        )),
    }
}

/// A number parameter, or a problem naming it and what it should be.
pub fn number<T: FromStr>(
    parameter: &'static str,
    text: &str,
    expected: &str,
) -> Result<T, BadParameter> {
    text.trim().parse().map_err(|_| {
        BadParameter::new(
            Code::InvalidQuery,
            parameter,
            format!("`{parameter}` must be {expected}, not `{text}`"),
        )
    })
}

/// An integer parameter in `min..=max`, `default` when absent.
pub fn bounded(
    parameter: &'static str,
    text: Option<&str>,
    default: usize,
    min: usize,
    max: usize,
    code: Code,
) -> Result<usize, BadParameter> {
    let Some(text) = text else {
        return Ok(default);
    };
    let expected = format!("a whole number from {min} to {max}");
    match number::<usize>(parameter, text, &expected) {
        Ok(n) if (min..=max).contains(&n) => Ok(n),
        _ => Err(BadParameter::new(
            code,
            parameter,
            format!("`{parameter}` must be {expected}, not `{text}`"),
        )),
    }
}

/// A snapshot version parameter (1 or more), if given.
pub fn version(parameter: &'static str, text: Option<&str>) -> Result<Option<u64>, BadParameter> {
    let expected = "a snapshot version (1 or more)";
    match text
        .map(|t| number::<u64>(parameter, t, expected))
        .transpose()?
    {
        Some(0) => Err(BadParameter::new(
            Code::InvalidQuery,
            parameter,
            format!("`{parameter}` must be {expected}, not `0`"),
        )),
        other => Ok(other),
    }
}

fn flag(parameter: &'static str, text: Option<&str>) -> Result<bool, BadParameter> {
    match text.map(str::trim) {
        None | Some("false" | "0") => Ok(false),
        Some("true" | "1" | "") => Ok(true),
        Some(other) => Err(BadParameter::new(
            Code::InvalidQuery,
            parameter,
            format!("`{parameter}` must be true or false, not `{other}`"),
        )),
    }
}

fn kinds(text: &str) -> Result<Vec<String>, BadParameter> {
    use crate::modules::sync::EntityKind;
    text.split(',')
        .map(str::trim)
        .filter(|k| !k.is_empty())
        .map(|kind| match EntityKind::ALL.contains(&kind) {
            true => Ok(kind.to_owned()),
            false => Err(BadParameter::new(
                Code::InvalidQuery,
                "kinds",
                format!("kind `{kind}` is not one of {}", EntityKind::ALL.join(", ")),
            )),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn query(pairs: &[(&str, &str)]) -> Result<ExportRequest, BadParameter> {
        let text = url::form_urlencoded::Serializer::new(String::new())
            .extend_pairs(pairs)
            .finish();
        actix_web::web::Query::<GraphQuery>::from_query(&text)
            .unwrap()
            .request()
    }

    fn refused(pairs: &[(&str, &str)]) -> (Code, &'static str) {
        let error = query(pairs).unwrap_err();
        (error.code, error.parameter)
    }

    #[test]
    fn no_parameters_ask_for_the_full_graph_as_d3_of_the_newest_snapshot() {
        let request = query(&[]).unwrap();
        assert_eq!(request.view, ViewRequest::Full);
        assert_eq!(
            (request.format, request.by_id, request.version),
            (Format::D3, false, None)
        );
    }

    #[test]
    fn each_view_reads_its_own_parameters() {
        let request = query(&[
            ("view", "neighbourhood"),
            ("root", "Roadmap"),
            ("depth", "2"),
            ("kinds", "page, row"),
            ("community", "3"),
        ])
        .unwrap();
        let ViewRequest::Neighbourhood(n) = request.view else {
            panic!("{:?}", request.view)
        };
        assert_eq!(
            (n.root.as_str(), n.depth, n.community),
            ("Roadmap", 2, Some(3))
        );
        assert_eq!(n.kinds, ["page", "row"]);
        let path = query(&[
            ("view", "path"),
            ("root", "a"),
            ("to", "b"),
            ("directed", "true"),
        ]);
        assert!(matches!(
            path.unwrap().view,
            ViewRequest::Path { directed: true, .. }
        ));
        let bin = query(&[
            ("view", "summary"),
            ("top", "5"),
            ("format", "bin"),
            ("version", "7"),
        ]);
        let bin = bin.unwrap();
        assert_eq!(
            (bin.view, bin.format, bin.version),
            (ViewRequest::Summary { top: 5 }, Format::Bin, Some(7))
        );
    }

    #[test]
    fn a_bad_parameter_is_named_with_its_own_code() {
        assert_eq!(refused(&[("view", "galaxy")]), (Code::InvalidView, "view"));
        assert_eq!(
            refused(&[("format", "svg")]),
            (Code::InvalidFormat, "format")
        );
        let deep = [("view", "neighbourhood"), ("root", "a"), ("depth", "4")];
        assert_eq!(refused(&deep), (Code::InvalidDepth, "depth"));
        let nan = [("view", "neighbourhood"), ("root", "a"), ("depth", "two")];
        assert_eq!(refused(&nan), (Code::InvalidDepth, "depth"));
        assert_eq!(refused(&[("view", "search")]), (Code::InvalidQuery, "text"));
        let many = [("view", "search"), ("text", "x"), ("limit", "0")];
        assert_eq!(refused(&many), (Code::InvalidLimit, "limit"));
        assert_eq!(
            refused(&[("version", "0")]),
            (Code::InvalidQuery, "version")
        );
        assert_eq!(
            refused(&[("version", "latest")]),
            (Code::InvalidQuery, "version")
        );
        assert_eq!(refused(&[("ids", "maybe")]), (Code::InvalidQuery, "ids"));
        assert_eq!(
            refused(&[("ids", "true"), ("format", "gexf")]),
            (Code::InvalidQuery, "ids")
        );
        let kinds = [
            ("view", "neighbourhood"),
            ("root", "a"),
            ("kinds", "page,blog"),
        ];
        assert_eq!(refused(&kinds), (Code::InvalidQuery, "kinds"));
    }

    #[test]
    fn a_parameter_the_view_does_not_take_is_refused() {
        assert_eq!(refused(&[("root", "a")]), (Code::InvalidQuery, "root"));
        assert_eq!(
            refused(&[("view", "summary"), ("depth", "2")]),
            (Code::InvalidQuery, "depth")
        );
    }
}
