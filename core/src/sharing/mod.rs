//! Sharing (`companion.sharing()`): a person's grants to clinicians and the
//! log of their reading, and, for a clinician, what is shared with them,
//! the consultation summary and pages (`crate::report::clinic_page`), and
//! review proposals. It acts through the sync client's state, which it
//! shares with `companion.sync()` and `companion.account()`.

mod consultation;
mod grants;
mod proposals;

pub use grants::{message_page, share_ended_page};

use crate::sync::SyncEngine;
use std::sync::Arc;

#[derive(uniffi::Object)]
pub struct Sharing {
    engine: Arc<SyncEngine>,
}

impl Sharing {
    pub(crate) fn new(engine: Arc<SyncEngine>) -> Self {
        Sharing { engine }
    }
}
