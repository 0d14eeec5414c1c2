//! Ann's record is hers: she exports all of it to one file, brings it back
//! on a new phone without the server, and erases that phone again. Rosa
//! leaves for good: her account deleted, her group records gone from
//! every phone.

use super::{say, Tour, ANN, JIM, PASSWORD, ROSA};
use crate::cmd::{group, sync};
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

pub(super) fn rosa_leaves(t: &mut Tour) -> Result<()> {
    let (jim, rosa) = (t.device(JIM)?, t.device(ROSA)?);
    let group = t.story.group.clone();
    let before = group::chat(&jim, group.clone(), 50, None)?.0.messages.len();
    say("Rosa asks to delete her account. Before she confirms, her phone says:");
    for line in sync::deletion_warning(&rosa)? {
        say(format!("  - {line}"));
    }
    let receipt = sync::delete_account(&rosa, PASSWORD)?;
    say(format!(
        "Deleted on the relay: {} changes, {} group records erased for everyone, {} device(s) \
         signed out, {} group(s) left.",
        receipt.changes_deleted,
        receipt.group_records_erased,
        receipt.devices_signed_out,
        receipt.groups_left
    ));
    say("What remains elsewhere, as her receipt says:");
    for r in &receipt.remains_elsewhere {
        say(format!("  - {r}"));
    }
    let report = sync::now(&jim)?;
    let after = group::chat(&jim, group, 50, None)?.0.messages.len();
    say(format!(
        "Jim's phone syncs: {} of Rosa's records deleted there (her reaction, her answer to \
         the walk, her timebank exchanges); the chat still has {after} of its {before} messages, \
         none of them hers.",
        report.erased
    ));
    let erased = rosa.companion.erase_local()?;
    say(format!(
        "Rosa then erases her phone too: {} file(s) deleted.",
        erased.deleted_files.len()
    ));
    t.devices.remove(ROSA);
    Ok(())
}
