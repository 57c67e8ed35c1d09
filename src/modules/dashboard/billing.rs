//! The billing page (`/billing`): the plan, each limit with what the account uses and the plan
//! that lifts it, upgrade buttons (to Stripe Checkout) and the portal, invoices; with billing
//! off it says so and how a plan is set. `/billing/success`, where Checkout returns, grants
//! nothing: it says the payment is being confirmed and its script polls `GET /api/v1/billing`
//! until a verified webhook has changed the plan (security.md 16).

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, get, post, web};
use askama::Template;
use serde::Deserialize;

use super::view::{Chrome, PageError, allow_form_targets, explain, page, refused};
use super::workspaces::readable;
use super::{form_user, signed_in};
use crate::error::AppError;
use crate::modules::auth::AuthUser;
use crate::modules::payments::service::{self, BillingView};
use crate::modules::payments::{PlanSource, checkout};
use crate::state::AppState;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(show)
        .service(success)
        .service(start_checkout)
        .service(open_portal);
}

/// One limit as a row of the page.
struct LimitRow {
    name: &'static str,
    allowed: String,
    used: Option<u64>,
    reached: bool,
    lift: Option<String>,
}

struct PlanRow {
    name: String,
    price: String,
    current: bool,
    purchasable: bool,
    allows: String,
}

struct InvoiceRow {
    number: String,
    amount: String,
    status: String,
    created: String,
    url: Option<String>,
}

#[derive(Template)]
#[template(path = "dashboard/billing.html")]
struct BillingPage {
    chrome: Chrome,
    enabled: bool,
    plan: String,
    source: &'static str,
    status: Option<String>,
    period_end: Option<String>,
    cancel_at_period_end: bool,
    grace_end: Option<String>,
    subscribed: bool,
    limits: Vec<LimitRow>,
    plans: Vec<PlanRow>,
    invoices: Vec<InvoiceRow>,
    canceled: bool,
    error: Option<String>,
}

/// An amount in cents as `$12.00` (and `12.00 EUR` for other currencies).
fn money(cents: i64, currency: &str) -> String {
    let amount = format!("{}.{:02}", cents / 100, (cents % 100).abs());
    match currency {
        "usd" => format!("${amount}"),
        other => format!("{amount} {}", other.to_uppercase()),
    }
}

fn label(limit: crate::modules::payments::LimitKind) -> &'static str {
    use crate::modules::payments::LimitKind::*;
    match limit {
        PagesPerWorkspace => "Pages per workspace",
        Workspaces => "Workspaces",
        SyncInterval => "Sync interval",
        PrivateShareLinks => "Share links showing titles",
        EmbedBadge => "Embed badge",
        AssistantActions => "Assistant actions",
        Export => "Export",
        ZipUpload => "Notion export zip upload",
    }
}

fn billing_page(request: &HttpRequest, user: &AuthUser, view: BillingView) -> BillingPage {
    let limits = view
        .usage
        .into_iter()
        .map(|u| LimitRow {
            name: label(u.limit),
            allowed: u.allowed,
            used: u.used,
            reached: u.reached,
            lift: u
                .upgrade_to
                .zip(u.upgrade_allows)
                .map(|(plan, allows)| format!("{plan}: {allows}")),
        })
        .collect();
    let plans = view
        .plans
        .into_iter()
        .map(|p| PlanRow {
            price: match p.monthly_cents {
                0 => "no charge".to_owned(),
                cents => format!("{} a month", money(cents as i64, "usd")),
            },
            name: p.name,
            current: p.current,
            purchasable: p.purchasable,
            allows: p.allows.join(", "),
        })
        .collect();
    let invoices = view
        .invoices
        .into_iter()
        .map(|i| InvoiceRow {
            number: i.number.unwrap_or(i.id),
            amount: money(i.amount_due, &i.currency),
            status: i.status,
            created: readable(&i.created_at),
            url: i.hosted_invoice_url,
        })
        .collect();
    BillingPage {
        chrome: Chrome::new(request, Some(user)),
        enabled: view.billing_enabled,
        plan: view.plan,
        source: match view.source {
            PlanSource::Default => "the default plan of this instance",
            PlanSource::Manual => "set by an admin",
            PlanSource::Subscription => "your subscription",
        },
        subscribed: view.status.is_some(),
        status: view.status.map(|s| s.name().replace('_', " ")),
        period_end: view.current_period_end.as_deref().map(readable),
        cancel_at_period_end: view.cancel_at_period_end,
        grace_end: view.grace_end.as_deref().map(readable),
        limits,
        plans,
        invoices,
        canceled: request.query_string().contains("checkout=canceled"),
        error: None,
    }
}

