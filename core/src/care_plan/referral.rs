//! Social-prescribing referrals, without a database: the moves a referral's
//! status may make (FHIR Task statuses), the days its activity counts in
//! adherence (from acceptance until it ended), its FHIR ServiceRequest and
//! Task, and the short message back to the GP.

use super::model::{AdherenceFigures, Contact, Referral, ReferralStatus, Responsible, ServiceKind};
use crate::error::PphError;
use crate::time::parse_date;
use chrono::NaiveDate;
use serde_json::{json, Value};

const SNOMED: &str = "http://snomed.info/sct";
/// Referral to social prescribing service (procedure).
pub(crate) const SNOMED_REFERRAL: (&str, &str) =
    ("871731000000106", "Referral to social prescribing service");
/// Social prescribing declined (situation).
pub(crate) const SNOMED_DECLINED: (&str, &str) = ("871711000000103", "Social prescribing declined");

use ReferralStatus::*;

/// Where a referral may go from each status; the last three are final.
pub(crate) fn allowed_next(from: ReferralStatus) -> &'static [ReferralStatus] {
    match from {
        Requested => &[Accepted, Rejected, Cancelled],
        Accepted => &[InProgress, Completed, Cancelled],
        InProgress => &[Completed, Cancelled],
        Rejected | Completed | Cancelled => &[],
    }
}

pub(crate) fn is_open(status: ReferralStatus) -> bool {
    !allowed_next(status).is_empty()
}

/// The status as FHIR's Task.status spells it.
pub(crate) fn task_status(status: ReferralStatus) -> &'static str {
    match status {
        Requested => "requested",
        Accepted => "accepted",
        Rejected => "rejected",
        InProgress => "in-progress",
        Completed => "completed",
        Cancelled => "cancelled",
    }
}

fn says(status: ReferralStatus) -> &'static str {
    match status {
        Requested => "requested",
        Accepted => "accepted",
        Rejected => "declined",
        InProgress => "in progress",
        Completed => "completed",
        Cancelled => "cancelled",
    }
}

/// Checks a move and returns the referral after it, on `date`.
pub(crate) fn step(
    referral: &Referral,
    to: ReferralStatus,
    date: &str,
    note: Option<String>,
) -> Result<Referral, PphError> {
    let day = parse_date("date", date)?;
    if !allowed_next(referral.status).contains(&to) {
        return Err(PphError::validation(
            "status",
            format!(
                "a referral that is {} cannot become {}",
                says(referral.status),
                says(to)
            ),
        ));
    }
    if parse_date("requested_on", &referral.requested_on)? > day
        || referral
            .accepted_on
            .as_deref()
            .is_some_and(|a| parse_date("accepted_on", a).is_ok_and(|a| a > day))
    {
        return Err(PphError::validation(
            "date",
            "is before the referral's earlier steps",
        ));
    }
    let mut next = referral.clone();
    next.status = to;
    next.status_note = note;
    match to {
        Accepted => next.accepted_on = Some(day.to_string()),
        Rejected | Completed | Cancelled => next.ended_on = Some(day.to_string()),
        Requested | InProgress => {}
    }
    Ok(next)
}

/// The days an activity that is a referral counts in adherence and shows
/// as due: from its acceptance until it ended (inclusive); None: never (not
/// accepted, or declined).
pub(crate) fn counted_days(
    referral: &Referral,
) -> Result<Option<(NaiveDate, Option<NaiveDate>)>, PphError> {
    let Some(accepted) = &referral.accepted_on else {
        return Ok(None);
    };
    let from = parse_date("accepted_on", accepted)?;
    let until = referral
        .ended_on
        .as_deref()
        .map(|d| parse_date("ended_on", d))
        .transpose()?;
    Ok(Some((from, until)))
}

