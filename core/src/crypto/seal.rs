//! Sealing one change's value under its space's data key, with everything
//! that places it bound as associated data: the space, the kind, the
//! record, the field, the key and epoch, the change's id and clock stamp,
//! and the ids the relay reads in the clear. A sealed value moved to
//! another record, field, space or change, or altered by one bit, does not
//! open. The plaintext is padded first (`pad`), so its length says at most
//! a bucket of its kind.

use super::{b64, unb64, Key32, OpenError};
use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::XChaCha20Poly1305;
use pph_protocol::sealed::{KeyName, Refs, Sealed, NONCE_BYTES as NONCE_LEN};
use pph_protocol::Change;
use serde_json::Value;

/// The associated data: names joined by NUL, which no name may contain
/// (`Change::check`), so no two placements spell the same bytes.
fn associated_data(c: &Change, key: KeyName, epoch: u32, refs: &Refs) -> Vec<u8> {
    let parts = [
        "pph-sealed-v1".to_owned(),
        c.space.clone(),
        c.entity_type.clone(),
        c.entity_id.clone(),
        c.field.clone(),
        key.code(),
        epoch.to_string(),
        c.change_id.clone(),
        c.hlc.wall_ms.to_string(),
        c.hlc.counter.to_string(),
        c.hlc.node.clone(),
        refs.party.clone().unwrap_or_default(),
        refs.parent.clone().unwrap_or_default(),
        refs.subject.clone().unwrap_or_default(),
    ];
    parts.join("\0").into_bytes()
}

/// The change with its value sealed under `key` at `epoch`.
pub fn seal(c: &Change, key: KeyName, epoch: u32, secret: &Key32) -> Option<Change> {
    let refs = Refs::of_value(&c.entity_type, &c.field, &c.value);
    let json = zeroize::Zeroizing::new(serde_json::to_vec(&c.value).ok()?);
    let plaintext = super::pad::pad(&c.entity_type, &json);
    let mut nonce = [0u8; NONCE_LEN];
    rand::fill(&mut nonce);
    let cipher = XChaCha20Poly1305::new_from_slice(secret.bytes()).ok()?;
    let aad = associated_data(c, key, epoch, &refs);
    let ct = cipher
        .encrypt(
            &nonce.into(),
            Payload {
                msg: plaintext.as_slice(),
                aad: &aad,
            },
        )
        .ok()?;
    let mut sealed = c.clone();
    sealed.value = Sealed {
        key,
        epoch,
        nonce: b64(&nonce),
        ct: b64(&ct),
        refs,
        sig: None,
        mac: None,
    }
    .into_value();
    Some(sealed)
}

/// The change as it was sealed, once `key_for` gives the key it names and
/// it opens; `Refused` if it is not sealed under the key its kind must
/// use, does not open, or its clear ids differ from its value's.
pub fn open(
    c: &Change,
    key_for: impl Fn(KeyName, u32) -> Option<Key32>,
) -> Result<Change, OpenError> {
    let sealed = Sealed::of(&c.value).ok_or(OpenError::Refused)?;
    if KeyName::for_kind(&c.entity_type) != Some(sealed.key) {
        return Err(OpenError::Refused);
    }
    let secret = key_for(sealed.key, sealed.epoch).ok_or(OpenError::NoKey)?;
    let nonce: [u8; NONCE_LEN] = unb64(&sealed.nonce)
        .and_then(|n| n.try_into().ok())
        .ok_or(OpenError::Refused)?;
    let ct = unb64(&sealed.ct).ok_or(OpenError::Refused)?;
    let cipher =
        XChaCha20Poly1305::new_from_slice(secret.bytes()).map_err(|_| OpenError::Refused)?;
    let aad = associated_data(c, sealed.key, sealed.epoch, &sealed.refs);
    let plaintext = zeroize::Zeroizing::new(
        cipher
            .decrypt(
                &nonce.into(),
                Payload {
                    msg: &ct,
                    aad: &aad,
                },
            )
            .map_err(|_| OpenError::Refused)?,
    );
    let json = super::pad::unpad(&plaintext).ok_or(OpenError::Refused)?;
    let value: Value = serde_json::from_slice(json).map_err(|_| OpenError::Refused)?;
    if Refs::of_value(&c.entity_type, &c.field, &value) != sealed.refs {
        return Err(OpenError::Refused);
    }
    let mut opened = c.clone();
    opened.value = value;
    Ok(opened)
}

