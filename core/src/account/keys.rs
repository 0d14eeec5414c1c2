//! The account's keys at sign-up, sign-in, a password change, a new
//! recovery code and a recovery: the password and recovery code are turned
//! into keys here (`crypto::password`), only their authentication keys go
//! to the relay, and the account's private key travels sealed under their
//! wrapping keys.

use super::Account;
use crate::crypto::identity::Identity;
use crate::crypto::password::{self, SecretKeys};
use crate::crypto::wrap::AccountKeyPair;
use crate::error::PphError;
use crate::net::Relay;
use crate::store::AccountInfo;
use crate::sync::key_store;
use pph_protocol::kdf::{Kdf, Stretch};
use pph_protocol::sealed::AccountKeys;
use pph_protocol::wire::{AccountKeysRequest, KdfResponse, SignInRequest};
use zeroize::Zeroizing;

fn internal(reason: &str) -> PphError {
    PphError::Internal {
        reason: reason.to_owned(),
    }
}

/// A new password's length and strength, checked here (the relay never
/// sees it), knowing what else the person typed (email, name).
pub(super) fn check_new_password(password: &str, known: &[&str]) -> Result<(), PphError> {
    password::check_password(password, known)
        .map_err(|reason| PphError::validation("password", reason))
}

fn refused_stretch(reason: String) -> PphError {
    PphError::validation(
        "server_url",
        format!(
            "this relay asks for a password stretch this app does not accept ({reason}): \
             nothing was sent; check the relay's address with whoever runs it"
        ),
    )
}

/// How the relay says `email`'s password is stretched, and what it asks of
/// a new one, refused here if outside the bounds this app accepts.
pub(super) async fn served_kdf(relay: &dyn Relay, email: &str) -> Result<KdfResponse, PphError> {
    let served = relay.kdf(email).await?;
    if let Some(kdf) = &served.kdf {
        kdf.checked_salt().map_err(refused_stretch)?;
    }
    served.asks.check().map_err(refused_stretch)?;
    Ok(served)
}

/// The account's own stretch, from what the relay served. None means an
/// account from before salts, whose old key is the same on every relay: no
/// device sends it, not even to the relay it is signed in to (which could
/// serve None only to get it, for a relay where the account is still an
/// old one: attacker runs 23 and 24). Such an account moves to a salt
/// through its recovery code.
pub(super) fn stretch_of(served: &KdfResponse) -> Result<Kdf, PphError> {
    served.kdf.clone().ok_or_else(|| PphError::Forbidden {
        reason: "this account was made by an earlier version of the app: sign in with its \
                 recovery code (it sets a new password); nothing was sent"
            .into(),
    })
}

/// The password's keys, stretched as `kdf` says and bound to the relay at
/// `server_url`, off the async threads.
pub(super) async fn password_keys(
    kdf: Option<Kdf>,
    server_url: &str,
    email: &str,
    password: &str,
) -> Result<SecretKeys, PphError> {
    let relay = crate::net::relay_identity(server_url)?;
    let (email, password) = (email.to_owned(), Zeroizing::new(password.to_owned()));
    tokio::task::spawn_blocking(move || {
        password::from_password(kdf.as_ref(), &relay, &email, &password)
    })
    .await
    .map_err(|_| internal("the password could not be stretched"))?
    .map_err(refused_stretch)
}

/// A new password's keys under a fresh salt of this device's choosing,
/// stretched as much as the relay asks and the account had, whichever is
/// more (an account below a stretch the relay raised moves up to it).
pub(super) async fn new_password_keys(
    served: &KdfResponse,
    server_url: &str,
    email: &str,
    password: &str,
) -> Result<SecretKeys, PphError> {
    let had = served.kdf.as_ref().map_or(Stretch::LEAST, Kdf::stretch);
    let stretch = served.asks.at_least(&had).at_least(&Stretch::LEAST);
    stretch.check().map_err(refused_stretch)?;
    let kdf = stretch.with_salt(&rand::random());
    password_keys(Some(kdf), server_url, email, password).await
}

