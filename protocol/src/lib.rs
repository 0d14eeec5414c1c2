//! The sync wire format shared by the core and the server: a hybrid logical
//! clock, the field-level change every replica exchanges, the HTTP API's
//! requests and responses, and the authorisation table both sides enforce.

pub mod admission;
pub mod authz;
mod change;
pub mod codes;
mod hlc;
pub mod identity;
pub mod ids;
pub mod kdf;
pub mod kinds;
pub mod sealed;
pub mod sign_up_code;
mod signature;
pub mod wire;

pub use change::{Change, MAX_NAME_LEN, MAX_SEALED_BYTES, MAX_VALUE_BYTES};
pub use hlc::{ClockError, Hlc, MAX_DRIFT_MS};
