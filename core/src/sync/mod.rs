//! Sync (`companion.sync()`): `sync_now`, the status and its listener, and
//! the changes set aside; beneath them the merge of pulled changes (facts
//! read, then judged against the authorisation table and decided purely,
//! then applied), the engine's decisions, the keys of each space, and the
//! client state the account (`crate::account`) and sharing
//! (`crate::sharing`) objects act through.

mod client;
#[cfg(test)]
mod client_tests;
#[cfg(test)]
mod decide_tests;
mod engine;
#[cfg(test)]
mod fake_relay;
mod key_plan;
pub(crate) mod key_store;
mod keys;
pub mod merge;
#[cfg(test)]
mod merge_tests;
pub mod model;
mod opening;
pub(crate) mod pins;
pub(crate) mod registry;
pub(crate) mod store;
mod trust;

pub use client::{ListenerHandle, SyncEngine};
pub use merge::apply_remote;
