//! The relay under pressure, as real processes: a storm of sign-ins keeps
//! memory bounded and leaves signed-in requests answered; several servers
//! on one PostgreSQL share their limits and their changes; a refused large
//! body does not leave a broken connection behind; stored invite codes are
//! keyed with the server's secret.

use pph_core::*;
use pph_testing::*;
use serde_json::json;
use sha2::{Digest, Sha256};
use std::io::{Read, Write};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

/// The peak resident memory of a process, from /proc (Linux).
fn peak_rss_kib(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).expect("status");
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .expect("VmHWM")
}

async fn sign_in(client: &reqwest::Client, url: &str, email: &str, password: &str) -> u16 {
    client
        .post(format!("{url}/v1/sessions"))
        .json(
            &json!({"email": email, "password": password, "device_name": "x",
                      "node": "0123456789abcdef"}),
        )
        .send()
        .await
        .expect("send")
        .status()
        .as_u16()
}

/// 100 sign-ins at once with unknown emails (each an Argon2 hash of 19 MiB)
/// used to take the server past 2 GB. Hashes now wait their turn.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_storm_of_sign_ins_keeps_memory_bounded_and_others_answered() {
    let dir = tempfile::tempdir().expect("tempdir");
    let server = ServerProcess::start(dir.path());
    let _phone = signed_up(&server.url, dir.path(), "pat", "Pat", AccountRole::Patient).await;
    let token = token_for(&server.url, "pat@example.org").await;
    let done = Arc::new(AtomicUsize::new(0));
    let storm: Vec<_> = (0..100)
        .map(|i| {
            let (url, done) = (server.url.clone(), done.clone());
            tokio::spawn(async move {
                // Each from its own address, so the address limit does not
                // cut the storm short.
                let client = reqwest::Client::builder()
                    .local_address(std::net::IpAddr::from([
                        127,
                        1,
                        (i / 250) as u8,
                        (i % 250 + 1) as u8,
                    ]))
                    .build()
                    .expect("client");
                let status = sign_in(
                    &client,
                    &url,
                    &format!("nobody{i}@example.org"),
                    "wrong password!!",
                )
                .await;
                done.fetch_add(1, Ordering::SeqCst);
                status
            })
        })
        .collect();
    // While they queue, a signed-in request is answered, not made to wait
    // for every hash before it.
    while done.load(Ordering::SeqCst) == 0 {
        tokio::task::yield_now().await;
    }
    let spaces = reqwest::Client::new()
        .get(format!("{}/v1/spaces", server.url))
        .bearer_auth(&token)
        .send()
        .await
        .expect("spaces");
    assert_eq!(spaces.status().as_u16(), 200);
    let finished_by_then = done.load(Ordering::SeqCst);
    for t in storm {
        assert_eq!(t.await.expect("task"), 401);
    }
    assert!(
        finished_by_then < 100,
        "answered before the storm had passed ({finished_by_then} done)"
    );
    let peak_mib = peak_rss_kib(server.pid()) / 1024;
    assert!(peak_mib < 100, "peak memory {peak_mib} MiB");
}

/// Behind a load balancer: two server processes on one PostgreSQL. The
/// sign-in limit counts across both, and devices syncing through different
/// processes converge.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_servers_on_one_database_share_limits_and_changes() {
    let Some(relay) = Relay::postgres().await else {
        return;
    };
    let dir = tempfile::tempdir().expect("tempdir");
    let one = ServerProcess::start_on(&relay, dir.path());
    let two = ServerProcess::start_on(&relay, dir.path());
    let phone = signed_up(&one.url, dir.path(), "pat", "Pat", AccountRole::Patient).await;
    // Signed in through the other server.
    let tablet = signed_in(&two.url, dir.path(), "tablet", "pat@example.org").await;
    // The phone syncs through one, the tablet through two: they converge.
    let plan = phone
        .care_plans()
        .create_plan(NewPlan {
            title: "Through one".into(),
            what_matters: String::new(),
            next_review: None,
        })
        .expect("plan");
    phone.sync().sync_now().await.expect("phone via one");
    tablet.sync().sync_now().await.expect("tablet via two");
    tablet
        .care_plans()
        .update_plan(
            plan.id.clone(),
            PlanUpdate {
                title: Some("Edited through two".into()),
                ..Default::default()
            },
        )
        .expect("edit");
    tablet.sync().sync_now().await.expect("tablet via two");
    phone.sync().sync_now().await.expect("phone via one");
    for device in [&phone, &tablet] {
        assert_eq!(
            device
                .care_plans()
                .plan(plan.id.clone())
                .expect("plan")
                .info
                .title,
            "Edited through two"
        );
    }

    // Wrong passwords alternating between the servers: five in all.
    let client = reqwest::Client::new();
    let mut statuses = Vec::new();
    for i in 0..10 {
        let url = if i % 2 == 0 { &one.url } else { &two.url };
        statuses.push(sign_in(&client, url, "pat@example.org", "wrong password!!").await);
    }
    assert_eq!(statuses, [401, 401, 401, 401, 401, 429, 429, 429, 429, 429]);
    let err = device(dir.path(), "laptop")
        .account()
        .sign_in(two.url.clone(), "pat@example.org".into(), PASSWORD.into())
        .await
        .expect_err("held back on either server");
    assert!(matches!(err, PphError::RateLimited { .. }), "{err:?}");
}

