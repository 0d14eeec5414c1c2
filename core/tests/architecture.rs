//! The shape of the code, checked: no import cycle between the core's
//! modules, nor between the files of one module; the domains never reach
//! into sync, nor sync into the account or sharing; and the core knows every kind of record the authorisation
//! table lists, and no other; and its lists are sorted through one sort.

use pph_testing::{crate_import_graphs, cycle, ImportGraph};
use std::collections::BTreeSet;
use std::path::Path;

fn graphs() -> (ImportGraph, ImportGraph) {
    crate_import_graphs(env!("CARGO_MANIFEST_DIR"))
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

/// The account and sharing objects act through sync's client state; sync,
/// and the pages the clinician reads, never reach back up to them, and
/// neither reaches into the other (ADR 17).
#[test]
fn sync_stands_below_the_account_and_sharing() {
    let (top, _) = graphs();
    let rules: [(&str, &[&str]); 4] = [
        ("sync", &["account", "sharing"]),
        ("report", &["account", "sharing"]),
        ("account", &["sharing"]),
        ("sharing", &["account"]),
    ];
    for (from, never) in rules {
        let reached: Vec<&&str> = never
            .iter()
            .filter(|to| top.get(from).is_some_and(|t| t.contains(**to)))
            .collect();
        assert!(reached.is_empty(), "{from} imports {reached:?}");
    }
    for room in ["account", "sharing"] {
        assert!(
            top.get(room).is_some_and(|t| t.contains("sync")),
            "{room} acts through sync, as the graph should show"
        );
    }
}

#[test]
fn the_core_knows_every_kind_the_table_lists_and_no_other() {
    let table: BTreeSet<&str> = pph_protocol::kinds::KINDS.iter().map(|r| r.kind).collect();
    let core: BTreeSet<&str> = pph_core::sync::merge::KNOWN_KINDS.iter().copied().collect();
    assert_eq!(core, table);
}

/// Every `sort_by` call site compiles its own copy of the standard stable
/// sort (several kilobytes in a library with a size budget), so the core's
/// lists are sorted through `order::sort_by` (docs/PERFORMANCE.md, "Sorting
/// through one sort"). Test code, before or after a `#[cfg(test)]`, may.
#[test]
fn the_core_sorts_through_one_sort() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = vec![src];
    let mut found = Vec::new();
    while let Some(path) = files.pop() {
        if path.is_dir() {
            let entries = std::fs::read_dir(&path).expect("read dir");
            files.extend(entries.map(|e| e.expect("entry").path()));
            continue;
        }
        let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
        if !name.ends_with(".rs") || name.ends_with("_tests.rs") || name == "order.rs" {
            continue;
        }
        let text = std::fs::read_to_string(&path).expect("read");
        let shipped = text.split("#[cfg(test)]").next().unwrap_or("");
        for (n, line) in shipped.lines().enumerate() {
            let sorts = [
                ".sort(",
                ".sort_by(",
                ".sort_by_key(",
                ".sort_by_cached_key(",
            ];
            if sorts.iter().any(|s| line.contains(s)) {
                found.push(format!("{}:{}", path.display(), n + 1));
            }
        }
    }
    assert_eq!(
        found,
        Vec::<String>::new(),
        "sort through crate::order instead"
    );
}

/// Field names that hold a person's words, names, email or health data, or
/// a secret: a type with one shows them in `Debug` only through
/// `pph_protocol::debug_without_secrets!` (its name alone), never a derive.
const PERSONAL_FIELDS: [&str; 18] = [
    "email",
    "name",
    "display_name",
    "note",
    "notes",
    "body",
    "text",
    "description",
    "title",
    "what_matters",
    "payee",
    "token",
    "password",
    "reach",
    "place",
    "target",
    "purpose",
    "outcome",
];

/// Types whose such fields name no person: instruments, categories and
/// labels that ship with the app, an adherence mark's outcome (a kind),
/// and the relay's changes, whose bodies are sealed.
const NOT_PERSONAL: [&str; 10] = [
    "QuestionnaireDefinition",
    "QuestionnaireItem",
    "SpendCategory",
    "SafetyRule",
    "KindCount",
    "ScoreBand",
    "Mark",
    "IncomingChange",
    "StoredChange",
    "Row",
];

/// Every struct deriving `Debug` in the core, the protocol and the relay,
/// with a field named for something personal: none may (the sentinel test
/// in tests/tests/sentinel.rs checks what the API hands back; this keeps a
/// new type from slipping past it).
#[test]
fn no_type_derives_debug_over_what_a_person_wrote_or_a_secret() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let mut offenders = Vec::new();
    let mut seen = 0;
    for dir in ["core/src", "protocol/src", "server/src"] {
        for file in pph_testing::rust_files(&root.join(dir)) {
            let text = std::fs::read_to_string(&file).expect("source");
            for found in pph_testing::structs_deriving_debug(&text) {
                seen += 1;
                if NOT_PERSONAL.contains(&found.name.as_str()) {
                    continue;
                }
                for f in &found.fields {
                    if PERSONAL_FIELDS.contains(&f.as_str()) {
                        offenders.push(format!("{}: {}.{f}", file.display(), found.name));
                    }
                }
            }
        }
    }
    assert!(
        seen > 100,
        "the scan found {seen} structs: it reads no source"
    );
    assert!(
        offenders.is_empty(),
        "types deriving Debug over personal fields:\n{}",
        offenders.join("\n")
    );
}
