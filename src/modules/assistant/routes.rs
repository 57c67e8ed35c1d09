//! The assistant's API under `/api/v1/assistant`, per user: conversations and their messages,
//! plans to confirm or reject, and the tasks confirmations start. Another user's ids answer
//! 404 like ids that do not exist.

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, delete, get, post, web};
use serde::Deserialize;
use utoipa::IntoParams;
use utoipa::OpenApi;

use super::events::{Event, EventBody};
use super::model::{Compensation, PlanState, Role, StepState, TaskState, TaskStep};
use super::plan::{Action, Property, Step};
use super::resolve::Target;
use super::socket_protocol::{Command, Envelope, Frame};
use super::views::{
    ConversationView, MessageView, NewConversation, NewMessage, PlanView, ReplyView, TaskView,
};
use super::{chat, service, socket as ws, tasks};
use crate::error::{AppError, Code};
use crate::modules::auth::AuthUser;
use crate::state::AppState;

#[derive(OpenApi)]
#[openapi(
    paths(
        create_conversation,
        list_conversations,
        show_conversation,
        delete_conversation,
        post_message,
        confirm_plan,
        reject_plan,
        show_task,
        cancel_task,
        undo_task,
        socket
    ),
    components(schemas(
        NewConversation,
        NewMessage,
        ConversationView,
        MessageView,
        ReplyView,
        PlanView,
        TaskView,
        TaskStep,
        Step,
        Action,
        Property,
        Target,
        Role,
        PlanState,
        TaskState,
        StepState,
        Compensation,
        Event,
        EventBody,
        Envelope,
        Command,
        Frame
    ))
)]
pub struct Api;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(create_conversation)
        .service(list_conversations)
        .service(show_conversation)
        .service(delete_conversation)
        .service(post_message)
        .service(confirm_plan)
        .service(reject_plan)
        .service(show_task)
        .service(cancel_task)
        .service(undo_task)
        .service(socket);
}

/// Starts a conversation about one of the caller's workspaces.
#[utoipa::path(request_body = NewConversation,
    responses((status = 201, body = ConversationView),
        (status = 400, description = "A title too long (`invalid_value`), or several workspaces and none named (`workspace_required`)"),
        (status = 401),
        (status = 404, description = "No such workspace (`unknown_workspace`), or none connected (`no_workspace`)")))]
#[post("/assistant/conversations")]
async fn create_conversation(
    state: web::Data<AppState>,
    user: AuthUser,
    body: web::Json<NewConversation>,
) -> Result<HttpResponse, AppError> {
    let created = service::create(&state, &user, body.into_inner()).await?;
    Ok(HttpResponse::Created()
        .insert_header((
            header::LOCATION,
            format!("/api/v1/assistant/conversations/{}", created.id),
        ))
        .json(created))
}

/// The caller's conversations, most recently active first.
#[utoipa::path(responses((status = 200, body = [ConversationView]), (status = 401)))]
#[get("/assistant/conversations")]
async fn list_conversations(
    state: web::Data<AppState>,
    user: AuthUser,
) -> Result<HttpResponse, AppError> {
    Ok(HttpResponse::Ok().json(service::list(&state, &user).await?))
}

/// One conversation with its messages (oldest first) and their plans.
#[utoipa::path(params(("id" = String, Path)),
    responses((status = 200, body = ConversationView), (status = 401),
        (status = 404, description = "No such conversation (`unknown_conversation`)")))]
#[get("/assistant/conversations/{id}")]
async fn show_conversation(
    state: web::Data<AppState>,
    user: AuthUser,
    id: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    Ok(HttpResponse::Ok().json(service::show(&state, &user, &id).await?))
}

/// Deletes a conversation, its messages, plans and tasks (what tasks did in Notion stays).
#[utoipa::path(params(("id" = String, Path)),
    responses((status = 204), (status = 401),
        (status = 404, description = "No such conversation (`unknown_conversation`)")))]
#[delete("/assistant/conversations/{id}")]
async fn delete_conversation(
    state: web::Data<AppState>,
    user: AuthUser,
    id: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    service::delete(&state, &user, &id).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Sends a message; the answer is the assistant's reply and, for a write, the plan that waits
/// for confirmation. Reads are answered at once from the workspace's graph.
#[utoipa::path(params(("id" = String, Path)), request_body = NewMessage,
    responses((status = 200, body = ReplyView),
        (status = 400, description = "An empty or too long `text` (`invalid_value`)"),
        (status = 401),
        (status = 404, description = "No such conversation (`unknown_conversation`)"),
        (status = 429, description = "Too many messages; `Retry-After` says when to send again")))]
#[post("/assistant/conversations/{id}/messages")]
async fn post_message(
    state: web::Data<AppState>,
    user: AuthUser,
    id: web::Path<String>,
    body: web::Json<NewMessage>,
) -> Result<HttpResponse, AppError> {
    Ok(HttpResponse::Ok().json(chat::post(&state, &user, &id, &body.text).await?))
}

