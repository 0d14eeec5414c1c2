//! Changes: a push judged against the authorisation table and stored
//! whole or not at all, a pull's page, and the records erased since a
//! cursor. The judge's facts are read once for both backends; where the
//! two differ on purpose they sit side by side: PostgreSQL locks each
//! space's row (SQLite has one writer), stores a push in one batched
//! statement and streams a pull's rows as they arrive; SQLite stores row
//! by row through cached statements and writes a pull from its row buffer.

use super::db::{Arg, Db, Pg};
use super::*;
use futures_util::TryStreamExt;
use std::collections::{HashMap, HashSet};
use tokio_postgres::types::ToSql;

/// What the judge needs of a space the push writes to: its kind, owner,
/// the writer's role in it and where its numbering stands: space, writer.
const SPACE_FACTS: &str = "SELECT s.kind, s.owner, m.role, s.next_seq FROM spaces s
     LEFT JOIN space_members m ON m.space = s.id AND m.account_id = $2
     WHERE s.id = $1";

/// The highest epoch begun of each of a space's keys: space.
const BEGUN: &str =
    "SELECT key_name, max(epoch) FROM key_envelopes WHERE space = $1 GROUP BY key_name";

/// The scopes of every share in force from a person to a clinician:
/// person, clinician, now.
const LIVE_SCOPES: &str = "SELECT scopes FROM shares
     WHERE patient_account = $1 AND clinician_account = $2
       AND revoked_ms IS NULL AND expires_ms > $3";

/// The known records among the push's, and its changes already stored,
/// each backend taking the list its own way.
const OWNERS_SQLITE: &str = "SELECT entity_id, space, entity_type, creator, party
     FROM entity_owners WHERE entity_id IN (SELECT value FROM json_each($1))";
const OWNERS_POSTGRES: &str = "SELECT entity_id, space, entity_type, creator, party
     FROM entity_owners WHERE entity_id = ANY($1)";
const STORED_SQLITE: &str = "SELECT change_id, space, coalesce(entity_id, '') FROM changes
     WHERE change_id IN (SELECT value FROM json_each($1))";
const STORED_POSTGRES: &str = "SELECT change_id, space, coalesce(entity_id, '') FROM changes
     WHERE change_id = ANY($1)";

/// Each space's next sequence number, as read when the push was judged.
type NextSeqs = HashMap<String, i64>;

/// Judges the push by `author` against the authorisation table and, if
/// nothing is refused, stores each change not already stored, numbering
/// it next in its space, and records the records it creates. Run in a
/// write transaction: refused or failed, it stores nothing.
pub(crate) async fn push(
    db: &mut Db<'_>,
    author: &str,
    changes: &[IncomingChange],
) -> Result<Result<PushResponse, Vec<RefusedChange>>> {
    let (plan, next_seqs) = match judge_in(db, author, changes).await? {
        (Ok(plan), next_seqs) => (plan, next_seqs),
        (Err(refused), _) => return Ok(Err(refused)),
    };
    match db {
        Db::Sqlite(conn) => store_sqlite(conn, author, changes, &plan, next_seqs)?,
        Db::Postgres(Pg::Tx(tx)) => store_postgres(tx, author, changes, &plan).await?,
        Db::Postgres(Pg::Client(_)) => {
            return Err(StorageError::Backend("a push outside a transaction".into()))
        }
    }
    Ok(Ok(PushResponse {
        accepted: plan.fresh.len() as u32,
        duplicates: plan.duplicates,
    }))
}

