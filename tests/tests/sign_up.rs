//! Signing up proves the email (docs/adr/0025), on real relay processes
//! over SQLite and PostgreSQL: the relay mails a code, and a sign-up
//! without that email's live code is refused. An email with an account is
//! answered exactly as a new one, at both steps, status and body: its mail
//! says it has an account and carries no code. A code works once, for its
//! email and the device that asked only, for half an hour, for five
//! guesses, and no one else's ask or guess spends it; codes are limited per
//! email and per address, and only a plain address gets one. Mail reaches a real SMTP server; a malformed or
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

async fn ask_code(url: &str, email: &str, space: &str, from: [u8; 4]) -> (StatusCode, Vec<u8>) {
    let client = reqwest::Client::builder()
        .local_address(std::net::IpAddr::from(from))
        .build()
        .expect("client");
    answer(
        client
            .post(format!("{url}/v1/accounts/code"))
            .json(&json!({ "email": email, "personal_space": space }))
            .send()
            .await
            .expect("ask"),
    )
    .await
}

/// A raw sign-up of `email` from the device of `space` with `code` (keys
/// and secrets a device would derive do not matter to what is tested here).
async fn sign_up_raw(url: &str, email: &str, space: &str, code: &str) -> (StatusCode, Vec<u8>) {
    answer(
        reqwest::Client::new()
            .post(format!("{url}/v1/accounts"))
            .json(&json!({
                "email": email, "code": code, "password": "k".repeat(43), "role": "clinician",
                "display_name": "Dr", "device_name": "phone", "node": "0123456789abcdef",
                "personal_space": space,
                "kdf": pph_protocol::kdf::Stretch::LEAST.with_salt(&[7; 16])
            }))
            .send()
            .await
            .expect("sign up"),
    )
    .await
}

/// A code that is not `code`.
fn other_than(code: &str) -> &'static str {
    if code.starts_with('0') {
        "1111-1111"
    } else {
        "0000-0000"
    }
}

/// Someone tries whether ann@ and a new address have accounts: each step
/// answers both alike, byte for byte. Ann's mail tells her, and only her.
async fn a_sign_up_for_an_existing_email_answers_as_a_new_one(relay: Relay, dir: &Path) {
    let server = ServerProcess::start_open(&relay, dir);
    let url = &server.url;
    patient(&server, dir, "ann").await;
    let (existing, new, space) = ("ann@example.org", "new@example.org", id());

    let asked = ask_code(url, existing, &space, [127, 0, 0, 1]).await;
    assert_eq!(asked.0, StatusCode::ACCEPTED);
    assert_eq!(asked, ask_code(url, new, &space, [127, 0, 0, 1]).await);

    let note = mail_to(url, existing).pop().expect("Ann is told");
    assert_eq!(note.code(), None, "{}", note.body);
    assert!(note.body.contains("has one"), "{}", note.body);
    let code = last_code(url, new).expect("a code for the new address");

    // Ann's email with any code, and the new email with a wrong one.
    let refused = sign_up_raw(url, existing, &space, &code).await;
    assert_eq!(refused.0, StatusCode::FORBIDDEN);
    let body: Value = serde_json::from_slice(&refused.1).expect("json");
    assert_eq!(body["code"], "wrong_code", "{body}");
    assert_eq!(
        refused,
        sign_up_raw(url, new, &space, other_than(&code)).await
    );
    assert_eq!(
        sign_up_raw(url, new, &space, &code).await.0,
        StatusCode::CREATED
    );
}

