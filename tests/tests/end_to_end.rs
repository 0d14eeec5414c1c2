//! End-to-end encryption on a real relay process, over SQLite and over
//! PostgreSQL: what the relay keeps holds no health data; a clinician after
//! revocation and a member after removal cannot open what is written next,
//! even from the relay's raw rows; a sealed value altered or moved is set
//! aside; and the password (changed, forgotten, on a new device) never
//! costs a record.

use pph_core::*;
use pph_protocol::sealed::Sealed;
use pph_protocol::Change;
use pph_testing::*;
use std::path::Path;
use std::sync::Arc;
use std::time::SystemTime;

const SENTINEL: &str = "Quokka8923Sentinel";

fn entry(note: &str, symptom: &str) -> NewEntry {
    NewEntry {
        recorded_at: SystemTime::now(),
        utc_offset_minutes: 0,
        ratings: vec![Rating {
            symptom_id: symptom.into(),
            value: 6.0,
        }],
        note: Some(note.into()),
        tags: vec![format!("{SENTINEL} tag")],
        medications: vec![],
    }
}

fn symptom(phone: &Companion, name: &str) -> String {
    phone
        .diary()
        .define_symptom(NewSymptom {
            name: name.into(),
            scale: SymptomScale::Severity,
        })
        .expect("symptom")
        .id
}

fn share(scopes: Vec<ShareScope>) -> (String, Vec<ShareScope>, SystemTime) {
    ("doc@example.org".into(), scopes, in_ms(3_600_000))
}

async fn grant(phone: &Companion, scopes: Vec<ShareScope>) -> Share {
    let (email, scopes, until) = share(scopes);
    phone
        .sharing()
        .grant_share(email, scopes, until)
        .await
        .expect("share")
}

/// A diary note, a questionnaire, a budget spend and a group message, each
/// with the sentinel, synced and read back by a clinician and a peer: the
/// relay's file (and its write-ahead log) or tables hold none of it.
async fn the_relay_keeps_no_health_data(relay: Relay, dir: &Path) {
    let server = ServerProcess::start_on(&relay, dir);
    let url = &server.url;
    let ann = signed_up(url, dir, "ann", "Ann", AccountRole::Patient).await;
    let bob = signed_up(url, dir, "bob", "Bob", AccountRole::Patient).await;
    let doc = signed_up(url, dir, "doc", "Dr Doc", AccountRole::Clinician).await;
    let breathless = symptom(&ann, &format!("{SENTINEL} breathless"));
    ann.diary()
        .log_entry(entry(&format!("{SENTINEL} woke at four"), &breathless))
        .expect("entry");
    let answers = (1..=9)
        .map(|i| Answer {
            link_id: i.to_string(),
            value: 2,
        })
        .collect();
    ann.diary()
        .submit_questionnaire("phq9".into(), answers, SystemTime::now(), 0)
        .expect("phq9");
    let (budget, line) = a_budget_with_a_transport_line(
        &ann,
        &format!("{SENTINEL} budget"),
        ("2026-01-01", "2026-12-31"),
    );
    let payee = format!("{SENTINEL} cabs");
    let note = format!("{SENTINEL} to the clinic");
    ann.budgets()
        .record_spend(budget, a_cab_ride(&line, "2026-11-02", &payee, Some(&note)))
        .expect("spend");
    let (group, _) = group_of(&ann, &[&bob], "Walkers").await;
    ann.groups()
        .post_message(group.id.clone(), format!("{SENTINEL} see you"), None)
        .expect("message");
    ann.sync().sync_now().await.expect("sync");
    grant(&ann, ShareScope::ALL.to_vec()).await;
    sync_all(&[&doc, &bob, &ann, &bob]).await;

    // Those it is meant for read it all.
    let page = doc
        .sharing()
        .consultation_page(personal_space(&ann), None)
        .expect("page");
    assert!(page.contains(&format!("{SENTINEL} breathless")), "{page}");
    let messages = bob.groups().messages(group.id, 10, None).expect("messages");
    assert!(messages
        .messages
        .iter()
        .any(|m| m.body == format!("{SENTINEL} see you")));

    // The relay holds none of it: not the sentinel, not the symptom, not
    // which questionnaire was answered (quoted, as a clear value would
    // carry it: four letters and a digit, any case, turn up by chance in
    // the relay's base64 ciphertexts and signatures, and once did).
    drop(server);
    for needle in [SENTINEL, "breathless", "woke at four", "\"phq9\""] {
        assert_eq!(
            relay.places_holding(needle).await,
            Vec::<String>::new(),
            "the relay keeps {needle:?}"
        );
    }
    // The check can fail: the relay does keep what is not sealed.
    assert!(!relay.places_holding("ann@example.org").await.is_empty());
}

fn personal_space(phone: &Companion) -> String {
    phone.store().personal_space()
}

/// Changes of `space` whose opened value (opened by `reader`, who may read
/// them all) mentions `text`.
async fn raw_with(relay: &Relay, reader: &Companion, space: &str, text: &str) -> Vec<Change> {
    relay
        .raw_changes(space)
        .await
        .into_iter()
        .filter(|c| {
            reader
                .sync()
                .open_as_this_device(c)
                .expect("open")
                .is_some_and(|opened| opened.value.to_string().contains(text))
        })
        .collect()
}

/// A revoked clinician, and a removed member, who kept their keys and are
/// given the relay's raw rows past every check, open what was written
/// before and nothing written after.
async fn the_revoked_and_the_removed_cannot_open_what_comes_after(relay: Relay, dir: &Path) {
    let server = ServerProcess::start_on(&relay, dir);
    let url = &server.url;
    let ann = signed_up(url, dir, "ann", "Ann", AccountRole::Patient).await;
    let doc = signed_up(url, dir, "doc", "Dr Doc", AccountRole::Clinician).await;
    let cough = symptom(&ann, "night sweats");
    ann.diary()
        .log_entry(entry("before the revocation", &cough))
        .expect("entry");
    ann.sync().sync_now().await.expect("sync");
    let shared = grant(&ann, vec![ShareScope::Diary]).await;
    doc.sync().sync_now().await.expect("doc syncs");
    ann.sharing()
        .revoke_share(shared.share_id)
        .await
        .expect("revoke");
    ann.diary()
        .log_entry(entry("after the revocation", &cough))
        .expect("entry");
    ann.sync().sync_now().await.expect("sync");

    let space = personal_space(&ann);
    let before = raw_with(&relay, &ann, &space, "before the revocation").await;
    let after = raw_with(&relay, &ann, &space, "after the revocation").await;
    assert!(!before.is_empty() && !after.is_empty());
    for c in &before {
        let opened = doc.sync().open_as_this_device(c).expect("open");
        assert!(opened.is_some(), "the clinician read this while shared");
    }
    for c in &after {
        let opened = doc.sync().open_as_this_device(c).expect("open");
        assert_eq!(opened, None, "a revoked clinician opened a new entry");
    }
    // The clinician's next sync deletes the keys too.
    doc.sync().sync_now().await.expect("doc syncs");
    for c in &before {
        assert_eq!(doc.sync().open_as_this_device(c).expect("open"), None);
    }

    // A group: Mal is removed; what Pat writes next is closed to him.
    let fac = signed_up(url, dir, "fac", "Fac", AccountRole::Patient).await;
    let pat = signed_up(url, dir, "pat", "Pat", AccountRole::Patient).await;
    let mal = signed_up(url, dir, "mal", "Mal", AccountRole::Patient).await;
    let (group, _) = group_of(&fac, &[&pat, &mal], "Circle").await;
    sync_all(&[&fac, &pat, &mal]).await;
    pat.groups()
        .post_message(group.id.clone(), "before the removal".into(), None)
        .expect("message");
    sync_all(&[&pat, &fac, &mal]).await;
    fac.groups()
        .remove_member(group.id.clone(), account_id(&mal))
        .await
        .expect("remove");
    sync_all(&[&fac]).await;
    pat.groups()
        .post_message(group.id.clone(), "after the removal".into(), None)
        .expect("message");
    sync_all(&[&pat, &fac]).await;
    let before = raw_with(&relay, &fac, &group.id, "before the removal").await;
    let after = raw_with(&relay, &fac, &group.id, "after the removal").await;
    assert!(!before.is_empty() && !after.is_empty());
    for c in &before {
        assert!(mal.sync().open_as_this_device(c).expect("open").is_some());
    }
    for c in &after {
        assert_eq!(
            mal.sync().open_as_this_device(c).expect("open"),
            None,
            "a removed member opened a message sent after"
        );
    }
    // Those who stay read it.
    let shown = fac.groups().messages(group.id, 10, None).expect("page");
    assert!(shown.messages.iter().any(|m| m.body == "after the removal"));
}

/// A sealed value the relay altered by one bit (no longer its writer's
/// signature), or moved onto another record by a device of the writer's
/// (signed, and still not opening), is set aside by the phone that pulls
/// it, never applied.
async fn a_sealed_value_altered_or_moved_is_set_aside(relay: Relay, dir: &Path) {
    let server = ServerProcess::start_on(&relay, dir);
    let url = &server.url;
    let phone = signed_up(url, dir, "ann", "Ann", AccountRole::Patient).await;
    let cough = symptom(&phone, "night sweats");
    let first = phone
        .diary()
        .log_entry(entry("first note", &cough))
        .expect("entry");
    let second = phone
        .diary()
        .log_entry(entry("second note", &cough))
        .expect("entry");
    phone.sync().sync_now().await.expect("sync");
    let tablet = signed_in(url, dir, "tablet", "ann@example.org").await;
    tablet.sync().sync_now().await.expect("sync");

    let space = personal_space(&phone);
    let stored = raw_with(&relay, &phone, &space, "first note").await;
    let original = stored.first().expect("the first entry's change").clone();
    let ann = account_id(&phone);
    // One bit of the ciphertext flipped, under a new change id.
    let mut altered = original.clone();
    let mut sealed = Sealed::of(&altered.value).expect("sealed");
    let mut ct = sealed.ct.into_bytes();
    ct[10] = if ct[10] == b'A' { b'B' } else { b'A' };
    sealed.ct = String::from_utf8(ct).expect("text");
    altered.value = sealed.into_value();
    altered.change_id = id();
    altered.hlc.wall_ms += 60_000;
    // The first entry's sealed value moved onto the second entry.
    let mut moved = original.clone();
    moved.entity_id = second.id.clone();
    moved.change_id = id();
    moved.hlc.wall_ms += 60_000;
    // Signed again on Ann's own phone, as a device of hers that went wrong
    // would: the signature is hers, the seal still does not open.
    let moved = phone
        .sync()
        .sign_as_this_device(moved)
        .expect("sign")
        .expect("sealed");
    for c in [&altered, &moved] {
        relay.forge(&ann, c).await;
    }
    let report = tablet.sync().sync_now().await.expect("sync");
    assert_eq!(report.set_aside, 2, "{report:?}");
    assert_eq!(set_aside_rules(&tablet), ["bad_seal", "forged_author"]);
    let diary = tablet.diary();
    assert_eq!(
        diary.entry(first.id).expect("first").note.as_deref(),
        Some("first note")
    );
    assert_eq!(
        diary.entry(second.id).expect("second").note.as_deref(),
        Some("second note")
    );
    // Set aside once: the next sync neither applies nor counts them again.
    let again = tablet.sync().sync_now().await.expect("sync");
    assert_eq!((again.pulled, again.set_aside), (0, 0), "{again:?}");
}

const NEW_PASSWORD: &str = "a brand new long password";
const NEWER_PASSWORD: &str = "after the recovery code";

