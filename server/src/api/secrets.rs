//! What a request carries to prove who it is, checked in one place for
//! every route: a password's authentication key, the secret a sensitive
//! request asks for again (`verify_secret`, counted like a sign-in), an
//! account's sealed key pair, and the hash kept of a secret.

use super::{ApiError, ApiResult, AppState};
use crate::credentials::{hash_password, verify_password};
use crate::rate_limit::{sign_in_key, SIGN_IN_PER_ACCOUNT};
use crate::storage::{Account, AccountKey, Proof};
use pph_protocol::identity::{binds, binds_key};
use pph_protocol::kdf::Kdf;
use pph_protocol::sealed::{AccountKeys, PublicIdentity};
use pph_protocol::wire::ErrorCode;

const MIN_PASSWORD: usize = 10;
const MAX_PASSWORD: usize = 256;
/// Longest base64 field of a key or envelope: what X25519 and a 32-byte
/// key sealed with its nonce and tag take, with room.
const MAX_KEY_TEXT: usize = 256;

pub fn check_password(password: &str) -> ApiResult<()> {
    let len = password.chars().count();
    if !(MIN_PASSWORD..=MAX_PASSWORD).contains(&len) {
        return Err(ApiError::invalid(format!(
            "password must be {MIN_PASSWORD} to {MAX_PASSWORD} characters"
        )));
    }
    Ok(())
}

/// Checks the signed-in account's password (its authentication key) or
/// recovery code again, counted like a sign-in: which it was, with the
/// hash it matched (a write that depends on it stores nothing if the
/// account no longer has it); `Forbidden` if it is neither, and the caller
/// does nothing.
pub async fn verify_secret(
    state: &AppState,
    account: &Account,
    addr: std::net::IpAddr,
    secret: String,
    untouched: &str,
) -> ApiResult<Proof> {
    let key = sign_in_key(&account.email, addr);
    state.take_attempt(&key, SIGN_IN_PER_ACCOUNT).await?;
    let recovery = state
        .storage
        .account_keys(&account.id)
        .await?
        .and_then(|(_, r)| r);
    let password_hash = account.password_hash.clone();
    let matched = state
        .hash(move || {
            if verify_password(&secret, &password_hash) {
                Some(Proof::Password(password_hash))
            } else {
                recovery
                    .filter(|r| verify_password(&secret, r))
                    .map(Proof::RecoveryCode)
            }
        })
        .await?;
    if let Some(matched) = matched {
        Ok(matched)
    } else {
        Err(ApiError::new(
            ErrorCode::Forbidden,
            format!("the password is wrong: {untouched}"),
        ))
    }
}

pub(super) fn check_key_text(field: &str, text: &str) -> ApiResult<()> {
    let ok = !text.is_empty()
        && text.len() <= MAX_KEY_TEXT
        && text
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_' || b == b'.');
    if ok {
        Ok(())
    } else {
        Err(ApiError::invalid(format!(
            "{field} is missing or malformed"
        )))
    }
}

pub fn check_account_keys(keys: &AccountKeys) -> ApiResult<()> {
    check_key_text("keys.public_key", &keys.public_key)?;
    if !can_wrap_to(&keys.public_key) {
        return Err(ApiError::invalid(
            "keys.public_key: not an X25519 public key keys can be wrapped to",
        ));
    }
    check_key_text("keys.by_password", &keys.by_password)?;
    check_key_text("keys.by_recovery", &keys.by_recovery)?;
    let (Some(identity), Some(binding)) = (&keys.identity, &keys.binding) else {
        return Err(ApiError::invalid(
            "keys.identity: every account's keys come with its identity and binding",
        ));
    };
    if !binds_key(identity, &keys.public_key, binding) {
        return Err(ApiError::invalid(
            "keys.binding: the identity did not sign this public key",
        ));
    }
    Ok(())
}

/// An account's key and identity as a device can check them: a key HPKE
/// seals to, signed by the identity beside it. None for one the devices
/// would pass over (an account made before identities, or a key changed in
/// the relay's database), so the relay asks no one to wrap to it either.
pub fn checked(key: AccountKey) -> Option<PublicIdentity> {
    let who = PublicIdentity {
        account_id: key.account_id,
        public_key: key.public_key,
        identity: key.identity?,
        binding: key.binding?,
    };
    (can_wrap_to(&who.public_key) && binds(&who)).then_some(who)
}

/// Whether HPKE (the suite the devices wrap keys with) seals to this
/// public key: 32 bytes of base64url, and not a low-order point, whose
/// shared secret would be all zeros. A key no device can wrap to is
/// refused here, so one account cannot make others' key turnover fail.
pub fn can_wrap_to(public_key: &str) -> bool {
    use base64::Engine;
    use hpke::{aead::ChaCha20Poly1305, kdf::HkdfSha256, kem::X25519HkdfSha256};
    use hpke::{Deserializable, Kem, OpModeS};
    let Ok(bytes) = base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(public_key) else {
        return false;
    };
    let Ok(public) = <X25519HkdfSha256 as Kem>::PublicKey::from_bytes(&bytes) else {
        return false;
    };
    hpke::single_shot_seal::<ChaCha20Poly1305, HkdfSha256, X25519HkdfSha256>(
        &OpModeS::Base,
        &public,
        b"pph public key check",
        b"",
        b"",
    )
    .is_ok()
}

pub fn hash(secret: &str) -> ApiResult<String> {
    hash_password(secret).map_err(|_| ApiError::new(ErrorCode::Internal, "could not hash"))
}

/// A new secret's hash, if one is given, made on the hashing threads.
pub async fn hash_new(state: &AppState, secret: Option<String>) -> ApiResult<Option<String>> {
    match secret {
        Some(s) => Ok(Some(state.hash(move || hash(&s)).await??)),
        None => Ok(None),
    }
}

/// A new password's stretch, as a device sends it: within the bounds, and
/// at least what this relay asks.
pub(super) fn check_kdf(state: &AppState, field: &str, kdf: Option<Kdf>) -> ApiResult<Kdf> {
    let kdf = kdf.ok_or_else(|| {
        ApiError::invalid(format!(
            "{field}: how the password was stretched is needed (sign in again with this app)"
        ))
    })?;
    kdf.checked_salt()
        .map_err(|reason| ApiError::invalid(format!("{field}: {reason}")))?;
    let target = state.config.stretch;
    if !kdf.meets(&target) {
        return Err(ApiError::invalid(format!(
            "{field}: this relay asks for a stretch of at least {} KiB and {} passes",
            target.memory_kib, target.passes
        )));
    }
    Ok(kdf)
}
