//! `GET /api/admin/billing/report` (the admin scope guards it): the report of [`super::report`]
//! as JSON, or CSV with `format=csv`.

use actix_web::{HttpResponse, get, web};
use chrono::Datelike;
use serde::Deserialize;
use utoipa::{IntoParams, OpenApi};

use super::model::{Invoice, Subscription};
use super::report::{self, Month, Report, YearMonth, parse_month};
use super::store::{invoices, subscriptions};
use crate::error::{AppError, Code};
use crate::state::AppState;
use crate::storage::{Filter, Query};

/// The longest report, in months.
const MAX_MONTHS: i32 = 120;

#[derive(OpenApi)]
#[openapi(paths(billing_report), components(schemas(Report, Month)))]
pub struct Api;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(billing_report);
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct ReportQuery {
    /// First month, `YYYY-MM` (default: eleven months before `to`).
    #[param(pattern = r"^[0-9]{4}-(0[1-9]|1[0-2])$")]
    pub from: Option<String>,
    /// Last month, `YYYY-MM` (default: this month).
    #[param(pattern = r"^[0-9]{4}-(0[1-9]|1[0-2])$")]
    pub to: Option<String>,
    /// `json` (default) or `csv`.
    #[param(pattern = "^(json|csv)$")]
    pub format: Option<String>,
}

fn month(text: Option<&str>, parameter: &str, default: YearMonth) -> Result<YearMonth, AppError> {
    match text {
        None => Ok(default),
        Some(text) => parse_month(text).ok_or_else(|| {
            AppError::new(
                Code::InvalidQuery,
                format!("`{parameter}` must be a month as YYYY-MM, not `{text}`"),
            )
            .with("parameter", parameter)
        }),
    }
}

fn span(query: &ReportQuery) -> Result<(YearMonth, YearMonth), AppError> {
    let today = chrono::Utc::now();
    let to = month(query.to.as_deref(), "to", (today.year(), today.month()))?;
    let back = to.0 * 12 + to.1 as i32 - 1 - 11;
    let from = month(
        query.from.as_deref(),
        "from",
        (back.div_euclid(12), back.rem_euclid(12) as u32 + 1),
    )?;
    let months = (to.0 - from.0) * 12 + to.1 as i32 - from.1 as i32 + 1;
    if !(1..=MAX_MONTHS).contains(&months) {
        return Err(AppError::new(
            Code::InvalidQuery,
            format!("`from` must come before `to`, at most {MAX_MONTHS} months apart"),
        )
        .with("parameter", "from"));
    }
    Ok((from, to))
}

async fn everything(state: &AppState) -> Result<(Vec<Subscription>, Vec<Invoice>), AppError> {
    let all = Query::new(Filter::all()).limit(500);
    let mut subs = Vec::new();
    subscriptions(&state.store)
        .for_each(&all, |r| subs.push(r.value))
        .await?;
    let mut paid = Vec::new();
    invoices(&state.store)
        .for_each(&all, |r| paid.push(r.value))
        .await?;
    Ok((subs, paid))
}

/// MRR, subscriptions by status and plan, and per month new and churned subscriptions and the
/// revenue of paid invoices, from what Stripe last showed.
#[utoipa::path(params(ReportQuery),
    responses((status = 200, body = Report, description = "JSON, or `text/csv` with `format=csv`"),
        (status = 400, description = "A month that is not YYYY-MM, `from` after `to`, or an unknown format; `parameter` names it")))]
#[get("/billing/report")]
async fn billing_report(
    state: web::Data<AppState>,
    query: web::Query<ReportQuery>,
) -> Result<HttpResponse, AppError> {
    let (from, to) = span(&query)?;
    let csv = match query.format.as_deref() {
        None | Some("json") => false,
        Some("csv") => true,
        Some(other) => {
            return Err(AppError::new(
                Code::InvalidFormat,
                format!("`format` must be json or csv, not `{other}`"),
            )
            .with("parameter", "format"));
        }
    };
    let (subs, paid) = everything(&state).await?;
    let report = report::compute(&subs, &paid, from, to);
    Ok(match csv {
        true => HttpResponse::Ok()
            .content_type("text/csv; charset=utf-8")
            .insert_header((
                "Content-Disposition",
                format!(
                    "attachment; filename=\"billing-{}-{}.csv\"",
                    report.from, report.to
                ),
            ))
            .body(report::csv(&report)),
        false => HttpResponse::Ok().json(report),
    })
}

/// The report the admin page shows (the last twelve months).
pub async fn last_year(state: &AppState) -> Result<Report, AppError> {
    let (from, to) = span(&ReportQuery {
        from: None,
        to: None,
        format: None,
    })?;
    let (subs, paid) = everything(state).await?;
    Ok(report::compute(&subs, &paid, from, to))
}
