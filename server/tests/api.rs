//! The HTTP API's refusals: every bad request gets a JSON error with a code,
//! changes nothing, and never takes the server down.

use pph_protocol::admission::{founding_bytes, invite_bytes, Admission, Invite};
use pph_protocol::kinds::Scope;
use pph_protocol::sealed::{AccountKeys, Envelope, KeyName};
use pph_protocol::wire::*;
use pph_protocol::{Change, Hlc};
use pph_server::EmbeddedServer;
use pph_testing::crypto::identity::Identity;
use pph_testing::crypto::invite::{new_secret, InviteKey};
use pph_testing::crypto::wrap::{wrap, AccountKeyPair};
use pph_testing::crypto::Key32;
use pph_testing::groups::admission;
use pph_testing::{begin_epoch, id, now_ms, pull_page, push_raw, sealed};
use reqwest::{Client, Method, Response};
use serde_json::{json, Value};

const PASSWORD: &str = "a long enough password";

/// A stretch as a device sends it with a new password.
fn kdf() -> serde_json::Value {
    json!(pph_protocol::kdf::Stretch::LEAST.with_salt(&[7; 16]))
}

struct Fixture {
    server: EmbeddedServer,
    client: Client,
    _dir: tempfile::TempDir,
}

fn fixture() -> Fixture {
    let dir = tempfile::tempdir().expect("tempdir");
    let server = pph_testing::embedded(dir.path());
    Fixture {
        server,
        client: Client::new(),
        _dir: dir,
    }
}

async fn refusal(resp: Response, status: u16, code: &str) -> String {
    assert_eq!(resp.status().as_u16(), status);
    let body: Value = resp.json().await.expect("a JSON error body");
    assert_eq!(body["code"], code, "{body}");
    body["message"].as_str().expect("message").to_owned()
}

impl Fixture {
    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.server.url)
    }

    async fn get_as(&self, token: &str, path: impl AsRef<str>) -> Response {
        let url = self.url(path.as_ref());
        self.client
            .get(url)
            .bearer_auth(token)
            .send()
            .await
            .expect("send")
    }

    async fn delete_as(&self, token: &str, path: impl AsRef<str>) -> Response {
        let url = self.url(path.as_ref());
        self.client
            .delete(url)
            .bearer_auth(token)
            .send()
            .await
            .expect("send")
    }

    async fn sign_up(&self, email: &str, role: &str) -> SessionResponse {
        let space = id();
        let code = pph_testing::raw_sign_up_code(&self.server.url, email, &space).await;
        self.client
            .post(self.url("/v1/accounts"))
            .json(&json!({
                "email": email, "code": code, "password": PASSWORD, "role": role,
                "display_name": "Someone", "device_name": "phone", "node": "0123456789abcdef", "personal_space": space, "kdf": kdf()
            }))
            .send()
            .await
            .expect("sign up")
            .json()
            .await
            .expect("session")
    }

    /// Gives the account a key pair and identity, as its device does at
    /// sign-up, and returns them.
    async fn keyed(&self, s: &SessionResponse) -> (AccountKeyPair, Identity) {
        let pair = AccountKeyPair::generate();
        let put = self
            .client
            .put(self.url("/v1/accounts/current/keys"))
            .bearer_auth(&s.token)
            .json(&json!({"keys": pph_testing::account_keys(&pair), "current": PASSWORD}))
            .send()
            .await
            .expect("send");
        assert_eq!(put.status(), 204);
        let identity = Identity::of(&pair).expect("identity");
        (pair, identity)
    }

    async fn begin(&self, token: &str, space: &str, key: KeyName, to: &str) {
        begin_epoch(&self.client, &self.server.url, token, space, key, to).await;
    }

    async fn push(&self, token: &str, changes: &[Change]) -> Response {
        push_raw(&self.client, &self.server.url, token, changes).await
    }

    async fn count(&self, token: &str, space: &str) -> usize {
        let page = pull_page(&self.client, &self.server.url, token, space, 0, 1000).await;
        page.changes.len()
    }
}

fn change(space: &str, wall_ms: u64) -> Change {
    Change {
        change_id: id(),
        space: space.to_owned(),
        entity_type: "care_plan".into(),
        entity_id: id(),
        field: "title".into(),
        value: json!("A plan"),
        hlc: Hlc {
            wall_ms,
            counter: 0,
            node: "node-a".into(),
        },
    }
}

/// A new message in a group, as its author's device writes it.
fn message(group: &str, author: &str, wall_ms: u64) -> Change {
    let id = id();
    Change {
        entity_type: "group_message".into(),
        entity_id: id.clone(),
        field: "*".into(),
        value: json!({"id": id, "group_id": group, "author_id": author, "body": "hello"}),
        ..change(group, wall_ms)
    }
}

