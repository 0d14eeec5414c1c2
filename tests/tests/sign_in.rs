//! Sign-in that cannot be replayed elsewhere (docs/adr/0024), on real relay
//! processes over SQLite and PostgreSQL: an authentication key one relay
//! captures signs in on no other, even when that relay served the other's
//! salt; an email with an account and one without are served alike; a
//! guessable password is refused on the device with its reason; an account
//! from before salts moves to one through its recovery code, never by
//! sending its old key to a relay it is not signed in to; an account below
//! a stretch the operator raised is stretched anew at its next sign-in (its
//! other devices signed out, as by any new password), and a password change
//! or a recovery before then sets the raised stretch; a stretch out of
//! bounds is refused by the device and by the relay.

use pph_core::*;
use pph_protocol::kdf::Kdf;
use pph_testing::*;
use reqwest::StatusCode;
use serde_json::{json, Value};
use std::path::Path;

const EMAIL: &str = "ann@example.org";

/// A sign-in over HTTP with `key` as the password's authentication key.
async fn sign_in_with(url: &str, email: &str, key: &str) -> (StatusCode, Value) {
    raw_sign_in(url, email, key, ("0123456789abcdef", "raw"), false).await
}

async fn kdf_answer(url: &str, email: &str) -> (StatusCode, Value) {
    let resp = reqwest::Client::new()
        .post(format!("{url}/v1/sessions/kdf"))
        .json(&json!({ "email": email }))
        .send()
        .await
        .expect("request");
    let status = resp.status();
    (status, resp.json().await.unwrap_or_default())
}

/// Ann uses one password on two relays, A (reached as localhost) and B
/// (as 127.0.0.1). What her phone sends relay A (which A's operator may
/// log) is refused by relay B; so is what her phone would send A if A
/// served B's salt and stretch as hers; and the same stretch bound to B's
/// own host is B's key, so the binding is what stops it.
async fn an_authentication_key_captured_on_one_relay_signs_in_on_no_other(
    relay: Relay,
    dir: &Path,
) {
    let a = ServerProcess::start_on(&relay, dir);
    let a_url = a.url.replace("127.0.0.1", "localhost");
    let b_dir = dir.join("relay-b");
    std::fs::create_dir_all(&b_dir).expect("dir");
    let b = ServerProcess::start_on(&Relay::sqlite(&b_dir), &b_dir);
    signed_up(&a_url, dir, "ann", "ann", AccountRole::Patient).await;
    signed_up(&b.url, &b_dir, "ann", "ann", AccountRole::Patient).await;

    let captured = auth_key(&a_url, EMAIL, PASSWORD).await;
    assert_eq!(
        sign_in_with(&a_url, EMAIL, &captured).await.0,
        StatusCode::OK
    );
    assert_eq!(
        sign_in_with(&b.url, EMAIL, &captured).await.0,
        StatusCode::UNAUTHORIZED
    );

    let b_kdf = served_kdf(&b.url, EMAIL).await;
    assert_ne!(b_kdf, served_kdf(&a_url, EMAIL).await, "a salt per account");
    let lured = relay_password(b_kdf.as_ref(), &a_url, EMAIL, PASSWORD).expect("key");
    assert_eq!(
        sign_in_with(&b.url, EMAIL, &lured).await.0,
        StatusCode::UNAUTHORIZED
    );
    let own = relay_password(b_kdf.as_ref(), &b.url, EMAIL, PASSWORD).expect("key");
    assert_eq!(sign_in_with(&b.url, EMAIL, &own).await.0, StatusCode::OK);
}

