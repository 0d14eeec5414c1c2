//! The embedded backend: one SQLite file in WAL mode, one writer connection
//! and a few read-only ones, calls on tokio's blocking pool. A push is one
//! IMMEDIATE transaction, so it is stored whole or not at all whatever
//! happens to the process; pulls and lookups run on the readers, so they
//! wait neither for a push nor for each other.

use super::db::{sqlite_now, Db};
use super::*;
use rusqlite::{Connection, OptionalExtension, TransactionBehavior};
use std::collections::HashMap;
use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

pub(crate) struct SqliteStorage {
    conn: Arc<Mutex<Connection>>,
    readers: Arc<Vec<Mutex<Connection>>>,
    next_reader: AtomicUsize,
}

impl From<rusqlite::Error> for StorageError {
    fn from(e: rusqlite::Error) -> Self {
        match e.sqlite_error_code() {
            Some(rusqlite::ErrorCode::ConstraintViolation) => StorageError::Conflict,
            Some(code) => StorageError::Backend(format!("sqlite {code:?}")),
            None => StorageError::Backend("sqlite client".into()),
        }
    }
}

fn migrate(conn: &mut Connection) -> Result<()> {
    conn.execute_batch(MIGRATIONS_TABLE)?;
    for (version, sql) in MIGRATIONS {
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let done = tx
            .prepare("SELECT 1 FROM schema_migrations WHERE version = ?1")?
            .exists([version])?;
        if !done {
            tx.execute_batch(sql)?;
            if *version == AUTHORS_STEP {
                backfill_authors(&tx)?;
            }
            tx.execute(
                "INSERT INTO schema_migrations (version, applied_ms) VALUES (?1, ?2)",
                (version, crate::now_ms()),
            )?;
        }
        tx.commit()?;
    }
    Ok(())
}

fn backfill_authors(tx: &rusqlite::Transaction<'_>) -> Result<()> {
    let spaces = tx
        .prepare("SELECT id, kind, owner FROM spaces")?
        .query_map([], |r| Ok((r.get(0)?, r.get::<_, String>(1)?, r.get(2)?)))?
        .map(|row| {
            let (id, kind, owner): (String, String, String) = row?;
            Ok((id, (parse_space_kind(&kind)?, owner)))
        })
        .collect::<Result<HashMap<_, _>>>()?;
    let changes = tx
        .prepare("SELECT space, seq, body FROM changes ORDER BY space, seq")?
        .query_map([], |r| {
            Ok(backfill::LegacyChange {
                space: r.get(0)?,
                seq: r.get(1)?,
                body: r.get(2)?,
            })
        })?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    let out = backfill::backfill_v4(&changes, &spaces);
    let mut author = tx.prepare("UPDATE changes SET author = ?3 WHERE space = ?1 AND seq = ?2")?;
    for (space, seq, who) in &out.authors {
        author.execute((space, seq, who))?;
    }
    let mut owner = tx.prepare(
        "INSERT INTO entity_owners (entity_id, space, entity_type, creator) VALUES (?1, ?2, ?3, ?4)",
    )?;
    for (id, o) in &out.owners {
        owner.execute((id, &o.space, &o.kind, &o.creator))?;
    }
    Ok(())
}

/// Each space's next sequence number, as read when the push was judged.
/// The scopes of every share in force from a person (?1) to a clinician (?2)
/// at ?3.
const LIVE_SCOPES_SQL: &str = "SELECT scopes FROM shares
     WHERE patient_account = ?1 AND clinician_account = ?2
       AND revoked_ms IS NULL AND expires_ms > ?3";

type NextSeqs = HashMap<String, i64>;

