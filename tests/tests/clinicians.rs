//! Who may join and be trusted, on a real open relay process over SQLite
//! and over PostgreSQL: anyone can sign up as a clinician, under any email,
//! but a patient's share reaches only one the operator verified (`pph-server
//! admin verify-clinician`), however near their address is to a real
//! doctor's; an email with two `@`s is no email; the operator's refusals
//! are clean; and sign-ups from one address are limited (docs/SECURITY.md,
//! "Clinicians the operator vouches for").

use pph_core::*;
use pph_testing::*;
use std::path::Path;

const LOOK_ALIKE: &str = "dr.okafor@example.net";

async fn grant(ann: &Companion, email: &str) -> Result<Share, PphError> {
    ann.sharing()
        .grant_share(email.into(), vec![ShareScope::Diary], in_ms(3_600_000))
        .await
}

/// A patient's lookup of the clinician with `email`, as the relay answers.
async fn lookup(url: &str, token: &str, email: &str) -> reqwest::Response {
    reqwest::Client::new()
        .post(format!("{url}/v1/clinicians/lookup"))
        .bearer_auth(token)
        .json(&serde_json::json!({ "email": email }))
        .send()
        .await
        .expect("request")
}

/// What the relay tells a patient about the clinician with `email`.
async fn looked_up(url: &str, token: &str, email: &str) -> serde_json::Value {
    lookup(url, token, email).await.json().await.expect("json")
}

fn admin_ok(relay: &Relay, dir: &Path, args: &[&str]) -> String {
    let out = relay.admin(dir, args);
    let said = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(out.status.success(), "{args:?}: {said}");
    said
}

