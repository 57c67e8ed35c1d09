//! The viewer's files (`web/embed/`), compiled into the binary and served under one
//! content-hashed prefix, `/embed/assets/<hash>/...`: a new build is a new URL, so each file can
//! be cached for a year. ES modules import each other by relative path, under the same prefix.

use std::sync::OnceLock;

use actix_web::http::header;
use actix_web::{HttpResponse, get, web};
use sha2::{Digest, Sha256};

use crate::error::AppError;

/// `(path under web/embed/, content type, bytes)` of every file the page may load.
macro_rules! assets {
    ($($path:literal => $type:literal,)+) => {
        const ASSETS: &[(&str, &str, &[u8])] = &[
            $(($path, $type, include_bytes!(concat!(env!("CARGO_MANIFEST_DIR"), "/web/embed/", $path))),)+
        ];
    };
}

assets! {
    "style.css" => "text/css; charset=utf-8",
    "viewer/main.js" => "text/javascript; charset=utf-8",
    "viewer/data.js" => "text/javascript; charset=utf-8",
    "viewer/state.js" => "text/javascript; charset=utf-8",
    "viewer/camera.js" => "text/javascript; charset=utf-8",
    "viewer/renderer.js" => "text/javascript; charset=utf-8",
    "viewer/gl/program.js" => "text/javascript; charset=utf-8",
    "viewer/gl/points.js" => "text/javascript; charset=utf-8",
    "viewer/gl/lines.js" => "text/javascript; charset=utf-8",
    "viewer/picking.js" => "text/javascript; charset=utf-8",
    "viewer/labels.js" => "text/javascript; charset=utf-8",
    "viewer/search.js" => "text/javascript; charset=utf-8",
    "viewer/card.js" => "text/javascript; charset=utf-8",
    "viewer/legend.js" => "text/javascript; charset=utf-8",
    "viewer/input.js" => "text/javascript; charset=utf-8",
    "viewer/fallback.js" => "text/javascript; charset=utf-8",
    "viewer/filters.js" => "text/javascript; charset=utf-8",
    "viewer/theme.js" => "text/javascript; charset=utf-8",
    "viewer/fragment.js" => "text/javascript; charset=utf-8",
}

/// The hash naming this build's files: the first 12 hex digits of a SHA-256 over all of them.
pub fn version() -> &'static str {
    static VERSION: OnceLock<String> = OnceLock::new();
    VERSION.get_or_init(|| {
        let mut hash = Sha256::new();
        for (path, _, bytes) in ASSETS {
            hash.update(path.as_bytes());
            hash.update(bytes);
        }
        hex::encode(&hash.finalize()[..6])
    })
}

/// Where the files of this build are served.
pub fn base() -> String {
    format!("/embed/assets/{}/", version())
}

/// One viewer file; a stale hash is a 404 (the page that named it is from another build).
#[get("/embed/assets/{version}/{path:.*}")]
pub async fn serve(path: web::Path<(String, String)>) -> Result<HttpResponse, AppError> {
    let (asked, file) = path.into_inner();
    let found = ASSETS.iter().find(|(p, _, _)| *p == file);
    match found {
        Some((_, content_type, bytes)) if asked == version() => Ok(HttpResponse::Ok()
            .content_type(*content_type)
            .insert_header((header::CACHE_CONTROL, "public, max-age=31536000, immutable"))
            .body(*bytes)),
        _ => Err(AppError::not_found(format!("no viewer file `{file}` in this build"))),
    }
}
