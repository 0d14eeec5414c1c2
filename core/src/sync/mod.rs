//! Sync: the field-level change log every write appends to (also read back
//! as history), the sans-I/O merge of remote changes, and the network engine
//! on top (`companion.sync()`): accounts, push/pull, shares, and the
//! clinician's consultation view.

pub(crate) mod change_log;
mod consultation;
mod engine;
pub mod merge;
#[cfg(test)]
mod merge_tests;
pub mod model;
mod outbox;
mod registry;
pub(crate) mod session;
pub(crate) mod transport;

pub use engine::{ListenerHandle, SyncEngine};
