//! The embedded backend: one SQLite file, one connection, calls on tokio's
//! blocking pool. A push is one IMMEDIATE transaction, so it is stored whole
//! or not at all whatever happens to the process.

use super::*;
use rusqlite::{Connection, OptionalExtension, Row, TransactionBehavior};
use std::path::Path;
use std::sync::{Arc, Mutex};

pub struct SqliteStorage {
    conn: Arc<Mutex<Connection>>,
}

impl From<rusqlite::Error> for StorageError {
    fn from(e: rusqlite::Error) -> Self {
        match e.sqlite_error_code() {
            Some(rusqlite::ErrorCode::ConstraintViolation) => StorageError::Conflict,
            Some(code) => StorageError::Backend(format!("sqlite {code:?}")),
            None => StorageError::Backend("sqlite client".into()),
        }
    }
}

const ACCOUNT_COLUMNS: &str =
    "a.id, a.email, a.display_name, a.role, a.personal_space, a.password_hash, a.created_ms";

/// A stored value this server cannot read back (an unknown role or scope),
/// as a rusqlite error so it can be raised inside a row mapper.
fn unreadable(column: usize, e: StorageError) -> rusqlite::Error {
    rusqlite::Error::FromSqlConversionFailure(column, rusqlite::types::Type::Text, Box::new(e))
}

fn account(row: &Row<'_>) -> rusqlite::Result<Account> {
    Ok(Account {
        id: row.get(0)?,
        email: row.get(1)?,
        display_name: row.get(2)?,
        role: parse_role(&row.get::<_, String>(3)?).map_err(|e| unreadable(3, e))?,
        personal_space: row.get(4)?,
        password_hash: row.get(5)?,
        created_ms: row.get(6)?,
    })
}

const GRANT_COLUMNS: &str =
    "s.id, s.patient_account, s.clinician_account, s.scopes, s.created_ms, s.expires_ms, s.revoked_ms";

fn grant(row: &Row<'_>) -> rusqlite::Result<Grant> {
    Ok(Grant {
        id: row.get(0)?,
        patient_account: row.get(1)?,
        clinician_account: row.get(2)?,
        scopes: parse_scopes(&row.get::<_, String>(3)?).map_err(|e| unreadable(3, e))?,
        created_ms: row.get(4)?,
        expires_ms: row.get(5)?,
        revoked_ms: row.get(6)?,
    })
}

fn migrate(conn: &mut Connection) -> Result<()> {
    conn.execute_batch(MIGRATIONS_TABLE)?;
    for (version, sql) in MIGRATIONS {
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let done = tx
            .prepare("SELECT 1 FROM schema_migrations WHERE version = ?1")?
            .exists([version])?;
        if !done {
            tx.execute_batch(sql)?;
            tx.execute(
                "INSERT INTO schema_migrations (version, applied_ms) VALUES (?1, ?2)",
                (version, crate::now_ms()),
            )?;
        }
        tx.commit()?;
    }
    Ok(())
}

impl SqliteStorage {
    pub fn open(path: &Path) -> Result<Self> {
        let mut conn = Connection::open(path)?;
        conn.execute_batch(
            "PRAGMA journal_mode = WAL;
             PRAGMA synchronous = FULL;
             PRAGMA foreign_keys = ON;
             PRAGMA busy_timeout = 5000;",
        )?;
        migrate(&mut conn)?;
        Ok(SqliteStorage {
            conn: Arc::new(Mutex::new(conn)),
        })
    }

    async fn run<T: Send + 'static>(
        &self,
        f: impl FnOnce(&mut Connection) -> Result<T> + Send + 'static,
    ) -> Result<T> {
        let conn = self.conn.clone();
        tokio::task::spawn_blocking(move || {
            let mut guard = conn
                .lock()
                .map_err(|_| StorageError::Backend("connection lock poisoned".into()))?;
            f(&mut guard)
        })
        .await
        .map_err(|_| StorageError::Backend("blocking task failed".into()))?
    }
}

#[async_trait]
impl Storage for SqliteStorage {
    async fn schema_version(&self) -> Result<i64> {
        self.run(|conn| {
            Ok(conn.query_row(
                "SELECT coalesce(max(version), 0) FROM schema_migrations",
                [],
                |r| r.get(0),
            )?)
        })
        .await
    }

