//! Signing up proves the email (docs/adr/0025), on real relay processes
//! over SQLite and PostgreSQL: the relay mails a code, and a sign-up
//! without that email's live code is refused. An email with an account is
//! answered exactly as a new one, at both steps, status and body: its mail
//! says it has an account and carries no code. A code works once, for its
//! email only, for half an hour, for five guesses; codes are limited per
//! email and per address. Mail reaches a real SMTP server; a malformed or
//! wrong code changes nothing on the device.

use pph_core::*;
use pph_testing::*;
use reqwest::StatusCode;
use serde_json::{json, Value};
use std::path::Path;

/// A raw request's status and body, as bytes: what tells two answers apart.
async fn answer(resp: reqwest::Response) -> (StatusCode, Vec<u8>) {
    let status = resp.status();
    (status, resp.bytes().await.expect("body").to_vec())
}

async fn ask_code(url: &str, email: &str, from: [u8; 4]) -> (StatusCode, Vec<u8>) {
    let client = reqwest::Client::builder()
        .local_address(std::net::IpAddr::from(from))
        .build()
        .expect("client");
    answer(
        client
            .post(format!("{url}/v1/accounts/code"))
            .json(&json!({ "email": email }))
            .send()
            .await
            .expect("ask"),
    )
    .await
}

/// A raw sign-up of `email` with `code` (keys and secrets a device would
/// derive do not matter to what is tested here).
async fn sign_up_raw(url: &str, email: &str, code: &str) -> (StatusCode, Vec<u8>) {
    answer(
        reqwest::Client::new()
            .post(format!("{url}/v1/accounts"))
            .json(&json!({
                "email": email, "code": code, "password": "k".repeat(43), "role": "clinician",
                "display_name": "Dr", "device_name": "phone", "node": "0123456789abcdef",
                "personal_space": id(),
                "kdf": pph_protocol::kdf::Stretch::LEAST.with_salt(&[7; 16])
            }))
            .send()
            .await
            .expect("sign up"),
    )
    .await
}

/// Someone tries whether ann@ and a new address have accounts: each step
/// answers both alike, byte for byte. Ann's mail tells her, and only her.
async fn a_sign_up_for_an_existing_email_answers_as_a_new_one(relay: Relay, dir: &Path) {
    let server = ServerProcess::start_open(&relay, dir);
    let url = &server.url;
    patient(&server, dir, "ann").await;
    let (existing, new) = ("ann@example.org", "new@example.org");

    let asked = ask_code(url, existing, [127, 0, 0, 1]).await;
    assert_eq!(asked.0, StatusCode::ACCEPTED);
    assert_eq!(asked, ask_code(url, new, [127, 0, 0, 1]).await);

    let note = mail_to(url, existing).pop().expect("Ann is told");
    assert_eq!(note.code(), None, "{}", note.body);
    assert!(note.body.contains("has one"), "{}", note.body);
    let code = last_code(url, new).expect("a code for the new address");

    // Ann's email with any code, and the new email with a wrong one.
    let wrong = if code.starts_with('0') {
        "1111-1111"
    } else {
        "0000-0000"
    };
    let refused = sign_up_raw(url, existing, &code).await;
    assert_eq!(refused.0, StatusCode::FORBIDDEN);
    let body: Value = serde_json::from_slice(&refused.1).expect("json");
    assert_eq!(body["code"], "wrong_code", "{body}");
    assert_eq!(refused, sign_up_raw(url, new, wrong).await);
    assert_eq!(sign_up_raw(url, new, &code).await.0, StatusCode::CREATED);
}

/// A code is for its email, once, within its half hour, and for five
/// guesses in all.
async fn a_code_works_once_for_its_email_for_a_while(relay: Relay, dir: &Path) {
    let server = ServerProcess::start_on(&relay, dir);
    let url = &server.url;
    let wrong_code = |(status, _): (StatusCode, Vec<u8>)| status == StatusCode::FORBIDDEN;

    let bens = raw_sign_up_code(url, "ben@example.org")
        .await
        .expect("code");
    assert!(wrong_code(sign_up_raw(url, "eve@example.org", &bens).await));
    let typed = bens.to_lowercase().replace('0', "o");
    let typed = format!("{}-{}", &typed[..4], &typed[4..]);
    assert_eq!(
        sign_up_raw(url, "ben@example.org", &typed).await.0,
        StatusCode::CREATED
    );
    assert!(wrong_code(sign_up_raw(url, "ben@example.org", &bens).await));

    let cats = raw_sign_up_code(url, "cat@example.org")
        .await
        .expect("code");
    relay.expire_sign_up_code("cat@example.org").await;
    assert!(wrong_code(sign_up_raw(url, "cat@example.org", &cats).await));

    let dans = raw_sign_up_code(url, "dan@example.org")
        .await
        .expect("code");
    let other = if dans.starts_with('0') {
        "1111-1111"
    } else {
        "0000-0000"
    };
    for _ in 0..5 {
        assert!(wrong_code(sign_up_raw(url, "dan@example.org", other).await));
    }
    assert!(
        wrong_code(sign_up_raw(url, "dan@example.org", &dans).await),
        "five wrong guesses spend the code"
    );
    let again = raw_sign_up_code(url, "dan@example.org").await.expect("new");
    assert_eq!(
        sign_up_raw(url, "dan@example.org", &again).await.0,
        StatusCode::CREATED
    );
}

