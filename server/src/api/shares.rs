//! A patient's grants of read access to a clinician.

use super::{check_id, now_ms, small_json, ApiError, ApiResult, AppState, Authed};
use crate::storage::{Account, Grant, StorageError};
use axum::body::Body;
use axum::extract::rejection::PathRejection;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Json;
use pph_protocol::identity::signed_grant;
use pph_protocol::sealed::SignedGrant;
use pph_protocol::wire::{
    AccessLogResponse, ClinicianLookupRequest, ClinicianLookupResponse, ErrorCode,
    GrantShareRequest, Role, ShareAccessResponse, ShareResponse, SharesResponse,
};
use std::sync::Arc;

/// A share lasts at most a year; the patient can grant again.
const MAX_SHARE_MS: i64 = 366 * 24 * 60 * 60 * 1000;

/// The clinician account behind an email, for this account's device to
/// sign a grant to (`POST /v1/clinicians/lookup`); patients only.
pub async fn lookup(
    State(state): State<Arc<AppState>>,
    Authed(patient): Authed,
    body: Body,
) -> ApiResult<Json<ClinicianLookupResponse>> {
    if patient.role != Role::Patient {
        return Err(ApiError::forbidden());
    }
    let req: ClinicianLookupRequest = small_json(body).await?;
    let clinician = clinician_by_email(&state, &patient.id, &req.email).await?;
    let verified = verified(&state, &clinician).await?;
    Ok(Json(ClinicianLookupResponse {
        account_id: clinician.id,
        verified,
    }))
}

/// Whether the operator vouches for `clinician` (every clinician, on a
/// closed relay that says so).
async fn verified(state: &AppState, clinician: &Account) -> ApiResult<bool> {
    Ok(state.config.verify_every_clinician
        || state.storage.clinician_verified(&clinician.id).await?)
}

/// The clinician with `email`, looked up by the patient `asking`: every
/// answer that names an email (a lookup, a grant) is counted before it is
/// given and given back when there is a clinician, so only misses count
/// (`rate_limit::CLINICIAN_LOOKUPS`; the twenty-seventh attacker run probed
/// through grants once lookups were limited).
async fn clinician_by_email(state: &AppState, asking: &str, email: &str) -> ApiResult<Account> {
    let key = crate::rate_limit::lookup_key(asking);
    state
        .take_attempt(&key, crate::rate_limit::CLINICIAN_LOOKUPS)
        .await?;
    let clinician = state
        .storage
        .account_by_email(&email.trim().to_lowercase())
        .await?
        .filter(|a| a.role == Role::Clinician)
        .ok_or_else(|| ApiError::new(ErrorCode::NotFound, "no clinician with this email"))?;
    state.storage.refund_attempt(&key).await?;
    Ok(clinician)
}

