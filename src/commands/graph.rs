//! `graph build`, `graph export`, `graph diff` and `graph import-edges`. What the user named wrongly (a workspace, a
//! page, a depth, an edge list) exits with status 2 and a message naming it.

use std::io::Write;
use std::path::Path;
use std::process::ExitCode;
use std::time::Instant;

use anyhow::Context;
use graph_engine::EdgeList;

use super::CommandResult;
use crate::cli::{
    ExportFormat, GraphBuildArgs, GraphCommand, GraphDiffArgs, GraphExportArgs, GraphImportArgs,
    ViewName,
};
use crate::config::Settings;
use crate::error::{AppError, Code};
use crate::modules;
use crate::modules::auth;
use crate::modules::graph::analysis::{self, Structure};
use crate::modules::graph::service::{self, resolve_workspace};
use crate::modules::graph::{
    BuildOptions, ExportRequest, Format, Neighbourhood, ViewRequest, build, import, layout, metrics,
};
use crate::state::AppState;

/// Runs one `graph` subcommand; `user` (an email) owns what `import-edges` makes.
pub async fn graph(settings: Settings, user: Option<&str>, command: GraphCommand) -> CommandResult {
    match command {
        GraphCommand::ImportEdges(args) => import_edges(settings, user, args).await,
        GraphCommand::Build(args) => build_snapshot(settings, args).await,
        GraphCommand::Export(args) if args.edges.is_some() => export_edge_list(&args),
        GraphCommand::Export(args) => export(settings, args).await,
        GraphCommand::Diff(args) => diff(settings, args).await,
    }
}

async fn open(settings: Settings, workspace: Option<&str>) -> Result<(AppState, String), AppError> {
    let state = AppState::build(settings, modules::ALL).await?;
    let workspace = resolve_workspace(&state, workspace).await?;
    Ok((state, workspace))
}

async fn build_snapshot(settings: Settings, args: GraphBuildArgs) -> CommandResult {
    let (state, workspace) = open(settings, args.workspace.as_deref()).await?;
    let options = BuildOptions {
        hierarchy: !args.no_hierarchy,
        rows: !args.no_rows,
        dangling: !args.no_dangling,
        trashed: !args.no_trashed,
    };
    let snapshot = service::service(&state).build(&workspace, options).await?;
    let m = &snapshot.meta;
    let moved = m
        .mean_displacement
        .map(|d| format!(", mean displacement {d:.4}"))
        .unwrap_or_default();
    println!(
        "{workspace}: snapshot {}: {} nodes, {} links, {} communities (modularity {:.3}), {} orphans, {} bytes in {} chunks{moved}",
        m.version,
        m.node_count,
        m.link_count,
        m.community_count,
        m.modularity,
        snapshot.metrics.orphans.len(),
        m.stored_bytes,
        m.chunk_count
    );
    Ok(ExitCode::SUCCESS)
}

fn missing(what: &str) -> AppError {
    AppError::new(Code::InvalidArgument, what)
}

fn view_request(args: &GraphExportArgs) -> Result<ViewRequest, AppError> {
    let root = || {
        args.root
            .clone()
            .ok_or_else(|| missing("this view needs --root PAGE"))
    };
    Ok(match args.view {
        ViewName::Full => ViewRequest::Full,
        ViewName::Summary => ViewRequest::Summary { top: args.top },
        ViewName::Neighbourhood => ViewRequest::Neighbourhood(Neighbourhood {
            root: root()?,
            depth: args.depth,
            kinds: args.kind.clone(),
            community: args.community,
            text: args.text.clone(),
        }),
        ViewName::Path => ViewRequest::Path {
            from: root()?,
            to: args
                .to
                .clone()
                .ok_or_else(|| missing("a path needs --to PAGE"))?,
            directed: args.directed,
        },
        ViewName::Search => ViewRequest::Search {
            text: args
                .text
                .clone()
                .ok_or_else(|| missing("a search needs --text TEXT"))?,
            limit: args.limit,
        },
    })
}

fn format_of(format: ExportFormat) -> Format {
    match format {
        ExportFormat::D3 => Format::D3,
        ExportFormat::Gexf => Format::Gexf,
        ExportFormat::Graphml => Format::Graphml,
    }
}

fn write_out(out: Option<&Path>, bytes: &[u8]) -> CommandResult {
    match out {
        Some(path) => std::fs::write(path, bytes)
            .with_context(|| format!("cannot write {}", path.display()))?,
        None => std::io::stdout()
            .lock()
            .write_all(bytes)
            .context("cannot write to stdout")?,
    }
    Ok(ExitCode::SUCCESS)
}

