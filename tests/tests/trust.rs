//! Trust in shared spaces, as attacks: a patient, a facilitator and a peer
//! (the attacker) in one group, on a real `pph-server` process over SQLite
//! and over PostgreSQL. The peer sends raw HTTP with their own valid token;
//! then changes are forged straight into the relay's store, as a broken or
//! out-of-date relay would serve them, and every client must set them aside.

use pph_core::*;
use pph_protocol::wire::ErrorBody;
use pph_protocol::{Change, Hlc};
use pph_testing::*;
use serde_json::{json, Value};
use std::path::Path;
use std::sync::Arc;

struct Scene {
    server: ServerProcess,
    relay: Relay,
    pat: Arc<Companion>,
    fac: Arc<Companion>,
    mal: Arc<Companion>,
    group: Group,
    /// Pat's message in the group, Pat's care plan, Fac's meetup.
    message: ChatMessage,
    plan: PlanInfo,
    meetup: Meetup,
    pat_id: String,
    mal_id: String,
    mal_token: String,
}

async fn scene(relay: Relay, dir: &Path) -> Scene {
    let server = ServerProcess::start_on(&relay, dir);
    let pat = patient(&server, dir, "pat").await;
    let fac = patient(&server, dir, "fac").await;
    let mal = patient(&server, dir, "mal").await;
    let plan = pat
        .care_plans()
        .create_plan(NewPlan {
            title: "Breathe easier".into(),
            what_matters: "The park on Saturdays".into(),
            next_review: None,
        })
        .expect("plan");
    pat.diary()
        .log_entry(NewEntry {
            recorded_at: std::time::SystemTime::now(),
            utc_offset_minutes: 0,
            ratings: vec![],
            note: Some("A good day".into()),
            tags: vec![],
            medications: vec![],
        })
        .expect("entry");
    let (group, _) = group_of(&fac, &[&pat, &mal], "Breathe Easy Thursdays").await;
    sync_all(&[&fac, &pat, &mal]).await;
    let message = pat
        .groups()
        .post_message(group.id.clone(), "Walked to the shop today".into(), None)
        .expect("message");
    let start = in_ms(86_400_000);
    let meetup = fac
        .groups()
        .create_meetup(
            group.id.clone(),
            NewMeetup {
                title: "Walk in the park".into(),
                starts_at: start,
                ends_at: start + std::time::Duration::from_millis(3_600_000),
                place: Some("The park gates".into()),
                online_link: None,
                capacity: None,
                notes: String::new(),
            },
        )
        .expect("meetup");
    sync_all(&[&pat, &fac, &mal]).await;
    let id_of = |c: &Companion| {
        c.sync()
            .status()
            .expect("status")
            .account
            .expect("account")
            .account_id
    };
    Scene {
        pat_id: id_of(&pat),
        mal_id: id_of(&mal),
        mal_token: token_for(&server.url, "mal@example.org").await,
        server,
        relay,
        pat,
        fac,
        mal,
        group,
        message,
        plan,
        meetup,
    }
}

fn change(space: &str, kind: &str, entity: &str, field: &str, value: Value) -> Change {
    Change {
        change_id: uuid::Uuid::now_v7().to_string(),
        space: space.into(),
        entity_type: kind.into(),
        entity_id: entity.into(),
        field: field.into(),
        value,
        hlc: Hlc {
            wall_ms: now_ms(),
            counter: 0,
            node: "feedfacefeedface".into(),
        },
    }
}

async fn push(url: &str, token: &str, changes: &[Change]) -> reqwest::Response {
    push_raw(&reqwest::Client::new(), url, token, changes).await
}

/// A refused push: 403 and the rule each change broke.
async fn refused(resp: reqwest::Response) -> Vec<String> {
    assert_eq!(resp.status().as_u16(), 403);
    let body: ErrorBody = resp.json().await.expect("error body");
    body.refused.iter().map(|r| r.rule.code()).collect()
}

/// Pat's message in the group as `phone` shows it.
fn shown_body(phone: &Companion, s: &Scene) -> String {
    let page = phone
        .groups()
        .messages(s.group.id.clone(), 50, None)
        .expect("page");
    page.messages
        .into_iter()
        .find(|m| m.id == s.message.id)
        .expect("kept")
        .body
}

/// Dr Doc, signed up on the scene's relay, with Pat's care plan shared
/// with them for an hour and its key on their phone.
async fn pats_clinician(s: &Scene, dir: &Path) -> Arc<Companion> {
    let doc = signed_up(&s.server.url, dir, "doc", "Dr Doc", AccountRole::Clinician).await;
    s.pat
        .sharing()
        .grant_share(
            "doc@example.org".into(),
            vec![ShareScope::CarePlan],
            in_ms(3_600_000),
        )
        .await
        .expect("share");
    doc.sync().sync_now().await.expect("doc syncs");
    doc
}

