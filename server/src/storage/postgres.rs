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

impl PostgresStorage {
    pub async fn connect(url: &str, pool_size: Option<usize>) -> Result<Self> {
        let config = Config {
            url: Some(url.to_owned()),
            pool: pool_size.map(deadpool_postgres::PoolConfig::new),
            ..Config::default()
        };
        let pool = config
            .create_pool(Some(Runtime::Tokio1), NoTls)
            .map_err(|_| StorageError::Backend("postgres url".into()))?;
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