/// A second device reads everything with the password; a password change
/// signs every other device out (a stolen token too, over raw HTTP), and a
/// device signed out keeps what it wrote until it signs in again; a
/// forgotten password is replaced with the recovery code, which works once;
/// wrong ones are typed errors.
async fn the_password_and_recovery_code_never_cost_a_record(relay: Relay, dir: &Path) {
    let server = ServerProcess::start_on(&relay, dir);
    let url = server.url.clone();
    let email = "ann@example.org".to_owned();
    let phone = signed_up(&url, dir, "ann", "Ann", AccountRole::Patient).await;
    let code = phone
        .account()
        .take_recovery_code()
        .expect("code")
        .expect("a code made at sign-up");
    assert_eq!(phone.account().take_recovery_code().expect("again"), None);
    let plan = phone
        .care_plans()
        .create_plan(NewPlan {
            title: "Breathe easier".into(),
            what_matters: "The allotment".into(),
            next_review: None,
        })
        .expect("plan");
    phone.sync().sync_now().await.expect("sync");

    let sign_in = |name: &str, password: &str| {
        let (device, url, email, password) = (
            device(dir, name),
            url.clone(),
            email.clone(),
            password.to_owned(),
        );
        async move {
            let outcome = device.account().sign_in(url, email, password).await;
            (device, outcome)
        }
    };
    let title = |d: &Companion| d.care_plans().plan(plan.id.clone()).map(|p| p.info.title);
    let (_, wrong) = sign_in("stranger", "not the password at all").await;
    assert!(matches!(wrong, Err(PphError::Unauthorized)), "{wrong:?}");
    let (tablet, signed) = sign_in("tablet", PASSWORD).await;
    signed.expect("sign in");
    tablet.sync().sync_now().await.expect("sync");
    assert_eq!(title(&tablet).expect("read"), "Breathe easier");

    // A password change: refused with the wrong current one, then made.
    let refused = phone
        .account()
        .change_password("not the password at all".into(), NEW_PASSWORD.into())
        .await;
    assert!(
        matches!(refused, Err(PphError::Forbidden { .. })),
        "{refused:?}"
    );
    let short = phone
        .account()
        .change_password(PASSWORD.into(), "short".into())
        .await;
    assert!(
        matches!(short, Err(PphError::Validation { .. })),
        "{short:?}"
    );
    // A session taken before the change (a stolen phone's token).
    let stolen = token_for(&url, &email).await;
    assert_eq!(status_with(&url, &stolen).await, 200);
    phone
        .account()
        .change_password(PASSWORD.into(), NEW_PASSWORD.into())
        .await
        .expect("changed");
    // The recovery code is replaced with the password: the new one to show.
    let code_before = code;
    let code = phone
        .account()
        .take_recovery_code()
        .expect("code")
        .expect("a new code with the new password");
    assert_ne!(code, code_before);
    // Every other session ends with the old password: the stolen token...
    assert_eq!(status_with(&url, &stolen).await, 401);
    // ...and the tablet's, which keeps what it writes until it signs in
    // again, and then reads and sends everything.
    tablet
        .care_plans()
        .update_plan(
            plan.id.clone(),
            PlanUpdate {
                title: Some("Breathe easier, walk further".into()),
                ..Default::default()
            },
        )
        .expect("edit");
    let out = tablet.sync().sync_now().await;
    assert!(matches!(out, Err(PphError::Unauthorized)), "{out:?}");
    assert!(tablet.sync().status().expect("status").pending_changes > 0);
    tablet
        .account()
        .sign_in(url.clone(), email.clone(), NEW_PASSWORD.into())
        .await
        .expect("signed in again");
    tablet.sync().sync_now().await.expect("sync");
    phone.sync().sync_now().await.expect("sync");
    assert_eq!(title(&phone).expect("read"), "Breathe easier, walk further");
    let (_, old) = sign_in("laptop", PASSWORD).await;
    assert!(matches!(old, Err(PphError::Unauthorized)), "{old:?}");
    let (laptop, new) = sign_in("laptop2", NEW_PASSWORD).await;
    new.expect("the new password");
    laptop.sync().sync_now().await.expect("sync");
    assert_eq!(
        title(&laptop).expect("read"),
        "Breathe easier, walk further"
    );

    // The password forgotten: the recovery code, typed loosely, sets a new one.
    let desk = device(dir, "desk");
    let wrong_code = desk
        .account()
        .sign_in_with_recovery_code(
            url.clone(),
            email.clone(),
            "0000-0000-0000-0000-0000-0000-0000-0000".into(),
            NEWER_PASSWORD.into(),
        )
        .await;
    assert!(
        matches!(wrong_code, Err(PphError::Unauthorized)),
        "{wrong_code:?}"
    );
    let malformed = desk
        .account()
        .sign_in_with_recovery_code(
            url.clone(),
            email.clone(),
            "1234".into(),
            NEWER_PASSWORD.into(),
        )
        .await;
    assert!(
        matches!(malformed, Err(PphError::Validation { .. })),
        "{malformed:?}"
    );
    let replaced = desk
        .account()
        .sign_in_with_recovery_code(
            url.clone(),
            email.clone(),
            code_before.to_string(),
            NEWER_PASSWORD.into(),
        )
        .await;
    assert!(
        matches!(replaced, Err(PphError::Unauthorized)),
        "{replaced:?}"
    );
    desk.account()
        .sign_in_with_recovery_code(
            url.clone(),
            email.clone(),
            code.to_lowercase().replace('-', " "),
            NEWER_PASSWORD.into(),
        )
        .await
        .expect("recovered");
    desk.sync().sync_now().await.expect("sync");
    assert_eq!(title(&desk).expect("read"), "Breathe easier, walk further");
    // A recovery code works once; the desk shows the one that replaced it,
    // and every other device is signed out.
    let replaced = desk
        .account()
        .take_recovery_code()
        .expect("code")
        .expect("a new code made at the recovery");
    assert_ne!(replaced, code);
    let used = device(dir, "used")
        .account()
        .sign_in_with_recovery_code(url.clone(), email.clone(), code, NEW_PASSWORD.into())
        .await;
    assert!(matches!(used, Err(PphError::Unauthorized)), "{used:?}");
    let out = phone.sync().sync_now().await;
    assert!(matches!(out, Err(PphError::Unauthorized)), "{out:?}");
    // A new recovery code replaces the old one.
    let fresh = desk
        .account()
        .new_recovery_code(NEWER_PASSWORD.into())
        .await
        .expect("new code");
    assert_ne!(fresh, replaced);
    let again = device(dir, "again");
    let old_code = again
        .account()
        .sign_in_with_recovery_code(url.clone(), email.clone(), replaced, NEW_PASSWORD.into())
        .await;
    assert!(
        matches!(old_code, Err(PphError::Unauthorized)),
        "{old_code:?}"
    );
    again
        .account()
        .sign_in_with_recovery_code(url.clone(), email.clone(), fresh, NEW_PASSWORD.into())
        .await
        .expect("the new code");
    again.sync().sync_now().await.expect("sync");
    assert_eq!(title(&again).expect("read"), "Breathe easier, walk further");
    // The password the recovery at the desk set was replaced by this one.
    let (_, before) = sign_in("laptop3", NEWER_PASSWORD).await;
    assert!(matches!(before, Err(PphError::Unauthorized)), "{before:?}");
}

/// The key endpoints as attacks over raw HTTP with valid tokens: a peer or
/// a clinician handing out a patient's keys, a patient giving a clinician a
/// key the share does not cover, a member giving the group's key to an
/// outsider, an epoch begun twice, an account's keys replaced without its
/// password, and bytes that are not base64.
async fn the_key_endpoints_refuse_the_wrong_accounts(relay: Relay, dir: &Path) {
    use pph_protocol::sealed::{Envelope, EpochRef, KeyName, PutEnvelopesRequest};
    let server = ServerProcess::start_on(&relay, dir);
    let url = server.url.clone();
    let ann = signed_up(&url, dir, "ann", "Ann", AccountRole::Patient).await;
    let mal = signed_up(&url, dir, "mal", "Mal", AccountRole::Patient).await;
    let doc = signed_up(&url, dir, "doc", "Dr Doc", AccountRole::Clinician).await;
    let (group, _) = group_of(&ann, &[&mal], "Walkers").await;
    sync_all(&[&ann, &mal]).await;
    grant(&ann, vec![ShareScope::Diary]).await;
    let [ann_token, mal_token, doc_token] = [
        token_for(&url, "ann@example.org").await,
        token_for(&url, "mal@example.org").await,
        token_for(&url, "doc@example.org").await,
    ];
    let client = reqwest::Client::new();
    let from = [
        (ann_token.clone(), account_id(&ann)),
        (mal_token.clone(), account_id(&mal)),
        (doc_token.clone(), account_id(&doc)),
    ];
    // Each envelope from the account posting it, as the relay insists.
    let post = |token: &str, mut envelopes: Vec<Envelope>, creates: Vec<EpochRef>| {
        let sender = from
            .iter()
            .find(|(t, _)| t == token)
            .map(|(_, a)| a.clone());
        for e in &mut envelopes {
            e.from = sender.clone().unwrap_or_default();
        }
        client
            .post(format!("{url}/v1/keys/envelopes"))
            .bearer_auth(token.to_owned())
            .json(&PutEnvelopesRequest {
                envelopes,
                creates,
                commitments: Vec::new(),
            })
            .send()
    };
    let space = personal_space(&ann);
    let envelope = |space: &str, key, epoch, to: &Companion| Envelope {
        space: space.into(),
        key,
        epoch,
        recipient: account_id(to),
        enc: "AAAA".into(),
        ct: "BBBB".into(),
        from: String::new(),
        sig: String::new(),
    };
    let status = |r: reqwest::Result<reqwest::Response>| r.expect("send").status().as_u16();
    // Only the space's person hands out its keys, and only to a reader; a
    // group's key goes to its members only.
    for (token, refused) in [
        (&mal_token, envelope(&space, KeyName::Diary, 9, &mal)),
        (&doc_token, envelope(&space, KeyName::Diary, 9, &doc)),
        (&ann_token, envelope(&space, KeyName::Private, 9, &doc)),
        (&ann_token, envelope(&space, KeyName::Budget, 9, &doc)),
        (&mal_token, envelope(&group.id, KeyName::Group, 9, &doc)),
    ] {
        assert_eq!(status(post(token, vec![refused], vec![]).await), 403);
    }
    // An epoch begun already cannot be begun again.
    let begun = EpochRef {
        space: space.clone(),
        key: KeyName::Diary,
        epoch: 1,
    };
    assert_eq!(
        status(
            post(
                &ann_token,
                vec![envelope(&space, KeyName::Diary, 1, &ann)],
                vec![begun]
            )
            .await
        ),
        409
    );
    // No one plants an epoch still to come: not without beginning it, and
    // not beginning one past the next.
    let planted = || envelope(&group.id, KeyName::Group, 7, &ann);
    assert_eq!(status(post(&mal_token, vec![planted()], vec![]).await), 400);
    let ahead = EpochRef {
        space: group.id.clone(),
        key: KeyName::Group,
        epoch: 7,
    };
    assert_eq!(
        status(post(&mal_token, vec![planted()], vec![ahead]).await),
        409
    );
    // Nor begins the next for themselves alone: the devices would take it
    // as the newest and never turn the key over.
    let next = EpochRef {
        space: group.id.clone(),
        key: KeyName::Group,
        epoch: 2,
    };
    let alone = envelope(&group.id, KeyName::Group, 2, &mal);
    assert_eq!(status(post(&mal_token, vec![alone], vec![next]).await), 409);
    // Not base64, or a NUL byte.
    let mut odd = envelope(&space, KeyName::Diary, 9, &doc);
    odd.ct = "AA\u{0}BB".into();
    assert_eq!(status(post(&ann_token, vec![odd], vec![]).await), 400);
    // A peer sees no envelope of Ann's and not her space.
    let view = keys_view(&url, &mal_token).await;
    assert!(view.envelopes.iter().all(|e| e.space != space));
    assert!(view.spaces.iter().all(|s| s.space != space));
    // An account's keys: not replaced without the password.
    let keys = pph_testing::account_keys(&pph_core::crypto::wrap::AccountKeyPair::generate());
    let put = |current: Option<String>| {
        client
            .put(format!("{url}/v1/accounts/current/keys"))
            .bearer_auth(&mal_token)
            .json(&pph_protocol::wire::AccountKeysRequest {
                keys: keys.clone(),
                current,
                new_password: None,
                new_recovery: None,
                new_kdf: None,
            })
            .send()
    };
    assert_eq!(status(put(None).await), 400);
    assert_eq!(status(put(Some("not the password!".into())).await), 403);
    // Nothing above changed what Ann's phones read.
    ann.diary()
        .log_entry(entry("still mine", &symptom(&ann, "night sweats")))
        .expect("entry");
    ann.sync().sync_now().await.expect("sync");
    let tablet = signed_in(&url, dir, "tablet", "ann@example.org").await;
    tablet.sync().sync_now().await.expect("sync");
    assert_eq!(
        raw_with(&relay, &tablet, &space, "still mine").await.len(),
        1
    );
    mal.sync().sync_now().await.expect("Mal's keys still work");
}

