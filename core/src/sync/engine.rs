//! The sync engine's decisions, without I/O: how a push is cut into
//! batches, what to do with the changes a relay refused, how long to wait
//! after failures, what an attempt leaves behind, and what the status says.
//! The driver (`client.rs`) does the talking and the storing; everything it
//! decides is here and tested here, with a relay in memory where it helps.

use super::model::SyncState;
use super::store::Attempts;
use super::trust::Granted;
use crate::error::PphError;
use crate::store::authz::SpaceFacts;
use pph_protocol::authz::Refusal;
use pph_protocol::kinds::SpaceKind;
use pph_protocol::sealed::KeyName;
use pph_protocol::wire::{
    ClinicianAccess, RefusedChange, Scope, SpaceAccess, SpaceEntry, MAX_PUSH_BYTES,
};
use pph_protocol::Change;
use std::collections::BTreeMap;
use std::time::Duration;

/// Changes per push; the server takes up to 1,000 and 4 MiB.
pub(crate) const PUSH_BATCH: u32 = 500;
/// Changes per pull page.
pub(crate) const PULL_PAGE: u32 = 500;
/// Network attempts within one `sync_now` before reporting `Offline`.
pub(crate) const ATTEMPTS: u32 = 3;
/// First in-call retry delay; doubles each time.
pub(crate) const RETRY_DELAY: Duration = Duration::from_millis(200);
/// Between calls: the background job should wait 30 s after a failure,
/// doubling up to an hour.
const BACKOFF_BASE_MS: u64 = 30_000;
const BACKOFF_MAX_MS: u64 = 3_600_000;

/// How long to wait after `failures` failed attempts in a row.
pub(crate) fn backoff_ms(failures: u32) -> u64 {
    let shift = failures.saturating_sub(1).min(16);
    (BACKOFF_BASE_MS << shift).min(BACKOFF_MAX_MS)
}

/// The outbox batch cut to the server's byte bound (at least one change).
pub(crate) fn within_push_bytes(mut batch: Vec<Change>) -> Vec<Change> {
    let budget = MAX_PUSH_BYTES - 64 * 1024;
    let mut used = 0;
    let mut keep = 0;
    for c in &batch {
        used += serde_json::to_string(c).map_or(budget, |s| s.len() + 1);
        if used > budget && keep > 0 {
            break;
        }
        keep += 1;
    }
    batch.truncate(keep);
    batch
}

/// The changes of a refused batch (by their ids, in batch order) to set
/// aside, grouped by the rule they broke; the rest go again. A refusal that
/// names no change of the batch is the relay's fault, not the person's.
pub(crate) fn refusals(
    ids: &[String],
    refused: &[RefusedChange],
) -> Result<Vec<(Refusal, Vec<String>)>, PphError> {
    let mut by_rule: BTreeMap<Refusal, Vec<String>> = BTreeMap::new();
    for r in refused {
        if let Some(id) = ids.get(r.index as usize) {
            by_rule.entry(r.rule).or_default().push(id.clone());
        }
    }
    if by_rule.is_empty() {
        return Err(PphError::Internal {
            reason: "the server refused a push without naming a change".into(),
        });
    }
    Ok(by_rule.into_iter().collect())
}

/// What an attempt leaves behind: the attempts to keep, the state to show
/// until the next one, and whether the token must be forgotten.
#[derive(Debug, PartialEq)]
pub(crate) struct Settled {
    pub attempts: Attempts,
    pub state: Option<SyncState>,
    pub forget_token: bool,
}

pub(crate) fn settle(before: Attempts, outcome: &Result<(), PphError>, now_ms: u64) -> Settled {
    let Err(e) = outcome else {
        return Settled {
            attempts: Attempts {
                last_success_ms: Some(now_ms),
                ..Attempts::default()
            },
            state: None,
            forget_token: false,
        };
    };
    let failures = before.failures + 1;
    let mut attempts = Attempts {
        failures,
        last_error: Some(e.to_string()),
        next_retry_ms: Some(now_ms + backoff_ms(failures)),
        offline: matches!(e, PphError::Network { .. }),
        ..before
    };
    let (state, forget_token) = match e {
        PphError::Unauthorized => {
            attempts.next_retry_ms = None;
            (SyncState::Unauthorized, true)
        }
        PphError::Network { .. } => (SyncState::Offline, false),
        PphError::RateLimited { retry_after_s } => {
            attempts.next_retry_ms = Some(now_ms + retry_after_s * 1000);
            (SyncState::Failed, false)
        }
        _ => (SyncState::Failed, false),
    };
    Settled {
        attempts,
        state: Some(state),
        forget_token,
    }
}

