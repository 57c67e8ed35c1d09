//! The dashboard's files (`web/dashboard/`), compiled into the binary and served the way the
//! embed viewer's are: under one content-hashed prefix, `/assets/<hash>/...`, so that each can
//! be cached for a year and a new build is a new URL.

use std::sync::OnceLock;

use actix_web::http::header;
use actix_web::{HttpResponse, get, web};
use sha2::{Digest, Sha256};

use crate::error::AppError;

/// `(path under web/dashboard/, content type, bytes)` of every file a page may load.
macro_rules! assets {
    ($($path:literal => $type:literal,)+) => {
        const ASSETS: &[(&str, &str, &[u8])] = &[
            $(($path, $type, include_bytes!(concat!(env!("CARGO_MANIFEST_DIR"), "/web/dashboard/", $path))),)+
        ];
    };
}

assets! {
    "style.css" => "text/css; charset=utf-8",
    "theme.js" => "text/javascript; charset=utf-8",
    "progress.js" => "text/javascript; charset=utf-8",
}

/// The first 12 hex digits of a SHA-256 over every file.
fn version() -> &'static str {
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

/// Where the files of this build are served, ending in `/`.
pub fn base() -> &'static str {
    static BASE: OnceLock<String> = OnceLock::new();
    BASE.get_or_init(|| format!("/assets/{}/", version()))
}

/// One dashboard file; a stale hash is a 404 (the page that named it is from another build).
#[get("/assets/{version}/{path:.*}")]
pub async fn serve(path: web::Path<(String, String)>) -> Result<HttpResponse, AppError> {
    let (asked, file) = path.into_inner();
    match ASSETS.iter().find(|(p, _, _)| *p == file) {
        Some((_, content_type, bytes)) if asked == version() => Ok(HttpResponse::Ok()
            .content_type(*content_type)
            .insert_header((header::CACHE_CONTROL, "public, max-age=31536000, immutable"))
            .body(*bytes)),
        _ => Err(AppError::not_found(format!("no file `{file}` in this build"))),
    }
}
