//! The layered loader and the checks on values, through `Settings::load`.

use super::*;
use secrecy::ExposeSecret;

fn env(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

#[test]
fn defaults_describe_the_embedded_mode() {
    let settings = Settings::load(None, env(&[]), &[]).unwrap();
    assert_eq!(settings.server.port, 8080);
    assert_eq!(settings.server.bind, "127.0.0.1");
    assert!(settings.mode().is_embedded());
    assert!(!settings.hsts_enabled());
}

#[test]
fn later_layers_win_file_then_env_then_flags() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("c.toml");
    std::fs::write(
        &file,
        "port = 9000\nbind = \"0.0.0.0\"\njob_max_attempts = 7\n",
    )
    .unwrap();
    let settings = Settings::load(
        Some(&file),
        env(&[
            ("NOTION_GRAPH_PORT", "9100"),
            ("NOTION_GRAPH_JOB_MAX_ATTEMPTS", "3"),
        ]),
        &[FlagValue {
            key: "port",
            flag: "port",
            value: "9200".into(),
        }],
    )
    .unwrap();
    assert_eq!(settings.server.port, 9200);
    assert_eq!(settings.server.bind, "0.0.0.0");
    assert_eq!(settings.jobs.max_attempts, 3);
}

const KEYS: &str = "k1:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=";

#[test]
fn mongodb_without_sealing_keys_is_refused_by_key() {
    let refused = Settings::load(None, env(&[("MONGODB_URI", "mongodb://h/")]), &[]);
    let message = refused.unwrap_err().to_string();
    assert!(message.contains("`encryption_keys`"), "{message}");
}

#[test]
fn conventional_service_urls_select_production_mode() {
    let settings = Settings::load(
        None,
        env(&[
            ("MONGODB_URI", "mongodb://u:pw@h/"),
            ("REDIS_URL", "redis://h/"),
            ("NOTION_GRAPH_ENCRYPTION_KEYS", KEYS),
        ]),
        &[],
    )
    .unwrap();
    assert!(!settings.mode().is_embedded());
    assert!(settings.hsts_enabled());
    assert_eq!(
        settings.storage.mongodb_uri.unwrap().expose_secret(),
        "mongodb://u:pw@h/"
    );
}

#[test]
fn a_bad_value_names_its_key_and_source() {
    let err = Settings::load(None, env(&[("NOTION_GRAPH_PORT", "eighty")]), &[]).unwrap_err();
    let message = err.to_string();
    assert!(message.contains("`port`"), "{message}");
    assert!(message.contains("NOTION_GRAPH_PORT"), "{message}");
    assert!(message.contains("0 to 65535"), "{message}");
}

#[test]
fn an_unknown_key_is_refused_by_name() {
    let err = Settings::load(None, env(&[("NOTION_GRAPH_PROT", "1")]), &[]).unwrap_err();
    assert!(err.to_string().contains("prot"), "{err}");
}

#[test]
fn a_missing_config_file_is_an_error() {
    let err = Settings::load(Some(Path::new("/nonexistent/x.toml")), env(&[]), &[]).unwrap_err();
    assert!(err.to_string().contains("/nonexistent/x.toml"), "{err}");
}

#[test]
fn a_bad_cron_expression_is_refused_by_key() {
    let err = Settings::load(
        None,
        env(&[("NOTION_GRAPH_HOUSEKEEPING_CRON", "every day")]),
        &[],
    )
    .unwrap_err();
    assert!(err.to_string().contains("housekeeping_cron"), "{err}");
}

#[test]
fn secrets_never_print() {
    let settings = Settings::load(
        None,
        env(&[("NOTION_GRAPH_ADMIN_TOKEN", "hunter2-secret")]),
        &[],
    )
    .unwrap();
    let printed = format!("{settings:?}");
    assert!(!printed.contains("hunter2-secret"), "{printed}");
}

