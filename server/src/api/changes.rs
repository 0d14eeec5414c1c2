//! Push (bounded, judged against the authorisation table, idempotent,
//! numbered per space) and pull (paged, filtered to the granted kinds for a
//! clinician, each change with the account that pushed it).

use super::keys::{identities_of, identity_of};
use super::{now_ms, push_json, ApiError, ApiResult, AppState, Authed, InSpace};
use crate::storage::{
    Access, Account, GroupRole, IncomingChange, PulledChanges, Readable, StorageError,
};
use axum::body::Body;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum::Json;
use pph_protocol::authz::WHOLE_RECORD;
use pph_protocol::kinds::GROUP_HIDE;
use pph_protocol::sealed::{KeyName, Refs, Sealed};
use pph_protocol::wire::{
    ErasedRecord, ErrorCode, PushRequest, PushResponse, Scope, MAX_PULL_LIMIT, MAX_PUSH_CHANGES,
};
use pph_protocol::{Change, MAX_DRIFT_MS};
use serde::Deserialize;
use std::collections::BTreeSet;
use std::sync::Arc;

const DEFAULT_PULL_LIMIT: u32 = 500;

fn check_change(i: usize, c: &Change, now_ms: i64) -> ApiResult<()> {
    c.check().map_err(|part| {
        ApiError::invalid(format!(
            "change {i}: {part} is missing, malformed or too long"
        ))
    })?;
    if c.hlc.wall_ms > (now_ms.max(0) as u64).saturating_add(MAX_DRIFT_MS) {
        return Err(ApiError::new(
            ErrorCode::ClockDrift,
            format!("change {i} is stamped more than {MAX_DRIFT_MS} ms ahead of the server clock"),
        ));
    }
    Ok(())
}

/// The message a facilitator's hide names (in its creating change), in
/// the clear even when the value is sealed.
fn hidden_by(c: &Change) -> Option<String> {
    (c.entity_type == GROUP_HIDE && c.field == WHOLE_RECORD)
        .then(|| Refs::of_change(c).parent)
        .flatten()
}

/// A sealed value must name the key its kind is sealed under (every client
/// checks the same when it opens it).
fn check_sealed(i: usize, c: &Change) -> ApiResult<Option<Sealed>> {
    let Some(sealed) = Sealed::of(&c.value) else {
        return Ok(None);
    };
    if KeyName::for_kind(&c.entity_type).is_some_and(|k| k != sealed.key) || sealed.epoch == 0 {
        return Err(ApiError::invalid(format!(
            "change {i}: sealed under a key its kind does not use"
        )));
    }
    Ok(Some(sealed))
}

pub async fn push(
    State(state): State<Arc<AppState>>,
    Authed(account): Authed,
    body: Body,
) -> ApiResult<Json<PushResponse>> {
    let req: PushRequest = push_json(body).await?;
    if req.changes.len() > MAX_PUSH_CHANGES {
        return Err(ApiError::new(
            ErrorCode::TooLarge,
            format!("at most {MAX_PUSH_CHANGES} changes per push"),
        ));
    }
    let now = now_ms();
    // A device that has an identity signs what it writes: a seal without a
    // signature is a client's mistake, refused here. Whose signature it is
    // the devices check, each for itself (docs/adr/0019); checking it here
    // too would cost the relay an Ed25519 verification per change (about
    // 45 µs, a third of a push's time) and protect no one, since a pusher
    // may as well sign a seal that does not open.
    let signs = identity_of(&state, &account.id).await?.is_some();
    let mut sealed = Vec::with_capacity(req.changes.len());
    for (i, c) in req.changes.iter().enumerate() {
        check_change(i, c, now)?;
        let seal = check_sealed(i, c)?;
        if signs && seal.as_ref().is_some_and(|s| s.sig.is_none()) {
            return Err(ApiError::invalid(format!(
                "change {i}: value.sealed.sig: this account's device signs what it writes"
            )));
        }
        sealed.push(seal.map(|s| (s.key, s.epoch)));
    }
    let incoming = req
        .changes
        .into_iter()
        .zip(sealed)
        .map(|(c, sealed)| {
            Ok(IncomingChange {
                body: serde_json::to_string(&c)
                    .map_err(|_| ApiError::new(ErrorCode::Internal, "could not encode"))?,
                hides: hidden_by(&c),
                sealed_only: true,
                change_id: c.change_id,
                space: c.space,
                entity_type: c.entity_type,
                entity_id: c.entity_id,
                field: c.field,
                // A sealed value: the checks on values are the clients'.
                value: sealed.is_none().then_some(c.value),
                sealed_under: sealed,
            })
        })
        .collect::<ApiResult<Vec<_>>>()?;
    let stored = state.storage.push(&account.id, &incoming).await?;
    let bytes = incoming.iter().map(|c| c.body.len()).sum();
    state.metrics.pushed(incoming.len(), bytes);
    Ok(Json(stored))
}
#[derive(Deserialize)]
pub struct PullQuery {
    since: Option<i64>,
    limit: Option<u32>,
}