/// A new title for Pat's care plan, sealed and signed on Doc's phone.
fn new_title_sealed_by(doc: &Companion, s: &Scene) -> Change {
    let title = change(
        &personal_space(&s.pat),
        "care_plan",
        &s.plan.id,
        "title",
        json!("Stop the inhaler"),
    );
    doc.sync()
        .seal_as_this_device(&title)
        .expect("seal")
        .expect("Doc holds the care plan's key")
}

fn personal_space(c: &Companion) -> String {
    c.sync()
        .status()
        .expect("status")
        .account
        .expect("account")
        .personal_space
}

async fn a_peer_cannot_write_into_a_patients_records(relay: Relay, dir: &Path) {
    let s = scene(relay, dir).await;
    let url = &s.server.url;
    let retitle = |space: &str| {
        change(
            space,
            "care_plan",
            &s.plan.id,
            "title",
            json!("Forged title"),
        )
    };
    // Into the group they share: a care plan never lives there.
    assert_eq!(
        refused(push(url, &s.mal_token, &[retitle(&s.group.id)]).await).await,
        ["wrong_space_kind"]
    );
    // Into the patient's own space: not theirs.
    assert_eq!(
        refused(push(url, &s.mal_token, &[retitle(&personal_space(&s.pat))]).await).await,
        ["not_member"]
    );
    // A diary entry made up for the patient, into the group.
    let entry = uuid::Uuid::now_v7().to_string();
    let foreign = change(
        &s.group.id,
        "diary_entry",
        &entry,
        "*",
        json!({"id": entry, "note": "forged"}),
    );
    assert_eq!(
        refused(push(url, &s.mal_token, &[foreign]).await).await,
        ["wrong_space_kind"]
    );
    // A group record that takes the plan's id: the plan lives elsewhere.
    let hijack = change(
        &s.group.id,
        "group_message",
        &s.plan.id,
        "*",
        json!({"id": s.plan.id, "group_id": s.group.id, "author_id": s.mal_id, "body": "x"}),
    );
    assert_eq!(
        refused(push(url, &s.mal_token, &[hijack]).await).await,
        ["other_space"]
    );
    s.pat.sync().sync_now().await.expect("sync");
    let plan = s.pat.care_plans().plan(s.plan.id.clone()).expect("plan");
    assert_eq!(plan.info.title, "Breathe easier");
    let entries = s
        .pat
        .diary()
        .entries("2000-01-01".into(), "2100-01-01".into(), 50, None)
        .expect("entries");
    assert_eq!(entries.entries.len(), 1, "no foreign entry");
}

async fn a_member_cannot_edit_or_impersonate_another_members_message(relay: Relay, dir: &Path) {
    let s = scene(relay, dir).await;
    let url = &s.server.url;
    let edit = change(
        &s.group.id,
        "group_message",
        &s.message.id,
        "body",
        json!("I give up"),
    );
    assert_eq!(
        refused(push(url, &s.mal_token, &[edit]).await).await,
        ["not_author"]
    );
    let id = uuid::Uuid::now_v7().to_string();
    let impostor = change(
        &s.group.id,
        "group_message",
        &id,
        "*",
        json!({"id": id, "group_id": s.group.id, "author_id": s.pat_id, "author_name": "pat",
               "body": "I give up", "reply_to": null, "sent_at_ms": 1, "edited": false, "retracted": false}),
    );
    assert_eq!(
        refused(push(url, &s.mal_token, &[impostor]).await).await,
        ["author_mismatch"]
    );
    // Through the core, the peer's own device refuses before anything is queued.
    let err = s
        .mal
        .groups()
        .edit_message(s.message.id.clone(), "I give up".into())
        .expect_err("not theirs");
    assert!(matches!(err, PphError::Forbidden { .. }), "{err:?}");
    sync_all(&[&s.pat, &s.fac, &s.mal]).await;
    for phone in [&s.pat, &s.fac, &s.mal] {
        let shown = phone
            .groups()
            .messages(s.group.id.clone(), 50, None)
            .expect("page")
            .messages
            .into_iter()
            .find(|m| m.id == s.message.id)
            .expect("kept");
        assert_eq!(
            (shown.body.as_str(), shown.edited),
            ("Walked to the shop today", false)
        );
    }
}

