//! Admissions to a group as this device signs them (docs/adr/0020): the
//! founder's own when a group is made, an invite whose key comes from the
//! secret half of its code, and a newcomer's answer to it. Every device
//! checks the chain (`pph_protocol::admission::root`); the relay sees
//! neither the secret half nor the key.

use crate::crypto::identity::Identity;
use crate::crypto::invite::InviteKey;
use crate::error::PphError;
use pph_protocol::admission::{
    admission_bytes, founding_bytes, invite_bytes, invite_signed, normalise_code, root, Admission,
    Invite, CODE_ALPHABET, RELAY_HALF, SECRET_HALF,
};
use pph_protocol::ids::group_id;

/// This account's identity, which sync keeps: what signs its admissions.
pub trait Identified: Send + Sync {
    /// This account's id and identity on this device.
    fn identity(&self) -> Result<(String, Identity), PphError>;
}

/// A new group's id, made from this identity and a fresh salt (so the
/// id names its founder), and the founder's own admission to it.
pub fn founding(account: &str, me: &Identity) -> (String, Admission) {
    let identity = me.public_b64();
    let salt = crate::crypto::b64(&rand::random::<[u8; 16]>());
    let space = group_id(&identity, &salt);
    let admission = Admission {
        sig: me.sign_bytes(&founding_bytes(&space, &identity)),
        account_id: account.to_owned(),
        identity,
        verifier: String::new(),
        nonce: salt,
        proof: String::new(),
        via: None,
    };
    (space, admission)
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
        by: Box::new(Admission {
            account_id: String::new(),
            ..own.clone()
        }),
    })
}

/// This account's answer to `invite`, whose key is `key`: a new
/// admission each time, to that invite alone.
pub fn answer(account: &str, me: &Identity, key: &InviteKey, invite: &Invite) -> Admission {
    let identity = me.public_b64();
    let nonce = crate::crypto::b64(&rand::random::<[u8; 16]>());
    let admitted = admission_bytes(invite, &identity, &nonce);
    Admission {
        account_id: account.to_owned(),
        sig: me.sign_bytes(&admitted),
        proof: key.sign(&admitted),
        identity,
        verifier: key.verifier(),
        nonce,
        via: None,
    }
}