#[tokio::test]
async fn malformed_or_invalid_sign_ups_are_refused_by_field() {
    let f = fixture();
    let resp = f
        .client
        .post(f.url("/v1/accounts"))
        .body("{\"email\": \"secret@example.org\", ")
        .send()
        .await
        .expect("send");
    let message = refusal(resp, 400, "invalid").await;
    assert!(
        !message.contains("secret"),
        "input is not echoed: {message}"
    );
    let base = json!({
        "email": "a@example.org", "code": "0000-0000", "password": PASSWORD, "role": "patient",
        "display_name": "A", "device_name": "phone", "node": "0123456789abcdef", "personal_space": id(), "kdf": kdf()
    });
    for (field, bad) in [
        ("email", json!("not-an-email")),
        ("code", json!("x".repeat(101))),
        ("password", json!("short")),
        ("display_name", json!("   ")),
        ("personal_space", json!("../etc")),
        ("role", json!("admin")),
        ("kdf", json!(null)),
        (
            "kdf",
            json!({"salt": "AAAAAAAAAAAAAAAAAAAAAA", "memory_kib": 1024, "passes": 3, "lanes": 1}),
        ),
    ] {
        let mut body = base.clone();
        body[field] = bad;
        let resp = f
            .client
            .post(f.url("/v1/accounts"))
            .json(&body)
            .send()
            .await
            .expect("send");
        refusal(resp, 400, "invalid").await;
    }
    f.sign_up("a@example.org", "patient").await;
    // The email has an account: no code was mailed, so none is right (the
    // same refusal as a new email's wrong code: tests/tests/sign_up.rs).
    assert_eq!(
        pph_testing::raw_sign_up_code(&f.server.url, "A@Example.org", &id()).await,
        None
    );
    let again = f
        .client
        .post(f.url("/v1/accounts"))
        .json(&json!({
            "email": "A@Example.org", "code": "0000-0000", "password": PASSWORD, "role": "patient",
            "display_name": "A", "device_name": "phone", "node": "0123456789abcdef", "personal_space": id(), "kdf": kdf()
        }))
        .send()
        .await
        .expect("send");
    refusal(again, 403, "wrong_code").await;
}

#[tokio::test]
async fn sign_in_is_rate_limited_per_email() {
    let f = fixture();
    f.sign_up("b@example.org", "patient").await;
    let attempt = |password: &'static str| {
        f.client
            .post(f.url("/v1/sessions"))
            .json(&json!({"email": "b@example.org", "password": password, "device_name": "x", "node": "0123456789abcdef"}))
            .send()
    };
    for _ in 0..pph_server::rate_limit::SIGN_IN_PER_ACCOUNT.max {
        refusal(
            attempt("wrong password!!").await.expect("send"),
            401,
            "unauthorized",
        )
        .await;
    }
    // Now even the right password waits.
    refusal(attempt(PASSWORD).await.expect("send"), 429, "rate_limited").await;
    // Unknown emails are refused like wrong passwords.
    let unknown = f
        .client
        .post(f.url("/v1/sessions"))
        .json(&json!({"email": "nobody@example.org", "password": PASSWORD, "device_name": "x", "node": "0123456789abcdef"}))
        .send()
        .await
        .expect("send");
    refusal(unknown, 401, "unauthorized").await;
}

/// A stolen token alone cannot give an account without keys its first
/// keys or a recovery code: with a code of its own, a thief could recover
/// the account and change its password.
#[tokio::test]
async fn a_token_alone_sets_no_keys_and_no_recovery_code() {
    let f = fixture();
    let ann = f.sign_up("ann@example.org", "patient").await;
    let keys = pph_testing::account_keys(&AccountKeyPair::generate());
    let put = |current: Option<&str>, recovery: &str| {
        f.client
            .put(f.url("/v1/accounts/current/keys"))
            .bearer_auth(&ann.token)
            .json(&json!({"keys": keys, "current": current, "new_recovery": recovery}))
            .send()
    };
    let thief = "a thief's recovery code";
    let message = refusal(put(None, thief).await.expect("send"), 400, "invalid").await;
    assert!(message.starts_with("current:"), "{message}");
    let wrong = put(Some("not the password!"), thief).await.expect("send");
    refusal(wrong, 403, "forbidden").await;
    let recover = |code: &str| {
        f.client
            .post(f.url("/v1/sessions"))
            .json(
                &json!({"email": "ann@example.org", "password": code, "recovery": true,
                          "device_name": "x", "node": "0123456789abcdef"}),
            )
            .send()
    };
    refusal(recover(thief).await.expect("send"), 401, "unauthorized").await;
    // With the password, the account gets its first keys and its code.
    let own = "the person's own recovery code";
    assert_eq!(put(Some(PASSWORD), own).await.expect("send").status(), 204);
    assert_eq!(recover(own).await.expect("send").status(), 200);
}

