//! Which b-tree each page a commit writes belongs to: the frames of the
//! newest commit in the write-ahead log (their headers are in the clear,
//! SQLCipher encrypts only the page), named afterwards through `dbstat`.

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};

const WAL_HEADER: usize = 32;
const FRAME_HEADER: usize = 24;

fn be32(b: &[u8], at: usize) -> u32 {
    u32::from_be_bytes([b[at], b[at + 1], b[at + 2], b[at + 3]])
}

/// Collects the pages of the newest commit, one call per commit.
pub struct CommitPages {
    wal: PathBuf,
    /// Page number -> how many commits wrote it.
    pub written: BTreeMap<u32, u64>,
    pub commits: u64,
}

impl CommitPages {
    pub fn new(db: &Path) -> Self {
        let mut wal = db.as_os_str().to_owned();
        wal.push("-wal");
        CommitPages {
            wal: wal.into(),
            written: BTreeMap::new(),
            commits: 0,
        }
    }

    /// Reads the log's valid frames (those carrying the header's salts) and
    /// counts the pages of the last commit among them.
    pub fn record_last_commit(&mut self) {
        let bytes = fs::read(&self.wal).expect("read wal");
        let page_size = be32(&bytes, 8) as usize;
        let (salt1, salt2) = (be32(&bytes, 16), be32(&bytes, 20));
        let mut pages = Vec::new();
        let mut last_commit = Vec::new();
        let mut at = WAL_HEADER;
        while at + FRAME_HEADER + page_size <= bytes.len() {
            if be32(&bytes, at + 8) != salt1 || be32(&bytes, at + 12) != salt2 {
                break;
            }
            pages.push(be32(&bytes, at));
            if be32(&bytes, at + 4) != 0 {
                last_commit = std::mem::take(&mut pages);
            }
            at += FRAME_HEADER + page_size;
        }
        for page in last_commit {
            *self.written.entry(page).or_default() += 1;
        }
        self.commits += 1;
    }

    /// Pages per commit by b-tree name, largest first.
    pub fn by_btree(&self, db: &Path, key: &[u8]) -> Vec<(String, f64)> {
        let conn = rusqlite::Connection::open(db).expect("open");
        conn.execute_batch(&format!("PRAGMA key = \"x'{}'\";", hex::encode(key)))
            .expect("key");
        let mut stmt = conn
            .prepare("SELECT pageno, name FROM dbstat")
            .expect("dbstat");
        let names: BTreeMap<u32, String> = stmt
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
            .expect("query")
            .collect::<rusqlite::Result<_>>()
            .expect("rows");
        let mut totals: BTreeMap<String, u64> = BTreeMap::new();
        for (page, n) in &self.written {
            let name = names.get(page).cloned().unwrap_or_else(|| "(free)".into());
            *totals.entry(name).or_default() += n;
        }
        let mut out: Vec<(String, f64)> = totals
            .into_iter()
            .map(|(name, n)| (name, n as f64 / self.commits as f64))
            .collect();
        out.sort_by(|a, b| b.1.total_cmp(&a.1));
        out
    }
}
