//! The sync client's rows in the store: the signed-in account and its token,
//! pull cursors, the clinician's shared patients, and attempt outcomes.

use super::merge::{self, ApplyReport, Authored};
use super::model::{AccountInfo, AccountRole, SetAsideChange, ShareScope, SharedPatient};
use crate::error::{PphError, Result};
use crate::store::authz::{self, SpaceFacts};
use crate::store::Store;
use pph_protocol::wire::DeviceName;
use rusqlite::OptionalExtension;

/// The account a store is signed in to (the token only while valid).
#[derive(Clone, Debug)]
pub(crate) struct Session {
    pub info: AccountInfo,
    pub token: Option<String>,
}

#[derive(Clone, Debug, Default)]
pub(crate) struct Attempts {
    pub last_success_ms: Option<u64>,
    pub failures: u32,
    pub last_error: Option<String>,
    pub next_retry_ms: Option<u64>,
}

fn role_name(role: AccountRole) -> &'static str {
    match role {
        AccountRole::Patient => "patient",
        AccountRole::Clinician => "clinician",
    }
}

fn scope_names(scopes: &[ShareScope]) -> String {
    serde_json::to_string(
        &scopes
            .iter()
            .map(|s| pph_protocol::wire::Scope::from(*s))
            .collect::<Vec<_>>(),
    )
    .unwrap_or_default()
}

fn parse_scopes(text: &str) -> Vec<ShareScope> {
    serde_json::from_str::<Vec<pph_protocol::wire::Scope>>(text)
        .map(|v| v.into_iter().map(ShareScope::from).collect())
        .unwrap_or_default()
}

impl Store {
    pub(crate) fn session(&self) -> Result<Option<Session>> {
        let personal_space = self.personal_space();
        self.read(|conn| {
            conn.query_row(
                "SELECT server_url, token, account_id, email, display_name, role FROM sync_account",
                [],
                |r| {
                    let role: String = r.get(5)?;
                    Ok(Session {
                        info: AccountInfo {
                            server_url: r.get(0)?,
                            account_id: r.get(2)?,
                            email: r.get(3)?,
                            display_name: r.get(4)?,
                            role: if role == "clinician" {
                                AccountRole::Clinician
                            } else {
                                AccountRole::Patient
                            },
                            personal_space: personal_space.clone(),
                        },
                        token: r.get(1)?,
                    })
                },
            )
            .optional()
            .map_err(Into::into)
        })
    }

    /// The session and its token, or `Unauthorized` when signed out.
    pub(crate) fn signed_in(&self) -> std::result::Result<(Session, String), PphError> {
        let session = self.session()?.ok_or(PphError::Unauthorized)?;
        let token = session.token.clone().ok_or(PphError::Unauthorized)?;
        Ok((session, token))
    }

    /// Records a new session. A store signed in to one account cannot be
    /// signed in to another: its records belong to the first.
    pub(crate) fn save_session(&self, info: &AccountInfo, token: &str) -> Result<()> {
        if let Some(existing) = self.session()? {
            if existing.info.account_id != info.account_id {
                return Err(PphError::Conflict {
                    reason: "this store belongs to another account".into(),
                }
                .into());
            }
        }
        self.adopt_personal_space(&info.personal_space)?;
        self.write(|tx| {
            tx.tx.execute(
                "INSERT INTO sync_account (id, server_url, token, account_id, email, display_name, role)
                 VALUES (1, ?1, ?2, ?3, ?4, ?5, ?6)
                 ON CONFLICT (id) DO UPDATE SET server_url = excluded.server_url,
                   token = excluded.token, email = excluded.email,
                   display_name = excluded.display_name, role = excluded.role",
                (
                    &info.server_url,
                    token,
                    &info.account_id,
                    &info.email,
                    &info.display_name,
                    role_name(info.role),
                ),
            )?;
            Ok(())
        })
    }

    /// Forgets the token (sign-out, or the server refused it); the account
    /// and its records stay.
    pub(crate) fn clear_token(&self) -> Result<()> {
        self.write(|tx| {
            tx.tx.execute("UPDATE sync_account SET token = NULL", [])?;
            Ok(())
        })
    }

    pub(crate) fn attempts(&self) -> Result<Attempts> {
        self.read(|conn| {
            Ok(conn.query_row(
                "SELECT last_success_ms, failures, last_error, next_retry_ms FROM sync_state",
                [],
                |r| {
                    Ok(Attempts {
                        last_success_ms: r.get::<_, Option<i64>>(0)?.map(|v| v as u64),
                        failures: r.get(1)?,
                        last_error: r.get(2)?,
                        next_retry_ms: r.get::<_, Option<i64>>(3)?.map(|v| v as u64),
                    })
                },
            )?)
        })
    }

    pub(crate) fn save_attempts(&self, a: &Attempts) -> Result<()> {
        self.write(|tx| {
            tx.tx.execute(
                "UPDATE sync_state SET last_success_ms = ?1, failures = ?2, last_error = ?3, next_retry_ms = ?4",
                (
                    a.last_success_ms.map(|v| v as i64),
                    a.failures,
                    &a.last_error,
                    a.next_retry_ms.map(|v| v as i64),
                ),
            )?;
            Ok(())
        })
    }

    pub(crate) fn cursor(&self, space: &str) -> Result<i64> {
        self.read(|conn| {
            Ok(conn
                .prepare_cached("SELECT next_seq FROM sync_cursors WHERE space = ?1")?
                .query_row([space], |r| r.get(0))
                .optional()?
                .unwrap_or(0))
        })
    }

