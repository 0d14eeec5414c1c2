//! The relay's shape, checked over its `use` lines as the core's is: no
//! import cycle between its modules nor between the files of one; the
//! storage and the rate limits sit below the API and never reach up into
//! it (a rate limit decides, the API answers); and each concern of the
//! storage is written once over `storage::db`, never against one backend.

use pph_testing::{crate_import_graphs, cycle, ImportGraph};

fn graphs() -> (ImportGraph, ImportGraph) {
    crate_import_graphs(env!("CARGO_MANIFEST_DIR"))
}

#[test]
fn no_module_or_file_imports_itself_in_a_loop() {
    let (top, within) = graphs();
    assert_eq!(cycle(&top), None, "modules import each other: {top:#?}");
    assert_eq!(
        cycle(&within),
        None,
        "files of a module import each other: {within:#?}"
    );
}

#[test]
fn the_storage_and_the_rate_limits_never_reach_into_the_api() {
    let (top, _) = graphs();
    for below in ["storage", "rate_limit", "credentials", "hashing"] {
        let reaches = top.get(below).cloned().unwrap_or_default();
        assert!(!reaches.contains("api"), "{below} imports the API");
    }
    let rate_limit = top.get("rate_limit").cloned().unwrap_or_default();
    assert!(
        rate_limit.is_empty(),
        "rate limits decide alone: {rate_limit:?}"
    );
}

#[test]
fn each_storage_concern_is_written_once_over_db() {
    let (_, within) = graphs();
    for concern in [
        "accounts",
        "attempts",
        "changes",
        "departure",
        "keys",
        "schema",
        "shares",
        "spaces",
    ] {
        let reaches = within
            .get(&format!("storage::{concern}"))
            .cloned()
            .unwrap_or_default();
        assert!(
            reaches.contains("storage::db"),
            "storage::{concern} does not run over db: {reaches:?}"
        );
        for backend in ["storage::sqlite", "storage::postgres"] {
            assert!(
                !reaches.contains(backend),
                "storage::{concern} reaches {backend}"
            );
        }
    }
}
