//! One export of a workspace into a folder: lay it out from the stored import, write every
//! page (content from stored copies or Notion, a few at a time), checkpoint each, then the
//! databases' schemas and CSVs, the manifest, and remove what no longer belongs.

use std::collections::{HashMap, HashSet};
use std::path::PathBuf;
use std::sync::Arc;

use futures::StreamExt;
use serde::Serialize;
use serde_json::{Value, json};

use super::ExportError;
use super::content::{Cache, Reader, Source};
use super::database;
use super::files::{self, Checkpoint, STATE_DIR};
use super::layout::{self, Entry, Node, NodeKind, Plan};
use super::markdown::{self, Meta, Target, Targets};
use super::progress::Progress;
use crate::modules::notion::NotionClient;
use crate::modules::notion::links::LinkKind;
use crate::modules::sync::EntityKind;
use crate::modules::sync::connection::{self, Connection};
use crate::modules::sync::service as sync;
use crate::state::AppState;

/// What to export and where.
#[derive(Debug, Clone)]
pub struct Request {
    pub connection: Connection,
    pub out: PathBuf,
    pub markdown: bool,
    pub json: bool,
    /// Only pages edited at or after this time (an incremental backup); nothing is removed.
    pub since: Option<chrono::DateTime<chrono::Utc>>,
    /// An earlier export's `json/` to take unchanged content from.
    pub earlier: Option<PathBuf>,
}

/// How an export went.
#[derive(Debug, Clone, Default, Serialize, utoipa::ToSchema)]
pub struct Report {
    pub pages: u64,
    pub rows: u64,
    pub databases: u64,
    /// Entities whose content came from a stored copy (no call to Notion).
    pub from_store: u64,
    pub from_notion: u64,
    /// Entities an interrupted run had finished, not done again.
    pub resumed: u64,
    /// Files created or changed (an unchanged file is not rewritten).
    pub files_written: u64,
    pub bytes_written: u64,
    /// Files of an earlier export that no longer belong, removed.
    pub files_removed: u64,
    /// Pages that kept failing; the rest of the export went on.
    pub failed: Vec<Failure>,
}

impl Report {
    /// Pages, rows and databases the export holds (resumed ones included, failed ones not).
    pub fn exported(&self) -> u64 {
        self.pages + self.rows + self.databases - self.failed.len() as u64
    }

    /// Nothing could be exported, yet there was something to export.
    pub fn all_failed(&self) -> bool {
        !self.failed.is_empty() && self.exported() == 0
    }

    /// What to tell the user of the pages that failed, naming the first few; `None` when none did.
    pub fn failure_summary(&self) -> Option<String> {
        let first = self.failed.first()?;
        let count = self.failed.len();
        let total = self.pages + self.rows + self.databases;
        let named: Vec<&str> = self
            .failed
            .iter()
            .take(NAMED_FAILURES)
            .map(|f| {
                if f.title.is_empty() {
                    "Untitled"
                } else {
                    f.title.as_str()
                }
            })
            .collect();
        let more = match count.saturating_sub(NAMED_FAILURES) {
            0 => String::new(),
            rest => format!(" and {rest} more"),
        };
        Some(format!(
            "{count} of {total} pages failed: {}{more} (each with its error in the report and manifest.json); the first failed with: {}",
            named.join(", "),
            first.error
        ))
    }
}

/// Failed pages named in the summary; the report lists them all.
const NAMED_FAILURES: usize = 5;

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Failure {
    pub id: String,
    pub title: String,
    pub error: String,
}

/// Attempts per page before it is listed as failed (the client retries each call as well).
const ATTEMPTS: u32 = 3;

