//! The shape of the code, checked: no import cycle between the core's
//! modules, nor between the files of one module; the domains never reach
//! into sync; and the core knows every kind of record the authorisation
//! table lists, and no other.

use pph_testing::{cycle, import_graphs, ImportGraph};
use std::collections::BTreeSet;
use std::path::Path;

fn graphs() -> (ImportGraph, ImportGraph) {
    import_graphs(&Path::new(env!("CARGO_MANIFEST_DIR")).join("src"))
}

#[test]
fn no_module_or_file_imports_itself_in_a_loop() {
    let (top, within) = graphs();
    assert_eq!(cycle(&top), None, "modules import each other: {top:#?}");
    assert_eq!(cycle(&within), None, "files of a module import each other");
}

#[test]
fn the_domains_never_reach_into_sync() {
    let (top, _) = graphs();
    for domain in ["care_plan", "diary", "budget", "groups", "store", "net"] {
        assert!(
            !top.get(domain).is_some_and(|t| t.contains("sync")),
            "{domain} imports sync"
        );
    }
    // The store stands on the foundations alone.
    assert!(
        top["store"]
            .iter()
            .all(|t| ["clock", "error", "ids", "time"].contains(&t.as_str())),
        "store imports {:?}",
        top["store"]
    );
}

#[test]
fn the_core_knows_every_kind_the_table_lists_and_no_other() {
    let table: BTreeSet<&str> = pph_protocol::kinds::KINDS.iter().map(|r| r.kind).collect();
    let core: BTreeSet<&str> = pph_core::sync::merge::KNOWN_KINDS.iter().copied().collect();
    assert_eq!(core, table);
}
