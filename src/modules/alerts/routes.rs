//! Under `/api/admin`: the alert history, newest first.

use actix_web::{HttpResponse, get, web};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, OpenApi, ToSchema};

use super::model::{ALERTS, Alert, Phase};
use crate::error::{AppError, Code};
use crate::state::AppState;
use crate::storage::{Cursor, Filter, Order, Query, Typed};

#[derive(OpenApi)]
#[openapi(
    paths(list_alerts),
    components(schemas(AlertPage, AlertItem, Alert, Phase))
)]
pub struct Api;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(list_alerts);
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct AlertParams {
    /// Only alerts in this state.
    state: Option<Phase>,
    /// Items per page, 1 to 500 (default 50).
    #[param(minimum = 1, maximum = 500)]
    limit: Option<usize>,
    /// The `next` value of the previous page.
    after: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AlertPage {
    items: Vec<AlertItem>,
    /// Pass as `after` for the next page; absent on the last page.
    next: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AlertItem {
    id: String,
    #[serde(flatten)]
    alert: Alert,
}

fn query(params: &AlertParams) -> Result<Query, AppError> {
    let limit = params.limit.unwrap_or(50);
    if !(1..=500).contains(&limit) {
        return Err(AppError::new(
            Code::InvalidLimit,
            "limit must be between 1 and 500",
        ));
    }
    let after = match &params.after {
        None => None,
        Some(text) => Some(Cursor::decode(text).ok_or_else(|| {
            AppError::new(
                Code::InvalidCursor,
                "`after` is not a cursor this API returned",
            )
        })?),
    };
    let filter = match params.state {
        Some(phase) => Filter::all().eq("state", phase.as_str()),
        None => Filter::all(),
    };
    Ok(Query::new(filter)
        .sort("since", Order::Desc)
        .limit(limit)
        .after(after))
}

/// Alerts pending, firing and resolved (kept 30 days after they resolve), newest first.
#[utoipa::path(params(AlertParams), responses((status = 200, body = AlertPage)))]
#[get("/alerts")]
async fn list_alerts(
    state: web::Data<AppState>,
    params: web::Query<AlertParams>,
) -> Result<HttpResponse, AppError> {
    let query = query(&params)?;
    let alerts = Typed::<Alert>::new(state.store.clone(), &ALERTS);
    let (records, next) = alerts.find(&query).await?;
    let items = records
        .into_iter()
        .map(|r| AlertItem {
            id: r.id,
            alert: r.value,
        })
        .collect();
    Ok(HttpResponse::Ok().json(AlertPage {
        items,
        next: next.map(|c| c.encode()),
    }))
}
