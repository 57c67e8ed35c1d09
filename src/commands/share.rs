//! `share create`, `share list` and `share revoke`, as the operator: a share belongs to the
//! owner of the workspace it shows.

use std::process::ExitCode;

use super::CommandResult;
use crate::cli::{PresetArgs, ShareCommand, ShareCreateArgs};
use crate::config::Settings;
use crate::error::AppError;
use crate::modules;
use crate::modules::embed::model::{NewShare, Preset};
use crate::modules::embed::service;
use crate::modules::graph::service::resolve_workspace;
use crate::modules::sync::connection;
use crate::state::AppState;

/// Runs one `share` subcommand.
pub async fn share(settings: Settings, command: ShareCommand) -> CommandResult {
    let state = AppState::build(settings, modules::ALL).await?;
    match command {
        ShareCommand::Create(args) => create(&state, args).await,
        ShareCommand::List { workspace } => list(&state, workspace.as_deref()).await,
        ShareCommand::Revoke { id_or_url } => {
            let id = service::revoke(&state, None, &id_or_url).await?;
            println!("revoked {id}");
            Ok(ExitCode::SUCCESS)
        }
    }
}

async fn create(state: &AppState, args: ShareCreateArgs) -> CommandResult {
    let workspace = resolve_workspace(state, args.workspace.as_deref()).await?;
    let connection = connection::get(&state.store, &workspace)
        .await
        .map_err(AppError::from)?
        .ok_or_else(|| AppError::not_found(format!("no workspace `{workspace}`")))?;
    let new = NewShare {
        name: args.name,
        preset: preset(args.preset),
        expires_at: args.expires_at,
    };
    let share = service::create(state, &connection, new).await?;
    println!("{}", share.url);
    Ok(ExitCode::SUCCESS)
}

async fn list(state: &AppState, workspace: Option<&str>) -> CommandResult {
    let workspace = resolve_workspace(state, workspace).await?;
    for share in service::list(state, &workspace).await? {
        let expires = share.expires_at.as_deref().unwrap_or("never");
        println!(
            "{}\t{}\t{}\texpires {expires}",
            share.id, share.name, share.url
        );
    }
    Ok(ExitCode::SUCCESS)
}

fn preset(args: PresetArgs) -> Preset {
    Preset {
        view: args.view,
        root: args.root,
        depth: args.depth,
        kinds: args.kind,
        communities: args.community,
        hide_hierarchy: args.hide_hierarchy,
        hide_orphans: args.hide_orphans,
        theme: args.theme,
        labels: !args.no_labels,
        hide_titles: args.hide_titles,
        version: args.version,
    }
}
