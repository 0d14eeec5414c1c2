//! An independent check of the FHIR the core exports.

use std::path::Path;

/// Checks a FHIR resource with FHIR.js, an independent R4 validator
/// (scripts/fhir/validate.js, installed by scripts/install-test-tools.sh):
/// structure, cardinality, types and required value sets. Without the
/// validator installed (`PPH_FHIR_NODE_PATH` unset) it skips loudly, and
/// fails under `CI=true` ([`crate::Service::get`]).
pub fn validate_fhir(resource: &serde_json::Value) {
    let Some(node_path) = crate::Service::FhirValidator.get() else {
        return;
    };
    let dir = tempfile::tempdir().expect("tempdir");
    let file = dir.path().join("resource.json");
    std::fs::write(&file, resource.to_string()).expect("write");
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("../scripts/fhir/validate.js");
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
