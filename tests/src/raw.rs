//! Accounts and pushes over raw HTTP, as the relay's benchmarks and the
//! operator's tests make them: no device, values sealed under keys of the
//! test's own (the relay cannot tell).

use crate::{begin_epoch, id, now_ms, sealed};
use pph_protocol::sealed::KeyName;
use pph_protocol::wire::SessionResponse;
use pph_protocol::{Change, Hlc};
use serde_json::json;

/// An account signed up over HTTP with its mailed code, its diary's key
/// epoch 1 begun, so it may push sealed diary entries.
pub struct RawAccount {
    pub email: String,
    pub session: SessionResponse,
}

impl RawAccount {
    pub fn token(&self) -> &str {
        &self.session.token
    }

    pub fn space(&self) -> &str {
        &self.session.personal_space
    }

    pub fn id(&self) -> &str {
        &self.session.account_id
    }
}

/// Signs up a patient at `url`, its password a device's stretched key of
/// the test's own.
pub async fn raw_account(client: &reqwest::Client, url: &str) -> RawAccount {
    let email = format!("{}@raw.example", id());
    let space = id();
    let code = crate::raw_sign_up_code(url, &email, &space)
        .await
        .expect("a mailed code");
    let resp = client
        .post(format!("{url}/v1/accounts"))
        .json(&json!({
            "email": email, "code": code, "password": "k".repeat(43),
            "kdf": pph_protocol::kdf::Stretch::LEAST.with_salt(&[7; 16]),
            "role": "patient", "display_name": "Raw", "device_name": "raw",
            "node": "0123456789abcdef", "personal_space": space
        }))
        .send()
        .await
        .expect("sign up");
    assert_eq!(resp.status(), 201, "signed up");
    let session: SessionResponse = resp.json().await.expect("session");
    begin_epoch(
        client,
        url,
        &session.token,
        &session.personal_space,
        KeyName::Diary,
        &session.account_id,
    )
    .await;
    RawAccount { email, session }
}

/// `n` diary entries for `space`, sealed as a device seals them.
pub fn diary_batch(space: &str, n: usize) -> Vec<Change> {
    (0..n)
        .map(|i| (i, id()))
        .map(|(i, entity_id)| Change {
            change_id: id(),
            space: space.to_owned(),
            entity_type: "diary_entry".into(),
            value: json!({"id": entity_id, "ratings": [{"symptom_id": "a001", "value": i % 11}], "note": null, "tags": ["poor_sleep"]}),
            entity_id,
            field: "*".into(),
            hlc: Hlc {
                wall_ms: now_ms(),
                counter: i as u32,
                node: "raw-node".into(),
            },
        })
        .map(|c| sealed(&c))
        .collect()
}