/// Gathers what `judge_push` needs, inside the push's transaction, and
/// judges the push; also returns where each space's numbering stands.
async fn judge_in(
    db: &mut Db<'_>,
    author: &str,
    changes: &[IncomingChange],
) -> Result<(Result<PushPlan, Vec<RefusedChange>>, NextSeqs)> {
    let postgres = db.is_postgres();
    // Locked in a fixed order, so concurrent pushes cannot deadlock.
    let mut in_order: Vec<&str> = changes.iter().map(|c| c.space.as_str()).collect();
    in_order.sort_unstable();
    in_order.dedup();
    let facts = if postgres {
        format!("{SPACE_FACTS} FOR UPDATE OF s")
    } else {
        SPACE_FACTS.to_owned()
    };
    let now = crate::now_ms();
    let mut spaces: HashMap<String, WriterInSpace> = HashMap::new();
    let mut next_seqs = NextSeqs::new();
    for space in in_order {
        let Some(r) = db.query_opt(&facts, &[&space, &author]).await? else {
            continue;
        };
        let (owner, role) = (r.text(1)?, r.opt_text(2)?);
        let mut shared = Vec::new();
        if role.is_none() {
            for s in db.query(LIVE_SCOPES, &[&owner, &author, &now]).await? {
                shared.extend(parse_scopes(&s.text(0)?)?);
            }
        }
        let mut begun = HashMap::new();
        for b in db.query(BEGUN, &[&space]).await? {
            let key = parse_name(&b.text(0)?, "key_envelopes.key_name")?;
            begun.insert(key, parse_epoch(b.int(1)?)?);
        }
        let facts = WriterInSpace {
            begun,
            kind: parse_name(&r.text(0)?, "spaces.kind")?,
            owner,
            role: role
                .as_deref()
                .map(|r| parse_name(r, "space_members.role"))
                .transpose()?,
            shared,
        };
        spaces.insert(space.to_owned(), facts);
        next_seqs.insert(space.to_owned(), r.int(3)?);
    }
    let entity_ids: Vec<&str> = changes.iter().map(|c| c.entity_id.as_str()).collect();
    let owners_sql = if postgres {
        OWNERS_POSTGRES
    } else {
        OWNERS_SQLITE
    };
    let owners = db
        .query(owners_sql, &[&Arg::Texts(&entity_ids)])
        .await?
        .iter()
        .map(|r| {
            Ok((
                r.text(0)?,
                Owner {
                    space: r.text(1)?,
                    kind: r.text(2)?,
                    creator: r.opt_text(3)?,
                    party: r.opt_text(4)?,
                },
            ))
        })
        .collect::<Result<HashMap<String, Owner>>>()?;
    // The members among the other people the push's records name.
    let mut members = HashSet::new();
    for c in changes {
        if let Some(party) = super::judge::party_named(c) {
            if super::spaces::is_member(db, &c.space, &party).await? {
                members.insert((c.space.clone(), party));
            }
        }
    }
    let change_ids: Vec<&str> = changes.iter().map(|c| c.change_id.as_str()).collect();
    let stored_sql = if postgres {
        STORED_POSTGRES
    } else {
        STORED_SQLITE
    };
    let stored = db
        .query(stored_sql, &[&Arg::Texts(&change_ids)])
        .await?
        .iter()
        .map(|r| Ok((r.text(0)?, (r.text(1)?, r.text(2)?))))
        .collect::<Result<HashMap<String, (String, String)>>>()?;
    Ok((
        judge_push(author, changes, &spaces, &owners, &stored, &members),
        next_seqs,
    ))
}

/// SQLite: the records the push creates, its new changes numbered from
/// where each space stood, any hides, and each space's counter moved on,
/// row by row through cached statements (one writer: nothing moved the
/// numbering since it was read).
fn store_sqlite(
    conn: &rusqlite::Connection,
    author: &str,
    changes: &[IncomingChange],
    plan: &PushPlan,
    mut next_seqs: NextSeqs,
) -> Result<()> {
    let mut owner = conn.prepare_cached(
        "INSERT INTO entity_owners (entity_id, space, entity_type, creator, party)
         VALUES (?1, ?2, ?3, ?4, ?5)",
    )?;
    for (id, o) in &plan.created {
        owner.execute((id, &o.space, &o.kind, &o.creator, &o.party))?;
    }
    let mut insert = conn.prepare_cached(
        "INSERT INTO changes (space, seq, change_id, entity_type, body, entity_id, author)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
    )?;
    let mut hide = conn.prepare_cached(
        "INSERT INTO hidden_entities (space, entity_id, hidden_ms) VALUES (?1, ?2, ?3)
         ON CONFLICT DO NOTHING",
    )?;
    for c in plan.fresh.iter().map(|&i| &changes[i]) {
        if let Some(hidden) = &c.hides {
            hide.execute((&c.space, hidden, crate::now_ms()))?;
        }
        let seq = next_seqs
            .get_mut(&c.space)
            .ok_or_else(|| StorageError::Backend("a judged change's space was not read".into()))?;
        insert.execute((
            &c.space,
            *seq,
            &c.change_id,
            &c.entity_type,
            &c.body,
            &c.entity_id,
            author,
        ))?;
        *seq += 1;
    }
    let mut bump = conn.prepare_cached("UPDATE spaces SET next_seq = ?2 WHERE id = ?1")?;
    for (space, next) in &next_seqs {
        bump.execute((space, next))?;
    }
    Ok(())
}