#[cfg(test)]
mod tests {
    use super::*;
    use pph_protocol::kinds::{DIARY_ENTRY, GROUP_HIDE, GROUP_MESSAGE};
    use pph_protocol::sealed::TAG_BYTES;
    use pph_protocol::Hlc;
    use serde_json::json;

    fn change(kind: &str, field: &str, value: Value) -> Change {
        Change {
            change_id: uuid::Uuid::now_v7().to_string(),
            space: uuid::Uuid::now_v7().to_string(),
            entity_type: kind.into(),
            entity_id: uuid::Uuid::now_v7().to_string(),
            field: field.into(),
            value,
            hlc: Hlc {
                wall_ms: 1_700_000_000_000,
                counter: 3,
                node: "0123456789abcdef".into(),
            },
        }
    }

    fn note() -> Change {
        change(DIARY_ENTRY, "note", json!("slept badly, knee sore"))
    }

    #[test]
    fn a_sealed_value_opens_with_its_key_and_shows_nothing() {
        let key = Key32::random();
        let c = note();
        let sealed = seal(&c, KeyName::Diary, 1, &key).expect("seal");
        assert!(!sealed.value.to_string().contains("knee"));
        let opened = open(&sealed, |k, e| {
            (k == KeyName::Diary && e == 1).then(|| key.clone())
        });
        assert_eq!(opened, Ok(c));
        assert_eq!(open(&sealed, |_, _| None), Err(OpenError::NoKey));
        let other = Key32::random();
        assert_eq!(
            open(&sealed, |_, _| Some(other.clone())),
            Err(OpenError::Refused)
        );
    }

    #[test]
    fn a_sealed_value_moved_or_altered_is_refused() {
        let key = Key32::random();
        let c = note();
        let sealed = seal(&c, KeyName::Diary, 1, &key).expect("seal");
        let with = |k: KeyName, e: u32| (k == KeyName::Diary && e == 1).then(|| key.clone());
        let mut moves: Vec<(&str, Change)> = Vec::new();
        let mut m = sealed.clone();
        m.entity_id = uuid::Uuid::now_v7().to_string();
        moves.push(("entity", m));
        let mut m = sealed.clone();
        m.field = "mood".into();
        moves.push(("field", m));
        let mut m = sealed.clone();
        m.space = uuid::Uuid::now_v7().to_string();
        moves.push(("space", m));
        let mut m = sealed.clone();
        m.change_id = uuid::Uuid::now_v7().to_string();
        moves.push(("change id", m));
        let mut m = sealed.clone();
        m.hlc.wall_ms += 1;
        moves.push(("stamp", m));
        // One bit of the ciphertext.
        let mut s = Sealed::of(&sealed.value).expect("sealed");
        let mut ct = unb64(&s.ct).expect("b64");
        ct[0] ^= 1;
        s.ct = b64(&ct);
        let mut m = sealed.clone();
        m.value = s.into_value();
        moves.push(("one bit", m));
        // Another epoch named in the clear.
        let mut s = Sealed::of(&sealed.value).expect("sealed");
        s.epoch = 2;
        let mut m = sealed.clone();
        m.value = s.into_value();
        moves.push(("epoch", m));
        for (what, moved) in moves {
            assert_eq!(
                open(&moved, |_, _| Some(key.clone())),
                Err(OpenError::Refused),
                "{what}"
            );
        }
        // A value in the clear is never taken as sealed.
        assert_eq!(open(&c, with), Err(OpenError::Refused));
    }

    fn ct_len(sealed: &Change) -> usize {
        unb64(&Sealed::of(&sealed.value).expect("sealed").ct)
            .expect("b64")
            .len()
    }

