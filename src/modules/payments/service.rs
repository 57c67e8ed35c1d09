//! Billing as the API, the pages and the other modules use it: an account's entitlements
//! (the one function other modules call before doing something a plan limits), its billing
//! view (plan, status, usage against each limit, invoices), and setting a plan by hand.

use serde::Serialize;
use utoipa::ToSchema;

use super::entitlements::{
    Entitlements, LimitKind, PlanSource, Standing, SubscriptionStatus, entitle,
};
use super::model::{BillingAccount, Invoice, Subscription};
use super::store::{self, accounts};
use crate::config::{Limit, Plan};
use crate::error::{AppError, Code};
use crate::modules::auth::model::{normalize_email, rfc3339};
use crate::modules::auth::users;
use crate::modules::sync::connection;
use crate::modules::sync::now_ms;
use crate::state::AppState;
use crate::storage::{Filter, StoreResult};

/// What `user` may do now: read from the store on every call (no cache), so that a webhook
/// processed on any instance counts at once everywhere.
pub async fn entitlements(state: &AppState, user: &str) -> StoreResult<Entitlements> {
    let account = accounts(&state.store).get(user).await?.map(|r| r.value);
    let subscriptions = store::subscriptions_of(&state.store, user).await?;
    let standings: Vec<Standing<'_>> = subscriptions
        .iter()
        .filter_map(|(_, s)| s.standing())
        .collect();
    let manual = account.as_ref().and_then(|a| a.manual_plan.as_deref());
    Ok(entitle(
        &state.settings.billing,
        manual,
        &standings,
        now_ms(),
    ))
}

/// Gives the account of `email` the plan `plan` by hand (`admin set-plan`), whatever Stripe
/// says; `default` clears it, so that subscriptions (or the default plan) decide again.
pub async fn set_plan(
    state: &AppState,
    email: &str,
    plan: &str,
) -> Result<Option<String>, AppError> {
    let address = normalize_email(email).ok_or_else(|| {
        AppError::new(
            Code::InvalidEmail,
            format!("`{email}` is not an email address"),
        )
    })?;
    let user = users::by_email(&state.store, &address)
        .await?
        .ok_or_else(|| AppError::not_found(format!("no account `{address}`")))?;
    let manual = match plan {
        "default" => None,
        name if state.settings.billing.plan(name).is_some() => Some(name.to_owned()),
        name => return Err(unknown_plan(state, name)),
    };
    let mut account = accounts(&state.store).get(&user.id).await?.map_or_else(
        || BillingAccount {
            user: user.id.clone(),
            ..Default::default()
        },
        |r| r.value,
    );
    account.manual_plan = manual.clone();
    account.updated_at = now_ms();
    accounts(&state.store).upsert(&user.id, &account).await?;
    Ok(manual)
}

pub fn unknown_plan(state: &AppState, name: &str) -> AppError {
    let names: Vec<&str> = state
        .settings
        .billing
        .plans
        .iter()
        .map(|p| p.name.as_str())
        .collect();
    AppError::new(
        Code::UnknownPlan,
        format!("no plan `{name}`; the plans are {}", names.join(", ")),
    )
}

/// One limit of the plan with what the account uses of it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Usage {
    pub limit: LimitKind,
    /// What the plan allows, in words.
    pub allowed: String,
    /// The number allowed (`null`: unlimited, or a limit that is not a count).
    pub max: Option<u64>,
    /// What the account uses now, for limits that count something.
    pub used: Option<u64>,
    /// The limit is reached (or, for a feature, the plan lacks it).
    pub reached: bool,
    /// The first plan that lifts it, and what it allows.
    pub upgrade_to: Option<String>,
    pub upgrade_allows: Option<String>,
}

/// A plan as the billing page offers it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct PlanOffer {
    pub name: String,
    pub monthly_cents: u64,
    /// It has a Stripe price, so Checkout can sell it.
    pub purchasable: bool,
    pub current: bool,
    /// What the plan allows, limit by limit, in words (`5 workspaces`, `workspace export`).
    pub allows: Vec<String>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct InvoiceView {
    pub id: String,
    pub number: Option<String>,
    /// In the smallest currency unit (cents).
    pub amount_due: i64,
    pub amount_paid: i64,
    pub currency: String,
    pub status: String,
    pub hosted_invoice_url: Option<String>,
    pub created_at: String,
}

/// `GET /api/v1/billing`.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct BillingView {
    /// False when no Stripe key is configured: plans are then set by an admin.
    pub billing_enabled: bool,
    pub plan: String,
    /// Where the plan comes from.
    pub source: PlanSource,
    /// The subscription's status (`null` without one).
    pub status: Option<SubscriptionStatus>,
    pub current_period_end: Option<String>,
    pub cancel_at_period_end: bool,
    /// Until when a `past_due` subscription keeps its plan.
    pub grace_end: Option<String>,
    pub usage: Vec<Usage>,
    pub plans: Vec<PlanOffer>,
    /// The newest invoices first.
    pub invoices: Vec<InvoiceView>,
}

