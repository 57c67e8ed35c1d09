//! The OpenAPI document against the running app: schemathesis (from PyPI, in the venv that
//! `scripts/test` prepares as `TEST_SCHEMATHESIS`) generates requests from the document, with the
//! admin token and every check (documented statuses, `Allow` on 405, schema-valid input
//! accepted, created resources fetchable, ...). Any failure or 5xx fails the test.

use crate::helpers::{ADMIN_TOKEN, Mode, TestApp, json, service, spawn_app};

/// Cases per operation: enough to cover every operation's statuses, bounded for CI's two cores.
const MAX_EXAMPLES: &str = "20";
/// A fixed seed: the same cases on every run, so that a failure reproduces (`st replay`).
const SEED: &str = "1";

#[tokio::test]
async fn the_openapi_document_tells_the_truth_about_every_operation() {
    let Some(schemathesis) = service("TEST_SCHEMATHESIS") else {
        return;
    };
    let app = spawn_app(Mode::Embedded)
        .await
        .expect("embedded mode needs no services");
    let config = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/contract/schemathesis.toml"
    );
    // Its caches (`.hypothesis/`, `.schemathesis/`) go to a directory of its own.
    let scratch = tempfile::tempdir().unwrap();
    let output = tokio::process::Command::new(schemathesis)
        .current_dir(scratch.path())
        .args([
            "--config-file",
            config,
            "run",
            &app.url("/api/openapi.json"),
        ])
        .args(["--header", &format!("Authorization: Bearer {ADMIN_TOKEN}")])
        .args([
            "--checks",
            "all",
            "--max-examples",
            MAX_EXAMPLES,
            "--seed",
            SEED,
        ])
        // One worker: the generator's caches are not safe across threads.
        .args(["--workers", "1", "--no-color"])
        .output()
        .await
        .expect("schemathesis runs");
    let report = String::from_utf8_lossy(&output.stdout);
    eprintln!("{report}{}", String::from_utf8_lossy(&output.stderr));
    let tested = report
        .lines()
        .find_map(|line| line.trim().strip_prefix("Tested: "))
        .and_then(|n| n.trim().parse::<usize>().ok());
    assert_eq!(
        tested,
        Some(operations(&app).await),
        "schemathesis did not test every operation:\n{report}"
    );
    assert!(
        output.status.success(),
        "schemathesis found failures:\n{report}"
    );
    // Dropped, not drained: the canaries it queued may sleep for minutes (up to `sleep_ms`).
    drop(app);
}

/// How many operations the document lists.
async fn operations(app: &TestApp) -> usize {
    let document = json(app.get("/api/openapi.json").await).await;
    let paths = document["paths"]
        .as_object()
        .expect("the document has paths");
    paths
        .values()
        .flat_map(|item| item.as_object().unwrap().keys())
        .filter(|key| ["get", "put", "post", "delete", "patch"].contains(&key.as_str()))
        .count()
}
