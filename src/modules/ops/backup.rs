//! `backup` and `restore`: every collection of the document store as one file, streamed (one
//! scan of each collection, a statement in SQLite and a cursor in MongoDB), so that memory
//! stays bounded whatever the store holds, and loadable into either backend (SQLite to MongoDB
//! is how an instance outgrows one machine).
//!
//! The file is a zstd stream of JSON lines: a header, one line per document, and a trailer
//! with the count per collection and the SHA-256 of every line before it. A restore checks the
//! whole file before it writes anything, so a truncated or damaged backup loads nothing.
//! Documents are copied as stored: sealed tokens stay sealed (the restoring instance needs the
//! same `encryption_keys`), and versions start again at 1. Job queues are not documents and
//! are not in a backup (scheduled syncs enqueue themselves again).

use std::collections::BTreeMap;
use std::fs::File;
use std::io::{BufRead, BufReader, BufWriter, Read, Seek, Write};
use std::path::{Path, PathBuf};

use futures::TryStreamExt;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use sha2::{Digest, Sha256};

use crate::error::{AppError, Code};
use crate::storage::{Collection, Document, Filter, Store, StoreError};

/// What the header's `format` says, so that a restore refuses any other file.
const FORMAT: &str = "notion-graph-backup";
const VERSION: u32 = 1;
/// A restore writes a batch when it holds this many documents or this many bytes.
const BATCH_DOCUMENTS: usize = 500;
const BATCH_BYTES: usize = 8 << 20;

#[derive(Debug, thiserror::Error)]
pub enum BackupError {
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{0} is not a notion-graph backup")]
    NotABackup(PathBuf),
    #[error("{path} is damaged or incomplete ({why}); nothing was restored")]
    Damaged { path: PathBuf, why: String },
    #[error(
        "the backup holds collection `{0}`, which this version does not know; restore it with the version that wrote it"
    )]
    UnknownCollection(String),
    #[error(
        "the store is not empty (`{collection}` holds {documents} documents); restore into an empty store, or pass --force to write over it"
    )]
    NotEmpty { collection: String, documents: u64 },
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<BackupError> for AppError {
    fn from(error: BackupError) -> Self {
        match error {
            BackupError::Store(store) => store.into(),
            error @ BackupError::NotEmpty { .. } => {
                AppError::new(Code::StoreNotEmpty, error.to_string())
            }
            error => AppError::new(Code::InvalidFile, error.to_string()),
        }
    }
}

/// What a backup holds, or what a restore loaded.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Summary {
    pub documents: u64,
    /// Documents per collection, every collection named (empty ones with 0).
    pub collections: BTreeMap<String, u64>,
}

#[derive(Debug, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
enum Line {
    Header {
        format: String,
        version: u32,
        created_at: String,
    },
    Document {
        collection: String,
        id: String,
        body: Map<String, Value>,
    },
    End {
        #[serde(flatten)]
        summary: Summary,
        sha256: String,
    },
}