/// A code is for its email and the device that asked, once, within its
/// half hour, and for five guesses in all; what another device does (asks
/// again, guesses wrong) neither replaces nor spends it.
async fn a_code_works_once_for_its_email_and_device_for_a_while(relay: Relay, dir: &Path) {
    let server = ServerProcess::start_on(&relay, dir);
    let url = &server.url;
    let wrong_code = |(status, _): (StatusCode, Vec<u8>)| status == StatusCode::FORBIDDEN;

    let ben = id();
    let bens = raw_sign_up_code(url, "ben@example.org", &ben)
        .await
        .expect("code");
    assert!(wrong_code(
        sign_up_raw(url, "eve@example.org", &ben, &bens).await
    ));
    assert!(wrong_code(
        sign_up_raw(url, "ben@example.org", &id(), &bens).await
    ));
    // A stranger asks for Ben's email too, and guesses five times.
    let stranger = id();
    raw_sign_up_code(url, "ben@example.org", &stranger).await;
    for _ in 0..5 {
        let guess = sign_up_raw(url, "ben@example.org", &stranger, other_than(&bens)).await;
        assert!(wrong_code(guess));
    }
    let typed = bens.to_lowercase().replace('0', "o");
    let typed = format!("{}-{}", &typed[..4], &typed[4..]);
    assert_eq!(
        sign_up_raw(url, "ben@example.org", &ben, &typed).await.0,
        StatusCode::CREATED,
        "Ben's code outlived the stranger's ask and guesses"
    );
    // Used: from Ben's store again its space is taken, from another the
    // code is wrong.
    let again = sign_up_raw(url, "ben@example.org", &ben, &bens).await;
    assert_eq!(again.0, StatusCode::CONFLICT);
    assert!(wrong_code(
        sign_up_raw(url, "ben@example.org", &id(), &bens).await
    ));

    let cat = id();
    let cats = raw_sign_up_code(url, "cat@example.org", &cat)
        .await
        .expect("code");
    relay.expire_sign_up_code("cat@example.org").await;
    assert!(wrong_code(
        sign_up_raw(url, "cat@example.org", &cat, &cats).await
    ));

    let dan = id();
    let dans = raw_sign_up_code(url, "dan@example.org", &dan)
        .await
        .expect("code");
    for _ in 0..5 {
        assert!(wrong_code(
            sign_up_raw(url, "dan@example.org", &dan, other_than(&dans)).await
        ));
    }
    assert!(
        wrong_code(sign_up_raw(url, "dan@example.org", &dan, &dans).await),
        "five wrong guesses spend the code"
    );
    let again = raw_sign_up_code(url, "dan@example.org", &dan)
        .await
        .expect("new");
    assert_eq!(
        sign_up_raw(url, "dan@example.org", &dan, &again).await.0,
        StatusCode::CREATED
    );

    // A personal space that is taken is said before a code is spent.
    let eve = id();
    let eves = raw_sign_up_code(url, "eve@example.org", &ben)
        .await
        .expect("code");
    let taken = sign_up_raw(url, "eve@example.org", &ben, &eves).await;
    assert_eq!(taken.0, StatusCode::CONFLICT);
    let eves = raw_sign_up_code(url, "eve@example.org", &eve)
        .await
        .expect("code");
    assert_eq!(
        sign_up_raw(url, "eve@example.org", &eve, &eves).await.0,
        StatusCode::CREATED
    );
}

/// What is not a plain address gets no code and no account: a display name
/// before an address, a quoted local part, a letter from another script, an
/// invisible character (the twenty-sixth attacker run had each delivered to
/// a mailbox other than the string the relay counted and kept).
async fn only_a_plain_address_is_mailed_a_code(relay: Relay, dir: &Path) {
    let server = ServerProcess::start_on(&relay, dir);
    let url = &server.url;
    for odd in [
        "x<victim@corp.org>",
        "\"victim\"@corp.org",
        "dr.who@nh\u{455}.example",
        "victim@corp.org\u{200b}",
    ] {
        let (status, body) = ask_code(url, odd, &id(), [127, 0, 0, 1]).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{odd}");
        let body: Value = serde_json::from_slice(&body).expect("json");
        assert!(!body.to_string().contains("victim"), "{body}");
        let refused = sign_up_raw(url, odd, &id(), "0000-0000").await;
        assert_eq!(refused.0, StatusCode::BAD_REQUEST, "{odd}");
    }
    let written = pph_server::mail::read_maildir(&maildir_of(url)).expect("maildir");
    assert!(written.is_empty(), "{} mails", written.len());
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
            let asked = ask_code(url, email, &id(), [127, 0, 1, n]).await;
            assert_eq!(asked.0, StatusCode::ACCEPTED, "{email} {n}");
        }
    }
    let ann = ask_code(url, "ann@example.org", &id(), [127, 0, 2, 1]).await;
    assert_eq!(ann.0, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(
        ann,
        ask_code(url, "new@example.org", &id(), [127, 0, 2, 1]).await
    );
    assert_eq!(mail_to(url, "new@example.org").len(), 3);

    for n in 0..10 {
        let asked = ask_code(url, &format!("p{n}@example.org"), &id(), [127, 0, 3, 1]).await;
        assert_eq!(asked.0, StatusCode::ACCEPTED, "{n}");
    }
    let refused = reqwest::Client::builder()
        .local_address(std::net::IpAddr::from([127, 0, 3, 1]))
        .build()
        .expect("client")
        .post(format!("{url}/v1/accounts/code"))
        .json(&json!({ "email": "p10@example.org", "personal_space": id() }))
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
    let other = other_than(&code);
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
    a_code_works_once_for_its_email_and_device_for_a_while,
    only_a_plain_address_is_mailed_a_code,
    codes_are_limited_per_email_and_per_address,
    a_wrong_code_changes_nothing_on_the_device,
    a_code_is_mailed_through_an_smtp_server,
);
