//! An intruder with write access to the relay's database (its SQLite file
//! here) slips Ann's phone a key of their own for her diary, wrapped to her
//! real public key and claiming to come from her: her phone refuses it and
//! keeps sealing under her own key (docs/adr/0018). Then they add an
//! account to Jim's group: no phone takes it as a member, for no one
//! admitted it with a code (docs/adr/0020). The only scenes that write the
//! relay's tables: they play someone who should not.

use super::{failed, last_diary_entry, say, Tour, ANN, JIM};
use crate::cmd::diary::{self, Log};
use crate::cmd::sync;
use crate::fail::Result;
use pph_core::crypto::identity::Identity;
use pph_core::crypto::wrap::{wrap, AccountKeyPair};
use pph_core::crypto::{seal, Key32};
use pph_protocol::sealed::{KeyName, Sealed};

pub(super) fn slipped_key(t: &mut Tour) -> Result<()> {
    let phone = t.device(ANN)?;
    let space = phone.companion.store().personal_space();
    let ann = sync::status(&phone)?
        .account
        .ok_or_else(|| failed("Ann is not signed in"))?
        .account_id;
    let db = rusqlite::Connection::open(t.dir.path().join("server.db")).map_err(failed)?;
    let public_key: String = db
        .query_row(
            "SELECT public_key FROM accounts WHERE id = ?1",
            [&ann],
            |r| r.get(0),
        )
        .map_err(failed)?;
    let newest: u32 = db
        .query_row(
            "SELECT max(epoch) FROM key_envelopes WHERE space = ?1 AND key_name = 'diary'",
            [&space],
            |r| r.get(0),
        )
        .map_err(failed)?;
    let intruder = Identity::of(&AccountKeyPair::generate()).ok_or_else(|| failed("identity"))?;
    let known = Key32::random();
    let mut slipped = wrap(
        &known,
        &space,
        KeyName::Diary,
        newest + 1,
        &ann,
        &public_key,
    )
    .ok_or_else(|| failed("Ann's public key"))?;
    intruder.sign(&ann, &mut slipped);
    let body = serde_json::to_string(&slipped).map_err(failed)?;
    db.execute(
        "INSERT INTO key_envelopes (space, key_name, epoch, recipient, body, created_ms)
         VALUES (?1, 'diary', ?2, ?3, ?4, 0)",
        (&space, newest + 1, &ann, &body),
    )
    .map_err(failed)?;
    say(format!(
        "An intruder in the relay's database adds a key for epoch {} of Ann's diary, wrapped to \
         her real public key and claiming to come from her, to read what she writes next.",
        newest + 1
    ));
    diary::log(
        &phone,
        Log {
            ratings: vec!["Breathlessness=3".into()],
            note: Some("Windy on the hill".into()),
            ..Log::default()
        },
    )?;
    let report = sync::now(&phone)?;
    for error in report
        .errors
        .iter()
        .filter(|e| e.contains("set aside: not signed"))
    {
        say(format!("Ann's phone: {error}."));
    }
    let changes = t.relay_changes(&space)?;
    let entry = last_diary_entry(&changes)?;
    let epoch = Sealed::of(&entry.value).map_or(0, |s| s.epoch);
    let opens = seal::open(entry, |_, _| Some(known.clone())).is_ok();
    say(format!(
        "Her new entry is sealed under epoch {epoch} of her own diary key; the intruder's key {} it.",
        if opens { "OPENS" } else { "does not open" }
    ));
    Ok(())
}

pub(super) fn added_member(t: &mut Tour) -> Result<()> {
    let jim = t.device(JIM)?;
    let group = t.story.group.clone();
    let db = rusqlite::Connection::open(t.dir.path().join("server.db")).map_err(failed)?;
    // An account of the intruder's choosing, never invited: Dr Okafor's.
    let stranger: String = db
        .query_row(
            "SELECT id FROM accounts WHERE role = 'clinician' LIMIT 1",
            [],
            |r| r.get(0),
        )
        .map_err(failed)?;
    db.execute(
        "INSERT INTO space_members (space, account_id, role) VALUES (?1, ?2, 'member')",
        (&group, &stranger),
    )
    .map_err(failed)?;
    say("The intruder adds Dr Okafor's account to Jim's group, past every check of the relay's.");
    let report = sync::now(&jim)?;
    for error in report
        .errors
        .iter()
        .filter(|e| e.contains("without an admission"))
    {
        say(format!("Jim's phone: {error}."));
    }
    let wrapped: u32 = db
        .query_row(
            "SELECT count(*) FROM key_envelopes WHERE space = ?1 AND recipient = ?2",
            (&group, &stranger),
            |r| r.get(0),
        )
        .map_err(failed)?;
    db.execute(
        "DELETE FROM space_members WHERE space = ?1 AND account_id = ?2",
        (&group, &stranger),
    )
    .map_err(failed)?;
    say(format!(
        "Keys of the group wrapped to that account: {wrapped}. Only a whole invite code, \
         whose second half the relay never sees, admits anyone."
    ));
    Ok(())
}
