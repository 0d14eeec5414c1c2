//! Admissions to a group as this device signs them (docs/adr/0020): the
//! founder's own when a group is made, an invite whose key comes from the
//! secret half of its code, and a newcomer's answer to it. Every device
//! checks the chain (`pph_protocol::admission::root`); the relay sees
//! neither the secret half nor the key.

use crate::crypto::identity::Identity;
use crate::crypto::invite::InviteKey;
use crate::error::PphError;
use pph_protocol::admission::{
    admission_bytes, founding_bytes, invite_bytes, root, Admission, Invite, CODE_ALPHABET,
    RELAY_HALF, SECRET_HALF,
};

/// This account's identity, which sync keeps: what signs its admissions.
pub trait Identified: Send + Sync {
    /// This account's id and identity on this device.
    fn identity(&self) -> Result<(String, Identity), PphError>;
}

/// The founder's own admission to `space`.
pub fn founding(account: &str, me: &Identity, space: &str) -> Admission {
    let identity = me.public_b64();
    Admission {
        sig: me.sign_bytes(&founding_bytes(space, account, &identity)),
        account_id: account.to_owned(),
        identity,
        verifier: String::new(),
        proof: String::new(),
        via: None,
    }
}

/// An invite to `space` under `key`, from this account, whose own
/// admission (as served) is among `served`: None if none of them is this
/// account's own, with its identity, rooted in a founder.
pub fn invite(
    account: &str,
    me: &Identity,
    space: &str,
    served: &[Admission],
    key: &InviteKey,
) -> Option<Invite> {
    let identity = me.public_b64();
    let own = served
        .iter()
        .find(|a| a.account_id == account && a.identity == identity && root(space, a).is_some())?;
    let verifier = key.verifier();
    let offered = invite_bytes(space, &verifier, own);
    Some(Invite {
        space: space.to_owned(),
        sig: me.sign_bytes(&offered),
        key_sig: key.sign(&offered),
        verifier,
        by: Box::new(own.clone()),
    })
}

/// This account's answer to the invite of `key`.
pub fn answer(account: &str, me: &Identity, key: &InviteKey) -> Admission {
    let identity = me.public_b64();
    let verifier = key.verifier();
    let admitted = admission_bytes(&verifier, account, &identity);
    Admission {
        sig: me.sign_bytes(&admitted),
        proof: key.sign(&admitted),
        account_id: account.to_owned(),
        identity,
        verifier,
        via: None,
    }
}

/// A whole code as people read it: the relay's half, then the secret
/// half, in groups of five, four, four and four (`ABCDE-FGHJK-MNPQ-RSTU-VWXY`).
pub(crate) fn whole_code(relay_half: &str, secret: &str) -> String {
    let all: Vec<char> = relay_half.chars().chain(secret.chars()).collect();
    let mut groups: Vec<String> = all[..RELAY_HALF.min(all.len())]
        .chunks(5)
        .map(|c| c.iter().collect())
        .collect();
    groups.extend(
        all[RELAY_HALF.min(all.len())..]
            .chunks(4)
            .map(|c| c.iter().collect()),
    );
    groups.join("-")
}

