//! Helpers shared by the core's integration tests.
#![allow(dead_code)]

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

/// Checks a FHIR resource with FHIR.js, an independent R4 validator
/// (scripts/fhir/validate.js, installed by scripts/install-test-tools.sh):
/// structure, cardinality, types and required value sets. Without the
/// validator installed (`PPH_FHIR_NODE_PATH` unset) it says so loudly.
pub fn validate_fhir(resource: &serde_json::Value) {
    let Some(node_path) = std::env::var_os("PPH_FHIR_NODE_PATH") else {
        use std::io::Write;
        let _ = writeln!(
            std::io::stderr(),
            "FHIR validation NOT RUN: PPH_FHIR_NODE_PATH is not set (scripts/test.sh sets it)"
        );
        return;
    };
    let dir = tempfile::tempdir().expect("tempdir");
    let file = dir.path().join("resource.json");
    std::fs::write(&file, resource.to_string()).expect("write");
    let script = std::env::var_os("CARGO_MANIFEST_DIR")
        .map(PathBuf::from)
        .expect("run by cargo")
        .join("../scripts/fhir/validate.js");
    let output = std::process::Command::new("node")
        .arg(script)
        .arg(&file)
        .env("NODE_PATH", node_path)
        .output()
        .expect("run node");
    let said = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "FHIR.js refuses the resource:\n{said}"
    );
}
