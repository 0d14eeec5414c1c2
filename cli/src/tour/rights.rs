//! Ann's record is hers: she exports all of it to one file, brings it back
//! on a new phone without the server, and erases that phone again.

use super::{say, Tour, ANN};
use crate::fail::Result;

const NEW_PHONE: &str = "Ann's new phone";

pub(super) fn take_it_with_her(t: &mut Tour) -> Result<()> {
    let ann = t.device(ANN)?;
    let archive = t.dir.path().join("ann-record.zip");
    let exported = ann
        .companion
        .export_all(archive.display().to_string(), None)?;
    say(format!(
        "Ann exports everything: {} records, {} KB, in {}.",
        exported.records,
        exported.bytes / 1024,
        exported.files.join(", ")
    ));
    let phone = t.open(NEW_PHONE)?;
    let restored = phone.companion.import_all(archive.display().to_string())?;
    let same = phone
        .companion
        .care_plans()
        .list_plans()?
        .into_iter()
        .map(|p| p.title)
        .collect::<Vec<_>>()
        == ann
            .companion
            .care_plans()
            .list_plans()?
            .into_iter()
            .map(|p| p.title)
            .collect::<Vec<_>>();
    say(format!(
        "A new phone without the server imports it: {} records restored; the same plans: {}.",
        restored.records,
        if same { "yes" } else { "NO" }
    ));
    let receipt = phone.companion.erase_local()?;
    let n = receipt.deleted_files.len();
    say(format!(
        "Ann erases that phone: {n} file{} deleted, the key next. What remains elsewhere:",
        if n == 1 { "" } else { "s" }
    ));
    for r in &receipt.remains_elsewhere {
        say(format!("  - {r}"));
    }
    t.devices.remove(NEW_PHONE);
    Ok(())
}