/// A code as typed (any case, spaces and dashes anywhere) in its two
/// halves: the relay's and the secret.
pub fn halves(code: &str) -> Result<(String, String), PphError> {
    let code: String = code
        .chars()
        .filter(|c| !matches!(c, ' ' | '-'))
        .map(|c| c.to_ascii_uppercase())
        .collect();
    if code.len() == RELAY_HALF && code.bytes().all(|b| CODE_ALPHABET.contains(&b)) {
        return Err(PphError::validation(
            "code",
            format!(
                "this is half a code (or one from before {} characters): ask the \
                 facilitator for the whole code",
                RELAY_HALF + SECRET_HALF
            ),
        ));
    }
    if code.len() != RELAY_HALF + SECRET_HALF || !code.bytes().all(|b| CODE_ALPHABET.contains(&b)) {
        return Err(PphError::validation(
            "code",
            format!(
                "an invite code is {} letters and digits (no 0, O, 1, I or L)",
                RELAY_HALF + SECRET_HALF
            ),
        ));
    }
    let (relay, secret) = code.split_at(RELAY_HALF);
    Ok((relay.to_owned(), secret.to_owned()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::crypto::invite::new_secret;
    use crate::crypto::wrap::AccountKeyPair;

    fn identity() -> Identity {
        Identity::of(&AccountKeyPair::generate()).expect("identity")
    }

    /// Fay founds the group and invites Ann, who invites Bob: each chain
    /// roots in Fay; a chain with any link changed, moved to another group,
    /// or made with a key that is not the code's roots nowhere.
    #[test]
    fn an_admission_roots_in_the_founder_and_no_link_can_be_changed() {
        let (fay, ann, bob) = (identity(), identity(), identity());
        let fay_in = founding("fay", &fay, "g");
        let founder = Some(("fay".to_owned(), fay.public_b64()));
        assert_eq!(root("g", &fay_in), founder);
        assert_eq!(root("h", &fay_in), None, "founded another group");

        let secret = new_secret();
        let key = InviteKey::of(&secret).expect("key");
        let to_ann = invite("fay", &fay, "g", std::slice::from_ref(&fay_in), &key).expect("invite");
        let mut ann_in = answer("ann", &ann, &key);
        assert_eq!(root("g", &ann_in), None, "no invite attached");
        ann_in.via = Some(Box::new(to_ann.clone()));
        assert_eq!(root("g", &ann_in), founder);

        let key2 = InviteKey::of(&new_secret()).expect("key");
        let to_bob = invite("ann", &ann, "g", std::slice::from_ref(&ann_in), &key2).expect("ann's");
        let mut bob_in = answer("bob", &bob, &key2);
        bob_in.via = Some(Box::new(to_bob));
        assert_eq!(root("g", &bob_in), founder);

        // Each link bent: another account or identity for the admitted, a
        // proof from another key, an invite re-signed by someone else or
        // moved to another group.
        let bent = |f: &dyn Fn(&mut Admission)| {
            let mut a = bob_in.clone();
            f(&mut a);
            root("g", &a)
        };
        assert_eq!(bent(&|a| a.account_id = "mal".into()), None);
        assert_eq!(bent(&|a| a.identity = fay.public_b64()), None);
        assert_eq!(
            bent(&|a| a.proof = answer("bob", &bob, &key).proof),
            None,
            "a proof made with another code's key"
        );
        assert_eq!(
            bent(&|a| {
                if let Some(v) = a.via.as_mut() {
                    v.sig = bob.sign_bytes(b"x");
                }
            }),
            None
        );
        assert_eq!(
            bent(&|a| {
                if let Some(v) = a.via.as_mut() {
                    v.space = "h".into();
                }
            }),
            None
        );
        assert_eq!(root("h", &bob_in), None);
        // A relay that makes its own code and founder cannot root anyone in
        // Fay; one that reuses her real verifier cannot sign with its key.
        let mal = identity();
        let mal_founds = founding("mal", &mal, "g");
        let own_key = InviteKey::of(&new_secret()).expect("key");
        let mut forged = invite("mal", &mal, "g", &[mal_founds], &own_key).expect("mal's");
        let mut eve_in = answer("eve", &identity(), &own_key);
        eve_in.via = Some(Box::new(forged.clone()));
        assert_ne!(root("g", &eve_in), founder);
        forged.verifier = to_ann.verifier.clone();
        forged.by = to_ann.by.clone();
        eve_in.via = Some(Box::new(forged));
        assert_eq!(root("g", &eve_in), None);
        // An invite is made only on this account's own admission.
        assert!(invite("ann", &ann, "g", &[fay_in], &key).is_none());
    }

    #[test]
    fn a_code_reads_back_however_typed_and_half_a_code_says_so() {
        let secret = new_secret();
        let code = whole_code("ABCDEFGHJK", &secret);
        assert_eq!(code.len(), RELAY_HALF + SECRET_HALF + 4);
        let (relay, back) = halves(&code.to_lowercase().replace('-', " ")).expect("halves");
        assert_eq!(
            (relay.as_str(), back.as_str()),
            ("ABCDEFGHJK", secret.as_str())
        );
        let half = halves("ABCDE-FGHJK").expect_err("half");
        assert!(half.to_string().contains("half a code"), "{half}");
        assert!(halves(&format!("{code}0")).is_err());
        assert!(halves("ABCDE-FGHJK-MNPQ-RSTU-VWX0").is_err(), "a zero");
        assert!(InviteKey::of("ABC").is_none());
    }
}
