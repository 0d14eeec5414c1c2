//! The store's encryption is stock SQLCipher 4's format, proven both ways
//! against Debian's `sqlcipher` (SQLCipher 4 on OpenSSL, in the Debian root
//! scripts/install-sqlcipher.sh makes): a store written here, with its
//! write-ahead log, opens there with the raw key and passes its integrity
//! check; a file written there opens here, as a plain SQLCipher file and as
//! a store; a SQLCipher 3 file (SHA-1 HMACs, 1 KiB pages) is refused as a
//! wrong key and left as it was (docs/SECURITY.md).

use pph_core::*;
use pph_testing::*;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// A directory inside the Debian root, seen as `inside` from there.
struct Stock {
    root: PathBuf,
    dir: PathBuf,
    inside: String,
}

impl Stock {
    fn new() -> Option<Stock> {
        let root = PathBuf::from(Service::Sqlcipher.get()?);
        let name = format!("pph-sqlcipher-{}", uuid::Uuid::now_v7().simple());
        let dir = root.join("tmp").join(&name);
        std::fs::create_dir_all(&dir).expect("a directory in the root");
        Some(Stock {
            root,
            dir,
            inside: format!("/tmp/{name}"),
        })
    }

    fn path(&self, file: &str) -> PathBuf {
        self.dir.join(file)
    }

    /// Runs `script` in stock `sqlcipher` on `file`: its output lines but
    /// the `ok` that `PRAGMA key` answers, or its error output.
    fn run(&self, file: &str, script: &str) -> Result<Vec<String>, String> {
        let mut child = Command::new("chroot")
            .arg(&self.root)
            .arg("sqlcipher")
            .arg(format!("{}/{file}", self.inside))
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("run sqlcipher in the root");
        child
            .stdin
            .take()
            .expect("stdin")
            .write_all(script.as_bytes())
            .expect("write the script");
        let out = child.wait_with_output().expect("sqlcipher");
        let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
        if !out.status.success() || !stderr.trim().is_empty() {
            return Err(stderr);
        }
        Ok(String::from_utf8_lossy(&out.stdout)
            .lines()
            .filter(|l| *l != "ok")
            .map(str::to_owned)
            .collect())
    }
}

impl Drop for Stock {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn key_pragma() -> String {
    format!("PRAGMA key = \"x'{}'\";\n", hex::encode(KEY))
}

#[test]
fn a_store_written_here_with_its_wal_opens_in_stock_sqlcipher_intact() {
    let Some(stock) = Stock::new() else { return };
    let ours = stock.path("ours.db");
    let store = Companion::open(config(&ours, &KEY)).expect("open");
    a_plan(&store, "Written here");
    // Copied while the store is open and idle: the file and its log as a
    // crash would leave them, the last commit still in the log.
    let wal = std::fs::metadata(stock.path("ours.db-wal")).map_or(0, |m| m.len());
    assert!(wal > 0, "the commit is in the write-ahead log");
    std::fs::copy(&ours, stock.path("copy.db")).expect("copy");
    std::fs::copy(stock.path("ours.db-wal"), stock.path("copy.db-wal")).expect("copy the log");
    let script = format!(
        "{}PRAGMA cipher_integrity_check;\n\
         SELECT 'plans', count(*) FROM care_plans;\n\
         SELECT json_extract(doc, '$.title') FROM care_plans;\n",
        key_pragma()
    );
    assert_eq!(
        stock.run("copy.db", &script),
        Ok(vec!["plans|1".to_owned(), "Written here".to_owned()])
    );
    // The check can fail: another key opens nothing.
    let wrong = script.replace(&hex::encode(KEY), &"17".repeat(32));
    assert!(stock.run("copy.db", &wrong).is_err());
}

#[test]
fn a_file_stock_sqlcipher_writes_opens_here_and_becomes_a_store() {
    let Some(stock) = Stock::new() else { return };
    let made = stock.run(
        "theirs.db",
        &format!(
            "{}PRAGMA journal_mode = WAL;\n\
             CREATE TABLE note (v TEXT);\n\
             INSERT INTO note VALUES ('written by stock SQLCipher');\n",
            key_pragma()
        ),
    );
    assert_eq!(made, Ok(vec!["wal".to_owned()]));
    let path = stock.path("theirs.db");

    let conn = rusqlite::Connection::open(&path).expect("open");
    conn.execute_batch(&key_pragma()).expect("key");
    let v: String = conn
        .query_row("SELECT v FROM note", [], |r| r.get(0))
        .expect("read what stock SQLCipher wrote");
    assert_eq!(v, "written by stock SQLCipher");
    let faults: Vec<String> = conn
        .prepare("PRAGMA cipher_integrity_check")
        .expect("check")
        .query_map([], |r| r.get(0))
        .expect("rows")
        .collect::<Result<_, _>>()
        .expect("faults");
    assert_eq!(faults, Vec::<String>::new());
    drop(conn);

    // The same file opened as a store: migrated here, read there.
    let store = Companion::open(config(&path, &KEY)).expect("a store");
    a_plan(&store, "Written here, read there");
    drop(store);
    assert_eq!(
        stock.run(
            "theirs.db",
            &format!(
                "{}SELECT json_extract(doc, '$.title') FROM care_plans;\n",
                key_pragma()
            )
        ),
        Ok(vec!["Written here, read there".to_owned()])
    );
}

#[test]
fn a_sqlcipher_3_file_is_refused_as_a_wrong_key_and_left_as_it_was() {
    let Some(stock) = Stock::new() else { return };
    let made = stock.run(
        "v3.db",
        &format!(
            "{}PRAGMA cipher_compatibility = 3;\n\
             CREATE TABLE note (v TEXT);\nINSERT INTO note VALUES ('version 3');\n",
            key_pragma()
        ),
    );
    assert_eq!(made, Ok(vec![]));
    // It is SQLCipher 3's: stock SQLCipher 4 reads it only when told so.
    let read = |compatibility: &str| {
        stock.run(
            "v3.db",
            &format!("{}{compatibility}SELECT v FROM note;\n", key_pragma()),
        )
    };
    assert_eq!(
        read("PRAGMA cipher_compatibility = 3;\n"),
        Ok(vec!["version 3".to_owned()])
    );
    assert!(read("").is_err());
    let path = stock.path("v3.db");
    let before = std::fs::read(&path).expect("read");
    let opened = Companion::open(config(&path, &KEY));
    assert!(
        matches!(opened, Err(PphError::WrongKey)),
        "{:?}",
        opened.err()
    );
    assert_eq!(
        std::fs::read(&path).expect("read"),
        before,
        "left as it was"
    );
    assert!(!Path::new(&format!("{}-wal", path.display())).exists());
}