/// The stretch served for an email with an account and for one without:
/// one status, one shape, one stretch, a salt that does not change from
/// one ask to the next; only the salts differ, as any two accounts' do.
async fn an_email_with_an_account_and_one_without_are_served_alike(relay: Relay, dir: &Path) {
    let server = ServerProcess::start_on(&relay, dir);
    let url = &server.url;
    patient(&server, dir, "ann").await;
    let (known_status, known) = kdf_answer(url, EMAIL).await;
    let (unknown_status, unknown) = kdf_answer(url, "nobody@example.org").await;
    assert_eq!(
        (known_status, unknown_status),
        (StatusCode::OK, StatusCode::OK)
    );
    let keys = |v: &Value| {
        let mut keys: Vec<String> = v["kdf"]
            .as_object()
            .expect("a stretch")
            .keys()
            .cloned()
            .collect();
        keys.sort();
        keys
    };
    assert_eq!(keys(&known), keys(&unknown));
    let parse = |v: Value| serde_json::from_value::<Kdf>(v["kdf"].clone()).expect("kdf");
    let (known, unknown) = (parse(known), parse(unknown));
    assert_eq!(known.stretch(), unknown.stretch());
    assert!(unknown.checked_salt().is_ok());
    assert_ne!(known.salt, unknown.salt);
    assert_eq!(
        parse(kdf_answer(url, "nobody@example.org").await.1),
        unknown
    );
    assert_eq!(parse(kdf_answer(url, " Ann@Example.org").await.1), known);
    let other = parse(kdf_answer(url, "somebody@example.org").await.1);
    assert_ne!(other.salt, unknown.salt);
    assert_eq!(
        kdf_answer(url, "not an address").await.0,
        StatusCode::BAD_REQUEST
    );
}

/// A guessable password is refused on the device, before anything is sent,
/// with what to do; the same email signs up with a strong one after.
async fn a_weak_password_is_refused_on_the_device_with_its_reason(relay: Relay, dir: &Path) {
    let server = ServerProcess::start_on(&relay, dir);
    let phone = device(dir, "phone");
    for (weak, why) in [("password1234", "common"), ("ann@example.org", "too easy")] {
        let refused = pph_testing::sign_up_with_mail(
            &phone,
            &server.url,
            EMAIL,
            weak,
            "Ann",
            AccountRole::Patient,
        )
        .await;
        match refused {
            Err(PphError::Validation { field, reason }) => {
                assert_eq!(field, "password");
                assert!(reason.contains(why), "{weak}: {reason}");
            }
            other => panic!("{weak}: {other:?}"),
        }
    }
    assert_eq!(
        sign_in_with(&server.url, EMAIL, "x".repeat(43).as_str())
            .await
            .0,
        StatusCode::UNAUTHORIZED,
        "no account was made"
    );
    pph_testing::sign_up_with_mail(
        &phone,
        &server.url,
        EMAIL,
        PASSWORD,
        "Ann",
        AccountRole::Patient,
    )
    .await
    .expect("a strong password signs up");
}

/// An account made before salts (its key salted by the email alone, its
/// private key sealed under the old way's wrapping key): a new device does
/// not sign in with the password, whose old key is the same on every relay
/// (a relay serving no stretch would otherwise get it, to use where the
/// account is still an old one: attacker run 23), but with the recovery
/// code, which sets a new password at the relay's stretch; then the old key
/// signs in no more and another device signs in with the new password and
/// opens the account's key.
async fn an_account_from_before_salts_moves_to_a_salt_through_its_recovery_code(
    relay: Relay,
    dir: &Path,
) {
    use pph_core::crypto::password::seal_private;
    use pph_core::crypto::password::{from_password, from_recovery_code, new_recovery_code};
    let server = ServerProcess::start_on(&relay, dir);
    let url = &server.url;
    let email = "old@example.org";
    let space = id();
    let old = from_password(None, "", email, PASSWORD).expect("old keys");
    let code = new_recovery_code();
    let recovery = from_recovery_code(email, &code).expect("recovery keys");
    let pair = pph_core::crypto::wrap::AccountKeyPair::generate();
    let sealed = |wrap| seal_private(wrap, &space, &pair.private_bytes()).expect("sealed");
    let keys = pph_protocol::sealed::AccountKeys {
        by_password: sealed(&old.wrap),
        by_recovery: sealed(&recovery.wrap),
        ..account_keys(&pair)
    };
    let any = pph_protocol::kdf::Stretch::LEAST.with_salt(&[1; 16]);
    let sign_up_code = pph_testing::raw_sign_up_code(url, email, &space).await;
    let made = reqwest::Client::new()
        .post(format!("{url}/v1/accounts"))
        .json(&json!({
            "email": email, "code": sign_up_code, "password": old.auth.as_str(), "role": "patient",
            "display_name": "Old", "device_name": "old phone", "node": "0123456789abcdef",
            "personal_space": space, "keys": keys, "recovery": recovery.auth.as_str(),
            "kdf": any
        }))
        .send()
        .await
        .expect("sign up");
    assert_eq!(made.status(), StatusCode::CREATED);
    relay.set_kdf(email, "").await;
    assert_eq!(served_kdf(url, email).await, None);

    let refused = device(dir, "lured")
        .account()
        .sign_in(url.clone(), email.into(), PASSWORD.into())
        .await;
    match refused {
        Err(PphError::Forbidden { reason }) => {
            assert!(reason.contains("recovery code"), "{reason}")
        }
        other => panic!("{other:?}"),
    }
    device(dir, "phone")
        .account()
        .sign_in_with_recovery_code(
            url.clone(),
            email.into(),
            code.to_string(),
            "after the recovery code".into(),
        )
        .await
        .expect("recovered");
    let kept = relay.kdf_of(email).await.expect("a salt of its own");
    let served = served_kdf(url, email).await.expect("served");
    assert_eq!(serde_json::from_str::<Kdf>(&kept).expect("kdf"), served);
    assert_ne!(served.salt, any.salt);
    assert_eq!(
        sign_in_with(url, email, &old.auth).await.0,
        StatusCode::UNAUTHORIZED
    );
    device(dir, "tablet")
        .account()
        .sign_in(url.clone(), email.into(), "after the recovery code".into())
        .await
        .expect("the new password opens the account's key");
}

