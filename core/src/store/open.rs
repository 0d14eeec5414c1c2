//! Opening connections: keying, refusing what is not ours, pragmas, identity.

use super::Identity;
use crate::error::{PphError, Result};
use crate::ids::new_id;
use rusqlite::{Connection, OpenFlags};
use std::fs::File;
use std::io::Read;
use std::path::Path;
use std::sync::Once;
use zeroize::Zeroizing;

const PLAINTEXT_HEADER: &[u8; 16] = b"SQLite format 3\0";
const BUSY_TIMEOUT_MS: u32 = 5_000;
const STATEMENT_CACHE: usize = 64;

/// The raw 32-byte key as the hex literal SQLCipher takes (`x'…'`), which
/// skips its passphrase KDF; zeroed when dropped, and no `Debug`.
#[derive(Clone)]
pub(crate) struct RawKey(Zeroizing<String>);

impl RawKey {
    pub(crate) fn new(bytes: &[u8]) -> Result<Self> {
        if bytes.len() != 32 {
            return Err(PphError::validation("encryption_key", "must be exactly 32 bytes").into());
        }
        Ok(RawKey(Zeroizing::new(hex::encode(bytes))))
    }
}

/// Opens the writer: creates the file if absent; otherwise proves the key and
/// the schema version with reads only, before any pragma that writes.
pub(crate) fn open_writer(path: &Path, key: &RawKey) -> Result<Connection> {
    finish_sqlcipher_setup();
    let exists = check_existing_file(path)?;
    let mut flags = OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX;
    if !exists {
        flags |= OpenFlags::SQLITE_OPEN_CREATE;
    }
    let conn = Connection::open_with_flags(path, flags)?;
    apply_key(&conn, key)?;
    super::migrations::check_not_newer(&conn)?;
    conn.execute_batch(
        "PRAGMA journal_mode = WAL;
         PRAGMA synchronous = FULL;
         PRAGMA foreign_keys = ON;",
    )?;
    Ok(conn)
}

/// A read-write connection (creating nothing) that only checkpoints the
/// write-ahead log of a store the writer has already opened.
pub(crate) fn open_checkpointer(path: &Path, key: &RawKey) -> Result<Connection> {
    let conn = Connection::open_with_flags(
        path,
        OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )?;
    apply_key(&conn, key)?;
    Ok(conn)
}

/// A read-only connection to a store the writer has already opened.
pub(crate) fn open_reader(path: &Path, key: &RawKey) -> Result<Connection> {
    finish_sqlcipher_setup();
    let conn = Connection::open_with_flags(
        path,
        OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )?;
    apply_key(&conn, key)?;
    conn.execute_batch("PRAGMA foreign_keys = ON;")?;
    Ok(conn)
}

/// SQLite marks itself initialised before SQLCipher's own set-up (run just
/// after, outside SQLite's init mutex) completes; a thread keying a store in
/// that window gets "sqlcipher not initialized". The first opener in the
/// process runs the whole set-up here while every other opener waits. If it
/// fails, the real open that follows reports the error.
fn finish_sqlcipher_setup() {
    static SETUP: Once = Once::new();
    SETUP.call_once(|| {
        pph_sqlcipher_crypto::link();
        let _ = Connection::open_in_memory();
    });
}

/// Some(true) when a non-empty file is there. Plaintext SQLite files and files
/// that cannot be whole pages are refused without being opened.
fn check_existing_file(path: &Path) -> Result<bool> {
    let Ok(meta) = std::fs::metadata(path) else {
        return Ok(false);
    };
    if meta.len() == 0 {
        return Ok(false);
    }
    let mut header = [0u8; 16];
    let mut file = File::open(path)?;
    let read = file.read(&mut header)?;
    if read < header.len() || &header == PLAINTEXT_HEADER || meta.len() % 512 != 0 {
        return Err(PphError::NotADatabase.into());
    }
    Ok(true)
}

fn apply_key(conn: &Connection, key: &RawKey) -> Result<()> {
    // SQLCipher logs failed decryption to stderr; health apps print nothing.
    conn.execute_batch("PRAGMA cipher_log_level = NONE;")?;
    let pragma = Zeroizing::new(format!("PRAGMA key = \"x'{}'\";", key.0.as_str()));
    conn.execute_batch(&pragma)?;
    conn.busy_timeout(std::time::Duration::from_millis(u64::from(BUSY_TIMEOUT_MS)))?;
    conn.set_prepared_statement_cache_capacity(STATEMENT_CACHE);
    // The first read decrypts page 1: a wrong key fails here, having written nothing.
    conn.query_row("SELECT count(*) FROM sqlite_master", [], |r| {
        r.get::<_, i64>(0)
    })
    .map_err(|e| match e.sqlite_error_code() {
        Some(rusqlite::ErrorCode::NotADatabase) => PphError::WrongKey.into(),
        _ => crate::error::Error::from(e),
    })?;
    Ok(())
}

/// Creates the node id and personal space on first open, and records this
/// device's name for history.
pub(crate) fn ensure_identity(
    conn: &Connection,
    device_name: &str,
    now_ms: u64,
) -> Result<Identity> {
    let get = |key: &str| -> Result<Option<String>> {
        let mut stmt = conn.prepare_cached("SELECT value FROM meta WHERE key = ?1")?;
        let mut rows = stmt.query([key])?;
        Ok(match rows.next()? {
            Some(row) => Some(row.get(0)?),
            None => None,
        })
    };
    let identity = match (get("node")?, get("personal_space")?) {
        (Some(node), Some(personal_space)) => Identity {
            node,
            personal_space,
        },
        _ => {
            let identity = Identity {
                node: hex::encode(rand::random::<[u8; 8]>()),
                personal_space: new_id(),
            };
            conn.execute(
                "INSERT INTO meta (key, value) VALUES ('node', ?1), ('personal_space', ?2)",
                (&identity.node, &identity.personal_space),
            )?;
            identity
        }
    };
    conn.execute(
        "INSERT INTO devices (node, name, first_seen) VALUES (?1, ?2, ?3)
         ON CONFLICT (node) DO UPDATE SET name = excluded.name WHERE name <> excluded.name",
        (&identity.node, device_name, now_ms as i64),
    )?;
    Ok(identity)
}
