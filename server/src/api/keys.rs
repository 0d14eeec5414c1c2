//! End-to-end keys (docs/SECURITY.md): an account's key pair as its device
//! sealed it, and data keys wrapped to accounts (envelopes). The relay
//! stores and serves them and cannot open any; it checks only that an
//! envelope goes from a member of its space to someone who may read that
//! key now: the space's person (any of its keys), a clinician with a share
//! in force (the shared scopes' keys), a group's members (its key).

use super::secrets::{
    check_account_keys, check_kdf, check_key_text, check_password, checked, hash_new, verify_secret,
};
use super::{
    bearer_token, json_body, now_ms, small_json, ApiError, ApiResult, AppState, Authed, ClientAddr,
    SettingKeys,
};
use crate::credentials::token_hash;
use crate::storage::{Grant, KeysUpdate, Proof, SpaceInfo, SpaceKind, StorageError};
use axum::body::Body;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::Json;
use pph_protocol::admission::{admission_key, depth, links, through_ended, Admission, MAX_CHAIN};
use pph_protocol::identity::{signed_commitment, signed_envelope};
use pph_protocol::sealed::{
    DiscardEnvelopesRequest, EpochCommitment, KeyName, KeysResponse, PublicIdentity,
    PutEnvelopesRequest, Reader, SignedGrant, SpaceKeys,
};
use pph_protocol::wire::{AccountKeysRequest, ErrorCode};
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::Arc;

/// Most envelopes one request may carry.
const MAX_ENVELOPES: usize = 1_000;
/// The largest request of envelopes: as many as one may carry, signed
/// (about 500 bytes each), with room. An epoch begun comes in one request
/// with an envelope for every reader, so a group of a few hundred does not
/// fit the small bodies' 64 KB (the tenth attacker run: a group of 170
/// could not turn its key over after a removal, and no one could write).
const MAX_ENVELOPES_BODY: usize = 1024 * 1024;

type Readers = BTreeMap<String, Vec<KeyName>>;

/// The grants in force at `now` (signed, neither revoked nor expired).
fn in_force(grants: &[Grant], now: i64) -> impl Iterator<Item = &Grant> {
    grants
        .iter()
        .filter(move |g| g.signature.is_some() && g.revoked_ms.is_none() && g.expires_ms > now)
}

/// Who may read which of a personal space's keys at `now`: its person
/// every one; a clinician with a share in force (signed by the patient's
/// device, neither revoked nor expired) the shared scopes' keys. A share
/// that ended names no reader, so the keys it reached turn over.
fn personal_readers(owner: &str, grants: &[Grant], now: i64) -> Readers {
    let mut readers = Readers::new();
    readers.insert(owner.to_owned(), KeyName::PERSONAL.to_vec());
    for g in in_force(grants, now) {
        let keys = readers.entry(g.clinician_account.clone()).or_default();
        keys.extend(g.scopes.iter().map(|s| KeyName::of_scope(*s)));
        keys.sort_unstable();
        keys.dedup();
    }
    readers
}

async fn grants_of(state: &AppState, patient: &str) -> ApiResult<Vec<Grant>> {
    Ok(state
        .storage
        .grants_by_patient(patient)
        .await?
        .into_iter()
        .map(|g| g.grant)
        .collect())
}

/// Who may read which of a space's keys now, with a group's members'
/// admissions (which its devices check; one that does not read is left
/// out, and its member goes unchecked).
async fn readers_of(state: &AppState, space: &SpaceInfo) -> ApiResult<(Readers, Vec<Admission>)> {
    Ok(match space.kind {
        SpaceKind::Personal => {
            let grants = grants_of(state, &space.owner).await?;
            (
                personal_readers(&space.owner, &grants, now_ms()),
                Vec::new(),
            )
        }
        SpaceKind::Group => {
            let members = state.storage.members(&space.id).await?;
            // No chain longer than a device checks (nested deeper, the
            // page would be more than a device parses: the eighth
            // attacker run).
            let admissions = members
                .iter()
                .filter_map(|m| m.admission.as_deref())
                .filter_map(|a| serde_json::from_str::<Admission>(a).ok())
                .filter(|a| depth(a) <= MAX_CHAIN)
                .collect();
            let readers = members
                .into_iter()
                .map(|m| (m.account_id, vec![KeyName::Group]))
                .collect();
            (readers, admissions)
        }
    })
}

