//! Encrypted stores on a manual clock, and raw looks inside their files.

use pph_core::clock::ManualClock;
use pph_core::{Companion, CompanionConfig};
use std::path::{Path, PathBuf};
use std::sync::Arc;

pub const KEY: [u8; 32] = [0x42; 32];
/// 2026-03-02T09:00:00Z, a Monday.
pub const T0_MS: u64 = 1_772_442_000_000;

pub fn config(path: &Path, key: &[u8]) -> CompanionConfig {
    CompanionConfig {
        db_path: path.to_string_lossy().into_owned(),
        encryption_key: key.to_vec(),
        device_name: "test phone".into(),
    }
}

pub struct TestStore {
    pub dir: tempfile::TempDir,
    pub path: PathBuf,
    pub clock: Arc<ManualClock>,
    pub companion: Arc<Companion>,
}

pub fn new_store() -> TestStore {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("store.db");
    let clock = Arc::new(ManualClock::new(T0_MS));
    let companion =
        Companion::open_with_clock(config(&path, &KEY), clock.clone()).expect("open store");
    TestStore {
        dir,
        path,
        clock,
        companion,
    }
}

pub fn file_bytes(path: &Path) -> Vec<u8> {
    std::fs::read(path).expect("read file")
}

/// The file opened with SQLCipher directly, bypassing the core.
pub fn raw_open(path: &Path, key: &[u8]) -> rusqlite::Connection {
    let conn = rusqlite::Connection::open(path).expect("raw open");
    conn.execute_batch(&format!("PRAGMA key = \"x'{}'\";", hex::encode(key)))
        .expect("key");
    conn
}

/// Reminder settings for someone in London who wants quiet nights
/// (22:00 to 07:00) and generic lock-screen text.
pub fn london_quiet_nights() -> pph_core::ReminderSettings {
    pph_core::ReminderSettings {
        time_zone: "Europe/London".into(),
        quiet_hours: Some(pph_core::QuietHours {
            start_minute: 22 * 60,
            end_minute: 7 * 60,
        }),
        detailed_text: false,
    }
}