/// An account made before devices kept keys (signed up without them) gets
/// them at its next sign-in, authorised by its password as any key change
/// is, with a recovery code to write down; what it writes then is sealed.
async fn an_account_without_keys_gets_them_at_its_next_sign_in(relay: Relay, dir: &Path) {
    let server = ServerProcess::start_on(&relay, dir);
    let url = server.url.clone();
    let email = "old@example.org";
    let kdf = pph_protocol::kdf::Stretch::LEAST.with_salt(&[3; 16]);
    let auth = relay_password(Some(&kdf), &url, email, PASSWORD).expect("key");
    let (made, _) = raw_sign_up_without_keys(&url, email, &auth, &kdf).await;
    assert_eq!(made, 201);
    let phone = signed_in(&url, dir, "phone", email).await;
    let code = phone.account().take_recovery_code().expect("code");
    assert!(code.is_some(), "a recovery code made with the keys");
    phone
        .diary()
        .log_entry(entry(SENTINEL, &symptom(&phone, "night sweats")))
        .expect("entry");
    phone.sync().sync_now().await.expect("sync");
    let space = personal_space(&phone);
    assert_eq!(raw_with(&relay, &phone, &space, SENTINEL).await.len(), 1);
    let stored = relay.raw_changes(&space).await;
    assert!(stored
        .iter()
        .all(|c| !c.value.to_string().contains(SENTINEL)));
}

/// A public key nothing can be wrapped to is refused when uploaded, and
/// one put straight into the relay's database stops no one else: the
/// group key still turns over after a removal and the others read on.
async fn a_bad_public_key_stops_no_one_elses_sync(relay: Relay, dir: &Path) {
    let server = ServerProcess::start_on(&relay, dir);
    let url = &server.url;
    let fac = signed_up(url, dir, "fac", "Fac", AccountRole::Patient).await;
    let pat = signed_up(url, dir, "pat", "Pat", AccountRole::Patient).await;
    let mal = signed_up(url, dir, "mal", "Mal", AccountRole::Patient).await;
    let bob = signed_up(url, dir, "bob", "Bob", AccountRole::Patient).await;
    let (group, _) = group_of(&fac, &[&pat, &mal, &bob], "Circle").await;
    sync_all(&[&fac, &pat, &mal, &bob]).await;
    // The all-zero point (low order: its shared secret is all zeros), and
    // 31 bytes.
    let (zero, short) = ("A".repeat(43), "A".repeat(42));
    let token = token_for(url, "mal@example.org").await;
    for bad in [&zero, &short] {
        let keys = pph_protocol::sealed::AccountKeys {
            public_key: bad.clone(),
            ..pph_testing::account_keys(&pph_core::crypto::wrap::AccountKeyPair::generate())
        };
        let put = reqwest::Client::new()
            .put(format!("{url}/v1/accounts/current/keys"))
            .bearer_auth(&token)
            .json(&serde_json::json!({"keys": keys, "current": PASSWORD}))
            .send()
            .await
            .expect("send");
        assert_eq!(put.status(), 400);
    }
    relay.set_public_key(&account_id(&mal), &zero).await;
    fac.groups()
        .remove_member(group.id.clone(), account_id(&bob))
        .await
        .expect("remove");
    fac.sync()
        .sync_now()
        .await
        .expect("the key turns over all the same");
    pat.groups()
        .post_message(group.id.clone(), "after the removal".into(), None)
        .expect("message");
    sync_all(&[&pat, &fac]).await;
    let shown = fac
        .groups()
        .messages(group.id.clone(), 10, None)
        .expect("page");
    assert!(shown.messages.iter().any(|m| m.body == "after the removal"));
    let after = raw_with(&relay, &fac, &group.id, "after the removal").await;
    assert!(after
        .iter()
        .all(|c| bob.sync().open_as_this_device(c).expect("open").is_none()));
}

/// A relay that writes into its own database cannot hand a person a key
/// to their own diary: an envelope injected for the next epoch (wrapped to
/// their real public key, under a key the attacker knows), whether signed
/// by another account or claiming to be theirs, is set aside and reported,
/// and what they write next stays under the key their own devices made.
async fn an_envelope_put_into_the_relay_is_not_taken(relay: Relay, dir: &Path) {
    use pph_protocol::sealed::{KeyName, Sealed};
    use pph_testing::crypto::{identity::Identity, seal, wrap::wrap, wrap::AccountKeyPair, Key32};
    let server = ServerProcess::start_on(&relay, dir);
    let url = server.url.clone();
    let ann = signed_up(&url, dir, "ann", "Ann", AccountRole::Patient).await;
    let pain = symptom(&ann, "night sweats");
    ann.diary()
        .log_entry(entry("before", &pain))
        .expect("entry");
    ann.sync().sync_now().await.expect("sync");
    let space = personal_space(&ann);
    let ann_key = served_public_key(&url, "ann@example.org", &account_id(&ann)).await;
    let attacker = Identity::of(&AccountKeyPair::generate()).expect("identity");
    let known = Key32::random();
    for (epoch, from) in [
        (2, account_id(&ann)),
        (3, "0190a5c2-0000-7000-8000-00000000e7e0".to_owned()),
    ] {
        let mut e = wrap(
            &known,
            &space,
            KeyName::Diary,
            epoch,
            &account_id(&ann),
            &ann_key,
        )
        .expect("wrap");
        attacker.sign(&from, &mut e);
        relay.inject_envelope(&e).await;
    }
    ann.diary()
        .log_entry(entry(SENTINEL, &pain))
        .expect("entry");
    let report = ann.sync().sync_now().await.expect("sync");
    assert!(
        report
            .errors
            .iter()
            .any(|e| e.starts_with("2 keys set aside")),
        "{:?}",
        report.errors
    );
    let written = raw_with(&relay, &ann, &space, SENTINEL).await;
    assert!(!written.is_empty());
    for c in &written {
        let sealed = Sealed::of(&c.value).expect("sealed");
        assert_eq!((sealed.key, sealed.epoch), (KeyName::Diary, 1));
        assert!(seal::open(c, |_, _| Some(known.clone())).is_err());
    }
}

/// A genuine envelope replayed into another place (a group's key Ann
/// holds, which every member knows, served again as the next epoch of her
/// own diary, and as the group's next epoch) is not taken: its signature
/// and its sealing cover the space, key, epoch and recipient. Her diary
/// stays under her own key; the group keeps flowing.
async fn a_replayed_envelope_is_not_taken_in_another_place(relay: Relay, dir: &Path) {
    use pph_protocol::sealed::{Envelope, KeyName, Sealed};
    let server = ServerProcess::start_on(&relay, dir);
    let url = server.url.clone();
    let fay = signed_up(&url, dir, "fay", "Fay", AccountRole::Patient).await;
    let ann = signed_up(&url, dir, "ann", "Ann", AccountRole::Patient).await;
    let (group, _) = group_of(&fay, &[&ann], "Circle").await;
    sync_all(&[&fay, &ann, &fay, &ann]).await;
    let held = keys_view(&url, &token_for(&url, "ann@example.org").await)
        .await
        .envelopes
        .into_iter()
        .find(|e| e.space == group.id && e.recipient == account_id(&ann))
        .expect("Ann's envelope of the group's key");
    let replays = [
        Envelope {
            space: personal_space(&ann),
            key: KeyName::Diary,
            epoch: 2,
            ..held.clone()
        },
        Envelope {
            epoch: held.epoch + 1,
            ..held.clone()
        },
    ];
    for e in &replays {
        relay.inject_envelope(e).await;
    }
    ann.diary()
        .log_entry(entry(SENTINEL, &symptom(&ann, "night sweats")))
        .expect("entry");
    let report = ann.sync().sync_now().await.expect("sync");
    assert!(
        report
            .errors
            .iter()
            .any(|e| e.starts_with("2 keys set aside")),
        "{:?}",
        report.errors
    );
    let written = raw_with(&relay, &ann, &personal_space(&ann), SENTINEL).await;
    assert!(!written.is_empty());
    for c in &written {
        let sealed = Sealed::of(&c.value).expect("sealed");
        assert_eq!((sealed.key, sealed.epoch), (KeyName::Diary, 1));
    }
    fay.groups()
        .post_message(group.id.clone(), "still flowing".into(), None)
        .expect("message");
    sync_all(&[&fay, &ann]).await;
    assert_eq!(
        raw_with(&relay, &ann, &group.id, "still flowing")
            .await
            .len(),
        1
    );
}

/// A relay that serves a clinician's account with an impostor's identity
/// and key (both swapped in its database) gets nothing wrapped to it: the
/// patient is warned, loudly since she had verified the clinician's safety
/// number, and the next scope she shares waits until she accepts the change.
async fn a_swapped_identity_gets_no_key_until_accepted(relay: Relay, dir: &Path) {
    use pph_protocol::sealed::KeyName;
    use pph_testing::crypto::wrap::AccountKeyPair;
    let server = ServerProcess::start_on(&relay, dir);
    let url = server.url.clone();
    let ann = signed_up(&url, dir, "ann", "Ann", AccountRole::Patient).await;
    let doc = signed_up(&url, dir, "doc", "Dr Doc", AccountRole::Clinician).await;
    let share = grant(&ann, vec![ShareScope::Diary]).await;
    sync_all(&[&ann, &doc]).await;
    let (ann_id, doc_id) = (account_id(&ann), account_id(&doc));
    assert_eq!(share.clinician_account_id, doc_id);
    // In the consultation room: the same number on both phones.
    let hers = ann.account().safety_number(doc_id.clone()).expect("number");
    let his = doc.account().safety_number(ann_id.clone()).expect("number");
    assert_eq!(hers.digits, his.digits);
    let patients = doc.sharing().shared_with_me().expect("patients");
    assert_eq!(patients[0].patient_account_id, ann_id);
    assert!(ann
        .account()
        .mark_verified(doc_id.clone(), "00000 11111".into())
        .is_err());
    ann.account()
        .mark_verified(doc_id.clone(), hers.digits.clone())
        .expect("verified");
    assert!(
        ann.account()
            .safety_number(doc_id.clone())
            .expect("n")
            .verified
    );

    let impostor = account_keys(&AccountKeyPair::generate());
    relay.set_account_keys(&doc_id, &impostor).await;
    grant(&ann, vec![ShareScope::Diary, ShareScope::Budget]).await;
    let report = ann.sync().sync_now().await.expect("sync");
    assert!(
        report
            .errors
            .iter()
            .any(|e| e.contains("has a new identity")),
        "{:?}",
        report.errors
    );
    let warnings = ann.account().identity_warnings().expect("warnings");
    assert_eq!(warnings.len(), 1);
    assert_eq!(warnings[0].account_id, doc_id);
    assert!(warnings[0].was_verified);
    let doc_token = token_for(&url, "doc@example.org").await;
    let space = personal_space(&ann);
    let budget_to_doc = || async {
        keys_view(&url, &doc_token)
            .await
            .envelopes
            .into_iter()
            .filter(|e| e.key == KeyName::Budget && e.space == space)
            .count()
    };
    assert_eq!(budget_to_doc().await, 0, "nothing wrapped to the impostor");

    ann.account()
        .accept_identity_change(doc_id.clone())
        .expect("accepted");
    assert!(ann.account().identity_warnings().expect("w").is_empty());
    let now = ann.account().safety_number(doc_id.clone()).expect("number");
    assert!(!now.verified);
    assert_ne!(now.digits, hers.digits);
    ann.sync().sync_now().await.expect("sync");
    assert!(budget_to_doc().await > 0, "wrapped once she accepted");
}

