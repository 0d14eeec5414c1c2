//! Test helpers for every crate's tests and benchmarks, in one place:
//! encrypted stores, devices and the people using them, a real relay
//! process, the `pph` command, and an independent FHIR validator. The
//! end-to-end suites that use them live in `tests/tests`; the helper
//! processes they start in `src/bin`.

mod browser;
mod cli;
mod cluster;
mod fhir;
mod imports;
mod mail;
mod people;
mod proxy;
mod raw;
mod record;
mod relay;
mod service;
mod smtp;
mod source;
mod store;

pub use browser::*;
pub use cli::*;
pub use cluster::*;
pub use fhir::*;
pub use imports::*;
pub use mail::*;
pub use people::*;
/// The devices' cryptography, for tests that play a device over raw HTTP.
pub use pph_core::crypto;
pub use pph_core::groups;
pub use proxy::*;
pub use raw::*;
pub use record::*;
pub use relay::*;
pub use service::*;
pub use smtp::*;
pub use source::*;
pub use store::*;

use std::path::PathBuf;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// A fresh UUIDv7, the shape every id in the system has.
pub fn id() -> String {
    uuid::Uuid::now_v7().to_string()
}

/// Milliseconds since 1970 by the wall clock, as stamps carry them.
pub fn now_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .expect("clock")
        .as_millis() as u64
}

/// The whole millisecond `ms` milliseconds from now.
pub fn in_ms(ms: u64) -> SystemTime {
    UNIX_EPOCH + Duration::from_millis(now_ms() + ms)
}

/// A binary of this package (`e2e_server`, `e2e_pph`), built by cargo
/// beside the test or benchmark that is running.
pub fn built(name: &str) -> PathBuf {
    let exe = std::env::current_exe().expect("test executable");
    // target/<profile>/deps/<test> -> target/<profile>/<name>
    let dir = exe
        .parent()
        .and_then(|deps| deps.parent())
        .expect("a cargo target directory");
    let path = dir.join(name);
    assert!(
        path.exists(),
        "{} is not built (run through cargo)",
        path.display()
    );
    path
}
