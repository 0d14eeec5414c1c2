//! People Powered Health Companion core: the domain, the encrypted store and
//! the sync foundations, exported to the shells through uniffi (namespace `pph`).

uniffi::setup_scaffolding!("pph");

pub mod account;
mod archive;
pub mod budget;
pub mod care_plan;
pub mod clock;
mod companion;
#[doc(hidden)]
pub mod crypto;
pub mod diary;
pub mod error;
mod fhir;
pub mod groups;
mod ids;
mod net;
mod order;
mod paging;
mod report;
pub mod sharing;
pub mod store;
pub mod sync;
mod time;
pub mod timebank;
pub mod today;
mod validate;

pub use account::{Account, IdentityWarning, SafetyNumber, SignedInDevice};
pub use archive::{ExportSummary, ImportSummary, KindCount};
pub use budget::model::*;
pub use budget::{describe_budget_warning, receipt_of, Budgets};
pub use care_plan::model::*;
pub use care_plan::CarePlans;
pub use companion::{Companion, CompanionConfig, ErasureReceipt, PphCompanion};
pub use crypto::password::relay_password;
pub use diary::model::*;
pub use diary::Diary;
pub use error::PphError;
pub use groups::model::*;
pub use groups::Groups;
pub use report::page::page_style;
pub use report::{ReportRequest, ReportSection};
pub use sharing::{message_page, share_ended_page, Sharing};
pub use sync::model::*;
pub use sync::{apply_remote, ListenerHandle, SyncEngine};
pub use timebank::model::*;
pub use timebank::Timebank;
pub use today::model::*;
pub use today::Today;
