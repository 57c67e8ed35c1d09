//! The binary: parse the command line, load settings, run the command.

use std::process::ExitCode;

use clap::Parser;
use notion_graph::cli::{Cli, Command, NotionCommand, ServeArgs};
use notion_graph::commands;
use notion_graph::config::Settings;
use notion_graph::modules::dashboard::demo;
use notion_graph::startup::{Application, Role};
use notion_graph::telemetry;

fn main() -> ExitCode {
    let cli = Cli::parse();
    if let Some(Command::Notion(NotionCommand::Links { file })) = &cli.command {
        return commands::exit(commands::print_links(file));
    }
    let settings = match Settings::load(
        cli.config.as_deref(),
        std::env::vars(),
        &cli.setting_flags(),
    ) {
        Ok(settings) => settings,
        Err(error) => return commands::exit(Err(error.into())),
    };
    telemetry::init(settings.server.log_format);
    let runtime = tokio::runtime::Runtime::new().expect("tokio runtime");
    let role = match cli.command.unwrap_or(Command::Serve(ServeArgs::default())) {
        Command::Serve(args) => Role::Server {
            with_workers: args.with_workers,
        },
        Command::Worker => Role::Worker,
        Command::Notion(_) => unreachable!("handled before the settings"),
        Command::Sync(args) => {
            return commands::exit(runtime.block_on(commands::sync(
                settings,
                cli.user.as_deref(),
                args,
            )));
        }
        Command::Workspaces => {
            return commands::exit(runtime.block_on(commands::workspaces(settings)));
        }
        Command::Backup { out } => {
            return commands::exit(runtime.block_on(commands::backup(settings, &out)));
        }
        Command::Restore { file, force } => {
            return commands::exit(runtime.block_on(commands::restore(settings, &file, force)));
        }
        Command::Archive(command) => {
            return commands::exit(runtime.block_on(commands::archive(settings, command)));
        }
        Command::Graph(command) => {
            let user = cli.user.as_deref();
            return commands::exit(runtime.block_on(commands::graph(settings, user, command)));
        }
        Command::ImportZip { file, name } => {
            return commands::exit(runtime.block_on(commands::import_zip(
                settings,
                cli.user.as_deref(),
                &file,
                name.as_deref(),
            )));
        }
        Command::Export(args) => {
            return commands::exit(runtime.block_on(commands::export(settings, args)));
        }
        Command::Share(command) => {
            return commands::exit(runtime.block_on(commands::share(settings, command)));
        }
        Command::Admin(command) => {
            return commands::exit(runtime.block_on(commands::admin(settings, command)));
        }
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

async fn run(mut settings: Settings, role: Role) -> anyhow::Result<()> {
    let sample = demo::reserve(&mut settings)?;
    let application = Application::build(settings, role).await?;
    // Kept until the server stops: the sample workspace's Notion simulator.
    let _simulator = match sample {
        Some(listener) => Some(demo::serve(listener).await?),
        None => None,
    };
    application.run_until_stopped().await
}
