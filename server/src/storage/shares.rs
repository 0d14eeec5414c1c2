//! Shares: a patient's grants of scopes of their record to a clinician,
//! and the log of the clinicians' reads that the patient sees.

use super::db::{Db, Row};
use super::*;

fn grant(row: &Row) -> Result<Grant> {
    Ok(Grant {
        id: row.text(0)?,
        patient_account: row.text(1)?,
        clinician_account: row.text(2)?,
        scopes: parse_scopes(&row.text(3)?)?,
        created_ms: row.int(4)?,
        expires_ms: row.int(5)?,
        revoked_ms: row.opt_int(6)?,
        signature: row.opt_text(7)?,
    })
}

pub(crate) async fn create_grant(db: &mut Db<'_>, g: &Grant) -> Result<()> {
    let scopes = scopes_text(&g.scopes);
    db.execute(
        "INSERT INTO shares (id, patient_account, clinician_account, scopes, created_ms,
                             expires_ms, revoked_ms, signature)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        &[
            &g.id,
            &g.patient_account,
            &g.clinician_account,
            &scopes,
            &g.created_ms,
            &g.expires_ms,
            &g.revoked_ms,
            &g.signature,
        ],
    )
    .await?;
    Ok(())
}

pub(crate) async fn revoke_grant(
    db: &mut Db<'_>,
    id: &str,
    patient: &str,
    now_ms: i64,
) -> Result<bool> {
    let owned = db
        .exists(
            "SELECT 1 FROM shares WHERE id = $1 AND patient_account = $2",
            &[&id, &patient],
        )
        .await?;
    db.execute(
        "UPDATE shares SET revoked_ms = $3
         WHERE id = $1 AND patient_account = $2 AND revoked_ms IS NULL",
        &[&id, &patient, &now_ms],
    )
    .await?;
    Ok(owned)
}

pub(crate) async fn grants_by_patient(db: &mut Db<'_>, patient: &str) -> Result<Vec<PatientGrant>> {
    let rows = db
        .query(
            "SELECT s.id, s.patient_account, s.clinician_account, s.scopes, s.created_ms,
                    s.expires_ms, s.revoked_ms, s.signature, c.email, c.display_name
             FROM shares s JOIN accounts c ON c.id = s.clinician_account
             WHERE s.patient_account = $1 ORDER BY s.created_ms, s.id",
            &[&patient],
        )
        .await?;
    rows.iter()
        .map(|r| {
            Ok(PatientGrant {
                grant: grant(r)?,
                clinician_email: r.text(8)?,
                clinician_name: r.text(9)?,
            })
        })
        .collect()
}

pub(crate) async fn live_grants_for_clinician(
    db: &mut Db<'_>,
    clinician: &str,
    now_ms: i64,
) -> Result<Vec<ClinicianGrant>> {
    let rows = db
        .query(
            "SELECT s.id, s.patient_account, s.clinician_account, s.scopes, s.created_ms,
                    s.expires_ms, s.revoked_ms, s.signature, p.personal_space, p.display_name
             FROM shares s JOIN accounts p ON p.id = s.patient_account
             WHERE s.clinician_account = $1 AND s.revoked_ms IS NULL AND s.expires_ms > $2
               AND s.signature IS NOT NULL
             ORDER BY s.created_ms, s.id",
            &[&clinician, &now_ms],
        )
        .await?;
    rows.iter()
        .map(|r| {
            Ok(ClinicianGrant {
                grant: grant(r)?,
                patient_space: r.text(8)?,
                patient_name: r.text(9)?,
            })
        })
        .collect()
}

pub(crate) async fn record_access(db: &mut Db<'_>, a: &Access) -> Result<()> {
    let scopes = scopes_text(&a.scopes);
    let extended = db
        .execute(
            "UPDATE share_accesses
             SET last_ms = $4, requests = requests + 1, records = records + $5
             WHERE id = (SELECT id FROM share_accesses
                         WHERE patient_account = $1 AND clinician_account = $2 AND scopes = $3
                           AND last_ms >= $6
                         ORDER BY last_ms DESC LIMIT 1)",
            &[
                &a.patient_account,
                &a.clinician_account,
                &scopes,
                &a.at_ms,
                &a.records,
                &(a.at_ms - ACCESS_SITTING_MS),
            ],
        )
        .await?;
    if extended == 0 {
        let id = uuid::Uuid::new_v4().to_string();
        db.execute(
            "INSERT INTO share_accesses
               (id, patient_account, clinician_account, scopes, first_ms, last_ms, requests, records)
             VALUES ($1, $2, $3, $4, $5, $5, 1, $6)",
            &[
                &id,
                &a.patient_account,
                &a.clinician_account,
                &scopes,
                &a.at_ms,
                &a.records,
            ],
        )
        .await?;
    }
    Ok(())
}

/// Every sitting in which a clinician read the patient's records, newest
/// first.
pub(crate) async fn access_log(db: &mut Db<'_>, patient: &str) -> Result<Vec<AccessEntry>> {
    let rows = db
        .query(
            "SELECT c.email, c.display_name, a.scopes, a.first_ms, a.last_ms, a.requests,
                    a.records
             FROM share_accesses a JOIN accounts c ON c.id = a.clinician_account
             WHERE a.patient_account = $1 ORDER BY a.last_ms DESC, a.first_ms DESC, a.id",
            &[&patient],
        )
        .await?;
    rows.iter()
        .map(|r| {
            Ok(AccessEntry {
                clinician_email: r.text(0)?,
                clinician_name: r.text(1)?,
                scopes: parse_scopes(&r.text(2)?)?,
                first_ms: r.int(3)?,
                last_ms: r.int(4)?,
                requests: r.int(5)?,
                records: r.int(6)?,
            })
        })
        .collect()
}
