//! Server-Sent Events responses: the headers every stream needs (no caching, no compression,
//! which would hold events back), and an end once the process begins to shut down, so that an
//! open stream does not hold graceful shutdown up until its timeout. Clients (an `EventSource`)
//! reconnect, to another instance.

use std::sync::Arc;

use actix_web::http::header;
use actix_web::{HttpResponse, web};
use futures::{Stream, StreamExt};

use crate::lifecycle::Lifecycle;

/// A `200 text/event-stream` of `events` (each already in the wire format), ended at the drain.
pub fn response<S>(lifecycle: &Arc<Lifecycle>, events: S) -> HttpResponse
where
    S: Stream<Item = String> + 'static,
{
    let lifecycle = lifecycle.clone();
    let events = events
        .map(|text| Ok::<_, actix_web::Error>(web::Bytes::from(text)))
        .take_until(async move { lifecycle.until_draining().await });
    HttpResponse::Ok()
        .content_type("text/event-stream")
        .insert_header((header::CACHE_CONTROL, "no-cache"))
        .insert_header((header::CONTENT_ENCODING, "identity"))
        .streaming(events)
}
