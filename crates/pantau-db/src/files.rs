//! Uploaded files (evidence for SNI assessments, photos from the field): kept in a folder
//! outside anything served, under a random name, written whole or not at all, and recognised
//! by their first bytes rather than by the name the browser sent.

use crate::error::{DbError, DbResult};
use sha2::{Digest, Sha256};
use std::path::PathBuf;

/// A folder of uploaded files; each sits at `<root>/<first two>/<name>`.
#[derive(Debug, Clone)]
pub struct FileStore {
    root: PathBuf,
}

/// Accepted types, recognised by their first bytes rather than the name the browser sent.
pub(crate) fn sniff(bytes: &[u8]) -> Option<(&'static str, &'static str)> {
    if bytes.starts_with(b"%PDF-") {
        Some(("application/pdf", "pdf"))
    } else if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        Some(("image/jpeg", "jpg"))
    } else if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        Some(("image/png", "png"))
    } else if bytes.starts_with(b"PK\x03\x04") {
        // Office documents are zip containers.
        Some(("application/octet-stream", "zip"))
    } else {
        None
    }
}

/// The extension [`sniff`] gives for a content type it gave.
pub(crate) fn extension_of(content_type: &str) -> &'static str {
    match content_type {
        "application/pdf" => "pdf",
        "image/jpeg" => "jpg",
        "image/png" => "png",
        _ => "zip",
    }
}

pub(crate) fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// The name a file is offered under: its own, with the extension of the type its content was
/// recognised as (an Office document keeps its own extension), so a download never opens as
/// something else than what was checked — a PDF named `.html` comes back as `.pdf`.
pub fn name_for_type(name: &str, extension: &str) -> String {
    const OFFICE: &[&str] = &["docx", "xlsx", "pptx", "odt", "ods", "odp"];
    let (stem, current) = match name.rsplit_once('.') {
        Some((stem, ext)) if !stem.is_empty() => (stem, ext.to_ascii_lowercase()),
        _ => (name, String::new()),
    };
    let keeps = current == extension
        || (extension == "jpg" && current == "jpeg")
        || (extension == "zip" && OFFICE.contains(&current.as_str()));
    if keeps {
        name.to_string()
    } else {
        format!("{stem}.{extension}")
    }
}

/// Keeps a readable, harmless file name: no path, no control characters, limited length.
pub fn clean_file_name(name: &str) -> String {
    let base = name.rsplit(['/', '\\']).next().unwrap_or("");
    let cleaned: String = base
        .chars()
        .filter(|c| !c.is_control() && !matches!(c, '"' | '<' | '>' | ':' | '|' | '?' | '*'))
        .take(120)
        .collect();
    let cleaned = cleaned.trim().trim_start_matches('.').to_string();
    if cleaned.is_empty() {
        "bukti".into()
    } else {
        cleaned
    }
}

fn storage_failed(e: impl std::fmt::Display) -> DbError {
    DbError::invalid(format!("penyimpanan berkas gagal: {e}"))
}

impl FileStore {
    pub fn new(root: impl Into<PathBuf>) -> Self {
        FileStore { root: root.into() }
    }

    fn path(&self, stored: &str) -> DbResult<PathBuf> {
        // Stored names are our own hex tokens; anything else is refused.
        if !crate::sessions::is_token_text(stored) {
            return Err(DbError::invalid("nama berkas tersimpan tidak sah"));
        }
        Ok(self.root.join(&stored[..2]).join(stored))
    }

    /// Writes `data` under a new random name (to a temporary name, synced, then renamed: a
    /// crash never leaves half a file). Returns the name and where it lies, for removing it
    /// again when its row cannot be committed.
    pub(crate) async fn write(&self, data: &[u8]) -> DbResult<(String, PathBuf)> {
        let stored = crate::sessions::random_token();
        let target = self.path(&stored)?;
        let (data, at) = (data.to_vec(), target.clone());
        tokio::task::spawn_blocking(move || -> std::io::Result<()> {
            if let Some(dir) = at.parent() {
                std::fs::create_dir_all(dir)?;
            }
            let tmp = at.with_extension("tmp");
            {
                use std::io::Write;
                let mut f = std::fs::File::create(&tmp)?;
                f.write_all(&data)?;
                f.sync_all()?;
            }
            std::fs::rename(tmp, at)
        })
        .await
        .map_err(storage_failed)?
        .map_err(storage_failed)?;
        Ok((stored, target))
    }

    pub(crate) async fn read(&self, stored: &str) -> DbResult<Vec<u8>> {
        tokio::fs::read(self.path(stored)?)
            .await
            .map_err(|_| DbError::not_found("berkas"))
    }
}

/// Removes files written for rows that were not committed.
pub(crate) async fn remove_all(paths: &[PathBuf]) {
    for p in paths {
        let _ = tokio::fs::remove_file(p).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_names_lose_their_path_and_odd_characters() {
        assert_eq!(clean_file_name("../../etc/passwd"), "passwd");
        assert_eq!(clean_file_name("C:\\\\x\\\\izin <b>.pdf"), "izin b.pdf");
        assert_eq!(clean_file_name("..."), "bukti");
        assert_eq!(clean_file_name(".htaccess"), "htaccess");
    }

    #[test]
    fn only_known_file_types_are_accepted() {
        assert_eq!(sniff(b"%PDF-1.7 ...").map(|s| s.0), Some("application/pdf"));
        assert_eq!(sniff(b"<html><script>").map(|s| s.0), None);
        assert_eq!(sniff(b"MZ\x90\x00").map(|s| s.0), None);
    }

    #[test]
    fn download_names_follow_the_recognised_type() {
        assert_eq!(name_for_type("laporan.html", "pdf"), "laporan.pdf");
        assert_eq!(name_for_type("izin.PDF", "pdf"), "izin.PDF");
        assert_eq!(name_for_type("foto.jpeg", "jpg"), "foto.jpeg");
        assert_eq!(name_for_type("notulen.docx", "zip"), "notulen.docx");
        assert_eq!(name_for_type("skrip.js", "zip"), "skrip.zip");
        assert_eq!(name_for_type("bukti", "png"), "bukti.png");
    }

    #[test]
    fn stored_names_cannot_escape_the_folder() {
        let store = FileStore::new("/tmp/x");
        assert!(store.path("../../etc/passwd").is_err());
        assert!(store.path(&"a".repeat(64)).is_ok());
    }
}
