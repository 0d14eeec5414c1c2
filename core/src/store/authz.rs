//! The client's half of the authorisation table (`pph_protocol::kinds`):
//! what this store knows that the judge needs (the spaces, where each
//! record lives and who created it), and judging with it. Every pulled
//! change is judged before it is stored (`sync::merge`), and so is every
//! change this device writes into a group (`WriteTx::save`), so the device
//! never queues a change the server would refuse.

use crate::error::{PphError, Result};
use pph_protocol::authz::{
    judge, parent_of, party_of, Attempt, Known, Refusal, Scopes, Standing, WHOLE_RECORD,
};
use pph_protocol::kinds::SpaceKind;
use pph_protocol::wire::ClinicianAccess;
use rusqlite::{Connection, OptionalExtension};
use serde_json::Value;

/// A space as the server last described it. Account ids; '' stands for
/// this store's own account.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct SpaceFacts {
    pub space: String,
    pub kind: SpaceKind,
    pub owner: String,
    pub facilitators: Vec<String>,
    /// A personal space's clinicians with a share in force, and its scopes.
    pub clinicians: Vec<ClinicianAccess>,
}

impl SpaceFacts {
    fn standing(&self, author: &str) -> Standing {
        let clinician = self.clinicians.iter().find(|c| c.account_id == author);
        match (self.kind, clinician) {
            (SpaceKind::Personal, _) if author == self.owner => Standing::Owner,
            (SpaceKind::Personal, Some(c)) => Standing::Clinician(Scopes::of(&c.scopes)),
            (SpaceKind::Group, _) if self.facilitators.iter().any(|f| f == author) => {
                Standing::Facilitator
            }
            _ => Standing::Member,
        }
    }
}

/// The account this store belongs to; '' before it signs in.
pub(crate) fn me(conn: &Connection) -> Result<String> {
    Ok(conn
        .prepare_cached("SELECT account_id FROM sync_account")?
        .query_row([], |r| r.get(0))
        .optional()?
        .unwrap_or_default())
}

/// The server's description of a space, as saved at the last sync.
pub(crate) fn space_facts(conn: &Connection, space: &str) -> Result<Option<SpaceFacts>> {
    let row: Option<(String, String, String, String)> = conn
        .prepare_cached(
            "SELECT kind, owner, facilitators, clinicians FROM sync_spaces WHERE space = ?1",
        )?
        .query_row([space], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?))
        })
        .optional()?;
    row.map(|(kind, owner, facilitators, clinicians)| {
        Ok(SpaceFacts {
            space: space.to_owned(),
            kind: SpaceKind::parse(&kind).ok_or_else(|| PphError::Internal {
                reason: "unknown space kind".into(),
            })?,
            owner,
            facilitators: serde_json::from_str(&facilitators)?,
            clinicians: serde_json::from_str(&clinicians)?,
        })
    })
    .transpose()
}

/// Replaces what is known of the spaces this account reaches.
pub(crate) fn save_spaces(conn: &Connection, spaces: &[SpaceFacts]) -> Result<()> {
    conn.execute("DELETE FROM sync_spaces", [])?;
    for s in spaces {
        add_space(conn, s)?;
    }
    Ok(())
}

/// Adds one space (a group made on this device, before the next sync).
pub(crate) fn add_space(conn: &Connection, space: &SpaceFacts) -> Result<()> {
    conn.prepare_cached(
        "INSERT INTO sync_spaces (space, kind, owner, facilitators, clinicians)
         VALUES (?1, ?2, ?3, ?4, ?5)
         ON CONFLICT (space) DO UPDATE SET kind = excluded.kind, owner = excluded.owner,
           facilitators = excluded.facilitators, clinicians = excluded.clinicians",
    )?
    .execute((
        &space.space,
        space.kind.name(),
        &space.owner,
        serde_json::to_string(&space.facilitators)?,
        serde_json::to_string(&space.clinicians)?,
    ))?;
    Ok(())
}

/// A record as this store first saw it: its space and kind, and (from its
/// creating change) its creator and first value.
struct KnownRow {
    space: String,
    kind: String,
    creator: Option<String>,
    created: Option<Value>,
}