/// The billing view of `user`.
pub async fn view(state: &AppState, user: &str) -> Result<BillingView, AppError> {
    let entitlements = entitlements(state, user).await?;
    let subscriptions = store::subscriptions_of(&state.store, user).await?;
    let shown = shown_subscription(&entitlements, &subscriptions);
    let invoices = store::invoices_of(&state.store, user, 12).await?;
    Ok(BillingView {
        billing_enabled: state.settings.billing.enabled(),
        plan: entitlements.plan.name.clone(),
        source: entitlements.source,
        status: shown.map(|s| s.status),
        current_period_end: shown.and_then(|s| s.current_period_end).map(rfc3339),
        cancel_at_period_end: shown.is_some_and(|s| s.cancel_at_period_end),
        grace_end: shown
            .filter(|s| s.status == SubscriptionStatus::PastDue)
            .and_then(|s| s.grace_end)
            .map(rfc3339),
        usage: usage(state, user, &entitlements).await?,
        plans: offers(state, &entitlements.plan),
        invoices: invoices.into_iter().map(invoice_view).collect(),
    })
}

/// The subscription the page talks about: the one that gives the plan, else the newest.
fn shown_subscription<'a>(
    entitlements: &Entitlements,
    subscriptions: &'a [(String, Subscription)],
) -> Option<&'a Subscription> {
    let plan = Some(entitlements.plan.name.as_str());
    subscriptions
        .iter()
        .map(|(_, s)| s)
        .filter(|s| s.plan.as_deref() == plan || entitlements.source != PlanSource::Subscription)
        .max_by_key(|s| s.created_at)
}

fn offers(state: &AppState, current: &Plan) -> Vec<PlanOffer> {
    let billing = &state.settings.billing;
    billing
        .plans
        .iter()
        .map(|p| PlanOffer {
            name: p.name.clone(),
            monthly_cents: p.monthly_cents,
            purchasable: billing.enabled() && p.price_id.is_some(),
            current: p.name == current.name,
            allows: LimitKind::ALL.iter().map(|kind| kind.describe(p)).collect(),
        })
        .collect()
}

fn invoice_view((id, invoice): (String, Invoice)) -> InvoiceView {
    InvoiceView {
        id,
        number: invoice.number,
        amount_due: invoice.amount_due,
        amount_paid: invoice.amount_paid,
        currency: invoice.currency,
        status: invoice.status,
        hosted_invoice_url: invoice.hosted_invoice_url,
        created_at: rfc3339(invoice.created_at),
    }
}

/// What the account uses of each limit of its plan.
async fn usage(
    state: &AppState,
    user: &str,
    entitlements: &Entitlements,
) -> Result<Vec<Usage>, AppError> {
    let plan = &entitlements.plan;
    let connections = connection::of_tenant(&state.store, user).await?;
    let mut largest = 0;
    let mut private_links = 0;
    for connection in &connections {
        let mine = Filter::all().eq("connection", connection.id.as_str());
        largest = largest.max(
            state
                .store
                .count(&crate::modules::sync::ENTITIES, &mine)
                .await?,
        );
        private_links += private_shares(state, &connection.id).await?;
    }
    let counted =
        |kind, limit: Limit, used: u64| (kind, limit.0, Some(used), !limit.allows_one_more(used));
    let rows = [
        counted(
            LimitKind::Workspaces,
            plan.workspaces,
            connections.len() as u64,
        ),
        // Reached when an import stopped at it: the largest workspace holds as many pages.
        (
            LimitKind::PagesPerWorkspace,
            plan.pages_per_workspace.0,
            Some(largest),
            plan.pages_per_workspace.0.is_some_and(|max| largest >= max),
        ),
        counted(
            LimitKind::PrivateShareLinks,
            plan.private_share_links,
            private_links,
        ),
        (
            LimitKind::SyncInterval,
            Some(u64::from(plan.min_sync_interval_minutes)),
            None,
            false,
        ),
        counted(
            LimitKind::AssistantActions,
            plan.assistant_actions_per_month,
            crate::modules::assistant::allowance::used_this_month(state, user).await?,
        ),
        (LimitKind::EmbedBadge, None, None, plan.embed_badge),
        (LimitKind::Export, None, None, !plan.export),
        (
            LimitKind::ZipUpload,
            Some(plan.zip_upload_megabytes),
            None,
            false,
        ),
    ];
    Ok(rows
        .into_iter()
        .map(|(kind, max, used, reached)| {
            let upgrade = entitlements.upgrade_for(kind);
            Usage {
                limit: kind,
                allowed: kind.describe(plan),
                max,
                used,
                reached,
                upgrade_to: upgrade.map(|p| p.name.clone()),
                upgrade_allows: upgrade.map(|p| kind.describe(p)),
            }
        })
        .collect())
}

/// The live share links of `workspace` that show titles (the ones a plan counts).
pub async fn private_shares(state: &AppState, workspace: &str) -> Result<u64, AppError> {
    let shares = crate::modules::embed::service::list(state, workspace).await?;
    Ok(shares.iter().filter(|s| !s.preset.hide_titles).count() as u64)
}

/// `Ok` when `tenant` may have one more live share link showing titles (across all its
/// workspaces), else a `plan_limit` problem.
pub async fn allow_private_share(state: &AppState, tenant: &str) -> Result<(), AppError> {
    let entitlements = entitlements(state, tenant).await?;
    let mut live = 0;
    for connection in connection::of_tenant(&state.store, tenant).await? {
        live += private_shares(state, &connection.id).await?;
    }
    entitlements.allow_private_share(live)
}
