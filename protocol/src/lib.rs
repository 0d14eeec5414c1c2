//! The sync wire format shared by the core and the server: a hybrid logical
//! clock, the field-level change every replica exchanges, and the HTTP API's
//! requests and responses.

mod change;
mod hlc;
pub mod wire;

pub use change::{Change, MAX_NAME_LEN, MAX_VALUE_BYTES};
pub use hlc::{ClockError, Hlc, MAX_DRIFT_MS};