/// A push refused before its body was read (a wrong token) answers at once
/// with `Connection: close`, so a client never reuses a connection the server
/// is about to drop; the relay reads and drops the rest of the body before
/// closing, so a client still sending gets the answer rather than a reset
/// connection, and its next request works.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_early_refusal_of_a_large_body_closes_the_connection_cleanly() {
    let dir = tempfile::tempdir().expect("tempdir");
    let server = ServerProcess::start(dir.path());
    let addr = server.url.trim_start_matches("http://").to_owned();
    let mut stream = std::net::TcpStream::connect(&addr).expect("connect");
    let body_len = 3 * 1024 * 1024;
    write!(
        stream,
        "POST /v1/changes HTTP/1.1\r\nHost: {addr}\r\nAuthorization: Bearer pph_wrong\r\n\
         Content-Type: application/json\r\nContent-Length: {body_len}\r\n\r\n{{\"changes\": ["
    )
    .expect("headers");
    stream
        .set_read_timeout(Some(std::time::Duration::from_secs(10)))
        .expect("timeout");
    let mut answer = vec![0u8; 4096];
    let n = stream
        .read(&mut answer)
        .expect("an answer before the body is sent");
    let head = String::from_utf8_lossy(&answer[..n]).to_lowercase();
    assert!(head.starts_with("http/1.1 401"), "{head}");
    assert!(head.contains("connection: close"), "{head}");

    let client = reqwest::Client::new();
    let big = json!({"changes": [], "padding": "x".repeat(body_len)});
    let refused = client
        .post(format!("{}/v1/changes", server.url))
        .bearer_auth("pph_wrong")
        .json(&big)
        .send()
        .await
        .expect("refused cleanly");
    assert_eq!(refused.status().as_u16(), 401);
    let health = client
        .get(format!("{}/v1/health", server.url))
        .send()
        .await
        .expect("the same client goes on");
    assert_eq!(health.status().as_u16(), 200);
}

/// A copy of the database alone does not give up invite codes: they are
/// stored as an HMAC under a secret kept beside it, not a plain hash.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn invite_codes_are_stored_keyed_with_the_servers_secret() {
    let dir = tempfile::tempdir().expect("tempdir");
    let server = ServerProcess::start(dir.path());
    let fac = signed_up(&server.url, dir.path(), "fac", "Fac", AccountRole::Patient).await;
    let group = fac
        .groups()
        .create_group(NewGroup {
            name: "Walkers".into(),
            purpose: String::new(),
            condition_focus: None,
        })
        .await
        .expect("group");
    let invite = fac
        .groups()
        .invite_code(group.id, in_ms(86_400_000))
        .await
        .expect("code");
    let conn = rusqlite::Connection::open(dir.path().join("server.db")).expect("server file");
    let stored: String = conn
        .query_row("SELECT code_hash FROM group_invites", [], |r| r.get(0))
        .expect("stored");
    let (relay_half, secret_half) =
        pph_testing::groups::admission::halves(&invite.code).expect("whole code");
    assert_ne!(stored, hex::encode(Sha256::digest(relay_half.as_bytes())));
    assert!(!stored.contains(&relay_half));
    // The code's secret half never reaches the relay: nowhere in its
    // files (the database and its write-ahead log).
    let kept: String = conn
        .query_row("SELECT invite FROM group_invites", [], |r| r.get(0))
        .expect("the signed invite is kept");
    assert!(kept.contains("verifier"), "{kept}");
    drop(conn);
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir.path()).expect("dir").flatten() {
        if entry.file_name().to_string_lossy().starts_with("server.db") {
            files.extend(std::fs::read(entry.path()).expect("file"));
        }
    }
    assert!(String::from_utf8_lossy(&files).contains(&kept[..40]));
    assert!(!String::from_utf8_lossy(&files).contains(secret_half.as_str()));
    let secret =
        std::fs::read_to_string(dir.path().join("server.db.secret")).expect("secret beside");
    assert_eq!(secret.trim().len(), 64);
}