/// A clinician's read of a patient's shared records, which the patient's
/// access log records.
struct SharedRead {
    scopes: Vec<Scope>,
    patient: String,
}

/// What of a space an account reads: everything (the space's owner, a
/// group's facilitator), everything but records between two others (a
/// group member), or the kinds a patient's grants share with a clinician,
/// a read the patient then sees.
async fn reads(
    state: &AppState,
    account: &Account,
    role: Option<GroupRole>,
    space: &str,
) -> ApiResult<(Readable, Option<SharedRead>)> {
    // A personal space's one member is its owner, who reads it all.
    match role {
        Some(GroupRole::Facilitator) => return Ok((Readable::ALL, None)),
        Some(GroupRole::Member) if space == account.personal_space => {
            return Ok((Readable::ALL, None))
        }
        Some(GroupRole::Member) => return Ok((Readable::member(&account.id), None)),
        None => {}
    }
    let grants = state
        .storage
        .live_grants_for_clinician(&account.id, now_ms())
        .await?;
    let granted: Vec<_> = grants.iter().filter(|g| g.patient_space == space).collect();
    let scopes: BTreeSet<Scope> = granted
        .iter()
        .flat_map(|g| g.grant.scopes.iter().copied())
        .collect();
    let Some(first) = granted.first().filter(|_| !scopes.is_empty()) else {
        return Err(ApiError::forbidden());
    };
    let kinds: Vec<&'static str> = scopes.iter().flat_map(|s| s.kinds()).collect();
    Ok((
        Readable::kinds(&kinds),
        Some(SharedRead {
            scopes: scopes.into_iter().collect(),
            patient: first.grant.patient_account.clone(),
        }),
    ))
}

pub async fn pull(
    State(state): State<Arc<AppState>>,
    InSpace {
        account,
        space,
        role,
    }: InSpace,
    query: Result<Query<PullQuery>, QueryRejection>,
) -> ApiResult<Response> {
    let Query(query) =
        query.map_err(|_| ApiError::invalid("since and limit must be whole numbers"))?;
    let since = query.since.unwrap_or(0);
    let limit = query.limit.unwrap_or(DEFAULT_PULL_LIMIT);
    if since < 0 {
        return Err(ApiError::invalid("since must not be negative"));
    }
    if limit == 0 || limit > MAX_PULL_LIMIT {
        return Err(ApiError::invalid(format!(
            "limit must be 1 to {MAX_PULL_LIMIT}"
        )));
    }
    let (readable, shared) = reads(&state, &account, role, &space).await?;
    // Independent reads, each on its own pooled connection: one wait, not two.
    let (rows, erased) = tokio::try_join!(
        state.storage.pull(&space, since, limit, readable),
        state.storage.erased(&space, since, limit)
    )?;
    let (rows, erased, next, more) = one_page(rows, erased, limit as usize, since);
    if let Some(SharedRead { scopes, patient }) = shared {
        let access = Access {
            patient_account: patient,
            clinician_account: account.id.clone(),
            scopes,
            at_ms: now_ms(),
            records: rows.len() as i64,
        };
        state.storage.record_access(&access).await?;
    }
    // Who wrote each change, as the devices check it: a change is applied
    // only signed by its author's pinned identity.
    let identities = identities_of(&state, &rows.authors()).await?;
    let changes = rows.len();
    let page = rows
        .into_response(&erased, &identities, next, more)
        .map_err(|_| StorageError::Backend("page not written".into()))?;
    state.metrics.pulled(changes, page.len());
    Ok(([(header::CONTENT_TYPE, "application/json")], page).into_response())
}

