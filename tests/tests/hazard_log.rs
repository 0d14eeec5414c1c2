//! The hazard log (docs/safety/HAZARD_LOG.md) names the tests that check
//! each control. This fails when a named test does not exist, so the log
//! cannot drift from the code; `scripts/check-hazard-log.py` then checks,
//! after the whole suite, that each one ran and passed.

use std::path::{Path, PathBuf};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("the workspace")
        .to_path_buf()
}

/// Every `path.rs::test::path` the log names.
fn named_tests(log: &str) -> Vec<(String, String)> {
    log.split('`')
        .skip(1)
        .step_by(2)
        .filter_map(|quoted| {
            let (file, test) = quoted.split_once(".rs::")?;
            let ok = |s: &str, extra: char| {
                !s.is_empty()
                    && s.chars()
                        .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == extra)
            };
            (ok(file, '/') && ok(test, ':')).then(|| (format!("{file}.rs"), test.to_owned()))
        })
        .collect()
}

#[test]
fn every_test_the_hazard_log_names_exists() {
    let log = std::fs::read_to_string(root().join("docs/safety/HAZARD_LOG.md")).expect("log");
    let named = named_tests(&log);
    assert!(named.len() >= 20, "too few tests named: {named:?}");
    let mut missing = Vec::new();
    for (file, test) in &named {
        let name = test.rsplit("::").next().expect("a name");
        let source = std::fs::read_to_string(root().join(file)).unwrap_or_default();
        if !source.contains(&format!("fn {name}(")) {
            missing.push(format!("{file}::{test}"));
        }
    }
    assert!(
        missing.is_empty(),
        "the hazard log names tests that do not exist: {missing:?}"
    );
}

#[test]
fn the_log_names_a_test_for_every_hazard() {
    let log = std::fs::read_to_string(root().join("docs/safety/HAZARD_LOG.md")).expect("log");
    for hazard in log.split("\n## H").skip(1) {
        let title = hazard.lines().next().unwrap_or_default();
        assert!(
            !named_tests(hazard).is_empty(),
            "hazard H{title} names no test"
        );
        for part in [
            "**Cause**",
            "**Effect**",
            "**Before controls**",
            "**Controls**",
            "**Residual**",
        ] {
            assert!(hazard.contains(part), "hazard H{title} has no {part}");
        }
    }
}