    async fn create_account(&self, a: &Account) -> Result<()> {
        let a = a.clone();
        self.run(move |conn| {
            let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
            tx.execute(
                "INSERT INTO accounts (id, email, display_name, role, personal_space, password_hash, created_ms)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                (&a.id, &a.email, &a.display_name, role_name(a.role), &a.personal_space, &a.password_hash, a.created_ms),
            )?;
            tx.execute(
                "INSERT INTO spaces (id, kind, owner) VALUES (?1, ?2, ?3)",
                (&a.personal_space, space_kind_name(SpaceKind::Personal), &a.id),
            )?;
            tx.execute(
                "INSERT INTO space_members (space, account_id) VALUES (?1, ?2)",
                (&a.personal_space, &a.id),
            )?;
            tx.commit()?;
            Ok(())
        })
        .await
    }

    async fn account_by_email(&self, email: &str) -> Result<Option<Account>> {
        let email = email.to_owned();
        self.run(move |conn| {
            let sql = format!("SELECT {ACCOUNT_COLUMNS} FROM accounts a WHERE a.email = ?1");
            conn.query_row(&sql, [email], account)
                .optional()
                .map_err(Into::into)
        })
        .await
    }

    async fn add_token(
        &self,
        token_hash: &str,
        account_id: &str,
        device_name: &str,
        now_ms: i64,
    ) -> Result<()> {
        let args = (
            token_hash.to_owned(),
            account_id.to_owned(),
            device_name.to_owned(),
        );
        self.run(move |conn| {
            conn.execute(
                "INSERT INTO device_tokens (token_hash, account_id, device_name, created_ms)
                 VALUES (?1, ?2, ?3, ?4)",
                (&args.0, &args.1, &args.2, now_ms),
            )?;
            Ok(())
        })
        .await
    }

    async fn account_for_token(&self, token_hash: &str) -> Result<Option<Account>> {
        let token_hash = token_hash.to_owned();
        self.run(move |conn| {
            let sql = format!(
                "SELECT {ACCOUNT_COLUMNS} FROM device_tokens t JOIN accounts a ON a.id = t.account_id
                 WHERE t.token_hash = ?1 AND t.revoked_ms IS NULL"
            );
            conn.prepare_cached(&sql)?
                .query_row([token_hash], account)
                .optional()
                .map_err(Into::into)
        })
        .await
    }

    async fn revoke_token(&self, token_hash: &str, now_ms: i64) -> Result<()> {
        let token_hash = token_hash.to_owned();
        self.run(move |conn| {
            conn.execute(
                "UPDATE device_tokens SET revoked_ms = ?2 WHERE token_hash = ?1 AND revoked_ms IS NULL",
                (token_hash, now_ms),
            )?;
            Ok(())
        })
        .await
    }

    async fn create_group_space(&self, space: &str, owner: &str) -> Result<()> {
        let (space, owner) = (space.to_owned(), owner.to_owned());
        self.run(move |conn| {
            let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
            tx.execute(
                "INSERT INTO spaces (id, kind, owner) VALUES (?1, ?2, ?3)",
                (&space, space_kind_name(SpaceKind::Group), &owner),
            )?;
            tx.execute(
                "INSERT INTO space_members (space, account_id, role) VALUES (?1, ?2, ?3)",
                (&space, &owner, group_role_name(GroupRole::Facilitator)),
            )?;
            tx.commit()?;
            Ok(())
        })
        .await
    }

    async fn add_member(&self, space: &str, account_id: &str) -> Result<()> {
        let (space, account_id) = (space.to_owned(), account_id.to_owned());
        self.run(move |conn| {
            conn.execute(
                "INSERT INTO space_members (space, account_id) VALUES (?1, ?2) ON CONFLICT DO NOTHING",
                (space, account_id),
            )?;
            Ok(())
        })
        .await
    }

    async fn is_member(&self, space: &str, account_id: &str) -> Result<bool> {
        let (space, account_id) = (space.to_owned(), account_id.to_owned());
        self.run(move |conn| {
            Ok(conn
                .prepare_cached("SELECT 1 FROM space_members WHERE space = ?1 AND account_id = ?2")?
                .exists((space, account_id))?)
        })
        .await
    }

    async fn member_spaces(&self, account_id: &str) -> Result<Vec<String>> {
        let account_id = account_id.to_owned();
        self.run(move |conn| {
            let mut stmt = conn.prepare_cached(
                "SELECT space FROM space_members WHERE account_id = ?1 ORDER BY space",
            )?;
            let rows = stmt.query_map([account_id], |r| r.get(0))?;
            Ok(rows.collect::<rusqlite::Result<_>>()?)
        })
        .await
    }