/// PostgreSQL: the records the push creates, then its new changes in one
/// statement, numbered per space in batch order, each space's counter
/// moved past them, and any hides.
async fn store_postgres(
    tx: &deadpool_postgres::Transaction<'_>,
    author: &str,
    changes: &[IncomingChange],
    plan: &PushPlan,
) -> Result<()> {
    if !plan.created.is_empty() {
        let column = |f: fn(&(String, Owner)) -> Option<&str>| -> Vec<Option<&str>> {
            plan.created.iter().map(f).collect()
        };
        tx.execute(
            "INSERT INTO entity_owners (entity_id, space, entity_type, creator, party)
             SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[])",
            &[
                &column(|(id, _)| Some(id)),
                &column(|(_, o)| Some(&o.space)),
                &column(|(_, o)| Some(&o.kind)),
                &column(|(_, o)| o.creator.as_deref()),
                &column(|(_, o)| o.party.as_deref()),
            ],
        )
        .await?;
    }
    let fresh: Vec<&IncomingChange> = plan.fresh.iter().map(|&i| &changes[i]).collect();
    let insert = tx
        .prepare_cached(
            "WITH input AS (
               SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[])
                 WITH ORDINALITY AS t(space, change_id, entity_type, body, entity_id, ord)),
             numbered AS (
               SELECT i.space, i.change_id, i.entity_type, i.body, i.entity_id,
                      s.next_seq + row_number() OVER (PARTITION BY i.space ORDER BY i.ord) - 1 AS seq
               FROM input i JOIN spaces s ON s.id = i.space),
             inserted AS (
               INSERT INTO changes (space, seq, change_id, entity_type, body, entity_id, author)
               SELECT space, seq, change_id, entity_type, body, entity_id, $6 FROM numbered
               RETURNING space),
             counts AS (SELECT space, count(*) AS n FROM inserted GROUP BY space)
             UPDATE spaces s SET next_seq = s.next_seq + counts.n
             FROM counts WHERE s.id = counts.space",
        )
        .await?;
    let column = |f: fn(&IncomingChange) -> &String| -> Vec<&str> {
        fresh.iter().map(|c| f(c).as_str()).collect()
    };
    tx.execute(
        &insert,
        &[
            &column(|c| &c.space),
            &column(|c| &c.change_id),
            &column(|c| &c.entity_type),
            &column(|c| &c.body),
            &column(|c| &c.entity_id),
            &author,
        ],
    )
    .await?;
    let hide = tx
        .prepare_cached(
            "INSERT INTO hidden_entities (space, entity_id, hidden_ms) VALUES ($1, $2, $3)
             ON CONFLICT DO NOTHING",
        )
        .await?;
    let now = crate::now_ms();
    for c in fresh {
        if let Some(hidden) = &c.hides {
            tx.execute(&hide, &[&c.space, hidden, &now]).await?;
        }
    }
    Ok(())
}

/// The changes a pull may serve: space, since, limit, the kinds it may
/// read (NULL: all), the reader of records between two people (NULL: all
/// of them), in each backend's spelling of a list.
const PULL_SQLITE: &str = "SELECT seq, author, body FROM changes
     WHERE space = ?1 AND seq > ?2
       AND (?4 IS NULL OR entity_type IN (SELECT value FROM json_each(?4)))
       AND NOT EXISTS (SELECT 1 FROM hidden_entities h
                       WHERE h.space = changes.space AND h.entity_id = changes.entity_id)
       AND (?5 IS NULL OR NOT EXISTS (
            SELECT 1 FROM entity_owners o
            WHERE o.entity_id = changes.entity_id AND o.party IS NOT NULL
              AND o.party <> ?5 AND coalesce(o.creator, '') <> ?5))
     ORDER BY seq LIMIT ?3";
