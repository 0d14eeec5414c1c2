//! Sessions and devices on a real relay process, over SQLite and over
//! PostgreSQL: a token past its lifetime or unused for a month is refused;
//! a swapped token answers for its grace, and a copy of it used after, or
//! swapped again, ends its session; a swap racing a sign-out or a password
//! change keeps nothing alive; a phone swaps its token as days pass and
//! syncs on; a person sees their devices (one who signs in under another
//! device's name shows apart) and signs one out from another, which keeps
//! what it wrote until it signs in again; a recovery code's session only
//! sets new keys (docs/SECURITY.md, "Sessions and devices").

use pph_core::clock::ManualClock;
use pph_core::*;
use pph_testing::*;
use reqwest::StatusCode;
use std::path::Path;
use std::sync::Arc;

const DAY_MS: i64 = 86_400_000;
const EMAIL: &str = "ann@example.org";

async fn swap(url: &str, token: &str, new_token: &str) -> StatusCode {
    reqwest::Client::new()
        .post(format!("{url}/v1/sessions/refresh"))
        .bearer_auth(token)
        .json(&serde_json::json!({ "new_token": new_token }))
        .send()
        .await
        .expect("request")
        .status()
}

async fn a_session_past_its_lifetime_or_unused_for_a_month_is_refused(relay: Relay, dir: &Path) {
    let server = ServerProcess::start_on(&relay, dir);
    let url = &server.url;
    let ann = patient(&server, dir, "ann").await;
    let account = account_id(&ann);
    let token = token_for(url, EMAIL).await;
    assert_eq!(status_with(url, &token).await, StatusCode::OK);

    // Made 89 days ago, last used 29 days ago: still live (and used now).
    relay.age_sessions(&account, 89 * DAY_MS, 29 * DAY_MS).await;
    assert_eq!(status_with(url, &token).await, StatusCode::OK);
    // Two days on, used an hour ago: past its 90 days, however used.
    relay.age_sessions(&account, 2 * DAY_MS, 0).await;
    assert_eq!(status_with(url, &token).await, StatusCode::UNAUTHORIZED);
    // The phone's session too: it keeps what it writes and signs in again.
    let id = a_plan(&ann, "Written while signed out");
    let out = ann.sync().sync_now().await;
    assert!(matches!(out, Err(PphError::Unauthorized)), "{out:?}");
    assert!(ann.sync().status().expect("status").pending_changes > 0);
    ann.account()
        .sign_in(url.clone(), EMAIL.into(), PASSWORD.into())
        .await
        .expect("sign in again");
    ann.sync().sync_now().await.expect("sync");
    let tablet = signed_in(url, dir, "tablet", EMAIL).await;
    tablet.sync().sync_now().await.expect("sync");
    assert!(tablet.care_plans().plan(id).is_ok(), "nothing was lost");

    // Unused for 31 days: refused.
    let idle = token_for(url, EMAIL).await;
    assert_eq!(status_with(url, &idle).await, StatusCode::OK);
    relay.age_sessions(&account, 31 * DAY_MS, 31 * DAY_MS).await;
    assert_eq!(status_with(url, &idle).await, StatusCode::UNAUTHORIZED);
}

/// Over raw HTTP: a swap takes a token of the device's making, answers
/// the same when asked again, and refuses a malformed one; the replaced
/// token answers for its grace; used after it (a copy), it ends its
/// session, the new token too, and no other device's.
async fn a_swapped_token_used_after_its_grace_signs_its_device_out(relay: Relay, dir: &Path) {
    let server = ServerProcess::start_on(&relay, dir);
    let url = &server.url;
    let ann = patient(&server, dir, "ann").await;
    let account = account_id(&ann);
    let old = token_for(url, EMAIL).await;
    let new = pph_protocol::wire::new_token(rand::random());
    for malformed in ["pph_0123", "PPH_00", &old, &format!("{new}\0")] {
        assert_eq!(
            swap(url, &old, malformed).await,
            StatusCode::BAD_REQUEST,
            "{malformed:?}"
        );
    }
    assert_eq!(swap(url, &new, &old).await, StatusCode::UNAUTHORIZED);
    assert_eq!(swap(url, &old, &new).await, StatusCode::NO_CONTENT);
    assert_eq!(
        swap(url, &old, &new).await,
        StatusCode::NO_CONTENT,
        "asked again"
    );
    assert_eq!(status_with(url, &new).await, StatusCode::OK);
    assert_eq!(status_with(url, &old).await, StatusCode::OK, "its grace");

    relay.age_swaps(&account, 120_000).await;
    assert_eq!(status_with(url, &new).await, StatusCode::OK);
    assert_eq!(status_with(url, &old).await, StatusCode::UNAUTHORIZED);
    assert_eq!(
        status_with(url, &new).await,
        StatusCode::UNAUTHORIZED,
        "a replaced token used after its grace was copied: its device is signed out"
    );
    ann.sync()
        .sync_now()
        .await
        .expect("another device syncs on");
}

