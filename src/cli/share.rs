//! `notion-graph share ...`: share links (embed pages) from the command line.

use clap::{Args, Subcommand};

use crate::modules::embed::model::{PresetView, Theme};

#[derive(Debug, Subcommand)]
pub enum ShareCommand {
    /// Create a share link and print its URL (paste it into Notion with `/embed`).
    Create(ShareCreateArgs),
    /// List a workspace's share links: id, name, URL, expiry.
    List {
        /// A workspace id or name; may be left out when exactly one is imported.
        #[arg(long, value_name = "W")]
        workspace: Option<String>,
    },
    /// Revoke a share link: its URL answers 404 from now on.
    Revoke {
        /// The link's id (`shr_...`) or its URL.
        #[arg(value_name = "ID_OR_URL")]
        id_or_url: String,
    },
}

#[derive(Debug, Args)]
pub struct ShareCreateArgs {
    /// A workspace id or name; may be left out when exactly one is imported.
    #[arg(long, value_name = "W")]
    pub workspace: Option<String>,
    /// What the owner's list and the page title call it.
    #[arg(long, default_value = "Workspace graph")]
    pub name: String,
    /// When the link stops working (RFC 3339); by default never.
    #[arg(long, value_name = "TIME")]
    pub expires_at: Option<String>,
    #[command(flatten)]
    pub preset: PresetArgs,
}

/// What the embed shows (the share's preset).
#[derive(Debug, Args)]
pub struct PresetArgs {
    #[arg(long, value_enum, default_value_t = PresetView::Full)]
    pub view: PresetView,
    /// The page a neighbourhood centres on: a Notion id or an exact title.
    #[arg(long, value_name = "PAGE")]
    pub root: Option<String>,
    /// Links from the root a neighbourhood reaches (1 to 3).
    #[arg(long, value_name = "N", default_value_t = 1)]
    pub depth: u8,
    /// Show only these node kinds at first (page, row, database, data_source, unknown).
    #[arg(long, value_name = "KIND")]
    pub kind: Vec<String>,
    /// Show only these communities at first.
    #[arg(long, value_name = "C")]
    pub community: Vec<u32>,
    /// Hide child page, child database and data source row links.
    #[arg(long)]
    pub hide_hierarchy: bool,
    /// Hide pages with no reference link in or out.
    #[arg(long)]
    pub hide_orphans: bool,
    #[arg(long, value_enum, default_value_t = Theme::Auto)]
    pub theme: Theme,
    /// Draw no titles on the graph.
    #[arg(long)]
    pub no_labels: bool,
    /// For public sharing: no titles, ids or Notion URLs leave the server.
    #[arg(long)]
    pub hide_titles: bool,
    /// Keep showing this snapshot version instead of the newest.
    #[arg(long, value_name = "V")]
    pub version: Option<u64>,
}
