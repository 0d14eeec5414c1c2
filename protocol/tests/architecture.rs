//! The wire format's shape, checked over its `use` lines as the core's is:
//! no import cycle between its modules; the table of kinds and scopes
//! stands on nothing else of the protocol, so every other part (the
//! authorisation rules, the sealed values, the HTTP messages) can build on
//! it.

use pph_testing::{crate_import_graphs, cycle, ImportGraph};

fn graphs() -> (ImportGraph, ImportGraph) {
    crate_import_graphs(env!("CARGO_MANIFEST_DIR"))
}

#[test]
fn no_module_imports_itself_in_a_loop() {
    let (top, within) = graphs();
    assert_eq!(cycle(&top), None, "modules import each other: {top:#?}");
    assert_eq!(cycle(&within), None, "files of a module import each other");
}

#[test]
fn the_table_of_kinds_stands_alone() {
    let (top, _) = graphs();
    assert_eq!(
        top.get("kinds"),
        None,
        "kinds imports other parts of the protocol"
    );
}
