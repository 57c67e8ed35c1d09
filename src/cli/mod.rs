//! The command line: `serve` (the default), `worker`. Flags override every other source of
//! configuration.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

use crate::config::FlagValue;

mod graph;
mod share;
pub use graph::{
    ExportFormat, GraphBuildArgs, GraphCommand, GraphDiffArgs, GraphExportArgs, GraphImportArgs,
    ViewName,
};
pub use share::{PresetArgs, ShareCommand, ShareCreateArgs};

#[derive(Debug, Parser)]
#[command(
    name = "notion-graph",
    version,
    about = "Maps how the pages of a Notion workspace connect"
)]
pub struct Cli {
    /// A TOML file of settings (see the README for the keys).
    #[arg(long, global = true, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Where the embedded SQLite database lives.
    #[arg(long, global = true, value_name = "DIR")]
    pub data_dir: Option<PathBuf>,
    /// The account commands act as (its email); by default the instance's first admin.
    #[arg(long, global = true, value_name = "EMAIL")]
    pub user: Option<String>,
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Serve HTTP (and, in embedded mode, run the job workers too).
    Serve(ServeArgs),
    /// Run job workers only (production mode: jobs in Redis).
    Worker,
    /// Notion tools.
    #[command(subcommand)]
    Notion(NotionCommand),
    /// Import the workspace a Notion integration token belongs to.
    Sync(SyncArgs),
    /// List connected workspaces with their page and edge counts and last sync.
    Workspaces,
    /// Write every document of the store to a compressed, checksummed file.
    Backup {
        /// The file to write (replaced only once the backup is whole).
        #[arg(long, value_name = "FILE")]
        out: PathBuf,
    },
    /// Load a backup into this instance's store (either backend), which must be empty.
    Restore {
        #[arg(value_name = "FILE")]
        file: PathBuf,
        /// Load into a store that holds documents, overwriting those with the same ids.
        #[arg(long)]
        force: bool,
    },
    /// History archived by housekeeping (old sync runs, graph builds, alerts): list, print,
    /// bring back for inspection.
    #[command(subcommand)]
    Archive(ArchiveCommand),
    /// Graph snapshots of an imported workspace, and views of them as D3 JSON, GEXF or GraphML.
    #[command(subcommand)]
    Graph(GraphCommand),
    /// Export a workspace to Markdown and JSON files (resumable: run it again after a stop).
    Export(ExportArgs),
    /// Import a Notion export zip ("Markdown & CSV" or "HTML") as a new workspace.
    ImportZip {
        #[arg(value_name = "FILE")]
        file: PathBuf,
        /// The workspace's name (by default the export's).
        #[arg(long, value_name = "N")]
        name: Option<String>,
    },
    /// Share links: the embeddable pages of a workspace's graph.
    #[command(subcommand)]
    Share(ShareCommand),
    /// Accounts and roles, for the operator (bootstrap the first admin).
    #[command(subcommand)]
    Admin(AdminCommand),
}

#[derive(Debug, Subcommand)]
pub enum ArchiveCommand {
    /// The newest archives: id, collection, when, how many documents.
    List {
        /// Only archives of this collection (`sync_runs`, `graph_builds`, `alerts`).
        #[arg(long, value_name = "NAME")]
        collection: Option<String>,
        #[arg(long, value_name = "N", default_value_t = 50)]
        limit: usize,
    },
    /// Print an archive's documents, one JSON object per line.
    Show {
        #[arg(value_name = "ID")]
        id: String,
    },
    /// Put an archive's documents back in their collection for a week, and drop the archive.
    Restore {
        #[arg(value_name = "ID")]
        id: String,
    },
}

