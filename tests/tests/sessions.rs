//! Sessions and devices on a real relay process, over SQLite and over
//! PostgreSQL: a token past its lifetime or unused for a month is refused;
//! a swapped token answers for its grace, and a copy of it used after
//! signs its device out; a phone swaps its token as days pass and syncs
//! on; a person sees their devices and signs one out from another, which
//! keeps what it wrote until it signs in again (docs/SECURITY.md,
//! "Sessions and devices").

use pph_core::clock::ManualClock;
use pph_core::*;
use pph_testing::*;
use reqwest::StatusCode;
use std::path::Path;
use std::sync::Arc;

const DAY_MS: i64 = 86_400_000;
const EMAIL: &str = "ann@example.org";

/// What the relay answers `token` on a plain authenticated read.
async fn status_of(url: &str, token: &str) -> StatusCode {
    reqwest::Client::new()
        .get(format!("{url}/v1/spaces"))
        .bearer_auth(token)
        .send()
        .await
        .expect("request")
        .status()
}

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

fn plan(device: &Companion, title: &str) -> String {
    device
        .care_plans()
        .create_plan(NewPlan {
            title: title.into(),
            what_matters: String::new(),
            next_review: None,
        })
        .expect("plan")
        .id
}

async fn a_session_past_its_lifetime_or_unused_for_a_month_is_refused(relay: Relay, dir: &Path) {
    let server = ServerProcess::start_on(&relay, dir);
    let url = &server.url;
    let ann = patient(&server, dir, "ann").await;
    let account = account_id(&ann);
    let token = token_for(url, EMAIL).await;
    assert_eq!(status_of(url, &token).await, StatusCode::OK);

    // Made 89 days ago, last used 29 days ago: still live (and used now).
    relay.age_sessions(&account, 89 * DAY_MS, 29 * DAY_MS).await;
    assert_eq!(status_of(url, &token).await, StatusCode::OK);
    // Two days on, used an hour ago: past its 90 days, however used.
    relay.age_sessions(&account, 2 * DAY_MS, 0).await;
    assert_eq!(status_of(url, &token).await, StatusCode::UNAUTHORIZED);
    // The phone's session too: it keeps what it writes and signs in again.
    let id = plan(&ann, "Written while signed out");
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
    assert_eq!(status_of(url, &idle).await, StatusCode::OK);
    relay.age_sessions(&account, 31 * DAY_MS, 31 * DAY_MS).await;
    assert_eq!(status_of(url, &idle).await, StatusCode::UNAUTHORIZED);
}

/// Over raw HTTP: a swap takes a token of the device's making, answers
/// the same when asked again, and refuses a malformed or second one; the
/// replaced token answers for its grace; used after it (a copy), it signs
/// its device out, the new token too, and no other device.
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
    let other = pph_protocol::wire::new_token(rand::random());
    assert_eq!(swap(url, &old, &other).await, StatusCode::UNAUTHORIZED);
    assert_eq!(status_of(url, &new).await, StatusCode::OK);
    assert_eq!(status_of(url, &old).await, StatusCode::OK, "its grace");

    relay.age_swaps(&account, 120_000).await;
    assert_eq!(status_of(url, &new).await, StatusCode::OK);
    assert_eq!(status_of(url, &old).await, StatusCode::UNAUTHORIZED);
    assert_eq!(
        status_of(url, &new).await,
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
    phone
        .account()
        .sign_up(
            server.url.clone(),
            EMAIL.into(),
            PASSWORD.into(),
            "Ann".into(),
            AccountRole::Patient,
        )
        .await
        .expect("sign up");
    let account = account_id(&phone);
    plan(&phone, "Day one");
    phone.sync().sync_now().await.expect("sync");
    assert_eq!(relay.swapped_tokens(&account).await, 0, "a fresh token");
    for day in 1..=3 {
        clock.advance(DAY_MS as u64);
        plan(&phone, &format!("Day {day}"));
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
    let tablet_node = listed
        .iter()
        .find(|d| d.name == "tablet")
        .expect("the tablet")
        .node
        .clone();

    // Another account's valid token cannot sign the tablet out.
    let mal_token = token_for(url, "mal@example.org").await;
    let status = reqwest::Client::new()
        .delete(format!("{url}/v1/devices/{tablet_node}"))
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
    let bad = phone.account().sign_out_device("not a node!".into()).await;
    assert!(matches!(bad, Err(PphError::Validation { .. })), "{bad:?}");
    let unknown = phone
        .account()
        .sign_out_device("ffffffffffffffff".into())
        .await;
    assert!(
        matches!(unknown, Err(PphError::NotFound { .. })),
        "{unknown:?}"
    );

    phone
        .account()
        .sign_out_device(tablet_node)
        .await
        .expect("signed out");
    let id = plan(&tablet, "Written on the tablet after it was signed out");
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

on_both_relays!(
    a_session_past_its_lifetime_or_unused_for_a_month_is_refused,
    a_swapped_token_used_after_its_grace_signs_its_device_out,
    a_phone_swaps_its_token_as_days_pass_and_syncs_on,
    a_device_signed_out_from_another_keeps_its_unsent_work,
);
