//! The clinician's pages, for a ten-minute consultation at a desk: the
//! patients who share with them, and one patient's consultation page in the
//! order a clinician reads it (what matters to the person, safety flags,
//! goals and adherence, symptom trends, questionnaire scores, how complete
//! the diary is, the budget, the review history). Only what the share grants
//! is shown; the sections are the person's own report's
//! (`report::sections`), which is why these pages live with sync: the
//! report knows nothing of shares.

use crate::budget::model::BudgetSummary;
use crate::care_plan::model::{ProposalDecision, ReviewProposal};
use crate::diary::model::{QuestionnaireDefinition, QuestionnaireResult};
use crate::report::page::document;
use crate::report::sections::{self, SymptomSeries, Voice};
use crate::sync::model::{ConsultationSummary, ShareScope, SharedPatient};
use jiff::tz::TimeZone;
use maud::{html, Markup};
use std::time::SystemTime;

/// Everything the consultation page shows, already read from the patient's
/// shared copy.
pub(crate) struct Consultation<'a> {
    pub summary: &'a ConsultationSummary,
    pub definitions: &'a [QuestionnaireDefinition],
    /// Each symptom's points since `summary.since`, with its flares.
    pub series: &'a [SymptomSeries],
    /// What one point covers: "day" or "week".
    pub bucket: &'a str,
    pub budgets: &'a [(String, BudgetSummary)],
    /// Days with a diary entry in the last 14 and the last 90 days.
    pub diary_days: Option<(u32, u32)>,
    /// Reviews proposed from consultations, as the patient's copy has them.
    pub proposals: &'a [ReviewProposal],
    /// Where the "record this consultation" form posts; no form without.
    pub review_action: Option<&'a str>,
    /// The clinician reading, as they signed up (a participant by default).
    pub clinician: &'a str,
    /// The clinician's date, in their device's zone.
    pub today: &'a str,
    /// The clinician's device's zone, which every time is shown in.
    pub zone: &'a TimeZone,
}

/// An instant on the clinician's clock: date, time and the zone's
/// abbreviation (GMT, BST), so a time is never read in the wrong zone.
fn when(t: SystemTime, zone: &TimeZone) -> String {
    jiff::Timestamp::try_from(t).map_or_else(
        |_| "-".to_owned(),
        |t| {
            t.to_zoned(zone.clone())
                .strftime("%Y-%m-%d %H:%M %Z")
                .to_string()
        },
    )
}

fn scope_name(scope: ShareScope) -> &'static str {
    match scope {
        ShareScope::CarePlan => "care plan",
        ShareScope::Diary => "symptom diary",
        ShareScope::Questionnaires => "questionnaires",
        ShareScope::Budget => "budget",
    }
}

