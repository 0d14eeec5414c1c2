//! What the relay holds about one account, for a subject-access request
//! (UK GDPR article 15), as `pph-server admin subject-access` prints it.
//!
//! Invariant: no sealed content. The relay cannot read what a person's
//! devices sealed (their records, messages, their keys wrapped under the
//! password and recovery code), so it gives what it can read: the account's
//! details, its devices and sessions, the spaces it is in, how many changes
//! it pushed to each and how large they are, its public keys, the shares
//! it gave or received (in force or not), who read its shared record when
//! and what it read of others', and the limits' counters that name its
//! email (with a client's address) for their fifteen minutes. The person's
//! records themselves are on their devices, which export them (`pph
//! export`).

use crate::storage::{Account, Storage};
use serde_json::{json, Value};

pub async fn report(storage: &Storage, account: &Account) -> Result<Value, String> {
    let id = &account.id;
    let e = |e: crate::storage::StorageError| e.to_string();
    let keys = storage.account_keys(id).await.map_err(e)?;
    let spaces = storage.member_spaces(id).await.map_err(e)?;
    let mut memberships = Vec::new();
    for space in &spaces {
        memberships.push(json!({
            "space": space.id,
            "kind": space.kind,
            "owner": space.owner == *id,
            "role": storage.member_role(&space.id, id).await.map_err(e)?,
        }));
    }
    let authored = storage.authored(id).await.map_err(e)?;
    let sessions = storage.session_records(id).await.map_err(e)?;
    let given: Vec<Value> = storage
        .grants_by_patient(id)
        .await
        .map_err(e)?
        .into_iter()
        .map(|g| {
            json!({
                "share": g.grant.id,
                "to": g.clinician_email,
                "to_name": g.clinician_name,
                "scopes": g.grant.scopes,
                "created_ms": g.grant.created_ms,
                "expires_ms": g.grant.expires_ms,
                "revoked_ms": g.grant.revoked_ms,
            })
        })
        .collect();
    // Revoked and expired shares too, and what the account read through
    // them (the twenty-eighth attacker run found both held and not given).
    let received = storage.shares_received(id).await.map_err(e)?;
    let reads_made = storage.reads_made(id).await.map_err(e)?;
    let counters = storage
        .counters_naming(
            &crate::rate_limit::mail_key(&account.email),
            &crate::rate_limit::sign_in_prefix(&account.email),
        )
        .await
        .map_err(e)?;
    let read_by: Vec<Value> = storage
        .access_log(id)
        .await
        .map_err(e)?
        .into_iter()
        .map(|a| {
            json!({
                "clinician": a.clinician_email,
                "clinician_name": a.clinician_name,
                "scopes": a.scopes,
                "first_ms": a.first_ms,
                "last_ms": a.last_ms,
                "requests": a.requests,
                "records": a.records,
            })
        })
        .collect();
    Ok(json!({
        "about": "What this relay holds about one account. Records, messages and keys are sealed on the person's devices: the relay cannot read them, so they are counted here, not given; the devices export them.",
        "account": {
            "id": id,
            "email": account.email,
            "display_name": account.display_name,
            "role": account.role,
            "personal_space": account.personal_space,
            "created_ms": account.created_ms,
            "locked": storage.is_locked(id).await.map_err(e)?,
            "verified_clinician": storage.clinician_verified(id).await.map_err(e)?,
            "password": "held only as an Argon2id hash of the device's stretch",
        },
        "public_keys": keys.as_ref().map(|(k, _)| json!({
            "public_key": k.public_key,
            "identity": k.identity,
        })),
        "sessions": sessions,
        "spaces": memberships,
        "changes_pushed": authored,
        "shares_given": given,
        "shares_received": received,
        "shared_record_read_by": read_by,
        "shared_records_read": reads_made,
        "limit_counters": counters,
    }))
}