/// The operator raises the stretch: an email without an account is served
/// the new one at once, and an account keeps its own until it sets a
/// password. Ann's next sign-in sets it under a fresh salt (her phone is
/// signed out, as by any new password, and signs in again); Bob's password
/// change and Cat's recovery, before any sign-in, set the raised stretch
/// too (the twenty-third attacker run: they copied the old one, which the
/// relay refused, locking Cat out).
async fn a_raised_stretch_reaches_an_account_when_it_next_sets_a_password(
    relay: Relay,
    dir: &Path,
) {
    let mut server = ServerProcess::start_on(&relay, dir);
    let url = server.url.clone();
    let phone = patient(&server, dir, "ann").await;
    let printed = phone
        .account()
        .take_recovery_code()
        .expect("code")
        .expect("shown once");
    let bob = patient(&server, dir, "bob").await;
    let cat = patient(&server, dir, "cat").await;
    let code = cat
        .account()
        .take_recovery_code()
        .expect("code")
        .expect("shown once");
    let before = served_kdf(&url, EMAIL).await.expect("kdf");
    assert_eq!(before.passes, pph_protocol::kdf::MIN_PASSES);
    server.restart_with(&["--kdf-passes", "4"]);
    let stranger = served_kdf(&url, "nobody@example.org").await.expect("kdf");
    assert_eq!(stranger.passes, 4);
    assert_eq!(served_kdf(&url, EMAIL).await.as_ref(), Some(&before));

    signed_in(&url, dir, "tablet", EMAIL).await;
    let after = served_kdf(&url, EMAIL).await.expect("kdf");
    assert_eq!(after.passes, 4);
    assert_ne!(after.salt, before.salt);
    let out = phone.sync().sync_now().await;
    assert!(matches!(out, Err(PphError::Unauthorized)), "{out:?}");
    phone
        .account()
        .sign_in(url.clone(), EMAIL.into(), PASSWORD.into())
        .await
        .expect("the phone signs in again");

    bob.account()
        .change_password(PASSWORD.into(), "a brand new long password".into())
        .await
        .expect("a password change below the raised stretch");
    let bobs = served_kdf(&url, "bob@example.org").await.expect("kdf");
    assert_eq!(bobs.passes, 4);
    device(dir, "cat-new")
        .account()
        .sign_in_with_recovery_code(
            url.clone(),
            "cat@example.org".into(),
            code,
            "after the recovery code".into(),
        )
        .await
        .expect("a recovery below the raised stretch");
    let cats = served_kdf(&url, "cat@example.org").await.expect("kdf");
    assert_eq!(cats.passes, 4);
    drop(cat);
    // Ann's sign-in stretched her password anew and kept the code she
    // printed (attacker run 25: it had replaced it, unseen).
    device(dir, "ann-recovering")
        .account()
        .sign_in_with_recovery_code(
            url.clone(),
            EMAIL.into(),
            printed,
            "after the recovery code".into(),
        )
        .await
        .expect("the printed code still recovers");
}

