//! Moderation: members report a message with a reason; the facilitator
//! hides it for everyone (and the server stops serving its content).

use super::model::*;
use super::{store, Groups};
use crate::error::PphError;
use crate::ids::{check_id, derived_id, owned_id};
use crate::store::load_required;
use crate::validate::required_text;

const MAX_REASON: usize = 500;

#[uniffi::export]
impl Groups {
    pub fn report_message(&self, message_id: String, reason: String) -> Result<(), PphError> {
        required_text("reason", &reason, MAX_REASON)?;
        let message = self.message(&message_id)?;
        let me = self.me()?.account_id;
        let report = Report {
            id: owned_id(&me, &[&message_id, "report"]),
            message_id,
            group_id: message.group_id.clone(),
            account_id: me,
            reason,
        };
        Ok(self.store.write(|tx| {
            let old: Option<Report> = crate::store::load(tx.tx, &report.id)?;
            tx.save(&message.group_id, old.as_ref(), &report)
        })?)
    }

    /// Hides a message for everyone; facilitators only.
    pub fn hide_message(&self, message_id: String) -> Result<(), PphError> {
        let message = self.message(&message_id)?;
        let me = self.require_facilitator(&message.group_id)?;
        let hidden = Hidden {
            id: derived_id(&[&message_id, "hide"]),
            message_id,
            group_id: message.group_id.clone(),
            hidden_by: me,
        };
        Ok(self.store.write(|tx| {
            let old: Option<Hidden> = crate::store::load(tx.tx, &hidden.id)?;
            if old.is_some() {
                return Ok(());
            }
            tx.save(&message.group_id, None, &hidden)
        })?)
    }

    /// Reported messages not hidden yet, with every reason given.
    pub fn reported_messages(&self, group_id: String) -> Result<Vec<ReportedMessage>, PphError> {
        check_id("group_id", &group_id)?;
        let me = self.me()?.account_id;
        Ok(self.store.read(|conn| {
            let mut out: Vec<ReportedMessage> = Vec::new();
            for report in store::open_reports(conn, &group_id)? {
                match out.last_mut() {
                    Some(last) if last.message.id == report.message_id => {
                        last.reasons.push(report.reason);
                    }
                    _ => {
                        let message = load_required::<Message>(conn, &report.message_id)?;
                        out.push(ReportedMessage {
                            message: self.chat(conn, message, &me)?,
                            reasons: vec![report.reason],
                        });
                    }
                }
            }
            Ok(out)
        })?)
    }
}
