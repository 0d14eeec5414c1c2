//! SQLCipher finishes its process-wide set-up just after SQLite marks itself
//! initialised, so a second thread opening a store in that window used to
//! find the cipher "not initialised". This binary is its own process: the
//! stores below are the first SQLite use in it.

use pph_core::*;
use pph_testing::*;
use std::sync::{Arc, Barrier};

#[test]
fn stores_opened_at_once_by_the_first_threads_all_open() {
    const THREADS: usize = 16;
    let dir = tempfile::tempdir().expect("tempdir");
    let start = Arc::new(Barrier::new(THREADS));
    let handles: Vec<_> = (0..THREADS)
        .map(|i| {
            let path = dir.path().join(format!("s{i}.db"));
            let start = start.clone();
            std::thread::spawn(move || {
                start.wait();
                Companion::open(config(&path, &KEY)).map(|_| ())
            })
        })
        .collect();
    for handle in handles {
        handle.join().expect("thread").expect("open");
    }
}
