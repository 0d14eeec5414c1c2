//! The relay serving TLS itself (`pph-server --tls-cert --tls-key`), as a
//! real process: it answers only over TLS, with the certificate it was
//! given; a renewed certificate written over the files is served from the
//! next connection, with no restart; files that no longer read leave the
//! served one in place, as does a named pipe, and a copy that keeps the old
//! size and times is taken; clients that connect and say nothing hold up no
//! one; and files that are not a certificate and its key stop it at start
//! with the reason (docs/SECURITY.md, "Transport").

use pph_testing::*;
use reqwest::StatusCode;
use std::io::Write;
use std::path::Path;
use std::time::Duration;

/// A self-signed certificate for this machine's loopback names, and its key.
fn certificate() -> (String, String) {
    let names = vec!["localhost".to_owned(), "127.0.0.1".to_owned()];
    let made = rcgen::generate_simple_self_signed(names).expect("certificate");
    (made.cert.pem(), made.key_pair.serialize_pem())
}

/// Writes `text` to `path` as a renewal would: a new file put in place.
fn put(path: &Path, text: &str) {
    let fresh = path.with_extension("new");
    std::fs::File::create(&fresh)
        .and_then(|mut f| f.write_all(text.as_bytes()))
        .expect("write");
    std::fs::rename(&fresh, path).expect("rename");
}

/// A client trusting `cert` alone, on a connection of its own each time
/// (so each request shakes hands anew).
fn trusting(cert: &str) -> reqwest::Client {
    reqwest::Client::builder()
        .tls_built_in_root_certs(false)
        .add_root_certificate(reqwest::Certificate::from_pem(cert.as_bytes()).expect("pem"))
        .pool_max_idle_per_host(0)
        // Shorter than the relay's handshake timeout: a relay that shook
        // hands one client at a time would fail this, not merely be slow.
        .timeout(Duration::from_secs(5))
        .build()
        .expect("client")
}

async fn health(client: &reqwest::Client, url: &str) -> Result<StatusCode, reqwest::Error> {
    Ok(client
        .get(format!("{url}/v1/health"))
        .send()
        .await?
        .status())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_relay_serves_tls_and_takes_a_renewed_certificate_without_a_restart() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (cert_path, key_path) = (dir.path().join("cert.pem"), dir.path().join("key.pem"));
    let (first, first_key) = certificate();
    put(&cert_path, &first);
    put(&key_path, &first_key);
    let (cert_arg, key_arg) = (cert_path.to_string_lossy(), key_path.to_string_lossy());
    let server = ServerProcess::start_with(
        &Relay::sqlite(dir.path()),
        dir.path(),
        &["--tls-cert", &cert_arg, "--tls-key", &key_arg],
    );
    let url = server.url.clone();
    assert!(url.starts_with("https://127.0.0.1:"), "{url}");

    assert_eq!(
        health(&trusting(&first), &url).await.ok(),
        Some(StatusCode::OK)
    );
    // A sign-up's first step, over TLS.
    let kdf = trusting(&first)
        .post(format!("{url}/v1/sessions/kdf"))
        .json(&serde_json::json!({"email": "ann@example.org"}))
        .send()
        .await
        .expect("kdf");
    assert_eq!(kdf.status(), StatusCode::OK);
    // No plain HTTP on the port, and no trust without the certificate.
    let plain = url.replace("https://", "http://");
    assert!(health(&reqwest::Client::new(), &plain).await.is_err());
    let (other, _) = certificate();
    assert!(health(&trusting(&other), &url).await.is_err());

    // Clients that connect and say nothing hold up no one, however many
    // (more than the 512 handshakes the relay once capped: attacker run 23).
    let address = url.trim_start_matches("https://").to_owned();
    let mut silent = Vec::new();
    for _ in 0..600 {
        silent.push(tokio::net::TcpStream::connect(&address).await.expect("tcp"));
    }
    assert_eq!(
        health(&trusting(&first), &url).await.ok(),
        Some(StatusCode::OK)
    );

    // Renewed: the next connection is served the new certificate.
    let (renewed, renewed_key) = certificate();
    put(&key_path, &renewed_key);
    put(&cert_path, &renewed);
    assert_eq!(
        health(&trusting(&renewed), &url).await.ok(),
        Some(StatusCode::OK)
    );
    assert!(health(&trusting(&first), &url).await.is_err());

    // A renewal that went wrong leaves the renewed certificate served; so
    // does a named pipe put in its place (read, it would hold the relay).
    put(&cert_path, "not a certificate");
    assert_eq!(
        health(&trusting(&renewed), &url).await.ok(),
        Some(StatusCode::OK)
    );
    std::fs::remove_file(&cert_path).expect("remove");
    let made = std::process::Command::new("mkfifo")
        .arg(&cert_path)
        .status()
        .expect("mkfifo");
    assert!(made.success());
    assert_eq!(
        health(&trusting(&renewed), &url).await.ok(),
        Some(StatusCode::OK)
    );
    std::fs::remove_file(&cert_path).expect("remove");
    put(&cert_path, &renewed);
    assert_eq!(
        health(&trusting(&renewed), &url).await.ok(),
        Some(StatusCode::OK)
    );

    // Copied over in place keeping the old size and times (`cp -p`): taken.
    let (copied, copied_key) = loop {
        let (cert, key) = certificate();
        if cert.len() == renewed.len() && key.len() == renewed_key.len() {
            break (cert, key);
        }
    };
    for (path, text) in [(&key_path, &copied_key), (&cert_path, &copied)] {
        let times = std::fs::metadata(path)
            .expect("meta")
            .modified()
            .expect("mtime");
        std::fs::write(path, text).expect("write in place");
        std::fs::File::options()
            .write(true)
            .open(path)
            .and_then(|f| f.set_modified(times))
            .expect("times kept");
    }
    assert_eq!(
        health(&trusting(&copied), &url).await.ok(),
        Some(StatusCode::OK)
    );
    drop(silent);
}

#[test]
fn files_that_are_not_a_certificate_and_its_key_stop_the_relay_at_start() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (cert, _) = certificate();
    let (_, other_key) = certificate();
    let (cert_path, key_path) = (dir.path().join("cert.pem"), dir.path().join("key.pem"));
    for (cert_text, key_text, says) in [
        ("not a certificate", other_key.as_str(), "no certificate"),
        (cert.as_str(), "not a key", "not a PEM private key"),
        (cert.as_str(), other_key.as_str(), "does not go with"),
    ] {
        put(&cert_path, cert_text);
        put(&key_path, key_text);
        let out = std::process::Command::new(built("e2e_server"))
            .args(["--listen", "127.0.0.1:0", "--sqlite"])
            .arg(dir.path().join("server.db"))
            .arg("--tls-cert")
            .arg(&cert_path)
            .arg("--tls-key")
            .arg(&key_path)
            .output()
            .expect("run");
        assert!(!out.status.success());
        let said = String::from_utf8_lossy(&out.stderr);
        assert!(said.contains(says), "{said}");
        assert!(
            !said.contains("not a key") && !said.contains("BEGIN"),
            "{said}"
        );
    }
}
