//! What the relay keeps: every value sealed on the phone. The tour reads
//! the relay's own storage (as a breach of it would) beside what Ann's
//! phone shows, and, after a revocation, tries the clinician's old keys on
//! what Ann writes next.

use super::{say, Tour, ANN};
use crate::cmd::diary::{self, Log};
use crate::cmd::sync;
use crate::ctx::Ctx;
use crate::fail::{Fail, Result, Status};
use pph_core::Companion;
use pph_protocol::Change;
use pph_server::storage::Readable;
use pph_server::{open_storage, Backend};

fn failed(e: impl std::fmt::Display) -> Fail {
    Fail::new(Status::Failure, e.to_string())
}

/// Every change of `space` as the relay's storage holds it.
fn stored(t: &Tour, space: &str) -> Result<Vec<Change>> {
    let backend = Backend::Sqlite(t.dir.path().join("server.db"));
    let bodies = t.runtime.block_on(async {
        let storage = open_storage(&backend).await.map_err(failed)?;
        storage
            .pull(space, 0, 10_000, Readable::ALL)
            .await
            .map_err(failed)
    })?;
    bodies
        .iter()
        .map(|c| serde_json::from_str(&c.body).map_err(failed))
        .collect()
}

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

fn last_diary_entry(changes: &[Change]) -> Result<&Change> {
    changes
        .iter()
        .rev()
        .find(|c| c.entity_type == "diary_entry")
        .ok_or_else(|| failed("no diary entry on the relay"))
}

/// The relay's copy of Ann's last diary entry beside her phone's.
pub(super) fn relay_view(t: &mut Tour) -> Result<()> {
    let phone = t.device(ANN)?;
    let space = phone.companion.store().personal_space();
    let changes = stored(t, &space)?;
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

/// After Ann revokes the share: her next entry is sealed under a new epoch
/// of the diary key that the laptop never receives.
pub(super) fn after_revocation(t: &Tour, phone: &Ctx, laptop: &Companion) -> Result<()> {
    let space = phone.companion.store().personal_space();
    let before = stored(t, &space)?;
    let old = last_diary_entry(&before)?.clone();
    diary::log(
        phone,
        Log {
            ratings: vec!["Breathlessness=2".into()],
            note: Some("Slept right through".into()),
            ..Log::default()
        },
    )?;
    sync::now(phone)?;
    let after = stored(t, &space)?;
    let new = last_diary_entry(&after)?;
    let opens = |c: &Change| -> Result<&str> {
        Ok(match laptop.sync().open_as_this_device(c)? {
            Some(_) => "opens",
            None => "does not open",
        })
    };
    say(format!(
        "Ann revokes the share; her next entry is sealed under the diary key's new epoch. With the \
         keys Dr Okafor's laptop still holds, the relay's copy of it {}; an entry from before the \
         revocation {} (what was shared then).",
        opens(new)?,
        opens(&old)?
    ));
    Ok(())
}