async fn only_its_creator_or_a_facilitator_changes_a_meetup(relay: Relay, dir: &Path) {
    let s = scene(relay, dir).await;
    let cancel = change(
        &s.group.id,
        "group_meetup",
        &s.meetup.id,
        "cancelled",
        json!(true),
    );
    assert_eq!(
        refused(push(&s.server.url, &s.mal_token, &[cancel]).await).await,
        ["not_author"]
    );
    let before = s.mal.sync().status().expect("status").pending_changes;
    let err = s
        .mal
        .groups()
        .cancel_meetup(s.meetup.id.clone())
        .expect_err("a member's cancel");
    assert!(matches!(err, PphError::Forbidden { .. }), "{err:?}");
    assert_eq!(
        s.mal.sync().status().expect("status").pending_changes,
        before,
        "nothing queued"
    );
    s.fac
        .groups()
        .cancel_meetup(s.meetup.id.clone())
        .expect("the facilitator cancels");
    sync_all(&[&s.fac, &s.pat]).await;
    let seen = s.pat.groups().meetups(s.group.id.clone()).expect("meetups");
    assert!(seen[0].meetup.cancelled);
}

/// A change sealed under an epoch no one began (which only a relay that
/// writes its own tables could serve: it refuses such a push) is set aside
/// by every device, and stops no space: what the facilitator writes after
/// it still arrives.
async fn a_change_under_an_epoch_no_one_began_stops_no_space(relay: Relay, dir: &Path) {
    let s = scene(relay, dir).await;
    let message = change(
        &s.group.id,
        "group_message",
        &id(),
        "*",
        json!({"body": "under a key no one has"}),
    );
    let unbegun = pph_core::crypto::seal::seal(
        &message,
        pph_protocol::sealed::KeyName::Group,
        9,
        &pph_core::crypto::Key32::random(),
    )
    .expect("seal");
    let unbegun = s
        .mal
        .sync()
        .sign_as_this_device(unbegun)
        .expect("sign")
        .expect("sealed");
    s.relay.forge(&s.mal_id, &unbegun).await;
    s.fac
        .groups()
        .post_message(s.group.id.clone(), "after it".into(), None)
        .expect("post");
    s.fac.sync().sync_now().await.expect("fac");
    let report = s.pat.sync().sync_now().await.expect("sync");
    assert!(report.set_aside >= 1, "{report:?}");
    assert!(set_aside_rules(&s.pat).contains(&"epoch_not_begun".to_owned()));
    let page = s
        .pat
        .groups()
        .messages(s.group.id.clone(), 50, None)
        .expect("page");
    assert!(
        page.messages.iter().any(|m| m.body == "after it"),
        "the group keeps flowing"
    );
}

/// What a relay can forge is unsealed (it holds no key), and what Mal's
/// own phone seals is judged like anything else he sends.
async fn changes_forged_into_the_relay_are_set_aside_by_every_client(relay: Relay, dir: &Path) {
    let s = scene(relay, dir).await;
    let edit = change(
        &s.group.id,
        "group_message",
        &s.message.id,
        "body",
        json!("forged"),
    );
    let sealed_by_mal = s
        .mal
        .sync()
        .seal_as_this_device(&edit)
        .expect("seal")
        .expect("Mal holds the group's key");
    let forged = [
        sealed_by_mal,
        change(
            &s.group.id,
            "care_plan",
            &s.plan.id,
            "title",
            json!("forged"),
        ),
        change(
            &personal_space(&s.pat),
            "care_plan",
            &s.plan.id,
            "title",
            json!("forged"),
        ),
    ];
    for c in &forged {
        s.relay.forge(&s.mal_id, c).await;
    }
    let report = s.pat.sync().sync_now().await.expect("sync");
    assert_eq!(report.set_aside, 3, "{report:?}");
    assert_eq!(
        set_aside_rules(&s.pat),
        ["not_author", "unsealed", "unsealed"]
    );
    assert_eq!(
        s.pat
            .care_plans()
            .plan(s.plan.id.clone())
            .expect("plan")
            .info
            .title,
        "Breathe easier"
    );
    let fac_report = s.fac.sync().sync_now().await.expect("fac");
    assert_eq!(
        fac_report.set_aside, 2,
        "the group's two; the personal space is not theirs"
    );
    for phone in [&s.pat, &s.fac] {
        assert_eq!(shown_body(phone, &s), "Walked to the shop today");
    }
    // Set aside once: a second sync neither applies nor counts them again.
    assert_eq!(s.pat.sync().sync_now().await.expect("again").set_aside, 0);
}