/// Exports `request.connection` into `request.out`. A run interrupted anywhere (Ctrl-C,
/// SIGKILL) is continued by the next run into the same folder.
pub async fn export(
    state: &AppState,
    request: &Request,
    progress: Arc<Progress>,
) -> Result<Report, ExportError> {
    let out = &request.out;
    if !files::is_export_dir(out)? {
        return Err(ExportError::NotAnExportDir(out.clone()));
    }
    std::fs::create_dir_all(out)?;
    let started = chrono::Utc::now();
    let plan = plan(state, &request.connection.id).await?;
    let client = sync::notion_client(state, &request.connection).ok();
    let cache = Cache {
        dir: if request.json {
            out.join("json")
        } else {
            out.join(STATE_DIR).join("json")
        },
        earlier: request.earlier.clone(),
    };
    let mut checkpoint = Checkpoint::open(out, &plan.fingerprint())?;
    let selected: Vec<usize> = (0..plan.nodes.len())
        .filter(|i| changed_since(&plan.nodes[*i], request.since))
        .collect();
    progress.begin(selected.len() as u64);
    let mut report = Report::default();
    let concurrency = client.as_ref().map_or(8, |c| concurrency_for(c.rate()));
    let work = Work {
        plan: &plan,
        cache: &cache,
        reader: reader(state, &request.connection, client.as_ref()),
        request,
    };
    let queue: Vec<(usize, bool)> = selected
        .iter()
        .map(|i| {
            let entry = &plan.nodes[*i].entry;
            let edited = entry.last_edited.as_deref().unwrap_or_default();
            (*i, checkpoint.is_done(&entry.id, edited))
        })
        .collect();
    let mut results = futures::stream::iter(queue)
        .map(|(i, skip)| {
            let node = &plan.nodes[i];
            let edited = node.entry.last_edited.clone().unwrap_or_default();
            let work = &work;
            async move {
                if skip {
                    return (i, edited, Ok(None));
                }
                (i, edited, work.node_with_retries(node).await.map(Some))
            }
        })
        .buffer_unordered(concurrency);
    while let Some((i, edited, result)) = results.next().await {
        let node = &plan.nodes[i];
        count_kind(&mut report, node.entry.kind);
        match result {
            Ok(None) => report.resumed += 1,
            Ok(Some(done)) => {
                match done.source {
                    Source::Stored => report.from_store += 1,
                    Source::Notion => report.from_notion += 1,
                }
                report.files_written += done.files;
                report.bytes_written += done.bytes;
                progress.wrote(done.files, done.bytes);
                checkpoint.record(&node.entry.id, &edited)?;
            }
            Err(error) => {
                progress.failed();
                report.failed.push(Failure {
                    id: node.entry.id.clone(),
                    title: node.entry.title.clone(),
                    error: format!("{error:#}"),
                });
            }
        }
        progress.done();
    }
    drop(results);
    if request.markdown {
        let touched: HashSet<usize> = selected.iter().copied().collect();
        let (written, bytes) = database::write_all(&plan, &cache, out, &touched)?;
        report.files_written += written;
        report.bytes_written += bytes;
    }
    if request.since.is_none() && report.failed.is_empty() {
        report.files_removed = files::sweep(out, &keep(&plan, request))? as u64;
    }
    write_manifest(request, &report, started)?;
    if report.failed.is_empty() {
        Checkpoint::clear(out)?;
    }
    Ok(report)
}

/// Pages exported at once: each is a few calls one after another, so about one page per
/// request a second keeps the budget busy; the bound keeps what a kill loses (the pages in
/// flight are read again) small.
fn concurrency_for(rate: f64) -> usize {
    (rate.ceil() as usize).clamp(4, 64)
}

fn count_kind(report: &mut Report, kind: NodeKind) {
    match kind {
        NodeKind::Page => report.pages += 1,
        NodeKind::Row => report.rows += 1,
        NodeKind::Database => report.databases += 1,
    }
}

fn changed_since(node: &Node, since: Option<chrono::DateTime<chrono::Utc>>) -> bool {
    let Some(since) = since else {
        return true;
    };
    let edited = node.entry.last_edited.as_deref();
    let edited = edited.and_then(|t| chrono::DateTime::parse_from_rfc3339(t).ok());
    edited.is_none_or(|t| t >= since)
}

/// Every file a complete export holds.
fn keep(plan: &Plan, request: &Request) -> HashSet<String> {
    let mut keep = HashSet::from(["manifest.json".to_owned()]);
    for node in &plan.nodes {
        if request.markdown {
            keep.insert(node.file.clone());
            if node.entry.kind == NodeKind::Database {
                let folder = node.folder.as_deref().unwrap_or_default();
                keep.insert(format!("{folder}{}", layout::ROWS_FILE));
            }
        }
        if request.json {
            keep.insert(format!("json/{}.json", node.entry.id));
        }
    }
    keep
}

/// The root manifest: the one file that says when and how the export ran.
fn write_manifest(
    request: &Request,
    report: &Report,
    started: chrono::DateTime<chrono::Utc>,
) -> std::io::Result<()> {
    let mut formats = Vec::new();
    if request.markdown {
        formats.push("markdown");
    }
    if request.json {
        formats.push("json");
    }
    let manifest = json!({
        "format_version": 1,
        "workspace": { "id": request.connection.id, "name": request.connection.name },
        "formats": formats,
        "since": request.since.map(|t| t.to_rfc3339()),
        "started_at": started.to_rfc3339(),
        "finished_at": chrono::Utc::now().to_rfc3339(),
        "report": report,
    });
    let bytes = super::content::pretty(&manifest);
    files::write_atomic(&request.out.join("manifest.json"), &bytes).map(drop)
}

