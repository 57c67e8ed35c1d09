//! A finished export as one zip: written beside the export's folder through a temporary file,
//! files in path order with a fixed time (equal exports, equal zips), the state folder left out.

use std::io::Write;
use std::path::Path;

use zip::write::SimpleFileOptions;
use zip::{CompressionMethod, DateTime, ZipWriter};

use super::files::STATE_DIR;

/// Zips the export in `dir` into `zip` (under `folder/` inside it). Answers its size in bytes.
pub fn write(dir: &Path, zip: &Path, folder: &str) -> anyhow::Result<u64> {
    let mut paths = Vec::new();
    collect(dir, "", &mut paths)?;
    paths.sort();
    let temporary = zip.with_extension("zip.partial");
    let mut writer = ZipWriter::new(std::fs::File::create(&temporary)?);
    let options = SimpleFileOptions::default()
        .compression_method(CompressionMethod::Deflated)
        .last_modified_time(DateTime::default())
        .large_file(true);
    for relative in paths {
        writer.start_file(format!("{folder}/{relative}"), options)?;
        let mut file = std::fs::File::open(dir.join(&relative))?;
        std::io::copy(&mut file, &mut writer)?;
    }
    let mut file = writer.finish()?;
    file.flush()?;
    file.sync_all()?;
    drop(file);
    std::fs::rename(&temporary, zip)?;
    Ok(std::fs::metadata(zip)?.len())
}

fn collect(dir: &Path, prefix: &str, out: &mut Vec<String>) -> std::io::Result<()> {
    for entry in std::fs::read_dir(dir)? {
        let entry = entry?;
        let name = entry.file_name().to_string_lossy().into_owned();
        if prefix.is_empty() && name == STATE_DIR {
            continue;
        }
        let relative = format!("{prefix}{name}");
        if entry.file_type()?.is_dir() {
            collect(&entry.path(), &format!("{relative}/"), out)?;
        } else {
            out.push(relative);
        }
    }
    Ok(())
}