/// No more than three codes to one email in a quarter of an hour (asked
/// from anywhere, the email with an account or not), nor more than ten
/// from one address; the refusal says when to try again.
async fn codes_are_limited_per_email_and_per_address(relay: Relay, dir: &Path) {
    let server = ServerProcess::start_open(&relay, dir);
    let url = &server.url;
    patient(&server, dir, "ann").await;
    // Ann's own sign-up asked for one.
    for (email, more) in [("ann@example.org", 2), ("new@example.org", 3)] {
        for n in 0..more {
            let asked = ask_code(url, email, [127, 0, 1, n]).await;
            assert_eq!(asked.0, StatusCode::ACCEPTED, "{email} {n}");
        }
    }
    let ann = ask_code(url, "ann@example.org", [127, 0, 2, 1]).await;
    assert_eq!(ann.0, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(ann, ask_code(url, "new@example.org", [127, 0, 2, 1]).await);
    assert_eq!(mail_to(url, "new@example.org").len(), 3);

    for n in 0..10 {
        let asked = ask_code(url, &format!("p{n}@example.org"), [127, 0, 3, 1]).await;
        assert_eq!(asked.0, StatusCode::ACCEPTED, "{n}");
    }
    let refused = reqwest::Client::builder()
        .local_address(std::net::IpAddr::from([127, 0, 3, 1]))
        .build()
        .expect("client")
        .post(format!("{url}/v1/accounts/code"))
        .json(&json!({ "email": "p10@example.org" }))
        .send()
        .await
        .expect("ask");
    assert_eq!(refused.status(), StatusCode::TOO_MANY_REQUESTS);
    assert!(refused.headers().contains_key("retry-after"));
    assert!(mail_to(url, "p10@example.org").is_empty());
}

/// On the device: a code that cannot be one is refused before anything is
/// stretched or sent, a wrong one by the relay; either way the store is
/// as it was (no session, its records unsent), and the right code then
/// signs up. A NUL byte or an address that is none is a validation error.
async fn a_wrong_code_changes_nothing_on_the_device(relay: Relay, dir: &Path) {
    let server = ServerProcess::start_on(&relay, dir);
    let url = server.url.clone();
    let phone = device(dir, "phone");
    let plan = a_plan(&phone, "Breathe easier");
    let email = "ann@example.org";
    let account = phone.account();
    account
        .ask_sign_up_code(url.clone(), email.into())
        .await
        .expect("ask");
    let code = last_code(&url, email).expect("code");
    let other = if code.starts_with('0') {
        "1111-1111"
    } else {
        "0000-0000"
    };
    let try_code = |code: &str| {
        account.sign_up(
            url.clone(),
            email.into(),
            code.into(),
            PASSWORD.into(),
            "Ann".into(),
            AccountRole::Patient,
        )
    };
    for bad in ["", "ABCD-EFG", "ABCD\0EFGH", other] {
        match try_code(bad).await {
            Err(PphError::Validation { field, .. }) => assert_eq!(field, "code", "{bad:?}"),
            other => panic!("{bad:?}: {other:?}"),
        }
        assert!(phone.sync().status().expect("status").account.is_none());
    }
    for bad in ["ann\0@example.org", "ann.example.org"] {
        let refused = account.ask_sign_up_code(url.clone(), bad.into()).await;
        assert!(
            matches!(refused, Err(PphError::Validation { .. })),
            "{refused:?}"
        );
    }
    try_code(&code).await.expect("the right code signs up");
    phone.sync().sync_now().await.expect("sync");
    let tablet = signed_in(&url, dir, "tablet", email).await;
    tablet.sync().sync_now().await.expect("sync");
    let title = tablet
        .care_plans()
        .plan(plan)
        .expect("the plan made before signing up reached the tablet")
        .info
        .title;
    assert_eq!(title, "Breathe easier");
}

/// A relay given an SMTP server mails through it: the code arrives there,
/// addressed to the person, and signs up.
async fn a_code_is_mailed_through_an_smtp_server(relay: Relay, dir: &Path) {
    let sink = SmtpSink::start();
    let server = ServerProcess::start_with(&relay, dir, &["--smtp-url", &sink.url()]);
    let phone = device(dir, "phone");
    let account = phone.account();
    let email = "ann@example.org";
    account
        .ask_sign_up_code(server.url.clone(), email.into())
        .await
        .expect("ask");
    let message = sink.message(1);
    assert!(message.contains("To: ann@example.org"), "{message}");
    let code = pph_protocol::sign_up_code::found_in(&message).expect("a code");
    account
        .sign_up(
            server.url.clone(),
            email.into(),
            code,
            PASSWORD.into(),
            "Ann".into(),
            AccountRole::Patient,
        )
        .await
        .expect("signed up with the mailed code");
}

on_both_relays!(
    a_sign_up_for_an_existing_email_answers_as_a_new_one,
    a_code_works_once_for_its_email_for_a_while,
    codes_are_limited_per_email_and_per_address,
    a_wrong_code_changes_nothing_on_the_device,
    a_code_is_mailed_through_an_smtp_server,
);
