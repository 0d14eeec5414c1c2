//! The embedded backend: one SQLite file in WAL mode, one writer connection
//! and a few read-only ones, calls on tokio's blocking pool. A push is one
//! IMMEDIATE transaction, so it is stored whole or not at all whatever
//! happens to the process; pulls and lookups run on the readers, so they
//! wait neither for a push nor for each other.

use super::db::{sqlite_now, Db};
use super::*;
use rusqlite::Connection;
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

/// Runs statements written once over `Db` in one IMMEDIATE transaction:
/// all of them or, on an error, none.
fn transaction<T>(
    conn: &mut Connection,
    f: impl AsyncFnOnce(&mut Db<'_>) -> Result<T>,
) -> Result<T> {
    // A panic that unwound out of an earlier write left its transaction
    // open on this connection.
    if !conn.is_autocommit() {
        conn.execute_batch("ROLLBACK")?;
    }
    conn.execute_batch("BEGIN IMMEDIATE")?;
    let out = sqlite_now(f(&mut Db::Sqlite(&mut *conn)));
    conn.execute_batch(if out.is_ok() { "COMMIT" } else { "ROLLBACK" })?;
    out
}

impl SqliteStorage {
    pub fn open(path: &Path) -> Result<Self> {
        // The relay's file is not encrypted (it holds sealed values), but
        // SQLite here is SQLCipher, which needs its crypto provider linked.
        pph_sqlcipher_crypto::link();
        // A new file is its owner's alone, and so are the write-ahead log
        // and shared-memory files SQLite makes with its mode.
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            let made = std::fs::OpenOptions::new()
                .write(true)
                .create_new(true)
                .mode(0o600)
                .open(path);
            if let Err(e) = made {
                if e.kind() != std::io::ErrorKind::AlreadyExists {
                    return Err(StorageError::Backend(format!(
                        "cannot make the database file: {}",
                        e.kind()
                    )));
                }
            }
        }
        let mut conn = Connection::open(path)?;
        // secure_delete: a deleted account's rows are zeroed in the file
        // and its write-ahead log, not left in free pages. The busy
        // timeout comes first: turning a new file to WAL takes it whole,
        // and a relay started beside another waits for it, not fails.
        conn.execute_batch(
            "PRAGMA busy_timeout = 5000;
             PRAGMA journal_mode = WAL;
             PRAGMA synchronous = FULL;
             PRAGMA foreign_keys = ON;
             PRAGMA secure_delete = ON;",
        )?;
        transaction(&mut conn, async |db| schema::refuse_newer(db).await)?;
        for (version, sql) in schema::steps() {
            transaction(&mut conn, async |db| {
                schema::apply_step(db, version, sql).await
            })?;
        }
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
        self.run(move |conn| transaction(conn, f)).await
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
            storage.db_read(async |db| super::super::schema::schema_version(db).await),
        )
        .await
        .expect("a read does not wait for the writer")
        .expect("version");
        assert_eq!(version, latest_version());
        let pulled = tokio::time::timeout(
            bound,
            storage.db_read(async |db| {
                super::super::changes::pull(db, "s", 0, 10, &Readable::ALL).await
            }),
        )
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
