//! `pph-server backup` and `restore`, for a relay on SQLite: a consistent
//! copy taken while the relay serves (`VACUUM INTO`: one read transaction,
//! so the copy is the database at one instant, every change acknowledged
//! before it began included), and a restore into an empty database only,
//! so a restore never overwrites what a relay acknowledged since.
//!
//! PostgreSQL has its own tools, which the operator runs (`pg_dump`,
//! `pg_restore`, base backups: docs/OPERATIONS.md); these commands say so.
//!
//! A backup holds what the database holds: emails, names, sealed values.
//! It is written readable by its owner alone; what deletion means for it
//! is in docs/RIGHTS.md.

use rusqlite::{Connection, OpenFlags};
use std::path::Path;

/// What a backup or a restore copied.
#[derive(Debug, PartialEq, Eq)]
pub struct Copied {
    pub bytes: u64,
    pub schema: i64,
    pub accounts: i64,
    pub changes: i64,
}

/// Copies the relay's SQLite file `db` into the new file `to`.
pub fn backup(db: &Path, to: &Path) -> Result<Copied, String> {
    if !db.exists() {
        return Err(format!("{}: no relay database there", db.display()));
    }
    let conn = open_read_only(db)?;
    relay_schema(&conn)?;
    // Absolute, so that SQLite never reads it as a URI (`file:…` wrote the
    // copy elsewhere, past the checks below: the twenty-eighth attacker
    // run), and UTF-8, checked before any file is made.
    let to = &std::path::absolute(to)
        .map_err(|e| format!("{}: cannot resolve: {}", to.display(), e.kind()))?;
    let path = to
        .to_str()
        .ok_or("the backup's path must be UTF-8")?
        .to_owned();
    // VACUUM INTO takes a file that is absent or empty: made empty here,
    // readable by its owner alone, and never over an existing one.
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    options.open(to).map_err(|e| {
        format!(
            "{}: cannot make the backup file: {}",
            to.display(),
            e.kind()
        )
    })?;
    if let Err(e) = conn.execute("VACUUM INTO ?1", [&path]) {
        let _ = std::fs::remove_file(to);
        return Err(format!("the copy failed: {e}"));
    }
    synced(to)?;
    describe(to)
}

/// Copies the backup `from` into the relay's SQLite file `db`, which must
/// be absent or hold no account (a relay started once and never used).
/// The relay must not be running on `db` meanwhile.
pub fn restore(from: &Path, db: &Path) -> Result<Copied, String> {
    let copied = describe(from)?;
    let source = open_read_only(from)?;
    let check: String = source
        .query_row("PRAGMA integrity_check", [], |r| r.get(0))
        .map_err(|e| format!("{}: cannot check the backup: {e}", from.display()))?;
    if check != "ok" {
        return Err(format!(
            "{}: the backup is damaged: {check}",
            from.display()
        ));
    }
    drop(source);
    if db.exists() {
        let target = open_read_only(db)?;
        let held: i64 = target
            .query_row(
                "SELECT (SELECT COUNT(*) FROM accounts) + (SELECT COUNT(*) FROM changes)",
                [],
                |r| r.get(0),
            )
            .unwrap_or(1);
        if held > 0 {
            return Err(format!(
                "{}: this database is not empty: restore into an empty one (move this one aside first); nothing was changed",
                db.display()
            ));
        }
        drop(target);
        refuse_in_use(db)?;
    }
    let staged = std::path::PathBuf::from(format!("{}.restoring", db.display()));
    let _ = std::fs::remove_file(&staged);
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut out = options
        .open(&staged)
        .map_err(|e| format!("{}: cannot write: {}", staged.display(), e.kind()))?;
    let mut input = std::fs::File::open(from)
        .map_err(|e| format!("{}: cannot read: {}", from.display(), e.kind()))?;
    std::io::copy(&mut input, &mut out)
        .map_err(|e| format!("{}: cannot write: {}", staged.display(), e.kind()))?;
    out.sync_all()
        .map_err(|e| format!("{}: cannot sync: {}", staged.display(), e.kind()))?;
    // An empty database's log and index go with it: the restored file
    // starts alone.
    for suffix in ["-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", db.display()));
    }
    std::fs::rename(&staged, db)
        .map_err(|e| format!("{}: cannot put in place: {}", db.display(), e.kind()))?;
    synced(db)?;
    Ok(copied)
}

