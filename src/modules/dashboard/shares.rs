//! A workspace's share links (`/workspaces/{id}/shares`): create one from a form (view, root,
//! depth, theme, labels, filters, hidden titles, expiry), copy its URL for Notion's `/embed`, see
//! it live in an iframe, and revoke it after a confirmation. Over the embed module's service,
//! as the share API is. The graph page's "Share this view" opens the form filled in from the
//! viewer's state: the same fields in the query string.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, get, post, web};
use askama::Template;
use serde::Deserialize;

use super::CsrfForm;
use super::view::{Chrome, Flash, PageError, explain, page, refused, see_other};
use super::{form_user, signed_in};
use crate::error::AppError;
use crate::modules::auth::AuthUser;
use crate::modules::auth::model::rfc3339;
use crate::modules::embed::model::{NewShare, Preset, PresetView, ShareView, Theme};
use crate::modules::embed::service;
use crate::modules::sync::connection::Connection;
use crate::modules::sync::service::workspace_for;
use crate::state::AppState;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(list)
        .service(create)
        .service(revoke_form)
        .service(revoke);
}

/// The create form as typed: shown again, with the reason, when it is refused. A field left
/// out reads as empty or unchecked (the query string of "Share this view" leaves out what is
/// off).
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct ShareForm {
    csrf_token: String,
    pub name: String,
    /// `full`, `summary` or `neighbourhood`.
    pub view: String,
    pub root: String,
    pub depth: Option<u8>,
    /// `auto`, `light` or `dark`.
    pub theme: String,
    pub labels: Option<String>,
    pub hide_hierarchy: Option<String>,
    pub hide_orphans: Option<String>,
    pub hide_titles: Option<String>,
    /// Community ids shown, comma-separated; empty shows all.
    pub communities: String,
    /// Node kinds shown, comma-separated; empty shows all.
    pub kinds: String,
    /// Days until the link expires; empty never expires.
    pub expires_in_days: String,
}

/// The comma-separated entries of a form field, trimmed, empty ones dropped.
fn entries(field: &str) -> impl Iterator<Item = &str> {
    field
        .split(',')
        .map(str::trim)
        .filter(|entry| !entry.is_empty())
}

impl ShareForm {
    fn blank() -> Self {
        ShareForm {
            view: "full".into(),
            theme: "auto".into(),
            labels: Some("on".into()),
            ..ShareForm::default()
        }
    }

    /// The share this form asks for, or the field it cannot take.
    fn new_share(&self, now_ms: i64) -> Result<NewShare, AppError> {
        let invalid = |detail: String| AppError::new(crate::error::Code::InvalidValue, detail);
        let view = match self.view.as_str() {
            "full" => PresetView::Full,
            "summary" => PresetView::Summary,
            "neighbourhood" => PresetView::Neighbourhood,
            other => return Err(invalid(format!("`{other}` is not a view this form offers"))),
        };
        let theme = match self.theme.as_str() {
            "auto" => Theme::Auto,
            "light" => Theme::Light,
            "dark" => Theme::Dark,
            other => {
                return Err(invalid(format!(
                    "`{other}` is not a theme this form offers"
                )));
            }
        };
        let expires_at = match self.expires_in_days.trim() {
            "" => None,
            days => {
                let days: i64 = days
                    .parse()
                    .ok()
                    .filter(|d| (1..=365).contains(d))
                    .ok_or_else(|| invalid("the expiry must be 1 to 365 days".into()))?;
                Some(rfc3339(now_ms + days * 86_400_000))
            }
        };
        let communities = entries(&self.communities)
            .map(|id| id.parse::<u32>())
            .collect::<Result<Vec<_>, _>>()
            .map_err(|_| invalid("communities are given by their ids, such as `0, 3`".into()))?;
        let neighbourhood = view == PresetView::Neighbourhood;
        let preset = Preset {
            view,
            root: (neighbourhood && !self.root.trim().is_empty()).then(|| self.root.trim().into()),
            depth: self.depth.unwrap_or(1),
            theme,
            labels: self.labels.is_some(),
            hide_hierarchy: self.hide_hierarchy.is_some(),
            hide_orphans: self.hide_orphans.is_some(),
            hide_titles: self.hide_titles.is_some(),
            communities,
            kinds: entries(&self.kinds).map(str::to_owned).collect(),
            ..Preset::default()
        };
        Ok(NewShare {
            name: self.name.trim().to_owned(),
            preset,
            expires_at,
        })
    }
}

/// A share link as the list shows it.
pub struct ShareRow {
    pub view: ShareView,
    /// The embed page on this origin, for the preview iframe.
    pub path: String,
    pub summary: String,
    pub expires: String,
}