/// Confirms a plan: a task carrying its steps out is queued and answered.
#[utoipa::path(params(("id" = String, Path)),
    responses((status = 202, body = TaskView), (status = 401),
        (status = 404, description = "No such plan (`unknown_assistant_plan`)"),
        (status = 409, description = "The plan was confirmed or rejected already (`plan_decided`)")))]
#[post("/assistant/plans/{id}/confirm")]
async fn confirm_plan(
    state: web::Data<AppState>,
    user: AuthUser,
    id: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let task = tasks::confirm(&state, &user, &id).await?;
    Ok(HttpResponse::Accepted()
        .insert_header((
            header::LOCATION,
            format!("/api/v1/assistant/tasks/{}", task.id),
        ))
        .json(task))
}

/// Rejects a plan: none of its steps will run.
#[utoipa::path(params(("id" = String, Path)),
    responses((status = 200, body = PlanView), (status = 401),
        (status = 404, description = "No such plan (`unknown_assistant_plan`)"),
        (status = 409, description = "The plan was confirmed or rejected already (`plan_decided`)")))]
#[post("/assistant/plans/{id}/reject")]
async fn reject_plan(
    state: web::Data<AppState>,
    user: AuthUser,
    id: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    Ok(HttpResponse::Ok().json(tasks::reject(&state, &user, &id).await?))
}

/// A task: its state, each step's state, compensation and note, and undo's report.
#[utoipa::path(params(("id" = String, Path)),
    responses((status = 200, body = TaskView), (status = 401),
        (status = 404, description = "No such task (`unknown_task`)")))]
#[get("/assistant/tasks/{id}")]
async fn show_task(
    state: web::Data<AppState>,
    user: AuthUser,
    id: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let task = tasks::task(&state, &user, &id).await?;
    Ok(HttpResponse::Ok().json(TaskView::of(&task)))
}

/// Cancels a task: at once when queued, after its current step when running.
#[utoipa::path(params(("id" = String, Path)),
    responses((status = 200, body = TaskView), (status = 401),
        (status = 404, description = "No such task (`unknown_task`)"),
        (status = 409, description = "The task is finished (`task_state`)")))]
#[post("/assistant/tasks/{id}/cancel")]
async fn cancel_task(
    state: web::Data<AppState>,
    user: AuthUser,
    id: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    Ok(HttpResponse::Ok().json(tasks::cancel(&state, &user, &id).await?))
}

/// Undoes a finished task, newest step first; the task then reports what could not be undone.
#[utoipa::path(params(("id" = String, Path)),
    responses((status = 202, body = TaskView), (status = 401),
        (status = 404, description = "No such task (`unknown_task`)"),
        (status = 409, description = "The task is running, undone already, or did nothing (`task_state`)")))]
#[post("/assistant/tasks/{id}/undo")]
async fn undo_task(
    state: web::Data<AppState>,
    user: AuthUser,
    id: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    Ok(HttpResponse::Accepted().json(tasks::undo(&state, &user, &id).await?))
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
struct Resume {
    /// The last event id the client saw: what came after it is replayed before live events.
    after: Option<u64>,
}

/// The WebSocket (JSON text frames). The client sends the REST API's commands
/// (`AssistantSocketCommand`: `send`, `confirm`, `reject`, `cancel`, `undo`, each with an
/// optional `ref`); the server sends the user's events (`AssistantEvent`: `message`, `plan`,
/// `typing`, `token`, `task_progress`, `task_finished`, each with an increasing `id`), a
/// `ready` frame once what came after `after` was replayed, and a `result` or `error` frame
/// (`AssistantSocketFrame`) per command. A browser session only; a foreign `Origin` is refused;
/// pings every 15 s, closed after 45 s without a word from the client.
#[utoipa::path(params(Resume),
    responses((status = 101, description = "Switching to the WebSocket protocol"),
        (status = 400, description = "`after` is not a number (`invalid_query`)"),
        (status = 401),
        (status = 403, description = "An API key (`session_required`) or a page of another origin (`cross_site_request`)"),
        (status = 426, description = "Not a WebSocket upgrade (`websocket_required`)")))]
#[get("/assistant/ws")]
async fn socket(
    state: web::Data<AppState>,
    user: AuthUser,
    request: HttpRequest,
    query: web::Query<Resume>,
    body: web::Payload,
) -> Result<HttpResponse, AppError> {
    ws::admit(&state, &user, &request)?;
    let (response, session, incoming) = actix_ws::handle(&request, body).map_err(|_| {
        AppError::new(
            Code::WebsocketRequired,
            "this route speaks WebSocket: connect with `Upgrade: websocket`",
        )
    })?;
    let state = state.get_ref().clone();
    actix_web::rt::spawn(ws::serve(state, user, session, incoming, query.after));
    Ok(response)
}