fn scope_list(scopes: &[ShareScope]) -> String {
    scopes
        .iter()
        .map(|s| scope_name(*s))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Who shares with this clinician, each with the safety number to compare
/// with the patient's phone in the room (`numbers`, in the list's order:
/// the digits and whether verified, None before the identity was seen);
/// `link` gives a patient's page address. With `sync_action`, a button
/// that posts there to sync now.
pub(crate) fn patients(
    list: &[SharedPatient],
    numbers: &[Option<(String, bool)>],
    link: impl Fn(&str) -> String,
    sync_action: Option<&str>,
    zone: &TimeZone,
) -> String {
    document(
        "Patients sharing with you",
        html! {
            @if let Some(action) = sync_action {
                form.noprint method="post" action=(action) {
                    button type="submit" { "Sync now" }
                }
            }
            @if list.is_empty() {
                p { "No one shares their record with you at the moment." }
            } @else {
                table {
                    caption { "Shares in force, as of the last sync" }
                    tr {
                        th scope="col" { "Patient" }
                        th scope="col" { "Shared" }
                        th scope="col" { "Until" }
                        th scope="col" { "Last synced" }
                        th scope="col" { "Safety number" }
                    }
                    @for (i, p) in list.iter().enumerate() {
                        tr {
                            td { a href=(link(&p.patient_space)) { (p.patient_name) } }
                            td { (scope_list(&p.scopes)) }
                            td { (when(p.expires_at, zone)) }
                            td { (p.last_synced.map_or("never".to_owned(), |t| when(t, zone))) }
                            td {
                                @match numbers.get(i).cloned().flatten() {
                                    Some((digits, verified)) => {
                                        span.safety { (digits) }
                                        @if verified { " (verified)" }
                                    }
                                    None => "sync first",
                                }
                            }
                        }
                    }
                }
            }
        },
    )
}

/// A page that only says something (a refusal, a fault), in the pages'
/// frame and style.
pub(crate) fn message(title: &str, text: &str) -> String {
    document(title, html! { p { (text) } })
}

/// What a clinician sees for a share that has ended or was withdrawn:
/// that fact and nothing of the record.
pub(crate) fn ended() -> String {
    document(
        "This share has ended",
        html! {
            p.ended {
                "This person's share with you has ended or was withdrawn, so nothing of "
                "their record is shown. They can share again from their phone."
            }
        },
    )
}

fn safety_flags(c: &Consultation<'_>) -> Markup {
    let flagged: Vec<_> = c
        .summary
        .questionnaires
        .iter()
        .filter(|r| !r.flags.is_empty())
        .collect();
    html! {
        section.flags role="region" aria-labelledby="safety" {
            h2 #safety { "Safety flags" }
            @if flagged.is_empty() {
                p { "No safety flags raised since " (c.summary.since) "." }
            } @else {
                ul {
                    @for r in &flagged {
                        @for f in &r.flags {
                            li {
                                strong { (r.local_date) ", " (r.code.to_uppercase()) ": " }
                                (flagged_answer(c.definitions, r, &f.flag))
                            }
                        }
                    }
                }
                p.muted { "The person was shown crisis-support guidance when each was raised." }
            }
        }
    }
}

/// The item that raised a flag and the answer given, in the instrument's
/// words: what the clinician needs to ask about.
fn flagged_answer(
    definitions: &[QuestionnaireDefinition],
    result: &QuestionnaireResult,
    flag: &str,
) -> String {
    let Some(def) = definitions.iter().find(|d| d.code == result.code) else {
        return format!("safety flag {flag}");
    };
    let Some(rule) = def.safety.iter().find(|s| s.flag == flag) else {
        return format!("safety flag {flag}");
    };
    let item = def.items.iter().find(|i| i.link_id == rule.link_id);
    let answer = result.answers.iter().find(|a| a.link_id == rule.link_id);
    let label = answer.and_then(|a| {
        item.and_then(|i| i.options.as_ref())
            .unwrap_or(&def.options)
            .iter()
            .find(|o| o.value == a.value)
            .map(|o| o.label.clone())
    });
    format!(
        "item {} ({}) answered \"{}\"",
        rule.link_id,
        item.map_or("", |i| i.text.as_str()),
        label.unwrap_or_else(|| answer.map_or("-".into(), |a| a.value.to_string()))
    )
}

fn diary_completeness(days: (u32, u32)) -> Markup {
    let (last14, last90) = days;
    html! {
        h2 { "How complete the diary is" }
        table {
            caption { "Days with at least one diary entry" }
            tr { th scope="col" { "Period" } th scope="col" { "Days with an entry" } th scope="col" { "Share of days" } }
            tr { td { "Last 14 days" } td { (last14) " of 14" } td { (format!("{:.0}%", f64::from(last14) * 100.0 / 14.0)) } }
            tr { td { "Last 90 days" } td { (last90) " of 90" } td { (format!("{:.0}%", f64::from(last90) * 100.0 / 90.0)) } }
        }
    }
}

fn review_history(c: &Consultation<'_>) -> Markup {
    let reviews = c
        .summary
        .care_plan
        .as_ref()
        .map(|p| p.reviews.as_slice())
        .unwrap_or_default();
    let mut reviews: Vec<_> = reviews.iter().collect();
    crate::order::sort_by(&mut reviews, |a, b| b.date.cmp(&a.date));
    html! {
        h2 { "Review history" }
        @if reviews.is_empty() {
            p { "No reviews recorded yet." }
        } @else {
            table {
                caption { "Reviews, newest first" }
                tr {
                    th scope="col" { "Date" } th scope="col" { "Who took part" }
                    th scope="col" { "Notes" } th scope="col" { "Outcome" } th scope="col" { "Next review" }
                }
                @for r in reviews {
                    tr {
                        td { (r.date) } td { (r.participants.join(", ")) } td { (r.notes) }
                        td { (r.outcome) } td { (r.next_review.as_deref().unwrap_or("-")) }
                    }
                }
            }
        }
    }
}

fn proposals(c: &Consultation<'_>) -> Markup {
    let status = |p: &ReviewProposal| match p.decision {
        None => "awaiting their decision",
        Some(ProposalDecision::Accepted) => "accepted: in their plan",
        Some(ProposalDecision::Declined) => "declined",
    };
    html! {
        @if !c.proposals.is_empty() {
            h2 { "Reviews proposed from consultations" }
            table {
                caption { "Proposals and what the person decided" }
                tr {
                    th scope="col" { "Review date" } th scope="col" { "Proposed by" }
                    th scope="col" { "Outcome" } th scope="col" { "Status" }
                }
                @for p in c.proposals {
                    tr { td { (p.date) } td { (p.proposer_name) } td { (p.outcome) } td { (status(p)) } }
                }
            }
        }
    }
}

fn review_form(action: &str, c: &Consultation<'_>) -> Markup {
    let name = &c.summary.patient_name;
    html! {
        section.noprint aria-labelledby="record" {
            h2 #record { "Record this consultation" }
            p {
                "The review goes to " (name) "'s phone as a proposal. It enters their plan only "
                "when they accept it."
            }
            form #review method="post" action=(action) {
                label for="date" { "Date of the review" }
                input #date name="date" type="date" required value=(c.today);
                label for="participants" { "Who took part (separated by commas)" }
                input #participants name="participants" type="text" required value=(format!("{name}, {}", c.clinician));
                label for="notes" { "Notes" }
                textarea #notes name="notes" rows="4" {}
                label for="outcome" { "Outcome" }
                textarea #outcome name="outcome" rows="2" required {}
                label for="next_review" { "Next review (optional)" }
                input #next_review name="next_review" type="date";
                button type="submit" { "Propose to " (name) }
            }
        }
    }
}