async fn a_replayed_push_is_a_duplicate_and_a_reused_change_id_is_refused(
    relay: Relay,
    dir: &Path,
) {
    let s = scene(relay, dir).await;
    let url = &s.server.url;
    let id = uuid::Uuid::now_v7().to_string();
    let message = sealed_by(
        &s.mal,
        &change(
            &s.group.id,
            "group_message",
            &id,
            "*",
            json!({"id": id, "group_id": s.group.id, "author_id": s.mal_id, "author_name": "mal",
               "body": "hello", "reply_to": null, "sent_at_ms": 1, "edited": false, "retracted": false}),
        ),
    );
    let first = push(url, &s.mal_token, std::slice::from_ref(&message)).await;
    assert_eq!(first.status().as_u16(), 200);
    let replay: Value = push(url, &s.mal_token, std::slice::from_ref(&message))
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(replay, json!({"accepted": 0, "duplicates": 1}));
    let plan = uuid::Uuid::now_v7().to_string();
    let reused = Change {
        change_id: message.change_id.clone(),
        ..change(
            &personal_space(&s.mal),
            "care_plan",
            &plan,
            "*",
            json!({"id": plan}),
        )
    };
    assert_eq!(
        refused(push(url, &s.mal_token, &[reused]).await).await,
        ["change_id_reused"]
    );
}

async fn nul_characters_and_odd_id_spellings_are_refused_at_the_edge(relay: Relay, dir: &Path) {
    let s = scene(relay, dir).await;
    let url = &s.server.url;
    let client = reqwest::Client::new();
    let code = |resp: reqwest::Response| async move {
        let status = resp.status().as_u16();
        let body: ErrorBody = resp.json().await.expect("a JSON refusal");
        (status, body.code)
    };
    let invalid = (400, pph_protocol::wire::ErrorCode::Invalid);
    let sign_up = client
        .post(format!("{url}/v1/accounts"))
        .json(&json!({"email": "nul@example.org", "code": "0000-0000", "password": PASSWORD, "role": "patient",
                      "display_name": "Nu\u{0}l", "device_name": "phone", "node": "0123456789abcdef",
                      "personal_space": uuid::Uuid::now_v7().to_string(),
                      "kdf": pph_protocol::kdf::Stretch::LEAST.with_salt(&[7; 16])}))
        .send()
        .await
        .expect("send");
    assert_eq!(code(sign_up).await, invalid);
    let sign_in = client
        .post(format!("{url}/v1/sessions"))
        .json(
            &json!({"email": "pat\u{0}@example.org", "password": PASSWORD,
                      "device_name": "phone", "node": "0123456789abcdef"}),
        )
        .send()
        .await
        .expect("send");
    assert_eq!(code(sign_in).await, invalid);
    let good = || {
        let id = uuid::Uuid::now_v7().to_string();
        change(
            &personal_space(&s.mal),
            "care_plan",
            &id,
            "*",
            json!({"id": id}),
        )
    };
    let upper = good().entity_id.to_uppercase();
    let plain = good().entity_id.replace('-', "");
    let spellings = [
        Change {
            entity_type: "care\u{0}plan".into(),
            ..good()
        },
        Change {
            entity_id: format!("{}\u{0}", good().entity_id),
            ..good()
        },
        Change {
            entity_id: upper,
            ..good()
        },
        Change {
            entity_id: format!("{{{}}}", good().entity_id),
            ..good()
        },
        Change {
            entity_id: format!("urn:uuid:{}", good().entity_id),
            ..good()
        },
        Change {
            entity_id: plain,
            ..good()
        },
        Change {
            change_id: good().change_id.to_uppercase(),
            ..good()
        },
        Change {
            space: personal_space(&s.mal).to_uppercase(),
            ..good()
        },
    ];
    for c in spellings {
        assert_eq!(code(push(url, &s.mal_token, &[c]).await).await, invalid);
    }
    assert_eq!(
        push(url, &s.mal_token, &[sealed_by(&s.mal, &good())])
            .await
            .status()
            .as_u16(),
        200,
        "still serving"
    );
}

async fn wrong_passwords_at_once_are_counted_and_a_stranger_locks_no_one_out(
    relay: Relay,
    dir: &Path,
) {
    let server = ServerProcess::start_on(&relay, dir);
    let pat = patient(&server, dir, "pat").await;
    drop(pat);
    let from = |addr: [u8; 4]| {
        reqwest::Client::builder()
            .local_address(std::net::IpAddr::from(addr))
            .build()
            .expect("client")
    };
    let attempt = |client: reqwest::Client, email: String, password: &str| {
        let password = password.to_owned();
        let url = server.url.clone();
        async move {
            client
                .post(format!("{url}/v1/sessions"))
                .json(&json!({"email": email, "password": password,
                              "device_name": "x", "node": "0123456789abcdef"}))
                .send()
                .await
                .expect("send")
                .status()
                .as_u16()
        }
    };
    // Forty wrong passwords at once from one address: exactly five tried.
    let stranger = from([127, 0, 0, 2]);
    let tries: Vec<_> = (0..40)
        .map(|_| {
            tokio::spawn(attempt(
                stranger.clone(),
                "pat@example.org".into(),
                "wrong password!!",
            ))
        })
        .collect();
    let mut statuses = Vec::new();
    for t in tries {
        statuses.push(t.await.expect("task"));
    }
    assert_eq!(
        statuses.iter().filter(|s| **s == 401).count(),
        5,
        "{statuses:?}"
    );
    assert_eq!(statuses.iter().filter(|s| **s == 429).count(), 35);
    // The stranger is held back; the person, elsewhere, is not (their
    // phone sends the password's authentication key, never the password).
    let right = auth_key(&server.url, "pat@example.org", PASSWORD).await;
    assert_eq!(
        attempt(stranger.clone(), "pat@example.org".into(), &right).await,
        429
    );
    assert_eq!(
        attempt(from([127, 0, 0, 3]), "pat@example.org".into(), &right).await,
        200
    );
    // Guesses spread over many accounts from one address are caught too.
    let sprayer = from([127, 0, 0, 4]);
    let mut spray = Vec::new();
    for i in 0..25 {
        spray.push(
            attempt(
                sprayer.clone(),
                format!("guess{i}@example.org"),
                "wrong password!!",
            )
            .await,
        );
    }
    let limit = pph_server::rate_limit::SIGN_IN_PER_ADDRESS.max as usize;
    assert!(spray[..limit].iter().all(|s| *s == 401), "{spray:?}");
    assert!(spray[limit..].iter().all(|s| *s == 429), "{spray:?}");
}

