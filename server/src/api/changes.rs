//! Push (idempotent, bounded, per-space sequence) and pull (paged, filtered
//! to the granted kinds for a clinician).

use super::{authenticate, check_id, now_ms, push_json, ApiError, ApiResult, AppState};
use crate::storage::{Account, GroupRole, IncomingChange};
use axum::body::Body;
use axum::extract::rejection::{PathRejection, QueryRejection};
use axum::extract::{Path, Query, State};
use axum::http::HeaderMap;
use axum::Json;
use pph_protocol::wire::{
    ErrorCode, PullResponse, PushRequest, PushResponse, SequencedChange, MAX_PULL_LIMIT,
    MAX_PUSH_CHANGES,
};
use pph_protocol::{Change, MAX_DRIFT_MS};
use serde::Deserialize;
use std::collections::BTreeSet;
use std::sync::Arc;

const DEFAULT_PULL_LIMIT: u32 = 500;

fn check_change(i: usize, c: &Change, now_ms: i64) -> ApiResult<()> {
    c.check()
        .map_err(|part| ApiError::invalid(format!("change {i}: {part} is missing or too long")))?;
    check_id(&format!("change {i}: change_id"), &c.change_id)?;
    if c.hlc.wall_ms > (now_ms.max(0) as u64).saturating_add(MAX_DRIFT_MS) {
        return Err(ApiError::new(
            ErrorCode::ClockDrift,
            format!("change {i} is stamped more than {MAX_DRIFT_MS} ms ahead of the server clock"),
        ));
    }
    Ok(())
}

/// Kinds only a group's facilitator may write: hiding a message for
/// everyone, and recording who came to a meetup.
const FACILITATOR_KINDS: [&str; 2] = ["group_hide", "meetup_attendance"];

async fn check_may_write(state: &AppState, account: &Account, changes: &[Change]) -> ApiResult<()> {
    let spaces: BTreeSet<&str> = changes.iter().map(|c| c.space.as_str()).collect();
    for space in spaces {
        let role = state.storage.member_role(space, &account.id).await?;
        let facilitates = role == Some(GroupRole::Facilitator);
        let needs_facilitator = changes
            .iter()
            .any(|c| c.space == space && FACILITATOR_KINDS.contains(&c.entity_type.as_str()));
        if role.is_none() || (needs_facilitator && !facilitates) {
            return Err(ApiError::forbidden());
        }
    }
    Ok(())
}

/// The message a facilitator's hide names (in its creating change).
fn hidden_by(c: &Change) -> Option<String> {
    (c.entity_type == "group_hide" && c.field == "*")
        .then(|| c.value.get("message_id")?.as_str().map(str::to_owned))
        .flatten()
}

pub async fn push(
    State(state): State<Arc<AppState>>,
    headers: HeaderMap,
    body: Body,
) -> ApiResult<Json<PushResponse>> {
    let account = authenticate(&state, &headers).await?;
    let req: PushRequest = push_json(body).await?;
    if req.changes.len() > MAX_PUSH_CHANGES {
        return Err(ApiError::new(
            ErrorCode::TooLarge,
            format!("at most {MAX_PUSH_CHANGES} changes per push"),
        ));
    }
    let now = now_ms();
    for (i, c) in req.changes.iter().enumerate() {
        check_change(i, c, now)?;
    }
    check_may_write(&state, &account, &req.changes).await?;
    let incoming = req
        .changes
        .iter()
        .map(|c| {
            Ok(IncomingChange {
                change_id: c.change_id.clone(),
                space: c.space.clone(),
                entity_type: c.entity_type.clone(),
                entity_id: c.entity_id.clone(),
                hides: hidden_by(c),
                body: serde_json::to_string(c)
                    .map_err(|_| ApiError::new(ErrorCode::Internal, "could not encode"))?,
            })
        })
        .collect::<ApiResult<Vec<_>>>()?;
    Ok(Json(state.storage.push(&incoming).await?))
}

#[derive(Deserialize)]
pub struct PullQuery {
    since: Option<i64>,
    limit: Option<u32>,
}

/// None: the whole space (a member). Some(kinds): a clinician's grant.
async fn readable_kinds(
    state: &AppState,
    account: &Account,
    space: &str,
) -> ApiResult<Option<Vec<&'static str>>> {
    if state.storage.is_member(space, &account.id).await? {
        return Ok(None);
    }
    let grants = state
        .storage
        .live_grants_for_clinician(&account.id, now_ms())
        .await?;
    let scopes: BTreeSet<_> = grants
        .iter()
        .filter(|g| g.patient_space == space)
        .flat_map(|g| g.grant.scopes.iter().copied())
        .collect();
    if scopes.is_empty() {
        return Err(ApiError::forbidden());
    }
    Ok(Some(
        scopes
            .into_iter()
            .flat_map(|s| s.entity_types().iter().copied())
            .collect(),
    ))
}

pub async fn pull(
    State(state): State<Arc<AppState>>,
    headers: HeaderMap,
    space: Result<Path<String>, PathRejection>,
    query: Result<Query<PullQuery>, QueryRejection>,
) -> ApiResult<Json<PullResponse>> {
    let account = authenticate(&state, &headers).await?;
    let Path(space) = space.map_err(|_| ApiError::invalid("space must be a UUID"))?;
    check_id("space", &space)?;
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
    let kinds = readable_kinds(&state, &account, &space).await?;
    let rows = state
        .storage
        .pull(&space, since, limit, kinds.as_deref())
        .await?;
    let more = rows.len() == limit as usize;
    let next = rows.last().map_or(since, |(seq, _)| *seq);
    let changes = rows
        .into_iter()
        .map(|(seq, body)| {
            serde_json::from_str(&body)
                .map(|change| SequencedChange { seq, change })
                .map_err(|_| ApiError::new(ErrorCode::Internal, "stored change unreadable"))
        })
        .collect::<ApiResult<_>>()?;
    Ok(Json(PullResponse {
        changes,
        next,
        more,
    }))
}