/// Gathers what `judge_push` needs, inside the push's transaction, and
/// judges the push; also returns where each space's numbering stands.
fn judge_in(
    tx: &rusqlite::Transaction<'_>,
    author: &str,
    changes: &[IncomingChange],
) -> Result<(Result<Plan, Vec<RefusedChange>>, NextSeqs)> {
    let mut spaces: HashMap<String, SpaceFacts> = HashMap::new();
    let mut next_seqs = NextSeqs::new();
    let mut space = tx.prepare_cached(
        "SELECT s.kind, s.owner, m.role, s.next_seq FROM spaces s
         LEFT JOIN space_members m ON m.space = s.id AND m.account_id = ?2
         WHERE s.id = ?1",
    )?;
    for c in changes {
        if spaces.contains_key(&c.space) {
            continue;
        }
        let row = space
            .query_row((&c.space, author), |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, Option<String>>(2)?,
                    r.get::<_, i64>(3)?,
                ))
            })
            .optional()?;
        if let Some((kind, owner, role, next_seq)) = row {
            let mut shared = Vec::new();
            if role.is_none() {
                let mut scopes = tx.prepare_cached(LIVE_SCOPES_SQL)?;
                let rows = scopes
                    .query_map((&owner, author, crate::now_ms()), |r| r.get::<_, String>(0))?;
                for text in rows {
                    shared.extend(parse_scopes(&text?)?);
                }
            }
            let facts = SpaceFacts {
                kind: parse_space_kind(&kind)?,
                owner,
                role: role.as_deref().map(parse_group_role).transpose()?,
                shared,
            };
            spaces.insert(c.space.clone(), facts);
            next_seqs.insert(c.space.clone(), next_seq);
        }
    }
    let list = |f: fn(&IncomingChange) -> &String| {
        serde_json::to_string(&changes.iter().map(f).collect::<Vec<_>>())
            .map_err(|_| StorageError::Backend("ids".into()))
    };
    let owners = tx
        .prepare_cached(
            "SELECT entity_id, space, entity_type, creator, party FROM entity_owners
             WHERE entity_id IN (SELECT value FROM json_each(?1))",
        )?
        .query_map([list(|c| &c.entity_id)?], |r| {
            Ok((
                r.get(0)?,
                Owner {
                    space: r.get(1)?,
                    kind: r.get(2)?,
                    creator: r.get(3)?,
                    party: r.get(4)?,
                },
            ))
        })?
        .collect::<rusqlite::Result<HashMap<String, Owner>>>()?;
    let stored = tx
        .prepare_cached(
            "SELECT change_id, space, coalesce(entity_id, '') FROM changes
             WHERE change_id IN (SELECT value FROM json_each(?1))",
        )?
        .query_map([list(|c| &c.change_id)?], |r| {
            Ok((r.get(0)?, (r.get(1)?, r.get(2)?)))
        })?
        .collect::<rusqlite::Result<HashMap<String, (String, String)>>>()?;
    Ok((
        judge_push(author, changes, &spaces, &owners, &stored),
        next_seqs,
    ))
}

/// A text column as the row holds it (NULL as None), not copied.
fn borrowed_text<'r>(
    row: &'r rusqlite::Row<'_>,
    column: usize,
) -> rusqlite::Result<Option<&'r str>> {
    row.get_ref(column)?.as_str_or_null().map_err(|e| {
        rusqlite::Error::FromSqlConversionFailure(column, rusqlite::types::Type::Text, Box::new(e))
    })
}

impl SqliteStorage {
    pub fn open(path: &Path) -> Result<Self> {
        // The relay's file is not encrypted (it holds sealed values), but
        // SQLite here is SQLCipher, which needs its crypto provider linked.
        pph_sqlcipher_crypto::link();
        let mut conn = Connection::open(path)?;
        // secure_delete: a deleted account's rows are zeroed in the file
        // and its write-ahead log, not left in free pages.
        conn.execute_batch(
            "PRAGMA journal_mode = WAL;
             PRAGMA synchronous = FULL;
             PRAGMA foreign_keys = ON;
             PRAGMA busy_timeout = 5000;
             PRAGMA secure_delete = ON;",
        )?;
        migrate(&mut conn)?;
        let count = std::thread::available_parallelism().map_or(2, |n| n.get().clamp(2, 8));
        let readers = (0..count)
            .map(|_| {
                let reader = Connection::open(path)?;
                reader.execute_batch(
                    "PRAGMA busy_timeout = 5000;
                     PRAGMA query_only = ON;",
                )?;
                Ok(Mutex::new(reader))
            })
            .collect::<Result<Vec<_>>>()?;
        Ok(SqliteStorage {
            conn: Arc::new(Mutex::new(conn)),
            readers: Arc::new(readers),
            next_reader: AtomicUsize::new(0),
        })
    }