fn recovery_keys(email: &str, code: &str) -> Result<SecretKeys, PphError> {
    password::from_recovery_code(email, code).ok_or_else(|| {
        PphError::validation(
            "recovery_code",
            "a recovery code is 32 letters and digits (0-9, A-F), as printed",
        )
    })
}

/// The account's key pair, if `secret`'s wrapping key opens its sealed copy.
fn open_pair(secret: &SecretKeys, space: &str, sealed: &str) -> Option<AccountKeyPair> {
    AccountKeyPair::from_private(&password::open_private(&secret.wrap, space, sealed)?)
}

fn seal(wrap: &SecretKeys, space: &str, pair: &AccountKeyPair) -> Result<String, PphError> {
    password::seal_private(&wrap.wrap, space, &pair.private_bytes())
        .ok_or_else(|| internal("could not seal the account's key"))
}

/// A new account's keys: a key pair sealed under the password and under a
/// new recovery code, with that code (to show once) and its keys.
pub(super) struct NewKeys {
    pub pair: AccountKeyPair,
    pub sealed: AccountKeys,
    pub code: Zeroizing<String>,
    pub recovery: SecretKeys,
}

/// `sealed` with the identity `pair` gives and its binding to the pair's
/// public key.
fn identified(sealed: AccountKeys, pair: &AccountKeyPair) -> Result<AccountKeys, PphError> {
    let identity = Identity::of(pair).ok_or_else(|| internal("could not derive the identity"))?;
    Ok(AccountKeys {
        identity: Some(identity.public_b64()),
        binding: Some(identity.bind(&pair.public_b64())),
        ..sealed
    })
}

pub(super) fn new_keys(email: &str, space: &str, pw: &SecretKeys) -> Result<NewKeys, PphError> {
    let pair = AccountKeyPair::generate();
    let code = password::new_recovery_code();
    let recovery = recovery_keys(email, &code)?;
    let sealed = AccountKeys {
        public_key: pair.public_b64(),
        by_password: seal(pw, space, &pair)?,
        by_recovery: seal(&recovery, space, &pair)?,
        identity: None,
        binding: None,
    };
    let sealed = identified(sealed, &pair)?;
    Ok(NewKeys {
        pair,
        sealed,
        code,
        recovery,
    })
}

/// The secrets a key change names: the one that authorises it (the
/// password, even for an account's first keys) and the new ones the relay
/// is to check from now on.
#[derive(Default)]
struct Secrets<'a> {
    current: Option<&'a SecretKeys>,
    new_password: Option<&'a SecretKeys>,
    new_recovery: Option<&'a SecretKeys>,
}

impl Account {
    /// Sends the account's keys as now sealed, with the secrets' authentication
    /// keys, then keeps them here (with a recovery code to show once, if
    /// one was just made): the relay first, so nothing is kept that it
    /// refused.
    async fn replace_keys(
        &self,
        relay: &dyn Relay,
        token: &str,
        pair: &AccountKeyPair,
        sealed: &AccountKeys,
        secrets: Secrets<'_>,
        code: Option<&str>,
    ) -> Result<(), PphError> {
        let auth = |k: Option<&SecretKeys>| k.map(|k| k.auth.to_string());
        relay
            .set_account_keys(
                token,
                &AccountKeysRequest {
                    keys: sealed.clone(),
                    current: auth(secrets.current),
                    new_password: auth(secrets.new_password),
                    new_recovery: auth(secrets.new_recovery),
                    new_kdf: secrets.new_password.and_then(|k| k.kdf.clone()),
                },
            )
            .await?;
        self.engine
            .store
            .write(|tx| key_store::save_account_key(tx.tx, pair, sealed, code))?;
        Ok(())
    }