/// A phone used over days swaps its token once a day old and syncs on;
/// the token it replaced is dead once its grace has passed.
async fn a_phone_swaps_its_token_as_days_pass_and_syncs_on(relay: Relay, dir: &Path) {
    let server = ServerProcess::start_on(&relay, dir);
    // The phone's clock starts three days back, so what it stamps as the
    // days pass is never ahead of the relay's.
    let clock = Arc::new(ManualClock::new(now_ms() - 3 * DAY_MS as u64));
    let phone = Companion::open_with_clock(config(&dir.join("phone.db"), &KEY), clock.clone())
        .expect("open");
    pph_testing::sign_up_with_mail(
        &phone,
        &server.url,
        EMAIL,
        PASSWORD,
        "Ann",
        AccountRole::Patient,
    )
    .await
    .expect("sign up");
    let account = account_id(&phone);
    a_plan(&phone, "Day one");
    phone.sync().sync_now().await.expect("sync");
    assert_eq!(relay.swapped_tokens(&account).await, 0, "a fresh token");
    for day in 1..=3 {
        clock.advance(DAY_MS as u64);
        a_plan(&phone, &format!("Day {day}"));
        phone.sync().sync_now().await.expect("sync");
        assert_eq!(relay.swapped_tokens(&account).await, day);
        relay.age_swaps(&account, 120_000).await;
    }
    phone
        .sync()
        .sync_now()
        .await
        .expect("the current token is live");
    assert_eq!(phone.sync().status().expect("status").pending_changes, 0);
}

/// A person sees the devices signed in to their account and signs the
/// tablet out from the phone: the tablet is refused, keeps what it wrote,
/// and sends it once signed in again. Another account cannot sign it out.
async fn a_device_signed_out_from_another_keeps_its_unsent_work(relay: Relay, dir: &Path) {
    let server = ServerProcess::start_on(&relay, dir);
    let url = &server.url;
    let phone = patient(&server, dir, "ann").await;
    let tablet = signed_in(url, dir, "tablet", EMAIL).await;
    let mal = patient(&server, dir, "mal").await;
    mal.sync().sync_now().await.expect("sync");
    let listed = phone.account().devices().await.expect("devices");
    let mut seen: Vec<(String, bool)> = listed
        .iter()
        .map(|d| (d.name.clone(), d.this_device))
        .collect();
    seen.sort();
    assert_eq!(seen, vec![("ann".into(), true), ("tablet".into(), false)]);
    let tablet_session = listed
        .iter()
        .find(|d| d.name == "tablet")
        .expect("the tablet")
        .session
        .clone();

    // Another account's valid token cannot sign the tablet out.
    let mal_token = token_for(url, "mal@example.org").await;
    let status = reqwest::Client::new()
        .delete(format!("{url}/v1/devices/{tablet_session}"))
        .bearer_auth(&mal_token)
        .send()
        .await
        .expect("request")
        .status();
    assert_eq!(status, StatusCode::NOT_FOUND);
    tablet
        .sync()
        .sync_now()
        .await
        .expect("the tablet is still in");

    // Bad names are typed errors and change nothing.
    let bad = phone
        .account()
        .sign_out_device("not a session!".into())
        .await;
    assert!(matches!(bad, Err(PphError::Validation { .. })), "{bad:?}");
    let unknown = phone.account().sign_out_device("f".repeat(32)).await;
    assert!(
        matches!(unknown, Err(PphError::NotFound { .. })),
        "{unknown:?}"
    );

    phone
        .account()
        .sign_out_device(tablet_session)
        .await
        .expect("signed out");
    let id = a_plan(&tablet, "Written on the tablet after it was signed out");
    let out = tablet.sync().sync_now().await;
    assert!(matches!(out, Err(PphError::Unauthorized)), "{out:?}");
    assert!(tablet.sync().status().expect("status").pending_changes > 0);
    let left = phone.account().devices().await.expect("devices");
    assert_eq!(
        left.iter().map(|d| d.name.as_str()).collect::<Vec<_>>(),
        vec!["ann"]
    );

    tablet
        .account()
        .sign_in(url.clone(), EMAIL.into(), PASSWORD.into())
        .await
        .expect("sign in again");
    tablet.sync().sync_now().await.expect("sync");
    phone.sync().sync_now().await.expect("sync");
    assert!(
        phone.care_plans().plan(id).is_ok(),
        "the tablet's work arrived"
    );
}

