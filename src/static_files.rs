//! Browser files compiled into the binary and served under one content-hashed prefix,
//! `<prefix><hash>/<path>`: a new build is a new URL, so each file can be cached for a year.
//! ES modules import each other by relative path, under the same prefix. The dashboard and the
//! embed viewer each declare their set with [`static_files!`](crate::static_files!).

use std::sync::OnceLock;

use actix_web::http::header;
use actix_web::{HttpResponse, Resource, web};
use sha2::{Digest, Sha256};

use crate::error::AppError;

/// One set of files served under `prefix` (e.g. `/assets/`).
pub struct StaticFiles {
    prefix: &'static str,
    /// `(path under the set's folder, bytes)`.
    files: &'static [(&'static str, &'static [u8])],
    base: OnceLock<String>,
}

/// A [`StaticFiles`] of the files under `web/<folder>/` named by their paths, served under
/// `prefix`: `static_files!("/assets/", "dashboard", ["style.css", "theme.js"])`.
#[macro_export]
macro_rules! static_files {
    ($prefix:literal, $folder:literal, [$($path:literal),+ $(,)?]) => {
        $crate::static_files::StaticFiles::new($prefix, &[$((
            $path,
            include_bytes!(concat!(env!("CARGO_MANIFEST_DIR"), "/web/", $folder, "/", $path)),
        )),+])
    };
}

impl StaticFiles {
    pub const fn new(
        prefix: &'static str,
        files: &'static [(&'static str, &'static [u8])],
    ) -> Self {
        Self {
            prefix,
            files,
            base: OnceLock::new(),
        }
    }

    /// Where the files of this build are served, ending in `/`: the prefix and the first 12
    /// hex digits of a SHA-256 over every file.
    pub fn base(&self) -> &str {
        self.base.get_or_init(|| {
            let mut hash = Sha256::new();
            for (path, bytes) in self.files {
                hash.update(path.as_bytes());
                hash.update(bytes);
            }
            format!("{}{}/", self.prefix, hex::encode(&hash.finalize()[..6]))
        })
    }

    /// The route serving the set: `GET <prefix>{hash}/{path}`.
    pub fn resource(&'static self) -> Resource {
        let pattern = format!("{}{{hash}}/{{path:.*}}", self.prefix);
        web::resource(pattern).route(web::get().to(
            move |path: web::Path<(String, String)>| async move {
                let (hash, file) = path.into_inner();
                self.respond(&hash, &file)
            },
        ))
    }

    /// One file; a stale hash is a 404 (the page that named it is from another build).
    fn respond(&self, hash: &str, file: &str) -> Result<HttpResponse, AppError> {
        let current = format!("{}{hash}/", self.prefix) == self.base();
        match self.files.iter().find(|(path, _)| *path == file) {
            Some((path, bytes)) if current => Ok(HttpResponse::Ok()
                .content_type(content_type(path))
                .insert_header((header::CACHE_CONTROL, "public, max-age=31536000, immutable"))
                .body(*bytes)),
            _ => Err(AppError::not_found(format!(
                "no file `{file}` in this build"
            ))),
        }
    }
}

fn content_type(path: &str) -> &'static str {
    match path.rsplit_once('.').map(|(_, extension)| extension) {
        Some("css") => "text/css; charset=utf-8",
        Some("js") => "text/javascript; charset=utf-8",
        Some("svg") => "image/svg+xml",
        Some("png") => "image/png",
        _ => "application/octet-stream",
    }
}

#[cfg(test)]
mod tests {
    use super::content_type;

    #[test]
    fn scripts_and_styles_get_their_types() {
        assert_eq!(
            content_type("viewer/main.js"),
            "text/javascript; charset=utf-8"
        );
        assert_eq!(content_type("style.css"), "text/css; charset=utf-8");
        assert_eq!(content_type("README"), "application/octet-stream");
    }
}