/// `GET /v1/keys`: the envelopes wrapped to this account, and for each
/// space it is a member of, who holds which epoch and who may read what.
pub async fn list(
    State(state): State<Arc<AppState>>,
    Authed(account): Authed,
) -> ApiResult<Json<KeysResponse>> {
    let envelopes = state.storage.envelopes_for(&account.id).await?;
    let mut spaces = Vec::new();
    // Everyone the devices need to check: each space's readers and each
    // envelope's sender.
    let mut named: BTreeSet<String> = envelopes.iter().map(|e| e.from.clone()).collect();
    for space in state.storage.member_spaces(&account.id).await? {
        let (readers, admissions) = readers_of(&state, &space).await?;
        let ids: Vec<String> = readers.keys().cloned().collect();
        named.extend(ids.iter().cloned());
        let public: HashMap<String, String> = state
            .storage
            .public_keys(&ids)
            .await?
            .into_iter()
            .map(|k| (k.account_id, k.public_key))
            .collect();
        // The person's own devices check each clinician reader against
        // the grant their identity signed.
        let grants = if space.kind == SpaceKind::Personal && space.owner == account.id {
            let now = now_ms();
            in_force(&grants_of(&state, &account.id).await?, now)
                .map(|g| SignedGrant {
                    share_id: g.id.clone(),
                    clinician: g.clinician_account.clone(),
                    scopes: g.scopes.clone(),
                    expires_at_ms: g.expires_ms,
                    signature: g.signature.clone().unwrap_or_default(),
                })
                .collect()
        } else {
            Vec::new()
        };
        let epochs = state.storage.epoch_recipients(&space.id).await?;
        // Who began each epoch, whose commitment the devices check.
        named.extend(
            epochs
                .iter()
                .filter_map(|e| e.commitment.as_ref().map(|c| c.began_by.clone())),
        );
        spaces.push(SpaceKeys {
            grants,
            admissions,
            epochs,
            readers: readers
                .into_iter()
                .map(|(account_id, keys)| Reader {
                    public_key: public.get(&account_id).cloned(),
                    account_id,
                    keys,
                })
                .collect(),
            space: space.id,
            kind: space.kind,
        });
    }
    let named: Vec<String> = named
        .into_iter()
        .filter(|a| !a.is_empty() && a != "departed")
        .collect();
    let identities = identities_of(&state, &named).await?;
    Ok(Json(KeysResponse {
        envelopes,
        spaces,
        identities,
    }))
}

/// The identities of `accounts` that have one, as their devices sent them
/// (the devices check each binding; the relay passes them on).
pub(super) async fn identities_of(
    state: &AppState,
    accounts: &[String],
) -> ApiResult<Vec<PublicIdentity>> {
    Ok(state
        .storage
        .public_keys(accounts)
        .await?
        .into_iter()
        .filter_map(|k| {
            Some(PublicIdentity {
                account_id: k.account_id,
                public_key: k.public_key,
                identity: k.identity?,
                binding: k.binding?,
            })
        })
        .collect())
}

/// The identity of `account`, if its device sent one.
pub(super) async fn identity_of(state: &AppState, account: &str) -> ApiResult<Option<String>> {
    Ok(state
        .storage
        .account_keys(account)
        .await?
        .and_then(|(keys, _)| keys.identity))
}

/// A public key another account holds already (with the identity that
/// signed it): one key, one account.
pub(super) fn key_taken(e: StorageError) -> ApiError {
    match e {
        StorageError::Conflict => ApiError::new(
            ErrorCode::Conflict,
            "keys.public_key: another account holds this key: make a new key pair",
        ),
        other => other.into(),
    }
}