/// An account's identity signs its public key and never changes, and an
/// envelope comes from the account posting it, signed by its identity: a
/// client's mistake or a stolen token's attempt is refused by name.
#[tokio::test]
async fn keys_and_envelopes_carry_their_accounts_own_identity() {
    let f = fixture();
    let ann = f.sign_up("ann@example.org", "patient").await;
    let bob = f.sign_up("bob@example.org", "patient").await;
    let pair = AccountKeyPair::generate();
    let keys = pph_testing::account_keys(&pair);
    let put = |keys: &AccountKeys| {
        f.client
            .put(f.url("/v1/accounts/current/keys"))
            .bearer_auth(&ann.token)
            .json(&json!({"keys": keys, "current": PASSWORD}))
            .send()
    };
    let other = pph_testing::account_keys(&AccountKeyPair::generate());
    for (bad, field) in [
        (
            AccountKeys {
                identity: None,
                ..keys.clone()
            },
            "keys.identity",
        ),
        (
            AccountKeys {
                binding: other.binding.clone(),
                ..keys.clone()
            },
            "keys.binding",
        ),
        (
            AccountKeys {
                public_key: other.public_key.clone(),
                ..keys.clone()
            },
            "keys.binding",
        ),
    ] {
        let message = refusal(put(&bad).await.expect("send"), 400, "invalid").await;
        assert!(message.starts_with(field), "{message}");
    }
    assert_eq!(put(&keys).await.expect("send").status(), 204);
    // Sealed again (a new password), the same identity is fine; another
    // is not.
    assert_eq!(put(&keys).await.expect("send").status(), 204);
    refusal(put(&other).await.expect("send"), 409, "conflict").await;
    // Nor does another account take Ann's key and identity as its own (the
    // fifth attacker run: every device then stopped trusting Ann).
    let copied = f
        .client
        .put(f.url("/v1/accounts/current/keys"))
        .bearer_auth(&bob.token)
        .json(&json!({"keys": keys, "current": PASSWORD}))
        .send()
        .await
        .expect("send");
    let message = refusal(copied, 409, "conflict").await;
    assert!(message.starts_with("keys.public_key"), "{message}");
    // Nor does a new account sign up with them, and the refusal leaves no
    // account behind: the same email signs up with keys of its own.
    let space = id();
    let code = pph_testing::raw_sign_up_code(&f.server.url, "cat@example.org", &space).await;
    let sign_up = |keys: &AccountKeys| {
        f.client
            .post(f.url("/v1/accounts"))
            .json(&json!({
                "email": "cat@example.org", "code": code, "password": PASSWORD, "role": "patient",
                "display_name": "Cat", "device_name": "phone", "node": "0123456789abcdef",
                "personal_space": space, "keys": keys, "recovery": "Cat's recovery code",
                "kdf": kdf()
            }))
            .send()
    };
    let taken = refusal(sign_up(&keys).await.expect("send"), 409, "conflict").await;
    assert!(taken.starts_with("keys.public_key"), "{taken}");
    let own = pph_testing::account_keys(&AccountKeyPair::generate());
    assert_eq!(sign_up(&own).await.expect("send").status(), 201);

    let identity = Identity::of(&pair).expect("identity");
    let envelope = |from: &str| {
        let mut e = wrap(
            &Key32::random(),
            &ann.personal_space,
            KeyName::Diary,
            1,
            &ann.account_id,
            &pair.public_b64(),
        )
        .expect("wrap");
        identity.sign(from, &mut e);
        e
    };
    // The beginner's commitment to the epoch's key (the relay checks its
    // signature, not the key, which it never sees).
    let commit = "A".repeat(43);
    let begun_for = vec![identity.public_b64()];
    let commitment = json!([{"space": ann.personal_space, "key": "diary", "epoch": 1,
        "commit": commit, "begun_for": begun_for,
        "sig": identity.sign_commitment(&ann.personal_space, KeyName::Diary, 1, &commit, &begun_for)}]);
    let post = |e: Envelope| {
        f.client
            .post(f.url("/v1/keys/envelopes"))
            .bearer_auth(&ann.token)
            .json(&json!({"envelopes": [e], "commitments": commitment,
                          "creates": [{"space": ann.personal_space, "key": "diary", "epoch": 1}]}))
            .send()
    };
    let uncommitted = f
        .client
        .post(f.url("/v1/keys/envelopes"))
        .bearer_auth(&ann.token)
        .json(&json!({"envelopes": [envelope(&ann.account_id)],
                      "creates": [{"space": ann.personal_space, "key": "diary", "epoch": 1}]}))
        .send()
        .await
        .expect("send");
    let message = refusal(uncommitted, 400, "invalid").await;
    assert!(message.starts_with("commitments"), "{message}");
    let message = refusal(
        post(envelope(&bob.account_id)).await.expect("send"),
        400,
        "invalid",
    )
    .await;
    assert!(message.contains("from must be"), "{message}");
    let mut unsigned = envelope(&ann.account_id);
    unsigned.sig = String::new();
    let message = refusal(post(unsigned).await.expect("send"), 400, "invalid").await;
    assert!(message.contains("sig"), "{message}");
    let mut bent = envelope(&ann.account_id);
    bent.epoch = 2;
    refusal(post(bent).await.expect("send"), 400, "invalid").await;
    // A commitment must name, signed, whom the epoch is begun for: not no
    // one, not someone else.
    let other = Identity::of(&AccountKeyPair::generate()).expect("identity");
    for named in [Vec::new(), vec![other.public_b64()]] {
        let sig = identity.sign_commitment(&ann.personal_space, KeyName::Diary, 1, &commit, &named);
        let unnamed = f
            .client
            .post(f.url("/v1/keys/envelopes"))
            .bearer_auth(&ann.token)
            .json(&json!({"envelopes": [envelope(&ann.account_id)],
                "commitments": [{"space": ann.personal_space, "key": "diary", "epoch": 1,
                    "commit": commit, "begun_for": named, "sig": sig}],
                "creates": [{"space": ann.personal_space, "key": "diary", "epoch": 1}]}))
            .send()
            .await
            .expect("send");
        let message = refusal(unnamed, 400, "invalid").await;
        assert!(message.contains("begun_for"), "{message}");
    }
    assert_eq!(
        post(envelope(&ann.account_id))
            .await
            .expect("send")
            .status(),
        204
    );
    // A device drops only envelopes addressed to its own account.
    let discard = |token: &str| {
        f.client
            .post(f.url("/v1/keys/envelopes/discard"))
            .bearer_auth(token)
            .json(
                &json!({"envelopes": [{"space": ann.personal_space, "key": "diary", "epoch": 1}]}),
            )
            .send()
    };
    let f = &f;
    let held = |token: String| async move {
        f.get_as(&token, "/v1/keys")
            .await
            .json::<Value>()
            .await
            .expect("keys")["envelopes"]
            .as_array()
            .map_or(0, Vec::len)
    };
    assert_eq!(discard(&bob.token).await.expect("send").status(), 204);
    assert_eq!(
        held(ann.token.clone()).await,
        1,
        "Bob drops nothing of Ann's"
    );
    assert_eq!(discard(&ann.token).await.expect("send").status(), 204);
    assert_eq!(held(ann.token.clone()).await, 0);
}