impl From<ShareView> for ShareRow {
    fn from(view: ShareView) -> Self {
        let preset = &view.preset;
        let mut summary = match preset.view {
            PresetView::Full => "Whole graph".to_owned(),
            PresetView::Summary => "Summary by community".to_owned(),
            PresetView::Neighbourhood => format!(
                "{} link{} around {}",
                preset.depth,
                if preset.depth == 1 { "" } else { "s" },
                preset.root.as_deref().unwrap_or("?")
            ),
        };
        if !preset.communities.is_empty() {
            let count = preset.communities.len();
            summary.push_str(&format!(
                ", {count} communit{}",
                if count == 1 { "y" } else { "ies" }
            ));
        }
        if !preset.kinds.is_empty() {
            summary.push_str(&format!(", only {}", preset.kinds.join(", ")));
        }
        if preset.hide_titles {
            summary.push_str(", titles hidden");
        }
        ShareRow {
            path: service::token_in(&view.url)
                .map(|token| format!("/embed/{token}"))
                .unwrap_or_default(),
            expires: view
                .expires_at
                .as_deref()
                .map_or_else(|| "never".to_owned(), super::workspaces::readable),
            summary,
            view,
        }
    }
}

#[derive(Template)]
#[template(path = "dashboard/shares.html")]
struct SharesPage {
    chrome: Chrome,
    id: String,
    name: String,
    shares: Vec<ShareRow>,
    form: ShareForm,
    error: Option<String>,
}

async fn shares_page(
    state: &AppState,
    request: &HttpRequest,
    user: &AuthUser,
    connection: Connection,
    form: ShareForm,
    error: Option<String>,
) -> Result<SharesPage, PageError> {
    let shares = service::list(state, &connection.id)
        .await
        .map_err(AppError::from)?;
    Ok(SharesPage {
        chrome: Chrome::new(request, Some(user)),
        id: connection.id,
        name: connection.name,
        shares: shares.into_iter().map(ShareRow::from).collect(),
        form,
        error,
    })
}

/// The list and the form: blank, or filled in from the query ("Share this view").
#[get("/workspaces/{id}/shares")]
async fn list(
    state: web::Data<AppState>,
    request: HttpRequest,
    user: Option<AuthUser>,
    id: web::Path<String>,
    filled: web::Query<ShareForm>,
) -> Result<HttpResponse, PageError> {
    let user = signed_in(&request, user)?;
    let connection = workspace_for(&state, &user, &id).await?;
    let form = match request.query_string().is_empty() {
        true => ShareForm::blank(),
        false => filled.into_inner(),
    };
    let body = shares_page(&state, &request, &user, connection, form, None).await?;
    page(&request, StatusCode::OK, &body)
}

#[post("/workspaces/{id}/shares")]
async fn create(
    state: web::Data<AppState>,
    request: HttpRequest,
    id: web::Path<String>,
    form: web::Form<ShareForm>,
) -> Result<HttpResponse, PageError> {
    let form = form.into_inner();
    let user = form_user(&request, &form.csrf_token).await?;
    let connection = workspace_for(&state, &user, &id).await?;
    let created = match form.new_share(crate::modules::sync::now_ms()) {
        Ok(new) => service::create(&state, &connection, new)
            .await
            .map_err(AppError::from),
        Err(error) => Err(error),
    };
    match created {
        Ok(_) => Ok(see_other(
            &format!("/workspaces/{}/shares", connection.id),
            Some(Flash::ShareCreated),
        )),
        Err(error) => {
            let message = Some(explain(&error));
            let body = shares_page(&state, &request, &user, connection, form, message).await?;
            refused(&request, &error, &body)
        }
    }
}

/// The workspace's live share `share`, or a 404 page.
async fn share_of(
    state: &AppState,
    connection: &Connection,
    share: &str,
) -> Result<ShareView, PageError> {
    let shares = service::list(state, &connection.id)
        .await
        .map_err(AppError::from)?;
    shares
        .into_iter()
        .find(|s| s.id == share)
        .ok_or_else(|| PageError::App(service::EmbedError::UnknownShare(share.to_owned()).into()))
}

#[derive(Template)]
#[template(path = "dashboard/revoke.html")]
struct RevokePage {
    chrome: Chrome,
    id: String,
    share: ShareView,
}

/// The confirmation, saying what stops working.
#[get("/workspaces/{id}/shares/{share}/revoke")]
async fn revoke_form(
    state: web::Data<AppState>,
    request: HttpRequest,
    user: Option<AuthUser>,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, PageError> {
    let user = signed_in(&request, user)?;
    let (id, share) = path.into_inner();
    let connection = workspace_for(&state, &user, &id).await?;
    let share = share_of(&state, &connection, &share).await?;
    let body = RevokePage {
        chrome: Chrome::new(&request, Some(&user)),
        id: connection.id,
        share,
    };
    page(&request, StatusCode::OK, &body)
}

#[post("/workspaces/{id}/shares/{share}/revoke")]
async fn revoke(
    state: web::Data<AppState>,
    request: HttpRequest,
    path: web::Path<(String, String)>,
    form: web::Form<CsrfForm>,
) -> Result<HttpResponse, PageError> {
    let user = form_user(&request, &form.csrf_token).await?;
    let (id, share) = path.into_inner();
    let connection = workspace_for(&state, &user, &id).await?;
    let share = share_of(&state, &connection, &share).await?;
    service::revoke(&state, Some(user.id()), &share.id)
        .await
        .map_err(AppError::from)?;
    Ok(see_other(
        &format!("/workspaces/{}/shares", connection.id),
        Some(Flash::ShareRevoked),
    ))
}