/// A share row the relay adds (naming an account of its choosing a reader of
/// a patient's diary, with a signature copied from a real grant) gets that
/// account nothing: the patient's devices wrap a scope's keys only under a
/// grant their own identity signed for that clinician, and say so; the
/// real clinician still reads.
async fn a_share_put_into_the_relay_gets_no_key(relay: Relay, dir: &Path) {
    use pph_protocol::sealed::KeyName;
    let server = ServerProcess::start_on(&relay, dir);
    let url = server.url.clone();
    let ann = signed_up(&url, dir, "ann", "Ann", AccountRole::Patient).await;
    let doc = signed_up(&url, dir, "doc", "Dr Doc", AccountRole::Clinician).await;
    let eve = signed_up(&url, dir, "eve", "Eve", AccountRole::Clinician).await;
    ann.diary()
        .log_entry(entry(SENTINEL, &symptom(&ann, "night sweats")))
        .expect("entry");
    grant(&ann, vec![ShareScope::Diary]).await;
    sync_all(&[&ann, &doc, &eve]).await;
    let space = personal_space(&ann);
    let ann_token = token_for(&url, "ann@example.org").await;
    let copied = keys_view(&url, &ann_token)
        .await
        .spaces
        .into_iter()
        .find(|s| s.space == space)
        .and_then(|s| s.grants.into_iter().next())
        .expect("Ann's signed grant to Dr Doc")
        .signature;
    relay
        .inject_share(
            &account_id(&ann),
            &account_id(&eve),
            "diary,budget",
            &copied,
        )
        .await;
    let report = ann.sync().sync_now().await.expect("sync");
    assert!(
        report
            .errors
            .iter()
            .any(|e| e.contains(&account_id(&eve)) && e.contains("did not sign")),
        "{:?}",
        report.errors
    );
    let to_eve = envelopes_in(&url, "eve@example.org", &space).await.len();
    assert_eq!(to_eve, 0, "nothing of Ann's record wrapped to Eve");
    eve.sync().sync_now().await.expect("eve syncs");
    assert!(raw_with(&relay, &eve, &space, SENTINEL).await.is_empty());
    let to_doc = envelopes_in(&url, "doc@example.org", &space)
        .await
        .into_iter()
        .filter(|e| e.key == KeyName::Diary)
        .count();
    assert!(to_doc > 0, "Dr Doc's share, signed by Ann, still reads");
}

/// An account the relay puts into a group (a row in its member list, then
/// another member's admission copied onto it) is no member to any device:
/// nothing of the group is wrapped to it, through a newcomer's joining and
/// a leaver's rotation, and each phone says why; the group keeps flowing
/// for its members. Only a holder of a whole invite code, whose second half
/// the relay never sees, admits anyone.
async fn an_account_put_into_a_group_gets_no_key(relay: Relay, dir: &Path) {
    let server = ServerProcess::start_on(&relay, dir);
    let url = server.url.clone();
    let fay = signed_up(&url, dir, "fay", "Fay", AccountRole::Patient).await;
    let gus = signed_up(&url, dir, "gus", "Gus", AccountRole::Patient).await;
    let eve = signed_up(&url, dir, "eve", "Eve", AccountRole::Patient).await;
    let (group, invite) = group_of(&fay, &[&gus], "Circle").await;
    sync_all(&[&fay, &gus, &eve]).await;
    relay.inject_member(&group.id, &account_id(&eve)).await;
    let report = fay.sync().sync_now().await.expect("sync");
    let says_why = |errors: &[String]| {
        errors
            .iter()
            .any(|e| e.contains(&account_id(&eve)) && e.contains("without an admission"))
    };
    gus.sync().sync_now().await.expect("sync");
    let to_eve = || envelopes_in(&url, "eve@example.org", &group.id);
    assert!(to_eve().await.is_empty(), "nothing wrapped to Eve");
    assert!(says_why(&report.errors), "{:?}", report.errors);

    // Gus's admission, copied onto Eve's row, names Gus, not her.
    relay
        .copy_admission(&group.id, &account_id(&gus), &account_id(&eve))
        .await;
    let hal = signed_up(&url, dir, "hal", "Hal", AccountRole::Patient).await;
    hal.groups()
        .join_group(invite.code.clone())
        .await
        .expect("Hal joins with the code");
    sync_all(&[&fay, &gus, &hal]).await;
    gus.groups()
        .leave_group(group.id.clone())
        .await
        .expect("Gus leaves");
    sync_all(&[&fay, &hal, &eve]).await;
    fay.groups()
        .post_message(group.id.clone(), SENTINEL.into(), None)
        .expect("message");
    sync_all(&[&fay, &hal, &eve]).await;
    assert!(to_eve().await.is_empty(), "nothing wrapped to Eve, ever");
    assert_eq!(
        raw_with(&relay, &hal, &group.id, SENTINEL).await.len(),
        1,
        "Hal, admitted by the code, reads Fay's message"
    );
    assert!(raw_with(&relay, &eve, &group.id, SENTINEL).await.is_empty());
    let report = hal.sync().sync_now().await.expect("sync");
    assert!(says_why(&report.errors), "{:?}", report.errors);
}

/// A removed member the relay puts back on the list, with the admission
/// they joined with, gets nothing new: the devices that saw the admission
/// end never take it again (the key turned over at the removal stays out
/// of reach), and say so. Coming back takes a new code.
async fn a_removed_member_the_relay_puts_back_gets_nothing_new(relay: Relay, dir: &Path) {
    let server = ServerProcess::start_on(&relay, dir);
    let url = server.url.clone();
    let fay = signed_up(&url, dir, "fay", "Fay", AccountRole::Patient).await;
    let gus = signed_up(&url, dir, "gus", "Gus", AccountRole::Patient).await;
    let mal = signed_up(&url, dir, "mal", "Mal", AccountRole::Patient).await;
    let (group, _) = group_of(&fay, &[&gus, &mal], "Circle").await;
    sync_all(&[&fay, &gus, &mal]).await;
    let mal_id = account_id(&mal);
    let kept = relay
        .admission_of(&group.id, &mal_id)
        .await
        .expect("Mal's admission");
    fay.groups()
        .remove_member(group.id.clone(), mal_id.clone())
        .await
        .expect("remove");
    sync_all(&[&fay, &gus]).await;
    relay.put_back_member(&group.id, &mal_id, &kept).await;
    let report = fay.sync().sync_now().await.expect("sync");
    gus.sync().sync_now().await.expect("sync");
    gus.groups()
        .post_message(group.id.clone(), SENTINEL.into(), None)
        .expect("message");
    sync_all(&[&gus, &fay, &mal]).await;
    let later: Vec<u32> = envelopes_in(&url, "mal@example.org", &group.id)
        .await
        .into_iter()
        .map(|e| e.epoch)
        .filter(|epoch| *epoch > 1)
        .collect();
    assert!(later.is_empty(), "Mal was given epochs {later:?}");
    assert!(raw_with(&relay, &mal, &group.id, SENTINEL).await.is_empty());
    assert_eq!(raw_with(&relay, &fay, &group.id, SENTINEL).await.len(), 1);
    assert!(
        report
            .errors
            .iter()
            .any(|e| e.contains(&mal_id) && e.contains("without an admission")),
        "{:?}",
        report.errors
    );
}

/// The epochs of `space`'s key wrapped to the account signed in as `email`.
async fn epochs_of(url: &str, email: &str, space: &str) -> Vec<u32> {
    let mut epochs: Vec<u32> = envelopes_in(url, email, space)
        .await
        .into_iter()
        .map(|e| e.epoch)
        .collect();
    epochs.sort_unstable();
    epochs.dedup();
    epochs
}

/// Fay's phone is away while Ivy joins with her code and Gus, who joined
/// with the same code, leaves. Back, her phone sees the departure and
/// refuses Ivy (a code someone left by lets no one new in there), but Dot,
/// who took Ivy before Gus left, keeps Ivy: Fay's phone is not blocked,
/// turns no key over for Ivy alone (else it would turn one over at every
/// sync, each new epoch given to Ivy by Dot), says why, and what she writes
/// reaches Dot and Ivy. When she removes Dot, the relay takes her new epoch
/// without Ivy, whom her phone does not take.
async fn a_phone_offline_through_a_departure_keeps_its_group_going(relay: Relay, dir: &Path) {
    let server = ServerProcess::start_on(&relay, dir);
    let url = server.url.clone();
    let fay = patient(&server, dir, "fay").await;
    let dot = patient(&server, dir, "dot").await;
    let gus = patient(&server, dir, "gus").await;
    let ivy = patient(&server, dir, "ivy").await;
    let (group, invite) = group_of(&fay, &[&dot, &gus], "Circle").await;
    sync_all(&[&fay, &dot, &gus]).await;
    ivy.groups()
        .join_group(invite.code.clone())
        .await
        .expect("Ivy joins while Fay's phone is away");
    sync_all(&[&dot, &gus, &ivy]).await;
    gus.groups()
        .leave_group(group.id.clone())
        .await
        .expect("Gus leaves");
    sync_all(&[&dot, &ivy, &dot]).await;
    assert_eq!(epochs_of(&url, "ivy@example.org", &group.id).await, [1, 2]);

    let report = fay.sync().sync_now().await.expect("Fay's phone is back");
    let ivy_id = account_id(&ivy);
    assert!(
        report
            .errors
            .iter()
            .any(|e| e.contains(&ivy_id) && e.contains("without an admission")),
        "{:?}",
        report.errors
    );
    assert!(
        !report.errors.iter().any(|e| e.contains("wait")),
        "{:?}",
        report.errors
    );
    sync_all(&[&fay, &dot, &fay]).await;
    assert_eq!(
        epochs_of(&url, "fay@example.org", &group.id).await,
        [1, 2],
        "no key turned over for Ivy alone"
    );
    fay.groups()
        .post_message(group.id.clone(), SENTINEL.into(), None)
        .expect("message");
    sync_all(&[&fay, &dot, &ivy]).await;
    assert_eq!(raw_with(&relay, &dot, &group.id, SENTINEL).await.len(), 1);
    assert_eq!(raw_with(&relay, &ivy, &group.id, SENTINEL).await.len(), 1);

    fay.groups()
        .remove_member(group.id.clone(), account_id(&dot))
        .await
        .expect("remove Dot");
    let report = fay.sync().sync_now().await.expect("sync");
    assert_eq!(
        epochs_of(&url, "fay@example.org", &group.id).await,
        [1, 2, 3],
        "{:?}",
        report.errors
    );
    let after = format!("{SENTINEL} after Dot");
    fay.groups()
        .post_message(group.id.clone(), after.clone(), None)
        .expect("message");
    sync_all(&[&fay, &dot]).await;
    assert_eq!(raw_with(&relay, &fay, &group.id, &after).await.len(), 1);
    assert!(raw_with(&relay, &dot, &group.id, &after).await.is_empty());
}

