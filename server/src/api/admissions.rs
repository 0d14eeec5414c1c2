//! The relay's checks of what a device signs to admit someone to a group
//! (docs/adr/0020). Every device checks the same chain itself and takes
//! no member the relay adds; these refuse a client's mistake early, so that
//! nothing is stored that no device would take.

use super::keys::identity_of;
use super::{ApiError, ApiResult, AppState};
use pph_protocol::admission::{
    answers, depth, founds, invite_signed, Admission, Invite, MAX_CHAIN,
};
use pph_protocol::wire::ErrorCode;

fn no_identity() -> ApiError {
    ApiError::new(
        ErrorCode::Conflict,
        "this account has no identity yet: sign in on a device first",
    )
}

/// Whether `a` is the caller's, with the identity their keys carry.
async fn own(state: &AppState, account: &str, a: &Admission) -> ApiResult<()> {
    let Some(identity) = identity_of(state, account).await? else {
        return Err(no_identity());
    };
    if a.account_id != account || a.identity != identity {
        return Err(ApiError::invalid(
            "admission: not this account's, with its identity",
        ));
    }
    Ok(())
}

fn json<T: serde::Serialize>(value: &T) -> ApiResult<String> {
    serde_json::to_string(value).map_err(|_| ApiError::new(ErrorCode::Internal, "encoding"))
}

/// The founder's admission to `space` as stored: the caller's own, signed.
pub async fn founding(
    state: &AppState,
    account: &str,
    space: &str,
    a: &Admission,
) -> ApiResult<String> {
    own(state, account, a).await?;
    if !founds(space, a) {
        return Err(ApiError::invalid(
            "founding: not signed by its founder for this group",
        ));
    }
    json(a)
}

/// `invite` as stored: to `space`, from the caller's own admission as the
/// relay keeps it (`kept`, JSON), signed by their identity and the
/// invite's key.
pub async fn invite(
    state: &AppState,
    account: &str,
    space: &str,
    kept: Option<&str>,
    invite: &Invite,
) -> ApiResult<String> {
    let Some(identity) = identity_of(state, account).await? else {
        return Err(no_identity());
    };
    if invite.by.identity != identity {
        return Err(ApiError::invalid("invite.by: not your identity"));
    }
    // As an invite carries it: without its account id.
    let kept: Option<Admission> =
        kept.and_then(|k| serde_json::from_str(k).ok())
            .map(|a| Admission {
                account_id: String::new(),
                ..a
            });
    if kept.as_ref() != Some(&*invite.by) {
        return Err(ApiError::new(
            ErrorCode::Conflict,
            "invite.by: not your admission to this group as the relay keeps it \
             (a group from before admissions: make a new group)",
        ));
    }
    if depth(&invite.by) >= MAX_CHAIN {
        return Err(ApiError::new(
            ErrorCode::Conflict,
            "invite: this chain of invites is as long as a device checks; \
             a facilitator admitted nearer the group's founder makes the code",
        ));
    }
    if !invite_signed(space, invite) {
        return Err(ApiError::invalid(
            "invite: not signed by its key and your identity for this group",
        ));
    }
    json(invite)
}

/// The newcomer's admission as stored: the caller's own, answering the
/// code's invite (`kept`, JSON), which the relay adds.
pub async fn admission(
    state: &AppState,
    account: &str,
    kept: &str,
    mut a: Admission,
) -> ApiResult<String> {
    own(state, account, &a).await?;
    let invite: Invite = serde_json::from_str(kept)
        .map_err(|_| ApiError::new(ErrorCode::Internal, "a stored invite does not read"))?;
    if a.via.is_some() || !answers(&a, &invite) {
        return Err(ApiError::invalid(
            "admission: does not answer this code's invite (check the code's second half)",
        ));
    }
    a.via = Some(Box::new(invite));
    json(&a)
}