#[tokio::test]
async fn requests_without_a_live_token_are_refused() {
    let f = fixture();
    let no_token = f
        .client
        .get(f.url("/v1/spaces"))
        .send()
        .await
        .expect("send");
    refusal(no_token, 401, "unauthorized").await;
    let bogus = f.get_as("pph_0000", "/v1/spaces").await;
    refusal(bogus, 401, "unauthorized").await;
    let s = f.sign_up("c@example.org", "patient").await;
    let out = f.delete_as(&s.token, "/v1/sessions/current").await;
    assert_eq!(out.status(), 204);
    let after = f.get_as(&s.token, "/v1/spaces").await;
    refusal(after, 401, "unauthorized").await;
}

/// A pull asks for the token's account and its role in one read: without a
/// live token it is refused before the space's spelling is looked at, and
/// a live token reads only where its account is a member.
#[tokio::test]
async fn pulls_need_a_live_token_before_anything_else() {
    let f = fixture();
    let a = f.sign_up("pull-a@example.org", "patient").await;
    let b = f.sign_up("pull-b@example.org", "patient").await;
    let own = format!("/v1/spaces/{}/changes", a.personal_space);
    for path in [own.as_str(), "/v1/spaces/not-a-uuid/changes"] {
        let no_token = f.client.get(f.url(path)).send().await.expect("send");
        refusal(no_token, 401, "unauthorized").await;
        refusal(f.get_as("pph_0000", path).await, 401, "unauthorized").await;
    }
    refusal(
        f.get_as(&a.token, "/v1/spaces/not-a-uuid/changes").await,
        400,
        "invalid",
    )
    .await;
    refusal(f.get_as(&b.token, &own).await, 403, "forbidden").await;
    assert_eq!(f.get_as(&a.token, &own).await.status(), 200);
    let out = f.delete_as(&a.token, "/v1/sessions/current").await;
    assert_eq!(out.status(), 204);
    refusal(f.get_as(&a.token, &own).await, 401, "unauthorized").await;
}

#[tokio::test]
async fn pushes_past_the_bounds_or_badly_stamped_store_nothing() {
    let f = fixture();
    let s = f.sign_up("d@example.org", "patient").await;
    let space = s.personal_space.clone();
    let now = now_ms();
    let too_many: Vec<Change> = (0..=MAX_PUSH_CHANGES)
        .map(|_| change(&space, now))
        .collect();
    refusal(f.push(&s.token, &too_many).await, 413, "too_large").await;
    let mut huge = change(&space, now);
    huge.value = json!("x".repeat(200_000));
    let too_big: Vec<Change> = (0..25).map(|_| huge.clone()).collect();
    refusal(f.push(&s.token, &too_big).await, 413, "too_large").await;
    let ahead = vec![change(&space, now), change(&space, now + 10 * 60 * 1000)];
    let message = refusal(f.push(&s.token, &ahead).await, 400, "clock_drift").await;
    assert!(message.contains("change 1"), "{message}");
    let mut nameless = change(&space, now);
    nameless.field = String::new();
    let message = refusal(f.push(&s.token, &[nameless]).await, 400, "invalid").await;
    assert!(message.contains("field"), "{message}");
    let mut bad_id = change(&space, now);
    bad_id.change_id = "not-a-uuid".into();
    refusal(f.push(&s.token, &[bad_id]).await, 400, "invalid").await;
    let elsewhere = vec![change(&space, now), change(&id(), now)];
    refusal(f.push(&s.token, &elsewhere).await, 403, "forbidden").await;
    assert_eq!(f.count(&s.token, &space).await, 0, "nothing stored");
    // Sealed as a device seals it: a value in the clear is refused.
    let clear: Value = f
        .push(&s.token, &[change(&space, now)])
        .await
        .json()
        .await
        .expect("a JSON error body");
    assert_eq!(clear["refused"][0]["rule"], "unsealed", "{clear}");
    assert_eq!(f.count(&s.token, &space).await, 0, "nothing stored");
    let good = vec![sealed(&change(&space, now))];
    // Under a key no one has handed out yet: no device could open it.
    let unbegun: Value = f.push(&s.token, &good).await.json().await.expect("JSON");
    assert_eq!(
        unbegun["refused"][0]["rule"], "epoch_not_begun",
        "{unbegun}"
    );
    f.begin(&s.token, &space, KeyName::CarePlan, &s.account_id)
        .await;
    let ok: PushResponse = f.push(&s.token, &good).await.json().await.expect("ok");
    assert_eq!(
        ok,
        PushResponse {
            accepted: 1,
            duplicates: 0
        }
    );
}

