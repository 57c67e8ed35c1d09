//! A rendered view over HTTP, the way browsers and caches expect it: the body in the best
//! encoding the client accepts (compressed once, in advance, see [`Bodies`]), a strong `ETag`
//! per snapshot, view and encoding (a strong validator names one exact byte sequence, so each
//! encoding has its own), `304 Not Modified` for a matching `If-None-Match`, `Vary` and
//! `Cache-Control`. Known before anything is rendered, so a revalidation costs no rendering.

use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpRequest, HttpResponse, HttpResponseBuilder};
use serde::Serialize;
use sha2::{Digest, Sha256};

use super::bodies::{Bodies, Encoding};

/// Latest views change when a new snapshot is built: caches must ask every time (cheap: a
/// 304). A named version never changes.
pub const REVALIDATE: &str = "private, no-cache";
pub const IMMUTABLE: &str = "private, max-age=31536000, immutable";

/// How one response of a cached document is sent.
pub struct Representation {
    encoding: Encoding,
    etag: String,
    cache_control: &'static str,
}

impl Representation {
    /// The representation `request` gets of the document `validator` names (anything unique
    /// to its bytes, e.g. a snapshot's body id and the view), with `cache_control`.
    pub fn negotiate(request: &HttpRequest, validator: &str, cache_control: &'static str) -> Self {
        let accept = request
            .headers()
            .get(header::ACCEPT_ENCODING)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("");
        let encoding = Encoding::negotiate(accept);
        let suffix = encoding.header().unwrap_or("identity");
        Self {
            encoding,
            etag: format!("\"{}-{suffix}\"", digest(validator)),
            cache_control,
        }
    }

    pub fn etag(&self) -> &str {
        &self.etag
    }

    /// `304 Not Modified` when the request's `If-None-Match` names this representation.
    pub fn not_modified(&self, request: &HttpRequest) -> Option<HttpResponse> {
        let mut answer = HttpResponse::NotModified();
        if_none_match(request, &self.etag).then(|| self.headers(&mut answer).finish())
    }

    /// The document in this representation's encoding.
    pub fn body(&self, bodies: &Bodies) -> HttpResponse {
        let mut response = HttpResponse::Ok();
        self.headers(&mut response)
            .content_type(bodies.content_type);
        // Set for identity too, so that the compression middleware leaves the body (and so
        // its ETag) as it is.
        let encoding = self.encoding.header().unwrap_or("identity");
        response.insert_header((header::CONTENT_ENCODING, encoding));
        response.body(bodies.body(self.encoding).clone())
    }

    fn headers<'r>(&self, response: &'r mut HttpResponseBuilder) -> &'r mut HttpResponseBuilder {
        let etag = HeaderValue::from_str(&self.etag).expect("an ETag is hex and ASCII");
        response
            .insert_header((header::ETAG, etag))
            .insert_header((header::CACHE_CONTROL, self.cache_control))
            .insert_header((header::VARY, "Accept-Encoding"))
    }
}

/// A small JSON document that changes when `validator` does, with a weak `ETag` (the
/// compression middleware may encode it, which a weak validator allows) and
/// [`REVALIDATE`]: `304 Not Modified` when `If-None-Match` names it.
pub fn revalidated_json(
    request: &HttpRequest,
    validator: &str,
    document: &impl Serialize,
) -> HttpResponse {
    let etag = format!("W/\"{}\"", digest(validator));
    let unchanged = if_none_match(request, &etag);
    let mut response = match unchanged {
        true => HttpResponse::NotModified(),
        false => HttpResponse::Ok(),
    };
    response
        .insert_header((header::ETAG, etag.as_str()))
        .insert_header((header::CACHE_CONTROL, REVALIDATE));
    match unchanged {
        true => response.finish(),
        false => response.json(document),
    }
}

/// Whether `If-None-Match` names `etag` (or `*`), by the weak comparison RFC 9110 asks for.
fn if_none_match(request: &HttpRequest, etag: &str) -> bool {
    let bare = |tag: &str| tag.trim().trim_start_matches("W/").to_owned();
    let wanted = bare(etag);
    request
        .headers()
        .get_all(header::IF_NONE_MATCH)
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(bare)
        .any(|tag| tag == "*" || tag == wanted)
}

/// 96 bits of SHA-256, hex: short, and unique for every validator in practice.
fn digest(validator: &str) -> String {
    hex::encode(&Sha256::digest(validator.as_bytes())[..12])
}

#[cfg(test)]
mod tests {
    use actix_web::test::TestRequest;

    use super::*;

    #[test]
    fn each_encoding_has_its_own_etag_and_a_matching_one_is_not_modified() {
        let gzip = TestRequest::default()
            .insert_header((header::ACCEPT_ENCODING, "gzip"))
            .to_http_request();
        let plain = TestRequest::default().to_http_request();
        let zipped = Representation::negotiate(&gzip, "body:view", REVALIDATE);
        let identity = Representation::negotiate(&plain, "body:view", REVALIDATE);
        assert_ne!(zipped.etag(), identity.etag());
        assert!(zipped.etag().ends_with("-gzip\""));

        let revalidating = TestRequest::default()
            .insert_header((header::ACCEPT_ENCODING, "gzip"))
            .insert_header((
                header::IF_NONE_MATCH,
                format!("\"other\", {}", zipped.etag()),
            ))
            .to_http_request();
        let answer = zipped.not_modified(&revalidating).expect("a 304");
        assert_eq!(answer.status(), actix_web::http::StatusCode::NOT_MODIFIED);
        assert!(identity.not_modified(&revalidating).is_none());
        assert!(zipped.not_modified(&gzip).is_none());
    }
}
