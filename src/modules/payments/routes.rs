//! The billing API under `/api/v1`, for the signed-in user.

use actix_web::{HttpRequest, HttpResponse, get, post, web};
use serde::{Deserialize, Serialize};
use utoipa::{OpenApi, ToSchema};

use super::checkout;
use super::entitlements::{LimitKind, PlanSource, SubscriptionStatus};
use super::service::{self, BillingView, InvoiceView, PlanOffer, Usage};
use crate::error::{AppError, Code};
use crate::modules::auth::AuthUser;
use crate::state::AppState;

#[derive(OpenApi)]
#[openapi(
    paths(show, start_checkout, open_portal),
    components(schemas(
        BillingView,
        Usage,
        PlanOffer,
        InvoiceView,
        LimitKind,
        PlanSource,
        SubscriptionStatus,
        CheckoutBody,
        SessionUrl
    ))
)]
pub struct Api;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(show)
        .service(start_checkout)
        .service(open_portal);
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CheckoutBody {
    /// A plan with a Stripe price (`pro`, `team`).
    pub plan: String,
}

/// Where to send the browser.
#[derive(Debug, Serialize, ToSchema)]
pub struct SessionUrl {
    pub url: String,
}

/// The caller's plan, subscription status, usage against each limit (with the plan that lifts
/// it), the plans on offer and the newest invoices.
#[utoipa::path(responses((status = 200, body = BillingView), (status = 401)))]
#[get("/billing")]
async fn show(state: web::Data<AppState>, user: AuthUser) -> Result<HttpResponse, AppError> {
    Ok(HttpResponse::Ok().json(service::view(&state, user.id()).await?))
}

/// An `Idempotency-Key` the client sent: a retried request makes the same Stripe session.
fn given_key(request: &HttpRequest) -> Result<Option<String>, AppError> {
    let Some(value) = request.headers().get("idempotency-key") else {
        return Ok(None);
    };
    match value.to_str() {
        Ok(key) if (1..=200).contains(&key.len()) && key.chars().all(|c| c.is_ascii_graphic()) => {
            Ok(Some(key.to_owned()))
        }
        _ => Err(AppError::new(
            Code::InvalidValue,
            "`Idempotency-Key` must be 1 to 200 visible ASCII characters",
        )),
    }
}

/// A Stripe Checkout Session (subscription mode) for `plan`; send the browser to its `url`.
/// The plan is granted only once Stripe confirms the payment by webhook.
#[utoipa::path(request_body = CheckoutBody,
    params(("Idempotency-Key" = Option<String>, Header, description = "Retries with the same key give the same session")),
    responses((status = 200, body = SessionUrl),
        (status = 400, description = "`unknown_plan`: no such plan, or it is not sold"),
        (status = 401),
        (status = 404, description = "`billing_disabled`: no Stripe key on this instance"),
        (status = 409, description = "A subscription exists already: use the portal"),
        (status = 502, description = "`stripe_unavailable`")))]
#[post("/billing/checkout")]
async fn start_checkout(
    state: web::Data<AppState>,
    request: HttpRequest,
    user: AuthUser,
    body: web::Json<CheckoutBody>,
) -> Result<HttpResponse, AppError> {
    let key = given_key(&request)?;
    let url = checkout::checkout(&state, &user, &body.plan, key.as_deref()).await?;
    Ok(HttpResponse::Ok().json(SessionUrl { url }))
}

/// A Stripe Customer Portal session (change plan or card, cancel, invoices); its `url`.
#[utoipa::path(
    params(("Idempotency-Key" = Option<String>, Header, description = "Retries with the same key give the same session")),
    responses((status = 200, body = SessionUrl), (status = 401),
        (status = 404, description = "`billing_disabled`: no Stripe key on this instance"),
        (status = 502, description = "`stripe_unavailable`")))]
#[post("/billing/portal")]
async fn open_portal(
    state: web::Data<AppState>,
    request: HttpRequest,
    user: AuthUser,
) -> Result<HttpResponse, AppError> {
    let key = given_key(&request)?;
    let url = checkout::portal(&state, &user, key.as_deref()).await?;
    Ok(HttpResponse::Ok().json(SessionUrl { url }))
}
