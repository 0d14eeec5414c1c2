//! Accounts, sync, shares and the consultation summary as the terminal
//! shows them.

use super::{instant, lines};
use crate::out::Show;
use pph_core::{
    AccountDeletionReceipt, AccountInfo, ConsultationSummary, IdentityWarning, SafetyNumber,
    SetAsideChange, Share, ShareAccess, SharedPatient, SignedInDevice, SyncReport, SyncStatus,
};
use serde::Serialize;

#[derive(Serialize)]
#[serde(transparent)]
pub struct SetAside(pub Vec<SetAsideChange>);

/// A new account, with its recovery code to keep.
#[derive(Serialize)]
pub struct SignedUp {
    #[serde(flatten)]
    pub account: AccountInfo,
    pub recovery_code: Option<String>,
}

/// A sign-up code was asked for.
#[derive(Serialize)]
pub struct CodeSent {
    pub email: String,
    pub expires_in_s: u64,
}

impl Show for CodeSent {
    fn text(&self) -> String {
        format!(
            "A code is on its way to {} (if it has an account already, a note saying so comes              instead). Within {} minutes, run this again with --code and the code.\n",
            self.email,
            self.expires_in_s / 60
        )
    }
}

/// A recovery code, shown once.
#[derive(Serialize)]
pub struct RecoveryCode {
    pub recovery_code: String,
}

#[derive(Serialize)]
#[serde(transparent)]
pub struct Shares(pub Vec<Share>);

/// The devices signed in to the account, newest seen first.
#[derive(Serialize)]
#[serde(transparent)]
pub struct Devices(pub Vec<SignedInDevice>);

impl Show for Devices {
    fn text(&self) -> String {
        lines(&self.0, |d| {
            format!(
                "{}  {}{}  signed in {}, last seen {}",
                d.session,
                d.name,
                if d.this_device { " (this device)" } else { "" },
                instant(d.first_seen),
                instant(d.last_seen),
            )
        })
    }
}

#[derive(Serialize)]
#[serde(transparent)]
pub struct Patients(pub Vec<SharedPatient>);

/// Who read a patient's shared records, newest first.
#[derive(Serialize)]
#[serde(transparent)]
pub struct AccessLog(pub Vec<ShareAccess>);

impl Show for AccessLog {
    fn text(&self) -> String {
        if self.0.is_empty() {
            return "No clinician has read your shared records.\n".into();
        }
        lines(&self.0, |a| {
            format!(
                "{} to {}  {} <{}> read {:?} ({} records in {} request{})",
                instant(a.first_at),
                instant(a.last_at),
                a.clinician_name,
                a.clinician_email,
                a.scopes,
                a.records,
                a.requests,
                if a.requests == 1 { "" } else { "s" }
            )
        })
    }
}

impl Show for AccountDeletionReceipt {
    fn text(&self) -> String {
        let mut out = format!(
            "Your account is deleted from the relay: {} changes, {} group records erased for \
             everyone, {} shares, {} devices signed out; {} groups left ({} passed to another \
             member, {} deleted).\nWhat remains elsewhere:\n",
            self.changes_deleted,
            self.group_records_erased,
            self.shares_deleted,
            self.devices_signed_out,
            self.groups_left,
            self.groups_passed_on,
            self.groups_deleted
        );
        for r in &self.remains_elsewhere {
            out.push_str(&format!("  - {r}\n"));
        }
        out
    }
}

impl Show for AccountInfo {
    fn text(&self) -> String {
        format!(
            "signed in as {} ({:?}) on {}\n",
            self.display_name, self.role, self.server_url
        )
    }
}

impl Show for SignedUp {
    fn text(&self) -> String {
        let mut out = self.account.text();
        if let Some(code) = &self.recovery_code {
            out.push_str(&format!(
                "Your recovery code, shown once: {code}\nWrite it down or print it and keep it \
                 safe: with it, a forgotten password loses nothing (`pph sync recover`).\n"
            ));
        }
        out
    }
}

impl Show for RecoveryCode {
    fn text(&self) -> String {
        format!(
            "Your new recovery code, shown once: {}\nThe old one no longer works.\n",
            self.recovery_code
        )
    }
}

impl Show for SyncReport {
    fn text(&self) -> String {
        let mut out = format!(
            "{} sent, {} received, {} conflicts settled",
            self.pushed, self.pulled, self.conflicts_resolved
        );
        for (n, what) in [
            (self.waiting, "waiting for what they belong to"),
            (self.rejected, "rejected as malformed"),
            (
                self.set_aside,
                "set aside as not allowed (see `pph sync set-aside`)",
            ),
        ] {
            if n > 0 {
                out.push_str(&format!(", {n} {what}"));
            }
        }
        out.push('\n');
        for e in &self.errors {
            out.push_str(&format!("  ! {e}\n"));
        }
        out
    }
}

