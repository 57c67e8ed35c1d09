//! The binary: parse the command line, load settings, run the command.

use std::process::ExitCode;

use clap::Parser;
use notion_graph::cli::{Cli, Command, NotionCommand, ServeArgs};
use notion_graph::config::Settings;
use notion_graph::modules::notion::links;
use notion_graph::startup::{Application, Role};
use notion_graph::telemetry;

fn main() -> ExitCode {
    let cli = Cli::parse();
    if let Some(Command::Notion(NotionCommand::Links { file })) = &cli.command {
        return print_links(file);
    }
    let settings = match Settings::load(
        cli.config.as_deref(),
        std::env::vars(),
        &cli.setting_flags(),
    ) {
        Ok(settings) => settings,
        Err(error) => {
            eprintln!("notion-graph: {error}");
            return ExitCode::from(2);
        }
    };
    telemetry::init(settings.log_format);
    let runtime = tokio::runtime::Runtime::new().expect("tokio runtime");
    let role = match cli.command.unwrap_or(Command::Serve(ServeArgs::default())) {
        Command::Serve(args) => Role::Server {
            with_workers: args.with_workers,
        },
        Command::Worker => Role::Worker,
        Command::Notion(_) => unreachable!("handled before the settings"),
    };
    match runtime.block_on(run(settings, role)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            tracing::error!(error = format!("{error:#}"), "notion-graph stopped");
            eprintln!("notion-graph: {error:#}");
            ExitCode::FAILURE
        }
    }
}

async fn run(settings: Settings, role: Role) -> anyhow::Result<()> {
    Application::build(settings, role)
        .await?
        .run_until_stopped()
        .await
}

/// `notion links FILE`: one JSON object per link on stdout; status 2 when the file is not usable.
fn print_links(file: &std::path::Path) -> ExitCode {
    let found = std::fs::read_to_string(file)
        .map_err(|e| format!("cannot read {}: {e}", file.display()))
        .and_then(|text| links::from_json(&text).map_err(|e| format!("{}: {e}", file.display())));
    match found {
        Ok(found) => {
            for link in found {
                println!("{}", serde_json::to_string(&link).expect("links serialize"));
            }
            ExitCode::SUCCESS
        }
        Err(message) => {
            eprintln!("notion-graph: {message}");
            ExitCode::from(2)
        }
    }
}