#[derive(Debug, Subcommand)]
pub enum AdminCommand {
    /// Create an account. Without --password-stdin it prints a link (valid one hour) where its
    /// owner chooses a password.
    CreateUser {
        #[arg(long, value_name = "EMAIL")]
        email: String,
        #[arg(long)]
        name: Option<String>,
        /// Make it an admin.
        #[arg(long)]
        admin: bool,
        /// Read the password from the first line of standard input.
        #[arg(long)]
        password_stdin: bool,
    },
    /// Give an existing account the admin role.
    Grant {
        #[arg(value_name = "EMAIL")]
        email: String,
    },
    /// Give an account a plan by hand, whatever its subscription says (`default` clears it).
    SetPlan {
        #[arg(value_name = "EMAIL")]
        email: String,
        #[arg(value_name = "PLAN")]
        plan: String,
    },
}

#[derive(Debug, Args)]
pub struct SyncArgs {
    /// An internal integration token (`ntn_...` or `secret_...`).
    #[arg(long, env = "NOTION_TOKEN", hide_env_values = true)]
    pub token: String,
    /// The Notion API (or a simulator) to talk to; overrides the `notion_api_url` setting.
    #[arg(long, value_name = "URL")]
    pub notion_url: Option<String>,
    /// Requests per second the workspace may spend; overrides the `notion_rate` setting
    /// (default 3, Notion's limit per integration).
    #[arg(long, value_name = "RPS", value_parser = positive_rate)]
    pub rate: Option<f64>,
    /// Queue the sync for the job workers instead of running it here.
    #[arg(long)]
    pub enqueue: bool,
}

fn positive_rate(text: &str) -> Result<f64, String> {
    match text.parse::<f64>() {
        Ok(rate) if rate.is_finite() && rate > 0.0 => Ok(rate),
        _ => Err(format!(
            "`{text}` is not a positive number of requests per second"
        )),
    }
}

#[derive(Debug, Args)]
pub struct ExportArgs {
    /// The workspace (its id or name); may be left out when one workspace is imported.
    #[arg(long, value_name = "W")]
    pub workspace: Option<String>,
    /// The folder to write: empty, or one an earlier export wrote (which it continues or
    /// brings up to date).
    #[arg(long, value_name = "DIR")]
    pub out: PathBuf,
    /// What to write, comma-separated: `markdown`, `json` (both by default).
    #[arg(long, value_name = "FORMATS", default_value = "markdown,json")]
    pub format: String,
    /// Only pages edited at or after this RFC 3339 time (an incremental backup).
    #[arg(long, value_name = "TIME")]
    pub since: Option<String>,
}

#[derive(Debug, Subcommand)]
pub enum NotionCommand {
    /// Print the links in a saved Notion API response, one JSON object per line.
    Links {
        /// A block, block list, page, property-item list, search or query result.
        file: PathBuf,
    },
}

#[derive(Debug, Default, Args)]
pub struct ServeArgs {
    #[arg(long, value_name = "N")]
    pub port: Option<u16>,
    #[arg(long, value_name = "ADDR")]
    pub bind: Option<String>,
    /// Also run job workers in production mode.
    #[arg(long)]
    pub with_workers: bool,
    /// Serve a sample workspace from a built-in Notion simulator (the `demo` setting).
    #[arg(long)]
    pub demo: bool,
}

impl Cli {
    /// The flags that set settings, the last layer of configuration.
    pub fn setting_flags(&self) -> Vec<FlagValue> {
        let flag = |key, flag, value: String| FlagValue { key, flag, value };
        let mut flags = Vec::new();
        if let Some(dir) = &self.data_dir {
            flags.push(flag("data_dir", "data-dir", dir.display().to_string()));
        }
        match &self.command {
            Some(Command::Serve(serve)) => {
                if let Some(port) = serve.port {
                    flags.push(flag("port", "port", port.to_string()));
                }
                if let Some(bind) = &serve.bind {
                    flags.push(flag("bind", "bind", bind.clone()));
                }
                if serve.demo {
                    flags.push(flag("demo", "demo", "true".into()));
                }
            }
            Some(Command::Sync(sync)) => {
                if let Some(url) = &sync.notion_url {
                    flags.push(flag("notion_api_url", "notion-url", url.clone()));
                }
                if let Some(rate) = sync.rate {
                    flags.push(flag("notion_rate", "rate", rate.to_string()));
                }
            }
            _ => {}
        }
        flags
    }
}