    async fn member_role(&self, space: &str, account_id: &str) -> Result<Option<GroupRole>> {
        let (space, account_id) = (space.to_owned(), account_id.to_owned());
        self.run(move |conn| {
            conn.prepare_cached(
                "SELECT role FROM space_members WHERE space = ?1 AND account_id = ?2",
            )?
            .query_row((space, account_id), |r| r.get::<_, String>(0))
            .optional()?
            .map(|role| parse_group_role(&role))
            .transpose()
        })
        .await
    }

    async fn members(&self, space: &str) -> Result<Vec<Member>> {
        let space = space.to_owned();
        self.run(move |conn| {
            let mut stmt = conn.prepare_cached(
                "SELECT a.id, a.display_name, m.role FROM space_members m
                 JOIN accounts a ON a.id = m.account_id
                 WHERE m.space = ?1 ORDER BY m.role = 'member', a.display_name, a.id",
            )?;
            let rows = stmt.query_map([space], |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, String>(2)?,
                ))
            })?;
            rows.map(|row| {
                let (account_id, display_name, role) = row?;
                Ok(Member {
                    account_id,
                    display_name,
                    role: parse_group_role(&role)?,
                })
            })
            .collect()
        })
        .await
    }

    async fn remove_member(&self, space: &str, account_id: &str) -> Result<bool> {
        let (space, account_id) = (space.to_owned(), account_id.to_owned());
        self.run(move |conn| {
            Ok(conn.execute(
                "DELETE FROM space_members WHERE space = ?1 AND account_id = ?2",
                (space, account_id),
            )? == 1)
        })
        .await
    }

    async fn create_invite(&self, i: &Invite) -> Result<()> {
        let i = i.clone();
        self.run(move |conn| {
            conn.execute(
                "INSERT INTO group_invites (code_hash, space, created_by, created_ms, expires_ms)
                 VALUES (?1, ?2, ?3, ?4, ?5)",
                (
                    &i.code_hash,
                    &i.space,
                    &i.created_by,
                    i.created_ms,
                    i.expires_ms,
                ),
            )?;
            Ok(())
        })
        .await
    }

    async fn revoke_invite(&self, code_hash: &str, space: &str, now_ms: i64) -> Result<bool> {
        let (code_hash, space) = (code_hash.to_owned(), space.to_owned());
        self.run(move |conn| {
            Ok(conn.execute(
                "UPDATE group_invites SET revoked_ms = ?3
                 WHERE code_hash = ?1 AND space = ?2 AND revoked_ms IS NULL",
                (code_hash, space, now_ms),
            )? == 1)
        })
        .await
    }

    async fn redeem_invite(
        &self,
        code_hash: &str,
        account_id: &str,
        now_ms: i64,
    ) -> Result<Option<String>> {
        let (code_hash, account_id) = (code_hash.to_owned(), account_id.to_owned());
        self.run(move |conn| {
            let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
            let space: Option<String> = tx
                .query_row(
                    "SELECT space FROM group_invites
                     WHERE code_hash = ?1 AND revoked_ms IS NULL AND expires_ms > ?2",
                    (&code_hash, now_ms),
                    |r| r.get(0),
                )
                .optional()?;
            if let Some(space) = &space {
                tx.execute(
                    "INSERT INTO space_members (space, account_id) VALUES (?1, ?2) ON CONFLICT DO NOTHING",
                    (space, &account_id),
                )?;
            }
            tx.commit()?;
            Ok(space)
        })
        .await
    }

    async fn push(&self, changes: &[IncomingChange]) -> Result<PushResponse> {
        let changes = changes.to_vec();
        self.run(move |conn| {
            let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
            let mut out = PushResponse {
                accepted: 0,
                duplicates: 0,
            };
            {
                let mut insert = tx.prepare_cached(
                    "INSERT INTO changes (space, seq, change_id, entity_type, body, entity_id)
                     VALUES (?1, (SELECT next_seq FROM spaces WHERE id = ?1), ?2, ?3, ?4, ?5)
                     ON CONFLICT (change_id) DO NOTHING",
                )?;
                let mut hide = tx.prepare_cached(
                    "INSERT INTO hidden_entities (space, entity_id, hidden_ms) VALUES (?1, ?2, ?3)
                     ON CONFLICT DO NOTHING",
                )?;
                let mut bump =
                    tx.prepare_cached("UPDATE spaces SET next_seq = next_seq + 1 WHERE id = ?1")?;
                for c in &changes {
                    if let Some(hidden) = &c.hides {
                        hide.execute((&c.space, hidden, crate::now_ms()))?;
                    }
                    let row = (
                        &c.space,
                        &c.change_id,
                        &c.entity_type,
                        &c.body,
                        &c.entity_id,
                    );
                    if insert.execute(row)? == 1 {
                        bump.execute([&c.space])?;
                        out.accepted += 1;
                    } else {
                        out.duplicates += 1;
                    }
                }
            }
            tx.commit()?;
            Ok(out)
        })
        .await
    }

    async fn pull(
        &self,
        space: &str,
        since: i64,
        limit: u32,
        kinds: Option<&[&str]>,
    ) -> Result<Vec<(i64, String)>> {
        let space = space.to_owned();
        let kinds = kinds
            .map(serde_json::to_string)
            .transpose()
            .map_err(|_| StorageError::Backend("kinds".into()))?;
        self.run(move |conn| {
            let mut stmt = conn.prepare_cached(
                "SELECT seq, body FROM changes
                 WHERE space = ?1 AND seq > ?2
                   AND (?4 IS NULL OR entity_type IN (SELECT value FROM json_each(?4)))
                   AND NOT EXISTS (SELECT 1 FROM hidden_entities h
                                   WHERE h.space = changes.space AND h.entity_id = changes.entity_id)
                 ORDER BY seq LIMIT ?3",
            )?;
            let rows =
                stmt.query_map((space, since, limit, kinds), |r| Ok((r.get(0)?, r.get(1)?)))?;
            Ok(rows.collect::<rusqlite::Result<_>>()?)
        })
        .await
    }

    async fn create_grant(&self, g: &Grant) -> Result<()> {
        let g = g.clone();
        self.run(move |conn| {
            conn.execute(
                "INSERT INTO shares (id, patient_account, clinician_account, scopes, created_ms, expires_ms, revoked_ms)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                (&g.id, &g.patient_account, &g.clinician_account, scopes_text(&g.scopes), g.created_ms, g.expires_ms, g.revoked_ms),
            )?;
            Ok(())
        })
        .await
    }

    async fn revoke_grant(&self, id: &str, patient_account: &str, now_ms: i64) -> Result<bool> {
        let (id, patient) = (id.to_owned(), patient_account.to_owned());
        self.run(move |conn| {
            let owned = conn
                .prepare_cached("SELECT 1 FROM shares WHERE id = ?1 AND patient_account = ?2")?
                .exists((&id, &patient))?;
            conn.execute(
                "UPDATE shares SET revoked_ms = ?3
                 WHERE id = ?1 AND patient_account = ?2 AND revoked_ms IS NULL",
                (&id, &patient, now_ms),
            )?;
            Ok(owned)
        })
        .await
    }

    async fn grants_by_patient(&self, patient_account: &str) -> Result<Vec<PatientGrant>> {
        let patient = patient_account.to_owned();
        self.run(move |conn| {
            let sql = format!(
                "SELECT {GRANT_COLUMNS}, c.email, c.display_name FROM shares s
                 JOIN accounts c ON c.id = s.clinician_account
                 WHERE s.patient_account = ?1 ORDER BY s.created_ms, s.id"
            );
            let mut stmt = conn.prepare_cached(&sql)?;
            let rows = stmt.query_map([patient], |r| {
                Ok(PatientGrant {
                    grant: grant(r)?,
                    clinician_email: r.get(7)?,
                    clinician_name: r.get(8)?,
                })
            })?;
            Ok(rows.collect::<rusqlite::Result<_>>()?)
        })
        .await
    }

    async fn live_grants_for_clinician(
        &self,
        clinician_account: &str,
        now_ms: i64,
    ) -> Result<Vec<ClinicianGrant>> {
        let clinician = clinician_account.to_owned();
        self.run(move |conn| {
            let sql = format!(
                "SELECT {GRANT_COLUMNS}, p.personal_space, p.display_name FROM shares s
                 JOIN accounts p ON p.id = s.patient_account
                 WHERE s.clinician_account = ?1 AND s.revoked_ms IS NULL AND s.expires_ms > ?2
                 ORDER BY s.created_ms, s.id"
            );
            let mut stmt = conn.prepare_cached(&sql)?;
            let rows = stmt.query_map((clinician, now_ms), |r| {
                Ok(ClinicianGrant {
                    grant: grant(r)?,
                    patient_space: r.get(7)?,
                    patient_name: r.get(8)?,
                })
            })?;
            Ok(rows.collect::<rusqlite::Result<_>>()?)
        })
        .await
    }
}