    /// Runs a read on the first free reader (starting from the next in
    /// turn), or waits for that one when all are busy.
    async fn read<T: Send + 'static>(
        &self,
        f: impl FnOnce(&mut Connection) -> Result<T> + Send + 'static,
    ) -> Result<T> {
        let readers = self.readers.clone();
        let start = self.next_reader.fetch_add(1, Ordering::Relaxed);
        blocking(move || {
            let n = readers.len();
            let free = (0..n).find_map(|i| readers[(start + i) % n].try_lock().ok());
            let mut guard = match free {
                Some(guard) => guard,
                None => lock(&readers[start % n])?,
            };
            f(&mut guard)
        })
        .await
    }

    async fn run<T: Send + 'static>(
        &self,
        f: impl FnOnce(&mut Connection) -> Result<T> + Send + 'static,
    ) -> Result<T> {
        let conn = self.conn.clone();
        blocking(move || f(&mut *lock(&conn)?)).await
    }

    /// Moves every committed page into the file and empties the
    /// write-ahead log.
    pub(super) async fn truncate_wal(&self) -> Result<()> {
        self.run(|conn| Ok(conn.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()))?))
            .await
    }

    /// Runs statements written once for both backends on a reader.
    pub(super) async fn db_read<T: Send + 'static>(
        &self,
        f: impl AsyncFnOnce(&mut Db<'_>) -> Result<T> + Send + 'static,
    ) -> Result<T> {
        self.read(move |conn| sqlite_now(f(&mut Db::Sqlite(conn))))
            .await
    }

    /// Runs statements written once for both backends on the writer, in
    /// one IMMEDIATE transaction: all of them or, on an error, none.
    pub(super) async fn db_write<T: Send + 'static>(
        &self,
        f: impl AsyncFnOnce(&mut Db<'_>) -> Result<T> + Send + 'static,
    ) -> Result<T> {
        self.run(move |conn| {
            // A panic that unwound out of an earlier write left its
            // transaction open on this connection.
            if !conn.is_autocommit() {
                conn.execute_batch("ROLLBACK")?;
            }
            conn.execute_batch("BEGIN IMMEDIATE")?;
            let out = sqlite_now(f(&mut Db::Sqlite(&mut *conn)));
            conn.execute_batch(if out.is_ok() { "COMMIT" } else { "ROLLBACK" })?;
            out
        })
        .await
    }
}

fn lock(conn: &Mutex<Connection>) -> Result<std::sync::MutexGuard<'_, Connection>> {
    conn.lock()
        .map_err(|_| StorageError::Backend("connection lock poisoned".into()))
}

/// Runs `f` on tokio's blocking pool: SQLite calls block.
async fn blocking<T: Send + 'static>(f: impl FnOnce() -> Result<T> + Send + 'static) -> Result<T> {
    tokio::task::spawn_blocking(f)
        .await
        .map_err(|_| StorageError::Backend("blocking task failed".into()))?
}

/// The methods `Storage` calls (`each!`) until each is written once.
impl SqliteStorage {
    pub(crate) async fn push(
        &self,
        author: &str,
        changes: &[IncomingChange],
    ) -> Result<PushResponse, PushError> {
        let (author, changes) = (author.to_owned(), changes.to_vec());
        let outcome = self
            .run(move |conn| {
                let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
                let (plan, mut next_seqs) = match judge_in(&tx, &author, &changes)? {
                    (Ok(plan), next_seqs) => (plan, next_seqs),
                    (Err(refused), _) => return Ok(Err(refused)),
                };
                {
                    let mut owner = tx.prepare_cached(
                        "INSERT INTO entity_owners (entity_id, space, entity_type, creator, party)
                         VALUES (?1, ?2, ?3, ?4, ?5)",
                    )?;
                    for (id, o) in &plan.created {
                        owner.execute((id, &o.space, &o.kind, &o.creator, &o.party))?;
                    }
                    let mut insert = tx.prepare_cached(
                        "INSERT INTO changes (space, seq, change_id, entity_type, body, entity_id, author)
                         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                    )?;
                    let mut hide = tx.prepare_cached(
                        "INSERT INTO hidden_entities (space, entity_id, hidden_ms) VALUES (?1, ?2, ?3)
                         ON CONFLICT DO NOTHING",
                    )?;
                    for c in plan.fresh.iter().map(|&i| &changes[i]) {
                        if let Some(hidden) = &c.hides {
                            hide.execute((&c.space, hidden, crate::now_ms()))?;
                        }
                        let seq = next_seqs.get_mut(&c.space).ok_or_else(|| {
                            StorageError::Backend("a judged change's space was not read".into())
                        })?;
                        insert.execute((
                            &c.space,
                            *seq,
                            &c.change_id,
                            &c.entity_type,
                            &c.body,
                            &c.entity_id,
                            &author,
                        ))?;
                        *seq += 1;
                    }
                    let mut bump = tx.prepare_cached("UPDATE spaces SET next_seq = ?2 WHERE id = ?1")?;
                    for (space, next) in &next_seqs {
                        bump.execute((space, next))?;
                    }
                }
                tx.commit()?;
                Ok(Ok(PushResponse {
                    accepted: plan.fresh.len() as u32,
                    duplicates: plan.duplicates,
                }))
            })
            .await?;
        outcome.map_err(PushError::Refused)
    }

