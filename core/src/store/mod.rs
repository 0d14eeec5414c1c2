//! The encrypted SQLite store: one file per account, one writer connection,
//! a small pool of read-only connections, numbered migrations.

mod account;
pub(crate) mod authz;
pub(crate) mod change_log;
mod checkpoint;
pub(crate) mod entity;
pub(crate) mod migrations;
mod open;
mod outbox;
#[cfg(test)]
mod upgrade_tests;
mod write;

pub use account::AccountInfo;
pub(crate) use account::Session;
pub(crate) use entity::{entity, list_by, load, load_required, Entity};
pub use migrations::LATEST_VERSION;
pub(crate) use write::WriteTx;

use crate::clock::Clock;
use crate::error::Result;
use pph_protocol::Hlc;
use rusqlite::Connection;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard};

const MAX_IDLE_READERS: usize = 4;

/// Who this store is: the node id that stamps its changes and the personal
/// space its own records belong to. Both are created with the file.
#[derive(Clone, Debug)]
pub(crate) struct Identity {
    pub node: String,
    pub personal_space: String,
}

struct Writer {
    conn: Connection,
    last_hlc: Hlc,
    /// With the writer: signing in may move the personal space.
    identity: Identity,
}

pub struct Store {
    path: PathBuf,
    key: open::RawKey,
    /// Fields drop in order, and the writer must close last (see
    /// `Checkpointer::start`): the checkpointer and the readers come first.
    _checkpointer: checkpoint::Checkpointer,
    readers: Mutex<Vec<Connection>>,
    writer: Mutex<Writer>,
    clock: Arc<dyn Clock>,
    node: String,
}

impl Store {
    /// Opens (creating if absent) the store at `path` with a raw 32-byte key.
    /// A wrong key, a file that is not an encrypted store, or one from a newer
    /// schema is refused before anything is written to the file.
    pub fn open(path: &Path, key: &[u8], device_name: &str, clock: Arc<dyn Clock>) -> Result<Self> {
        Self::open_keyed(path, open::RawKey::new(key)?, device_name, clock)
    }

    /// Opens another store file under this store's key and clock: the
    /// clinician's read-only copies of shared patients' records.
    pub(crate) fn open_sibling(&self, path: &Path, device_name: &str) -> Result<Self> {
        Self::open_keyed(path, self.key.clone(), device_name, self.clock.clone())
    }

    fn open_keyed(
        path: &Path,
        key: open::RawKey,
        device_name: &str,
        clock: Arc<dyn Clock>,
    ) -> Result<Self> {
        let mut conn = open::open_writer(path, &key)?;
        migrations::migrate_to(&mut conn, LATEST_VERSION)?;
        let identity = open::ensure_identity(&conn, device_name, clock.now_ms())?;
        let last_hlc = change_log::latest_hlc(&conn, &identity.node)?;
        let checkpointer = checkpoint::Checkpointer::start(path, &key, &mut conn)?;
        Ok(Store {
            path: path.to_owned(),
            key,
            node: identity.node.clone(),
            _checkpointer: checkpointer,
            readers: Mutex::new(Vec::new()),
            writer: Mutex::new(Writer {
                conn,
                last_hlc,
                identity,
            }),
            clock,
        })
    }

    /// The space this store's own records belong to.
    pub fn personal_space(&self) -> String {
        lock(&self.writer).identity.personal_space.clone()
    }

    /// Moves this store's own records into the account's personal space when
    /// a device signs in to an account made elsewhere (every device of one
    /// person writes into one personal space). Only changes never pushed
    /// can move: a store whose changes reached a server belongs to that
    /// account already.
    pub fn adopt_personal_space(&self, space: &str) -> Result<()> {
        let mut writer = lock(&self.writer);
        let old = writer.identity.personal_space.clone();
        if old == space {
            return Ok(());
        }
        let tx = writer
            .conn
            .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        let pushed: bool = tx.query_row(
            "SELECT EXISTS (SELECT 1 FROM change_log WHERE space = ?1 AND synced = 1)",
            [&old],
            |r| r.get(0),
        )?;
        if pushed {
            return Err(crate::error::PphError::Conflict {
                reason: "this store already holds another account's synced records".into(),
            }
            .into());
        }
        tx.execute(
            "UPDATE change_log SET space = ?2 WHERE space = ?1",
            (&old, space),
        )?;
        tx.execute(
            "UPDATE meta SET value = ?1 WHERE key = 'personal_space'",
            [space],
        )?;
        tx.commit()?;
        writer.identity.personal_space = space.to_owned();
        Ok(())
    }

    pub(crate) fn now_ms(&self) -> u64 {
        self.clock.now_ms()
    }

    pub fn node(&self) -> &str {
        &self.node
    }

    /// Runs `f` in one immediate transaction on the writer connection: the
    /// domain rows and their change-log entries commit together or not at all.
    pub(crate) fn write<T>(&self, f: impl FnOnce(&mut WriteTx<'_>) -> Result<T>) -> Result<T> {
        let mut writer = lock(&self.writer);
        let Writer {
            conn,
            last_hlc,
            identity,
        } = &mut *writer;
        let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        let mut wtx = WriteTx::new(&tx, last_hlc.clone(), self.clock.now_ms(), identity);
        let out = f(&mut wtx)?;
        let stamped = wtx.into_last_hlc();
        tx.commit()?;
        *last_hlc = stamped;
        Ok(out)
    }

    /// Runs `f` on a read-only connection inside one read transaction, so
    /// everything it reads comes from the same committed snapshot.
    pub(crate) fn read<T>(&self, f: impl FnOnce(&Connection) -> Result<T>) -> Result<T> {
        let pooled = lock(&self.readers).pop();
        let conn = match pooled {
            Some(conn) => conn,
            None => open::open_reader(&self.path, &self.key)?,
        };
        let out = {
            let tx = conn.unchecked_transaction()?;
            let out = f(&tx);
            tx.finish()?;
            out
        };
        let mut idle = lock(&self.readers);
        if idle.len() < MAX_IDLE_READERS {
            idle.push(conn);
        }
        out
    }

    /// `PRAGMA integrity_check` on the writer connection.
    pub fn integrity_check(&self) -> Result<String> {
        let writer = lock(&self.writer);
        Ok(writer
            .conn
            .query_row("PRAGMA integrity_check", [], |r| r.get(0))?)
    }

    pub fn schema_version(&self) -> Result<u32> {
        migrations::user_version(&lock(&self.writer).conn)
    }
}

/// A panic inside a transaction rolls it back as it unwinds, so the
/// connection behind a poisoned lock is still sound.
pub(crate) fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}
