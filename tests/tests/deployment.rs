//! What deploy/ ships for an operator (docs/OPERATIONS.md): the systemd
//! unit verifies with systemd-analyze and keeps its hardening; the example
//! configuration passes `check-config`; the container's health check is a
//! command that answers for a serving relay and fails for a stopped one;
//! SIGTERM stops the relay gracefully; the Dockerfile builds in two stages
//! and runs as a user without privileges. (The image itself is not built
//! here: this machine reaches no container registry for its base images.)

use pph_testing::*;
use std::path::{Path, PathBuf};
use std::process::Command;

fn deploy(file: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../deploy")
        .join(file)
}

#[test]
fn the_systemd_unit_verifies_and_keeps_its_hardening() {
    let unit = std::fs::read_to_string(deploy("pph-server.service")).expect("unit");
    for directive in [
        "DynamicUser=yes",
        "ProtectSystem=strict",
        "NoNewPrivileges=yes",
        "ProtectHome=yes",
        "PrivateTmp=yes",
        "PrivateDevices=yes",
        "CapabilityBoundingSet=\n",
        "RestrictAddressFamilies=AF_INET AF_INET6 AF_UNIX",
        "SystemCallFilter=@system-service",
        "MemoryDenyWriteExecute=yes",
        "StateDirectory=pph-server",
        "UMask=0077",
        "check-config",
    ] {
        assert!(unit.contains(directive), "the unit lost {directive:?}");
    }
    // systemd-analyze wants the binary where the unit says: this build's.
    let dir = tempfile::tempdir().expect("dir");
    let here = dir.path().join("pph-server.service");
    let binary = built("e2e_server").to_string_lossy().into_owned();
    std::fs::write(&here, unit.replace("/usr/local/bin/pph-server", &binary)).expect("unit");
    let out = Command::new("systemd-analyze")
        .arg("verify")
        .arg(&here)
        .output()
        .expect("systemd-analyze (scripts/install-test-tools.sh installs it)");
    let said = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{said}");
    // It warns, and exits 0, for a key it does not know or a value it
    // cannot parse: each would be a hardening line that does nothing.
    assert!(
        !said.contains(&*here.to_string_lossy()),
        "systemd-analyze warns about the unit: {said}"
    );
}

#[test]
fn the_example_configuration_passes_check_config() {
    let dir = tempfile::tempdir().expect("dir");
    let out = Command::new(built("e2e_server"))
        .args(["--config", &deploy("pph-server.toml").to_string_lossy()])
        // Its paths, here.
        .env("PPH_SQLITE", dir.path().join("relay.db"))
        .env("PPH_SECRET_FILE", dir.path().join("relay.secret"))
        .env("PPH_MAIL_DIR", dir.path().join("mail"))
        .arg("check-config")
        .output()
        .expect("check-config");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

fn health(address: &str) -> bool {
    Command::new(built("e2e_server"))
        .args(["health", "--address", address])
        .status()
        .expect("health")
        .success()
}

#[test]
fn the_health_check_answers_for_a_serving_relay_and_sigterm_stops_it_gracefully() {
    let dir = tempfile::tempdir().expect("dir");
    let log = dir.path().join("relay.log");
    let mut server = ServerProcess::start_logging(dir.path(), &log);
    let address = server.url.trim_start_matches("http://").to_owned();
    assert!(health(&address), "a serving relay is not healthy");
    let status = server.terminate();
    assert!(status.success(), "SIGTERM ended it with {status}");
    let said = std::fs::read_to_string(&log).expect("log");
    assert!(
        said.contains("asked to stop") && said.contains("stopped"),
        "{said}"
    );
    assert!(!health(&address), "a stopped relay is healthy");
}

/// A client that sends half a request and waits holds a stop up for the
/// grace only, not until a container runtime kills the relay (the
/// twenty-eighth attacker run kept one from stopping for as long as it
/// liked).
#[test]
fn a_client_that_never_finishes_its_request_holds_no_stop_up() {
    use std::io::Write;
    let dir = tempfile::tempdir().expect("dir");
    let log = dir.path().join("relay.log");
    let mut server = ServerProcess::start_logging(dir.path(), &log);
    let address = server.url.trim_start_matches("http://").to_owned();
    let mut slow = std::net::TcpStream::connect(&address).expect("connect");
    slow.write_all(b"POST /v1/changes HTTP/1.1\r\nHost: relay\r\nContent-Le")
        .expect("half a request");
    assert!(health(&address), "the relay serves others meanwhile");
    let status = server.terminate();
    assert!(status.success(), "SIGTERM ended it with {status}");
    let said = std::fs::read_to_string(&log).expect("log");
    assert!(said.contains("stopping without them"), "{said}");
    drop(slow);
}

#[test]
fn the_dockerfile_builds_in_two_stages_and_runs_without_privileges() {
    let file = std::fs::read_to_string(deploy("Dockerfile")).expect("Dockerfile");
    let lines: Vec<&str> = file.lines().map(str::trim).collect();
    let stages = lines.iter().filter(|l| l.starts_with("FROM ")).count();
    assert_eq!(stages, 2, "a build stage and a runtime stage");
    assert!(file.contains("--locked"), "built from Cargo.lock");
    let user = lines
        .iter()
        .rev()
        .find_map(|l| l.strip_prefix("USER "))
        .expect("a USER");
    let uid: u32 = user
        .split(':')
        .next()
        .and_then(|u| u.parse().ok())
        .expect("a numeric user");
    assert_ne!(uid, 0, "the relay runs as root");
    assert!(
        file.contains(r#"CMD ["/usr/local/bin/pph-server", "health""#),
        "the health check is the relay's own probe"
    );
    assert!(
        !file.contains("PPH_SMTP_URL") && !file.contains("PPH_DATABASE_URL"),
        "a secret baked in"
    );
    let ignored = std::fs::read_to_string(deploy("../.dockerignore")).expect(".dockerignore");
    assert!(ignored.lines().any(|l| l == "target/") && ignored.lines().any(|l| l == ".git/"));
}