/// Who made a referral, as the GP and FHIR read it: "self", or the
/// contact's name and role (`contact`: the one `who` names, if still known).
pub(crate) fn referrer_name(who: &Responsible, contact: Option<&Contact>) -> String {
    match (who, contact) {
        (Responsible::Me, _) => "self".into(),
        (Responsible::Contact { .. }, Some(c)) => format!("{} ({})", c.name, c.role.words()),
        (Responsible::Contact { .. }, None) => "a former contact".into(),
    }
}

fn kind_name(kind: ServiceKind) -> &'static str {
    match kind {
        ServiceKind::WalkingGroup => "walking group",
        ServiceKind::DebtAdvice => "debt advice",
        ServiceKind::Befriending => "befriending",
        ServiceKind::ArtsOnPrescription => "arts on prescription",
        ServiceKind::Other => "community service",
    }
}

/// A referral in FHIR: a ServiceRequest coded in SNOMED CT (the referral,
/// or its decline) and a Task that carries its status, both for `subject`.
pub(crate) fn fhir_resources(
    activity_id: &str,
    referral: &Referral,
    referrer: &str,
    subject: &Value,
) -> [Value; 2] {
    let (code, display) = if referral.status == Rejected {
        SNOMED_DECLINED
    } else {
        SNOMED_REFERRAL
    };
    let request_status = match referral.status {
        Requested | Accepted | InProgress => "active",
        Completed => "completed",
        Rejected | Cancelled => "revoked",
    };
    let mut request = json!({
        "resourceType": "ServiceRequest",
        "id": activity_id,
        "status": request_status,
        "intent": if referrer == "self" { "plan" } else { "order" },
        "code": {
            "coding": [{ "system": SNOMED, "code": code, "display": display }],
            "text": format!("{} ({})", referral.service, kind_name(referral.kind)),
        },
        "subject": subject,
        "authoredOn": referral.requested_on,
        "requester": { "display": referrer },
        "performer": [{ "display": referral.service }],
    });
    if let Some(note) = &referral.status_note {
        request["note"] = json!([{ "text": note }]);
    }
    let mut task = json!({
        "resourceType": "Task",
        "id": crate::ids::derived_id(&[activity_id, "task"]),
        "status": task_status(referral.status),
        "intent": "order",
        "focus": { "reference": format!("urn:uuid:{activity_id}") },
        "for": subject,
        "authoredOn": referral.requested_on,
    });
    if let Some(ended) = &referral.ended_on {
        task["executionPeriod"] = json!({ "start": referral.accepted_on.as_ref().unwrap_or(&referral.requested_on), "end": ended });
    } else if let Some(accepted) = &referral.accepted_on {
        task["executionPeriod"] = json!({ "start": accepted });
    }
    [request, task]
}