    /// After a sign-in with the password: opens the account's private key
    /// with its wrapping key, or (an account with none yet) makes the keys.
    pub(super) async fn keep_keys(
        &self,
        info: &AccountInfo,
        token: &str,
        keys: Option<AccountKeys>,
        pw: &SecretKeys,
    ) -> Result<(), PphError> {
        let Some(sealed) = keys else {
            let new = new_keys(&info.email, &info.personal_space, pw)?;
            let relay = self.engine.net.relay(&info.server_url)?;
            let secrets = Secrets {
                current: Some(pw),
                new_recovery: Some(&new.recovery),
                ..Secrets::default()
            };
            return self
                .replace_keys(
                    &*relay,
                    token,
                    &new.pair,
                    &new.sealed,
                    secrets,
                    Some(&new.code),
                )
                .await;
        };
        let pair = open_pair(pw, &info.personal_space, &sealed.by_password)
            .ok_or_else(|| internal("the account's key does not open with this password"))?;
        if sealed.identity.is_none() {
            // An account made before identities gets its own now, from
            // the key every device of it holds.
            let relay = self.engine.net.relay(&info.server_url)?;
            let secrets = Secrets {
                current: Some(pw),
                ..Secrets::default()
            };
            let sealed = identified(sealed, &pair)?;
            return self
                .replace_keys(&*relay, token, &pair, &sealed, secrets, None)
                .await;
        }
        self.engine
            .store
            .write(|tx| key_store::save_account_key(tx.tx, &pair, &sealed, None))?;
        Ok(())
    }

    /// After a sign-in with a password stretched less than the relay asks
    /// (or the old way): the same password under a fresh stretch `to`, the
    /// account's key sealed again to it, the recovery code kept. As any new
    /// password, it signs the other devices out: the relay cannot tell it
    /// is the same one, so a password change that kept them signed in
    /// would be a thief's.
    pub(super) async fn restretch(
        &self,
        info: &AccountInfo,
        token: &str,
        old: &SecretKeys,
        password: &str,
        to: Kdf,
    ) -> Result<(), PphError> {
        let new = password_keys(Some(to), &info.server_url, &info.email, password).await?;
        let relay = self.engine.net.relay(&info.server_url)?;
        // The same password: the recovery code the person printed stays
        // (the relay takes a password without a new code only while the
        // account is below its stretch).
        let (pair, sealed) = self.engine.account_keys_here()?;
        let sealed = AccountKeys {
            by_password: seal(&new, &info.personal_space, &pair)?,
            ..sealed
        };
        let secrets = Secrets {
            current: Some(old),
            new_password: Some(&new),
            ..Secrets::default()
        };
        self.replace_keys(&*relay, token, &pair, &sealed, secrets, None)
            .await
    }

    /// Sets `new` as the password, authorised by `old`, with a new recovery
    /// code (kept to show once, from `take_recovery_code`): a new password
    /// replaces the code, so one made by someone who knew the old password
    /// dies with it (attacker run 24), and the account's key is sealed
    /// afresh under both, whatever this device's copy of the sealed keys
    /// missed.
    async fn set_new_password(
        &self,
        relay: &dyn Relay,
        token: &str,
        info: &AccountInfo,
        old: &SecretKeys,
        new: &SecretKeys,
    ) -> Result<(), PphError> {
        let (pair, sealed) = self.engine.account_keys_here()?;
        let code = password::new_recovery_code();
        let recovery = recovery_keys(&info.email, &code)?;
        let sealed = AccountKeys {
            by_password: seal(new, &info.personal_space, &pair)?,
            by_recovery: seal(&recovery, &info.personal_space, &pair)?,
            ..sealed
        };
        let secrets = Secrets {
            current: Some(old),
            new_password: Some(new),
            new_recovery: Some(&recovery),
        };
        self.replace_keys(relay, token, &pair, &sealed, secrets, Some(&code))
            .await
    }
}

#[uniffi::export(async_runtime = "tokio")]
impl Account {
    /// The recovery code made at sign-up (or by `new_recovery_code`), once:
    /// the device forgets it when it is read. Show it to be written down
    /// or printed; with it, a forgotten password loses nothing.
    pub fn take_recovery_code(&self) -> Result<Option<String>, PphError> {
        Ok(self
            .engine
            .store
            .write(|tx| key_store::take_recovery_code(tx.tx))?)
    }