/// A thief swaps a stolen token as fast as it can while the owner signs
/// that session out, then changes the password: once either is done, no
/// token the thief got is live (the twenty-first attacker run kept one
/// alive on PostgreSQL, a swap slipping past the sign-out).
async fn a_swap_racing_a_sign_out_or_a_password_change_keeps_nothing_alive(
    relay: Relay,
    dir: &Path,
) {
    let server = ServerProcess::start_on(&relay, dir);
    let url = server.url.clone();
    let ann = patient(&server, dir, "ann").await;
    for change_the_password in [false, true] {
        let stolen = token_for(&url, EMAIL).await;
        let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
        let (swapped, mut swaps) = tokio::sync::mpsc::unbounded_channel::<String>();
        let thief = tokio::spawn({
            let (url, stop) = (url.clone(), stop.clone());
            async move {
                let mut held = stolen;
                while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                    let next = pph_protocol::wire::new_token(rand::random());
                    if swap(&url, &held, &next).await != StatusCode::NO_CONTENT {
                        break;
                    }
                    held = next.clone();
                    let _ = swapped.send(next);
                }
            }
        });
        let mut held = Vec::new();
        while held.len() < 5 {
            held.push(swaps.recv().await.expect("the thief swaps"));
        }
        if change_the_password {
            ann.account()
                .change_password(PASSWORD.into(), "a new long password".into())
                .await
                .expect("changed");
        } else {
            let session = ann
                .account()
                .devices()
                .await
                .expect("devices")
                .into_iter()
                .find(|d| d.name == "test")
                .expect("the thief's session")
                .session;
            ann.account()
                .sign_out_device(session)
                .await
                .expect("signed out");
        }
        stop.store(true, std::sync::atomic::Ordering::Relaxed);
        thief.await.expect("the thief stops");
        while let Ok(more) = swaps.try_recv() {
            held.push(more);
        }
        for token in &held {
            assert_eq!(
                status_with(&url, token).await,
                StatusCode::UNAUTHORIZED,
                "a thief's token outlived the {}",
                if change_the_password {
                    "password change"
                } else {
                    "sign-out"
                }
            );
        }
        ann.sync().sync_now().await.expect("the owner syncs on");
    }
}

/// A token swapped twice (by the thief and by the owner, each with a new
/// token of their own) was copied: its session ends, both new tokens too.
async fn a_token_swapped_twice_ends_its_session(relay: Relay, dir: &Path) {
    let server = ServerProcess::start_on(&relay, dir);
    let url = &server.url;
    let ann = patient(&server, dir, "ann").await;
    let copied = token_for(url, EMAIL).await;
    let thiefs = pph_protocol::wire::new_token(rand::random());
    let owners = pph_protocol::wire::new_token(rand::random());
    assert_eq!(swap(url, &copied, &thiefs).await, StatusCode::NO_CONTENT);
    assert_eq!(swap(url, &copied, &owners).await, StatusCode::UNAUTHORIZED);
    for token in [&copied, &thiefs, &owners] {
        assert_eq!(status_with(url, token).await, StatusCode::UNAUTHORIZED);
    }
    ann.sync()
        .sync_now()
        .await
        .expect("another session syncs on");
}

/// A sign-out ends the whole session: a copy swapped from the token just
/// before (inside its grace) does not outlive it (the twenty-second
/// attacker run signed the copied token out to switch off copy detection).
async fn a_sign_out_ends_the_whole_session(relay: Relay, dir: &Path) {
    let server = ServerProcess::start_on(&relay, dir);
    let url = &server.url;
    let ann = patient(&server, dir, "ann").await;
    let copied = token_for(url, EMAIL).await;
    let thiefs = pph_protocol::wire::new_token(rand::random());
    assert_eq!(swap(url, &copied, &thiefs).await, StatusCode::NO_CONTENT);
    let out = reqwest::Client::new()
        .delete(format!("{url}/v1/sessions/current"))
        .bearer_auth(&copied)
        .send()
        .await
        .expect("request")
        .status();
    assert_eq!(out, StatusCode::NO_CONTENT);
    for token in [&copied, &thiefs] {
        assert_eq!(status_with(url, token).await, StatusCode::UNAUTHORIZED);
    }
    ann.sync()
        .sync_now()
        .await
        .expect("another session syncs on");
}