/// `invite`, served for a code whose secret half gives `key`, if it is
/// that code's: its verifier is the key's and the key signed it (so its
/// group and its facilitator's chain are the ones the code was made
/// with), and its facilitator's identity signed it.
pub fn is_the_codes(invite: &Invite, key: &InviteKey) -> bool {
    invite.verifier == key.verifier() && invite_signed(&invite.space, invite)
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
    let code = normalise_code(code);
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
    use pph_protocol::admission::{depth, founds};

    fn identity() -> Identity {
        Identity::of(&AccountKeyPair::generate()).expect("identity")
    }

    /// `who` answering `invite` (made with `key`), as the relay keeps it.
    fn admitted(account: &str, who: &Identity, key: &InviteKey, invite: &Invite) -> Admission {
        Admission {
            via: Some(Box::new(invite.clone())),
            ..answer(account, who, key, invite)
        }
    }

    /// Fay founds the group and invites Ann, who invites Bob: each chain
    /// roots in Fay, whom the group's id names; a chain with any link
    /// changed, moved to another group, or made with a key that is not the
    /// code's roots nowhere.
    #[test]
    fn an_admission_roots_in_the_founder_and_no_link_can_be_changed() {
        let (fay, ann, bob) = (identity(), identity(), identity());
        let (g, fay_in) = founding("fay", &fay);
        let (h, _) = founding("fay", &fay);
        let founder = Some(fay.public_b64());
        assert_eq!(root(&g, &fay_in), founder);
        assert_eq!(root(&h, &fay_in), None, "founded another group");

        let key = InviteKey::of(&new_secret(), &g).expect("key");
        let to_ann = invite("fay", &fay, &g, std::slice::from_ref(&fay_in), &key).expect("invite");
        assert!(is_the_codes(&to_ann, &key));
        let ann_in = admitted("ann", &ann, &key, &to_ann);
        let unattached = Admission {
            via: None,
            ..ann_in.clone()
        };
        assert_eq!(root(&g, &unattached), None, "no invite attached");
        assert_eq!(root(&g, &ann_in), founder);

        let key2 = InviteKey::of(&new_secret(), &g).expect("key");
        let to_bob = invite("ann", &ann, &g, std::slice::from_ref(&ann_in), &key2).expect("ann's");
        let bob_in = admitted("bob", &bob, &key2, &to_bob);
        assert_eq!(root(&g, &bob_in), founder);
        assert_eq!(depth(&bob_in), 2);

        // Each link bent: another identity for the admitted, a proof from
        // another key, an invite re-signed by someone else or moved to
        // another group, another nonce.
        let bent = |f: &dyn Fn(&mut Admission)| {
            let mut a = bob_in.clone();
            f(&mut a);
            root(&g, &a)
        };
        // No account id is signed (a device ties the identity to its
        // account), and none is carried up the chain.
        assert_eq!(bent(&|a| a.account_id = "mal".into()), founder);
        let carried = bob_in.via.as_ref().map(|v| v.by.account_id.clone());
        assert_eq!(carried, Some(String::new()));
        assert_eq!(bent(&|a| a.identity = fay.public_b64()), None);
        assert_eq!(
            bent(&|a| a.proof = answer("bob", &bob, &key, &to_ann).proof),
            None,
            "a proof made with another code's key"
        );
        let resigned = |a: &mut Admission| {
            if let Some(v) = a.via.as_mut() {
                v.sig = bob.sign_bytes(b"x");
            }
        };
        assert_eq!(bent(&resigned), None);
        let moved = |a: &mut Admission| {
            if let Some(v) = a.via.as_mut() {
                v.space.clone_from(&h);
            }
        };
        assert_eq!(bent(&moved), None);
        assert_eq!(root(&h, &bob_in), None);
        assert_eq!(bent(&|a| a.nonce = "B".repeat(22)), None);
        // Answering the same code again is a new admission, told apart from
        // one that ended.
        assert_ne!(admitted("bob", &bob, &key2, &to_bob).sig, bob_in.sig);
        // An invite is made only on this account's own admission.
        assert!(invite("ann", &ann, &g, &[fay_in], &key).is_none());
    }

    /// The eighth and ninth attacker runs: Mal, who runs a group of his own
    /// and holds codes to Fay's, cannot found Fay's group again under his
    /// identity (its id names Fay), so no admission (Ann's to his group
    /// moved over, Ann's to Fay's re-rooted, or a fresh one Ann signed for
    /// a code he made "for his group" that names Fay's) roots anywhere but
    /// in Fay.
    #[test]
    fn no_one_but_the_founder_the_id_names_roots_a_group() {
        let (fay, ann, mal) = (identity(), identity(), identity());
        let (g, fay_in) = founding("fay", &fay);
        let g_key = InviteKey::of(&new_secret(), &g).expect("key");
        let to_g = invite("fay", &fay, &g, std::slice::from_ref(&fay_in), &g_key).expect("g");
        let ann_in_g = admitted("ann", &ann, &g_key, &to_g);
        assert_eq!(root(&g, &ann_in_g), Some(fay.public_b64()));

        let (h, mal_h) = founding("mal", &mal);
        let h_key = InviteKey::of(&new_secret(), &h).expect("key");
        let to_h = invite("mal", &mal, &h, std::slice::from_ref(&mal_h), &h_key).expect("h");
        let ann_in_h = admitted("ann", &ann, &h_key, &to_h);
        assert_eq!(root(&h, &ann_in_h), Some(mal.public_b64()));

        // Mal's founding of Fay's group, signed by him, with any salt.
        let mal_g = Admission {
            sig: mal.sign_bytes(&founding_bytes(&g, &mal.public_b64())),
            ..mal_h.clone()
        };
        assert_eq!(root(&g, &mal_g), None, "the id names Fay");
        let forged = |key: &InviteKey| {
            let offered = invite_bytes(&g, &key.verifier(), &mal_g);
            Invite {
                space: g.clone(),
                verifier: key.verifier(),
                by: Box::new(mal_g.clone()),
                sig: mal.sign_bytes(&offered),
                key_sig: key.sign(&offered),
            }
        };
        let spliced = |a: &Admission, key: &InviteKey| Admission {
            via: Some(Box::new(forged(key))),
            ..a.clone()
        };
        assert_eq!(root(&g, &spliced(&ann_in_h, &h_key)), None, "moved from h");
        assert_eq!(root(&g, &spliced(&ann_in_g, &g_key)), None, "re-rooted");
        // A code Mal made "for his group", salted and signed for Fay's:
        // Ann's device checks it is the code's and answers; the answer roots
        // nowhere, so it takes Mal as no one.
        let lure_key = InviteKey::of(&new_secret(), &g).expect("key");
        let lure = forged(&lure_key);
        assert!(is_the_codes(&lure, &lure_key));
        let lured = admitted("ann", &ann, &lure_key, &lure);
        assert_eq!(root(&g, &lured), None);
    }

    #[test]
    fn a_founding_carries_nothing_but_its_signature_and_its_ids_salt() {
        let fay = identity();
        let (g, fay_in) = founding("fay", &fay);
        assert!(founds(&g, &fay_in));
        let padded = Admission {
            proof: "x".repeat(60_000),
            ..fay_in.clone()
        };
        assert!(!founds(&g, &padded));
        assert_eq!(root(&g, &padded), None);
        let salted = Admission {
            nonce: "B".repeat(22),
            ..fay_in
        };
        assert!(!founds(&g, &salted), "another salt names another group");
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
        assert!(InviteKey::of("ABC", "g").is_none());
        let a = InviteKey::of(&secret, "g").expect("key");
        let b = InviteKey::of(&secret, "h").expect("key");
        assert_ne!(a.verifier(), b.verifier(), "salted with the group");
    }
}