/// Refuses a database another connection has open (a relay serving it):
/// leaving the write-ahead log needs every other connection closed, and
/// is asked without waiting. A restore under a running relay left it
/// answering every write with an error.
fn refuse_in_use(db: &Path) -> Result<(), String> {
    pph_sqlcipher_crypto::link();
    let in_use = || {
        format!(
            "{}: a relay (or another program) has this database open: stop it first; nothing was changed",
            db.display()
        )
    };
    let conn = Connection::open_with_flags(
        db,
        OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )
    .map_err(|e| format!("{}: cannot open: {e}", db.display()))?;
    let mode: String = conn
        .query_row("PRAGMA journal_mode = DELETE", [], |r| r.get(0))
        .map_err(|_| in_use())?;
    match mode.eq_ignore_ascii_case("delete") {
        true => Ok(()),
        false => Err(in_use()),
    }
}

fn open_read_only(path: &Path) -> Result<Connection, String> {
    // The relay's file is not encrypted, but SQLite here is SQLCipher,
    // which needs its crypto provider linked.
    pph_sqlcipher_crypto::link();
    let conn = Connection::open_with_flags(
        path,
        OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )
    .map_err(|e| format!("{}: cannot open: {e}", path.display()))?;
    conn.busy_timeout(std::time::Duration::from_secs(30))
        .map_err(|e| e.to_string())?;
    Ok(conn)
}

/// The file's schema version: refused when it is no relay's, or a newer
/// relay's than this one.
fn relay_schema(conn: &Connection) -> Result<i64, String> {
    let version: i64 = conn
        .query_row("SELECT MAX(version) FROM schema_migrations", [], |r| {
            r.get(0)
        })
        .map_err(|_| "this is not a relay's database".to_owned())?;
    let latest = crate::storage::latest_version();
    if version > latest {
        return Err(format!(
            "the database is at schema v{version}, newer than this relay's v{latest}: use the newer relay"
        ));
    }
    Ok(version)
}

fn describe(path: &Path) -> Result<Copied, String> {
    let conn = open_read_only(path)?;
    let schema = relay_schema(&conn)?;
    let count = |table: &str| -> Result<i64, String> {
        conn.query_row(&format!("SELECT COUNT(*) FROM {table}"), [], |r| r.get(0))
            .map_err(|e| format!("{}: cannot count: {e}", path.display()))
    };
    Ok(Copied {
        bytes: std::fs::metadata(path).map_err(|e| e.to_string())?.len(),
        schema,
        accounts: count("accounts")?,
        changes: count("changes")?,
    })
}

/// Syncs the file and its directory: a backup or a restore said done is
/// on disk.
fn synced(path: &Path) -> Result<(), String> {
    std::fs::File::open(path)
        .and_then(|f| f.sync_all())
        .map_err(|e| format!("{}: cannot sync: {}", path.display(), e.kind()))?;
    if let Some(dir) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::File::open(dir)
            .and_then(|d| d.sync_all())
            .map_err(|e| format!("{}: cannot sync: {}", dir.display(), e.kind()))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_backup_restores_only_into_an_empty_database_and_never_over_a_file() {
        let dir = tempfile::tempdir().expect("dir");
        let db = dir.path().join("relay.db");
        crate::storage::Storage::open_sqlite(&db).expect("relay");
        let conn = Connection::open(&db).expect("open");
        conn.execute(
            "INSERT INTO accounts (id, email, display_name, role, personal_space, password_hash, created_ms)
             VALUES ('a', 'a@example.org', 'A', 'patient', 's', 'h', 1)",
            [],
        )
        .expect("account");
        let to = dir.path().join("backup.db");
        let copied = backup(&db, &to).expect("backup");
        assert_eq!(
            (copied.accounts, copied.schema),
            (1, crate::storage::latest_version())
        );
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&to).expect("meta").permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        assert!(backup(&db, &to).is_err(), "a backup went over a file");
        // An empty database a relay serves is not restored into.
        let served_path = dir.path().join("served.db");
        let served = crate::storage::Storage::open_sqlite(&served_path).expect("serving");
        let refused = restore(&to, &served_path).expect_err("restored under a relay");
        assert!(refused.contains("stop it first"), "{refused}");
        drop(served);
        assert!(
            restore(&to, &db).is_err(),
            "a restore went over a used database"
        );
        let fresh = dir.path().join("fresh.db");
        assert_eq!(restore(&to, &fresh).expect("restore").accounts, 1);
        let not_relay = dir.path().join("other.db");
        Connection::open(&not_relay)
            .expect("other")
            .execute("CREATE TABLE t (x)", [])
            .expect("table");
        assert!(backup(&not_relay, &dir.path().join("b2.db")).is_err());
        assert!(restore(&not_relay, &dir.path().join("r2.db")).is_err());
        assert!(
            !dir.path().join("r2.db").exists(),
            "a refused restore made a file"
        );
    }
}