    #[test]
    fn notes_of_one_and_forty_characters_seal_at_one_length() {
        let key = Key32::random();
        let lengths: Vec<usize> = ["a", &"b".repeat(40), &"c".repeat(200)]
            .into_iter()
            .map(|text| {
                let sealed = seal(
                    &change(DIARY_ENTRY, "note", json!(text)),
                    KeyName::Diary,
                    1,
                    &key,
                );
                ct_len(&sealed.expect("seal"))
            })
            .collect();
        assert_eq!(lengths, vec![1024 + TAG_BYTES; 3]);
        let long = change(GROUP_MESSAGE, "body", json!("d".repeat(300)));
        let sealed = seal(&long, KeyName::Group, 1, &key).expect("seal");
        // 302 bytes of JSON and the mark: above the floor, in the 16-byte bucket.
        assert_eq!(ct_len(&sealed), 304 + TAG_BYTES);
        assert_eq!(open(&sealed, |_, _| Some(key.clone())), Ok(long));
    }

    /// A value sealed before padding (its plaintext the bare JSON) opens
    /// as it was; a padded one whose mark is gone does not.
    #[test]
    fn a_value_sealed_before_padding_opens() {
        let key = Key32::random();
        let c = note();
        let seal_bytes = |plaintext: &[u8]| {
            let mut sealed = seal(&c, KeyName::Diary, 1, &key).expect("seal");
            let mut s = Sealed::of(&sealed.value).expect("sealed");
            let nonce: [u8; NONCE_LEN] = unb64(&s.nonce).expect("nonce").try_into().expect("24");
            let aad = associated_data(&c, KeyName::Diary, 1, &s.refs);
            let cipher = XChaCha20Poly1305::new_from_slice(key.bytes()).expect("key");
            let ct = cipher
                .encrypt(
                    &nonce.into(),
                    Payload {
                        msg: plaintext,
                        aad: &aad,
                    },
                )
                .expect("encrypt");
            s.ct = b64(&ct);
            sealed.value = s.into_value();
            sealed
        };
        let json = serde_json::to_vec(&c.value).expect("json");
        let legacy = seal_bytes(&json);
        assert_eq!(open(&legacy, |_, _| Some(key.clone())), Ok(c.clone()));
        let mut unmarked = json.clone();
        unmarked.resize(256, 0);
        let broken = seal_bytes(&unmarked);
        assert_eq!(
            open(&broken, |_, _| Some(key.clone())),
            Err(OpenError::Refused)
        );
    }

    #[test]
    fn a_value_sealed_under_another_kinds_key_is_refused() {
        let key = Key32::random();
        let c = note();
        let sealed = seal(&c, KeyName::Private, 1, &key).expect("seal");
        assert_eq!(
            open(&sealed, |_, _| Some(key.clone())),
            Err(OpenError::Refused)
        );
    }

    #[test]
    fn the_ids_in_the_clear_must_be_the_values() {
        let key = Key32::random();
        let message = uuid::Uuid::now_v7().to_string();
        let mut hide = change(GROUP_HIDE, "*", json!({}));
        hide.value = json!({"id": hide.entity_id, "message_id": message});
        let sealed = seal(&hide, KeyName::Group, 1, &key).expect("seal");
        let clear = Sealed::of(&sealed.value).expect("sealed");
        assert_eq!(clear.refs.parent.as_deref(), Some(message.as_str()));
        let mut lying = clear.clone();
        lying.refs.parent = Some(uuid::Uuid::now_v7().to_string());
        let mut m = sealed.clone();
        m.value = lying.into_value();
        assert_eq!(open(&m, |_, _| Some(key.clone())), Err(OpenError::Refused));
        let plain = change(GROUP_MESSAGE, "body", json!("hello"));
        let sealed = seal(&plain, KeyName::Group, 4, &key).expect("seal");
        assert_eq!(open(&sealed, |_, _| Some(key.clone())), Ok(plain));
    }
}
