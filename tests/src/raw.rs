//! Accounts and pushes over raw HTTP, as the relay's benchmarks and the
//! operator's and cluster tests make them: no device, values sealed under
//! keys of the test's own (the relay cannot tell).

use crate::{begin_epoch, id, now_ms, sealed};
use pph_protocol::sealed::KeyName;
use pph_protocol::{Change, Hlc};
use serde_json::json;

/// An account made over raw HTTP without keys, with its mailed code, its
/// diary key's first epoch begun: a client that pushes and pulls sealed
/// diary entries and nothing else.
pub struct RawAccount {
    pub email: String,
    pub account_id: String,
    pub token: String,
    /// Its personal space, where everything it pushes goes.
    pub space: String,
}

impl RawAccount {
    /// Signs up a patient at `url` with [`crate::PASSWORD`], stretched as
    /// a device stretches it (the least stretch: quick for a client that
    /// is not a person's).
    pub async fn sign_up(client: &reqwest::Client, url: &str) -> RawAccount {
        let email = format!("{}@raw.example", id());
        let kdf = pph_protocol::kdf::Stretch::LEAST.with_salt(&[7; 16]);
        let auth = pph_core::relay_password(Some(&kdf), url, &email, crate::PASSWORD)
            .expect("an authentication key");
        let (status, session) = crate::raw_sign_up_without_keys(url, &email, &auth, &kdf).await;
        assert_eq!(status, 201, "signed up: {session}");
        let session: pph_protocol::wire::SessionResponse =
            serde_json::from_value(session).expect("session");
        begin_epoch(
            client,
            url,
            &session.token,
            &session.personal_space,
            KeyName::Diary,
            &session.account_id,
        )
        .await;
        RawAccount {
            email,
            account_id: session.account_id,
            token: session.token,
            space: session.personal_space,
        }
    }

    /// `count` diary entries in its space ([`diary_batch`]).
    pub fn diary_entries(&self, count: usize) -> Vec<Change> {
        diary_batch(&self.space, count)
    }
}

/// `count` diary entries for `space`, each a new record, sealed as a device
/// seals them (the relay refuses values in the clear). Ids are fresh, so a
/// record stored twice is a duplicate whatever its change id.
pub fn diary_batch(space: &str, count: usize) -> Vec<Change> {
    (0..count)
        .map(|i| {
            let entity_id = id();
            Change {
                change_id: id(),
                space: space.to_owned(),
                entity_type: "diary_entry".into(),
                value: json!({"id": entity_id,
                    "ratings": [{"symptom_id": "a001", "value": i % 11}],
                    "note": null, "tags": ["poor_sleep"]}),
                entity_id,
                field: "*".into(),
                hlc: Hlc {
                    wall_ms: now_ms(),
                    counter: i as u32,
                    node: "raw-client".into(),
                },
            }
        })
        .map(|c| sealed(&c))
        .collect()
}