/// A relay serving a stretch too cheap to protect a captured key (or one
/// too costly for a phone) is refused on the device, with the reason and
/// before the password is stretched or sent; the relay, for its part,
/// refuses a sign-up without a stretch or with one below its own, a stretch
/// without the password it stretched, and a new password without its
/// stretch or with one below its own.
async fn a_stretch_out_of_bounds_is_refused_by_the_device_and_the_relay(relay: Relay, dir: &Path) {
    let server = ServerProcess::start_on(&relay, dir);
    let url = &server.url;
    patient(&server, dir, "ann").await;
    let key = auth_key(url, EMAIL, PASSWORD).await;
    let (_, session) = sign_in_with(url, EMAIL, &key).await;
    let token = session["token"].as_str().expect("token").to_owned();

    let kept = relay.kdf_of(EMAIL).await.expect("kdf");
    for (served, why) in [
        (
            r#"{"salt":"AAAAAAAAAAAAAAAAAAAAAA","memory_kib":8,"passes":1,"lanes":1}"#,
            "memory",
        ),
        (
            r#"{"salt":"AAAAAAAAAAAAAAAAAAAAAA","memory_kib":65536,"passes":1000,"lanes":1}"#,
            "passes",
        ),
        (
            r#"{"salt":"AA","memory_kib":65536,"passes":3,"lanes":1}"#,
            "salt",
        ),
    ] {
        relay.set_kdf(EMAIL, served).await;
        match device(dir, "lured")
            .account()
            .sign_in(url.clone(), EMAIL.into(), PASSWORD.into())
            .await
        {
            Err(PphError::Validation { field, reason }) => {
                assert_eq!(field, "server_url");
                assert!(reason.contains(why), "{reason}");
            }
            other => panic!("{served}: {other:?}"),
        }
    }
    relay.set_kdf(EMAIL, &kept).await;

    let client = reqwest::Client::new();
    let sign_up = |kdf: Value| {
        client
            .post(format!("{url}/v1/accounts"))
            .json(&json!({
                "email": "new@example.org", "code": "0000-0000", "password": "k".repeat(43),
                "role": "patient",
                "display_name": "New", "device_name": "phone", "node": "0123456789abcdef",
                "personal_space": id(), "kdf": kdf
            }))
            .send()
    };
    let weak = json!({"salt": "AAAAAAAAAAAAAAAAAAAAAA", "memory_kib": 65536, "passes": 2,
                      "lanes": 1});
    for kdf in [Value::Null, weak] {
        let refused = sign_up(kdf).await.expect("request");
        assert_eq!(refused.status(), StatusCode::BAD_REQUEST);
        let body: Value = refused.json().await.expect("body");
        assert!(
            body["message"].as_str().unwrap_or_default().contains("kdf"),
            "{body}"
        );
    }
    let put = |extra: Value| {
        let mut req = json!({"keys": session["keys"].clone(), "current": key});
        if let (Some(req), Some(extra)) = (req.as_object_mut(), extra.as_object()) {
            req.extend(extra.clone());
        }
        client
            .put(format!("{url}/v1/accounts/current/keys"))
            .bearer_auth(&token)
            .json(&req)
            .send()
    };
    let stretch = serde_json::from_str::<Value>(&kept).expect("kdf");
    let lone = put(json!({ "new_kdf": stretch })).await.expect("request");
    assert_eq!(lone.status(), StatusCode::BAD_REQUEST);
    // The key sealed to something else, with no new secret (attacker run
    // 25: a junk seal left the printed code recovering nothing).
    for field in ["by_recovery", "by_password"] {
        let mut junk = session["keys"].clone();
        junk[field] = json!("AAAA.BBBB");
        let refused = put(json!({ "keys": junk })).await.expect("request");
        assert_eq!(refused.status(), StatusCode::BAD_REQUEST, "{field}");
    }
    let below = json!({"salt": "AAAAAAAAAAAAAAAAAAAAAA", "memory_kib": 65536, "passes": 2,
                       "lanes": 1});
    for new_kdf in [Value::Null, below] {
        let refused = put(json!({"new_password": "n".repeat(43), "new_kdf": new_kdf}))
            .await
            .expect("request");
        assert_eq!(refused.status(), StatusCode::BAD_REQUEST);
    }
    assert_eq!(sign_in_with(url, EMAIL, &key).await.0, StatusCode::OK);
}