#[get("/billing")]
async fn show(
    state: web::Data<AppState>,
    request: HttpRequest,
    user: Option<AuthUser>,
) -> Result<HttpResponse, PageError> {
    let user = signed_in(&request, user)?;
    let view = service::view(&state, user.id()).await?;
    let response = page(
        &request,
        StatusCode::OK,
        &billing_page(&request, &user, view),
    )?;
    Ok(allow_form_targets(response, &stripe_origins(&state)))
}

/// Where the billing forms may send the browser: Stripe's hosted pages, or the origin of the
/// configured Stripe API when it is not Stripe's (a test's server).
fn stripe_origins(state: &AppState) -> Vec<String> {
    let mut origins = vec![
        "https://checkout.stripe.com".to_owned(),
        "https://billing.stripe.com".to_owned(),
    ];
    let base = url::Url::parse(&state.settings.billing.stripe_api_base).ok();
    if let Some(origin) = base.map(|u| u.origin().ascii_serialization())
        && origin != "https://api.stripe.com"
    {
        origins.push(origin);
    }
    origins
}

#[derive(Template)]
#[template(path = "dashboard/billing-success.html")]
struct SuccessPage {
    chrome: Chrome,
    plan: String,
}

/// Where Checkout returns. The `session_id` in its URL is not trusted: the page only waits for
/// the plan to change.
#[get("/billing/success")]
async fn success(
    state: web::Data<AppState>,
    request: HttpRequest,
    user: Option<AuthUser>,
) -> Result<HttpResponse, PageError> {
    let user = signed_in(&request, user)?;
    let view = service::view(&state, user.id()).await?;
    let body = SuccessPage {
        chrome: Chrome::new(&request, Some(&user)),
        plan: view.plan,
    };
    page(&request, StatusCode::OK, &body)
}

#[derive(Deserialize)]
struct CheckoutForm {
    csrf_token: String,
    plan: String,
}

/// The page again with `error` said at the top.
async fn refused_page(
    state: &AppState,
    request: &HttpRequest,
    user: &AuthUser,
    error: AppError,
) -> Result<HttpResponse, PageError> {
    let view = service::view(state, user.id()).await?;
    let mut body = billing_page(request, user, view);
    body.error = Some(explain(&error));
    let response = refused(request, &error, &body)?;
    Ok(allow_form_targets(response, &stripe_origins(state)))
}

fn to_stripe(url: &str) -> HttpResponse {
    HttpResponse::SeeOther()
        .insert_header((actix_web::http::header::LOCATION, url.to_owned()))
        .finish()
}

#[post("/billing/checkout")]
async fn start_checkout(
    state: web::Data<AppState>,
    request: HttpRequest,
    form: web::Form<CheckoutForm>,
) -> Result<HttpResponse, PageError> {
    let user = form_user(&request, &form.csrf_token).await?;
    match checkout::checkout(&state, &user, &form.plan, None).await {
        Ok(url) => Ok(to_stripe(&url)),
        Err(error) => refused_page(&state, &request, &user, error).await,
    }
}

#[derive(Deserialize)]
struct PortalForm {
    csrf_token: String,
}

#[post("/billing/portal")]
async fn open_portal(
    state: web::Data<AppState>,
    request: HttpRequest,
    form: web::Form<PortalForm>,
) -> Result<HttpResponse, PageError> {
    let user = form_user(&request, &form.csrf_token).await?;
    match checkout::portal(&state, &user, None).await {
        Ok(url) => Ok(to_stripe(&url)),
        Err(error) => refused_page(&state, &request, &user, error).await,
    }
}