/// `POST /v1/keys/envelopes`: stores envelopes from a member of each one's
/// space to a reader of its key; `conflict` when an epoch it begins was
/// begun first by another device (fetch the keys and try again).
pub async fn put_envelopes(
    State(state): State<Arc<AppState>>,
    Authed(account): Authed,
    body: Body,
) -> ApiResult<StatusCode> {
    let req: PutEnvelopesRequest = json_body(body, MAX_ENVELOPES_BODY).await?;
    if req.envelopes.len() > MAX_ENVELOPES || req.creates.len() > MAX_ENVELOPES {
        return Err(ApiError::new(
            ErrorCode::TooLarge,
            format!("at most {MAX_ENVELOPES} envelopes per request"),
        ));
    }
    let mine: HashMap<String, SpaceInfo> = state
        .storage
        .member_spaces(&account.id)
        .await?
        .into_iter()
        .map(|s| (s.id.clone(), s))
        .collect();
    let mut readers: HashMap<String, (Readers, Vec<Admission>)> = HashMap::new();
    for (i, e) in req.envelopes.iter().enumerate() {
        check_key_text("enc", &e.enc)?;
        check_key_text("ct", &e.ct)?;
        if e.from != account.id {
            return Err(ApiError::invalid(format!(
                "envelope {i}: from must be the account that posts it"
            )));
        }
        if e.epoch == 0 {
            return Err(ApiError::invalid(format!(
                "envelope {i}: epoch starts at 1"
            )));
        }
        let Some(space) = mine.get(&e.space) else {
            return Err(ApiError::forbidden());
        };
        if !readers.contains_key(&e.space) {
            readers.insert(e.space.clone(), readers_of(&state, space).await?);
        }
        let may_read = readers
            .get(&e.space)
            .and_then(|(r, _)| r.get(&e.recipient))
            .is_some_and(|keys| keys.contains(&e.key));
        if !may_read {
            return Err(ApiError::new(
                ErrorCode::Forbidden,
                format!("envelope {i}: its recipient may not read this key"),
            ));
        }
    }
    for c in &req.creates {
        let own = mine.contains_key(&c.space) && req.envelopes.iter().any(|e| e.is_for(c));
        if !own {
            return Err(ApiError::invalid(
                "an epoch begun must come with its envelopes",
            ));
        }
    }
    let mut begun = Begun::new();
    let spaces: BTreeSet<&String> = req.envelopes.iter().map(|e| &e.space).collect();
    for space in spaces {
        for e in state.storage.epoch_recipients(space).await? {
            let epochs = begun.entry((space.clone(), e.key)).or_default();
            epochs.entry(e.epoch).or_default().extend(e.recipients);
        }
    }
    // Who a begun epoch must reach: read once per space, however many of
    // its keys the request begins (a personal space's first sync begins
    // them all).
    let mut reach = Reach::new();
    let beginning: BTreeSet<&String> = req.creates.iter().map(|c| &c.space).collect();
    for space in beginning {
        let (readers, admissions) = readers.get(space).cloned().unwrap_or_default();
        let group = mine.get(space).is_some_and(|s| s.kind == SpaceKind::Group);
        let ended = if group {
            state.storage.ended_verifiers(space).await?
        } else {
            Vec::new()
        };
        let admissions = must_reach(&admissions, &ended.into_iter().collect());
        let ids: Vec<String> = readers.keys().cloned().collect();
        let keyed: BTreeSet<String> = state
            .storage
            .public_keys(&ids)
            .await?
            .into_iter()
            // A key nothing can be wrapped to, or one its identity did not
            // sign (either put past the relay's checks), is passed over by
            // the devices too; so is a group's member without an admission
            // of their own (from before admissions, or put in past the
            // relay's checks), whom no device takes as a member, and one
            // some device may refuse (`must_reach`).
            .filter_map(checked)
            .filter(|who| {
                !group
                    || admissions
                        .iter()
                        .any(|a| a.account_id == who.account_id && a.identity == who.identity)
            })
            .map(|who| who.account_id)
            .collect();
        for (id, keys) in readers.into_iter().filter(|(id, _)| keyed.contains(id)) {
            for key in keys {
                reach
                    .entry((space.clone(), key))
                    .or_default()
                    .insert(id.clone());
            }
        }
    }
    check_epochs(&req, &begun, &reach, &account.id)?;
    // A device that has an identity signs what it wraps: a client's
    // mistake is refused here rather than set aside by its recipients.
    let identity = identity_of(&state, &account.id).await?;
    for (i, e) in req.envelopes.iter().enumerate() {
        if identity.as_ref().is_some_and(|id| !signed_envelope(id, e)) {
            return Err(ApiError::invalid(format!(
                "envelope {i}: sig is not this account's identity's signature of it"
            )));
        }
    }
    // An account with an identity commits to every epoch it begins: an
    // epoch no one committed to is one whose key no member would take.
    if identity.is_some() {
        let uncommitted = req.creates.iter().any(|at| {
            !req.commitments.iter().any(|c| {
                (at.space.as_str(), at.key, at.epoch) == (c.space.as_str(), c.key, c.epoch)
            })
        });
        if uncommitted {
            return Err(ApiError::invalid(
                "commitments: every epoch begun needs its beginner's commitment to its key",
            ));
        }
    }
    // A commitment is to an epoch this request begins, signed by the
    // account beginning it.
    for (i, c) in req.commitments.iter().enumerate() {
        check_key_text("commit", &c.commit)?;
        check_key_text("sig", &c.sig)?;
        let begun_here = req
            .creates
            .iter()
            .any(|at| (at.space.as_str(), at.key, at.epoch) == (c.space.as_str(), c.key, c.epoch));
        let by = EpochCommitment {
            began_by: account.id.clone(),
            commit: c.commit.clone(),
            sig: c.sig.clone(),
            begun_for: c.begun_for.clone(),
        };
        let signed = identity
            .as_ref()
            .is_none_or(|id| signed_commitment(id, &c.space, c.key, c.epoch, &by));
        if !begun_here || !signed {
            return Err(ApiError::invalid(format!(
                "commitment {i}: not this account's signed commitment to an epoch it begins here"
            )));
        }
        // Begun for exactly those its envelopes here go to, by identity,
        // sorted, once each: what the devices read of who may hold it.
        let wrapped_to: Vec<String> = req
            .envelopes
            .iter()
            .filter(|e| (e.space.as_str(), e.key, e.epoch) == (c.space.as_str(), c.key, c.epoch))
            .map(|e| e.recipient.clone())
            .collect();
        let mut identities: Vec<String> = state
            .storage
            .public_keys(&wrapped_to)
            .await?
            .into_iter()
            .filter_map(|k| k.identity)
            .collect();
        identities.sort_unstable();
        identities.dedup();
        if identity.is_some() && c.begun_for != identities {
            return Err(ApiError::invalid(format!(
                "commitment {i}: begun_for must name, sorted and once each, the identities of \
                 the accounts its epoch's envelopes here are wrapped to"
            )));
        }
    }
    state
        .storage
        .put_envelopes(
            &req.envelopes,
            &req.creates,
            &req.commitments,
            &account.id,
            now_ms(),
        )
        .await
        .map_err(|e| match e {
            StorageError::Conflict => ApiError::new(
                ErrorCode::Conflict,
                "another device began this key's epoch first: fetch the keys and try again",
            ),
            other => other.into(),
        })?;
    Ok(StatusCode::NO_CONTENT)
}

