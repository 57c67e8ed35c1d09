//! The plan's monthly allowance of assistant actions: each write step of a confirmed plan is
//! one action, counted per user and calendar month (UTC). A confirmation the plan has no room
//! for is refused with the plan's `plan_limit` problem, which names the plan that lifts it.

use serde::{Deserialize, Serialize};

use crate::error::AppError;
use crate::modules::payments;
use crate::state::AppState;
use crate::storage::{Collection, Index, StoreError, Typed};

pub static USAGE: Collection = Collection {
    name: "assistant_usage",
    indexes: &[Index::on(&["tenant"])],
    ttl_field: None,
    archived: false,
};

/// What one user did in one month.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MonthUsage {
    pub tenant: String,
    /// `YYYY-MM`, UTC.
    pub month: String,
    pub actions: u64,
}

fn usage(state: &AppState) -> Typed<MonthUsage> {
    Typed::new(state.store.clone(), &USAGE)
}

fn this_month() -> String {
    chrono::Utc::now().format("%Y-%m").to_string()
}

fn key(user: &str, month: &str) -> String {
    format!("{user}:{month}")
}

/// Actions the user took this month.
pub async fn used_this_month(state: &AppState, user: &str) -> Result<u64, AppError> {
    let found = usage(state).get(&key(user, &this_month())).await?;
    Ok(found.map_or(0, |r| r.value.actions))
}

/// Takes `actions` from the user's allowance this month, or refuses them all.
pub async fn take(state: &AppState, user: &str, actions: u64) -> Result<(), AppError> {
    if actions == 0 {
        return Ok(());
    }
    let entitlements = payments::service::entitlements(state, user).await?;
    let month = this_month();
    let id = key(user, &month);
    let fresh = MonthUsage {
        tenant: user.to_owned(),
        month,
        actions: 0,
    };
    match usage(state).insert(&id, &fresh).await {
        Ok(_) | Err(StoreError::Conflict(_)) => {}
        Err(error) => return Err(error.into()),
    }
    // Checked and counted in one optimistic update: two confirmations cannot both take the
    // last action.
    let mut refused = None;
    usage(state)
        .update(&id, |u| {
            // Room for the last of them is room for all.
            refused = entitlements
                .allow_assistant_action(u.actions + actions - 1)
                .err();
            refused.is_none().then(|| u.actions += actions)
        })
        .await?;
    refused.map_or(Ok(()), Err)
}

/// Gives back actions taken for a confirmation that did not happen after all.
pub async fn give_back(state: &AppState, user: &str, actions: u64) -> Result<(), AppError> {
    usage(state)
        .update(&key(user, &this_month()), |u| {
            u.actions = u.actions.saturating_sub(actions);
            Some(())
        })
        .await?;
    Ok(())
}