async fn a_removed_member_stays_out_until_let_back(relay: Relay, dir: &Path) {
    let s = scene(relay, dir).await;
    let code = s
        .fac
        .groups()
        .invite_code(s.group.id.clone(), in_ms(86_400_000))
        .await
        .expect("code");
    s.fac
        .groups()
        .remove_member(s.group.id.clone(), s.mal_id.clone())
        .await
        .expect("remove");
    let err = s
        .mal
        .groups()
        .join_group(code.code.clone())
        .await
        .expect_err("barred");
    assert!(matches!(err, PphError::Forbidden { .. }), "{err:?}");
    let removed = s
        .fac
        .groups()
        .removed_members(s.group.id.clone())
        .await
        .expect("removed");
    assert_eq!(
        removed.iter().map(|m| &m.account_id).collect::<Vec<_>>(),
        [&s.mal_id]
    );
    assert!(s
        .pat
        .groups()
        .readmit_member(s.group.id.clone(), s.mal_id.clone())
        .await
        .is_err());
    s.fac
        .groups()
        .readmit_member(s.group.id.clone(), s.mal_id.clone())
        .await
        .expect("let back");
    assert_eq!(
        s.mal.groups().join_group(code.code).await.expect("back"),
        s.group.id
    );
}

async fn rate_limited_sign_in_is_its_own_error(relay: Relay, dir: &Path) {
    let server = ServerProcess::start_on(&relay, dir);
    patient(&server, dir, "pat").await;
    let account = device(dir, "tablet").account();
    let sign_in = |password: &str| {
        account.sign_in(
            server.url.clone(),
            "pat@example.org".into(),
            password.into(),
        )
    };
    for _ in 0..pph_server::rate_limit::SIGN_IN_PER_ACCOUNT.max {
        assert_eq!(
            sign_in("wrong password!!").await.expect_err("wrong"),
            PphError::Unauthorized
        );
    }
    match sign_in(PASSWORD).await.expect_err("held back") {
        PphError::RateLimited { retry_after_s } => assert!((1..=900).contains(&retry_after_s)),
        other => panic!("expected RateLimited, got {other:?}"),
    }
}

async fn history_names_the_device_a_change_was_made_on(relay: Relay, dir: &Path) {
    let server = ServerProcess::start_on(&relay, dir);
    let phone = patient(&server, dir, "pat").await;
    let plan = phone
        .care_plans()
        .create_plan(NewPlan {
            title: "Breathe easier".into(),
            what_matters: String::new(),
            next_review: None,
        })
        .expect("plan");
    phone.sync().sync_now().await.expect("sync");
    let tablet = signed_in(&server.url, dir, "Pat's tablet", "pat@example.org").await;
    tablet.sync().sync_now().await.expect("tablet");
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
    tablet.sync().sync_now().await.expect("tablet push");
    phone.sync().sync_now().await.expect("phone pull");
    let history = phone
        .care_plans()
        .history(plan.id.clone())
        .expect("history");
    assert_eq!(history.first().expect("created").device, "pat");
    assert_eq!(history.last().expect("edited").device, "Pat's tablet");
    let on_tablet = tablet.care_plans().history(plan.id).expect("history");
    assert_eq!(on_tablet.first().expect("created").device, "pat");
}