/// The epochs under which the changes of `space` that `reader` opens and
/// that mention `text` are sealed.
async fn sealed_under(relay: &Relay, reader: &Companion, space: &str, text: &str) -> Vec<u32> {
    raw_with(relay, reader, space, text)
        .await
        .iter()
        .map(|c| Sealed::of(&c.value).expect("sealed").epoch)
        .collect()
}

/// Fay's and Ann's phones are away while Kim joins with the code Gus
/// joined with, and Gus leaves. Kim's phone, first back, turns the key
/// over (epoch 2); Fay's and Ann's refuse Kim (the code ended with Gus's
/// departure) and so take no key from her. What they write next is sealed
/// under none of Gus's epochs: before, they sealed under epoch 1, the
/// newest they held, which Gus kept (the fourteenth attacker run).
async fn a_leaver_reads_nothing_written_after_a_newcomer_turns_the_key(relay: Relay, dir: &Path) {
    let server = ServerProcess::start_on(&relay, dir);
    let url = server.url.clone();
    let fay = patient(&server, dir, "fay").await;
    let ann = patient(&server, dir, "ann").await;
    let gus = patient(&server, dir, "gus").await;
    let kim = patient(&server, dir, "kim").await;
    let (group, invite) = group_of(&fay, &[&ann, &gus], "Circle").await;
    sync_all(&[&fay, &ann, &gus]).await;
    let gus_held = epochs_of(&url, "gus@example.org", &group.id).await;
    assert_eq!(gus_held, [1]);
    kim.groups()
        .join_group(invite.code.clone())
        .await
        .expect("Kim joins");
    gus.groups()
        .leave_group(group.id.clone())
        .await
        .expect("Gus leaves");
    kim.sync()
        .sync_now()
        .await
        .expect("Kim's phone is first back");
    // Kim's phone holds no group record to post under (no one gave her
    // epoch 1), but she can push a message sealed under her epoch 2.
    let message = pph_protocol::Change {
        change_id: id(),
        space: group.id.clone(),
        entity_type: "group_message".into(),
        entity_id: id(),
        field: "*".into(),
        value: serde_json::json!({"body": "Kim, under her epoch"}),
        hlc: pph_protocol::Hlc {
            wall_ms: now_ms(),
            counter: 0,
            node: "0123456789abcdef".into(),
        },
    };
    let sealed = kim
        .sync()
        .seal_as_this_device(&message)
        .expect("seal")
        .expect("Kim holds epoch 2");
    assert_eq!(Sealed::of(&sealed.value).expect("sealed").epoch, 2);
    let kim_token = token_for(&url, "kim@example.org").await;
    let pushed = push_raw(&reqwest::Client::new(), &url, &kim_token, &[sealed]).await;
    assert_eq!(pushed.status(), 200);
    sync_all(&[&fay, &ann, &fay, &ann]).await;
    for (phone, text) in [(&fay, "from Fay"), (&ann, "from Ann")] {
        phone
            .groups()
            .post_message(group.id.clone(), format!("{SENTINEL} {text}"), None)
            .expect("message");
    }
    sync_all(&[&fay, &ann, &fay, &ann]).await;
    let epochs = sealed_under(&relay, &fay, &group.id, SENTINEL).await;
    assert_eq!(epochs.len(), 2, "both messages reach the relay: {epochs:?}");
    assert!(
        epochs.iter().all(|e| !gus_held.contains(e)),
        "sealed under {epochs:?}; Gus holds {gus_held:?}"
    );
    assert_eq!(raw_with(&relay, &ann, &group.id, SENTINEL).await.len(), 2);
    // Kim's message, under a key Fay's phone never takes, does not stop
    // what comes after it there.
    let shown = fay.groups().messages(group.id, 10, None).expect("page");
    assert!(
        shown.messages.iter().any(|m| m.body.contains("from Ann")),
        "{:?}",
        shown.messages.iter().map(|m| &m.body).collect::<Vec<_>>()
    );
}

/// Fay removes Gus and her phone turns the key over; the relay withholds
/// Ann's envelope of the new epoch. Ann's phone, which saw Gus go, does
/// not seal what she writes under epoch 1, which Gus holds: it waits until
/// Fay's phone gives her epoch 2 (before, it sealed under epoch 1 at once:
/// the fourteenth attacker run).
async fn a_withheld_key_leaves_no_one_writing_under_a_leavers_key(relay: Relay, dir: &Path) {
    let server = ServerProcess::start_on(&relay, dir);
    let fay = patient(&server, dir, "fay").await;
    let ann = patient(&server, dir, "ann").await;
    let gus = patient(&server, dir, "gus").await;
    let (group, _) = group_of(&fay, &[&ann, &gus], "Circle").await;
    sync_all(&[&fay, &ann, &gus]).await;
    fay.groups()
        .remove_member(group.id.clone(), account_id(&gus))
        .await
        .expect("remove Gus");
    fay.sync().sync_now().await.expect("sync");
    relay
        .withhold_envelope(&group.id, &account_id(&ann), 2)
        .await;
    ann.groups()
        .post_message(group.id.clone(), SENTINEL.into(), None)
        .expect("message");
    ann.sync().sync_now().await.expect("sync");
    // Fay holds epoch 1 too: nothing of Ann's was sent under it.
    assert!(raw_with(&relay, &fay, &group.id, SENTINEL).await.is_empty());
    sync_all(&[&fay, &ann]).await;
    assert_eq!(sealed_under(&relay, &fay, &group.id, SENTINEL).await, [2]);
}

/// The relay puts in a row for an epoch at the end of the count, wrapped
/// to an account that is no member, then takes it out again. No device
/// follows it (no beginner committed to it), so when Gus leaves the key
/// still turns over, and nothing is sealed under an epoch he holds (before,
/// the devices began epoch u32::MAX after it, could begin none after that,
/// and sealed under it once Gus had gone: the fifteenth attacker run).
async fn a_row_at_the_end_of_the_epoch_count_is_no_epoch(relay: Relay, dir: &Path) {
    let server = ServerProcess::start_on(&relay, dir);
    let url = server.url.clone();
    let fay = patient(&server, dir, "fay").await;
    let ann = patient(&server, dir, "ann").await;
    let gus = patient(&server, dir, "gus").await;
    let (group, _) = group_of(&fay, &[&ann, &gus], "Circle").await;
    sync_all(&[&fay, &ann, &gus]).await;
    let stranger = id();
    relay
        .inject_envelope(&pph_protocol::sealed::Envelope {
            space: group.id.clone(),
            key: pph_protocol::sealed::KeyName::Group,
            epoch: u32::MAX - 1,
            recipient: stranger.clone(),
            enc: "e".into(),
            ct: "c".into(),
            from: account_id(&fay),
            sig: String::new(),
        })
        .await;
    sync_all(&[&fay, &ann, &gus, &fay, &ann, &gus]).await;
    relay
        .withhold_envelope(&group.id, &stranger, u32::MAX - 1)
        .await;
    sync_all(&[&fay, &ann, &gus]).await;
    let gus_held = epochs_of(&url, "gus@example.org", &group.id).await;
    gus.groups()
        .leave_group(group.id.clone())
        .await
        .expect("Gus leaves");
    sync_all(&[&fay, &ann, &fay, &ann]).await;
    fay.groups()
        .post_message(group.id.clone(), SENTINEL.into(), None)
        .expect("message");
    sync_all(&[&fay, &ann]).await;
    let epochs = sealed_under(&relay, &ann, &group.id, SENTINEL).await;
    assert_eq!(epochs.len(), 1, "Ann reads it");
    assert!(
        epochs.iter().all(|e| !gus_held.contains(e)),
        "sealed under {epochs:?}; Gus holds {gus_held:?}"
    );
}

/// Hal leaves and Ann's phone turns the key over (epoch 2, begun for Fay,
/// Ann and Gus). The relay withholds Fay's envelope of epoch 2; Gus
/// leaves, and the relay takes him off epoch 2's recipients before Fay's
/// phone sees him go, then serves Fay her envelope. Ann signed that epoch 2
/// was begun for Gus, so Fay's phone turns the key over rather than seal
/// under it (before, it sealed under epoch 2, which Gus holds: the
/// fifteenth attacker run).
async fn an_epoch_the_relay_takes_a_leaver_off_is_not_sealed_under(relay: Relay, dir: &Path) {
    let server = ServerProcess::start_on(&relay, dir);
    let url = server.url.clone();
    let fay = patient(&server, dir, "fay").await;
    let ann = patient(&server, dir, "ann").await;
    let gus = patient(&server, dir, "gus").await;
    let hal = patient(&server, dir, "hal").await;
    let (group, _) = group_of(&fay, &[&ann, &gus, &hal], "Circle").await;
    sync_all(&[&fay, &ann, &gus, &hal, &fay, &ann, &gus, &hal]).await;
    hal.groups()
        .leave_group(group.id.clone())
        .await
        .expect("Hal leaves");
    sync_all(&[&ann, &gus]).await;
    let stash: Vec<_> = envelopes_in(&url, "fay@example.org", &group.id)
        .await
        .into_iter()
        .filter(|e| e.epoch == 2)
        .collect();
    assert_eq!(stash.len(), 1, "Ann's phone began epoch 2 for Fay");
    relay
        .withhold_envelope(&group.id, &account_id(&fay), 2)
        .await;
    fay.sync().sync_now().await.expect("sync");
    let gus_held = epochs_of(&url, "gus@example.org", &group.id).await;
    assert_eq!(gus_held, [1, 2]);
    gus.groups()
        .leave_group(group.id.clone())
        .await
        .expect("Gus leaves");
    relay
        .withhold_envelope(&group.id, &account_id(&gus), 2)
        .await;
    fay.sync().sync_now().await.expect("sync");
    for e in &stash {
        relay.inject_envelope(e).await;
    }
    fay.sync().sync_now().await.expect("sync");
    fay.groups()
        .post_message(group.id.clone(), SENTINEL.into(), None)
        .expect("message");
    sync_all(&[&fay, &fay, &ann]).await;
    let epochs = sealed_under(&relay, &fay, &group.id, SENTINEL).await;
    assert_eq!(epochs.len(), 1, "sent: {epochs:?}");
    assert!(
        epochs.iter().all(|e| !gus_held.contains(e)),
        "sealed under {epochs:?}; Gus holds {gus_held:?}"
    );
    assert_eq!(raw_with(&relay, &ann, &group.id, SENTINEL).await.len(), 1);
}

/// The relay hides the group's epoch 1 from Ivy's first sync after she
/// joins, then serves it again. Her phone, not the founder's, begins no
/// epoch 1 of its own: it waits, and once a member gives it the group's,
/// it reads what was written before she came (before, it kept a key of its
/// own for epoch 1 and never read the group's: the fifteenth attacker run).
async fn a_newcomer_shown_no_epoch_begins_none_and_reads_the_groups(relay: Relay, dir: &Path) {
    let server = ServerProcess::start_on(&relay, dir);
    let url = server.url.clone();
    let fay = patient(&server, dir, "fay").await;
    let ann = patient(&server, dir, "ann").await;
    let ivy = patient(&server, dir, "ivy").await;
    let (group, invite) = group_of(&fay, &[&ann], "Circle").await;
    sync_all(&[&fay, &ann]).await;
    ann.groups()
        .post_message(group.id.clone(), SENTINEL.into(), None)
        .expect("message");
    ann.sync().sync_now().await.expect("sync");
    ivy.groups()
        .join_group(invite.code.clone())
        .await
        .expect("Ivy joins");
    let mut stash = Vec::new();
    for email in ["fay@example.org", "ann@example.org"] {
        stash.extend(envelopes_in(&url, email, &group.id).await);
    }
    let hide = |who: Vec<String>| {
        let (relay, group) = (&relay, group.id.clone());
        async move {
            for account in who {
                relay.withhold_envelope(&group, &account, 1).await;
            }
        }
    };
    hide(vec![account_id(&fay), account_id(&ann)]).await;
    ivy.sync().sync_now().await.expect("Ivy's first sync");
    hide(vec![account_id(&fay), account_id(&ann), account_id(&ivy)]).await;
    for e in &stash {
        relay.inject_envelope(e).await;
    }
    sync_all(&[&fay, &ann, &ivy, &ivy]).await;
    assert_eq!(raw_with(&relay, &ivy, &group.id, SENTINEL).await.len(), 1);
}

