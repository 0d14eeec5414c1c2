//! Accounts: signing up, in and out on this device, and deleting one.

use super::keys::{
    check_new_password, new_keys, new_password_keys, password_keys, served_kdf, stretch_of,
};
use super::Account;
use crate::error::PphError;
use crate::store::AccountInfo;
use crate::sync::key_store;
use crate::sync::model::{AccountDeletionReceipt, AccountRole};
use crate::sync::store::{self, Attempts};
use pph_protocol::wire::{
    DeleteAccountRequest, SessionResponse, SignInRequest, SignUpCodeRequest, SignUpRequest,
};

impl Account {
    /// Signing up is for a store that belongs to no account yet.
    fn check_no_account(&self) -> Result<(), PphError> {
        match self.engine.store.session()? {
            None => Ok(()),
            Some(_) => Err(PphError::Conflict {
                reason: "this store belongs to an account already; sign in to it".into(),
            }),
        }
    }

    /// Keeps a new session: the account and this device's token.
    pub(super) fn begin_session(
        &self,
        server_url: &str,
        email: &str,
        s: SessionResponse,
    ) -> Result<AccountInfo, PphError> {
        let info = AccountInfo {
            account_id: s.account_id,
            email: email.trim().to_lowercase(),
            display_name: s.display_name,
            role: s.role,
            personal_space: s.personal_space,
            server_url: server_url.trim_end_matches('/').to_owned(),
        };
        self.engine.store.save_session(&info, &s.token)?;
        self.engine.set_state(None);
        Ok(info)
    }
}

#[uniffi::export(async_runtime = "tokio")]
impl Account {
    /// Asks the relay to mail a code to `email`, the first step of signing
    /// up (docs/adr/0025); how many seconds the code works. The answer is
    /// the same whether or not the email has an account: one that has gets
    /// a mail saying so, and no code.
    pub async fn ask_sign_up_code(
        &self,
        server_url: String,
        email: String,
    ) -> Result<u64, PphError> {
        self.check_no_account()?;
        let relay = self.engine.net.relay(&server_url)?;
        // The code is this store's to try: it signs up with this space.
        let req = SignUpCodeRequest {
            email,
            personal_space: self.engine.store.personal_space(),
        };
        Ok(relay.ask_sign_up_code(&req).await?.expires_in_s)
    }

    /// Creates an account on the server with the code mailed to `email`
    /// (`ask_sign_up_code`); this store's personal space becomes the
    /// account's. The store must not belong to an account yet.
    pub async fn sign_up(
        &self,
        server_url: String,
        email: String,
        code: String,
        password: String,
        display_name: String,
        role: AccountRole,
    ) -> Result<AccountInfo, PphError> {
        self.check_no_account()?;
        let Some(code) = pph_protocol::sign_up_code::normalised(&code) else {
            return Err(PphError::validation(
                "code",
                "is eight letters and digits, as in the mail (ABCD-EFGH)",
            ));
        };
        check_new_password(&password, &[&email, &display_name])?;
        let relay = self.engine.net.relay(&server_url)?;
        let space = self.engine.store.personal_space();
        // The relay's stretch, under a salt of this device's own.
        let served = served_kdf(&*relay, &email).await?;
        let pw = new_password_keys(&served, &server_url, &email, &password).await?;
        let keys = new_keys(&email, &space, &pw)?;
        let session = relay
            .sign_up(&SignUpRequest {
                email: email.clone(),
                code,
                password: pw.auth.to_string(),
                role,
                display_name,
                device_name: self.engine.device_name.clone(),
                node: self.engine.store.node().to_owned(),
                personal_space: space,
                keys: Some(keys.sealed.clone()),
                recovery: Some(keys.recovery.auth.to_string()),
                kdf: pw.kdf.clone(),
            })
            .await?;
        let info = self.begin_session(&server_url, &email, session)?;
        self.engine.store.write(|tx| {
            key_store::save_account_key(tx.tx, &keys.pair, &keys.sealed, Some(&keys.code))
        })?;
        Ok(info)
    }