/// A relay a device is signed in to that starts serving no stretch (as if
/// the account were from before salts) gets no key from it: changing the
/// password, making a recovery code and deleting the account are refused
/// on the device before anything is sent, and the password stays as it was
/// (attacker run 24: the old key, the same on every relay, went to it).
async fn a_relay_serving_no_stretch_gets_no_old_key_from_a_signed_in_device(
    relay: Relay,
    dir: &Path,
) {
    let server = ServerProcess::start_on(&relay, dir);
    let url = &server.url;
    let ann = patient(&server, dir, "ann").await;
    let kept = relay.kdf_of(EMAIL).await.expect("kdf");
    let key = auth_key(url, EMAIL, PASSWORD).await;
    relay.set_kdf(EMAIL, "").await;
    let account = ann.account();
    let refusals = [
        account
            .change_password(PASSWORD.into(), "a brand new long password".into())
            .await
            .err(),
        account.new_recovery_code(PASSWORD.into()).await.err(),
        account.delete_account(PASSWORD.into()).await.err(),
    ];
    for refused in refusals {
        match refused {
            Some(PphError::Forbidden { reason }) => {
                assert!(reason.contains("nothing was sent"), "{reason}")
            }
            other => panic!("{other:?}"),
        }
    }
    relay.set_kdf(EMAIL, &kept).await;
    assert_eq!(sign_in_with(url, EMAIL, &key).await.0, StatusCode::OK);
}

/// Someone who knows the password makes a recovery code behind Ann's back:
/// her printed code stops working, and her phone is signed out, so she
/// notices; she signs in and changes the password, which replaces the
/// recovery code too, so theirs no longer recovers the account, and the new
/// one she is shown does (sealed afresh, whatever her phone's copy of the
/// keys missed: attacker run 24).
async fn a_recovery_code_made_behind_the_owners_back_dies_with_a_new_password(
    relay: Relay,
    dir: &Path,
) {
    let server = ServerProcess::start_on(&relay, dir);
    let url = &server.url;
    let phone = patient(&server, dir, "ann").await;
    let thief = signed_in(url, dir, "thief", EMAIL).await;
    let theirs = thief
        .account()
        .new_recovery_code(PASSWORD.into())
        .await
        .expect("a code");
    let out = phone.sync().sync_now().await;
    assert!(matches!(out, Err(PphError::Unauthorized)), "{out:?}");
    phone
        .account()
        .sign_in(url.clone(), EMAIL.into(), PASSWORD.into())
        .await
        .expect("signed in again");
    phone
        .account()
        .change_password(PASSWORD.into(), "a brand new long password".into())
        .await
        .expect("changed");
    let hers = phone
        .account()
        .take_recovery_code()
        .expect("code")
        .expect("a new code to show");
    let recover = |name: &str, code: String| {
        let device = device(dir, name);
        let url = url.clone();
        async move {
            device
                .account()
                .sign_in_with_recovery_code(
                    url,
                    EMAIL.into(),
                    code,
                    "after the recovery code".into(),
                )
                .await
        }
    };
    let refused = recover("thief-again", theirs).await;
    assert!(
        matches!(refused, Err(PphError::Unauthorized)),
        "{refused:?}"
    );
    recover("ann-new-phone", hers)
        .await
        .expect("her new code recovers");
}

on_both_relays!(
    an_authentication_key_captured_on_one_relay_signs_in_on_no_other,
    an_email_with_an_account_and_one_without_are_served_alike,
    a_weak_password_is_refused_on_the_device_with_its_reason,
    an_account_from_before_salts_moves_to_a_salt_through_its_recovery_code,
    a_raised_stretch_reaches_an_account_when_it_next_sets_a_password,
    a_stretch_out_of_bounds_is_refused_by_the_device_and_the_relay,
    a_relay_serving_no_stretch_gets_no_old_key_from_a_signed_in_device,
    a_recovery_code_made_behind_the_owners_back_dies_with_a_new_password,
);