#[test]
fn lists_accept_comma_separated_text() {
    let settings = Settings::load(
        None,
        env(&[(
            "NOTION_GRAPH_CORS_ALLOWED_ORIGINS",
            "https://a.example, https://b.example",
        )]),
        &[],
    )
    .unwrap();
    assert_eq!(
        settings.server.cors_allowed_origins,
        ["https://a.example", "https://b.example"]
    );
}

#[test]
fn sections_take_their_keys_by_field_name() {
    use super::values::keys_of;
    assert!(keys_of::<JobSettings>().contains(&"job_max_attempts"));
    assert!(keys_of::<NotionSettings>().contains(&"notion_api_url"));
    assert!(keys_of::<StorageSettings>().contains(&"mongodb_uri"));
    assert!(!keys_of::<ServerSettings>().contains(&"job_max_attempts"));
}

#[test]
fn every_key_of_the_readme_loads_from_the_environment() {
    let settings = Settings::load(
        None,
        env(&[
            ("NOTION_GRAPH_SYNC_LEASE_MS", "2000"),
            ("NOTION_GRAPH_RECONCILE_INTERVAL_HOURS", "6"),
            ("NOTION_GRAPH_HOUSEKEEPING_CRON", "*/5 * * * * *"),
            ("NOTION_GRAPH_REDIS_PREFIX", "x"),
            ("NOTION_GRAPH_LOG_FORMAT", "json"),
            ("NOTION_GRAPH_NOTION_API_URL", "http://127.0.0.1:4010"),
            ("NOTION_GRAPH_NOTION_RATE", "150"),
        ]),
        &[],
    )
    .unwrap();
    assert_eq!(settings.sync.lease_ms, 2000);
    assert_eq!(settings.sync.reconcile_interval_hours, 6);
    assert_eq!(settings.jobs.housekeeping_cron, "*/5 * * * * *");
    assert_eq!(settings.storage.redis_prefix, "x");
    assert_eq!(settings.server.log_format, LogFormat::Json);
    assert_eq!(settings.notion.api_url, "http://127.0.0.1:4010");
    assert_eq!(settings.notion.rate, 150.0);
}

#[test]
fn notion_defaults_to_the_real_api_at_its_documented_rate() {
    let settings = Settings::load(None, env(&[]), &[]).unwrap();
    assert_eq!(settings.notion.api_url, "https://api.notion.com");
    assert_eq!(settings.notion.rate, 3.0);
}

#[test]
fn a_flag_overrides_the_notion_settings_and_is_named_when_bad() {
    let flag = |key, flag, value: &str| FlagValue {
        key,
        flag,
        value: value.into(),
    };
    let settings = Settings::load(
        None,
        env(&[("NOTION_GRAPH_NOTION_API_URL", "https://a.example")]),
        &[flag("notion_api_url", "notion-url", "http://127.0.0.1:9")],
    )
    .unwrap();
    assert_eq!(settings.notion.api_url, "http://127.0.0.1:9");
    let err = Settings::load(None, env(&[]), &[flag("notion_rate", "rate", "fast")]).unwrap_err();
    let message = err.to_string();
    assert!(
        message.contains("`notion_rate`") && message.contains("--rate"),
        "{message}"
    );
}

#[test]
fn a_notion_url_that_is_not_http_or_a_rate_that_is_not_positive_is_refused() {
    for (name, value) in [
        ("NOTION_GRAPH_NOTION_API_URL", "api.notion.com"),
        ("NOTION_GRAPH_NOTION_API_URL", "file:///etc/passwd"),
        ("NOTION_GRAPH_NOTION_RATE", "0"),
        ("NOTION_GRAPH_NOTION_RATE", "-1"),
    ] {
        let err = Settings::load(None, env(&[(name, value)]), &[]).unwrap_err();
        let key = name
            .trim_start_matches("NOTION_GRAPH_")
            .to_ascii_lowercase();
        assert!(err.to_string().contains(&key), "{value}: {err}");
    }
}

