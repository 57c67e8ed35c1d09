//! One integration test binary (fast to link): the real application on port 0, and the real
//! binary where signals and crashes are involved, against the services `scripts/test` starts.

mod accounts;
mod backup;
mod billing;
mod billing_localstripe;
mod billing_report;
mod billing_stripe;
mod browser;
mod cache_contract;
mod command_line;
mod contract;
mod dashboard;
mod embed;
mod export;
mod graph;
mod graph_api;
mod graph_bin;
mod graph_exports;
mod graph_snapshots;
mod health;
mod helpers;
mod http_platform;
mod jobs;
mod log_secrets;
mod notion_client;
mod notion_fixtures;
mod notion_signin;
mod shares;
mod shutdown;
mod storage_contract;
mod stripe_fake;
mod sync_import;
mod sync_jobs;
mod sync_upgrade;
mod sync_workers;
mod workspaces;
