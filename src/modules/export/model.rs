//! An export as the API sees it: a job that writes the workspace to a folder on the instance's
//! disk and zips it for download, until it expires.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::progress::ProgressSnapshot;
use crate::storage::{Collection, Index};

pub static EXPORTS: Collection = Collection {
    name: "workspace_exports",
    indexes: &[Index::on(&["workspace", "created_at"])],
    ttl_field: None,
    archived: false,
};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ExportState {
    Queued,
    Running,
    Completed,
    Failed,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Export {
    pub id: String,
    pub workspace: String,
    pub state: ExportState,
    pub markdown: bool,
    pub json: bool,
    /// RFC 3339: only pages edited since.
    pub since: Option<String>,
    /// Epoch milliseconds.
    pub created_at: i64,
    pub started_at: Option<i64>,
    pub finished_at: Option<i64>,
    /// When the files are deleted (`export_retention_days` after it finished, or was asked for).
    pub expires_at: i64,
    pub progress: ProgressSnapshot,
    pub report: Option<serde_json::Value>,
    /// Why it failed, for the user; for one that completed, which pages it failed to export.
    pub error: Option<String>,
    pub zip_bytes: Option<u64>,
}

/// `POST /workspaces/{id}/exports`.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewExport {
    /// `markdown`, `json` or both (the default).
    #[serde(default)]
    pub formats: Option<Vec<String>>,
    /// RFC 3339: only pages edited at or after this time (an incremental backup).
    #[serde(default)]
    pub since: Option<String>,
}

/// An export as the API answers it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ExportView {
    pub id: String,
    pub workspace: String,
    pub state: ExportState,
    pub formats: Vec<String>,
    pub since: Option<String>,
    /// RFC 3339 times.
    pub created_at: String,
    pub finished_at: Option<String>,
    pub expires_at: String,
    pub progress: ProgressSnapshot,
    /// Counts, bytes and the pages that failed (`failed`), once finished.
    #[schema(value_type = Option<Object>)]
    pub report: Option<serde_json::Value>,
    /// Why it failed; for a completed export, which pages it failed to export.
    pub error: Option<String>,
    /// The zip to download once completed.
    pub download_url: Option<String>,
    pub zip_bytes: Option<u64>,
}

fn time(ms: i64) -> String {
    chrono::DateTime::from_timestamp_millis(ms)
        .unwrap_or_default()
        .to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

impl From<&Export> for ExportView {
    fn from(export: &Export) -> Self {
        let mut formats = Vec::new();
        if export.markdown {
            formats.push("markdown".to_owned());
        }
        if export.json {
            formats.push("json".to_owned());
        }
        let download_url = (export.state == ExportState::Completed).then(|| {
            format!(
                "/api/v1/workspaces/{}/exports/{}/download",
                export.workspace, export.id
            )
        });
        Self {
            id: export.id.clone(),
            workspace: export.workspace.clone(),
            state: export.state,
            formats,
            since: export.since.clone(),
            created_at: time(export.created_at),
            finished_at: export.finished_at.map(time),
            expires_at: time(export.expires_at),
            progress: export.progress.clone(),
            report: export.report.clone(),
            error: export.error.clone(),
            download_url,
            zip_bytes: export.zip_bytes,
        }
    }
}

/// `--format` / `formats` → (markdown, json); `None` names what was wrong.
pub fn parse_formats<'a>(parts: impl IntoIterator<Item = &'a str>) -> Result<(bool, bool), String> {
    let (mut markdown, mut json) = (false, false);
    for part in parts.into_iter().map(str::trim).filter(|p| !p.is_empty()) {
        match part {
            "markdown" | "md" => markdown = true,
            "json" => json = true,
            other => {
                return Err(format!(
                    "`{other}` is not a format: use markdown, json or both"
                ));
            }
        }
    }
    if markdown || json {
        Ok((markdown, json))
    } else {
        Err("no format named: use markdown, json or both".into())
    }
}

/// An RFC 3339 time, or a date (midnight UTC).
pub fn parse_since(text: &str) -> Result<chrono::DateTime<chrono::Utc>, String> {
    let parsed = chrono::DateTime::parse_from_rfc3339(text)
        .map(|t| t.with_timezone(&chrono::Utc))
        .or_else(|_| {
            chrono::NaiveDate::parse_from_str(text, "%Y-%m-%d")
                .map(|d| d.and_hms_opt(0, 0, 0).expect("midnight").and_utc())
        });
    parsed.map_err(|_| {
        format!(
            "`{text}` is not a time: use RFC 3339 (2025-01-31T12:00:00Z) or a date (2025-01-31)"
        )
    })
}
