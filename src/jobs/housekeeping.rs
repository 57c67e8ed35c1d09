//! The scheduled housekeeping: expired documents of every collection with a TTL are deleted,
//! then each module's own housekeeping runs (enqueueing due syncs, for one). One failing part
//! does not keep the others from running.

use crate::state::AppState;

pub(super) async fn run(state: &AppState) -> anyhow::Result<()> {
    let mut failed = Vec::new();
    if let Err(error) = delete_expired(state).await {
        tracing::warn!(
            error = format!("{error:#}"),
            "cannot delete expired documents"
        );
        failed.push("expired documents");
    }
    for module in state.modules.iter() {
        let Some(housekeeping) = module.housekeeping else {
            continue;
        };
        if let Err(error) = housekeeping(state).await {
            tracing::warn!(
                module = module.name,
                error = format!("{error:#}"),
                "housekeeping failed"
            );
            failed.push(module.name);
        }
    }
    match failed.is_empty() {
        true => Ok(()),
        false => anyhow::bail!("housekeeping failed for {}", failed.join(", ")),
    }
}

async fn delete_expired(state: &AppState) -> anyhow::Result<()> {
    let now = chrono::Utc::now().timestamp_millis();
    for collection in state
        .modules
        .collections()
        .filter(|c| c.ttl_field.is_some())
    {
        let deleted = state.store.delete_expired(collection, now).await?;
        if deleted > 0 {
            tracing::info!(
                collection = collection.name,
                deleted,
                "expired documents deleted"
            );
        }
    }
    Ok(())
}
