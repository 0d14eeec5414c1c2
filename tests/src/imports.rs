//! The import graph of a crate's sources, read from its `use` lines, for
//! tests that keep the layers apart and free of cycles.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

/// Each module's imports.
pub type ImportGraph = BTreeMap<String, BTreeSet<String>>;

/// Every source file by its module path (`sync::client`, `store`, ``).
fn modules(dir: &Path, prefix: &[String], out: &mut BTreeMap<Vec<String>, String>) {
    for entry in std::fs::read_dir(dir).expect("read src") {
        let path = entry.expect("entry").path();
        let name = path
            .file_stem()
            .and_then(|n| n.to_str())
            .expect("name")
            .to_owned();
        if path.is_dir() {
            let mut inner = prefix.to_vec();
            inner.push(name);
            modules(&path, &inner, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            let mut module = prefix.to_vec();
            if name != "mod" && name != "lib" {
                module.push(name);
            }
            out.insert(
                module,
                code_of(&std::fs::read_to_string(&path).expect("read")),
            );
        }
    }
}

/// What a file's shipped code says: without its tests (everything from the
/// first `#[cfg(test)]` on) and without comments, which may name a module
/// they do not import.
fn code_of(text: &str) -> String {
    let shipped = text.split("#[cfg(test)]").next().unwrap_or_default();
    shipped
        .lines()
        .map(|line| line.split("//").next().unwrap_or_default())
        .collect::<Vec<_>>()
        .join("\n")
}

/// The module paths a file's code names: `crate::a::b` and `super::c`
/// (with `use super::{c, d}` read as both), resolved against the files that
/// exist, without the file's own children (declared, not imported).
fn references(
    module: &[String],
    is_dir_module: bool,
    text: &str,
    known: &BTreeSet<Vec<String>>,
) -> BTreeSet<Vec<String>> {
    let parent: Vec<String> = if is_dir_module {
        module.to_vec()
    } else {
        module[..module.len().saturating_sub(1)].to_vec()
    };
    let mut paths: Vec<Vec<String>> = Vec::new();
    let words = |s: &str| -> Vec<String> {
        s.split("::")
            .map(|w| {
                w.trim_matches(|c: char| !(c.is_alphanumeric() || c == '_'))
                    .to_owned()
            })
            .collect()
    };
    for (start, anchor) in [("crate::", Vec::new()), ("super::", parent.clone())] {
        for (i, _) in text.match_indices(start) {
            let rest = &text[i + start.len()..];
            let end = rest
                .find(|c: char| !(c.is_alphanumeric() || c == '_' || c == ':' || c == '{'))
                .unwrap_or(rest.len());
            let path = &rest[..end];
            let (head, group) = match path.split_once('{') {
                Some((head, _)) => {
                    let close = rest.find('}').unwrap_or(rest.len());
                    let inside = &rest[head.len() + 1..close];
                    (head.trim_end_matches("::"), Some(inside))
                }
                None => (path, None),
            };
            let base: Vec<String> = anchor
                .iter()
                .cloned()
                .chain(words(head).into_iter().filter(|w| !w.is_empty()))
                .collect();
            match group {
                Some(inside) => {
                    for item in inside.split(',') {
                        let mut p = base.clone();
                        p.extend(words(item.trim()).into_iter().filter(|w| !w.is_empty()));
                        paths.push(p);
                    }
                }
                None => paths.push(base),
            }
        }
    }
    paths
        .into_iter()
        .filter_map(|p| {
            (0..=p.len())
                .rev()
                .map(|n| p[..n].to_vec())
                .find(|prefix| known.contains(prefix))
        })
        .filter(|target| target.as_slice() != module && !target.is_empty())
        .filter(|target| !(target.len() == module.len() + 1 && target.starts_with(module)))
        .collect()
}

/// A cycle in an import graph, if there is one, as the path around it.
pub fn cycle(graph: &ImportGraph) -> Option<Vec<String>> {
    fn visit(
        node: &str,
        graph: &ImportGraph,
        path: &mut Vec<String>,
        done: &mut BTreeSet<String>,
    ) -> Option<Vec<String>> {
        if let Some(i) = path.iter().position(|n| n == node) {
            let mut found = path[i..].to_vec();
            found.push(node.to_owned());
            return Some(found);
        }
        if done.contains(node) {
            return None;
        }
        path.push(node.to_owned());
        for next in graph.get(node).into_iter().flatten() {
            if let Some(c) = visit(next, graph, path, done) {
                return Some(c);
            }
        }
        path.pop();
        done.insert(node.to_owned());
        None
    }
    let mut done = BTreeSet::new();
    graph
        .keys()
        .find_map(|n| visit(n, graph, &mut Vec::new(), &mut done))
}

/// Who imports whom in a crate's `src`: between top-level modules, and
/// between the files of one module (`a::b` -> `a::c`). Test files and the
/// crate root (which wires everything) are left out.
pub fn import_graphs(src: &Path) -> (ImportGraph, ImportGraph) {
    let mut files = BTreeMap::new();
    modules(src, &[], &mut files);
    let known: BTreeSet<Vec<String>> = files.keys().cloned().collect();
    let mut top = ImportGraph::new();
    let mut within = ImportGraph::new();
    for (module, text) in &files {
        if module.is_empty() || module.last().is_some_and(|m| m.ends_with("tests")) {
            continue; // lib.rs wires everything; tests may reach anywhere
        }
        let is_dir = src.join(module.join("/")).is_dir();
        for target in references(module, is_dir, text, &known) {
            if target[0] != module[0] {
                top.entry(module[0].clone())
                    .or_default()
                    .insert(target[0].clone());
            } else {
                within
                    .entry(module.join("::"))
                    .or_default()
                    .insert(target.join("::"));
            }
        }
    }
    (top, within)
}

/// `import_graphs` of the crate whose manifest directory is given (each
/// crate's architecture test passes its own `CARGO_MANIFEST_DIR`).
pub fn crate_import_graphs(manifest_dir: &str) -> (ImportGraph, ImportGraph) {
    import_graphs(&Path::new(manifest_dir).join("src"))
}
