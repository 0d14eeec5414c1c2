//! The PostgreSQL backend, for several stateless servers behind a load
//! balancer. A push locks its spaces' rows (in a fixed order, so concurrent
//! pushes cannot deadlock) before numbering changes.

use super::db::Db;
use super::*;
use deadpool_postgres::{Config, Pool, Runtime};
use tokio_postgres::error::SqlState;
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

/// How long a new connection to PostgreSQL may take.
const CONNECT_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(5);
/// How long what was sent to PostgreSQL may go unacknowledged before the
/// connection is given up (TCP_USER_TIMEOUT; a slow query is not this).
const UNANSWERED_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(15);

impl PostgresStorage {
    pub async fn connect(url: &str, pool_size: Option<usize>) -> Result<Self> {
        let config = Config {
            url: Some(url.to_owned()),
            pool: pool_size.map(deadpool_postgres::PoolConfig::new),
            ..Config::default()
        };
        let url_error = |_| StorageError::Backend("postgres url".into());
        // A database that stops answering (its network cut) fails a
        // connection in seconds instead of leaving requests and the health
        // probe waiting on TCP's retries for a quarter of an hour; the URL
        // may set its own (`connect_timeout`, `tcp_user_timeout`).
        let mut pg = config.get_pg_config().map_err(url_error)?;
        if pg.get_connect_timeout().is_none() {
            pg.connect_timeout(CONNECT_TIMEOUT);
        }
        if pg.get_tcp_user_timeout().is_none() {
            pg.tcp_user_timeout(UNANSWERED_TIMEOUT);
        }
        let manager =
            deadpool_postgres::Manager::from_config(pg, NoTls, config.get_manager_config());
        let pool = Pool::builder(manager)
            .config(config.get_pool_config())
            .runtime(Runtime::Tokio1)
            .build()
            .map_err(|_| StorageError::Backend("postgres pool".into()))?;
        let storage = PostgresStorage { pool };
        storage
            .db_write(async |db| schema::refuse_newer(db).await)
            .await?;
        for (version, sql) in schema::steps() {
            storage
                .db_write(async |db| schema::apply_step(db, version, sql).await)
                .await?;
        }
        Ok(storage)
    }

    pub(super) fn pool_use(&self) -> PoolUse {
        let status = self.pool.status();
        PoolUse {
            size: status.size,
            idle: status.available,
            waiting: status.waiting,
        }
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
