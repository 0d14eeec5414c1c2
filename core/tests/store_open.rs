//! Opening stores: the right key works, everything else is refused with a
//! typed error and leaves the file exactly as it was.

use pph_core::{Companion, NewPlan, PphError};
use pph_testing::*;

fn plan(title: &str) -> NewPlan {
    NewPlan {
        title: title.into(),
        what_matters: "Being at home".into(),
        next_review: None,
    }
}

/// Closes the store cleanly so the file on disk is complete.
fn closed_store_with_a_plan() -> (tempfile::TempDir, std::path::PathBuf, String) {
    let t = new_store();
    let id = t
        .companion
        .care_plans()
        .create_plan(plan("Breathe easier"))
        .expect("create")
        .id;
    let TestStore { dir, path, .. } = t;
    (dir, path, id)
}

#[test]
fn reopening_with_the_right_key_finds_the_data() {
    let (_dir, path, id) = closed_store_with_a_plan();
    let again = Companion::open(config(&path, &KEY)).expect("reopen");
    assert_eq!(
        again.care_plans().plan(id).expect("plan").info.title,
        "Breathe easier"
    );
}

#[test]
fn the_file_is_encrypted_on_disk() {
    let (_dir, path, _) = closed_store_with_a_plan();
    let bytes = file_bytes(&path);
    assert!(!bytes.starts_with(b"SQLite format 3"));
    let text = String::from_utf8_lossy(&bytes);
    assert!(!text.contains("Breathe easier"));
}

#[test]
fn a_wrong_key_is_refused_and_the_file_is_untouched() {
    let (_dir, path, id) = closed_store_with_a_plan();
    let before = file_bytes(&path);
    let err = Companion::open(config(&path, &[0x43; 32])).err();
    assert_eq!(err, Some(PphError::WrongKey));
    assert_eq!(file_bytes(&path), before);
    // And the right key still opens it.
    let again = Companion::open(config(&path, &KEY)).expect("reopen");
    again.care_plans().plan(id).expect("plan intact");
}

#[test]
fn a_file_that_is_not_a_store_is_refused_and_kept() {
    let dir = tempfile::tempdir().expect("tempdir");
    let odd = dir.path().join("notes.txt");
    std::fs::write(&odd, b"shopping: milk, eggs\n").expect("write");
    assert_eq!(
        Companion::open(config(&odd, &KEY)).err(),
        Some(PphError::NotADatabase)
    );
    assert_eq!(file_bytes(&odd), b"shopping: milk, eggs\n");

    let random = dir.path().join("random.db");
    let noise: Vec<u8> = (0..8192u32)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
        .collect();
    std::fs::write(&random, &noise).expect("write");
    // Whole pages of noise look exactly like a store under another key.
    assert_eq!(
        Companion::open(config(&random, &KEY)).err(),
        Some(PphError::WrongKey)
    );
    assert_eq!(file_bytes(&random), noise);

    let plain = dir.path().join("plain.db");
    rusqlite_plain_db(&plain);
    let before = file_bytes(&plain);
    assert_eq!(
        Companion::open(config(&plain, &KEY)).err(),
        Some(PphError::NotADatabase)
    );
    assert_eq!(file_bytes(&plain), before);
}

/// An unencrypted SQLite file: the 16-byte header SQLite writes, padded to a page.
fn rusqlite_plain_db(path: &std::path::Path) {
    let mut bytes = b"SQLite format 3\0".to_vec();
    bytes.resize(4096, 0);
    std::fs::write(path, bytes).expect("write");
}

#[test]
fn a_store_from_a_newer_schema_is_refused_and_untouched() {
    let (_dir, path, _) = closed_store_with_a_plan();
    {
        let conn = rusqlite::Connection::open(&path).expect("open raw");
        conn.execute_batch(&format!(
            "PRAGMA key = \"x'{}'\"; PRAGMA user_version = 999;",
            hex::encode(KEY)
        ))
        .expect("bump version");
    }
    let before = file_bytes(&path);
    assert_eq!(
        Companion::open(config(&path, &KEY)).err(),
        Some(PphError::SchemaTooNew {
            found: 999,
            supported: pph_core::store::LATEST_VERSION
        })
    );
    assert_eq!(file_bytes(&path), before);
}

#[test]
fn keys_that_are_not_32_bytes_are_a_validation_error() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("store.db");
    for key in [&[][..], &[1u8; 16][..], &[1u8; 33][..]] {
        assert!(matches!(
            Companion::open(config(&path, key)).err(),
            Some(PphError::Validation { field, .. }) if field == "encryption_key"
        ));
    }
    assert!(!path.exists(), "no file is created for a refused key");
}

#[test]
fn readers_see_committed_writes_from_other_threads() {
    let t = new_store();
    let plans = t.companion.care_plans();
    std::thread::scope(|s| {
        let writer = s.spawn(|| {
            for i in 0..20 {
                plans
                    .create_plan(plan(&format!("plan {i}")))
                    .expect("create");
            }
        });
        let reader = s.spawn(|| {
            let mut last = 0;
            while last < 20 {
                let n = plans.list_plans().expect("list").len();
                assert!(n >= last, "a reader never sees the count go back");
                last = n;
                std::thread::yield_now();
            }
        });
        writer.join().expect("writer");
        reader.join().expect("reader");
    });
    assert_eq!(t.companion.store().integrity_check().expect("check"), "ok");
}

/// Closing copies the whole log into the file and removes it, whatever the
/// checkpoint thread and the readers were doing: a later opener (even one
/// with a wrong key) has nothing left to copy. Repeated because the order in
/// which the connections closed once decided it, about one close in ten.
#[test]
fn closing_leaves_one_complete_file() {
    for round in 0..50 {
        let (dir, path, id) = closed_store_with_a_plan();
        let again = Companion::open(config(&path, &KEY)).expect("reopen");
        again.care_plans().plan(id).expect("read through a reader");
        drop(again);
        let mut names: Vec<String> = std::fs::read_dir(dir.path())
            .expect("dir")
            .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        assert_eq!(names, vec!["store.db".to_string()], "round {round}");
    }
}
