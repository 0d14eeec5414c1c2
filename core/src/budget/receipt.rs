//! A receipt photo as the core records it: the shells pass the file the
//! camera wrote, and get back its name, type, size and SHA-256. The bytes
//! stay on the phone; the hash lets an audit match a photo to its spend.

use super::model::Receipt;
use crate::error::PphError;
use sha2::{Digest, Sha256};
use std::io::Read;
use std::path::Path;

/// Describes the photo at `path` (read in 64 KiB chunks, so a large photo
/// never sits in memory whole). A missing or unreadable file is a
/// `Validation` error naming `path`, never the path itself.
#[uniffi::export]
pub fn receipt_of(path: String, media_type: String) -> Result<Receipt, PphError> {
    let unreadable = || PphError::validation("path", "not a readable file");
    let file_path = Path::new(&path);
    let mut file = std::fs::File::open(file_path).map_err(|_| unreadable())?;
    let mut hasher = Sha256::new();
    let mut buffer = vec![0u8; 64 * 1024];
    let mut size = 0u64;
    loop {
        let n = file.read(&mut buffer).map_err(|_| unreadable())?;
        if n == 0 {
            break;
        }
        hasher.update(&buffer[..n]);
        size += n as u64;
    }
    let receipt = Receipt {
        file_name: file_path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default(),
        media_type,
        size_bytes: size,
        sha256: hex::encode(hasher.finalize()),
    };
    receipt.validate()?;
    Ok(receipt)
}
