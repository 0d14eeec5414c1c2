//! The PostgreSQL backend, for several stateless servers behind a load
//! balancer. A push locks its spaces' rows (in a fixed order, so concurrent
//! pushes cannot deadlock) before numbering changes.

use super::*;
use deadpool_postgres::{Config, Pool, Runtime};
use tokio_postgres::error::SqlState;
use tokio_postgres::{NoTls, Row};

pub struct PostgresStorage {
    pool: Pool,
}

impl From<tokio_postgres::Error> for StorageError {
    fn from(e: tokio_postgres::Error) -> Self {
        // Only the SQLSTATE: PostgreSQL's detail text quotes key values.
        match e.code() {
            Some(code) if *code == SqlState::UNIQUE_VIOLATION => StorageError::Conflict,
            Some(code) => StorageError::Backend(format!("postgres {}", code.code())),
            None => StorageError::Backend("postgres connection".into()),
        }
    }
}

impl From<deadpool_postgres::PoolError> for StorageError {
    fn from(e: deadpool_postgres::PoolError) -> Self {
        match e {
            deadpool_postgres::PoolError::Backend(e) => e.into(),
            _ => StorageError::Backend("postgres pool".into()),
        }
    }
}

const ACCOUNT_COLUMNS: &str =
    "a.id, a.email, a.display_name, a.role, a.personal_space, a.password_hash, a.created_ms";

fn account(row: &Row) -> Result<Account> {
    Ok(Account {
        id: row.try_get(0)?,
        email: row.try_get(1)?,
        display_name: row.try_get(2)?,
        role: parse_role(row.try_get(3)?)?,
        personal_space: row.try_get(4)?,
        password_hash: row.try_get(5)?,
        created_ms: row.try_get(6)?,
    })
}

const GRANT_COLUMNS: &str =
    "s.id, s.patient_account, s.clinician_account, s.scopes, s.created_ms, s.expires_ms, s.revoked_ms";

fn grant(row: &Row) -> Result<Grant> {
    Ok(Grant {
        id: row.try_get(0)?,
        patient_account: row.try_get(1)?,
        clinician_account: row.try_get(2)?,
        scopes: parse_scopes(row.try_get(3)?)?,
        created_ms: row.try_get(4)?,
        expires_ms: row.try_get(5)?,
        revoked_ms: row.try_get(6)?,
    })
}

impl PostgresStorage {
    pub async fn connect(url: &str) -> Result<Self> {
        let config = Config {
            url: Some(url.to_owned()),
            ..Config::default()
        };
        let pool = config
            .create_pool(Some(Runtime::Tokio1), NoTls)
            .map_err(|_| StorageError::Backend("postgres url".into()))?;
        let mut client = pool.get().await?;
        // Servers starting together take turns: each step runs once.
        for (version, sql) in MIGRATIONS {
            let tx = client.transaction().await?;
            tx.execute("SELECT pg_advisory_xact_lock(7878)", &[])
                .await?;
            tx.batch_execute(MIGRATIONS_TABLE).await?;
            let done = tx
                .query_opt(
                    "SELECT 1 FROM schema_migrations WHERE version = $1",
                    &[version],
                )
                .await?
                .is_some();
            if !done {
                tx.batch_execute(sql).await?;
                tx.execute(
                    "INSERT INTO schema_migrations (version, applied_ms) VALUES ($1, $2)",
                    &[version, &crate::now_ms()],
                )
                .await?;
            }
            tx.commit().await?;
        }
        drop(client);
        Ok(PostgresStorage { pool })
    }
}

#[async_trait]
impl Storage for PostgresStorage {
    async fn schema_version(&self) -> Result<i64> {
        let client = self.pool.get().await?;
        let row = client
            .query_one(
                "SELECT coalesce(max(version), 0)::bigint FROM schema_migrations",
                &[],
            )
            .await?;
        Ok(row.try_get(0)?)
    }