    /// Applies one page pulled from `source` and moves the space's cursor
    /// past it, in one transaction: a crash leaves either both or neither.
    pub(crate) fn apply_page(
        &self,
        source: &SpaceFacts,
        changes: &[Authored],
        next: i64,
    ) -> Result<ApplyReport> {
        self.write(|tx| {
            let report = merge::apply(tx, source, changes)?;
            tx.tx
                .prepare_cached(
                    "INSERT INTO sync_cursors (space, next_seq) VALUES (?1, ?2)
                     ON CONFLICT (space) DO UPDATE SET next_seq = excluded.next_seq",
                )?
                .execute((&source.space, next))?;
            Ok(report)
        })
    }

    /// Records the spaces this account reaches as the server describes
    /// them (whose, and who facilitates), for judging changes.
    pub(crate) fn save_spaces(&self, spaces: &[SpaceFacts]) -> Result<()> {
        self.write(|tx| authz::save_spaces(tx.tx, spaces))
    }

    /// Records the names the server knows for a person's devices, for
    /// history.
    pub(crate) fn save_device_names(&self, devices: &[DeviceName]) -> Result<()> {
        if devices.is_empty() {
            return Ok(());
        }
        self.write(|tx| {
            let mut upsert = tx.tx.prepare_cached(
                "INSERT INTO device_names (node, name) VALUES (?1, ?2)
                 ON CONFLICT (node) DO UPDATE SET name = excluded.name WHERE name <> excluded.name",
            )?;
            for d in devices {
                upsert.execute((&d.node, &d.name))?;
            }
            Ok(())
        })
    }

    /// Records one space made on this device, before the next sync.
    pub(crate) fn add_space(&self, space: &SpaceFacts) -> Result<()> {
        self.write(|tx| authz::add_space(tx.tx, space))
    }

    /// Sets changes aside that the server refused for good, with why.
    pub(crate) fn refuse(&self, change_ids: &[String], reason: &str) -> Result<()> {
        let ids = serde_json::to_string(change_ids)?;
        self.write(|tx| {
            tx.tx
                .prepare_cached(
                    "UPDATE change_log SET refused = ?2
                     WHERE change_id IN (SELECT value FROM json_each(?1))",
                )?
                .execute((ids, reason))?;
            Ok(())
        })
    }

    /// Puts a record's refused changes back in the outbox.
    pub(crate) fn retry_refused(&self, entity_id: &str) -> Result<u32> {
        self.write(|tx| {
            Ok(tx.tx.execute(
                "UPDATE change_log SET refused = NULL
                 WHERE entity_id = ?1 AND synced = 0 AND refused IS NOT NULL",
                [entity_id],
            )? as u32)
        })
    }

    pub(crate) fn refused_changes(&self) -> Result<u64> {
        self.read(|conn| {
            Ok(conn.query_row(
                "SELECT count(*) FROM change_log WHERE synced = 0 AND refused IS NOT NULL",
                [],
                |r| r.get::<_, i64>(0),
            )? as u64)
        })
    }

    pub(crate) fn set_aside_changes(&self) -> Result<Vec<SetAsideChange>> {
        self.read(|conn| {
            let mut stmt = conn.prepare_cached(
                "SELECT change_id, space, entity_type, entity_id, author, rule, set_aside_ms
                 FROM sync_set_aside ORDER BY set_aside_ms DESC, change_id",
            )?;
            let rows = stmt.query_map([], |r| {
                Ok(SetAsideChange {
                    change_id: r.get(0)?,
                    space: r.get(1)?,
                    entity_type: r.get(2)?,
                    entity_id: r.get(3)?,
                    author: r.get(4)?,
                    rule: r.get(5)?,
                    set_aside_ms: r.get::<_, i64>(6)? as u64,
                })
            })?;
            Ok(rows.collect::<rusqlite::Result<_>>()?)
        })
    }

    pub(crate) fn shared_patients(&self) -> Result<Vec<SharedPatient>> {
        self.read(|conn| {
            let mut stmt = conn.prepare_cached(
                "SELECT space, patient_name, share_id, scopes, expires_at_ms, synced_at_ms
                 FROM sync_shared ORDER BY patient_name, space",
            )?;
            let rows = stmt.query_map([], |r| {
                Ok(SharedPatient {
                    patient_space: r.get(0)?,
                    patient_name: r.get(1)?,
                    share_id: r.get(2)?,
                    scopes: parse_scopes(&r.get::<_, String>(3)?),
                    expires_at_ms: r.get(4)?,
                    last_synced_ms: r.get::<_, Option<i64>>(5)?.map(|v| v as u64),
                })
            })?;
            Ok(rows.collect::<rusqlite::Result<_>>()?)
        })
    }

    /// Replaces the list of shared patients with what the server granted now.
    pub(crate) fn save_shared_patients(&self, patients: &[SharedPatient]) -> Result<()> {
        self.write(|tx| {
            tx.tx.execute("DELETE FROM sync_shared", [])?;
            let mut insert = tx.tx.prepare_cached(
                "INSERT INTO sync_shared (space, patient_name, share_id, scopes, expires_at_ms, synced_at_ms)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            )?;
            for p in patients {
                insert.execute((
                    &p.patient_space,
                    &p.patient_name,
                    &p.share_id,
                    scope_names(&p.scopes),
                    p.expires_at_ms,
                    p.last_synced_ms.map(|v| v as i64),
                ))?;
            }
            Ok(())
        })
    }
}
