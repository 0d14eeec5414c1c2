//! Sync (`companion.sync()`): the sans-I/O merge of pulled changes (judged
//! against the authorisation table first), the engine's decisions, and the
//! client that talks to the relay: accounts, `sync_now`, status and its
//! listener, shares, and the clinician's consultation view.

mod account;
mod account_keys;
mod client;
#[cfg(test)]
mod client_tests;
mod clinic_page;
mod consultation;
mod engine;
#[cfg(test)]
mod fake_relay;
mod key_plan;
mod key_store;
mod keys;
pub mod merge;
#[cfg(test)]
mod merge_tests;
pub mod model;
mod opening;
mod proposals;
pub(crate) mod registry;
mod shares;
mod store;

pub use client::{ListenerHandle, SyncEngine};
pub use merge::apply_remote;
pub use shares::{message_page, share_ended_page};
