//! Reading an uploaded zip without trusting it: the file must be a zip (its first bytes say
//! so), no entry may name a path outside the archive, and what is read may not expand past a
//! budget, whatever the entries declare (a zip bomb is refused, not unpacked). Nested zips
//! (Notion splits a large export into `Part-N.zip` files inside one zip) are read the same way,
//! from a temporary file beside the outer one, sharing the budget. Nothing is extracted to
//! disk: each wanted entry is handed over as bytes.

use std::fs::File;
use std::io::{Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};

use super::ZipError;

/// What one upload may cost.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Bytes read out of the archive, nested zips and their contents together.
    pub expanded_bytes: u64,
    /// Entries, over every nested zip.
    pub entries: usize,
    /// Zips inside zips inside the upload (Notion nests one level).
    pub depth: usize,
}

impl Limits {
    pub fn new(expanded_bytes: u64) -> Self {
        Self {
            expanded_bytes,
            entries: 2_000_000,
            depth: 3,
        }
    }
}

/// An entry's path, split into its segments (folders, then the file name).
pub type EntryPath = Vec<String>;

/// The extensions of the entries a Notion export's structure is in; the rest (images,
/// attachments) is skipped unread.
const WANTED: [&str; 4] = [".md", ".html", ".csv", ".zip"];

/// Reads every wanted entry of the zip at `path`, nested zips included, and hands each to
/// `each` with its path (a nested zip's entries under the folder the nested zip is in: the
/// parts of one export share one tree). Refuses the whole archive at the first unsafe entry.
pub fn walk(
    path: &Path,
    limits: Limits,
    each: &mut dyn FnMut(EntryPath, Vec<u8>),
) -> Result<(), ZipError> {
    let mut budget = Budget {
        limits,
        read: 0,
        entries: 0,
    };
    walk_one(path, &[], 0, &mut budget, each)
}

struct Budget {
    limits: Limits,
    read: u64,
    entries: usize,
}

fn walk_one(
    path: &Path,
    prefix: &[String],
    depth: usize,
    budget: &mut Budget,
    each: &mut dyn FnMut(EntryPath, Vec<u8>),
) -> Result<(), ZipError> {
    let mut file = File::open(path)?;
    check_magic(&mut file)?;
    let mut archive = zip::ZipArchive::new(file).map_err(|e| ZipError::Corrupt(format!("{e}")))?;
    budget.entries += archive.len();
    if budget.entries > budget.limits.entries {
        return Err(ZipError::Bomb(format!(
            "more than {} entries",
            budget.limits.entries
        )));
    }
    check_declared(&mut archive, budget)?;
    for index in 0..archive.len() {
        let mut entry = archive
            .by_index(index)
            .map_err(|e| ZipError::Corrupt(format!("entry {index}: {e}")))?;
        let name = entry
            .name()
            .map_err(|e| ZipError::Corrupt(format!("entry {index}'s name: {e}")))?;
        let segments = safe_path(&name)?;
        let Some(name) = segments.last() else {
            continue;
        };
        let lower = name.to_lowercase();
        if entry.is_dir() || !WANTED.iter().any(|ext| lower.ends_with(ext)) {
            continue;
        }
        let mut full = prefix.to_vec();
        full.extend(segments.iter().cloned());
        if lower.ends_with(".zip") {
            if depth + 1 > budget.limits.depth {
                return Err(ZipError::Bomb(format!(
                    "zips nested more than {} deep",
                    budget.limits.depth
                )));
            }
            let nested = Nested::beside(path, index);
            copy_limited(&mut entry, &mut File::create(&nested.0)?, budget)?;
            drop(entry);
            full.pop();
            walk_one(&nested.0, &full, depth + 1, budget, each)?;
            continue;
        }
        let mut bytes = Vec::with_capacity(entry.size().min(1 << 20) as usize);
        copy_limited(&mut entry, &mut bytes, budget)?;
        each(full, bytes);
    }
    Ok(())
}

/// A zip starts with a local file header (or, when empty, the end of its directory).
fn check_magic(file: &mut File) -> Result<(), ZipError> {
    let mut magic = [0u8; 4];
    let read = file.read(&mut magic)?;
    file.seek(SeekFrom::Start(0))?;
    match (read, &magic) {
        (4, b"PK\x03\x04" | b"PK\x05\x06") => Ok(()),
        _ => Err(ZipError::NotAZip),
    }
}

/// Refuses at once an archive whose entries declare more than the budget: no need to read a
/// bomb to know it is one (entries that lie about their size are caught while read).
fn check_declared(archive: &mut zip::ZipArchive<File>, budget: &Budget) -> Result<(), ZipError> {
    let mut declared: u64 = 0;
    for index in 0..archive.len() {
        let entry = archive
            .by_index_raw(index)
            .map_err(|e| ZipError::Corrupt(format!("entry {index}: {e}")))?;
        declared = declared.saturating_add(entry.size());
    }
    if budget.read.saturating_add(declared) > budget.limits.expanded_bytes {
        return Err(expanded_past(budget));
    }
    Ok(())
}

fn expanded_past(budget: &Budget) -> ZipError {
    ZipError::Bomb(format!(
        "its files expand to more than {} MB",
        budget.limits.expanded_bytes / (1024 * 1024)
    ))
}

/// Copies `from` into `to`, counting every byte against the budget.
fn copy_limited(
    from: &mut impl Read,
    to: &mut impl std::io::Write,
    budget: &mut Budget,
) -> Result<(), ZipError> {
    let room = budget.limits.expanded_bytes.saturating_sub(budget.read);
    let copied = std::io::copy(&mut from.take(room.saturating_add(1)), to)
        .map_err(|e| ZipError::Corrupt(format!("an entry cannot be read: {e}")))?;
    budget.read += copied;
    if copied > room {
        return Err(expanded_past(budget));
    }
    Ok(())
}

/// The segments of an entry's name, or a refusal when it could leave the archive: absolute
/// paths, drive letters, `..`, backslashes (Windows separators), NUL.
pub fn safe_path(name: &str) -> Result<EntryPath, ZipError> {
    let unsafe_name = || ZipError::Traversal(name.chars().take(200).collect());
    if name.starts_with('/') || name.contains('\\') || name.contains('\0') {
        return Err(unsafe_name());
    }
    let mut segments = Vec::new();
    for segment in name.split('/') {
        match segment {
            "" | "." => continue,
            ".." => return Err(unsafe_name()),
            s if s.len() >= 2 && s.as_bytes()[1] == b':' && segments.is_empty() => {
                return Err(unsafe_name());
            }
            s => segments.push(s.to_owned()),
        }
    }
    Ok(segments)
}

/// A nested zip's temporary copy, removed when dropped.
struct Nested(PathBuf);

impl Nested {
    fn beside(outer: &Path, index: usize) -> Self {
        let name = outer
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or("upload");
        Self(outer.with_file_name(format!("{name}.nested-{index}.zip")))
    }
}

impl Drop for Nested {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}