/// `POST /v1/keys/envelopes/discard`: drops envelopes addressed to this
/// account (its device refused them), so that the epochs' other holders
/// give them again. Only one's own: it can cost no one else a key.
pub async fn discard_envelopes(
    State(state): State<Arc<AppState>>,
    Authed(account): Authed,
    body: Body,
) -> ApiResult<StatusCode> {
    let req: DiscardEnvelopesRequest = small_json(body).await?;
    if req.envelopes.len() > MAX_ENVELOPES {
        return Err(ApiError::new(
            ErrorCode::TooLarge,
            format!("at most {MAX_ENVELOPES} envelopes per request"),
        ));
    }
    for at in &req.envelopes {
        super::check_id("space", &at.space)?;
    }
    state
        .storage
        .discard_envelopes(&account.id, &req.envelopes)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The admissions of a group whose members an epoch begun must reach:
/// those no member's device can refuse. A device takes a newcomer unless
/// their chain comes through an admission that ended before it comes
/// through one the device takes (`admission::through_ended`); the relay,
/// which cannot know what each device took, counts only a founding as
/// taken, and as ended an admission no member holds now or one answering a
/// code that ended (`ended`, by verifier). Any other member is wrapped to
/// by every device that takes them, or given the epoch by one that holds
/// it (`KeyAction::Give` on the device), as a newcomer is; required here,
/// the device that refuses them could never turn the key over (the stall
/// after a departure that a code made through the leaver's admission
/// caused).
fn must_reach(admissions: &[Admission], ended: &BTreeSet<String>) -> Vec<Admission> {
    let held: BTreeSet<String> = admissions.iter().filter_map(admission_key).collect();
    let ends = |l: &Admission| {
        admission_key(l).is_some_and(|k| !held.contains(&k))
            || l.via
                .as_deref()
                .is_some_and(|v| ended.contains(&v.verifier))
    };
    admissions
        .iter()
        .filter(|a| links(a).is_some_and(|links| !through_ended(&links, |l| l.via.is_none(), ends)))
        .cloned()
        .collect()
}

/// The epochs begun of each key of the request's spaces, each with the
/// accounts it was wrapped to: (space, key) -> epoch -> recipients.
type Begun = HashMap<(String, KeyName), BTreeMap<u32, BTreeSet<String>>>;

/// Who an epoch begun now must reach: each reader of the key with a public
/// key, by (space, key).
type Reach = HashMap<(String, KeyName), BTreeSet<String>>;

/// Whether a request's epochs follow from those begun, sent by `sender`:
/// - an epoch it begins is the next of its key (the first is 1) and is
///   wrapped to every reader of the key who has a public key, so no member
///   begins one for themselves alone (the devices would take it as the
///   newest and never turn the key over, nor open what it seals);
/// - any other envelope is for an epoch begun, from an account it was
///   wrapped to: only a holder hands an epoch on, so no one squats a
///   newcomer's place with an envelope that opens to nothing.
///
/// Whether what a holder wraps is the key is the devices' to check.
fn check_epochs(
    req: &PutEnvelopesRequest,
    begun: &Begun,
    reach: &Reach,
    sender: &str,
) -> ApiResult<()> {
    let at = |space: &str, key| (space.to_owned(), key);
    let again = |why: &str| {
        ApiError::new(
            ErrorCode::Conflict,
            format!("{why}: fetch the keys and try again"),
        )
    };
    for c in &req.creates {
        let next = begun
            .get(&at(&c.space, c.key))
            .and_then(|epochs| epochs.keys().last())
            .map_or(Some(1), |last| last.checked_add(1));
        if next != Some(c.epoch) {
            return Err(again("an epoch begun must be the next of its key"));
        }
        let wrapped: BTreeSet<&String> = req
            .envelopes
            .iter()
            .filter(|e| e.is_for(c))
            .map(|e| &e.recipient)
            .collect();
        let readers = reach.get(&at(&c.space, c.key));
        if readers.is_some_and(|r| r.iter().any(|a| !wrapped.contains(a))) {
            return Err(again("an epoch begun must reach every reader of its key"));
        }
    }
    for (i, e) in req.envelopes.iter().enumerate() {
        let here = req.creates.iter().any(|c| e.is_for(c));
        if here {
            continue;
        }
        let holders = begun
            .get(&at(&e.space, e.key))
            .and_then(|epochs| epochs.get(&e.epoch));
        match holders {
            None => {
                return Err(ApiError::invalid(format!(
                    "envelope {i}: its epoch has not begun: begin it with `creates`"
                )))
            }
            Some(h) if !h.contains(sender) => {
                return Err(ApiError::new(
                    ErrorCode::Forbidden,
                    format!("envelope {i}: only an account holding an epoch hands it on"),
                ))
            }
            Some(_) => {}
        }
    }
    Ok(())
}

/// `PUT /v1/accounts/current/keys`: the account's first keys, or new ones
/// sealed under a new password or recovery code, once the current
/// password's or recovery code's authentication key is given. A token
/// alone sets nothing: with first keys and a recovery code of its own, a
/// thief holding a keyless account's token could recover the account and
/// change its password. First keys are stored only while the account has
/// none, so two devices making them at once cannot both win.
pub async fn set_account_keys(
    State(state): State<Arc<AppState>>,
    ClientAddr(addr): ClientAddr,
    SettingKeys(account, session): SettingKeys,
    headers: HeaderMap,
    body: Body,
) -> ApiResult<StatusCode> {
    let req: AccountKeysRequest = small_json(body).await?;
    check_account_keys(&req.keys)?;
    for new in [&req.new_password, &req.new_recovery].into_iter().flatten() {
        check_password(new)?;
    }
    // A new password comes with its stretch, and a stretch with a password.
    let new_kdf = match (&req.new_password, req.new_kdf) {
        (Some(_), kdf) => Some(check_kdf(&state, "new_kdf", kdf)?),
        (None, Some(_)) => {
            return Err(ApiError::invalid(
                "new_kdf: a stretch is set only with the new_password it stretched",
            ))
        }
        (None, None) => None,
    };
    let current = req.current.ok_or_else(|| {
        ApiError::invalid("current: the password's authentication key is needed to set keys")
    })?;
    let proof = verify_secret(&state, &account, addr, current, "nothing was changed").await?;
    // A recovery code works once: what it changes must replace it, and set
    // a new password; a session it opened does nothing else.
    let by_code = matches!(proof, Proof::RecoveryCode(_));
    if (by_code || session.recovery_only) && req.new_recovery.is_none() {
        return Err(ApiError::invalid(
            "new_recovery: a recovery code is used once; send a new one with the keys sealed to it",
        ));
    }
    if session.recovery_only && req.new_password.is_none() {
        return Err(ApiError::invalid(
            "new_password: a session from the recovery code sets a new password first",
        ));
    }
    let before = state.storage.account_keys(&account.id).await?;
    let identity_before = before.as_ref().and_then(|(k, _)| k.identity.as_ref());
    if identity_before.is_some_and(|id| req.keys.identity.as_ref() != Some(id)) {
        return Err(ApiError::new(
            ErrorCode::Conflict,
            "an account's identity never changes: sign in again to get the keys it has",
        ));
    }
    let first = before.is_none();
    // A new password replaces the recovery code: one made by someone who
    // knew the old password dies with it (attacker run 24). Only the same
    // password stretched anew, while the account is below this relay's
    // stretch, keeps the code (a sign-in after a raise must not kill the
    // code the person printed: attacker run 25); it signs the others out
    // all the same, and the printed code still recovers the account.
    let restretch = account
        .kdf
        .as_ref()
        .is_none_or(|k| !k.meets(&state.config.stretch));
    if req.new_password.is_some() && req.new_recovery.is_none() && !restretch {
        return Err(ApiError::invalid(
            "new_recovery: a new password replaces the recovery code; send a new one with the \
             keys sealed to it",
        ));
    }
    // The sealed keys change only with the secret they are sealed to: a
    // key sealed to no code the relay checks would leave the printed code
    // recovering nothing (attacker run 25).
    if let Some((stored, _)) = &before {
        if req.new_recovery.is_none() && req.keys.by_recovery != stored.by_recovery {
            return Err(ApiError::invalid(
                "keys.by_recovery: the key is sealed to a new recovery code only with new_recovery",
            ));
        }
        if req.new_password.is_none() && req.keys.by_password != stored.by_password {
            return Err(ApiError::invalid(
                "keys.by_password: the key is sealed to a new password only with new_password",
            ));
        }
    }
    // A new secret (a password changed or set after a recovery, or a new
    // recovery code) signs out every other device: a stolen phone's
    // session ends with it, and a code made behind the person's back is
    // seen (their devices ask them to sign in again). An account's first
    // keys bring its first code, which signs no one out; a password set
    // with them does.
    let new_secret = req.new_password.is_some() || (req.new_recovery.is_some() && !first);
    let signing_out_all_but = match (new_secret, bearer_token(&headers)) {
        (true, Some(token)) => Some((token_hash(token), now_ms())),
        _ => None,
    };
    let stored = state
        .storage
        .set_account_keys(&KeysUpdate {
            account_id: account.id,
            keys: req.keys,
            password: hash_new(&state, req.new_password).await?.zip(new_kdf),
            recovery_hash: hash_new(&state, req.new_recovery).await?,
            only_if_none: first,
            signing_out_all_but,
            checked: Some(proof),
        })
        .await
        .map_err(key_taken)?;
    if stored {
        Ok(StatusCode::NO_CONTENT)
    } else {
        Err(ApiError::new(
            ErrorCode::Conflict,
            "the account's keys, password or recovery code changed meanwhile: nothing was \
             changed; sign in again",
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use pph_protocol::wire::Scope;

    fn grant(clinician: &str, scopes: &[Scope], expires_ms: i64, revoked_ms: Option<i64>) -> Grant {
        Grant {
            id: format!("g-{clinician}-{expires_ms}"),
            patient_account: "pat".into(),
            clinician_account: clinician.into(),
            scopes: scopes.to_vec(),
            created_ms: 0,
            expires_ms,
            revoked_ms,
            signature: Some("signed".into()),
        }
    }

    #[test]
    fn an_ended_or_unsigned_share_names_no_reader_and_two_shares_add_up() {
        let unsigned = Grant {
            signature: None,
            ..grant("unsigned", &[Scope::Diary], 2_000, None)
        };
        let grants = [
            grant("doc", &[Scope::Diary], 2_000, None),
            grant("doc", &[Scope::CarePlan, Scope::Diary], 2_000, None),
            grant("expired", &[Scope::Budget], 1_000, None),
            grant("revoked", &[Scope::Diary], 2_000, Some(500)),
            unsigned,
        ];
        let readers = personal_readers("pat", &grants, 1_000);
        assert_eq!(readers["pat"], KeyName::PERSONAL.to_vec());
        assert_eq!(readers["doc"], [KeyName::CarePlan, KeyName::Diary]);
        assert!(
            !readers.contains_key("expired"),
            "expiry ends a share at its instant"
        );
        assert!(!readers.contains_key("revoked"));
        assert!(
            !readers.contains_key("unsigned"),
            "a share from before signatures"
        );
        // Later, the live share has ended too.
        assert_eq!(personal_readers("pat", &grants, 2_000).len(), 1);
    }

    #[test]
    fn an_epoch_is_begun_next_to_every_reader_and_handed_on_by_its_holders() {
        use pph_protocol::sealed::{Envelope, EpochRef};
        let envelope = |epoch, to: &str| Envelope {
            space: "g".into(),
            key: KeyName::Group,
            epoch,
            recipient: to.into(),
            enc: "e".into(),
            ct: "c".into(),
            from: String::new(),
            sig: String::new(),
        };
        let request = |envelopes: Vec<(u32, &str)>, creates: Vec<u32>| PutEnvelopesRequest {
            envelopes: envelopes
                .into_iter()
                .map(|(e, to)| envelope(e, to))
                .collect(),
            creates: creates
                .into_iter()
                .map(|epoch| EpochRef {
                    space: "g".into(),
                    key: KeyName::Group,
                    epoch,
                })
                .collect(),
            commitments: Vec::new(),
        };
        let group = ("g".to_owned(), KeyName::Group);
        let holders = |names: &[&str]| names.iter().map(|n| (*n).to_owned()).collect();
        // Epochs 1 and 2 begun; ann and bob hold 2, cat only 1.
        let two = Begun::from([(
            group.clone(),
            BTreeMap::from([(1, holders(&["ann", "cat"])), (2, holders(&["ann", "bob"]))]),
        )]);
        let reach = Reach::from([(group.clone(), holders(&["ann", "bob"]))]);
        let code = |r: &PutEnvelopesRequest, begun: &Begun, sender: &str| {
            check_epochs(r, begun, &reach, sender).err().map(|e| e.code)
        };
        let both = |epoch| vec![(epoch, "ann"), (epoch, "bob")];
        assert_eq!(code(&request(both(1), vec![1]), &Begun::new(), "ann"), None);
        assert_eq!(
            code(&request(both(3), vec![3]), &two, "bob"),
            None,
            "the next"
        );
        assert_eq!(
            code(&request(vec![(2, "cat")], vec![]), &two, "bob"),
            None,
            "a holder gives"
        );
        let conflict = Some(ErrorCode::Conflict);
        assert_eq!(
            code(&request(both(2), vec![2]), &Begun::new(), "ann"),
            conflict
        );
        assert_eq!(
            code(&request(both(5), vec![5]), &two, "ann"),
            conflict,
            "ahead"
        );
        assert_eq!(
            code(&request(both(2), vec![2]), &two, "ann"),
            conflict,
            "begun"
        );
        let alone = request(vec![(3, "bob")], vec![3]);
        assert_eq!(code(&alone, &two, "bob"), conflict, "for themselves alone");
        let invalid = Some(ErrorCode::Invalid);
        assert_eq!(
            code(&request(vec![(3, "ann")], vec![]), &two, "ann"),
            invalid,
            "planted"
        );
        let squat = request(vec![(2, "cat")], vec![]);
        assert_eq!(
            code(&squat, &two, "cat"),
            Some(ErrorCode::Forbidden),
            "not a holder"
        );
        let top = Begun::from([(group, BTreeMap::from([(u32::MAX, holders(&["ann"]))]))]);
        assert_eq!(
            code(&request(vec![(u32::MAX, "bob")], vec![]), &top, "ann"),
            None
        );
        assert_eq!(
            code(&request(both(1), vec![1]), &top, "ann"),
            conflict,
            "no wrap"
        );
    }

    /// Fay founds; Bob joins by her code and makes one; Dot joins by
    /// Bob's and makes one; Ivy joins by Dot's; Gus joins by Fay's code.
    /// While all are members, an epoch must reach them all. Once Bob has
    /// left, a device that never took Dot refuses Dot and Ivy: an epoch
    /// need not reach them. Once Fay's code has ended (Gus left by it),
    /// Bob, were he still here, need not be reached either; Fay always is.
    #[test]
    fn an_epoch_need_not_reach_a_member_some_device_may_refuse() {
        let founding = Admission {
            account_id: "fay".into(),
            identity: "fay-id".into(),
            verifier: String::new(),
            nonce: String::new(),
            proof: String::new(),
            sig: String::new(),
            via: None,
        };
        let by = |inviter: &Admission, account: &str, code: &str| Admission {
            account_id: account.into(),
            identity: format!("{account}-id"),
            verifier: code.into(),
            via: Some(Box::new(pph_protocol::admission::Invite {
                space: "g".into(),
                verifier: code.into(),
                by: Box::new(Admission {
                    account_id: String::new(),
                    ..inviter.clone()
                }),
                sig: String::new(),
                key_sig: String::new(),
            })),
            ..founding.clone()
        };
        let bob = by(&founding, "bob", "fays");
        let dot = by(&bob, "dot", "bobs");
        let ivy = by(&dot, "ivy", "dots");
        let gus = by(&founding, "gus", "fays");
        let reached = |admissions: &[&Admission], ended: &[&str]| -> Vec<String> {
            let admissions: Vec<Admission> = admissions.iter().map(|a| (*a).clone()).collect();
            let ended = ended.iter().map(|v| (*v).to_owned()).collect();
            must_reach(&admissions, &ended)
                .into_iter()
                .map(|a| a.account_id)
                .collect()
        };
        assert_eq!(
            reached(&[&founding, &bob, &dot, &ivy, &gus], &[]),
            vec!["fay", "bob", "dot", "ivy", "gus"]
        );
        assert_eq!(
            reached(&[&founding, &dot, &ivy, &gus], &["bobs", "fays"]),
            vec!["fay"]
        );
        assert_eq!(
            reached(&[&founding, &dot, &ivy, &gus], &[]),
            vec!["fay", "gus"],
            "through Bob, who left"
        );
        assert_eq!(
            reached(&[&founding, &bob, &dot, &ivy], &["fays"]),
            vec!["fay"],
            "by Fay's code, which ended"
        );
    }
}