/// One page, in sequence order, of a space's changes and erasures (each
/// read up to `limit` after `since`): the first `limit` of the two, the
/// cursor after them, and whether more may wait.
fn one_page(
    mut rows: PulledChanges,
    mut erased: Vec<ErasedRecord>,
    limit: usize,
    since: i64,
) -> (PulledChanges, Vec<ErasedRecord>, i64, bool) {
    let full = rows.len() == limit || erased.len() == limit;
    let mut seqs: Vec<i64> = rows.seqs().chain(erased.iter().map(|e| e.seq)).collect();
    seqs.sort_unstable();
    let truncated = seqs.len() > limit;
    seqs.truncate(limit);
    let next = seqs.last().copied().unwrap_or(since);
    rows.keep_through(next);
    erased.retain(|e| e.seq <= next);
    (rows, erased, next, full || truncated)
}

#[cfg(test)]
mod tests {
    use super::*;
    use pph_protocol::wire::{PullResponse, SequencedChange};

    fn changes(seqs: &[i64]) -> PulledChanges {
        let mut page = PulledChanges::default();
        for &seq in seqs {
            page.push(seq, None, "{}");
        }
        page
    }

    fn erasure(seq: i64) -> ErasedRecord {
        ErasedRecord {
            seq,
            entity_type: "group_message".into(),
            entity_id: seq.to_string(),
        }
    }

    #[test]
    fn a_page_takes_the_first_of_changes_and_erasures_in_sequence() {
        let (rows, erased, next, more) = one_page(
            changes(&[3, 5, 8]),
            vec![erasure(4), erasure(6), erasure(7)],
            3,
            2,
        );
        assert_eq!(rows.seqs().collect::<Vec<_>>(), [3, 5]);
        assert_eq!(erased.iter().map(|e| e.seq).collect::<Vec<_>>(), [4]);
        assert_eq!((next, more), (5, true));
    }

    #[test]
    fn a_page_written_from_stored_bodies_reads_as_a_pull_response() {
        let change = Change {
            change_id: "c1".into(),
            space: "s".into(),
            entity_type: "diary_entry".into(),
            entity_id: "e1".into(),
            field: "note".into(),
            value: serde_json::json!("a \"quoted\" note\nover lines"),
            hlc: pph_protocol::Hlc {
                wall_ms: 5,
                counter: 1,
                node: "n".into(),
            },
        };
        let body = serde_json::to_string(&change).expect("json");
        let mut rows = PulledChanges::default();
        rows.push(7, Some("a\"b"), &body);
        rows.push(9, None, &body);
        let who = pph_protocol::sealed::PublicIdentity {
            account_id: "a\"b".into(),
            public_key: "k".into(),
            identity: "i".into(),
            binding: "b".into(),
        };
        assert_eq!(rows.authors(), ["a\"b"], "each once; none for the unknown");
        let json = rows
            .into_response(&[erasure(8)], std::slice::from_ref(&who), 9, true)
            .expect("page");
        let page: PullResponse = serde_json::from_str(&json).expect("a pull response");
        let expected = PullResponse {
            changes: vec![
                SequencedChange {
                    seq: 7,
                    author: "a\"b".into(),
                    change: change.clone(),
                },
                SequencedChange {
                    seq: 9,
                    author: String::new(),
                    change,
                },
            ],
            next: 9,
            more: true,
            erased: vec![erasure(8)],
            identities: vec![who],
        };
        assert_eq!(page, expected);
        let empty: PullResponse = serde_json::from_str(
            &PulledChanges::default()
                .into_response(&[], &[], 3, false)
                .expect("page"),
        )
        .expect("empty");
        assert_eq!((empty.changes.len(), empty.next, empty.more), (0, 3, false));
    }

    #[test]
    fn a_short_page_ends_the_pull_and_an_empty_one_keeps_the_cursor() {
        let (rows, erased, next, more) = one_page(changes(&[9]), vec![erasure(10)], 5, 8);
        assert_eq!((rows.len(), erased.len(), next, more), (1, 1, 10, false));
        let (_, _, next, more) = one_page(PulledChanges::default(), Vec::new(), 5, 8);
        assert_eq!((next, more), (8, false));
    }
}