    /// Changes the password: the account's key is sealed again under the
    /// new one, so every device keeps reading everything, and every other
    /// device is signed out (it signs in with the new password; what it
    /// has not sent waits in its store). The recovery code is replaced too:
    /// show the new one from `take_recovery_code`. `Forbidden` if `current`
    /// is wrong, and nothing changes.
    pub async fn change_password(&self, current: String, new: String) -> Result<(), PphError> {
        let (relay, token, session) = self.engine.net.online(&self.engine.store)?;
        let info = session.info;
        check_new_password(&new, &[&info.email, &info.display_name])?;
        // Keys this device can seal again, before any stretching.
        self.engine.account_keys_here()?;
        let served = served_kdf(&*relay, &info.email).await?;
        let kdf = stretch_of(&served)?;
        let old = password_keys(Some(kdf), &info.server_url, &info.email, &current).await?;
        let new = new_password_keys(&served, &info.server_url, &info.email, &new).await?;
        self.set_new_password(&*relay, &token, &info, &old, &new)
            .await
    }

    /// Makes a new recovery code (the old one stops working) and returns it
    /// to show once; every other device is signed out, so a code made
    /// behind the person's back is noticed. `Forbidden` if the password is
    /// wrong.
    pub async fn new_recovery_code(&self, password: String) -> Result<String, PphError> {
        let (relay, token, session) = self.engine.net.online(&self.engine.store)?;
        let info = session.info;
        let (pair, sealed) = self.engine.account_keys_here()?;
        let served = served_kdf(&*relay, &info.email).await?;
        let kdf = stretch_of(&served)?;
        let pw = password_keys(Some(kdf), &info.server_url, &info.email, &password).await?;
        let code = password::new_recovery_code();
        let recovery = recovery_keys(&info.email, &code)?;
        let sealed = AccountKeys {
            by_recovery: seal(&recovery, &info.personal_space, &pair)?,
            ..sealed
        };
        let secrets = Secrets {
            current: Some(&pw),
            new_recovery: Some(&recovery),
            ..Secrets::default()
        };
        self.replace_keys(&*relay, &token, &pair, &sealed, secrets, None)
            .await?;
        Ok(code.to_string())
    }

    /// Signs this device in with the recovery code, for a forgotten
    /// password, and sets `new_password`: everything stays readable. The
    /// code works once: a new one is made, to show from
    /// `take_recovery_code`, and every other device is signed out.
    /// `Unauthorized` if the email or code is wrong.
    pub async fn sign_in_with_recovery_code(
        &self,
        server_url: String,
        email: String,
        recovery_code: String,
        new_password: String,
    ) -> Result<AccountInfo, PphError> {
        check_new_password(&new_password, &[&email])?;
        let recovery = recovery_keys(&email, &recovery_code)?;
        let relay = self.engine.net.relay(&server_url)?;
        let served = served_kdf(&*relay, &email).await?;
        let session = relay
            .sign_in(&SignInRequest {
                email: email.clone(),
                password: recovery.auth.to_string(),
                device_name: self.engine.device_name.clone(),
                node: self.engine.store.node().to_owned(),
                recovery: true,
            })
            .await?;
        let sealed = session.keys.clone().ok_or_else(|| PphError::Forbidden {
            reason: "this account has no recovery code: sign in with the password".into(),
        })?;
        let pair = open_pair(&recovery, &session.personal_space, &sealed.by_recovery)
            .ok_or(PphError::Unauthorized)?;
        let pw = new_password_keys(&served, &server_url, &email, &new_password).await?;
        let code = password::new_recovery_code();
        let next_recovery = recovery_keys(&email, &code)?;
        let sealed = AccountKeys {
            by_password: seal(&pw, &session.personal_space, &pair)?,
            by_recovery: seal(&next_recovery, &session.personal_space, &pair)?,
            ..sealed
        };
        let secrets = Secrets {
            current: Some(&recovery),
            new_password: Some(&pw),
            new_recovery: Some(&next_recovery),
        };
        self.replace_keys(
            &*relay,
            &session.token,
            &pair,
            &sealed,
            secrets,
            Some(&code),
        )
        .await?;
        self.begin_session(&server_url, &email, session)
    }
}