/// Ann shares her diary with Dr Doc and revokes the share; her phone turns
/// the diary's key over. The relay withholds the new epoch from her second
/// phone and takes Dr Doc off the old epoch's recipients. The second phone,
/// which saw the share end, writes nothing under the old epoch (which Dr
/// Doc holds): with the new one hidden, it begins one of its own (before,
/// it sealed under the old: the seventeenth attacker run).
async fn a_revoked_clinician_reads_nothing_the_patients_other_phone_writes(
    relay: Relay,
    dir: &Path,
) {
    let server = ServerProcess::start_on(&relay, dir);
    let url = &server.url;
    let ann = signed_up(url, dir, "ann", "Ann", AccountRole::Patient).await;
    let doc = signed_up(url, dir, "doc", "Dr Doc", AccountRole::Clinician).await;
    let cough = symptom(&ann, "night sweats");
    ann.diary()
        .log_entry(entry("before the revocation", &cough))
        .expect("entry");
    ann.sync().sync_now().await.expect("sync");
    let other = signed_in(url, dir, "ann-tablet", "ann@example.org").await;
    let shared = grant(&ann, vec![ShareScope::Diary]).await;
    sync_all(&[&ann, &doc, &other]).await;
    ann.sharing()
        .revoke_share(shared.share_id)
        .await
        .expect("revoke");
    ann.sync().sync_now().await.expect("sync");
    let space = personal_space(&ann);
    relay.withhold_envelope(&space, &account_id(&ann), 2).await;
    relay.withhold_envelope(&space, &account_id(&doc), 1).await;
    other.sync().sync_now().await.expect("sync");
    other
        .diary()
        .log_entry(entry(SENTINEL, &cough))
        .expect("entry");
    other.sync().sync_now().await.expect("sync");
    let sent = raw_with(&relay, &other, &space, SENTINEL).await;
    assert!(!sent.is_empty(), "sent under a key the tablet began");
    for c in &sent {
        assert_ne!(Sealed::of(&c.value).expect("sealed").epoch, 1);
        let opened = doc.sync().open_as_this_device(c).expect("open");
        assert_eq!(opened, None, "Dr Doc opened what was written after");
    }
}

/// Ann revokes Dr Doc's share and her phone sees it; the relay then
/// serves the share as in force again (the grant she signed has not
/// expired). Her phone takes no share it saw end: nothing she writes next
/// is wrapped to Dr Doc (before, it wrapped him the new epoch: the
/// eighteenth attacker run).
async fn a_revocation_the_relay_clears_gives_the_clinician_nothing_new(relay: Relay, dir: &Path) {
    let server = ServerProcess::start_on(&relay, dir);
    let url = &server.url;
    let ann = signed_up(url, dir, "ann", "Ann", AccountRole::Patient).await;
    let doc = signed_up(url, dir, "doc", "Dr Doc", AccountRole::Clinician).await;
    let cough = symptom(&ann, "night sweats");
    ann.diary()
        .log_entry(entry("before the revocation", &cough))
        .expect("entry");
    let shared = grant(&ann, vec![ShareScope::Diary]).await;
    sync_all(&[&ann, &doc]).await;
    ann.sharing()
        .revoke_share(shared.share_id.clone())
        .await
        .expect("revoke");
    ann.sync().sync_now().await.expect("sync");
    relay.unrevoke_share(&shared.share_id).await;
    ann.diary()
        .log_entry(entry(SENTINEL, &cough))
        .expect("entry");
    let report = ann.sync().sync_now().await.expect("sync");
    sync_all(&[&ann, &doc]).await;
    let space = personal_space(&ann);
    let after = raw_with(&relay, &ann, &space, SENTINEL).await;
    assert!(!after.is_empty());
    for c in &after {
        let opened = doc.sync().open_as_this_device(c).expect("open");
        assert_eq!(opened, None, "Dr Doc opened what was written after");
    }
    assert!(
        report
            .errors
            .iter()
            .any(|e| e.contains(&account_id(&doc)) && e.contains("did not sign")),
        "{:?}",
        report.errors
    );
}

/// Ann shares her diary with Dr Doc, then her budget in a second share.
/// His phone keeps syncing, and lists her once with both scopes (before,
/// the second share failed every sync of his, for every patient: the
/// eighteenth attacker run).
async fn two_shares_from_one_patient_stop_no_clinicians_sync(relay: Relay, dir: &Path) {
    let server = ServerProcess::start_on(&relay, dir);
    let url = &server.url;
    let ann = signed_up(url, dir, "ann", "Ann", AccountRole::Patient).await;
    let doc = signed_up(url, dir, "doc", "Dr Doc", AccountRole::Clinician).await;
    grant(&ann, vec![ShareScope::Diary]).await;
    grant(&ann, vec![ShareScope::Budget]).await;
    sync_all(&[&ann, &doc, &doc]).await;
    let shared = doc.sharing().shared_with_me().expect("shared");
    assert_eq!(shared.len(), 1, "{shared:?}");
    assert_eq!(shared[0].scopes.len(), 2, "{shared:?}");
}

/// Fay founds a circle and Bob joins; Fay deletes her account and Bob
/// becomes its facilitator. Dot joins with Bob's code; Bob deletes his
/// account and Dot becomes its facilitator. Those who join with Dot's
/// code are members to every device that took Dot, Dot's own first: a
/// facilitator let in by someone who has left still lets people in (before,
/// no device took them, and the circle could not carry on).
async fn a_code_made_through_a_member_who_left_lets_people_in(relay: Relay, dir: &Path) {
    let server = ServerProcess::start_on(&relay, dir);
    let fay = patient(&server, dir, "fay").await;
    let bob = patient(&server, dir, "bob").await;
    let dot = patient(&server, dir, "dot").await;
    let ivy = patient(&server, dir, "ivy").await;
    let ann = patient(&server, dir, "ann").await;
    let (group, _) = group_of(&fay, &[&bob], "Circle").await;
    sync_all(&[&fay, &bob]).await;
    fay.account()
        .delete_account(PASSWORD.into())
        .await
        .expect("Fay deletes her account");
    bob.sync().sync_now().await.expect("sync");
    let code_of = |by: &Arc<Companion>| {
        let (by, group) = (by.clone(), group.id.clone());
        async move {
            by.groups()
                .invite_code(group, in_ms(86_400_000))
                .await
                .expect("a facilitator's code")
        }
    };
    let bobs = code_of(&bob).await;
    dot.groups()
        .join_group(bobs.code.clone())
        .await
        .expect("Dot joins with Bob's code");
    sync_all(&[&bob, &dot]).await;
    bob.account()
        .delete_account(PASSWORD.into())
        .await
        .expect("Bob deletes his account");
    dot.sync().sync_now().await.expect("sync");
    let dots = code_of(&dot).await;
    for newcomer in [&ivy, &ann] {
        newcomer
            .groups()
            .join_group(dots.code.clone())
            .await
            .expect("joins with Dot's code");
    }
    let report = dot.sync().sync_now().await.expect("sync");
    assert!(report.errors.is_empty(), "{:?}", report.errors);
    sync_all(&[&ivy, &ann, &dot, &ivy, &ann]).await;
    dot.groups()
        .post_message(group.id.clone(), SENTINEL.into(), None)
        .expect("message");
    sync_all(&[&dot, &ivy, &ann]).await;
    for reader in [&ivy, &ann] {
        assert_eq!(raw_with(&relay, reader, &group.id, SENTINEL).await.len(), 1);
    }
    // And the circle carries on past a removal.
    dot.groups()
        .remove_member(group.id.clone(), account_id(&ann))
        .await
        .expect("remove Ann");
    let report = dot.sync().sync_now().await.expect("sync");
    assert!(report.errors.is_empty(), "{:?}", report.errors);
    let after = format!("{SENTINEL} after Ann");
    dot.groups()
        .post_message(group.id.clone(), after.clone(), None)
        .expect("message");
    sync_all(&[&dot, &ivy, &ann]).await;
    assert_eq!(raw_with(&relay, &ivy, &group.id, &after).await.len(), 1);
    assert!(raw_with(&relay, &ann, &group.id, &after).await.is_empty());
}

/// A key signed by an account the relay serves (its own, with a valid
/// identity) but that no member list and no share names is not taken: not
/// a group's next key by a member, who would then seal under it and hand it
/// to the others, and not a patient's key by their clinician.
async fn a_key_from_someone_not_entitled_to_give_it_is_not_taken(relay: Relay, dir: &Path) {
    use pph_protocol::sealed::{KeyName, Sealed};
    use pph_testing::crypto::{identity::Identity, seal, wrap::wrap, wrap::AccountKeyPair, Key32};
    let server = ServerProcess::start_on(&relay, dir);
    let url = server.url.clone();
    let fay = signed_up(&url, dir, "fay", "Fay", AccountRole::Patient).await;
    let gus = signed_up(&url, dir, "gus", "Gus", AccountRole::Patient).await;
    let eve = signed_up(&url, dir, "eve", "Eve", AccountRole::Patient).await;
    let (group, _) = group_of(&fay, &[&gus], "Circle").await;
    sync_all(&[&fay, &gus]).await;
    // Eve's account, as the relay serves it, gets keys the attacker holds.
    let pair = AccountKeyPair::generate();
    relay
        .set_account_keys(&account_id(&eve), &account_keys(&pair))
        .await;
    let attacker = Identity::of(&pair).expect("identity");
    let known = Key32::random();
    let slip = |space: &str, key, to: &Companion, to_key: &str| {
        let mut e = wrap(&known, space, key, 2, &account_id(to), to_key).expect("wrap");
        attacker.sign(&account_id(&eve), &mut e);
        e
    };
    let gus_key = served_public_key(&url, "fay@example.org", &account_id(&gus)).await;
    relay
        .inject_envelope(&slip(&group.id, KeyName::Group, &gus, &gus_key))
        .await;
    let report = gus.sync().sync_now().await.expect("sync");
    assert!(
        report
            .errors
            .iter()
            .any(|e| e.starts_with("1 key set aside")),
        "{:?}",
        report.errors
    );
    gus.groups()
        .post_message(group.id.clone(), SENTINEL.into(), None)
        .expect("message");
    sync_all(&[&gus, &fay]).await;
    let posted = raw_with(&relay, &fay, &group.id, SENTINEL).await;
    assert_eq!(posted.len(), 1, "Fay reads Gus's message");
    let sealed = Sealed::of(&posted[0].value).expect("sealed");
    assert_eq!(sealed.epoch, 1, "under the group's own key");
    assert!(seal::open(&posted[0], |_, _| Some(known.clone())).is_err());

    // A clinician, handed a key of the patient's record by Eve.
    let ann = signed_up(&url, dir, "ann", "Ann", AccountRole::Patient).await;
    let doc = signed_up(&url, dir, "doc", "Dr Doc", AccountRole::Clinician).await;
    ann.care_plans()
        .create_plan(NewPlan {
            title: "Breathe".into(),
            what_matters: "The park".into(),
            next_review: None,
        })
        .expect("plan");
    grant(&ann, vec![ShareScope::CarePlan]).await;
    sync_all(&[&ann, &doc]).await;
    let doc_key = served_public_key(&url, "doc@example.org", &account_id(&doc)).await;
    let space = personal_space(&ann);
    relay
        .inject_envelope(&slip(&space, KeyName::CarePlan, &doc, &doc_key))
        .await;
    let report = doc.sync().sync_now().await.expect("sync");
    assert!(
        report
            .errors
            .iter()
            .any(|e| e.starts_with("1 key set aside")),
        "{:?}",
        report.errors
    );
    let opened = relay
        .raw_changes(&space)
        .await
        .into_iter()
        .filter(|c| doc.sync().open_as_this_device(c).expect("open").is_some())
        .count();
    assert!(opened > 0, "Dr Doc reads Ann's plan with Ann's key");
}

