//! Sync foundations: the field-level change log every write appends to, read
//! back as history. The network engine builds on this.

pub(crate) mod change_log;
pub mod merge;
mod outbox;
mod registry;