fn known(conn: &Connection, entity_id: &str, me: &str) -> Result<Option<KnownRow>> {
    let row: Option<(String, String, Option<String>, String, String)> = conn
        .prepare_cached(
            // The earliest stamp is the creation (edits are made after it is
            // seen; a group edit arriving first is refused, never stored).
            "SELECT space, entity_type, author, field, value FROM change_log
             WHERE entity_id = ?1 ORDER BY hlc_wall, hlc_counter, node LIMIT 1",
        )?
        .query_row([entity_id], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?))
        })
        .optional()?;
    let Some((space, kind, author, field, value)) = row else {
        return Ok(None);
    };
    let creation = field == WHOLE_RECORD;
    Ok(Some(KnownRow {
        space,
        kind,
        creator: author
            .filter(|_| creation)
            .map(|a| if a.is_empty() { me.to_owned() } else { a }),
        created: if creation {
            Some(serde_json::from_str(&value)?)
        } else {
            None
        },
    }))
}

/// Where the record named by `id` lives, if this store has it.
fn space_of(conn: &Connection, id: &str) -> Result<Option<String>> {
    Ok(conn
        .prepare_cached("SELECT space FROM change_log WHERE entity_id = ?1 LIMIT 1")?
        .query_row([id], |r| r.get(0))
        .optional()?)
}

/// One change to judge: written by `author` (an account id) into `space`.
pub(crate) struct Write<'a> {
    pub author: &'a str,
    pub kind: &'a str,
    pub entity_id: &'a str,
    pub field: &'a str,
    pub value: &'a Value,
}

/// Judges a change against the table with what this store knows: the
/// outcome `Ok(())`, or the rule it breaks.
pub(crate) fn judge_here(
    conn: &Connection,
    space: &SpaceFacts,
    me: &str,
    w: &Write<'_>,
) -> Result<std::result::Result<(), Refusal>> {
    let row = known(conn, w.entity_id, me)?;
    let known = row.as_ref().map(|k| Known {
        space: &k.space,
        kind: &k.kind,
        creator: k.creator.as_deref(),
        party: k.created.as_ref().and_then(|v| party_of(&k.kind, v)),
        created: k.created.as_ref(),
    });
    let attempt = Attempt {
        space: &space.space,
        space_kind: space.kind,
        standing: space.standing(w.author),
        author: w.author,
        kind: w.kind,
        entity_id: w.entity_id,
        field: w.field,
        value: Some(w.value),
        sealed_party: None,
    };
    if let Err(rule) = judge(&attempt, known.as_ref()) {
        return Ok(Err(rule));
    }
    // A pulled record between two people must concern this account (or
    // be for a facilitator): a relay should never have served it otherwise.
    if w.author != me && pph_protocol::kinds::rule(w.kind).is_some_and(|r| r.party_field.is_some())
    {
        let (creator, party) = match &row {
            Some(k) => (
                k.creator.clone(),
                k.created
                    .as_ref()
                    .and_then(|v| party_of(&k.kind, v))
                    .map(str::to_owned),
            ),
            None => (
                Some(w.author.to_owned()),
                party_of(w.kind, w.value).map(str::to_owned),
            ),
        };
        let concerned = creator.as_deref() == Some(me)
            || party.as_deref() == Some(me)
            || space.facilitators.iter().any(|f| f == me);
        if !concerned {
            return Ok(Err(Refusal::NotAParty));
        }
    }
    if let Some(parent) = parent_of(w.kind, w.field, w.value) {
        if space_of(conn, parent)?.is_some_and(|s| s != space.space) {
            return Ok(Err(Refusal::ParentElsewhere));
        }
    }
    Ok(Ok(()))
}

/// Judges a change this device is about to write into a group: refused
/// locally, with the rule, exactly as the server would refuse it.
pub(crate) fn judge_own_write(
    conn: &Connection,
    space: &str,
    kind: &str,
    entity_id: &str,
    field: &str,
    value: &Value,
) -> Result<()> {
    let me = me(conn)?;
    let facts = space_facts(conn, space)?.ok_or_else(|| PphError::Forbidden {
        reason: "this space is not known on this device yet; sync first".into(),
    })?;
    let write = Write {
        author: &me,
        kind,
        entity_id,
        field,
        value,
    };
    judge_here(conn, &facts, &me, &write)?.map_err(|rule| {
        PphError::Forbidden {
            reason: rule.explain().into(),
        }
        .into()
    })
}