#[tokio::test]
async fn bad_pull_parameters_and_unknown_routes_are_refused() {
    let f = fixture();
    let s = f.sign_up("e@example.org", "patient").await;
    for query in [
        "limit=0",
        "limit=5000",
        "since=-1",
        "since=abc",
        "limit=1.5",
    ] {
        let resp = f
            .get_as(
                &s.token,
                &format!("/v1/spaces/{}/changes?{query}", s.personal_space),
            )
            .await;
        refusal(resp, 400, "invalid").await;
    }
    let resp = f.get_as(&s.token, "/v1/spaces/not-a-space/changes").await;
    refusal(resp, 400, "invalid").await;
    let resp = f
        .client
        .get(f.url("/v1/nothing"))
        .send()
        .await
        .expect("send");
    refusal(resp, 404, "not_found").await;
    let resp = f
        .client
        .put(f.url("/v1/changes"))
        .send()
        .await
        .expect("send");
    refusal(resp, 404, "not_found").await;
}

#[tokio::test]
async fn only_patients_grant_and_only_to_clinicians_for_a_bounded_time() {
    let f = fixture();
    let patient = f.sign_up("f@example.org", "patient").await;
    let clinician = f.sign_up("dr.f@example.org", "clinician").await;
    let grant = |token: &str, email: &str, scopes: Value, expires: u64| {
        f.client
            .post(f.url("/v1/shares"))
            .bearer_auth(token)
            .json(
                &json!({"clinician_email": email, "scopes": scopes, "expires_at_ms": expires,
                          "share_id": id()}),
            )
            .send()
    };
    let hour = now_ms() + 3_600_000;
    let cases = [
        (
            &clinician.token,
            "dr.f@example.org",
            json!(["diary"]),
            hour,
            403,
            "forbidden",
        ),
        (
            &patient.token,
            "f@example.org",
            json!(["diary"]),
            hour,
            404,
            "not_found",
        ),
        (
            &patient.token,
            "dr.f@example.org",
            json!([]),
            hour,
            400,
            "invalid",
        ),
        (
            &patient.token,
            "dr.f@example.org",
            json!(["everything"]),
            hour,
            400,
            "invalid",
        ),
        (
            &patient.token,
            "dr.f@example.org",
            json!(["diary"]),
            1_000,
            400,
            "invalid",
        ),
        (
            &patient.token,
            "dr.f@example.org",
            json!(["diary"]),
            now_ms() + 2 * 366 * 86_400_000,
            400,
            "invalid",
        ),
    ];
    for (token, email, scopes, expires, status, code) in cases {
        refusal(
            grant(token, email, scopes, expires).await.expect("send"),
            status,
            code,
        )
        .await;
    }
    let shares: SharesResponse = f
        .get_as(&patient.token, "/v1/shares")
        .await
        .json()
        .await
        .expect("shares");
    assert!(shares.shares.is_empty(), "no refused grant was stored");
    let resp = f
        .delete_as(&patient.token, &format!("/v1/shares/{}", id()))
        .await;
    refusal(resp, 404, "not_found").await;
}

