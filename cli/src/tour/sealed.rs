//! What the relay keeps: every value sealed on the phone. The tour reads
//! the relay's own storage (as a breach of it would) beside what Ann's
//! phone shows.

use super::{failed, last_diary_entry, say, Tour, ANN};
use crate::fail::Result;
use pph_protocol::Change;

/// A stored body shortened for the screen: long base64 cut in the middle.
fn shortened(c: &Change) -> String {
    let text = serde_json::to_string(c).unwrap_or_default();
    text.split('"')
        .map(|part| {
            if part.len() > 40 {
                format!(
                    "{}…{} ({} chars)",
                    &part[..12],
                    &part[part.len() - 6..],
                    part.len()
                )
            } else {
                part.to_owned()
            }
        })
        .collect::<Vec<_>>()
        .join("\"")
}

/// The relay's copy of Ann's last diary entry beside her phone's.
pub(super) fn relay_view(t: &mut Tour) -> Result<()> {
    let phone = t.device(ANN)?;
    let space = phone.companion.store().personal_space();
    let changes = t.relay_changes(&space)?;
    let sealed = changes
        .iter()
        .filter(|c| pph_protocol::sealed::Sealed::of(&c.value).is_some())
        .count();
    let entry = last_diary_entry(&changes)?;
    say(format!(
        "{sealed} of the {} changes the relay holds for Ann are sealed on her phone. One, as the relay stores it:",
        changes.len()
    ));
    say(format!("  {}", shortened(entry)));
    let opened = phone
        .companion
        .sync()
        .open_as_this_device(entry)?
        .ok_or_else(|| failed("Ann's phone cannot open its own entry"))?;
    say(format!("The same change on Ann's phone: {}", opened.value));
    say("The relay sees the kind, the ids, the size and the time; never a symptom, a note or a score.");
    Ok(())
}