impl Show for SyncStatus {
    fn text(&self) -> String {
        let mut out = format!("{:?}", self.state);
        if let Some(a) = &self.account {
            out.push_str(&format!(" as {} on {}", a.display_name, a.server_url));
        }
        out.push_str(&format!(
            "\n  waiting to send: {}, refused: {}\n",
            self.pending_changes, self.refused_changes
        ));
        if let Some(t) = self.last_success {
            out.push_str(&format!("  last synced: {}\n", instant(t)));
        }
        if let Some(e) = &self.last_error {
            out.push_str(&format!(
                "  last error: {e} ({} in a row)\n",
                self.consecutive_failures
            ));
        }
        if let Some(t) = self.next_retry {
            out.push_str(&format!("  next try: {}\n", instant(t)));
        }
        out
    }
}

impl Show for SetAside {
    fn text(&self) -> String {
        if self.0.is_empty() {
            return "Nothing set aside.\n".into();
        }
        lines(&self.0, |c| {
            format!(
                "{}  {} {} by {}: {}",
                instant(c.set_aside_at),
                c.entity_type,
                c.entity_id,
                if c.author.is_empty() {
                    "someone unknown"
                } else {
                    &c.author
                },
                c.rule
            )
        })
    }
}

/// Accounts whose identity changed.
#[derive(Serialize)]
#[serde(transparent)]
pub struct IdentityWarnings(pub Vec<IdentityWarning>);

impl Show for IdentityWarnings {
    fn text(&self) -> String {
        if self.0.is_empty() {
            return "No identity has changed.\n".into();
        }
        lines(&self.0, |w| {
            format!(
                "{}  {} since {}: nothing is shared with it until you compare safety numbers \
                 (pph sync safety-number) and accept (pph sync accept-identity)",
                w.account_id,
                if w.was_verified {
                    "WARNING: a VERIFIED identity changed"
                } else {
                    "identity changed"
                },
                instant(w.since)
            )
        })
    }
}

impl Show for SafetyNumber {
    fn text(&self) -> String {
        format!(
            "Safety number with {}:\n  {}\n{}\n",
            self.account_id,
            self.digits,
            if self.verified {
                "Verified in person."
            } else {
                "Not verified: compare it with their phone, then `pph sync verify`."
            }
        )
    }
}

impl Show for Share {
    fn text(&self) -> String {
        format!(
            "{}  {} <{}> (account {})  {:?} until {}{}\n",
            self.share_id,
            self.clinician_name,
            self.clinician_email,
            self.clinician_account_id,
            self.scopes,
            instant(self.expires_at),
            if self.revoked { " (revoked)" } else { "" }
        )
    }
}

impl Show for Shares {
    fn text(&self) -> String {
        self.0.iter().map(Show::text).collect()
    }
}

impl Show for Patients {
    fn text(&self) -> String {
        if self.0.is_empty() {
            return "No one shares with you (as of the last sync).\n".into();
        }
        lines(&self.0, |p| {
            format!(
                "{}  {} (account {})  {:?} until {}",
                p.patient_space,
                p.patient_name,
                p.patient_account_id,
                p.scopes,
                instant(p.expires_at)
            )
        })
    }
}

impl Show for ConsultationSummary {
    fn text(&self) -> String {
        let mut out = format!(
            "Consultation summary for {} (since {}):\n",
            self.patient_name, self.since
        );
        if let Some(plan) = &self.care_plan {
            out.push_str(&super::plan::plan(plan));
            if let Some(adherence) = &self.adherence {
                out.push_str(&super::plan::adherence(adherence, plan));
            }
        }
        if !self.open_referrals.is_empty() {
            out.push_str("  Open referrals:\n");
        }
        for open in &self.open_referrals {
            out.push_str(&format!(
                "    - {}\n",
                super::plan::referral(&open.referral)
            ));
        }
        for trend in &self.symptom_trends {
            let weeks: Vec<String> = trend
                .buckets
                .iter()
                .map(|b| format!("{} mean {:.1}", b.start, b.mean))
                .collect();
            out.push_str(&format!("  {}: {}\n", trend.symptom.name, weeks.join("; ")));
        }
        for result in &self.questionnaires {
            out.push_str(&format!(
                "  {} on {}: {} ({}){}\n",
                result.code,
                result.local_date,
                result.score,
                result.band,
                if result.flags.is_empty() {
                    ""
                } else {
                    " — SAFETY FLAG raised"
                }
            ));
        }
        if self.budgets.is_empty() {
            out.push_str("  Budget: not shared\n");
        }
        for budget in &self.budgets {
            out.push_str(&budget.text());
        }
        if let Some(t) = self.last_synced {
            out.push_str(&format!("  (as of {})\n", instant(t)));
        }
        out
    }
}