async fn export(settings: Settings, args: GraphExportArgs) -> CommandResult {
    let view = view_request(&args)?;
    let (state, workspace) = open(settings, args.workspace.as_deref()).await?;
    let request = ExportRequest {
        view,
        format: format_of(args.format),
        by_id: args.ids,
        version: args.version,
    };
    let bodies = service::service(&state)
        .export(&workspace, &request)
        .await?;
    write_out(args.out.as_deref(), &bodies.plain)
}

/// The edge list in `path`, or a problem naming the file and its first bad line.
fn read_edge_list(path: &Path) -> Result<EdgeList, AppError> {
    let bad_file = |message: String| AppError::new(Code::InvalidFile, message);
    let text = std::fs::read_to_string(path)
        .map_err(|e| bad_file(format!("cannot read edge list {}: {e}", path.display())))?;
    EdgeList::parse(&text)
        .map_err(|e| bad_file(format!("{} is not an edge list: {e}", path.display())))
}

/// `graph import-edges FILE --name N`: a new workspace of the acting user, built.
async fn import_edges(
    settings: Settings,
    user: Option<&str>,
    args: GraphImportArgs,
) -> CommandResult {
    let name = args.name.trim();
    if name.is_empty() || name.chars().count() > 200 {
        return Err(missing("--name must be 1 to 200 characters"));
    }
    let started = Instant::now();
    let list = read_edge_list(&args.file)?;
    let state = AppState::build(settings, modules::ALL).await?;
    let owner = auth::service::acting_user(&state, user).await?;
    let (connection, snapshot) = import::import(&state, &owner.id, name, &list).await?;
    let m = &snapshot.meta;
    println!(
        "{}: workspace `{name}` of {}: {} pages, {} links, snapshot {} ({} communities) in {:.1} s",
        connection.id,
        owner.email,
        m.node_count,
        m.link_count,
        m.version,
        m.community_count,
        started.elapsed().as_secs_f64()
    );
    Ok(ExitCode::SUCCESS)
}

/// `--edges FILE`: the whole pipeline over a plain edge list, timed stage by stage.
fn export_edge_list(args: &GraphExportArgs) -> CommandResult {
    let path = args.edges.as_deref().expect("called with --edges");
    let view = view_request(args)?;
    let started = Instant::now();
    let list = read_edge_list(path)?;
    let graph = build::from_edge_list(&list);
    let build_s = started.elapsed().as_secs_f64();
    let started = Instant::now();
    let structure = Structure::of(&graph);
    let structure_s = started.elapsed().as_secs_f64();
    let started = Instant::now();
    let measured = metrics::compute(&graph, &structure, None);
    let metrics_s = started.elapsed().as_secs_f64();
    let started = Instant::now();
    let (positions, _) = layout::positions(&graph, &structure, None);
    let layout_s = started.elapsed().as_secs_f64();
    drop(structure);
    let name = path.display().to_string();
    let snapshot = analysis::assemble(
        &name,
        graph,
        BuildOptions::default(),
        measured,
        positions,
        None,
    );
    let started = Instant::now();
    let rendered =
        crate::modules::graph::export::render(&snapshot, &view, format_of(args.format), args.ids);
    let json_s = started.elapsed().as_secs_f64();
    let bytes = rendered?;
    let stored: usize = crate::modules::graph::snapshot::encode(&snapshot)
        .map_or(0, |chunks| chunks.iter().map(Vec::len).sum());
    eprintln!(
        "build_s={build_s:.3} structure_s={structure_s:.3} metrics_s={metrics_s:.3} layout_s={layout_s:.3} json_s={json_s:.3} nodes={} links={} bytes={} snapshot_bytes={stored}",
        snapshot.graph.nodes.len(),
        snapshot.graph.links.len(),
        bytes.len()
    );
    write_out(args.out.as_deref(), &bytes)
}

async fn diff(settings: Settings, args: GraphDiffArgs) -> CommandResult {
    let (state, workspace) = open(settings, args.workspace.as_deref()).await?;
    let diff = service::service(&state)
        .diff(&workspace, args.from, args.to)
        .await?;
    let text = serde_json::to_string_pretty(&diff).expect("a diff serializes");
    println!("{text}");
    Ok(ExitCode::SUCCESS)
}
