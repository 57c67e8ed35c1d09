//! The admin's billing page (`/admin/billing`, admins only): the report of the last twelve
//! months (MRR, subscriptions by status and plan, new and churned subscriptions and revenue by
//! month) with a bar chart of the revenue drawn on the server, and links to the JSON and CSV.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, get, web};
use askama::Template;

use super::admin::admin;
use super::signed_in;
use super::view::{Chrome, PageError, page};
use crate::modules::auth::AuthUser;
use crate::modules::payments::admin::last_year;
use crate::modules::payments::report::Report;
use crate::state::AppState;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(show);
}

/// Height of the chart's drawing area, in SVG units.
const CHART_HEIGHT: i64 = 120;
const BAR_WIDTH: usize = 40;

/// One month's bar: where it stands and what it says.
struct Bar {
    x: usize,
    y: i64,
    height: i64,
    month: String,
    revenue: String,
}

#[derive(Template)]
#[template(path = "dashboard/admin-billing.html")]
struct BillingReportPage {
    chrome: Chrome,
    report: Report,
    mrr: String,
    bars: Vec<Bar>,
    chart_width: usize,
}

fn dollars(cents: i64) -> String {
    format!("${}.{:02}", cents / 100, (cents % 100).abs())
}

fn bars(report: &Report) -> Vec<Bar> {
    let top = report
        .months
        .iter()
        .map(|m| m.revenue)
        .max()
        .unwrap_or(0)
        .max(1);
    report
        .months
        .iter()
        .enumerate()
        .map(|(i, m)| {
            let height = m.revenue * CHART_HEIGHT / top;
            Bar {
                x: i * BAR_WIDTH + 4,
                y: CHART_HEIGHT - height,
                height,
                month: m.month.clone(),
                revenue: dollars(m.revenue),
            }
        })
        .collect()
}

#[get("/admin/billing")]
async fn show(
    state: web::Data<AppState>,
    request: HttpRequest,
    user: Option<AuthUser>,
) -> Result<HttpResponse, PageError> {
    let user = admin(signed_in(&request, user)?)?;
    let report = last_year(&state).await?;
    let body = BillingReportPage {
        chrome: Chrome::new(&request, Some(&user)),
        mrr: dollars(report.mrr),
        bars: bars(&report),
        chart_width: report.months.len() * BAR_WIDTH + 8,
        report,
    };
    page(&request, StatusCode::OK, &body)
}