/// A relay that lists a patient's record among a clinician's own spaces,
/// beside a share it added for an account of its own, gets nothing from the
/// clinician's device: another person's record is keyed by that person's
/// devices alone, so the clinician neither hands its keys on nor takes one
/// from anyone but the patient (both found by an attacker run).
async fn a_clinician_keys_nothing_of_a_patients_record(relay: Relay, dir: &Path) {
    use pph_protocol::sealed::KeyName;
    use pph_testing::crypto::{identity::Identity, seal, wrap::wrap, wrap::AccountKeyPair, Key32};
    let server = ServerProcess::start_on(&relay, dir);
    let url = server.url.clone();
    let ann = signed_up(&url, dir, "ann", "Ann", AccountRole::Patient).await;
    let doc = signed_up(&url, dir, "doc", "Dr Doc", AccountRole::Clinician).await;
    let eve = signed_up(&url, dir, "eve", "Eve", AccountRole::Clinician).await;
    ann.care_plans()
        .create_plan(NewPlan {
            title: SENTINEL.into(),
            what_matters: "The park".into(),
            next_review: None,
        })
        .expect("plan");
    grant(&ann, vec![ShareScope::CarePlan]).await;
    sync_all(&[&ann, &doc]).await;
    let space = personal_space(&ann);
    let (doc_id, eve_id) = (account_id(&doc), account_id(&eve));
    let pair = AccountKeyPair::generate();
    relay.set_account_keys(&eve_id, &account_keys(&pair)).await;
    relay.inject_member(&space, &doc_id).await;
    relay
        .inject_share(
            &account_id(&ann),
            &eve_id,
            "care_plan",
            "not Ann's signature",
        )
        .await;
    let doc_key = served_public_key(&url, "doc@example.org", &doc_id).await;
    let known = Key32::random();
    let mut slipped = wrap(&known, &space, KeyName::CarePlan, 2, &doc_id, &doc_key).expect("wrap");
    Identity::of(&pair)
        .expect("identity")
        .sign(&eve_id, &mut slipped);
    relay.inject_envelope(&slipped).await;

    let report = doc.sync().sync_now().await.expect("Doc's sync");
    assert!(
        report
            .errors
            .iter()
            .any(|e| e.starts_with("1 key set aside")),
        "{:?}",
        report.errors
    );
    let to_eve = envelopes_in(&url, "eve@example.org", &space).await.len();
    assert_eq!(to_eve, 0, "nothing of Ann's record handed on to Eve");
    let probe = seal::seal(
        &pph_protocol::Change {
            change_id: id(),
            space: space.clone(),
            entity_type: "care_plan".into(),
            entity_id: id(),
            field: "title".into(),
            value: serde_json::json!("x"),
            hlc: pph_protocol::Hlc {
                wall_ms: now_ms(),
                counter: 0,
                node: "0123456789abcdef".into(),
            },
        },
        KeyName::CarePlan,
        2,
        &known,
    )
    .expect("seal");
    assert!(
        doc.sync()
            .open_as_this_device(&probe)
            .expect("open")
            .is_none(),
        "Doc's device never took Eve's key for Ann's record"
    );
}

/// A member who holds a group's epoch cannot hand a newcomer another key
/// for it: the newcomer's device checks the key against the commitment the
/// epoch's beginner signed, and sets the envelope aside (the second
/// attacker run: the newcomer took and kept it, and could read nothing).
async fn a_holder_cannot_hand_a_newcomer_another_key(relay: Relay, dir: &Path) {
    use pph_protocol::sealed::KeyName;
    use pph_testing::crypto::{identity::Identity, wrap::wrap, wrap::AccountKeyPair, Key32};
    let server = ServerProcess::start_on(&relay, dir);
    let url = server.url.clone();
    let fay = signed_up(&url, dir, "fay", "Fay", AccountRole::Patient).await;
    let mal = signed_up(&url, dir, "mal", "Mal", AccountRole::Patient).await;
    let gus = signed_up(&url, dir, "gus", "Gus", AccountRole::Patient).await;
    // Mal's keys are ones the test holds (as Mal's own would be to Mal),
    // before anyone has seen them.
    let pair = AccountKeyPair::generate();
    relay
        .set_account_keys(&account_id(&mal), &account_keys(&pair))
        .await;
    let (group, first) = group_of(&fay, &[], "Circle").await;
    let token = token_for(&url, "mal@example.org").await;
    let identity = Identity::of(&pair).expect("identity");
    let joined = join_raw(&url, &token, &first.code, (&account_id(&mal), &identity)).await;
    assert_eq!(joined.status(), 200, "Mal joins");
    sync_all(&[&fay]).await;
    let invite = fay
        .groups()
        .invite_code(group.id.clone(), in_ms(3_600_000))
        .await
        .expect("invite");
    gus.groups().join_group(invite.code).await.expect("join");
    let gus_key = served_public_key(&url, "fay@example.org", &account_id(&gus)).await;
    let mut other = wrap(
        &Key32::random(),
        &group.id,
        KeyName::Group,
        1,
        &account_id(&gus),
        &gus_key,
    )
    .expect("wrap");
    Identity::of(&pair)
        .expect("identity")
        .sign(&account_id(&mal), &mut other);
    let resp = reqwest::Client::new()
        .post(format!("{url}/v1/keys/envelopes"))
        .bearer_auth(token_for(&url, "mal@example.org").await)
        .json(&serde_json::json!({"envelopes": [other]}))
        .send()
        .await
        .expect("send");
    assert_eq!(
        resp.status(),
        204,
        "Mal holds epoch 1, so the relay takes it"
    );
    let report = gus.sync().sync_now().await.expect("sync");
    assert!(
        report
            .errors
            .iter()
            .any(|e| e.starts_with("1 key set aside")),
        "{:?}",
        report.errors
    );
    assert_eq!(
        gus.groups().groups_waiting_for_key().expect("waiting"),
        1,
        "Mal's key was not taken"
    );
    // Nor is the group's history set aside for good: Mal did not begin
    // the epoch, so its committed key may still come (the fourth attacker
    // run: it was set aside and lost). Gus's device dropped Mal's envelope
    // on the relay, so Fay's gives him the real key at her next sync.
    assert!(
        set_aside_rules(&gus).is_empty(),
        "{:?}",
        set_aside_rules(&gus)
    );
    sync_all(&[&fay, &gus]).await;
    assert_eq!(
        gus.groups().groups_waiting_for_key().expect("waiting"),
        0,
        "the real key came from Fay"
    );
    assert_eq!(gus.groups().groups().expect("groups")[0].name, "Circle");
}

/// A member who begins the group's next epoch with a key other than the
/// one they committed to, and pushes a message under it, stops no one: the
/// others refuse the key and set that message aside, and the group keeps
/// flowing (the third attacker run: their cursors waited for good). An
/// epoch begun with no commitment at all is refused by the relay.
async fn a_member_who_begins_an_epoch_with_another_key_stops_no_one(relay: Relay, dir: &Path) {
    use pph_protocol::sealed::{key_commit, KeyName};
    use pph_testing::crypto::{seal, Key32};
    let MalsCircle {
        server: _server,
        url,
        fay,
        bob,
        mal,
        group,
        identity,
    } = mals_circle(&relay, dir).await;
    let (wrapped, committed) = (Key32::random(), Key32::random());
    let envelopes =
        epoch_two_from_mal(&url, [&fay, &bob, &mal], &group.id, &identity, &wrapped).await;
    let commit = key_commit(&group.id, KeyName::Group, 2, committed.bytes());
    let mal_token = token_for(&url, "mal@example.org").await;
    let begun_for = begun_for(&url, &mal_token, &envelopes).await;
    let commitment = serde_json::json!([{"space": group.id, "key": "group", "epoch": 2,
        "commit": commit, "begun_for": begun_for,
        "sig": identity.sign_commitment(&group.id, KeyName::Group, 2, &commit, &begun_for)}]);
    let begin = |commitments: serde_json::Value| {
        let url = url.clone();
        let body = serde_json::json!({"envelopes": envelopes, "commitments": commitments,
            "creates": [{"space": group.id, "key": "group", "epoch": 2}]});
        async move {
            reqwest::Client::new()
                .post(format!("{url}/v1/keys/envelopes"))
                .bearer_auth(token_for(&url, "mal@example.org").await)
                .json(&body)
                .send()
                .await
                .expect("send")
                .status()
                .as_u16()
        }
    };
    assert_eq!(begin(serde_json::json!([])).await, 400, "no commitment");
    assert_eq!(begin(commitment).await, 204, "a commitment to another key");
    let message = pph_protocol::Change {
        change_id: id(),
        space: group.id.clone(),
        entity_type: "group_message".into(),
        entity_id: id(),
        field: "*".into(),
        value: serde_json::json!({"body": "under Mal's key"}),
        hlc: pph_protocol::Hlc {
            wall_ms: now_ms(),
            counter: 0,
            node: "0123456789abcdef".into(),
        },
    };
    let sealed = identity
        .sign_change(
            &account_id(&mal),
            seal::seal(&message, KeyName::Group, 2, &wrapped).expect("seal"),
        )
        .expect("sign");
    let pushed = push_raw(
        &reqwest::Client::new(),
        &url,
        &token_for(&url, "mal@example.org").await,
        &[sealed],
    )
    .await;
    assert_eq!(pushed.status(), 200, "the relay cannot tell");
    fay.sync().sync_now().await.expect("fay");
    fay.groups()
        .post_message(group.id.clone(), "after it".into(), None)
        .expect("post");
    sync_all(&[&fay, &bob, &bob]).await;
    let shown: Vec<String> = bob
        .groups()
        .messages(group.id.clone(), 50, None)
        .expect("page")
        .messages
        .into_iter()
        .map(|m| m.body)
        .collect();
    assert!(shown.contains(&"after it".to_owned()), "{shown:?}");
    assert!(set_aside_rules(&bob).contains(&"epoch_not_begun".to_owned()));
}

/// Fay's group with Bob and Mal, whose keys on the relay the test holds
/// (put there in place of those his phone made): what a member playing
/// the attacker over raw HTTP has.
struct MalsCircle {
    server: ServerProcess,
    url: String,
    fay: Arc<Companion>,
    bob: Arc<Companion>,
    mal: Arc<Companion>,
    group: Group,
    identity: pph_testing::crypto::identity::Identity,
}

async fn mals_circle(relay: &Relay, dir: &Path) -> MalsCircle {
    use pph_testing::crypto::{identity::Identity, wrap::AccountKeyPair};
    let server = ServerProcess::start_on(relay, dir);
    let url = server.url.clone();
    let fay = signed_up(&url, dir, "fay", "Fay", AccountRole::Patient).await;
    let bob = signed_up(&url, dir, "bob", "Bob", AccountRole::Patient).await;
    let mal = signed_up(&url, dir, "mal", "Mal", AccountRole::Patient).await;
    let pair = AccountKeyPair::generate();
    relay
        .set_account_keys(&account_id(&mal), &account_keys(&pair))
        .await;
    let identity = Identity::of(&pair).expect("identity");
    let (group, invite) = group_of(&fay, &[&bob], "Circle").await;
    // Mal joins with the identity the test holds, as his own device would.
    let token = token_for(&url, "mal@example.org").await;
    let joined = join_raw(&url, &token, &invite.code, (&account_id(&mal), &identity)).await;
    assert_eq!(joined.status(), 200, "Mal joins");
    sync_all(&[&fay, &bob]).await;
    MalsCircle {
        server,
        url,
        fay,
        bob,
        mal,
        group,
        identity,
    }
}

