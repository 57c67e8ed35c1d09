//! The export's file operations: every file is written under a temporary name and renamed into
//! place (a reader or a crash never sees half a file), the checkpoint records finished pages
//! one line at a time, and a finished full export removes what no longer belongs.

use std::collections::{HashMap, HashSet};
use std::io::Write;
use std::path::{Path, PathBuf};

/// The folder (at the export root) holding the checkpoint and temporary files; never part of
/// a finished export's content.
pub const STATE_DIR: &str = ".notion-graph-export";
const CHECKPOINT: &str = "checkpoint";
const TEMPORARY: &str = ".partial";

/// Writes `bytes` to `path` by way of a temporary file in the same folder and a rename.
/// Answers whether anything changed: a file that already holds these bytes is left alone
/// (its modification time stays, which backup tools notice). No fsync per file: a killed
/// process leaves whole files either way, and 100,000 fsyncs would dominate the export.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> std::io::Result<bool> {
    if std::fs::read(path).is_ok_and(|existing| existing == bytes) {
        return Ok(false);
    }
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)?;
    }
    let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("file");
    let temporary = path.with_file_name(format!(".{name}.{}{TEMPORARY}", std::process::id()));
    let mut file = std::fs::File::create(&temporary)?;
    file.write_all(bytes)?;
    drop(file);
    std::fs::rename(&temporary, path)?;
    Ok(true)
}

/// The pages of an interrupted export that are finished: their files are in place. Lines are
/// `id<TAB>last edited`, after a first line naming the layout they were written for.
pub struct Checkpoint {
    file: std::fs::File,
    done: HashMap<String, String>,
}

impl Checkpoint {
    /// Opens the checkpoint of `root` for a layout with `fingerprint`; one written for another
    /// layout (pages renamed or moved since) is started afresh.
    pub fn open(root: &Path, fingerprint: &str) -> std::io::Result<Self> {
        let dir = root.join(STATE_DIR);
        std::fs::create_dir_all(&dir)?;
        let path = dir.join(CHECKPOINT);
        let text = std::fs::read_to_string(&path).unwrap_or_default();
        let mut lines = text.lines();
        let same_layout = lines.next() == Some(fingerprint);
        let done = if same_layout {
            lines
                .filter_map(|line| line.split_once('\t'))
                .map(|(id, edited)| (id.to_owned(), edited.to_owned()))
                .collect()
        } else {
            HashMap::new()
        };
        let mut file = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&path)?;
        if !same_layout {
            file.set_len(0)?;
            writeln!(file, "{fingerprint}")?;
        }
        Ok(Self { file, done })
    }

    /// Whether `id` was finished at this edit time.
    pub fn is_done(&self, id: &str, edited: &str) -> bool {
        self.done.get(id).is_some_and(|e| e == edited)
    }

    pub fn finished(&self) -> usize {
        self.done.len()
    }

    /// Records `id` as finished; one write, so a kill leaves whole lines (a torn last line is
    /// ignored on reading, and that page is simply done again).
    pub fn record(&mut self, id: &str, edited: &str) -> std::io::Result<()> {
        self.file.write_all(format!("{id}\t{edited}\n").as_bytes())
    }

    /// The export is complete: the next run starts afresh (from stored content, so cheaply).
    pub fn clear(root: &Path) -> std::io::Result<()> {
        match std::fs::remove_file(root.join(STATE_DIR).join(CHECKPOINT)) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(e),
            _ => Ok(()),
        }
    }
}

/// Removes from `root` every file that `keep` (relative `/`-separated paths) does not list,
/// every leftover temporary file, and the folders this empties; the state folder stays.
/// Answers how many files were removed.
pub fn sweep(root: &Path, keep: &HashSet<String>) -> std::io::Result<usize> {
    let mut removed = 0;
    let mut stack: Vec<(PathBuf, String)> = vec![(root.to_path_buf(), String::new())];
    let mut dirs = Vec::new();
    while let Some((dir, prefix)) = stack.pop() {
        for entry in std::fs::read_dir(&dir)? {
            let entry = entry?;
            let name = entry.file_name().to_string_lossy().into_owned();
            let relative = format!("{prefix}{name}");
            let kind = entry.file_type()?;
            if prefix.is_empty() && name == STATE_DIR {
                continue;
            }
            if kind.is_dir() {
                stack.push((entry.path(), format!("{relative}/")));
                dirs.push(entry.path());
            } else if !keep.contains(&relative) {
                std::fs::remove_file(entry.path())?;
                removed += 1;
            }
        }
    }
    // Deepest first, so that a folder emptied of empty folders goes too.
    dirs.sort_by_key(|d| std::cmp::Reverse(d.components().count()));
    for dir in dirs {
        let _ = std::fs::remove_dir(dir);
    }
    Ok(removed)
}

/// Whether `root` can take an export: missing, empty, or holding one (its manifest or state).
pub fn is_export_dir(root: &Path) -> std::io::Result<bool> {
    match std::fs::read_dir(root) {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(true),
        Err(e) => Err(e),
        Ok(mut entries) => {
            let ours = root.join(STATE_DIR).exists() || root.join("manifest.json").exists();
            Ok(ours || entries.next().is_none())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_checkpoint_survives_reopening_and_another_layout_starts_afresh() {
        let dir = tempfile::tempdir().unwrap();
        let mut checkpoint = Checkpoint::open(dir.path(), "layout-1").unwrap();
        checkpoint.record("p1", "2024-01-01").unwrap();
        drop(checkpoint);
        let again = Checkpoint::open(dir.path(), "layout-1").unwrap();
        assert!(again.is_done("p1", "2024-01-01"));
        assert!(!again.is_done("p1", "2024-02-02"), "edited since");
        drop(again);
        let other = Checkpoint::open(dir.path(), "layout-2").unwrap();
        assert_eq!(other.finished(), 0);
    }

    #[test]
    fn sweep_keeps_what_is_listed_and_removes_the_rest() {
        let dir = tempfile::tempdir().unwrap();
        for file in ["a.md", "old/b.md", "json/1.json", ".x.md.1.partial"] {
            write_atomic(&dir.path().join(file), b"x").unwrap();
        }
        let keep = HashSet::from(["a.md".to_owned(), "json/1.json".to_owned()]);
        assert_eq!(sweep(dir.path(), &keep).unwrap(), 2);
        assert!(dir.path().join("a.md").exists());
        assert!(!dir.path().join("old").exists(), "emptied folders go");
        assert!(
            !write_atomic(&dir.path().join("a.md"), b"x").unwrap(),
            "unchanged"
        );
    }
}