fn admin_refused(relay: &Relay, dir: &Path, args: &[&str]) -> String {
    let out = relay.admin(dir, args);
    assert!(!out.status.success(), "{args:?} was taken");
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// An open relay limits sign-ups per address: the eleventh from one place
/// in a quarter of an hour is refused with when to try again; another
/// address is not held back.
async fn sign_ups_from_one_address_are_limited(relay: Relay, dir: &Path) {
    let server = ServerProcess::start_open(&relay, dir);
    let sign_up = |n: usize, from: [u8; 4]| {
        let url = server.url.clone();
        async move {
            // Codes are asked from an address of their own (they are
            // limited per address too), two for each.
            let email = format!("p{n}@example.org");
            let asking = [127, 0, 0, 10 + (n % 2) as u8];
            let space = pph_testing::id();
            let code = pph_testing::raw_sign_up_code_from(&url, &email, &space, asking).await;
            reqwest::Client::builder()
                .local_address(std::net::IpAddr::from(from))
                .build()
                .expect("client")
                .post(format!("{url}/v1/accounts"))
                .json(&serde_json::json!({"email": email, "code": code,
                    "password": "an authentication key", "role": "patient",
                    "display_name": "P", "device_name": "phone", "node": "0123456789abcdef",
                    "personal_space": space,
                    "kdf": pph_protocol::kdf::Stretch::LEAST.with_salt(&[7; 16])}))
                .send()
                .await
                .expect("request")
        }
    };
    for n in 0..10 {
        assert_eq!(
            sign_up(n, [127, 0, 0, 1]).await.status(),
            201,
            "sign-up {n}"
        );
    }
    let refused = sign_up(10, [127, 0, 0, 1]).await;
    assert_eq!(refused.status(), 429);
    assert!(refused.headers().contains_key("retry-after"));
    assert_eq!(sign_up(11, [127, 0, 0, 2]).await.status(), 201);
}

async fn only_a_clinician_the_operator_vouches_for_receives_a_share(relay: Relay, dir: &Path) {
    let server = ServerProcess::start_open(&relay, dir);
    let url = &server.url;
    let ann = patient(&server, dir, "ann").await;
    let token = token_for(url, "ann@example.org").await;
    // A look-alike address, signed up as a clinician by anyone.
    let fake = device(dir, "fake");
    pph_testing::sign_up_with_mail(
        &fake,
        url,
        LOOK_ALIKE,
        PASSWORD,
        "Dr Okafor",
        AccountRole::Clinician,
    )
    .await
    .expect("sign up");
    assert_eq!(looked_up(url, &token, LOOK_ALIKE).await["verified"], false);
    let refused = grant(&ann, LOOK_ALIKE).await;
    assert!(
        matches!(&refused, Err(PphError::Forbidden { reason }) if reason.contains("not verified")),
        "{refused:?}"
    );
    assert!(ann.sharing().shares().await.expect("shares").is_empty());

    // The operator checks who it is and vouches for this one account.
    let said = admin_ok(&relay, dir, &["verify-clinician", "--email", LOOK_ALIKE]);
    assert!(
        !said.contains(LOOK_ALIKE),
        "the operator's log names no email: {said}"
    );
    assert_eq!(looked_up(url, &token, LOOK_ALIKE).await["verified"], true);
    grant(&ann, LOOK_ALIKE).await.expect("shared");
    fake.sync().sync_now().await.expect("sync");
    assert_eq!(fake.sharing().shared_with_me().expect("patients").len(), 1);

    // Unverified again: no new share reaches them.
    admin_ok(&relay, dir, &["unverify-clinician", "--email", LOOK_ALIKE]);
    let again = grant(&ann, LOOK_ALIKE).await;
    assert!(
        matches!(again, Err(PphError::Forbidden { .. })),
        "{again:?}"
    );

    // The real doctor's address, taken first by someone else, is no better:
    // only the operator's check of who it is counts.
    signed_up(url, dir, "doc", "Dr Doc", AccountRole::Clinician).await;
    let refused = grant(&ann, "doc@example.org").await;
    assert!(
        matches!(refused, Err(PphError::Forbidden { .. })),
        "{refused:?}"
    );
    // An address with two @s is no address (the twenty-second attacker run
    // signed up as dr.okafor@nhs.uk@example.org).
    let twice = pph_testing::sign_up_with_mail(
        &device(dir, "twice"),
        url,
        "dr.okafor@nhs.uk@example.org",
        PASSWORD,
        "Dr Okafor",
        AccountRole::Clinician,
    )
    .await;
    assert!(
        matches!(twice, Err(PphError::Validation { .. })),
        "{twice:?}"
    );

    // The operator's refusals say what is wrong and change nothing.
    let said = admin_refused(
        &relay,
        dir,
        &["verify-clinician", "--email", "ann@example.org"],
    );
    assert!(said.contains("no clinician account"), "{said}");
    for bad in ["nobody", "a@b@example.org"] {
        let said = admin_refused(&relay, dir, &["verify-clinician", "--email", bad]);
        assert!(said.contains("not an email"), "{bad:?}: {said}");
    }
    let refused = grant(&ann, LOOK_ALIKE).await;
    assert!(
        matches!(refused, Err(PphError::Forbidden { .. })),
        "{refused:?}"
    );
}

/// A patient looks up clinicians by email: as often as they like for ones
/// that exist, twenty misses in a quarter of an hour, then a refusal that
/// says when to try again (the twenty-sixth attacker run looked up 600
/// emails a second to find who had a clinician account).
async fn clinician_lookups_that_miss_are_limited(relay: Relay, dir: &Path) {
    let server = ServerProcess::start_open(&relay, dir);
    let url = &server.url;
    patient(&server, dir, "ann").await;
    signed_up(url, dir, "doc", "Dr Doc", AccountRole::Clinician).await;
    let token = token_for(url, "ann@example.org").await;
    for _ in 0..30 {
        assert_eq!(lookup(url, &token, "doc@example.org").await.status(), 200);
    }
    // A grant names an email too: its misses count with the lookups'
    // (the twenty-seventh attacker run probed through grants once lookups
    // were limited).
    let grant = |email: String| {
        let token = token.clone();
        async move {
            reqwest::Client::new()
                .post(format!("{url}/v1/shares"))
                .bearer_auth(token)
                .json(&serde_json::json!({
                    "clinician_email": email, "clinician_account": id(), "share_id": id(),
                    "scopes": ["care_plan"], "expires_at_ms": now_ms() + 3_600_000,
                    "signature": "AAAA"
                }))
                .send()
                .await
                .expect("request")
        }
    };
    for n in 0..10 {
        let status = grant(format!("guess{n}@example.org")).await.status();
        assert_eq!(status, 404, "{n}");
    }
    for n in 10..20 {
        let status = lookup(url, &token, &format!("guess{n}@example.org"))
            .await
            .status();
        assert_eq!(status, 404, "{n}");
    }
    let refused = lookup(url, &token, "guess20@example.org").await;
    assert_eq!(refused.status(), 429);
    assert!(refused.headers().contains_key("retry-after"));
    assert_eq!(grant("guess21@example.org".into()).await.status(), 429);
}

on_both_relays!(
    only_a_clinician_the_operator_vouches_for_receives_a_share,
    sign_ups_from_one_address_are_limited,
    clinician_lookups_that_miss_are_limited,
);