#[test]
fn a_file_key_of_any_section_is_read_and_an_unknown_one_named_with_its_file() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("c.toml");
    std::fs::write(&file, "sync_interval_minutes = 5\nnotion_rate = 2.5\n").unwrap();
    let settings = Settings::load(Some(&file), env(&[]), &[]).unwrap();
    assert_eq!(settings.sync.interval_minutes, 5);
    assert_eq!(settings.notion.rate, 2.5);
    std::fs::write(&file, "sync_every = 5\n").unwrap();
    let message = Settings::load(Some(&file), env(&[]), &[])
        .unwrap_err()
        .to_string();
    assert!(
        message.contains("`sync_every`") && message.contains("c.toml"),
        "{message}"
    );
}

#[test]
fn the_readme_documents_every_key_and_no_other() {
    use super::values::keys_of;
    use std::collections::BTreeSet;
    let readme = include_str!("../../README.md");
    let documented: BTreeSet<&str> = readme
        .lines()
        .filter_map(|line| line.strip_prefix("| `")?.split('`').next())
        .filter(|key| key.chars().all(|c| c.is_ascii_lowercase() || c == '_'))
        .collect();
    let keys: BTreeSet<&str> = [
        keys_of::<ServerSettings>(),
        keys_of::<StorageSettings>(),
        keys_of::<JobSettings>(),
        keys_of::<SyncSettings>(),
        keys_of::<NotionSettings>(),
        keys_of::<SecuritySettings>(),
        keys_of::<GraphSettings>(),
        keys_of::<ExportSettings>(),
        keys_of::<AccountSettings>(),
        keys_of::<super::BillingSettings>(),
        keys_of::<super::AnalyticsSettings>(),
        keys_of::<super::AssistantSettings>(),
        keys_of::<super::AlertSettings>(),
    ]
    .concat()
    .into_iter()
    .collect();
    assert_eq!(documented, keys);
}

#[test]
fn graph_snapshots_kept_loads_and_zero_is_refused_by_key() {
    let settings = Settings::load(
        None,
        env(&[("NOTION_GRAPH_GRAPH_SNAPSHOTS_KEPT", "5")]),
        &[],
    );
    assert_eq!(settings.unwrap().graph.snapshots_kept, 5);
    assert_eq!(Settings::default().graph.snapshots_kept, 20);
    let err = Settings::load(
        None,
        env(&[("NOTION_GRAPH_GRAPH_SNAPSHOTS_KEPT", "0")]),
        &[],
    );
    assert!(
        err.unwrap_err()
            .to_string()
            .contains("`graph_snapshots_kept`")
    );
}

#[test]
fn a_language_model_needs_an_http_url_and_a_model_and_its_key_never_prints() {
    let load = |vars: &[(&str, &str)]| Settings::load(None, env(vars), &[]);
    let message = load(&[("NOTION_GRAPH_LLM_BASE_URL", "http://127.0.0.1:9/v1")])
        .unwrap_err()
        .to_string();
    assert!(message.contains("`llm_model`"), "{message}");
    let message = load(&[
        ("NOTION_GRAPH_LLM_BASE_URL", "ftp://x"),
        ("NOTION_GRAPH_LLM_MODEL", "m"),
    ])
    .unwrap_err()
    .to_string();
    assert!(message.contains("`llm_base_url`"), "{message}");
    let settings = load(&[
        ("NOTION_GRAPH_LLM_BASE_URL", "http://127.0.0.1:9/v1"),
        ("NOTION_GRAPH_LLM_MODEL", "small"),
        ("NOTION_GRAPH_LLM_API_KEY", "sk-very-secret"),
    ])
    .unwrap();
    assert_eq!(settings.assistant.llm_model.as_deref(), Some("small"));
    assert!(!format!("{settings:?}").contains("sk-very-secret"));
}
