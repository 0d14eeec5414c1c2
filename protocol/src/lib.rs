//! The sync wire format shared by the core and the server: a hybrid logical
//! clock and the field-level change every replica exchanges.

mod change;
mod hlc;

pub use change::Change;
pub use hlc::{ClockError, Hlc, MAX_DRIFT_MS};