/// `key` as the group's epoch 2, wrapped to each of `members` at the
/// public key the relay serves, and signed by Mal (the last of them).
async fn epoch_two_from_mal(
    url: &str,
    members: [&Companion; 3],
    group: &str,
    identity: &pph_testing::crypto::identity::Identity,
    key: &pph_testing::crypto::Key32,
) -> Vec<pph_protocol::sealed::Envelope> {
    let served = keys_view(url, &token_for(url, "fay@example.org").await)
        .await
        .identities;
    let mal = account_id(members[2]);
    members
        .iter()
        .map(|who| {
            let public = &served
                .iter()
                .find(|i| i.account_id == account_id(who))
                .expect("served")
                .public_key;
            let mut e = pph_testing::crypto::wrap::wrap(
                key,
                group,
                pph_protocol::sealed::KeyName::Group,
                2,
                &account_id(who),
                public,
            )
            .expect("wrap");
            identity.sign(&mal, &mut e);
            e
        })
        .collect()
}

/// A member who begins the group's next epoch just before leaving (wrapped
/// to everyone and honestly committed to, so the others take it) chooses
/// no key used after they leave: the first device to sync after it turns
/// the key over, since one of the epoch's holders no longer reads it, and
/// what the group writes next does not open under the key the leaver chose.
async fn a_member_who_seeds_the_next_epoch_and_leaves_chooses_no_later_key(
    relay: Relay,
    dir: &Path,
) {
    use pph_protocol::sealed::{key_commit, KeyName, Sealed};
    use pph_testing::crypto::{seal, Key32};
    let MalsCircle {
        server: _server,
        url,
        fay,
        bob,
        mal,
        group,
        identity,
    } = mals_circle(&relay, dir).await;
    let mal_token = token_for(&url, "mal@example.org").await;
    let seeded = Key32::random();
    let envelopes =
        epoch_two_from_mal(&url, [&fay, &bob, &mal], &group.id, &identity, &seeded).await;
    let commit = key_commit(&group.id, KeyName::Group, 2, seeded.bytes());
    let begun_for = begun_for(&url, &mal_token, &envelopes).await;
    let body = serde_json::json!({"envelopes": envelopes,
        "creates": [{"space": group.id, "key": "group", "epoch": 2}],
        "commitments": [{"space": group.id, "key": "group", "epoch": 2, "commit": commit,
            "begun_for": begun_for,
            "sig": identity.sign_commitment(&group.id, KeyName::Group, 2, &commit, &begun_for)}]});
    let client = reqwest::Client::new();
    let begun = client
        .post(format!("{url}/v1/keys/envelopes"))
        .bearer_auth(&mal_token)
        .json(&body)
        .send()
        .await
        .expect("send");
    assert_eq!(begun.status().as_u16(), 204);
    // The others take Mal's key while Mal is a member: what Bob writes now
    // is sealed under it.
    sync_all(&[&fay, &bob]).await;
    bob.groups()
        .post_message(group.id.clone(), "while Mal is here".into(), None)
        .expect("post");
    bob.sync().sync_now().await.expect("bob");
    let opens_with_seeded = |c: &Change| seal::open(c, |_, _| Some(seeded.clone())).is_ok();
    let before = raw_with(&relay, &bob, &group.id, "while Mal is here").await;
    assert_eq!(before.len(), 1);
    assert!(opens_with_seeded(&before[0]), "the others took Mal's key");
    let left = client
        .delete(format!(
            "{url}/v1/spaces/{}/members/{}",
            group.id,
            account_id(&mal)
        ))
        .bearer_auth(&mal_token)
        .send()
        .await
        .expect("leave");
    assert!(left.status().is_success(), "{}", left.status());
    fay.sync().sync_now().await.expect("fay");
    fay.groups()
        .post_message(group.id.clone(), "after Mal left".into(), None)
        .expect("post");
    sync_all(&[&fay, &bob]).await;
    let after = raw_with(&relay, &bob, &group.id, "after Mal left").await;
    assert_eq!(after.len(), 1, "Bob reads it");
    let epoch = Sealed::of(&after[0].value).expect("sealed").epoch;
    assert!(epoch > 2, "sealed under epoch {epoch}");
    assert!(!opens_with_seeded(&after[0]));
}

/// A relay that names an account of its own as the patient of a record
/// shared with a clinician (the patient's account moved off her space, the
/// share's patient rewritten) gets nothing onto the clinician's device:
/// not the key that account wraps to them, not the words of her care plan
/// it seals under it (the sixth attacker run: both were taken as the
/// patient's). The device keeps the owner it first saw for each record.
async fn a_relay_naming_its_own_account_the_patient_gets_nothing_in(relay: Relay, dir: &Path) {
    use pph_protocol::sealed::KeyName;
    use pph_testing::crypto::{identity::Identity, seal, wrap::wrap, wrap::AccountKeyPair, Key32};
    let server = ServerProcess::start_on(&relay, dir);
    let url = server.url.clone();
    let ann = signed_up(&url, dir, "ann", "Ann", AccountRole::Patient).await;
    let doc = signed_up(&url, dir, "doc", "Dr Doc", AccountRole::Clinician).await;
    let rex = signed_up(&url, dir, "rex", "Rex", AccountRole::Patient).await;
    let pair = AccountKeyPair::generate();
    let rex_id = account_id(&rex);
    relay.set_account_keys(&rex_id, &account_keys(&pair)).await;
    let plan = ann
        .care_plans()
        .create_plan(NewPlan {
            title: "Breathe easier".into(),
            what_matters: "Walking to the park".into(),
            next_review: None,
        })
        .expect("plan");
    grant(&ann, vec![ShareScope::CarePlan]).await;
    sync_all(&[&ann, &doc]).await;
    let space = personal_space(&ann);
    let page = || {
        doc.sharing()
            .consultation_page(space.clone(), None)
            .expect("page")
    };
    assert!(page().contains("Walking to the park"));
    // Rex's key for the care plan's next epoch, wrapped to Doc, and new
    // words for what matters to Ann sealed under it, signed by Rex.
    let identity = Identity::of(&pair).expect("identity");
    let secret = Key32::random();
    let mut e = wrap(
        &secret,
        &space,
        KeyName::CarePlan,
        2,
        &account_id(&doc),
        &served_public_key(&url, "ann@example.org", &account_id(&doc)).await,
    )
    .expect("wrap");
    identity.sign(&rex_id, &mut e);
    let words = Change {
        change_id: id(),
        space: space.clone(),
        entity_type: "care_plan".into(),
        entity_id: plan.id.clone(),
        field: "what_matters".into(),
        value: serde_json::json!("Stop the inhaler"),
        hlc: pph_protocol::Hlc {
            wall_ms: now_ms(),
            counter: 0,
            node: "0123456789abcdef".into(),
        },
    };
    let forged = identity
        .sign_change(
            &rex_id,
            seal::seal(&words, KeyName::CarePlan, 2, &secret).expect("seal"),
        )
        .expect("sign");
    relay
        .hand_record_to(&space, &account_id(&ann), &rex_id)
        .await;
    relay.inject_envelope(&e).await;
    relay.forge(&rex_id, &forged).await;
    let report = doc.sync().sync_now().await.expect("doc");
    assert!(
        report.errors.iter().any(|e| e.contains("someone else's")),
        "{report:?}"
    );
    relay
        .hand_record_to(&space, &rex_id, &account_id(&ann))
        .await;
    doc.sync().sync_now().await.expect("doc again");
    let shown = page();
    assert!(shown.contains("Walking to the park"), "{shown}");
    assert!(!shown.contains("Stop the inhaler"));
}

/// A record shared with a clinician that the relay lists to them as a
/// group (the seventh attacker run: the clinician's device took a key the
/// relay made for it, and sealed the clinician's next proposal under it,
/// for the relay to read and the patient never to get) is taken nothing
/// from while the relay says so; once it lists it truly again, the
/// clinician's proposal reaches the patient.
async fn a_shared_record_relisted_as_a_group_gives_the_clinician_nothing(relay: Relay, dir: &Path) {
    let server = ServerProcess::start_on(&relay, dir);
    let url = server.url.clone();
    let ann = signed_up(&url, dir, "ann", "Ann", AccountRole::Patient).await;
    let doc = signed_up(&url, dir, "doc", "Dr Doc", AccountRole::Clinician).await;
    let plan = ann
        .care_plans()
        .create_plan(NewPlan {
            title: "Breathe easier".into(),
            what_matters: "Walking to the park".into(),
            next_review: None,
        })
        .expect("plan");
    grant(&ann, vec![ShareScope::CarePlan]).await;
    sync_all(&[&ann, &doc]).await;
    let space = personal_space(&ann);
    let doc_id = account_id(&doc);
    relay.relist_as_group(&space, &doc_id, true).await;
    let report = doc.sync().sync_now().await.expect("doc");
    relay.relist_as_group(&space, &doc_id, false).await;
    assert!(
        report
            .errors
            .iter()
            .any(|e| e.contains("no longer a person's record")),
        "{report:?}"
    );
    assert_eq!(set_aside_rules(&doc), Vec::<String>::new());
    doc.sync().sync_now().await.expect("doc again");
    let proposal = doc
        .sharing()
        .propose_review(
            space.clone(),
            NewReview {
                date: "2026-12-07".into(),
                participants: vec!["Ann".into(), "Dr Doc".into()],
                notes: "Keep walking".into(),
                outcome: "Going well".into(),
                next_review: None,
            },
        )
        .expect("propose");
    sync_all(&[&doc, &ann]).await;
    let arrived = ann
        .care_plans()
        .review_proposals(plan.id.clone())
        .expect("proposals");
    assert!(arrived.iter().any(|p| p.id == proposal.id), "{arrived:?}");
}

on_both_relays!(
    two_shares_from_one_patient_stop_no_clinicians_sync,
    a_revocation_the_relay_clears_gives_the_clinician_nothing_new,
    a_revoked_clinician_reads_nothing_the_patients_other_phone_writes,
    a_newcomer_shown_no_epoch_begins_none_and_reads_the_groups,
    an_epoch_the_relay_takes_a_leaver_off_is_not_sealed_under,
    a_row_at_the_end_of_the_epoch_count_is_no_epoch,
    a_leaver_reads_nothing_written_after_a_newcomer_turns_the_key,
    a_withheld_key_leaves_no_one_writing_under_a_leavers_key,
    a_phone_offline_through_a_departure_keeps_its_group_going,
    a_code_made_through_a_member_who_left_lets_people_in,
    a_replayed_envelope_is_not_taken_in_another_place,
    a_removed_member_the_relay_puts_back_gets_nothing_new,
    an_account_put_into_a_group_gets_no_key,
    a_shared_record_relisted_as_a_group_gives_the_clinician_nothing,
    a_relay_naming_its_own_account_the_patient_gets_nothing_in,
    a_member_who_seeds_the_next_epoch_and_leaves_chooses_no_later_key,
    a_member_who_begins_an_epoch_with_another_key_stops_no_one,
    a_holder_cannot_hand_a_newcomer_another_key,
    a_clinician_keys_nothing_of_a_patients_record,
    a_key_from_someone_not_entitled_to_give_it_is_not_taken,
    a_share_put_into_the_relay_gets_no_key,
    an_envelope_put_into_the_relay_is_not_taken,
    a_swapped_identity_gets_no_key_until_accepted,
    the_relay_keeps_no_health_data,
    the_revoked_and_the_removed_cannot_open_what_comes_after,
    a_sealed_value_altered_or_moved_is_set_aside,
    the_password_and_recovery_code_never_cost_a_record,
    the_key_endpoints_refuse_the_wrong_accounts,
    an_account_without_keys_gets_them_at_its_next_sign_in,
    a_bad_public_key_stops_no_one_elses_sync,
);