const PULL_POSTGRES: &str = "SELECT seq, author, body FROM changes
     WHERE space = $1 AND seq > $2
       AND ($4::text[] IS NULL OR entity_type = ANY($4))
       AND NOT EXISTS (SELECT 1 FROM hidden_entities h
                       WHERE h.space = changes.space AND h.entity_id = changes.entity_id)
       AND ($5::text IS NULL OR NOT EXISTS (
            SELECT 1 FROM entity_owners o
            WHERE o.entity_id = changes.entity_id AND o.party IS NOT NULL
              AND o.party <> $5 AND coalesce(o.creator, '') <> $5))
     ORDER BY seq LIMIT $3";

pub(crate) async fn pull(
    db: &mut Db<'_>,
    space: &str,
    since: i64,
    limit: u32,
    readable: &Readable,
) -> Result<PulledChanges> {
    let mut page = PulledChanges::for_limit(limit);
    match db {
        Db::Sqlite(conn) => {
            let kinds = readable
                .kinds
                .as_ref()
                .map(serde_json::to_string)
                .transpose()
                .map_err(|_| StorageError::Backend("kinds".into()))?;
            let mut stmt = conn.prepare_cached(PULL_SQLITE)?;
            let mut rows = stmt.query((space, since, limit, kinds, &readable.reader))?;
            while let Some(r) = rows.next()? {
                let body = borrowed_text(r, 2)?.unwrap_or_default();
                page.push(r.get(0)?, borrowed_text(r, 1)?, body);
            }
        }
        Db::Postgres(pg) => {
            let limit = i64::from(limit);
            let kinds = readable.kinds.as_deref();
            let reader = readable.reader.as_deref();
            let params: [&(dyn ToSql + Sync); 5] = [&space, &since, &limit, &kinds, &reader];
            // Each row is written into the page as it arrives, while the
            // rest are still on their way, borrowed from its buffer: each
            // body is copied once.
            let rows = match pg {
                Pg::Client(c) => {
                    let stmt = c.prepare_cached(PULL_POSTGRES).await?;
                    c.query_raw(&stmt, params).await?
                }
                Pg::Tx(t) => {
                    let stmt = t.prepare_cached(PULL_POSTGRES).await?;
                    t.query_raw(&stmt, params).await?
                }
            };
            let mut rows = std::pin::pin!(rows);
            while let Some(r) = rows.try_next().await? {
                page.push(r.try_get(0)?, r.try_get(1)?, r.try_get(2)?);
            }
        }
    }
    Ok(page)
}

/// A text column as SQLite's row holds it (NULL as None), not copied.
fn borrowed_text<'r>(
    row: &'r rusqlite::Row<'_>,
    column: usize,
) -> rusqlite::Result<Option<&'r str>> {
    row.get_ref(column)?.as_str_or_null().map_err(|e| {
        rusqlite::Error::FromSqlConversionFailure(column, rusqlite::types::Type::Text, Box::new(e))
    })
}

/// Records of `space` erased after `since` (with deleted accounts), in
/// sequence order, up to `limit`.
pub(crate) async fn erased(
    db: &mut Db<'_>,
    space: &str,
    since: i64,
    limit: u32,
) -> Result<Vec<ErasedRecord>> {
    db.query(
        "SELECT seq, entity_type, entity_id FROM erased_entities
         WHERE space = $1 AND seq > $2 ORDER BY seq LIMIT $3",
        &[&space, &since, &i64::from(limit)],
    )
    .await?
    .iter()
    .map(|r| {
        Ok(ErasedRecord {
            seq: r.int(0)?,
            entity_type: r.text(1)?,
            entity_id: r.text(2)?,
        })
    })
    .collect()
}
