//! The one native library the shells load (`libpph_ffi`): it re-exports the
//! core, whose uniffi scaffolding (namespace `pph`) is linked in with it.

pub use pph_core::*;
