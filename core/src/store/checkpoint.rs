//! Checkpoints the write-ahead log on a thread of its own. SQLite's automatic
//! checkpoint copies the log into the database file inside whichever commit
//! crosses its threshold, so that one write (often an import) pays for the
//! copying of everything before it. Here the commit only signals, and the
//! copy runs beside the next writes. A checkpoint is crash-safe whichever
//! connection runs it; one that cannot finish (a reader still needs older
//! pages) is simply tried again after a later commit.

use super::open::{self, RawKey};
use crate::error::{PphError, Result};
use rusqlite::Connection;
use std::path::Path;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::mpsc::{sync_channel, SyncSender};
use std::sync::Arc;
#[cfg(test)]
use std::sync::{Condvar, Mutex};
use std::thread::JoinHandle;

/// SQLite's own default threshold for an automatic checkpoint, in pages.
const CHECKPOINT_AFTER_PAGES: i32 = 1000;

pub(super) struct Checkpointer {
    thread: Option<JoinHandle<()>>,
    /// Pages (log frames) commits have written so far, for the benchmarks'
    /// pages-per-commit figures.
    frames: Arc<AtomicU64>,
    wake: SyncSender<()>,
    stop: Arc<AtomicBool>,
    /// Checkpoints run so far, for tests to wait on.
    #[cfg(test)]
    runs: Arc<(Mutex<u64>, Condvar)>,
}

impl Checkpointer {
    /// Takes over checkpointing from `writer`. Drop this before the writer:
    /// its connection must close first, so that the writer's close is the
    /// last one, which copies what is left of the log into the file and
    /// removes the log (with this connection still open, neither close did,
    /// and the next opener, even one with a wrong key, would have copied it).
    pub(super) fn start(path: &Path, key: &RawKey, writer: &mut Connection) -> Result<Self> {
        let conn = open::open_checkpointer(path, key)?;
        let (wake, woken) = sync_channel::<()>(1);
        let hook_wake = wake.clone();
        let frames = Arc::new(AtomicU64::new(0));
        let counted_frames = frames.clone();
        let mut in_log = 0;
        writer.wal_hook(Some(move |_: &mut rusqlite::hooks::Wal, pages: i32| {
            // `pages` is the log's length after this commit; a shorter log
            // than before means a checkpoint let it start again.
            let written = if pages > in_log {
                pages - in_log
            } else {
                pages
            };
            in_log = pages;
            counted_frames.fetch_add(written as u64, Ordering::Relaxed);
            if pages >= CHECKPOINT_AFTER_PAGES {
                // A full channel means a checkpoint is already due; a closed
                // one, that the store is closing. Neither fails the commit.
                let _ = hook_wake.try_send(());
            }
            Ok(())
        }))?;
        let stop = Arc::new(AtomicBool::new(false));
        let stopping = stop.clone();
        #[cfg(test)]
        let runs = Arc::new((Mutex::new(0), Condvar::new()));
        #[cfg(test)]
        let counted = runs.clone();
        let thread = std::thread::Builder::new()
            .name("pph-checkpoint".into())
            .spawn(move || {
                while woken.recv().is_ok() && !stopping.load(Ordering::SeqCst) {
                    // Busy or partial results are retried after a later commit.
                    let _ = conn.query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |_| Ok(()));
                    #[cfg(test)]
                    {
                        *super::lock(&counted.0) += 1;
                        counted.1.notify_all();
                    }
                }
            })
            .map_err(|_| PphError::Internal {
                reason: "could not start the checkpoint thread".into(),
            })?;
        Ok(Checkpointer {
            thread: Some(thread),
            frames,
            wake,
            stop,
            #[cfg(test)]
            runs,
        })
    }

    /// Pages written to the log by every commit so far.
    pub(super) fn frames_written(&self) -> u64 {
        self.frames.load(Ordering::Relaxed)
    }

    /// Blocks until at least `n` checkpoints have run.
    #[cfg(test)]
    pub(super) fn wait_for_runs(&self, n: u64) {
        let (count, changed) = &*self.runs;
        let mut runs = super::lock(count);
        while *runs < n {
            runs = changed.wait(runs).unwrap_or_else(|e| e.into_inner());
        }
    }
}

impl Drop for Checkpointer {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        // Blocks only while a wake is already queued, which the thread takes.
        let _ = self.wake.send(());
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::clock::SystemClock;
    use crate::store::Store;
    use std::sync::Arc;

    /// Each commit's pages are counted once: a one-row commit writes a few,
    /// a commit of many pages counts them all.
    #[test]
    fn pages_written_per_commit_are_counted() {
        let dir = tempfile::tempdir().expect("tempdir");
        let store = Store::open(
            &dir.path().join("f.db"),
            &[7; 32],
            "test",
            Arc::new(SystemClock),
        )
        .expect("open");
        store
            .write(|tx| Ok(tx.tx.execute_batch("CREATE TABLE f (v TEXT)")?))
            .expect("table");
        let before = store.wal_frames_written();
        store
            .write(|tx| {
                Ok(tx
                    .tx
                    .execute("INSERT INTO f (v) VALUES ('x')", [])
                    .map(|_| ())?)
            })
            .expect("row");
        let one_row = store.wal_frames_written() - before;
        assert!((1..=4).contains(&one_row), "{one_row}");
        let before = store.wal_frames_written();
        let page_sized = "y".repeat(4_000);
        store
            .write(|tx| {
                for _ in 0..50 {
                    tx.tx
                        .execute("INSERT INTO f (v) VALUES (?1)", [&page_sized])?;
                }
                Ok(())
            })
            .expect("rows");
        let many = store.wal_frames_written() - before;
        assert!(many >= 50, "{many}");
    }

    /// A commit past the threshold returns before the copy; the thread then
    /// moves the log's pages into the database file, and the data reads back
    /// after the store is closed and reopened.
    #[test]
    fn the_thread_copies_a_large_commit_into_the_database_file() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("c.db");
        let store = Store::open(&path, &[7; 32], "test", Arc::new(SystemClock)).expect("open");
        let size_before = std::fs::metadata(&path).expect("db").len();
        let payload = "x".repeat(3_000);
        store
            .write(|tx| {
                tx.tx.execute_batch("CREATE TABLE filler (v TEXT)")?;
                for _ in 0..2_000 {
                    tx.tx
                        .execute("INSERT INTO filler (v) VALUES (?1)", [&payload])?;
                }
                Ok(())
            })
            .expect("write");
        crate::store::lock(&store.checkpointer)
            .as_ref()
            .expect("running")
            .wait_for_runs(1);
        let size_after = std::fs::metadata(&path).expect("db").len();
        assert!(
            size_after > size_before + 4_000_000,
            "checkpointed into the file: {size_before} -> {size_after}"
        );
        drop(store);
        let store = Store::open(&path, &[7; 32], "test", Arc::new(SystemClock)).expect("reopen");
        let rows: i64 = store
            .read(|c| Ok(c.query_row("SELECT count(*) FROM filler", [], |r| r.get(0))?))
            .expect("count");
        assert_eq!(rows, 2_000);
    }
}