/// A grant is stored only as its patient's device signed it: over its own
/// id, both accounts, the scopes and the end, by the patient's identity;
/// the clinician's account must be the one the email names now.
#[tokio::test]
async fn a_grant_is_stored_only_signed_by_its_patient() {
    let f = fixture();
    let patient = f.sign_up("s@example.org", "patient").await;
    let clinician = f.sign_up("dr.s@example.org", "clinician").await;
    let other = f.sign_up("dr.t@example.org", "clinician").await;
    let pair = AccountKeyPair::generate();
    let identity = Identity::of(&pair).expect("identity");
    let until = now_ms() as i64 + 3_600_000;
    let signed = |share: &str, doc: &str| {
        identity.sign_grant(share, &patient.account_id, doc, &[Scope::Diary], until)
    };
    let grant = |share: &str, doc: &str, signature: &str| {
        f.client
            .post(f.url("/v1/shares"))
            .bearer_auth(&patient.token)
            .json(
                &json!({"clinician_email": "dr.s@example.org", "scopes": ["diary"],
                          "expires_at_ms": until, "share_id": share,
                          "clinician_account": doc, "signature": signature}),
            )
            .send()
    };
    let share = id();
    // No identity yet: nothing to check a signature against.
    let none = grant(
        &share,
        &clinician.account_id,
        &signed(&share, &clinician.account_id),
    );
    refusal(none.await.expect("send"), 400, "invalid").await;
    let keys = pph_testing::account_keys(&pair);
    let put = f
        .client
        .put(f.url("/v1/accounts/current/keys"))
        .bearer_auth(&patient.token)
        .json(&json!({"keys": keys, "current": PASSWORD}))
        .send()
        .await
        .expect("keys");
    assert_eq!(put.status(), 204);
    let looked_up: ClinicianLookupResponse = f
        .client
        .post(f.url("/v1/clinicians/lookup"))
        .bearer_auth(&patient.token)
        .json(&json!({"email": " DR.S@example.org "}))
        .send()
        .await
        .expect("lookup")
        .json()
        .await
        .expect("an account");
    assert_eq!(looked_up.account_id, clinician.account_id);
    let doc = clinician.account_id.as_str();
    for (signature, why) in [
        (signed(&id(), doc), "another share's signature"),
        (
            signed(&share, &other.account_id),
            "a grant to another clinician",
        ),
        (String::new(), "no signature"),
        ("AAAA".repeat(22), "not a signature"),
    ] {
        let resp = grant(&share, doc, &signature).await.expect("send");
        assert_eq!(resp.status(), 400, "{why}");
    }
    // Signed for the account the relay named, sent for another: refused.
    let moved = grant(
        &share,
        &other.account_id,
        &signed(&share, &other.account_id),
    );
    refusal(moved.await.expect("send"), 409, "conflict").await;
    let made = grant(&share, doc, &signed(&share, doc))
        .await
        .expect("send");
    assert_eq!(made.status(), 201);
    let again = grant(&share, doc, &signed(&share, doc))
        .await
        .expect("send");
    refusal(again, 409, "conflict").await;
    let shares: SharesResponse = f
        .get_as(&patient.token, "/v1/shares")
        .await
        .json()
        .await
        .expect("shares");
    assert_eq!(shares.shares.len(), 1);
    // A clinician cannot look anyone up.
    let lookup = f
        .client
        .post(f.url("/v1/clinicians/lookup"))
        .bearer_auth(&clinician.token)
        .json(&json!({"email": "dr.t@example.org"}))
        .send()
        .await
        .expect("send");
    refusal(lookup, 403, "forbidden").await;
}

/// Random bytes and random JSON at every route: never a 5xx, never a
/// non-JSON refusal, and the server still answers afterwards.
#[tokio::test]
async fn no_input_crashes_the_server() {
    let f = fixture();
    let s = f.sign_up("g@example.org", "patient").await;
    let routes = [
        ("POST", "/v1/accounts".to_owned()),
        ("POST", "/v1/sessions".to_owned()),
        ("POST", "/v1/changes".to_owned()),
        ("POST", "/v1/shares".to_owned()),
        ("POST", "/v1/spaces".to_owned()),
        (
            "GET",
            format!("/v1/spaces/{}/changes?since=0", s.personal_space),
        ),
        ("POST", format!("/v1/spaces/{}/invites", s.personal_space)),
        ("POST", "/v1/invites/%00%ff".to_owned()),
    ];
    let samples: Vec<Vec<u8>> = (0..40)
        .map(|i| match i % 4 {
            0 => (0..(i * 37 % 500)).map(|_| rand::random::<u8>()).collect(),
            1 => json!({"changes": [{"change_id": i, "space": null}]})
                .to_string()
                .into_bytes(),
            2 => json!([1, 2, {"email": [], "password": {}}])
                .to_string()
                .into_bytes(),
            _ => format!("{{\"changes\": [{}]}}", "{}, ".repeat(i) + "{}").into_bytes(),
        })
        .collect();
    for (method, path) in &routes {
        for body in &samples {
            let req = match *method {
                "POST" => f.client.post(f.url(path)),
                _ => f.client.get(f.url(path)),
            };
            let resp = req
                .bearer_auth(&s.token)
                .header("content-type", "application/json")
                .body(body.clone())
                .send()
                .await
                .expect("the server answers");
            let status = resp.status().as_u16();
            assert!(status < 500, "{method} {path} -> {status}");
            if status >= 400 {
                let body: Value = resp.json().await.expect("JSON refusal");
                assert!(body["code"].is_string());
            }
        }
    }
    let health = f
        .client
        .get(f.url("/v1/health"))
        .send()
        .await
        .expect("alive");
    assert_eq!(health.status(), 200);
}