/// A share, as its patient's device signed it: refused unless the
/// signature is the patient's identity's over this very grant, so that the
/// relay stores only grants the patient's devices will honour.
pub async fn grant(
    State(state): State<Arc<AppState>>,
    Authed(patient): Authed,
    body: Body,
) -> ApiResult<(StatusCode, Json<ShareResponse>)> {
    if patient.role != Role::Patient {
        return Err(ApiError::forbidden());
    }
    let req: GrantShareRequest = small_json(body).await?;
    let mut scopes = req.scopes;
    scopes.sort_unstable();
    scopes.dedup();
    if scopes.is_empty() {
        return Err(ApiError::invalid("scopes must name at least one scope"));
    }
    let now = now_ms();
    if req.expires_at_ms <= now || req.expires_at_ms > now + MAX_SHARE_MS {
        return Err(ApiError::invalid(
            "expires_at_ms must be in the future and within a year",
        ));
    }
    check_id("share_id", &req.share_id)?;
    let clinician = clinician_by_email(&state, &patient.id, &req.clinician_email).await?;
    // Anyone can sign up as a clinician; only one the operator vouches for
    // receives a share (docs/SECURITY.md).
    if !verified(&state, &clinician).await? {
        return Err(ApiError::new(
            ErrorCode::Forbidden,
            "this clinician's account is not verified by the relay's operator: \
             nothing was shared; ask the clinician's organisation to have it verified",
        ));
    }
    if clinician.id != req.clinician_account {
        return Err(ApiError::new(
            ErrorCode::Conflict,
            "this email names another clinician account now: look it up and sign again",
        ));
    }
    let identity = state
        .storage
        .account_keys(&patient.id)
        .await?
        .and_then(|(keys, _)| keys.identity)
        .ok_or_else(|| ApiError::invalid("this account has no identity yet: sign in again"))?;
    let grant = Grant {
        id: req.share_id,
        patient_account: patient.id,
        clinician_account: clinician.id.clone(),
        scopes,
        created_ms: now,
        expires_ms: req.expires_at_ms,
        revoked_ms: None,
        signature: Some(req.signature),
    };
    let signed = SignedGrant {
        share_id: grant.id.clone(),
        clinician: grant.clinician_account.clone(),
        scopes: grant.scopes.clone(),
        expires_at_ms: grant.expires_ms,
        signature: grant.signature.clone().unwrap_or_default(),
    };
    if !signed_grant(&identity, &grant.patient_account, &signed) {
        return Err(ApiError::invalid(
            "signature: not this account's identity's signature of this grant",
        ));
    }
    state
        .storage
        .create_grant(&grant)
        .await
        .map_err(|e| match e {
            StorageError::Conflict => {
                ApiError::new(ErrorCode::Conflict, "a share with this id exists already")
            }
            other => other.into(),
        })?;
    Ok((
        StatusCode::CREATED,
        Json(ShareResponse {
            share_id: grant.id,
            clinician_account: clinician.id,
            clinician_email: clinician.email,
            clinician_name: clinician.display_name,
            scopes: grant.scopes,
            created_at_ms: grant.created_ms,
            expires_at_ms: grant.expires_ms,
            revoked: false,
        }),
    ))
}

pub async fn list(
    State(state): State<Arc<AppState>>,
    Authed(patient): Authed,
) -> ApiResult<Json<SharesResponse>> {
    let shares = state
        .storage
        .grants_by_patient(&patient.id)
        .await?
        .into_iter()
        .map(|g| ShareResponse {
            share_id: g.grant.id,
            clinician_account: g.grant.clinician_account.clone(),
            clinician_email: g.clinician_email,
            clinician_name: g.clinician_name,
            scopes: g.grant.scopes,
            created_at_ms: g.grant.created_ms,
            expires_at_ms: g.grant.expires_ms,
            revoked: g.grant.revoked_ms.is_some(),
        })
        .collect();
    Ok(Json(SharesResponse { shares }))
}

/// Every sitting in which a clinician read this patient's shared records.
pub async fn access_log(
    State(state): State<Arc<AppState>>,
    Authed(patient): Authed,
) -> ApiResult<Json<AccessLogResponse>> {
    let accesses = state
        .storage
        .access_log(&patient.id)
        .await?
        .into_iter()
        .map(|a| ShareAccessResponse {
            clinician_email: a.clinician_email,
            clinician_name: a.clinician_name,
            scopes: a.scopes,
            first_at_ms: a.first_ms,
            last_at_ms: a.last_ms,
            requests: a.requests,
            records: a.records,
        })
        .collect();
    Ok(Json(AccessLogResponse { accesses }))
}

pub async fn revoke(
    State(state): State<Arc<AppState>>,
    Authed(patient): Authed,
    id: Result<Path<String>, PathRejection>,
) -> ApiResult<StatusCode> {
    let Path(id) = id.map_err(|_| ApiError::invalid("share id must be a UUID"))?;
    check_id("share id", &id)?;
    if !state
        .storage
        .revoke_grant(&id, &patient.id, now_ms())
        .await?
    {
        return Err(ApiError::new(ErrorCode::NotFound, "no such share"));
    }
    Ok(StatusCode::NO_CONTENT)
}
