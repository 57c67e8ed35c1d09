//! Receiving a Notion export zip as a `multipart/form-data` upload: the text fields before the
//! file (a form's CSRF token, the workspace's name), then the file, streamed to a file of its
//! own under `data_dir/uploads/` and cut off as soon as it passes the plan's size. The file is
//! removed when the upload is dropped, imported or not.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use actix_multipart::{Field, Multipart};
use actix_web::HttpRequest;
use futures::StreamExt;
use tokio::io::AsyncWriteExt;

use crate::error::{AppError, Code};

/// The field that holds the zip.
pub const FILE_FIELD: &str = "file";

/// The text fields an upload may have before its file; longer values are refused.
const TEXT_LIMIT: usize = 4096;

/// Refuses a request that is not `multipart/form-data`, with what to send instead.
pub fn check_form(request: &HttpRequest) -> Result<(), AppError> {
    let multipart = request
        .headers()
        .get(actix_web::http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.to_ascii_lowercase().starts_with("multipart/form-data"));
    match multipart {
        true => Ok(()),
        false => Err(AppError::new(
            Code::UnsupportedMediaType,
            "send the zip as multipart/form-data, in a field named `file`",
        )),
    }
}

fn bad_form(error: impl std::fmt::Display) -> AppError {
    AppError::new(
        Code::BadRequest,
        format!("the upload is not a valid form: {error}"),
    )
}

/// Reads the text fields up to the file field; returns them and the file field.
pub async fn fields_before_file(
    multipart: &mut Multipart,
) -> Result<(HashMap<String, String>, Field), AppError> {
    let mut fields = HashMap::new();
    while let Some(field) = multipart.next().await {
        let mut field = field.map_err(bad_form)?;
        let name = field.name().unwrap_or_default().to_owned();
        if name == FILE_FIELD {
            return Ok((fields, field));
        }
        let value = match field.bytes(TEXT_LIMIT).await {
            Ok(Ok(bytes)) => String::from_utf8_lossy(&bytes).into_owned(),
            Ok(Err(error)) => return Err(bad_form(error)),
            Err(_) => return Err(bad_form(format!("the field `{name}` is too long"))),
        };
        fields.insert(name, value);
    }
    Err(AppError::new(
        Code::InvalidValue,
        "the form has no `file` field holding the Notion export zip",
    )
    .with("field", FILE_FIELD))
}

/// An uploaded file on disk, removed when dropped.
#[derive(Debug)]
pub struct Saved {
    pub path: PathBuf,
    pub bytes: u64,
}

impl Drop for Saved {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.path);
    }
}

/// What is read (and thrown away) of a file past its limit, so that the client, still
/// sending, reads the refusal rather than a reset connection.
const DRAINED: u64 = 64 * 1024 * 1024;

/// Streams `field` into a new file under `dir`; past `limit` bytes it stops writing and
/// answers `too_large(bytes read)`.
pub async fn save(
    mut field: Field,
    dir: &Path,
    limit: u64,
    too_large: impl FnOnce(u64) -> AppError,
) -> Result<Saved, AppError> {
    tokio::fs::create_dir_all(dir)
        .await
        .map_err(anyhow::Error::from)?;
    let name = format!("{}.zip", ulid::Ulid::generate().to_string().to_lowercase());
    let mut saved = Saved {
        path: dir.join(name),
        bytes: 0,
    };
    let mut file = tokio::fs::File::create(&saved.path)
        .await
        .map_err(anyhow::Error::from)?;
    while let Some(chunk) = field.next().await {
        let chunk = chunk.map_err(bad_form)?;
        saved.bytes += chunk.len() as u64;
        if saved.bytes > limit {
            drop(file);
            drain(&mut field, saved.bytes, limit.saturating_add(DRAINED)).await;
            return Err(too_large(saved.bytes));
        }
        file.write_all(&chunk).await.map_err(anyhow::Error::from)?;
    }
    file.flush().await.map_err(anyhow::Error::from)?;
    Ok(saved)
}

async fn drain(field: &mut Field, mut read: u64, until: u64) {
    while read <= until {
        match field.next().await {
            Some(Ok(chunk)) => read += chunk.len() as u64,
            _ => return,
        }
    }
}