#[tokio::test]
async fn groups_join_by_code_and_removed_members_get_nothing_new() {
    let f = fixture();
    let facilitator = f.sign_up("fac@example.org", "patient").await;
    let member = f.sign_up("mem@example.org", "patient").await;
    let outsider = f.sign_up("out@example.org", "patient").await;
    let (fac_pair, fac_me) = f.keyed(&facilitator).await;
    let (mem_pair, mem_me) = f.keyed(&member).await;
    let (_, out_me) = f.keyed(&outsider).await;
    // The group's id is made from its founder's identity.
    let (group, founding) = admission::founding(&facilitator.account_id, &fac_me);
    let create = |founding: &Admission| {
        f.client
            .post(f.url("/v1/spaces"))
            .bearer_auth(&facilitator.token)
            .json(&json!({ "space": group, "founding": founding }))
            .send()
    };
    // Only the caller's own founding admission, signed for this group.
    for (forged, why) in [
        (
            Admission {
                sig: mem_me.sign_bytes(&founding_bytes(&group, &mem_me.public_b64())),
                identity: mem_me.public_b64(),
                account_id: member.account_id.clone(),
                ..founding.clone()
            },
            "another's",
        ),
        (
            admission::founding(&facilitator.account_id, &fac_me).1,
            "another group's",
        ),
        (
            // Carried in every admission below it: nothing but its
            // signature (the eighth attacker run padded it to 60 KB).
            Admission {
                proof: "x".repeat(1_000),
                ..founding.clone()
            },
            "padded",
        ),
    ] {
        let refused = create(&forged).await.expect("send");
        assert_eq!(refused.status(), 400, "{why}");
    }
    assert_eq!(create(&founding).await.expect("send").status(), 201);
    let secret = new_secret();
    let key = InviteKey::of(&secret, &group).expect("key");
    let signed = admission::invite(
        &facilitator.account_id,
        &fac_me,
        &group,
        std::slice::from_ref(&founding),
        &key,
    )
    .expect("invite");
    let invite_with = |token: &str, expires: u64, invite: &Invite| {
        f.client
            .post(f.url(&format!("/v1/spaces/{group}/invites")))
            .bearer_auth(token)
            .json(&json!({ "expires_at_ms": expires, "invite": invite }))
            .send()
    };
    let invite_req = |token: &str, expires: u64| invite_with(token, expires, &signed);
    // An invite not signed by its own key, or on an admission the relay
    // does not keep for its facilitator, is refused.
    let unkeyed = Invite {
        key_sig: signed.sig.clone(),
        ..signed.clone()
    };
    let week_ahead = now_ms() + 7 * 86_400_000;
    let refused = invite_with(&facilitator.token, week_ahead, &unkeyed)
        .await
        .expect("send");
    refusal(refused, 400, "invalid").await;
    let elsewhere = admission::founding(&facilitator.account_id, &fac_me).1;
    let offered = invite_bytes(&group, &signed.verifier, &elsewhere);
    let on_another = Invite {
        by: Box::new(elsewhere),
        sig: fac_me.sign_bytes(&offered),
        key_sig: key.sign(&offered),
        ..signed.clone()
    };
    let refused = invite_with(&facilitator.token, week_ahead, &on_another)
        .await
        .expect("send");
    refusal(refused, 409, "conflict").await;
    let week = now_ms() + 7 * 86_400_000;
    refusal(
        invite_req(&member.token, week).await.expect("send"),
        403,
        "forbidden",
    )
    .await;
    refusal(
        invite_req(&facilitator.token, now_ms() + 90 * 86_400_000)
            .await
            .expect("send"),
        400,
        "invalid",
    )
    .await;
    let invite: InviteResponse = invite_req(&facilitator.token, week)
        .await
        .expect("send")
        .json()
        .await
        .expect("invite");
    assert_eq!(invite.code.len(), 10);
    // Typed on a phone: lower case, a dash in the middle.
    let typed = format!("{}-{}", &invite.code[..5], &invite.code[5..]).to_lowercase();
    let join_as = |token: &str, code: &str, admission: &Admission| {
        f.client
            .post(f.url(&format!("/v1/invites/{code}")))
            .bearer_auth(token)
            .json(&json!({ "admission": admission }))
            .send()
    };
    // An admission the code's key did not sign (a relay's own, or one
    // with half the code wrong), or another account's, is refused.
    // The code's invite, as the newcomer's device fetches it first.
    let served: Invite = f
        .get_as(&member.token, &format!("/v1/invites/{typed}"))
        .await
        .json()
        .await
        .expect("the code's invite");
    assert_eq!(served, signed);
    let other_key = InviteKey::of(&new_secret(), &group).expect("key");
    let unproven = admission::answer(&member.account_id, &mem_me, &other_key, &signed);
    let refused = join_as(&member.token, &typed, &unproven)
        .await
        .expect("send");
    refusal(refused, 400, "invalid").await;
    let outsiders = admission::answer(&outsider.account_id, &out_me, &key, &signed);
    let refused = join_as(&member.token, &typed, &outsiders)
        .await
        .expect("send");
    refusal(refused, 400, "invalid").await;
    let answer = admission::answer(&member.account_id, &mem_me, &key, &signed);
    let joined: JoinResponse = join_as(&member.token, &typed, &answer)
        .await
        .expect("send")
        .json()
        .await
        .expect("joined");
    assert_eq!(joined.space, group);
    let members: MembersResponse = f
        .get_as(&member.token, &format!("/v1/spaces/{group}/members"))
        .await
        .json()
        .await
        .expect("members");
    assert_eq!(
        members.members.iter().map(|m| m.role).collect::<Vec<_>>(),
        vec![GroupRole::Facilitator, GroupRole::Member]
    );
    let outsider_reads = f
        .get_as(&outsider.token, &format!("/v1/spaces/{group}/members"))
        .await;
    refusal(outsider_reads, 403, "forbidden").await;
    // Every facilitator's route refuses a member as it refuses an
    // outsider; the invite they tried to revoke still works below.
    let code = &invite.code;
    let out = &outsider.account_id;
    for token in [&member.token, &outsider.token] {
        for (method, path) in [
            (Method::POST, format!("/v1/spaces/{group}/invites")),
            (Method::DELETE, format!("/v1/spaces/{group}/invites/{code}")),
            (Method::GET, format!("/v1/spaces/{group}/removed")),
            (Method::DELETE, format!("/v1/spaces/{group}/removed/{out}")),
        ] {
            let req = f.client.request(method.clone(), f.url(&path));
            let sent = req
                .bearer_auth(token)
                .json(&json!({ "expires_at_ms": week }));
            let refused = sent.send().await.expect("send");
            assert_eq!(refused.status(), 403, "{method} {path}");
        }
    }
    let one = |author: &str| {
        let signer = if author == member.account_id {
            &mem_me
        } else {
            &out_me
        };
        let change = sealed(&message(&group, author, now_ms()));
        vec![signer.sign_change(author, change).expect("signed")]
    };
    let fac_id = &facilitator.account_id;
    pph_testing::begin_epoch_signed(
        &f.client,
        &f.server.url,
        &facilitator.token,
        (&group, KeyName::Group),
        (fac_id, &fac_me),
        &[
            (fac_id, fac_pair.public_b64()),
            (&member.account_id, mem_pair.public_b64()),
        ],
    )
    .await;
    assert_eq!(
        f.push(&member.token, &one(&member.account_id))
            .await
            .status(),
        200
    );
    refusal(
        f.push(&outsider.token, &one(&outsider.account_id)).await,
        403,
        "forbidden",
    )
    .await;

    // A member cannot remove the facilitator; the facilitator removes them.
    let remove = |token: &str, who: &str| {
        f.client
            .delete(f.url(&format!("/v1/spaces/{group}/members/{who}")))
            .bearer_auth(token)
            .send()
    };
    refusal(
        remove(&member.token, &facilitator.account_id)
            .await
            .expect("send"),
        403,
        "forbidden",
    )
    .await;
    assert_eq!(
        remove(&facilitator.token, &member.account_id)
            .await
            .expect("send")
            .status(),
        204
    );
    let pull = f
        .get_as(&member.token, &format!("/v1/spaces/{group}/changes"))
        .await;
    refusal(pull, 403, "forbidden").await;
    refusal(
        f.push(&member.token, &one(&member.account_id)).await,
        403,
        "forbidden",
    )
    .await;

    // The member's removal ended the code they joined with (no device
    // takes anyone new through it), so there is nothing left to revoke;
    // it admits no one; unknown codes are rate-limited.
    let revoke = f
        .delete_as(
            &facilitator.token,
            &format!("/v1/spaces/{group}/invites/{}", invite.code),
        )
        .await;
    assert_eq!(revoke.status(), 404);
    let join = |code: String| {
        f.client
            .post(f.url(&format!("/v1/invites/{code}")))
            .bearer_auth(&outsider.token)
            .json(&json!({ "admission": outsiders }))
            .send()
    };
    refusal(
        join(invite.code.clone()).await.expect("send"),
        404,
        "not_found",
    )
    .await;
    refusal(
        join("not a code".into()).await.expect("send"),
        400,
        "invalid",
    )
    .await;
    for _ in 1..pph_server::rate_limit::INVITE_CODES.max {
        refusal(
            join("ABCDEFGHJK".into()).await.expect("send"),
            404,
            "not_found",
        )
        .await;
    }
    refusal(
        join("ABCDEFGHJK".into()).await.expect("send"),
        429,
        "rate_limited",
    )
    .await;
    // Nobody leaves their own personal space.
    refusal(
        f.client
            .delete(f.url(&format!(
                "/v1/spaces/{}/members/{}",
                outsider.personal_space, outsider.account_id
            )))
            .bearer_auth(&outsider.token)
            .send()
            .await
            .expect("send"),
        403,
        "forbidden",
    )
    .await;
}

/// An epoch begun comes in one request with an envelope for every reader:
/// a thousand (the most one request carries, about 500 bytes each) fit
/// its body (the tenth attacker run: a group of 170 could not turn its key
/// over after a removal, its request refused at 64 KB).
#[tokio::test]
async fn an_epoch_for_a_thousand_readers_fits_one_request() {
    let f = fixture();
    let ann = f.sign_up("ann@example.org", "patient").await;
    let (pair, me) = f.keyed(&ann).await;
    let to: Vec<(&str, String)> = (0..1_000)
        .map(|_| (ann.account_id.as_str(), pair.public_b64()))
        .collect();
    pph_testing::begin_epoch_signed(
        &f.client,
        &f.server.url,
        &ann.token,
        (&ann.personal_space, KeyName::Diary),
        (&ann.account_id, &me),
        &to,
    )
    .await;
}