    pub(crate) async fn pull(
        &self,
        space: &str,
        since: i64,
        limit: u32,
        readable: Readable<'_>,
    ) -> Result<PulledChanges> {
        let space = space.to_owned();
        let reader = readable.reader.map(str::to_owned);
        let kinds = readable
            .kinds
            .map(serde_json::to_string)
            .transpose()
            .map_err(|_| StorageError::Backend("kinds".into()))?;
        self.read(move |conn| {
            let mut stmt = conn.prepare_cached(
                "SELECT seq, author, body FROM changes
                 WHERE space = ?1 AND seq > ?2
                   AND (?4 IS NULL OR entity_type IN (SELECT value FROM json_each(?4)))
                   AND NOT EXISTS (SELECT 1 FROM hidden_entities h
                                   WHERE h.space = changes.space AND h.entity_id = changes.entity_id)
                   AND (?5 IS NULL OR NOT EXISTS (
                        SELECT 1 FROM entity_owners o
                        WHERE o.entity_id = changes.entity_id AND o.party IS NOT NULL
                          AND o.party <> ?5 AND coalesce(o.creator, '') <> ?5))
                 ORDER BY seq LIMIT ?3",
            )?;
            let mut page = PulledChanges::for_limit(limit);
            let mut rows = stmt.query((space, since, limit, kinds, reader))?;
            while let Some(r) = rows.next()? {
                let body = borrowed_text(r, 2)?.unwrap_or_default();
                page.push(r.get(0)?, borrowed_text(r, 1)?, body);
            }
            Ok(page)
        })
        .await
    }

    pub(crate) async fn erased(
        &self,
        space: &str,
        since: i64,
        limit: u32,
    ) -> Result<Vec<ErasedRecord>> {
        let space = space.to_owned();
        self.read(move |conn| {
            let mut stmt = conn.prepare_cached(&numbered(ERASED_SINCE, '?'))?;
            let rows = stmt.query_map((space, since, limit), |r| {
                Ok(ErasedRecord {
                    seq: r.get(0)?,
                    entity_type: r.get(1)?,
                    entity_id: r.get(2)?,
                })
            })?;
            Ok(rows.collect::<rusqlite::Result<_>>()?)
        })
        .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Pulls and lookups run on the readers: they finish while a write
    /// holds the writer, and a reader cannot write.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn reads_go_on_while_the_writer_is_held_and_readers_never_write() {
        let dir = tempfile::tempdir().expect("dir");
        let storage = SqliteStorage::open(&dir.path().join("s.db")).expect("open");
        let writer = storage.conn.clone();
        let (held_tx, held_rx) = std::sync::mpsc::channel();
        let (release_tx, release_rx) = std::sync::mpsc::channel::<()>();
        let holder = std::thread::spawn(move || {
            let _held = writer.lock().expect("writer");
            held_tx.send(()).expect("held");
            let _ = release_rx.recv();
        });
        held_rx.recv().expect("the writer is held");
        let bound = std::time::Duration::from_secs(30);
        let version = tokio::time::timeout(
            bound,
            storage.db_read(async |db| super::super::accounts::schema_version(db).await),
        )
        .await
        .expect("a read does not wait for the writer")
        .expect("version");
        assert_eq!(version, latest_version());
        let pulled = tokio::time::timeout(bound, storage.pull("s", 0, 10, Readable::ALL))
            .await
            .expect("a pull does not wait for the writer")
            .expect("pull");
        assert!(pulled.is_empty());
        let write = storage
            .read(|c| Ok(c.execute("DELETE FROM accounts", [])?))
            .await;
        assert!(write.is_err(), "a reader wrote");
        release_tx.send(()).expect("release");
        holder.join().expect("holder");
    }
}