/// Writes every document of `collections` to `out`, through a temporary file renamed at the
/// end, so that `out` is either a whole backup or absent.
pub async fn backup(
    store: &Store,
    collections: &[&'static Collection],
    out: &Path,
) -> Result<Summary, BackupError> {
    let partial = PathBuf::from(format!("{}.partial", out.display()));
    let written = write_all(store, collections, &partial).await;
    let renamed = written.and_then(|summary| {
        std::fs::rename(&partial, out).map_err(|source| BackupError::Io {
            path: out.to_owned(),
            source,
        })?;
        Ok(summary)
    });
    if renamed.is_err() {
        let _ = std::fs::remove_file(&partial);
    }
    renamed
}

async fn write_all(
    store: &Store,
    collections: &[&'static Collection],
    path: &Path,
) -> Result<Summary, BackupError> {
    let mut writer = LineWriter::create(path)?;
    writer.line(&Line::Header {
        format: FORMAT.into(),
        version: VERSION,
        created_at: chrono::Utc::now().to_rfc3339(),
    })?;
    let mut summary = Summary::default();
    for collection in collections {
        let written = dump(store, collection, &mut writer).await?;
        summary.documents += written;
        summary.collections.insert(collection.name.into(), written);
    }
    writer.finish(summary.clone())?;
    Ok(summary)
}

/// Writes one collection in id order, as one scan of the store; returns how many documents it
/// held.
async fn dump(
    store: &Store,
    collection: &'static Collection,
    writer: &mut LineWriter,
) -> Result<u64, BackupError> {
    let mut documents = store.scan(collection);
    let mut written = 0;
    while let Some(doc) = documents.try_next().await? {
        writer.line(&Line::Document {
            collection: collection.name.into(),
            id: doc.id,
            body: doc.body,
        })?;
        written += 1;
    }
    Ok(written)
}

/// Loads the backup at `file` into `store`, after checking all of it. Into an empty store
/// only, unless `force`: then its documents overwrite those with the same ids.
pub async fn restore(
    store: &Store,
    collections: &[&'static Collection],
    file: &Path,
    force: bool,
) -> Result<Summary, BackupError> {
    let summary = verify(file)?;
    let known = |name: &str| collections.iter().find(|c| c.name == name).copied();
    if let Some(unknown) = summary
        .collections
        .keys()
        .find(|name| known(name).is_none())
    {
        return Err(BackupError::UnknownCollection(unknown.clone()));
    }
    if !force {
        refuse_unless_empty(store, collections).await?;
    }
    let mut batch = Batch::default();
    for line in read_lines(file)? {
        let (bytes, line) = line?;
        let Line::Document {
            collection,
            id,
            body,
        } = line
        else {
            continue;
        };
        let collection = known(&collection).expect("checked against the trailer");
        if batch.is_for_another(collection) || batch.is_full() {
            batch.write(store).await?;
        }
        batch.push(collection, Document::new(id, body), bytes);
    }
    batch.write(store).await?;
    Ok(summary)
}

async fn refuse_unless_empty(
    store: &Store,
    collections: &[&'static Collection],
) -> Result<(), BackupError> {
    for collection in collections {
        let documents = store.count(collection, &Filter::all()).await?;
        if documents > 0 {
            return Err(BackupError::NotEmpty {
                collection: collection.name.into(),
                documents,
            });
        }
    }
    Ok(())
}

/// Reads the whole file, checks its header, checksum and counts, and returns its summary.
pub fn verify(file: &Path) -> Result<Summary, BackupError> {
    let damaged = |why: String| BackupError::Damaged {
        path: file.to_owned(),
        why,
    };
    let mut hasher = Sha256::new();
    let mut counted: BTreeMap<String, u64> = BTreeMap::new();
    let mut reader = open(file)?;
    let mut text = String::new();
    let mut first = true;
    loop {
        text.clear();
        let read = reader
            .read_line(&mut text)
            .map_err(|e| damaged(e.to_string()))?;
        if read == 0 {
            return Err(damaged("it ends before its trailer".into()));
        }
        let line: Line = serde_json::from_str(&text).map_err(|e| {
            if first {
                BackupError::NotABackup(file.to_owned())
            } else {
                damaged(format!("a line does not parse: {e}"))
            }
        })?;
        match line {
            Line::Header {
                format, version, ..
            } if first => {
                if format != FORMAT || version != VERSION {
                    return Err(BackupError::NotABackup(file.to_owned()));
                }
            }
            _ if first => return Err(BackupError::NotABackup(file.to_owned())),
            Line::Document { collection, .. } => *counted.entry(collection).or_default() += 1,
            Line::Header { .. } => return Err(damaged("a second header".into())),
            Line::End { summary, sha256 } => {
                let digest = hex::encode(hasher.finalize());
                let nonempty = summary.collections.iter().filter(|(_, n)| **n > 0);
                let expected: BTreeMap<String, u64> =
                    nonempty.map(|(c, n)| (c.clone(), *n)).collect();
                if digest != sha256 || expected != counted {
                    return Err(damaged("its checksum or counts do not match".into()));
                }
                return Ok(summary);
            }
        }
        hasher.update(text.as_bytes());
        first = false;
    }
}

/// A reader of the lines of `file`, which must at least begin as a zstd stream does (what
/// fails after that is damage, not a foreign file).
fn open(file: &Path) -> Result<BufReader<zstd::Decoder<'static, BufReader<File>>>, BackupError> {
    let io = |source| BackupError::Io {
        path: file.to_owned(),
        source,
    };
    let mut opened = File::open(file).map_err(io)?;
    let mut magic = [0; 4];
    let starts_well = opened.read_exact(&mut magic).is_ok() && magic == ZSTD_MAGIC;
    if !starts_well {
        return Err(BackupError::NotABackup(file.to_owned()));
    }
    opened.rewind().map_err(io)?;
    Ok(BufReader::new(zstd::Decoder::new(opened).map_err(io)?))
}

/// The first bytes of every zstd frame.
const ZSTD_MAGIC: [u8; 4] = [0x28, 0xb5, 0x2f, 0xfd];

/// The lines of a file [`verify`] accepted, each with its length.
fn read_lines(
    file: &Path,
) -> Result<impl Iterator<Item = Result<(usize, Line), BackupError>>, BackupError> {
    let path = file.to_owned();
    Ok(open(file)?.lines().map(move |text| {
        let damaged = |why: String| BackupError::Damaged {
            path: path.clone(),
            why,
        };
        let text = text.map_err(|e| damaged(e.to_string()))?;
        let line = serde_json::from_str(&text).map_err(|e| damaged(e.to_string()))?;
        Ok((text.len(), line))
    }))
}

/// Writes lines through the compressor, hashing each, and ends with the trailer.
struct LineWriter {
    path: PathBuf,
    inner: zstd::Encoder<'static, BufWriter<File>>,
    hasher: Sha256,
}

impl LineWriter {
    fn create(path: &Path) -> Result<Self, BackupError> {
        let io = |source| BackupError::Io {
            path: path.to_owned(),
            source,
        };
        let file = File::create(path).map_err(io)?;
        Ok(Self {
            path: path.to_owned(),
            inner: zstd::Encoder::new(BufWriter::new(file), 3).map_err(io)?,
            hasher: Sha256::new(),
        })
    }

    fn line(&mut self, line: &Line) -> Result<(), BackupError> {
        let text = Self::text(line);
        self.hasher.update(&text);
        self.inner.write_all(&text).map_err(|e| self.failed(e))
    }

    fn text(line: &Line) -> Vec<u8> {
        let mut text = serde_json::to_vec(line).expect("a backup line serializes");
        text.push(b'\n');
        text
    }

    /// Writes the trailer, ends the stream and makes the file durable.
    fn finish(self, summary: Summary) -> Result<(), BackupError> {
        let sha256 = hex::encode(self.hasher.finalize());
        let text = Self::text(&Line::End { summary, sha256 });
        let path = self.path;
        let failed = |source| BackupError::Io {
            path: path.clone(),
            source,
        };
        let mut inner = self.inner;
        inner.write_all(&text).map_err(failed)?;
        let buffered = inner.finish().map_err(failed)?;
        let file = buffered.into_inner().map_err(|e| failed(e.into_error()))?;
        file.sync_all().map_err(failed)
    }

    fn failed(&self, source: std::io::Error) -> BackupError {
        BackupError::Io {
            path: self.path.clone(),
            source,
        }
    }
}

/// Documents of one collection waiting to be written together.
#[derive(Default)]
struct Batch {
    collection: Option<&'static Collection>,
    documents: Vec<Document>,
    bytes: usize,
}

impl Batch {
    fn is_for_another(&self, collection: &'static Collection) -> bool {
        self.collection
            .is_some_and(|c| !std::ptr::eq(c, collection))
    }

    fn is_full(&self) -> bool {
        self.documents.len() >= BATCH_DOCUMENTS || self.bytes >= BATCH_BYTES
    }

    fn push(&mut self, collection: &'static Collection, document: Document, bytes: usize) {
        self.bytes += bytes;
        self.collection = Some(collection);
        self.documents.push(document);
    }

    async fn write(&mut self, store: &Store) -> Result<(), StoreError> {
        let documents = std::mem::take(&mut self.documents);
        self.bytes = 0;
        match self.collection {
            Some(collection) if !documents.is_empty() => {
                store.bulk_upsert(collection, documents).await.map(drop)
            }
            _ => Ok(()),
        }
    }
}