/// A clinician's one write into a patient's space, a review proposal, as
/// attacks over raw HTTP with valid tokens: before any share, from a peer,
/// naming someone else, anything but a proposal, a decision, a replay,
/// after revocation; and a proposal forged into the relay from someone the
/// care plan is not shared with, or from Doc under a share the relay adds
/// back, which the patient's phone sets aside.
async fn a_clinician_proposes_a_review_and_writes_nothing_else(relay: Relay, dir: &Path) {
    let s = scene(relay, dir).await;
    let url = &s.server.url;
    let doc = signed_up(url, dir, "doc", "Dr Doc", AccountRole::Clinician).await;
    let doc_id = account_id(&doc);
    let doc_token = token_for(url, "doc@example.org").await;
    let space = personal_space(&s.pat);
    let proposal = |by: &str| {
        let id = uuid::Uuid::now_v7().to_string();
        let value = json!({"id": id, "plan_id": s.plan.id, "proposed_by": by,
                           "proposer_name": "Dr Doc", "proposed_at_ms": now_ms(),
                           "date": "2026-12-01", "participants": ["pat", "Dr Doc"],
                           "notes": "", "outcome": "Keep going", "next_review": null,
                           "decision": null, "decided_at_ms": null, "review_id": null});
        change(&space, "plan_proposal", &id, "*", value)
    };
    assert_eq!(
        refused(push(url, &doc_token, &[proposal(&doc_id)]).await).await,
        ["not_member"],
        "nothing shared yet"
    );
    assert_eq!(
        refused(push(url, &s.mal_token, &[proposal(&s.mal_id)]).await).await,
        ["not_member"],
        "a peer"
    );
    s.pat
        .sharing()
        .grant_share(
            "doc@example.org".into(),
            vec![ShareScope::CarePlan],
            in_ms(3_600_000),
        )
        .await
        .expect("share");
    let goal_id = uuid::Uuid::now_v7().to_string();
    let goal = change(
        &space,
        "plan_goal",
        &goal_id,
        "*",
        json!({"id": goal_id, "plan_id": s.plan.id, "description": "forged"}),
    );
    assert_eq!(
        refused(push(url, &doc_token, &[goal, proposal(&s.mal_id)]).await).await,
        ["not_owner", "author_mismatch"]
    );
    // Doc's phone, once it has the care plan's key, seals a proposal.
    doc.sync().sync_now().await.expect("doc syncs");
    let fine = doc
        .sync()
        .seal_as_this_device(&proposal(&doc_id))
        .expect("seal")
        .expect("Doc holds the care plan's key");
    let first = push(url, &doc_token, std::slice::from_ref(&fine)).await;
    assert_eq!(first.status().as_u16(), 200);
    let replay: Value = push(url, &doc_token, std::slice::from_ref(&fine))
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(replay, json!({"accepted": 0, "duplicates": 1}));
    let decide = change(
        &space,
        "plan_proposal",
        &fine.entity_id,
        "decision",
        json!("accepted"),
    );
    assert_eq!(
        refused(push(url, &doc_token, &[decide]).await).await,
        ["not_owner"],
        "only the person decides"
    );
    // Forged into the relay as Mal's (he holds no key to Pat's records, so
    // it is unsealed): the phone sets it aside.
    s.relay.forge(&s.mal_id, &proposal(&s.mal_id)).await;
    s.pat.sync().sync_now().await.expect("sync");
    let arrived = s
        .pat
        .care_plans()
        .review_proposals(s.plan.id.clone())
        .expect("proposals");
    assert_eq!(
        arrived.iter().map(|p| p.id.as_str()).collect::<Vec<_>>(),
        [fine.entity_id.as_str()]
    );
    assert_eq!(set_aside_rules(&s.pat), ["unsealed"]);

    let share = s.pat.sharing().shares().await.expect("shares")[0]
        .share_id
        .clone();
    s.pat.sharing().revoke_share(share).await.expect("revoke");
    assert_eq!(
        refused(push(url, &doc_token, &[proposal(&doc_id)]).await).await,
        ["not_member"],
        "not after the share ends"
    );
    // A share the relay adds back (with a signature Pat never made) gives
    // Doc no clinician's standing on Pat's phone: a proposal sealed with
    // the key Doc kept is set aside, not offered to her.
    s.pat.sync().sync_now().await.expect("the key turns over");
    s.relay
        .inject_share(&s.pat_id, &doc_id, "care_plan", "not Pat's signature")
        .await;
    let late = doc
        .sync()
        .seal_as_this_device(&proposal(&doc_id))
        .expect("seal")
        .expect("Doc kept the key");
    s.relay.forge(&doc_id, &late).await;
    s.pat.sync().sync_now().await.expect("sync");
    let arrived = s
        .pat
        .care_plans()
        .review_proposals(s.plan.id.clone())
        .expect("proposals");
    assert!(arrived.iter().all(|p| p.id != late.entity_id));
    assert_eq!(set_aside_rules(&s.pat), ["not_owner", "unsealed"]);
}

