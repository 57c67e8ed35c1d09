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
use crate::modules::payments::report::{Amounts, Month, Report, amount_in};
use crate::state::AppState;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(show);
}

/// Height of the chart's drawing area, in SVG units.
const CHART_HEIGHT: i64 = 120;
const BAR_WIDTH: usize = 40;

/// One month's bar (its revenue in the chart's currency) and what the month took in.
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
    /// The currency the chart draws (the one with the most revenue), upper case.
    chart_currency: String,
    several_currencies: bool,
    bars: Vec<Bar>,
    chart_width: usize,
}

/// An amount in a currency's smallest unit, as people read it: `$12.00`, `CHF 12.00`.
fn money(currency: &str, cents: i64) -> String {
    let sign = if cents < 0 { "-" } else { "" };
    let (units, cents) = (cents.abs() / 100, cents.abs() % 100);
    match currency {
        "usd" => format!("{sign}${units}.{cents:02}"),
        "eur" => format!("{sign}€{units}.{cents:02}"),
        "gbp" => format!("{sign}£{units}.{cents:02}"),
        other => format!("{sign}{} {units}.{cents:02}", other.to_uppercase()),
    }
}

/// Amounts in several currencies, side by side (never added up); none reads as zero.
fn amounts(amounts: &Amounts) -> String {
    if amounts.is_empty() {
        return money("usd", 0);
    }
    let each: Vec<String> = amounts.iter().map(|(c, n)| money(c, *n)).collect();
    each.join(" · ")
}

/// The currency that took the most over the report's months.
fn chart_currency(report: &Report) -> String {
    let total = |currency: &str| -> i64 {
        let months = report.months.iter();
        months.map(|m| amount_in(&m.revenue, currency)).sum()
    };
    let currencies = report.currencies();
    let top = currencies.into_iter().max_by_key(|c| total(c));
    top.unwrap_or("usd").to_owned()
}

fn bars(report: &Report, currency: &str) -> Vec<Bar> {
    let revenue = |m: &Month| amount_in(&m.revenue, currency);
    let top = report.months.iter().map(revenue).max().unwrap_or(0).max(1);
    report
        .months
        .iter()
        .enumerate()
        .map(|(i, m)| {
            let height = revenue(m).max(0) * CHART_HEIGHT / top;
            Bar {
                x: i * BAR_WIDTH + 4,
                y: CHART_HEIGHT - height,
                height,
                month: m.month.clone(),
                revenue: amounts(&m.revenue),
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
    let currency = chart_currency(&report);
    let body = BillingReportPage {
        chrome: Chrome::new(&request, Some(&user)),
        mrr: amounts(&report.mrr),
        bars: bars(&report, &currency),
        chart_currency: currency.to_uppercase(),
        several_currencies: report.currencies().len() > 1,
        chart_width: report.months.len() * BAR_WIDTH + 8,
        report,
    };
    page(&request, StatusCode::OK, &body)
}
