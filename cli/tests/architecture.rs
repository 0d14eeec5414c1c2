//! The shell's layers, checked from its `use` lines: the tour's scenes
//! call the commands, the commands show through `render`, and nothing
//! imports upwards or in a loop.

use pph_testing::{cycle, import_graphs};
use std::path::Path;

#[test]
fn the_shell_is_layered_without_loops() {
    let (top, within) = import_graphs(&Path::new(env!("CARGO_MANIFEST_DIR")).join("src"));
    assert_eq!(cycle(&top), None, "modules import each other: {top:#?}");
    assert_eq!(cycle(&within), None, "files of a module import each other");
    // Each layer may use only those below it.
    let layers: [(&str, &[&str]); 6] = [
        ("tour", &["cmd", "render", "ctx", "out", "fail", "parse"]),
        ("cmd", &["render", "web", "ctx", "out", "fail", "parse"]),
        // The clinic view's server: the core's pages, nothing of the shell.
        ("web", &[]),
        ("render", &["ctx", "out", "fail"]),
        ("ctx", &["out", "fail", "key"]),
        ("parse", &["fail"]),
    ];
    for (module, allowed) in layers {
        let uses = top.get(module).cloned().unwrap_or_default();
        let beyond: Vec<&String> = uses
            .iter()
            .filter(|u| !allowed.contains(&u.as_str()))
            .collect();
        assert!(beyond.is_empty(), "{module} imports {beyond:?}");
    }
    // Every scene file is a sibling of the others, never an importer of one.
    let scenes: Vec<_> = within
        .iter()
        .filter(|(from, to)| {
            from.starts_with("tour::") && to.iter().any(|t| t.starts_with("tour::") && t != "tour")
        })
        .collect();
    assert!(scenes.is_empty(), "scenes import each other: {scenes:?}");
}