/// A change served with another author: the relay rewrites who wrote what
/// a key holder sealed (Mal's edit of Pat's message, served as Pat's; a
/// care plan's title sealed on her clinician's phone, served as Pat's own).
/// The relay sets the author, and the author's identity did not sign
/// either, so every phone sets them aside and shows what Pat wrote.
async fn a_change_served_with_another_author_is_set_aside(relay: Relay, dir: &Path) {
    let s = scene(relay, dir).await;
    let doc = pats_clinician(&s, dir).await;
    let edit = change(
        &s.group.id,
        "group_message",
        &s.message.id,
        "body",
        json!("I am giving up"),
    );
    let by_mal = s
        .mal
        .sync()
        .seal_as_this_device(&edit)
        .expect("seal")
        .expect("Mal holds the group's key");
    let by_doc = new_title_sealed_by(&doc, &s);
    s.relay.forge(&s.pat_id, &by_mal).await;
    s.relay.forge(&s.pat_id, &by_doc).await;
    let report = s.pat.sync().sync_now().await.expect("pat");
    assert_eq!(report.set_aside, 2, "{report:?}");
    assert_eq!(set_aside_rules(&s.pat), ["forged_author", "forged_author"]);
    let fac = s.fac.sync().sync_now().await.expect("fac");
    assert_eq!(fac.set_aside, 1, "the group's; {fac:?}");
    assert_eq!(set_aside_rules(&s.fac), ["forged_author"]);
    for phone in [&s.pat, &s.fac] {
        assert_eq!(shown_body(phone, &s), "Walked to the shop today");
    }
    let plan = s.pat.care_plans().plan(s.plan.id.clone()).expect("plan");
    assert_eq!(plan.info.title, "Breathe easier");
}

/// A relay that withholds a writer's identity makes a new device set their
/// changes aside (`unknown_author`), and costs nothing once it serves it
/// again: the device takes those changes up at its next sync (the fifth
/// attacker run: a set-aside was for good, so a newcomer lost a member's
/// history).
async fn a_writers_identity_withheld_for_a_while_costs_no_history(relay: Relay, dir: &Path) {
    use pph_protocol::sealed::AccountKeys;
    let s = scene(relay, dir).await;
    let url = &s.server.url;
    let served = keys_view(url, &token_for(url, "fac@example.org").await)
        .await
        .identities
        .into_iter()
        .find(|i| i.account_id == s.pat_id)
        .expect("Pat's identity");
    let keys = |identity: Option<String>, binding: Option<String>| AccountKeys {
        public_key: served.public_key.clone(),
        by_password: "AAAA.AAAA".into(),
        by_recovery: "AAAA.AAAA".into(),
        identity,
        binding,
    };
    s.relay.set_account_keys(&s.pat_id, &keys(None, None)).await;
    let tablet = signed_in(url, dir, "Fac's tablet", "fac@example.org").await;
    tablet.sync().sync_now().await.expect("tablet");
    assert!(set_aside_rules(&tablet).contains(&"unknown_author".to_owned()));
    let shown = |phone: &Companion| {
        phone
            .groups()
            .messages(s.group.id.clone(), 50, None)
            .expect("page")
            .messages
            .iter()
            .any(|m| m.id == s.message.id)
    };
    assert!(!shown(&tablet));
    s.relay
        .set_account_keys(
            &s.pat_id,
            &keys(Some(served.identity.clone()), Some(served.binding.clone())),
        )
        .await;
    tablet.sync().sync_now().await.expect("tablet again");
    assert!(shown(&tablet), "Pat's message, once her identity is served");
    assert!(!set_aside_rules(&tablet).contains(&"unknown_author".to_owned()));
}

/// A relay that names someone else as the owner of a person's record
/// (here her clinician, whose phone sealed and signed a new title for her
/// care plan) gives them no pen in it: her devices know the record is
/// hers, judge the clinician's change as a clinician's and set it aside
/// (the fifth attacker run: her phone applied it as her own).
async fn a_relay_naming_another_owner_gives_them_no_pen(relay: Relay, dir: &Path) {
    let s = scene(relay, dir).await;
    let doc = pats_clinician(&s, dir).await;
    let space = personal_space(&s.pat);
    let by_doc = new_title_sealed_by(&doc, &s);
    let doc_id = account_id(&doc);
    s.relay.forge(&doc_id, &by_doc).await;
    s.relay.set_owner(&space, &doc_id).await;
    let report = s.pat.sync().sync_now().await.expect("pat");
    s.relay.set_owner(&space, &s.pat_id).await;
    assert_eq!(report.set_aside, 1, "{report:?}");
    assert_eq!(set_aside_rules(&s.pat), ["not_owner"]);
    let plan = s.pat.care_plans().plan(s.plan.id.clone()).expect("plan");
    assert_eq!(plan.info.title, "Breathe easier");
}