fn not_shared(what: &str) -> Markup {
    html! { p.muted { "The " (what) " is not shared with you." } }
}

/// One patient's consultation page.
pub(crate) fn consultation(c: &Consultation<'_>) -> String {
    let s = c.summary;
    let granted = |scope| s.scopes.contains(&scope);
    let body = html! {
        p.muted {
            "Shared: " (scope_list(&s.scopes)) ". Until " (when(s.expires_at, c.zone)) ". "
            "Last synced " (s.last_synced.map_or("never".to_owned(), |t| when(t, c.zone))) ". "
            "Since " (s.since) " (the last review, or 90 days)."
        }
        @match &s.care_plan {
            Some(plan) => (sections::what_matters(plan, Voice::Theirs)),
            None if granted(ShareScope::CarePlan) => { h2 { "What matters to them" } p { "No care plan yet." } },
            None => (not_shared("care plan")),
        }
        @if granted(ShareScope::Questionnaires) {
            (safety_flags(c))
        } @else {
            section.flags role="region" aria-labelledby="safety" {
                h2 #safety { "Safety flags" }
                p { "Questionnaires are not shared with you, so no safety flags can be shown." }
            }
        }
        @if let Some(plan) = &s.care_plan {
            (sections::goals(plan, s.adherence.as_ref(), Voice::Theirs))
        }
        @if granted(ShareScope::Diary) {
            (sections::trends(c.series, c.bucket, Voice::Theirs))
        } @else {
            h2 { "Symptom trends" } (not_shared("symptom diary"))
        }
        @if granted(ShareScope::Questionnaires) {
            (sections::questionnaires(c.definitions, &s.questionnaires, Voice::Theirs))
        }
        @if let Some(days) = c.diary_days {
            (diary_completeness(days))
        }
        @if granted(ShareScope::Budget) {
            (sections::budgets(c.budgets, Voice::Theirs))
        }
        @if granted(ShareScope::CarePlan) {
            (review_history(c))
            (proposals(c))
            @if let (Some(action), Some(_)) = (c.review_action, &s.care_plan) {
                (review_form(action, c))
            }
        }
        p.muted { "Read on " (c.today) " from the copy synced to this computer." }
    };
    document(&format!("Consultation: {}", s.patient_name), body)
}
