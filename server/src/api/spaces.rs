//! The spaces an account reaches: its own, its groups, and (for a clinician)
//! the patients' spaces shared with it.

use super::{check_id, now_ms, small_json, ApiResult, AppState, Authed};
use crate::storage::SpaceKind;
use axum::body::Body;
use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use pph_protocol::wire::{
    ClinicianAccess, CreateGroupSpaceRequest, SpaceAccess, SpaceEntry, SpacesResponse,
};
use std::sync::Arc;

pub async fn list(
    State(state): State<Arc<AppState>>,
    Authed(account): Authed,
) -> ApiResult<Json<SpacesResponse>> {
    let mut spaces = Vec::new();
    let now = now_ms();
    for space in state.storage.member_spaces(&account.id).await? {
        let (devices, clinicians) = match space.kind {
            SpaceKind::Personal => (
                state.storage.device_names(&space.owner).await?,
                state
                    .storage
                    .grants_by_patient(&space.owner)
                    .await?
                    .into_iter()
                    .filter(|g| g.grant.revoked_ms.is_none() && g.grant.expires_ms > now)
                    .map(|g| ClinicianAccess {
                        account_id: g.grant.clinician_account,
                        scopes: g.grant.scopes,
                    })
                    .collect(),
            ),
            SpaceKind::Group => (Vec::new(), Vec::new()),
        };
        spaces.push(SpaceEntry {
            space: space.id,
            kind: space.kind,
            owner: space.owner,
            facilitators: space.facilitators,
            devices,
            access: SpaceAccess::Member,
            clinicians,
        });
    }
    for g in state
        .storage
        .live_grants_for_clinician(&account.id, now)
        .await?
    {
        spaces.push(SpaceEntry {
            space: g.patient_space,
            kind: SpaceKind::Personal,
            devices: state.storage.device_names(&g.grant.patient_account).await?,
            owner: g.grant.patient_account,
            facilitators: Vec::new(),
            clinicians: vec![ClinicianAccess {
                account_id: account.id.clone(),
                scopes: g.grant.scopes.clone(),
            }],
            access: SpaceAccess::Shared {
                share_id: g.grant.id,
                patient_name: g.patient_name,
                scopes: g.grant.scopes,
                expires_at_ms: g.grant.expires_ms,
            },
        });
    }
    Ok(Json(SpacesResponse { spaces }))
}

pub async fn create_group(
    State(state): State<Arc<AppState>>,
    Authed(account): Authed,
    body: Body,
) -> ApiResult<StatusCode> {
    let req: CreateGroupSpaceRequest = small_json(body).await?;
    check_id("space", &req.space)?;
    let founding =
        super::admissions::founding(&state, &account.id, &req.space, &req.founding).await?;
    state
        .storage
        .create_group_space(&req.space, &account.id, &founding)
        .await?;
    Ok(StatusCode::CREATED)
}
