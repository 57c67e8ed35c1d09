//! The assistant's chat page (`/assistant`): the user's conversations, one conversation's
//! messages with their plan cards, and the message box. It works without script (each form
//! posts here and comes back to the conversation); `web/dashboard/assistant.js` makes it a
//! live chat over the JSON API: Markdown, plan cards with Confirm and Reject, task progress,
//! undo, a typing indicator, Enter to send and Shift+Enter for a new line.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, get, post, web};
use askama::Template;
use serde::Deserialize;

use super::view::{Chrome, PageError, page, see_other};
use super::{form_user, signed_in};
use crate::error::AppError;
use crate::modules::assistant::model::Role;
use crate::modules::assistant::views::{ConversationView, MessageView, NewConversation};
use crate::modules::assistant::{chat, service, tasks};
use crate::modules::auth::AuthUser;
use crate::modules::sync::connection;
use crate::state::AppState;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(show)
        .service(send)
        .service(confirm)
        .service(reject)
        .service(undo);
}

#[derive(Template)]
#[template(path = "dashboard/assistant.html")]
struct ChatPage {
    chrome: Chrome,
    conversations: Vec<ConversationView>,
    current: Option<ConversationView>,
    has_workspace: bool,
    /// The page's moment as an event id: the socket replays what came after it.
    after: u64,
}

impl ChatPage {
    fn messages(&self) -> &[MessageView] {
        self.current
            .as_ref()
            .and_then(|c| c.messages.as_deref())
            .unwrap_or_default()
    }

    fn role(&self, message: &MessageView) -> &'static str {
        match message.role {
            Role::User => "user",
            Role::Assistant => "assistant",
        }
    }

    fn current_id(&self) -> &str {
        self.current.as_ref().map_or("", |c| c.id.as_str())
    }
}

#[derive(Deserialize)]
struct Which {
    c: Option<String>,
}

#[get("/assistant")]
async fn show(
    state: web::Data<AppState>,
    request: HttpRequest,
    user: Option<AuthUser>,
    which: web::Query<Which>,
) -> Result<HttpResponse, PageError> {
    let user = signed_in(&request, user)?;
    let conversations = service::list(&state, &user).await?;
    let chosen = which
        .c
        .clone()
        .or_else(|| conversations.first().map(|c| c.id.clone()));
    let current = match chosen {
        Some(id) => Some(service::show(&state, &user, &id).await?),
        None => None,
    };
    let has_workspace = !connection::of_tenant(&state.store, user.id())
        .await
        .map_err(AppError::from)?
        .is_empty();
    let body = ChatPage {
        chrome: Chrome::new(&request, Some(&user)),
        conversations,
        current,
        has_workspace,
        after: crate::cache::epoch_us(),
    };
    page(&request, StatusCode::OK, &body)
}

#[derive(Deserialize)]
struct MessageForm {
    csrf_token: String,
    /// Empty: start a new conversation.
    #[serde(default)]
    conversation: String,
    text: String,
}

fn back_to(conversation: &str) -> HttpResponse {
    see_other(&format!("/assistant?c={conversation}"), None)
}

#[post("/assistant")]
async fn send(
    state: web::Data<AppState>,
    request: HttpRequest,
    form: web::Form<MessageForm>,
) -> Result<HttpResponse, PageError> {
    let user = form_user(&request, &form.csrf_token).await?;
    let conversation = match form.conversation.trim() {
        "" => {
            service::create(&state, &user, NewConversation::default())
                .await?
                .id
        }
        id => id.to_owned(),
    };
    chat::post(&state, &user, &conversation, &form.text).await?;
    Ok(back_to(&conversation))
}

#[derive(Deserialize)]
struct ActionForm {
    csrf_token: String,
    conversation: String,
}

#[post("/assistant/plans/{id}/confirm")]
async fn confirm(
    state: web::Data<AppState>,
    request: HttpRequest,
    id: web::Path<String>,
    form: web::Form<ActionForm>,
) -> Result<HttpResponse, PageError> {
    let user = form_user(&request, &form.csrf_token).await?;
    tasks::confirm(&state, &user, &id).await?;
    Ok(back_to(&form.conversation))
}

#[post("/assistant/plans/{id}/reject")]
async fn reject(
    state: web::Data<AppState>,
    request: HttpRequest,
    id: web::Path<String>,
    form: web::Form<ActionForm>,
) -> Result<HttpResponse, PageError> {
    let user = form_user(&request, &form.csrf_token).await?;
    tasks::reject(&state, &user, &id).await?;
    Ok(back_to(&form.conversation))
}

#[post("/assistant/tasks/{id}/undo")]
async fn undo(
    state: web::Data<AppState>,
    request: HttpRequest,
    id: web::Path<String>,
    form: web::Form<ActionForm>,
) -> Result<HttpResponse, PageError> {
    let user = form_user(&request, &form.csrf_token).await?;
    tasks::undo(&state, &user, &id).await?;
    Ok(back_to(&form.conversation))
}
