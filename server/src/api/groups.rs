//! Group membership: invite codes (facilitators make and revoke them, anyone
//! signed in redeems one), the member list, leaving and removal.

use super::{admissions, Facilitator, InSpace};
use super::{check_id, now_ms, small_json, ApiError, ApiResult, AppState, Authed};
use crate::credentials::code_hash;
use crate::rate_limit::{invite_key, INVITE_CODES};
use crate::storage::{GroupRole, Invite, Member, Redeemed};
use axum::body::Body;
use axum::extract::rejection::PathRejection;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Json;
use pph_protocol::admission::{CODE_ALPHABET, RELAY_HALF};
use pph_protocol::wire::{
    CreateInviteRequest, ErrorCode, InviteResponse, JoinRequest, JoinResponse, MemberEntry,
    MembersResponse,
};
use std::sync::Arc;

/// The relay's half of a code: its stored form is keyed with the server's
/// secret, and redeeming is rate-limited.
const CODE_LEN: usize = RELAY_HALF;
const MAX_INVITE_MS: i64 = 30 * 24 * 60 * 60 * 1000;

fn new_code() -> String {
    (0..CODE_LEN)
        .map(|_| char::from(CODE_ALPHABET[rand::random_range(0..CODE_ALPHABET.len())]))
        .collect()
}

/// Codes are matched case-insensitively, ignoring spaces and dashes.
fn normalise_code(code: &str) -> ApiResult<String> {
    let code = pph_protocol::admission::normalise_code(code);
    if code.len() != CODE_LEN || !code.bytes().all(|b| CODE_ALPHABET.contains(&b)) {
        return Err(ApiError::invalid(format!(
            "an invite code is {CODE_LEN} letters and digits"
        )));
    }
    Ok(code)
}

/// The member a path names after its space (which `InSpace` checked), a
/// canonical id.
fn path_member(path: Result<Path<(String, String)>, PathRejection>) -> ApiResult<String> {
    let Path((_, member)) = path.map_err(|_| ApiError::invalid("space and account id required"))?;
    check_id("account id", &member)?;
    Ok(member)
}

pub async fn create_invite(
    State(state): State<Arc<AppState>>,
    Facilitator(InSpace { account, space, .. }): Facilitator,
    body: Body,
) -> ApiResult<(StatusCode, Json<InviteResponse>)> {
    let req: CreateInviteRequest = small_json(body).await?;
    let now = now_ms();
    if req.expires_at_ms <= now || req.expires_at_ms > now + MAX_INVITE_MS {
        return Err(ApiError::invalid(
            "expires_at_ms must be in the future and within 30 days",
        ));
    }
    let kept = state
        .storage
        .members(&space)
        .await?
        .into_iter()
        .find(|m| m.account_id == account.id)
        .and_then(|m| m.admission);
    let invite =
        admissions::invite(&state, &account.id, &space, kept.as_deref(), &req.invite).await?;
    let code = new_code();
    state
        .storage
        .create_invite(&Invite {
            code_hash: code_hash(&state.config.secret, &code),
            space: space.clone(),
            created_by: account.id,
            created_ms: now,
            expires_ms: req.expires_at_ms,
            invite,
            verifier: req.invite.verifier.clone(),
        })
        .await?;
    Ok((
        StatusCode::CREATED,
        Json(InviteResponse {
            code,
            space,
            expires_at_ms: req.expires_at_ms,
        }),
    ))
}

pub async fn revoke_invite(
    State(state): State<Arc<AppState>>,
    Facilitator(InSpace { space, .. }): Facilitator,
    path: Result<Path<(String, String)>, PathRejection>,
) -> ApiResult<StatusCode> {
    let Path((_, code)) = path.map_err(|_| ApiError::invalid("space and code required"))?;
    let code = normalise_code(&code)?;
    if !state
        .storage
        .revoke_invite(&code_hash(&state.config.secret, &code), &space, now_ms())
        .await?
    {
        return Err(ApiError::new(
            ErrorCode::NotFound,
            "no live invite with this code",
        ));
    }
    Ok(StatusCode::NO_CONTENT)
}

/// `GET /v1/invites/{code}`: the signed invite of a code's relay half, for
/// the newcomer's device to check against the code's secret half before
/// it answers. Guessed like a join: the same attempts, given back when the
/// code is found.
pub async fn lookup(
    State(state): State<Arc<AppState>>,
    Authed(account): Authed,
    code: Result<Path<String>, PathRejection>,
) -> ApiResult<Json<pph_protocol::admission::Invite>> {
    let Path(code) = code.map_err(|_| ApiError::invalid("code required"))?;
    let code = normalise_code(&code)?;
    let key = invite_key(&account.id);
    state.take_attempt(&key, INVITE_CODES).await?;
    let hash = code_hash(&state.config.secret, &code);
    let kept = state.storage.live_invite(&hash, now_ms()).await?;
    let Some(invite) = kept.and_then(|k| serde_json::from_str(&k).ok()) else {
        return Err(no_such_code());
    };
    state.storage.refund_attempt(&key).await?;
    Ok(Json(invite))
}