/// A short message back to the GP: what was offered, whether it was taken
/// up, and how it went. Drafted for the person to send or share.
pub(crate) fn message_to_gp(
    referral: &Referral,
    what: &str,
    referrer: &str,
    attended: Option<&AdherenceFigures>,
) -> String {
    let mut out = format!(
        "Social prescribing referral: {} ({}).\nOffered: {what}, referred by {referrer} on {}.\n",
        referral.service,
        kind_name(referral.kind),
        referral.requested_on
    );
    let taken_up = match (referral.status, &referral.accepted_on) {
        (Rejected, _) => format!(
            "Taken up: no, I declined it on {}.",
            referral.ended_on.as_deref().unwrap_or("-")
        ),
        (Requested, _) => "Taken up: not yet decided.".to_owned(),
        (Cancelled, None) => format!(
            "Taken up: no, it was cancelled on {}.",
            referral.ended_on.as_deref().unwrap_or("-")
        ),
        (_, Some(accepted)) => format!("Taken up: yes, from {accepted}."),
        (_, None) => "Taken up: yes.".to_owned(),
    };
    out.push_str(&taken_up);
    out.push('\n');
    let outcome = match referral.status {
        Completed => format!(
            "Outcome: completed on {}.",
            referral.ended_on.as_deref().unwrap_or("-")
        ),
        Cancelled if referral.accepted_on.is_some() => format!(
            "Outcome: stopped on {}.",
            referral.ended_on.as_deref().unwrap_or("-")
        ),
        Accepted | InProgress => "Outcome: still going.".to_owned(),
        _ => String::new(),
    };
    if !outcome.is_empty() {
        out.push_str(&outcome);
        out.push('\n');
    }
    if let Some(f) = attended.filter(|f| f.scheduled > 0) {
        out.push_str(&format!(
            "Sessions: {} of {} done{}.\n",
            f.done,
            f.scheduled,
            if f.partly > 0 {
                format!(", {} partly", f.partly)
            } else {
                String::new()
            }
        ));
    }
    if let Some(note) = &referral.status_note {
        out.push_str(&format!("In my words: {note}\n"));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::care_plan::model::Responsible;

    fn requested() -> Referral {
        Referral {
            service: "Hilltop Walkers".into(),
            kind: ServiceKind::WalkingGroup,
            referred_by: Responsible::Me,
            requested_on: "2026-11-02".into(),
            status: Requested,
            status_note: None,
            accepted_on: None,
            ended_on: None,
        }
    }

    #[test]
    fn impossible_moves_are_refused_and_final_states_stay_final() {
        let all = [
            Requested, Accepted, Rejected, InProgress, Completed, Cancelled,
        ];
        let r = requested();
        let accepted = step(&r, Accepted, "2026-11-05", None).expect("accept");
        assert_eq!(accepted.accepted_on.as_deref(), Some("2026-11-05"));
        let done = step(&accepted, Completed, "2026-12-01", None).expect("complete");
        for to in all {
            assert!(
                step(&done, to, "2026-12-02", None).is_err(),
                "completed -> {to:?}"
            );
        }
        let err = step(&done, Requested, "2026-12-02", None).expect_err("back");
        assert!(
            matches!(&err, PphError::Validation { field, reason } if field == "status" && reason.contains("completed")),
            "{err}"
        );
        assert!(step(&r, InProgress, "2026-11-05", None).is_err());
        assert!(
            step(&r, Accepted, "2026-11-01", None).is_err(),
            "before requested"
        );
        assert!(step(&accepted, Completed, "2026-11-04", None).is_err());
    }

    #[test]
    fn only_accepted_days_count() {
        let r = requested();
        assert_eq!(counted_days(&r).expect("days"), None);
        let declined = step(&r, Rejected, "2026-11-03", None).expect("decline");
        assert_eq!(counted_days(&declined).expect("days"), None);
        let accepted = step(&r, Accepted, "2026-11-05", None).expect("accept");
        let d = |s| parse_date("d", s).expect("date");
        assert_eq!(
            counted_days(&accepted).expect("days"),
            Some((d("2026-11-05"), None))
        );
        let stopped = step(&accepted, Cancelled, "2026-11-20", None).expect("cancel");
        assert_eq!(
            counted_days(&stopped).expect("days"),
            Some((d("2026-11-05"), Some(d("2026-11-20"))))
        );
    }

    #[test]
    fn a_decline_is_coded_as_one_and_the_gp_hears_it() {
        let declined = step(
            &requested(),
            Rejected,
            "2026-11-03",
            Some("Not while my knee heals".into()),
        )
        .expect("decline");
        let subject = json!({"reference": "urn:uuid:p"});
        let [request, task] = fhir_resources("a", &declined, "Dr Cole", &subject);
        assert_eq!(request["code"]["coding"][0]["code"], SNOMED_DECLINED.0);
        assert_eq!(request["status"], "revoked");
        assert_eq!(task["status"], "rejected");
        let text = message_to_gp(&declined, "a weekly walk", "Dr Cole", None);
        assert!(text.contains("I declined it on 2026-11-03"), "{text}");
        assert!(text.contains("Not while my knee heals"), "{text}");
    }
}
