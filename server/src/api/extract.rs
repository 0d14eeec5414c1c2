//! What handlers need before they start, declared in their signatures as
//! axum extractors: the account behind the bearer token (`Authed`), that
//! account in the space the path names (`InSpace`), or as one of its
//! facilitators (`Facilitator`), and the address a request came from
//! (`ClientAddr`). Each is decided before the handler reads its path's
//! other parts or its body, so a caller without a live token learns nothing
//! of either.

use super::{now_ms, ApiError, ApiResult, AppState};
use crate::credentials::token_hash;
use crate::storage::{Account, GroupRole, TokenUse};
use axum::extract::{ConnectInfo, FromRequestParts, RawPathParams};
use axum::http::request::Parts;
use axum::http::HeaderMap;
use pph_protocol::wire::ErrorCode;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::Arc;

/// The account behind the request's bearer token: 401 otherwise, and 403
/// for a recovery code's session, which only sets new keys.
pub struct Authed(pub Account);

impl FromRequestParts<Arc<AppState>> for Authed {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &Arc<AppState>,
    ) -> Result<Self, Self::Rejection> {
        let (account, used) = authenticate(state, &parts.headers).await?;
        logged_as(parts, state, &account);
        whole_session(used)?;
        Ok(Authed(account))
    }
}

/// The account behind the bearer token, a recovery code's session
/// included: what setting the account's keys (a new password and code)
/// needs.
pub struct SettingKeys(pub Account, pub TokenUse);

impl FromRequestParts<Arc<AppState>> for SettingKeys {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &Arc<AppState>,
    ) -> Result<Self, Self::Rejection> {
        let (account, used) = authenticate(state, &parts.headers).await?;
        logged_as(parts, state, &account);
        Ok(SettingKeys(account, used))
    }
}

/// 403 for a recovery code's session: until it has set a new password and
/// a new code, it does nothing else.
fn whole_session(used: TokenUse) -> ApiResult<()> {
    if used.recovery_only {
        return Err(ApiError::new(
            ErrorCode::Forbidden,
            "this session is the recovery code's: set a new password and recovery code first",
        ));
    }
    Ok(())
}

/// The account behind the bearer token, the space the path's `{space}`
/// names (a canonical id) and the account's role in it (None: not a
/// member; a clinician's grant, say, may still let it read), all in one
/// read. 401 without a live token; a malformed space is named (400) only
/// to a caller with one.
pub struct InSpace {
    pub account: Account,
    pub space: String,
    pub role: Option<GroupRole>,
}

impl InSpace {
    /// The role, for a member; 403 for anyone else.
    pub fn member_role(&self) -> ApiResult<GroupRole> {
        self.role.ok_or_else(ApiError::forbidden)
    }
}

impl FromRequestParts<Arc<AppState>> for InSpace {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &Arc<AppState>,
    ) -> Result<Self, Self::Rejection> {
        let token = bearer_token(&parts.headers)
            .ok_or_else(ApiError::unauthorized)?
            .to_owned();
        let space = RawPathParams::from_request_parts(parts, state)
            .await
            .ok()
            .and_then(|params| {
                params
                    .iter()
                    .find(|(name, _)| *name == "space")
                    .map(|(_, value)| value.to_owned())
            })
            .filter(|space| pph_protocol::ids::is_canonical(space));
        let Some(space) = space else {
            authenticate(state, &parts.headers).await?;
            return Err(ApiError::invalid(
                "space must be a UUID in lower-case hyphenated form",
            ));
        };
        let hash = token_hash(&token);
        let now = now_ms();
        let Some((account, role, used)) =
            state.storage.account_in_space(&hash, &space, now).await?
        else {
            return Err(refused(state, &hash, now).await);
        };
        touch(state, &hash, used.last_used_ms, now).await?;
        logged_as(parts, state, &account);
        whole_session(used)?;
        Ok(InSpace {
            account,
            space,
            role,
        })
    }
}

/// A facilitator of the space the path names: 403 for anyone else.
pub struct Facilitator(pub InSpace);

impl FromRequestParts<Arc<AppState>> for Facilitator {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &Arc<AppState>,
    ) -> Result<Self, Self::Rejection> {
        let in_space = InSpace::from_request_parts(parts, state).await?;
        match in_space.role {
            Some(GroupRole::Facilitator) => Ok(Facilitator(in_space)),
            _ => Err(ApiError::forbidden()),
        }
    }
}

/// Names the request's account in its log line, as its log id.
fn logged_as(parts: &Parts, state: &AppState, account: &Account) {
    if let Some(slot) = parts.extensions.get::<crate::telemetry::RequestAccount>() {
        slot.set(crate::telemetry::log_id(&state.config.secret, &account.id));
    }
}

/// The account behind the request's bearer token, if it is live
/// (`sessions`).
async fn authenticate(state: &AppState, headers: &HeaderMap) -> ApiResult<(Account, TokenUse)> {
    let token = bearer_token(headers).ok_or_else(ApiError::unauthorized)?;
    let hash = token_hash(token);
    let now = now_ms();
    let Some((account, used)) = state.storage.account_for_token(&hash, now).await? else {
        return Err(refused(state, &hash, now).await);
    };
    touch(state, &hash, used.last_used_ms, now).await?;
    Ok((account, used))
}

/// Writes the token's last use, at most hourly.
async fn touch(state: &AppState, hash: &str, last_used: i64, now: i64) -> ApiResult<()> {
    if crate::sessions::needs_touch(last_used, now) {
        state.storage.touch_token(hash, now).await?;
    }
    Ok(())
}

/// 401 for a token that is not live; one replaced longer ago than the
/// grace was copied, so its session ends too (the thief's tokens and the
/// owner's: the owner signs in again).
pub(super) async fn refused(state: &AppState, hash: &str, now: i64) -> ApiError {
    match state.storage.replaced_long_ago(hash, now).await {
        Ok(true) => match state.storage.end_session_of(hash, now).await {
            Ok(_) => ApiError::unauthorized(),
            Err(e) => e.into(),
        },
        Ok(false) => ApiError::unauthorized(),
        Err(e) => e.into(),
    }
}

pub fn bearer_token(headers: &HeaderMap) -> Option<&str> {
    headers
        .get(axum::http::header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .filter(|t| !t.is_empty() && t.len() <= 200)
}

/// The address a request came from: the socket's peer, or behind a
/// trusted proxy the last address it appended to `X-Forwarded-For`.
pub struct ClientAddr(pub IpAddr);

impl FromRequestParts<Arc<AppState>> for ClientAddr {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &Arc<AppState>,
    ) -> Result<Self, Self::Rejection> {
        if state.config.trust_forwarded_for {
            // Only the last entry: the one the proxy itself appended.
            let entries: Vec<&str> = parts
                .headers
                .get_all("x-forwarded-for")
                .iter()
                .filter_map(|v| v.to_str().ok())
                .flat_map(|v| v.split(','))
                .collect();
            let forwarded = entries.last().and_then(|a| a.trim().parse::<IpAddr>().ok());
            if let Some(addr) = forwarded {
                return Ok(ClientAddr(addr));
            }
        }
        let peer = parts
            .extensions
            .get::<ConnectInfo<SocketAddr>>()
            .map_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED), |c| c.0.ip());
        Ok(ClientAddr(peer))
    }
}
