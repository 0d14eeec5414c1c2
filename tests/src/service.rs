//! The services some suites need beyond Rust (a PostgreSQL cluster, the
//! FHIR validator, a Swift toolchain, stock SQLCipher, HAProxy), each found through the environment
//! variable scripts/test.sh sets when it has started or installed it.
//!
//! Invariant: a suite never passes without running. Locally a missing
//! service skips the suite, loudly, with a `SUITE NOT RUN [name]` line that
//! scripts/suite-summary.py reads for the test script's closing lines;
//! under `CI=true` a missing service fails the suite instead (the unit
//! tests below keep the decision; they print no such line, which would
//! read as a skip).

use std::io::Write;

/// A service a suite needs, and how scripts/test.sh provides it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Service {
    /// A PostgreSQL cluster for the relay's second backend.
    Postgres,
    /// FHIR.js, the independent R4 validator for exported Bundles.
    FhirValidator,
    /// A Swift 6 toolchain in a Debian root, for the iOS state holders.
    Swift,
    /// Stock SQLCipher 4 (Debian's `sqlcipher`) in that root, for the
    /// store's interoperability suite.
    Sqlcipher,
    /// HAProxy (Debian's `haproxy`), the load balancer in front of several
    /// relays on one PostgreSQL.
    HaProxy,
}

impl Service {
    /// The name the suite summary uses.
    pub fn name(self) -> &'static str {
        match self {
            Service::Postgres => "PostgreSQL",
            Service::FhirValidator => "FHIR validator",
            Service::Swift => "Swift",
            Service::Sqlcipher => "SQLCipher",
            Service::HaProxy => "HAProxy",
        }
    }

    /// The environment variable that names the service when it is there.
    pub fn variable(self) -> &'static str {
        match self {
            Service::Postgres => "PPH_TEST_DATABASE_URL",
            Service::FhirValidator => "PPH_FHIR_NODE_PATH",
            Service::Swift => "PPH_SWIFT_ROOT",
            Service::Sqlcipher => "PPH_SQLCIPHER_ROOT",
            Service::HaProxy => "PPH_HAPROXY",
        }
    }

    /// What provides it.
    fn provider(self) -> &'static str {
        match self {
            Service::Postgres => "scripts/start-postgres.sh",
            Service::FhirValidator => "scripts/install-test-tools.sh",
            Service::Swift => "scripts/install-swift.sh",
            Service::Sqlcipher => "scripts/install-sqlcipher.sh",
            Service::HaProxy => "scripts/install-haproxy.sh",
        }
    }

    /// The service's value (a URL or a path), or None when it is missing
    /// and the suite may skip, having said so on stderr (past the test
    /// harness's capture, so a skipped suite is never silent). Under
    /// `CI=true` a missing service panics.
    pub fn get(self) -> Option<String> {
        match decide(self, std::env::var(self.variable()).ok(), on_ci()) {
            Ok(Some(value)) => Some(value),
            Ok(None) => {
                let _ = writeln!(
                    std::io::stderr(),
                    "SUITE NOT RUN [{}]: {} is not set ({} provides it)",
                    self.name(),
                    self.variable(),
                    self.provider()
                );
                None
            }
            Err(refusal) => panic!("{refusal}"),
        }
    }
}

/// Whether this run is CI's, which may skip nothing.
pub fn on_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| v == "true" || v == "1")
}

/// The pure decision behind [`Service::get`]: Ok(Some) to run, Ok(None) to
/// skip, Err to fail.
pub fn decide(service: Service, value: Option<String>, ci: bool) -> Result<Option<String>, String> {
    match value {
        Some(v) if !v.is_empty() => Ok(Some(v)),
        _ if ci => Err(format!(
            "{} is missing under CI=true ({} is not set): CI may not skip a suite; {} provides it",
            service.name(),
            service.variable(),
            service.provider()
        )),
        _ => Ok(None),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_present_service_runs_everywhere() {
        for ci in [false, true] {
            assert_eq!(
                decide(Service::Postgres, Some("postgres://x".into()), ci),
                Ok(Some("postgres://x".into()))
            );
        }
    }

    #[test]
    fn a_missing_service_skips_locally_and_fails_on_ci() {
        for value in [None, Some(String::new())] {
            assert_eq!(decide(Service::Swift, value.clone(), false), Ok(None));
            let refusal = decide(Service::Swift, value, true).expect_err("CI may not skip");
            assert!(refusal.contains("Swift") && refusal.contains("install-swift.sh"));
        }
    }
}