/// Someone who signs in with the password under the phone's own node and
/// name shows as a second entry, and is signed out alone.
async fn a_sign_in_under_another_devices_name_is_listed_apart(relay: Relay, dir: &Path) {
    let server = ServerProcess::start_on(&relay, dir);
    let url = &server.url;
    let ann = patient(&server, dir, "ann").await;
    let mine = ann.account().devices().await.expect("devices");
    assert_eq!(mine.len(), 1);
    let secret = auth_key(url, EMAIL, PASSWORD).await;
    let (status, session) = raw_sign_in(url, EMAIL, &secret, (&mine[0].node, "ann"), false).await;
    assert_eq!(status, StatusCode::OK);
    let impostor = session["token"].as_str().expect("token").to_owned();
    let listed = ann.account().devices().await.expect("devices");
    assert_eq!(
        listed.iter().map(|d| d.name.as_str()).collect::<Vec<_>>(),
        vec!["ann", "ann"],
        "{listed:?}"
    );
    let theirs = listed
        .iter()
        .find(|d| !d.this_device)
        .expect("the impostor")
        .session
        .clone();
    ann.account()
        .sign_out_device(theirs)
        .await
        .expect("signed out");
    assert_eq!(status_with(url, &impostor).await, StatusCode::UNAUTHORIZED);
    ann.sync().sync_now().await.expect("the phone is still in");
}

/// A session opened with the recovery code only sets new keys, with a new
/// password and a new code; it reads nothing and is not swapped; once the
/// code has set them, it is spent.
async fn a_recovery_codes_session_only_sets_new_keys(relay: Relay, dir: &Path) {
    let server = ServerProcess::start_on(&relay, dir);
    let url = &server.url;
    let ann = patient(&server, dir, "ann").await;
    let code = ann
        .account()
        .take_recovery_code()
        .expect("code")
        .expect("made at sign-up");
    let secret = pph_core::crypto::password::from_recovery_code(EMAIL, &code)
        .expect("key")
        .auth
        .to_string();
    let (status, session) =
        raw_sign_in(url, EMAIL, &secret, ("0123456789abcdef", "thief"), true).await;
    assert_eq!(status, StatusCode::OK);
    let token = session["token"].as_str().expect("token").to_owned();
    assert_eq!(status_with(url, &token).await, StatusCode::FORBIDDEN);
    // The person sees that someone signed in with their code.
    let listed = ann.account().devices().await.expect("devices");
    assert!(listed.iter().any(|d| d.name == "thief"), "{listed:?}");
    let devices = reqwest::Client::new()
        .get(format!("{url}/v1/devices"))
        .bearer_auth(&token)
        .send()
        .await
        .expect("request")
        .status();
    assert_eq!(devices, StatusCode::FORBIDDEN);
    let next = pph_protocol::wire::new_token(rand::random());
    assert_eq!(swap(url, &token, &next).await, StatusCode::UNAUTHORIZED);
    let keys_without = |body: serde_json::Value| {
        let (url, token) = (url.clone(), token.clone());
        async move {
            reqwest::Client::new()
                .put(format!("{url}/v1/accounts/current/keys"))
                .bearer_auth(token)
                .json(&body)
                .send()
                .await
                .expect("request")
                .status()
        }
    };
    let keys = session["keys"].clone();
    assert_eq!(
        keys_without(serde_json::json!({"keys": keys, "current": secret})).await,
        StatusCode::BAD_REQUEST,
        "no new code"
    );
    assert_eq!(
        keys_without(serde_json::json!({"keys": keys, "current": secret, "new_recovery": secret}))
            .await,
        StatusCode::BAD_REQUEST,
        "no new password"
    );
    ann.sync().sync_now().await.expect("the owner is untouched");

    // The code used as the app uses it: spent once its keys are set.
    let desk = device(dir, "desk");
    desk.account()
        .sign_in_with_recovery_code(
            url.clone(),
            EMAIL.into(),
            code.clone(),
            "after the recovery".into(),
        )
        .await
        .expect("recovered");
    desk.sync().sync_now().await.expect("a whole session now");
    let (status, _) = raw_sign_in(url, EMAIL, &secret, ("0123456789abcdef", "thief"), true).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "the code is spent");
}

on_both_relays!(
    a_sign_out_ends_the_whole_session,
    a_swap_racing_a_sign_out_or_a_password_change_keeps_nothing_alive,
    a_token_swapped_twice_ends_its_session,
    a_sign_in_under_another_devices_name_is_listed_apart,
    a_recovery_codes_session_only_sets_new_keys,
    a_session_past_its_lifetime_or_unused_for_a_month_is_refused,
    a_swapped_token_used_after_its_grace_signs_its_device_out,
    a_phone_swaps_its_token_as_days_pass_and_syncs_on,
    a_device_signed_out_from_another_keeps_its_unsent_work,
);
