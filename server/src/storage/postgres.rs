//! The PostgreSQL backend, for several stateless servers behind a load
//! balancer. A push locks its spaces' rows (in a fixed order, so concurrent
//! pushes cannot deadlock) before numbering changes.

use super::db::Db;
use super::*;
use deadpool_postgres::{Config, Pool, Runtime, Transaction};
use futures_util::TryStreamExt;
use std::collections::HashMap;
use tokio_postgres::error::SqlState;
use tokio_postgres::types::ToSql;
use tokio_postgres::NoTls;

pub(crate) struct PostgresStorage {
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

async fn backfill_authors(tx: &Transaction<'_>) -> Result<()> {
    let mut spaces = HashMap::new();
    for r in tx.query("SELECT id, kind, owner FROM spaces", &[]).await? {
        let kind = parse_space_kind(r.try_get(1)?)?;
        spaces.insert(
            r.try_get::<_, String>(0)?,
            (kind, r.try_get::<_, String>(2)?),
        );
    }
    let changes = tx
        .query(
            "SELECT space, seq, body FROM changes ORDER BY space, seq",
            &[],
        )
        .await?
        .iter()
        .map(|r| {
            Ok(backfill::LegacyChange {
                space: r.try_get(0)?,
                seq: r.try_get(1)?,
                body: r.try_get(2)?,
            })
        })
        .collect::<Result<Vec<_>>>()?;
    let out = backfill::backfill_v4(&changes, &spaces);
    for (space, seq, who) in &out.authors {
        tx.execute(
            "UPDATE changes SET author = $3 WHERE space = $1 AND seq = $2",
            &[space, seq, who],
        )
        .await?;
    }
    for (id, o) in &out.owners {
        tx.execute(
            "INSERT INTO entity_owners (entity_id, space, entity_type, creator) VALUES ($1, $2, $3, $4)",
            &[id, &o.space, &o.kind, &o.creator],
        )
        .await?;
    }
    Ok(())
}

/// Gathers what `judge_push` needs, inside the push's transaction (with
/// its spaces locked), and judges the push.
async fn judge_in(
    tx: &Transaction<'_>,
    author: &str,
    spaces_in_order: &[&str],
    changes: &[IncomingChange],
) -> Result<Result<Plan, Vec<RefusedChange>>> {
    let mut spaces: HashMap<String, SpaceFacts> = HashMap::new();
    let facts = tx
        .prepare_cached(
            "SELECT s.kind, s.owner, m.role FROM spaces s
             LEFT JOIN space_members m ON m.space = s.id AND m.account_id = $2
             WHERE s.id = $1 FOR UPDATE OF s",
        )
        .await?;
    // Locked in a fixed order, so concurrent pushes cannot deadlock.
    for space in spaces_in_order {
        if let Some(r) = tx.query_opt(&facts, &[space, &author]).await? {
            let role: Option<&str> = r.try_get(2)?;
            let owner: String = r.try_get(1)?;
            let mut shared = Vec::new();
            if role.is_none() {
                for s in tx
                    .query(
                        "SELECT scopes FROM shares
                         WHERE patient_account = $1 AND clinician_account = $2
                           AND revoked_ms IS NULL AND expires_ms > $3",
                        &[&owner, &author, &crate::now_ms()],
                    )
                    .await?
                {
                    shared.extend(parse_scopes(s.try_get(0)?)?);
                }
            }
            spaces.insert(
                (*space).to_owned(),
                SpaceFacts {
                    kind: parse_space_kind(r.try_get(0)?)?,
                    owner,
                    role: role.map(parse_group_role).transpose()?,
                    shared,
                },
            );
        }
    }
    let entity_ids: Vec<&str> = changes.iter().map(|c| c.entity_id.as_str()).collect();
    let owners = tx
        .query(
            "SELECT entity_id, space, entity_type, creator, party FROM entity_owners WHERE entity_id = ANY($1)",
            &[&entity_ids],
        )
        .await?
        .iter()
        .map(|r| {
            Ok((
                r.try_get(0)?,
                Owner {
                    space: r.try_get(1)?,
                    kind: r.try_get(2)?,
                    creator: r.try_get(3)?,
                    party: r.try_get(4)?,
                },
            ))
        })
        .collect::<Result<HashMap<String, Owner>>>()?;
    let change_ids: Vec<&str> = changes.iter().map(|c| c.change_id.as_str()).collect();
    let stored = tx
        .query(
            "SELECT change_id, space, coalesce(entity_id, '') FROM changes WHERE change_id = ANY($1)",
            &[&change_ids],
        )
        .await?
        .iter()
        .map(|r| Ok((r.try_get(0)?, (r.try_get(1)?, r.try_get(2)?))))
        .collect::<Result<HashMap<String, (String, String)>>>()?;
    Ok(judge_push(author, changes, &spaces, &owners, &stored))
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
                if *version == AUTHORS_STEP {
                    backfill_authors(&tx).await?;
                }
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

    /// Runs statements written once for both backends on a pooled client.
    pub(super) async fn db_read<T>(
        &self,
        f: impl AsyncFnOnce(&mut Db<'_>) -> Result<T>,
    ) -> Result<T> {
        let client = self.pool.get().await?;
        f(&mut Db::client(&client)).await
    }

    /// Runs statements written once for both backends in one transaction:
    /// all of them or, on an error, none.
    pub(super) async fn db_write<T>(
        &self,
        f: impl AsyncFnOnce(&mut Db<'_>) -> Result<T>,
    ) -> Result<T> {
        let mut client = self.pool.get().await?;
        let tx = client.transaction().await?;
        let out = f(&mut Db::transaction(&tx)).await?;
        tx.commit().await?;
        Ok(out)
    }
}

/// The methods `Storage` calls (`each!`) until each is written once.
impl PostgresStorage {
    pub(crate) async fn push(
        &self,
        author: &str,
        changes: &[IncomingChange],
    ) -> Result<PushResponse, PushError> {
        let mut client = self.pool.get().await.map_err(StorageError::from)?;
        let tx = client.transaction().await.map_err(StorageError::from)?;
        let mut spaces: Vec<&str> = changes.iter().map(|c| c.space.as_str()).collect();
        spaces.sort_unstable();
        spaces.dedup();
        let plan = judge_in(&tx, author, &spaces, changes)
            .await?
            .map_err(PushError::Refused)?;
        store_plan(&tx, author, changes, &plan).await?;
        tx.commit().await.map_err(StorageError::from)?;
        Ok(PushResponse {
            accepted: plan.fresh.len() as u32,
            duplicates: plan.duplicates,
        })
    }

    pub(crate) async fn pull(
        &self,
        space: &str,
        since: i64,
        limit: u32,
        readable: Readable<'_>,
    ) -> Result<PulledChanges> {
        let client = self.pool.get().await?;
        let kinds: Option<Vec<String>> = readable
            .kinds
            .map(|k| k.iter().map(|s| (*s).to_owned()).collect());
        let stmt = client
            .prepare_cached(
                "SELECT seq, author, body FROM changes
                 WHERE space = $1 AND seq > $2
                   AND ($4::text[] IS NULL OR entity_type = ANY($4))
                   AND NOT EXISTS (SELECT 1 FROM hidden_entities h
                                   WHERE h.space = changes.space AND h.entity_id = changes.entity_id)
                   AND ($5::text IS NULL OR NOT EXISTS (
                        SELECT 1 FROM entity_owners o
                        WHERE o.entity_id = changes.entity_id AND o.party IS NOT NULL
                          AND o.party <> $5 AND coalesce(o.creator, '') <> $5))
                 ORDER BY seq LIMIT $3",
            )
            .await?;
        let mut page = PulledChanges::for_limit(limit);
        let limit = i64::from(limit);
        let params: [&(dyn ToSql + Sync); 5] = [&space, &since, &limit, &kinds, &readable.reader];
        // Each row is written into the page as it arrives, while the rest
        // are still on their way, borrowed from its buffer: each body is
        // copied once.
        let rows = client.query_raw(&stmt, params).await?;
        let mut rows = std::pin::pin!(rows);
        while let Some(r) = rows.try_next().await? {
            page.push(r.try_get(0)?, r.try_get(1)?, r.try_get(2)?);
        }
        Ok(page)
    }

    pub(crate) async fn erased(
        &self,
        space: &str,
        since: i64,
        limit: u32,
    ) -> Result<Vec<ErasedRecord>> {
        let client = self.pool.get().await?;
        let stmt = client.prepare_cached(&numbered(ERASED_SINCE, '$')).await?;
        let rows = client
            .query(&stmt, &[&space, &since, &i64::from(limit)])
            .await?;
        rows.iter()
            .map(|r| {
                Ok(ErasedRecord {
                    seq: r.try_get(0)?,
                    entity_type: r.try_get(1)?,
                    entity_id: r.try_get(2)?,
                })
            })
            .collect()
    }
}

/// Stores a judged push: the records it creates, then its new changes in
/// one statement, numbered per space in batch order, each space's counter
/// moved past them, and any hides.
async fn store_plan(
    tx: &Transaction<'_>,
    author: &str,
    changes: &[IncomingChange],
    plan: &Plan,
) -> Result<()> {
    if !plan.created.is_empty() {
        let column = |f: fn(&(String, Owner)) -> Option<&str>| -> Vec<Option<&str>> {
            plan.created.iter().map(f).collect()
        };
        tx.execute(
            "INSERT INTO entity_owners (entity_id, space, entity_type, creator, party)
             SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[])",
            &[
                &column(|(id, _)| Some(id)),
                &column(|(_, o)| Some(&o.space)),
                &column(|(_, o)| Some(&o.kind)),
                &column(|(_, o)| o.creator.as_deref()),
                &column(|(_, o)| o.party.as_deref()),
            ],
        )
        .await?;
    }
    let fresh: Vec<&IncomingChange> = plan.fresh.iter().map(|&i| &changes[i]).collect();
    let insert = tx
        .prepare_cached(
            "WITH input AS (
               SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[])
                 WITH ORDINALITY AS t(space, change_id, entity_type, body, entity_id, ord)),
             numbered AS (
               SELECT i.space, i.change_id, i.entity_type, i.body, i.entity_id,
                      s.next_seq + row_number() OVER (PARTITION BY i.space ORDER BY i.ord) - 1 AS seq
               FROM input i JOIN spaces s ON s.id = i.space),
             inserted AS (
               INSERT INTO changes (space, seq, change_id, entity_type, body, entity_id, author)
               SELECT space, seq, change_id, entity_type, body, entity_id, $6 FROM numbered
               RETURNING space),
             counts AS (SELECT space, count(*) AS n FROM inserted GROUP BY space)
             UPDATE spaces s SET next_seq = s.next_seq + counts.n
             FROM counts WHERE s.id = counts.space",
        )
        .await?;
    let column = |f: fn(&IncomingChange) -> &String| -> Vec<&str> {
        fresh.iter().map(|c| f(c).as_str()).collect()
    };
    tx.execute(
        &insert,
        &[
            &column(|c| &c.space),
            &column(|c| &c.change_id),
            &column(|c| &c.entity_type),
            &column(|c| &c.body),
            &column(|c| &c.entity_id),
            &author,
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
    for c in fresh {
        if let Some(hidden) = &c.hides {
            tx.execute(&hide, &[&c.space, hidden, &now]).await?;
        }
    }
    Ok(())
}