/// What the relay can read of a sealed change it judges as it would in
/// the clear: an exchange naming its own writer or someone outside the
/// group as the other party is `bad_party`, and a malformed seal, a
/// control character in a clear id, or a missing signature is a 400 on
/// both backends (PostgreSQL once answered a NUL with a 500), storing
/// nothing; one signed by someone else than its pusher is set aside by
/// every device.
async fn what_the_relay_reads_of_a_sealed_change_is_judged_at_the_edge(relay: Relay, dir: &Path) {
    use pph_protocol::sealed::Sealed;
    let s = scene(relay, dir).await;
    let url = &s.server.url;
    let group = &s.group.id;
    let exchange = |receiver: &str| {
        let id = uuid::Uuid::now_v7().to_string();
        let value = json!({"id": id, "group_id": group, "giver_id": s.mal_id,
            "receiver_id": receiver, "minutes": 60, "category": "transport",
            "on_date": "2026-03-30"});
        sealed(&change(group, "timebank_exchange", &id, "*", value))
    };
    let signed = |c: Change| {
        s.mal
            .sync()
            .sign_as_this_device(c)
            .expect("sign")
            .expect("sealed")
    };
    let stored = s.relay.raw_changes(group).await.len();
    let to_self = push(url, &s.mal_token, &[signed(exchange(&s.mal_id))]).await;
    assert_eq!(refused(to_self).await, ["bad_party"]);
    // Nor someone outside the group: no one, or the group itself.
    let nobody = uuid::Uuid::now_v7().to_string();
    for outside in [nobody.as_str(), group.as_str()] {
        let resp = push(url, &s.mal_token, &[signed(exchange(outside))]).await;
        assert_eq!(refused(resp).await, ["bad_party"]);
    }
    let resealed = |edit: &dyn Fn(&mut Sealed)| {
        let mut c = exchange(&s.pat_id);
        let mut seal = Sealed::of(&c.value).expect("sealed");
        edit(&mut seal);
        c.value = seal.into_value();
        signed(c)
    };
    // Unsigned, from an account whose devices sign.
    let unsigned = push(url, &s.mal_token, &[exchange(&s.pat_id)]).await;
    assert_eq!(unsigned.status().as_u16(), 400);
    for bad in [
        resealed(&|x| x.refs.party = Some(format!("{}\u{0}", s.pat_id))),
        resealed(&|x| x.refs.parent = Some("not an id".into())),
        resealed(&|x| x.nonce.truncate(30)),
        resealed(&|x| x.ct = "not base64!".into()),
        resealed(&|x| x.ct = String::new()),
    ] {
        let resp = push(url, &s.mal_token, &[bad]).await;
        assert_eq!(resp.status().as_u16(), 400);
    }
    assert_eq!(s.relay.raw_changes(group).await.len(), stored);
    let to_pat = push(url, &s.mal_token, &[signed(exchange(&s.pat_id))]).await;
    assert_eq!(to_pat.status().as_u16(), 200);
    assert_eq!(s.relay.raw_changes(group).await.len(), stored + 1);
    // Signed by another account's identity than the pusher's: whose
    // signature it is, every device checks for itself, and sets it aside.
    let by_pat = s
        .pat
        .sync()
        .sign_as_this_device(exchange(&s.pat_id))
        .expect("sign")
        .expect("sealed");
    let stored = push(url, &s.mal_token, &[by_pat]).await;
    assert_eq!(stored.status().as_u16(), 200);
    s.fac.sync().sync_now().await.expect("fac");
    assert!(set_aside_rules(&s.fac).contains(&"forged_author".to_owned()));
}

on_both_relays!(
    a_peer_cannot_write_into_a_patients_records,
    a_member_cannot_edit_or_impersonate_another_members_message,
    only_its_creator_or_a_facilitator_changes_a_meetup,
    changes_forged_into_the_relay_are_set_aside_by_every_client,
    a_change_served_with_another_author_is_set_aside,
    a_relay_naming_another_owner_gives_them_no_pen,
    a_writers_identity_withheld_for_a_while_costs_no_history,
    a_change_under_an_epoch_no_one_began_stops_no_space,
    a_replayed_push_is_a_duplicate_and_a_reused_change_id_is_refused,
    nul_characters_and_odd_id_spellings_are_refused_at_the_edge,
    wrong_passwords_at_once_are_counted_and_a_stranger_locks_no_one_out,
    a_removed_member_stays_out_until_let_back,
    rate_limited_sign_in_is_its_own_error,
    history_names_the_device_a_change_was_made_on,
    a_clinician_proposes_a_review_and_writes_nothing_else,
    what_the_relay_reads_of_a_sealed_change_is_judged_at_the_edge,
);
