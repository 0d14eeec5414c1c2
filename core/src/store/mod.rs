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
pub(crate) use account::{Session, TokenSwap};
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
    checkpointer: Mutex<Option<checkpoint::Checkpointer>>,
    readers: Mutex<Vec<Connection>>,
    writer: Mutex<Writer>,
    clock: Arc<dyn Clock>,
    node: String,
    /// Set by `erase`: every later read or write is refused.
    erased: std::sync::atomic::AtomicBool,
}

/// The files a store at `path` may have on disk: the database, its
/// write-ahead log, the log's index and a rollback journal.
fn store_files(path: &Path) -> Vec<PathBuf> {
    ["", "-wal", "-shm", "-journal"]
        .iter()
        .map(|suffix| PathBuf::from(format!("{}{suffix}", path.display())))
        .collect()
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
            checkpointer: Mutex::new(Some(checkpointer)),
            erased: std::sync::atomic::AtomicBool::new(false),
            readers: Mutex::new(Vec::new()),
            writer: Mutex::new(Writer {
                conn,
                last_hlc,
                identity,
            }),
            clock,
        })
    }

    /// Pages (write-ahead log frames) every commit so far has written: how
    /// the benchmarks count pages per commit.
    pub fn wal_frames_written(&self) -> u64 {
        lock(&self.checkpointer)
            .as_ref()
            .map_or(0, checkpoint::Checkpointer::frames_written)
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
        self.check_open()?;
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

    fn check_open(&self) -> Result<()> {
        if self.erased.load(std::sync::atomic::Ordering::SeqCst) {
            return Err(crate::error::PphError::Storage {
                reason: "this store was erased; open a new one".into(),
            }
            .into());
        }
        Ok(())
    }

    /// Closes every connection and deletes the store's files (database,
    /// write-ahead log and its index); every later call on this store is
    /// refused. Returns the files deleted. What was in them stays
    /// unreadable once the shell deletes the key (the file was encrypted).
    pub(crate) fn erase(&self) -> Result<Vec<String>> {
        let mut writer = lock(&self.writer);
        self.erased.store(true, std::sync::atomic::Ordering::SeqCst);
        // The checkpointer's connection closes first, then the readers',
        // then the writer's (swapped for one holding nothing).
        drop(lock(&self.checkpointer).take());
        lock(&self.readers).clear();
        drop(std::mem::replace(
            &mut writer.conn,
            Connection::open_in_memory()?,
        ));
        let mut deleted = Vec::new();
        for file in store_files(&self.path) {
            match std::fs::remove_file(&file) {
                Ok(()) => deleted.push(file.display().to_string()),
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                Err(e) => return Err(e.into()),
            }
        }
        Ok(deleted)
    }

    /// Runs `f` in one immediate transaction on the writer connection: the
    /// domain rows and their change-log entries commit together or not at all.
    pub(crate) fn write<T>(&self, f: impl FnOnce(&mut WriteTx<'_>) -> Result<T>) -> Result<T> {
        self.check_open()?;
        let mut writer = lock(&self.writer);
        let Writer {
            conn,
            last_hlc,
            identity,
        } = &mut *writer;
        let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        let mut wtx = WriteTx::new(&tx, last_hlc.clone(), self.clock.now_ms(), identity);
        let out = f(&mut wtx)?;
        let (stamped, received) = wtx.finish();
        if received {
            change_log::keep_received(&tx, &stamped)?;
        }
        tx.commit()?;
        *last_hlc = stamped;
        Ok(out)
    }

    /// Runs `f` on a read-only connection inside one read transaction, so
    /// everything it reads comes from the same committed snapshot.
    pub(crate) fn read<T>(&self, f: impl FnOnce(&Connection) -> Result<T>) -> Result<T> {
        self.check_open()?;
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
        self.check_open()?;
        let writer = lock(&self.writer);
        Ok(writer
            .conn
            .query_row("PRAGMA integrity_check", [], |r| r.get(0))?)
    }

    pub fn schema_version(&self) -> Result<u32> {
        self.check_open()?;
        migrations::user_version(&lock(&self.writer).conn)
    }
}

/// A panic inside a transaction rolls it back as it unwinds, so the
/// connection behind a poisoned lock is still sound.
pub(crate) fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}
