//! Sharing with clinicians: a patient grants, lists and revokes shares; a
//! clinician lists who shares with them and reads one patient's summary,
//! offline from the last sync.

use super::Sharing;
use crate::error::PphError;
use crate::ids::check_id;
use crate::sync::model::{ConsultationSummary, Share, ShareAccess, ShareScope, SharedPatient};
use crate::sync::store;
use crate::time::{from_ms, to_ms};
use pph_protocol::wire::GrantShareRequest;
use std::time::SystemTime;

#[uniffi::export(async_runtime = "tokio")]
impl Sharing {
    /// Lets a clinician read chosen parts of this patient's records until
    /// `expires_at` (at most a year ahead).
    pub async fn grant_share(
        &self,
        clinician_email: String,
        scopes: Vec<ShareScope>,
        expires_at: SystemTime,
    ) -> Result<Share, PphError> {
        let expires_at_ms = to_ms("expires_at", expires_at)? as i64;
        if scopes.is_empty() {
            return Err(PphError::validation(
                "scopes",
                "must name at least one scope",
            ));
        }
        let (relay, token, _) = self.engine.net.online(&self.engine.store)?;
        // Signed here, by this account's identity: its devices wrap keys
        // only to a clinician a grant so signed names (docs/adr/0018).
        let clinician = relay
            .lookup_clinician(&token, &clinician_email)
            .await?
            .account_id;
        let me = self.engine.me()?;
        let share_id = uuid::Uuid::now_v7().to_string();
        let signature = me.identity.sign_grant(
            &share_id,
            &me.public.account_id,
            &clinician,
            &scopes,
            expires_at_ms,
        );
        let share = relay
            .grant_share(
                &token,
                &GrantShareRequest {
                    clinician_email,
                    scopes,
                    expires_at_ms,
                    share_id,
                    clinician_account: clinician,
                    signature,
                },
            )
            .await
            .map(Share::from)?;
        self.keys_after_share_change(&*relay, &token).await;
        Ok(share)
    }

    /// Ends a share at once: the clinician's next sync deletes their copy,
    /// and the shared scopes' keys turn over, so nothing written from now on
    /// opens for them even from the relay's own files.
    pub async fn revoke_share(&self, share_id: String) -> Result<(), PphError> {
        check_id("share_id", &share_id)?;
        let (relay, token, _) = self.engine.net.online(&self.engine.store)?;
        relay.revoke_share(&token, &share_id).await?;
        self.keys_after_share_change(&*relay, &token).await;
        Ok(())
    }

    /// This patient's shares, live and ended.
    pub async fn shares(&self) -> Result<Vec<Share>, PphError> {
        let (relay, token, _) = self.engine.net.online(&self.engine.store)?;
        Ok(relay
            .shares(&token)
            .await?
            .shares
            .into_iter()
            .map(Share::from)
            .collect())
    }

    /// Every sitting in which a clinician read this patient's shared
    /// records (who, which scopes, when), newest first, as the server
    /// recorded each read.
    pub async fn share_access_log(&self) -> Result<Vec<ShareAccess>, PphError> {
        let (relay, token, _) = self.engine.net.online(&self.engine.store)?;
        Ok(relay
            .access_log(&token)
            .await?
            .accesses
            .into_iter()
            .map(ShareAccess::from)
            .collect())
    }

    /// Patients sharing with this clinician, as of the last sync, without
    /// those whose share has expired since.
    pub fn shared_with_me(&self) -> Result<Vec<SharedPatient>, PphError> {
        let now = from_ms(self.engine.now_ms());
        Ok(self
            .engine
            .store
            .read(store::shared_patients)?
            .into_iter()
            .filter(|p| p.expires_at > now)
            .collect())
    }

    /// One shared patient's records for a consultation; works offline from
    /// the last sync, and refuses once the share has expired.
    pub fn consultation_summary(
        &self,
        patient_space: String,
    ) -> Result<ConsultationSummary, PphError> {
        let patient = self.shared_patient(&patient_space)?;
        let copy = self.engine.shared_copy(&patient_space)?;
        super::consultation::summary(&copy, &patient, self.engine.now_ms(), &self.device_zone()?)
    }

    /// The consultation page for one shared patient: a self-contained HTML
    /// page (no scripts, no outside resources, a print stylesheet) in the
    /// order a clinician reads it, showing only the granted scopes. Works
    /// offline from the last sync; `Unauthorized` once the share has ended
    /// (show `share_ended_page()` instead). With `review_action`, a form
    /// to record the consultation posts there (see `propose_review`).
    /// Times and today's date are the device's zone's (set by the shell
    /// with `today().set_time_zone`), each time with its abbreviation.
    pub fn consultation_page(
        &self,
        patient_space: String,
        review_action: Option<String>,
    ) -> Result<String, PphError> {
        let patient = self.shared_patient(&patient_space)?;
        let copy = self.engine.shared_copy(&patient_space)?;
        let me = self.engine.store.session()?.map(|s| s.info.display_name);
        super::consultation::page(
            &copy,
            &patient,
            self.engine.now_ms(),
            review_action.as_deref(),
            me.as_deref().unwrap_or_default(),
            &self.device_zone()?,
        )
    }

    /// The list of patients sharing with this clinician as a page; each
    /// links to `link_prefix` followed by the patient's space. With
    /// `sync_action`, a "Sync now" button posts there. Times are the
    /// device's zone's, as on the consultation page.
    pub fn patients_page(
        &self,
        link_prefix: String,
        sync_action: Option<String>,
    ) -> Result<String, PphError> {
        let list = self.shared_with_me()?;
        let numbers = list
            .iter()
            .map(|p| self.engine.safety_number(&p.patient_account_id))
            .collect::<Result<Vec<_>, PphError>>()?;
        Ok(crate::report::clinic_page::patients(
            &list,
            &numbers,
            |space| format!("{link_prefix}{space}"),
            sync_action.as_deref(),
            &self.device_zone()?,
        ))
    }
}

impl Sharing {
    /// Wraps the shared scopes' keys to a new clinician, or turns them over
    /// after a revocation, at once; offline, the next sync does it (the
    /// share itself is already made or ended on the relay).
    pub(super) async fn keys_after_share_change(&self, relay: &dyn crate::net::Relay, token: &str) {
        let _one_at_a_time = self.engine.running.lock().await;
        let mut report = crate::sync::model::SyncReport::default();
        if let Ok(spaces) = relay.spaces(token).await {
            let _ = self
                .engine
                .sync_keys(relay, token, &spaces, &mut report)
                .await;
        }
    }

    /// The zone the clinician's pages show times and dates in: the
    /// device's, as its shell set it (`Today::set_time_zone`).
    fn device_zone(&self) -> Result<jiff::tz::TimeZone, PphError> {
        crate::today::Today::new(self.engine.store.clone()).device_zone()
    }

    /// A patient sharing with this clinician now, by their space;
    /// `Unauthorized` once the share has ended (or if it never was).
    pub(super) fn shared_patient(&self, patient_space: &str) -> Result<SharedPatient, PphError> {
        self.shared_with_me()?
            .into_iter()
            .find(|p| p.patient_space == patient_space)
            .ok_or(PphError::Unauthorized)
    }
}

/// A page in the same frame and style that only says `text` (a refusal,
/// a fault); the text is escaped.
#[uniffi::export]
pub fn message_page(title: String, text: String) -> String {
    crate::report::clinic_page::message(&title, &text)
}

/// What a clinician is shown for a share that has ended or was withdrawn:
/// that fact, and nothing of the record.
#[uniffi::export]
pub fn share_ended_page() -> String {
    crate::report::clinic_page::ended()
}
