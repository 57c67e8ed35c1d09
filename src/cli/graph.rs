//! `notion-graph graph ...`: build snapshots, export views, diff snapshots, import edge lists.

use std::path::PathBuf;

use clap::{Args, Subcommand, ValueEnum};

#[derive(Debug, Subcommand)]
pub enum GraphCommand {
    /// Build and store the next snapshot of a workspace's graph (metrics and layout included).
    Build(GraphBuildArgs),
    /// Write a view of the newest snapshot (or of a plain edge list) as D3 JSON, GEXF or GraphML.
    Export(GraphExportArgs),
    /// Print what changed between two snapshots, as JSON.
    Diff(GraphDiffArgs),
    /// Make a workspace from a plain edge list (`source target` per line, page titles
    /// generated) and build its graph: demos and benchmarks of any size.
    ImportEdges(GraphImportArgs),
}

#[derive(Debug, Args)]
pub struct GraphImportArgs {
    /// One `source target` pair of non-negative integers per line; blank lines and `#`
    /// comments are skipped, further columns ignored.
    #[arg(value_name = "FILE")]
    pub file: PathBuf,
    /// The new workspace's name.
    #[arg(long, value_name = "N")]
    pub name: String,
}

#[derive(Debug, Args)]
pub struct GraphBuildArgs {
    /// A workspace id or name; may be left out when exactly one is imported.
    #[arg(long, value_name = "W")]
    pub workspace: Option<String>,
    /// Leave out child page, child database and data source row links.
    #[arg(long)]
    pub no_hierarchy: bool,
    /// Leave out database rows.
    #[arg(long)]
    pub no_rows: bool,
    /// Leave out link targets the integration cannot read.
    #[arg(long)]
    pub no_dangling: bool,
    /// Leave out trashed pages.
    #[arg(long)]
    pub no_trashed: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ExportFormat {
    D3,
    Gexf,
    Graphml,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ViewName {
    /// Every node and link.
    Full,
    /// Communities as super-nodes, with the top pages by PageRank.
    Summary,
    /// A page (--root) and what lies within --depth links of it.
    #[value(alias = "neighborhood")]
    Neighbourhood,
    /// The shortest path from --root to --to.
    Path,
    /// Pages whose title contains --text, by PageRank.
    Search,
}

#[derive(Debug, Args)]
pub struct GraphExportArgs {
    /// A workspace id or name; may be left out when exactly one is imported.
    #[arg(long, value_name = "W", conflicts_with = "edges")]
    pub workspace: Option<String>,
    /// A plain edge list (`u v` per line) instead of a workspace; prints timings to stderr.
    #[arg(long, value_name = "FILE")]
    pub edges: Option<PathBuf>,
    #[arg(long, value_enum, default_value_t = ExportFormat::D3)]
    pub format: ExportFormat,
    #[arg(long, value_enum, default_value_t = ViewName::Full)]
    pub view: ViewName,
    /// The page a neighbourhood or path starts from: a Notion id or an exact title.
    #[arg(long, value_name = "PAGE")]
    pub root: Option<String>,
    /// Where a path ends.
    #[arg(long, value_name = "PAGE")]
    pub to: Option<String>,
    /// Follow links only from source to target when finding a path.
    #[arg(long)]
    pub directed: bool,
    /// Links from the root a neighbourhood reaches (1 to 3).
    #[arg(long, value_name = "N", default_value_t = 1)]
    pub depth: u8,
    /// Keep only these entity kinds in a neighbourhood (page, row, database, data_source, unknown).
    #[arg(long, value_name = "KIND")]
    pub kind: Vec<String>,
    /// Keep only this community in a neighbourhood.
    #[arg(long, value_name = "C")]
    pub community: Option<u32>,
    /// Title text to keep (neighbourhood) or to search for (search).
    #[arg(long, value_name = "TEXT")]
    pub text: Option<String>,
    /// Pages a summary shows besides its communities.
    #[arg(long, value_name = "N", default_value_t = 20)]
    pub top: usize,
    /// Most results of a search.
    #[arg(long, value_name = "N", default_value_t = 50)]
    pub limit: usize,
    /// D3 links name their ends by node id instead of node index.
    #[arg(long)]
    pub ids: bool,
    /// A snapshot version instead of the newest.
    #[arg(long, value_name = "V")]
    pub version: Option<u64>,
    /// Write here instead of stdout.
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct GraphDiffArgs {
    /// A workspace id or name; may be left out when exactly one is imported.
    #[arg(long, value_name = "W")]
    pub workspace: Option<String>,
    /// The older snapshot (default: the one before --to).
    #[arg(long, value_name = "V")]
    pub from: Option<u64>,
    /// The newer snapshot (default: the newest).
    #[arg(long, value_name = "V")]
    pub to: Option<u64>,
}