pub async fn join(
    State(state): State<Arc<AppState>>,
    Authed(account): Authed,
    code: Result<Path<String>, PathRejection>,
    body: Body,
) -> ApiResult<Json<JoinResponse>> {
    let Path(code) = code.map_err(|_| ApiError::invalid("code required"))?;
    let code = normalise_code(&code)?;
    let req: JoinRequest = small_json(body).await?;
    // Guessing codes costs a sign-in's worth of attempts per account; a
    // code that works is given back.
    let key = invite_key(&account.id);
    state.take_attempt(&key, INVITE_CODES).await?;
    let hash = code_hash(&state.config.secret, &code);
    let Some(kept) = state.storage.live_invite(&hash, now_ms()).await? else {
        return Err(no_such_code());
    };
    let admission = admissions::admission(&state, &account.id, &kept, req.admission).await?;
    match state
        .storage
        .redeem_invite(&hash, &account.id, &admission, now_ms())
        .await?
    {
        Redeemed::Joined(space) => {
            state.storage.refund_attempt(&key).await?;
            Ok(Json(JoinResponse { space }))
        }
        Redeemed::Removed => {
            state.storage.refund_attempt(&key).await?;
            Err(ApiError::new(
                ErrorCode::Forbidden,
                "removed from this group; a facilitator can let you back",
            ))
        }
        Redeemed::NoSuchCode => Err(no_such_code()),
        Redeemed::Full => {
            state.storage.refund_attempt(&key).await?;
            Err(ApiError::new(
                ErrorCode::Conflict,
                format!(
                    "this group has {} members, the most a group has: \
                     ask its facilitator about another",
                    pph_protocol::wire::MAX_GROUP_MEMBERS
                ),
            ))
        }
    }
}

fn no_such_code() -> ApiError {
    ApiError::new(
        ErrorCode::NotFound,
        "unknown, expired or revoked invite code",
    )
}

fn entries(members: Vec<Member>) -> MembersResponse {
    MembersResponse {
        members: members
            .into_iter()
            .map(|m| MemberEntry {
                account_id: m.account_id,
                display_name: m.display_name,
                role: m.role,
            })
            .collect(),
    }
}

pub async fn members(
    State(state): State<Arc<AppState>>,
    in_space: InSpace,
) -> ApiResult<Json<MembersResponse>> {
    in_space.member_role()?;
    let space = in_space.space;
    Ok(Json(entries(state.storage.members(&space).await?)))
}

/// A member leaves (their own id), or a facilitator removes a member. A
/// personal space cannot be left.
pub async fn remove_member(
    State(state): State<Arc<AppState>>,
    InSpace {
        account,
        space,
        role,
    }: InSpace,
    path: Result<Path<(String, String)>, PathRejection>,
) -> ApiResult<StatusCode> {
    let member = path_member(path)?;
    if space == account.personal_space {
        return Err(ApiError::forbidden());
    }
    if member != account.id && role != Some(GroupRole::Facilitator) {
        return Err(ApiError::forbidden());
    }
    if !state
        .storage
        .remove_member(&space, &member, &account.id, now_ms())
        .await?
    {
        return Err(ApiError::new(ErrorCode::NotFound, "not a member"));
    }
    Ok(StatusCode::NO_CONTENT)
}

/// Those a facilitator removed, who cannot rejoin until let back.
pub async fn removed(
    State(state): State<Arc<AppState>>,
    Facilitator(InSpace { space, .. }): Facilitator,
) -> ApiResult<Json<MembersResponse>> {
    Ok(Json(entries(state.storage.removed_members(&space).await?)))
}

/// A facilitator lets a removed person join again with an invite code.
pub async fn readmit(
    State(state): State<Arc<AppState>>,
    Facilitator(InSpace { space, .. }): Facilitator,
    path: Result<Path<(String, String)>, PathRejection>,
) -> ApiResult<StatusCode> {
    let member = path_member(path)?;
    if !state.storage.readmit(&space, &member).await? {
        return Err(ApiError::new(
            ErrorCode::NotFound,
            "not removed from this group",
        ));
    }
    Ok(StatusCode::NO_CONTENT)
}
