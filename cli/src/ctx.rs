//! What every command works with: one device's companion, the clock it
//! reads, the runtime its network calls run on and where output goes. The
//! shell makes one from its flags; the tour makes one per device, all on a
//! shared manual clock.

use crate::fail::{Fail, Result};
use crate::key;
use crate::out::Out;
use pph_core::clock::{Clock, SystemClock};
use pph_core::{Companion, CompanionConfig};
use std::future::Future;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// The UTC offset entries are written in.
#[derive(Clone, Copy, Debug)]
pub enum Offset {
    /// This machine's, at the moment of writing.
    Local,
    Fixed(i32),
}

#[derive(Clone)]
pub struct Ctx {
    pub companion: Arc<Companion>,
    pub out: Out,
    clock: Arc<dyn Clock>,
    runtime: Arc<tokio::runtime::Runtime>,
    offset: Offset,
}

/// The shell's global flags.
pub struct Opened {
    pub db: Option<PathBuf>,
    pub key_file: Option<PathBuf>,
    pub device_name: String,
    pub out: Out,
}

pub fn runtime() -> Result<Arc<tokio::runtime::Runtime>> {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map(Arc::new)
        .map_err(|e| {
            Fail::new(
                crate::fail::Status::Failure,
                format!("no runtime: {}", e.kind()),
            )
        })
}

impl Ctx {
    /// The store named by the shell's flags, on the system clock.
    pub fn open(o: Opened) -> Result<Ctx> {
        let db =
            o.db.ok_or_else(|| Fail::refused("no store: pass --db FILE or set PPH_DB"))?;
        let key = key::load(o.key_file.as_deref())?;
        let companion = Companion::open(CompanionConfig {
            db_path: db.to_string_lossy().into_owned(),
            encryption_key: key,
            device_name: o.device_name,
        })?;
        Ok(Ctx::new(
            companion,
            o.out,
            Arc::new(SystemClock),
            runtime()?,
            Offset::Local,
        ))
    }

    pub fn new(
        companion: Arc<Companion>,
        out: Out,
        clock: Arc<dyn Clock>,
        runtime: Arc<tokio::runtime::Runtime>,
        offset: Offset,
    ) -> Ctx {
        Ctx {
            companion,
            out,
            clock,
            runtime,
            offset,
        }
    }

    pub fn with_offset(&self, offset: Offset) -> Ctx {
        Ctx {
            offset,
            ..self.clone()
        }
    }

    /// Now, by this context's clock (the tour's moves on command).
    pub fn now(&self) -> SystemTime {
        UNIX_EPOCH + Duration::from_millis(self.clock.now_ms())
    }

    /// The UTC offset in minutes to record an entry at `at` with.
    pub fn offset_minutes(&self, at: SystemTime) -> i32 {
        match self.offset {
            Offset::Fixed(minutes) => minutes,
            Offset::Local => {
                let at = chrono::DateTime::<chrono::Utc>::from(at);
                at.with_timezone(&chrono::Local).offset().local_minus_utc() / 60
            }
        }
    }

    /// Today's date where the person is, `YYYY-MM-DD`.
    pub fn today(&self) -> String {
        let now = self.now();
        let local = chrono::DateTime::<chrono::Utc>::from(now)
            + chrono::Duration::minutes(i64::from(self.offset_minutes(now)));
        local.date_naive().to_string()
    }

    /// Starts a task (a server) on this context's runtime.
    pub fn spawn<F>(&self, f: F) -> tokio::task::JoinHandle<F::Output>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        self.runtime.spawn(f)
    }

    /// Runs a network call to its end.
    pub fn block_on<F: Future>(&self, f: F) -> F::Output {
        self.runtime.block_on(f)
    }
}