    async fn create_account(&self, a: &Account) -> Result<()> {
        let mut client = self.pool.get().await?;
        let tx = client.transaction().await?;
        tx.execute(
            "INSERT INTO accounts (id, email, display_name, role, personal_space, password_hash, created_ms)
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
            &[&a.id, &a.email, &a.display_name, &role_name(a.role), &a.personal_space, &a.password_hash, &a.created_ms],
        )
        .await?;
        tx.execute(
            "INSERT INTO spaces (id, kind, owner) VALUES ($1, $2, $3)",
            &[
                &a.personal_space,
                &space_kind_name(SpaceKind::Personal),
                &a.id,
            ],
        )
        .await?;
        tx.execute(
            "INSERT INTO space_members (space, account_id) VALUES ($1, $2)",
            &[&a.personal_space, &a.id],
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    async fn account_by_email(&self, email: &str) -> Result<Option<Account>> {
        let client = self.pool.get().await?;
        let sql = format!("SELECT {ACCOUNT_COLUMNS} FROM accounts a WHERE a.email = $1");
        client
            .query_opt(&sql, &[&email])
            .await?
            .as_ref()
            .map(account)
            .transpose()
    }

    async fn add_token(
        &self,
        token_hash: &str,
        account_id: &str,
        device_name: &str,
        now_ms: i64,
    ) -> Result<()> {
        let client = self.pool.get().await?;
        client
            .execute(
                "INSERT INTO device_tokens (token_hash, account_id, device_name, created_ms)
                 VALUES ($1, $2, $3, $4)",
                &[&token_hash, &account_id, &device_name, &now_ms],
            )
            .await?;
        Ok(())
    }

    async fn account_for_token(&self, token_hash: &str) -> Result<Option<Account>> {
        let client = self.pool.get().await?;
        let sql = format!(
            "SELECT {ACCOUNT_COLUMNS} FROM device_tokens t JOIN accounts a ON a.id = t.account_id
             WHERE t.token_hash = $1 AND t.revoked_ms IS NULL"
        );
        let stmt = client.prepare_cached(&sql).await?;
        client
            .query_opt(&stmt, &[&token_hash])
            .await?
            .as_ref()
            .map(account)
            .transpose()
    }

    async fn revoke_token(&self, token_hash: &str, now_ms: i64) -> Result<()> {
        let client = self.pool.get().await?;
        client
            .execute(
                "UPDATE device_tokens SET revoked_ms = $2 WHERE token_hash = $1 AND revoked_ms IS NULL",
                &[&token_hash, &now_ms],
            )
            .await?;
        Ok(())
    }

    async fn create_group_space(&self, space: &str, owner: &str) -> Result<()> {
        let mut client = self.pool.get().await?;
        let tx = client.transaction().await?;
        tx.execute(
            "INSERT INTO spaces (id, kind, owner) VALUES ($1, $2, $3)",
            &[&space, &space_kind_name(SpaceKind::Group), &owner],
        )
        .await?;
        tx.execute(
            "INSERT INTO space_members (space, account_id, role) VALUES ($1, $2, $3)",
            &[&space, &owner, &group_role_name(GroupRole::Facilitator)],
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    async fn add_member(&self, space: &str, account_id: &str) -> Result<()> {
        let client = self.pool.get().await?;
        client
            .execute(
                "INSERT INTO space_members (space, account_id) VALUES ($1, $2) ON CONFLICT DO NOTHING",
                &[&space, &account_id],
            )
            .await?;
        Ok(())
    }

    async fn is_member(&self, space: &str, account_id: &str) -> Result<bool> {
        let client = self.pool.get().await?;
        let stmt = client
            .prepare_cached("SELECT 1 FROM space_members WHERE space = $1 AND account_id = $2")
            .await?;
        Ok(client
            .query_opt(&stmt, &[&space, &account_id])
            .await?
            .is_some())
    }

    async fn member_spaces(&self, account_id: &str) -> Result<Vec<String>> {
        let client = self.pool.get().await?;
        let rows = client
            .query(
                "SELECT space FROM space_members WHERE account_id = $1 ORDER BY space",
                &[&account_id],
            )
            .await?;
        rows.iter().map(|r| Ok(r.try_get(0)?)).collect()
    }

    async fn member_role(&self, space: &str, account_id: &str) -> Result<Option<GroupRole>> {
        let client = self.pool.get().await?;
        let stmt = client
            .prepare_cached("SELECT role FROM space_members WHERE space = $1 AND account_id = $2")
            .await?;
        client
            .query_opt(&stmt, &[&space, &account_id])
            .await?
            .map(|r| parse_group_role(r.try_get(0)?))
            .transpose()
    }

    async fn members(&self, space: &str) -> Result<Vec<Member>> {
        let client = self.pool.get().await?;
        let rows = client
            .query(
                "SELECT a.id, a.display_name, m.role FROM space_members m
                 JOIN accounts a ON a.id = m.account_id
                 WHERE m.space = $1 ORDER BY m.role = 'member', a.display_name, a.id",
                &[&space],
            )
            .await?;
        rows.iter()
            .map(|r| {
                Ok(Member {
                    account_id: r.try_get(0)?,
                    display_name: r.try_get(1)?,
                    role: parse_group_role(r.try_get(2)?)?,
                })
            })
            .collect()
    }

    async fn remove_member(&self, space: &str, account_id: &str) -> Result<bool> {
        let client = self.pool.get().await?;
        Ok(client
            .execute(
                "DELETE FROM space_members WHERE space = $1 AND account_id = $2",
                &[&space, &account_id],
            )
            .await?
            == 1)
    }

    async fn create_invite(&self, i: &Invite) -> Result<()> {
        let client = self.pool.get().await?;
        client
            .execute(
                "INSERT INTO group_invites (code_hash, space, created_by, created_ms, expires_ms)
                 VALUES ($1, $2, $3, $4, $5)",
                &[
                    &i.code_hash,
                    &i.space,
                    &i.created_by,
                    &i.created_ms,
                    &i.expires_ms,
                ],
            )
            .await?;
        Ok(())
    }

    async fn revoke_invite(&self, code_hash: &str, space: &str, now_ms: i64) -> Result<bool> {
        let client = self.pool.get().await?;
        Ok(client
            .execute(
                "UPDATE group_invites SET revoked_ms = $3
                 WHERE code_hash = $1 AND space = $2 AND revoked_ms IS NULL",
                &[&code_hash, &space, &now_ms],
            )
            .await?
            == 1)
    }

    async fn redeem_invite(
        &self,
        code_hash: &str,
        account_id: &str,
        now_ms: i64,
    ) -> Result<Option<String>> {
        let mut client = self.pool.get().await?;
        let tx = client.transaction().await?;
        let space: Option<String> = tx
            .query_opt(
                "SELECT space FROM group_invites
                 WHERE code_hash = $1 AND revoked_ms IS NULL AND expires_ms > $2",
                &[&code_hash, &now_ms],
            )
            .await?
            .map(|r| r.try_get(0))
            .transpose()?;
        if let Some(space) = &space {
            tx.execute(
                "INSERT INTO space_members (space, account_id) VALUES ($1, $2) ON CONFLICT DO NOTHING",
                &[space, &account_id],
            )
            .await?;
        }
        tx.commit().await?;
        Ok(space)
    }

    async fn push(&self, changes: &[IncomingChange]) -> Result<PushResponse> {
        let mut client = self.pool.get().await?;
        let tx = client.transaction().await?;
        let mut spaces: Vec<&str> = changes.iter().map(|c| c.space.as_str()).collect();
        spaces.sort_unstable();
        spaces.dedup();
        let lock = tx
            .prepare_cached("SELECT next_seq FROM spaces WHERE id = $1 FOR UPDATE")
            .await?;
        for space in &spaces {
            if tx.query_opt(&lock, &[space]).await?.is_none() {
                return Err(StorageError::Backend("push to an unknown space".into()));
            }
        }
        // One statement for the whole batch: new changes (first of each id,
        // not stored yet) numbered per space in batch order, inserted, and
        // each space's counter moved past them. The space locks above make
        // the NOT EXISTS exact; an id reused across spaces is a conflict.
        let insert = tx
            .prepare_cached(
                "WITH input AS (
                   SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[])
                     WITH ORDINALITY AS t(space, change_id, entity_type, body, entity_id, ord)),
                 fresh AS (
                   SELECT DISTINCT ON (change_id) * FROM input i
                   WHERE NOT EXISTS (SELECT 1 FROM changes c WHERE c.change_id = i.change_id)
                   ORDER BY change_id, ord),
                 numbered AS (
                   SELECT f.space, f.change_id, f.entity_type, f.body, f.entity_id,
                          s.next_seq + row_number() OVER (PARTITION BY f.space ORDER BY f.ord) - 1 AS seq
                   FROM fresh f JOIN spaces s ON s.id = f.space),
                 inserted AS (
                   INSERT INTO changes (space, seq, change_id, entity_type, body, entity_id)
                   SELECT space, seq, change_id, entity_type, body, entity_id FROM numbered
                   RETURNING space),
                 counts AS (SELECT space, count(*) AS n FROM inserted GROUP BY space),
                 bumped AS (
                   UPDATE spaces s SET next_seq = s.next_seq + counts.n
                   FROM counts WHERE s.id = counts.space RETURNING counts.n)
                 SELECT coalesce(sum(n), 0)::bigint FROM bumped",
            )
            .await?;
        let column = |f: fn(&IncomingChange) -> &String| -> Vec<&str> {
            changes.iter().map(|c| f(c).as_str()).collect()
        };
        let row = tx
            .query_one(
                &insert,
                &[
                    &column(|c| &c.space),
                    &column(|c| &c.change_id),
                    &column(|c| &c.entity_type),
                    &column(|c| &c.body),
                    &column(|c| &c.entity_id),
                ],
            )
            .await?;
        let hide = tx
            .prepare_cached(
                "INSERT INTO hidden_entities (space, entity_id, hidden_ms) VALUES ($1, $2, $3)
                 ON CONFLICT DO NOTHING",
            )
            .await?;
        let now = crate::now_ms();
        for c in changes {
            if let Some(hidden) = &c.hides {
                tx.execute(&hide, &[&c.space, hidden, &now]).await?;
            }
        }
        let accepted = u32::try_from(row.try_get::<_, i64>(0)?)
            .map_err(|_| StorageError::Backend("push count".into()))?;
        let out = PushResponse {
            accepted,
            duplicates: changes.len() as u32 - accepted,
        };
        tx.commit().await?;
        Ok(out)
    }

    async fn pull(
        &self,
        space: &str,
        since: i64,
        limit: u32,
        kinds: Option<&[&str]>,
    ) -> Result<Vec<(i64, String)>> {
        let client = self.pool.get().await?;
        let kinds: Option<Vec<String>> = kinds.map(|k| k.iter().map(|s| (*s).to_owned()).collect());
        let stmt = client
            .prepare_cached(
                "SELECT seq, body FROM changes
                 WHERE space = $1 AND seq > $2
                   AND ($4::text[] IS NULL OR entity_type = ANY($4))
                   AND NOT EXISTS (SELECT 1 FROM hidden_entities h
                                   WHERE h.space = changes.space AND h.entity_id = changes.entity_id)
                 ORDER BY seq LIMIT $3",
            )
            .await?;
        let rows = client
            .query(&stmt, &[&space, &since, &i64::from(limit), &kinds])
            .await?;
        rows.iter()
            .map(|r| Ok((r.try_get(0)?, r.try_get(1)?)))
            .collect()
    }

    async fn create_grant(&self, g: &Grant) -> Result<()> {
        let client = self.pool.get().await?;
        client
            .execute(
                "INSERT INTO shares (id, patient_account, clinician_account, scopes, created_ms, expires_ms, revoked_ms)
                 VALUES ($1, $2, $3, $4, $5, $6, $7)",
                &[&g.id, &g.patient_account, &g.clinician_account, &scopes_text(&g.scopes), &g.created_ms, &g.expires_ms, &g.revoked_ms],
            )
            .await?;
        Ok(())
    }

    async fn revoke_grant(&self, id: &str, patient_account: &str, now_ms: i64) -> Result<bool> {
        let client = self.pool.get().await?;
        let owned = client
            .query_opt(
                "SELECT 1 FROM shares WHERE id = $1 AND patient_account = $2",
                &[&id, &patient_account],
            )
            .await?
            .is_some();
        client
            .execute(
                "UPDATE shares SET revoked_ms = $3
                 WHERE id = $1 AND patient_account = $2 AND revoked_ms IS NULL",
                &[&id, &patient_account, &now_ms],
            )
            .await?;
        Ok(owned)
    }

    async fn grants_by_patient(&self, patient_account: &str) -> Result<Vec<PatientGrant>> {
        let client = self.pool.get().await?;
        let sql = format!(
            "SELECT {GRANT_COLUMNS}, c.email, c.display_name FROM shares s
             JOIN accounts c ON c.id = s.clinician_account
             WHERE s.patient_account = $1 ORDER BY s.created_ms, s.id"
        );
        let rows = client.query(&sql, &[&patient_account]).await?;
        rows.iter()
            .map(|r| {
                Ok(PatientGrant {
                    grant: grant(r)?,
                    clinician_email: r.try_get(7)?,
                    clinician_name: r.try_get(8)?,
                })
            })
            .collect()
    }

    async fn live_grants_for_clinician(
        &self,
        clinician_account: &str,
        now_ms: i64,
    ) -> Result<Vec<ClinicianGrant>> {
        let client = self.pool.get().await?;
        let sql = format!(
            "SELECT {GRANT_COLUMNS}, p.personal_space, p.display_name FROM shares s
             JOIN accounts p ON p.id = s.patient_account
             WHERE s.clinician_account = $1 AND s.revoked_ms IS NULL AND s.expires_ms > $2
             ORDER BY s.created_ms, s.id"
        );
        let rows = client.query(&sql, &[&clinician_account, &now_ms]).await?;
        rows.iter()
            .map(|r| {
                Ok(ClinicianGrant {
                    grant: grant(r)?,
                    patient_space: r.try_get(7)?,
                    patient_name: r.try_get(8)?,
                })
            })
            .collect()
    }
}