    /// Signs this device in. A new store adopts the account's personal
    /// space, so records made before signing in sync as the account's.
    pub async fn sign_in(
        &self,
        server_url: String,
        email: String,
        password: String,
    ) -> Result<AccountInfo, PphError> {
        let relay = self.engine.net.relay(&server_url)?;
        let served = served_kdf(&*relay, &email).await?;
        let kdf = stretch_of(&served)?;
        let pw = password_keys(Some(kdf), &server_url, &email, &password).await?;
        let session = relay
            .sign_in(&SignInRequest {
                email: email.clone(),
                password: pw.auth.to_string(),
                device_name: self.engine.device_name.clone(),
                node: self.engine.store.node().to_owned(),
                recovery: false,
            })
            .await?;
        let (keys, token) = (session.keys.clone(), session.token.clone());
        let restretch = session.restretch.clone();
        let info = self.begin_session(&server_url, &email, session)?;
        self.keep_keys(&info, &token, keys, &pw).await?;
        if let Some(to) = restretch {
            // Signed in either way: an account this fails for keeps its
            // old stretch, and is asked again at its next sign-in.
            let _ = self.restretch(&info, &token, &pw, &password, to).await;
        }
        Ok(info)
    }

    /// Revokes this device's token (when the server can be reached) and
    /// forgets it, and deletes every copy of patients' shared records.
    /// The person's own records stay, and sync again after signing in.
    pub async fn sign_out(&self) -> Result<(), PphError> {
        if let Ok((relay, token, _)) = self.engine.net.online(&self.engine.store) {
            // Offline, the token is still forgotten here; it stays valid on
            // the server until revoked from another device.
            let _ = relay.sign_out(&token).await;
        }
        self.engine.store.clear_token()?;
        self.engine.store.write(|tx| {
            store::save_attempts(tx.tx, &Attempts::default())?;
            key_store::forget_keys(tx.tx)?;
            store::save_shared_patients(tx.tx, &[])
        })?;
        self.engine.erase_shared_copies_except(&[])?;
        self.engine.set_state(None);
        Ok(())
    }

    /// What deleting the account will do, in plain words, to show before
    /// the person confirms: above all, that their group messages disappear
    /// for everyone.
    pub fn account_deletion_warning(&self) -> Result<Vec<String>, PphError> {
        let Some(session) = self.engine.store.session()? else {
            return Err(PphError::Unauthorized);
        };
        let (messages, groups) = self
            .engine
            .store
            .read(|c| crate::groups::store::own_messages(c, &session.info.account_id))?;
        let mut lines = vec![
            "Your account, your records and every share you gave or received are deleted \
             from the server for good."
                .to_owned(),
        ];
        if messages > 0 {
            lines.push(format!(
                "Your {messages} message(s) in {groups} group(s) disappear for everyone, \
                 with your reactions, answers and timebank exchanges."
            ));
        } else {
            lines.push(
                "Anything you wrote in groups disappears for everyone, with your reactions, \
                 answers and timebank exchanges."
                    .to_owned(),
            );
        }
        lines.push(
            "A group you run passes to another facilitator or member; one no one else is in \
             is deleted."
                .to_owned(),
        );
        lines.push("Every device signed in to the account is signed out.".to_owned());
        Ok(lines)
    }

    /// Deletes the account on the server for good, once its password is
    /// given again (`Forbidden` if it is wrong, and nothing is deleted), then
    /// forgets it here. Records on this device stay until `erase_local`.
    pub async fn delete_account(
        &self,
        password: String,
    ) -> Result<AccountDeletionReceipt, PphError> {
        let _no_sync_meanwhile = self.engine.running.lock().await;
        let (relay, token, session) = self.engine.net.online(&self.engine.store)?;
        let info = &session.info;
        let served = served_kdf(&*relay, &info.email).await?;
        let kdf = stretch_of(&served)?;
        let pw = password_keys(Some(kdf), &info.server_url, &info.email, &password).await?;
        let deleted = relay
            .delete_account(
                &token,
                &DeleteAccountRequest {
                    password: pw.auth.to_string(),
                },
            )
            .await?;
        let personal = self.engine.store.personal_space();
        self.engine
            .store
            .write(|tx| store::forget_account(tx.tx, &personal))?;
        self.engine.erase_shared_copies_except(&[])?;
        self.engine.set_state(None);
        Ok(AccountDeletionReceipt::of(deleted))
    }
}
