//! Reading the workspace's own source for the architecture tests: its Rust
//! files, and the structs that derive `Debug` with their fields' names.

use std::path::{Path, PathBuf};

/// Every `.rs` file under `dir`, in a stable order.
pub fn rust_files(dir: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    let mut dirs = vec![dir.to_owned()];
    while let Some(dir) = dirs.pop() {
        for entry in std::fs::read_dir(&dir).expect("read source dir") {
            let path = entry.expect("entry").path();
            if path.is_dir() {
                dirs.push(path);
            } else if path.extension().is_some_and(|e| e == "rs") {
                files.push(path);
            }
        }
    }
    files.sort();
    files
}

/// A struct that derives `Debug`: its name and its fields' names.
#[derive(Debug)]
pub struct DebugStruct {
    pub name: String,
    pub fields: Vec<String>,
}

/// The structs in `text` whose one-line `#[derive(...)]` names `Debug`,
/// with the names of their named fields (rustfmt's layout: one per line).
pub fn structs_deriving_debug(text: &str) -> Vec<DebugStruct> {
    let lines: Vec<&str> = text.lines().map(str::trim).collect();
    let mut found = Vec::new();
    for (i, line) in lines.iter().enumerate() {
        let Some(derives) = line
            .strip_prefix("#[derive(")
            .and_then(|d| d.strip_suffix(")]"))
        else {
            continue;
        };
        if !derives.split(',').any(|d| d.trim() == "Debug") {
            continue;
        }
        let mut at = i + 1;
        while lines.get(at).is_some_and(|l| l.starts_with("#[")) {
            at += 1;
        }
        let Some(name) = lines
            .get(at)
            .and_then(|l| l.split_once("struct "))
            .and_then(|(_, rest)| rest.strip_suffix(" {"))
        else {
            continue;
        };
        let fields = lines[at + 1..]
            .iter()
            .take_while(|l| **l != "}")
            .filter_map(|l| {
                let l = l.strip_prefix("pub(crate) ").unwrap_or(l);
                let l = l.strip_prefix("pub ").unwrap_or(l);
                l.split_once(": ").map(|(f, _)| f.to_owned())
            })
            .filter(|f| f.chars().all(|c| c.is_ascii_alphanumeric() || c == '_'))
            .collect();
        found.push(DebugStruct {
            name: name.split('<').next().unwrap_or(name).to_owned(),
            fields,
        });
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_derived_struct_is_found_with_its_fields() {
        let text = "#[derive(Clone, Debug)]\n#[serde(x)]\npub struct A {\n    pub email: String,\n    \
                    /// doc: not a field\n    count: u32,\n}\n#[derive(Clone)]\npub struct B {\n    \
                    pub email: String,\n}\n";
        let found = structs_deriving_debug(text);
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].name, "A");
        assert_eq!(found[0].fields, ["email", "count"]);
    }
}
