//! `pph erase --yes`: the right to erasure on this device. The core closes
//! and deletes the store, its write-ahead files and clinicians' copies; the
//! shell deletes the key file (the phones delete the Keystore or Keychain
//! key), then prints the receipt: what was deleted and what remains
//! elsewhere.

use crate::ctx::{Ctx, Opened};
use crate::fail::{Fail, Result, Status};
use crate::out::Show;
use pph_core::ErasureReceipt;
use serde::Serialize;

#[derive(Serialize)]
pub struct Erased {
    #[serde(flatten)]
    pub receipt: ErasureReceipt,
    /// The key file deleted, or None when the key came from PPH_KEY.
    pub key_file_deleted: Option<String>,
}

impl Show for Erased {
    fn text(&self) -> String {
        let mut out = String::from("Erased from this device:\n");
        for f in &self.receipt.deleted_files {
            out.push_str(&format!("  - {f}\n"));
        }
        match &self.key_file_deleted {
            Some(k) => out.push_str(&format!("  - {k} (the key)\n")),
            None => out.push_str(
                "The key came from PPH_KEY: delete it wherever you keep it; it is the last thing that could open what remains on the disk.\n",
            ),
        }
        if !self.receipt.receipt_photos.is_empty() {
            out.push_str(
                "Receipt photos your spends referred to (delete them where you keep them):\n",
            );
            for p in &self.receipt.receipt_photos {
                out.push_str(&format!("  - {p}\n"));
            }
        }
        out.push_str("What remains elsewhere:\n");
        for r in &self.receipt.remains_elsewhere {
            out.push_str(&format!("  - {r}\n"));
        }
        out
    }
}

pub fn run(opened: Opened, yes: bool) -> Result<()> {
    if !yes {
        return Err(Fail::refused(
            "this erases everything on this device and cannot be undone; run again with --yes",
        ));
    }
    let key_file = opened.key_file.clone();
    let ctx = Ctx::open(opened)?;
    let receipt = ctx.companion.erase_local()?;
    let key_file_deleted = match key_file {
        Some(path) => {
            std::fs::remove_file(&path).map_err(|e| {
                Fail::new(
                    Status::Failure,
                    format!(
                        "the store is erased but the key file was not deleted: {}",
                        e.kind()
                    ),
                )
            })?;
            Some(path.display().to_string())
        }
        None => None,
    };
    ctx.out.show(&Erased {
        receipt,
        key_file_deleted,
    });
    Ok(())
}