/// The layout of `connection`'s stored import: every readable page, row and database not in
/// the trash. Entities are read one store page at a time; the plan keeps only what placing
/// and linking needs (ids, titles, parents, times), never content.
pub async fn plan(state: &AppState, connection: &str) -> Result<Plan, ExportError> {
    let mut entries = Vec::new();
    let mut data_sources = HashMap::new();
    sync::for_each_entity(&state.store, connection, |entity| {
        if !entity.shared || entity.in_trash {
            return;
        }
        let kind = match entity.kind {
            EntityKind::Page => NodeKind::Page,
            EntityKind::Row => NodeKind::Row,
            EntityKind::Database => NodeKind::Database,
            EntityKind::DataSource => {
                if let Some(parent) = entity.parent {
                    data_sources.insert(entity.notion_id, parent);
                }
                return;
            }
            EntityKind::Unknown => return,
        };
        entries.push(Entry {
            id: entity.notion_id,
            kind,
            title: entity.title,
            parent: entity.parent,
            created: entity.created_time,
            last_edited: entity.last_edited_time,
            url: entity.url,
            icon: entity.icon,
        });
    })
    .await
    .map_err(anyhow::Error::from)?;
    let mut hosts = HashMap::new();
    sync::for_each_edge(&state.store, connection, |edge| {
        if matches!(edge.kind, LinkKind::ChildPage | LinkKind::ChildDatabase) {
            hosts.entry(edge.target).or_insert(edge.source);
        }
    })
    .await
    .map_err(anyhow::Error::from)?;
    Ok(Plan::new(entries, &hosts, &data_sources))
}

/// Where `connection`'s content comes from: a zip's stored pages until a token is connected,
/// then Notion.
fn reader<'a>(
    state: &'a AppState,
    connection: &'a Connection,
    client: Option<&'a NotionClient>,
) -> Reader<'a> {
    match (connection.source, client) {
        (connection::Source::Zip, _) => Reader::Zip {
            state,
            connection: &connection.id,
        },
        (_, Some(client)) => Reader::Notion(client),
        (_, None) => Reader::Unavailable,
    }
}

/// What one page's export did.
struct Done {
    source: Source,
    files: u64,
    bytes: u64,
}

/// What every page's export shares.
struct Work<'a> {
    plan: &'a Plan,
    cache: &'a Cache,
    reader: Reader<'a>,
    request: &'a Request,
}

impl Work<'_> {
    async fn node_with_retries(&self, node: &Node) -> anyhow::Result<Done> {
        let mut attempt = 1;
        loop {
            match self.node(node).await {
                Err(error) if attempt < ATTEMPTS => {
                    tracing::warn!(page = %node.entry.id, attempt, error = format!("{error:#}"), "export of a page failed; retrying");
                    attempt += 1;
                    tokio::time::sleep(std::time::Duration::from_millis(200 * u64::from(attempt)))
                        .await;
                }
                other => return other,
            }
        }
    }

    async fn node(&self, node: &Node) -> anyhow::Result<Done> {
        let (content, source) = self.cache.content(node, self.reader).await?;
        let mut done = Done {
            source,
            files: 0,
            bytes: 0,
        };
        if self.request.markdown && node.entry.kind != NodeKind::Database {
            let text = self.render(node, &content);
            if files::write_atomic(&self.request.out.join(&node.file), text.as_bytes())? {
                done.files += 1;
                done.bytes += text.len() as u64;
            }
        }
        Ok(done)
    }

    fn render(&self, node: &Node, content: &Value) -> String {
        let targets = PlanTargets {
            plan: self.plan,
            from: &node.file,
        };
        let meta = meta(self.plan, node);
        let blocks = content["blocks"]
            .as_array()
            .map(Vec::as_slice)
            .unwrap_or_default();
        markdown::page(&meta, &content["object"], blocks, &targets)
    }
}

/// The front matter's identity of `node`.
pub fn meta(plan: &Plan, node: &Node) -> Meta {
    let entry = &node.entry;
    Meta {
        id: entry.id.clone(),
        title: entry.title.clone(),
        url: entry.url.clone(),
        parent: node.parent.map(|p| {
            let parent = &plan.nodes[p];
            (
                parent.entry.id.clone(),
                Some(layout::href(&node.file, &parent.file)),
            )
        }),
        created: entry.created.clone(),
        last_edited: entry.last_edited.clone(),
        icon: entry.icon.clone(),
    }
}

/// The plan as one page's links see it.
pub struct PlanTargets<'a> {
    pub plan: &'a Plan,
    /// The file being written.
    pub from: &'a str,
}

impl Targets for PlanTargets<'_> {
    fn target(&self, id: &str) -> Option<Target> {
        let node = self.plan.get(id)?;
        Some(Target {
            href: layout::href(self.from, &node.file),
            title: node.entry.title.clone(),
        })
    }
}