/// The state `status()` shows: signed out, a sync's own state while one
/// runs or after one failed in this process, else what the last attempt
/// left (offline, failed or idle), so a restart shows the same.
pub(crate) fn state(
    signed_up: bool,
    has_token: bool,
    attempts: &Attempts,
    transient: Option<SyncState>,
) -> SyncState {
    match (signed_up, has_token, transient) {
        (false, _, _) => SyncState::SignedOut,
        (true, false, _) if attempts.last_error.is_some() && attempts.failures > 0 => {
            SyncState::Unauthorized
        }
        (true, false, _) => SyncState::SignedOut,
        (true, true, Some(state)) => state,
        (true, true, None) if attempts.failures == 0 => SyncState::Idle,
        (true, true, None) if attempts.offline => SyncState::Offline,
        (true, true, None) => SyncState::Failed,
    }
}

/// The judge's view of a space the relay lists.
/// What a pulled change is judged with: the relay's description of its
/// space, but for what this device knows better. The one personal space
/// this account is a member of is its own: its owner is this account,
/// whoever the relay names (a relay naming a clinician would have this
/// device apply the clinician's edits as the person's own: the fifth
/// attacker run), and its clinicians only those a grant this account
/// signed names (`granted`), for the scopes it names (a share the relay
/// adds gives no one a clinician's standing here).
pub(crate) fn facts(entry: &SpaceEntry, me: &str, granted: &Granted) -> SpaceFacts {
    let mine = matches!(
        (entry.kind, &entry.access),
        (SpaceKind::Personal, SpaceAccess::Member)
    );
    let (owner, clinicians) = if mine {
        let clinicians = entry
            .clinicians
            .iter()
            .filter_map(|c| {
                let keys = granted.get(&c.account_id)?;
                let scopes: Vec<Scope> = c
                    .scopes
                    .iter()
                    .copied()
                    .filter(|s| keys.contains(&KeyName::of_scope(*s)))
                    .collect();
                (!scopes.is_empty()).then(|| ClinicianAccess {
                    account_id: c.account_id.clone(),
                    scopes,
                })
            })
            .collect();
        (me.to_owned(), clinicians)
    } else {
        (entry.owner.clone(), entry.clinicians.clone())
    };
    SpaceFacts {
        space: entry.space.clone(),
        kind: entry.kind,
        owner,
        facilitators: entry.facilitators.clone(),
        clinicians,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The person's own space is theirs whoever the relay names as its
    /// owner; a patient's space shared with this clinician is the patient's
    /// as the share names them.
    #[test]
    fn my_own_space_is_mine_whoever_the_relay_names() {
        let entry = |access| SpaceEntry {
            space: "s".into(),
            kind: SpaceKind::Personal,
            owner: "doc".into(),
            facilitators: vec![],
            devices: vec![],
            access,
            clinicians: vec![],
        };
        let none = Granted::new();
        assert_eq!(
            facts(&entry(SpaceAccess::Member), "ann", &none).owner,
            "ann"
        );
        let shared = SpaceAccess::Shared {
            share_id: "x".into(),
            patient_name: "Doc".into(),
            scopes: vec![],
            expires_at_ms: 0,
        };
        assert_eq!(facts(&entry(shared), "ann", &none).owner, "doc");
    }

    /// The clinicians of the person's own record are those her own signed
    /// grants name, for the scopes they name, whatever the relay lists.
    #[test]
    fn my_own_records_clinicians_are_those_i_granted() {
        let listed = |account: &str, scopes: Vec<Scope>| ClinicianAccess {
            account_id: account.into(),
            scopes,
        };
        let entry = SpaceEntry {
            space: "s".into(),
            kind: SpaceKind::Personal,
            owner: "ann".into(),
            facilitators: vec![],
            devices: vec![],
            access: SpaceAccess::Member,
            clinicians: vec![
                listed("doc", vec![Scope::CarePlan, Scope::Diary]),
                listed("eve", vec![Scope::CarePlan]),
            ],
        };
        let granted = Granted::from([("doc".to_owned(), [KeyName::Diary].into())]);
        assert_eq!(
            facts(&entry, "ann", &granted).clinicians,
            [listed("doc", vec![Scope::Diary])]
        );
        assert!(facts(&entry, "ann", &Granted::new()).clinicians.is_empty());
    }

    #[test]
    fn backoff_doubles_from_thirty_seconds_up_to_an_hour() {
        assert_eq!(backoff_ms(1), 30_000);
        assert_eq!(backoff_ms(2), 60_000);
        assert_eq!(backoff_ms(5), 480_000);
        assert_eq!(backoff_ms(8), 3_600_000);
        assert_eq!(backoff_ms(400), 3_600_000);
    }

    #[test]
    fn refused_changes_are_grouped_by_rule_and_an_empty_refusal_is_an_error() {
        let ids: Vec<String> = ["a", "b", "c"].map(String::from).to_vec();
        let refused = [
            RefusedChange {
                index: 2,
                rule: Refusal::NotAuthor,
            },
            RefusedChange {
                index: 0,
                rule: Refusal::NotMember,
            },
            RefusedChange {
                index: 9,
                rule: Refusal::NotMember,
            },
        ];
        assert_eq!(
            refusals(&ids, &refused).expect("grouped"),
            vec![
                (Refusal::NotMember, vec!["a".to_owned()]),
                (Refusal::NotAuthor, vec!["c".to_owned()])
            ]
        );
        assert!(refusals(&ids, &[]).is_err());
    }

    #[test]
    fn an_attempt_settles_into_backoff_unauthorized_or_a_clean_slate() {
        let offline = settle(
            Attempts::default(),
            &Err(PphError::Network { reason: "x".into() }),
            1_000,
        );
        assert_eq!(offline.state, Some(SyncState::Offline));
        assert_eq!(offline.attempts.next_retry_ms, Some(31_000));
        let again = settle(
            offline.attempts,
            &Err(PphError::Network { reason: "x".into() }),
            2_000,
        );
        assert_eq!(
            (again.attempts.failures, again.attempts.next_retry_ms),
            (2, Some(62_000))
        );
        let refused = settle(again.attempts, &Err(PphError::Unauthorized), 3_000);
        assert!(refused.forget_token);
        assert_eq!(refused.state, Some(SyncState::Unauthorized));
        assert_eq!(refused.attempts.next_retry_ms, None);
        let held = settle(
            Attempts::default(),
            &Err(PphError::RateLimited { retry_after_s: 90 }),
            0,
        );
        assert_eq!(held.attempts.next_retry_ms, Some(90_000));
        let fine = settle(refused.attempts, &Ok(()), 4_000);
        assert_eq!(fine.attempts.failures, 0);
        assert_eq!(fine.attempts.last_success_ms, Some(4_000));
        assert_eq!(fine.state, None);
    }

    #[test]
    fn a_restart_shows_what_the_last_attempt_left() {
        let offline = settle(
            Attempts::default(),
            &Err(PphError::Network { reason: "x".into() }),
            1_000,
        );
        // A new process: no state of its own yet, only the stored attempts.
        assert_eq!(
            state(true, true, &offline.attempts, None),
            SyncState::Offline
        );
        let refused = settle(
            Attempts::default(),
            &Err(PphError::RateLimited { retry_after_s: 9 }),
            1_000,
        );
        assert_eq!(
            state(true, true, &refused.attempts, None),
            SyncState::Failed
        );
        let fine = settle(offline.attempts, &Ok(()), 2_000);
        assert_eq!(state(true, true, &fine.attempts, None), SyncState::Idle);
        assert_eq!(
            state(true, true, &fine.attempts, Some(SyncState::Syncing)),
            SyncState::Syncing
        );
        assert_eq!(
            state(false, false, &fine.attempts, None),
            SyncState::SignedOut
        );
    }
}
