//! The entry point the shells hold: one per account, owning the store.

use crate::account::Account;
use crate::budget::Budgets;
use crate::care_plan::CarePlans;
use crate::clock::{Clock, SystemClock};
use crate::diary::Diary;
use crate::error::{PphError, Result};
use crate::groups::Groups;
use crate::net::Net;
use crate::sharing::Sharing;
use crate::store::Store;
use crate::sync::SyncEngine;
use crate::timebank::Timebank;
use crate::today::Today;
use std::path::Path;
use std::sync::Arc;

/// The short name Rust callers and the Python bindings use.
pub type Companion = PphCompanion;

const MAX_DEVICE_NAME: usize = 100;

#[derive(Clone, uniffi::Record)]
pub struct CompanionConfig {
    /// Path of the account's store file; created if absent.
    pub db_path: String,
    /// 32 raw bytes from the Android Keystore / iOS Keychain.
    pub encryption_key: Vec<u8>,
    /// Shown in history ("changed on Pixel 6").
    pub device_name: String,
}

impl std::fmt::Debug for CompanionConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CompanionConfig")
            .field("db_path", &self.db_path)
            .field("encryption_key", &"<redacted>")
            .field("device_name", &self.device_name)
            .finish()
    }
}

/// What `erase_local` deleted, and what the shell and the person must
/// still do. Paths only: no record's content.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, uniffi::Record)]
pub struct ErasureReceipt {
    /// Every file deleted: the store, its write-ahead files, each copy of a
    /// patient's shared records.
    pub deleted_files: Vec<String>,
    /// Receipt photos the person's spends referred to, by file name: the
    /// shell deletes them from its own folder.
    pub receipt_photos: Vec<String>,
    /// Always true: the shell now deletes the store's key (Keystore,
    /// Keychain), which leaves anything that survived on the flash
    /// unreadable.
    pub delete_the_key: bool,
    /// What this phone cannot erase, in plain words, to tell the person.
    pub remains_elsewhere: Vec<String>,
}

/// Exported as `PphCompanion`: Kotlin cannot have a class named `Companion`
/// beside the `companion object` uniffi generates for its constructors.
/// Python calls it `Companion` (core/uniffi.toml); Rust code may too.
#[derive(uniffi::Object)]
pub struct PphCompanion {
    store: Arc<Store>,
    care_plans: Arc<CarePlans>,
    budgets: Arc<Budgets>,
    diary: Arc<Diary>,
    sync: Arc<SyncEngine>,
    account: Arc<Account>,
    sharing: Arc<Sharing>,
    groups: Arc<Groups>,
    timebank: Arc<Timebank>,
    today: Arc<Today>,
}

#[uniffi::export]
impl PphCompanion {
    #[uniffi::constructor]
    pub fn open(config: CompanionConfig) -> Result<Arc<Self>, PphError> {
        Self::open_with_clock(config, Arc::new(SystemClock))
    }

    pub fn care_plans(&self) -> Arc<CarePlans> {
        self.care_plans.clone()
    }

    pub fn budgets(&self) -> Arc<Budgets> {
        self.budgets.clone()
    }

    pub fn diary(&self) -> Arc<Diary> {
        self.diary.clone()
    }

    /// Sync now, its status and listener, and the changes set aside.
    pub fn sync(&self) -> Arc<SyncEngine> {
        self.sync.clone()
    }

    /// Signing up, in and out, the password, recovery and deletion.
    pub fn account(&self) -> Arc<Account> {
        self.account.clone()
    }

    /// Grants to clinicians and their access log; for a clinician, what is
    /// shared with them and the consultation pages.
    pub fn sharing(&self) -> Arc<Sharing> {
        self.sharing.clone()
    }

    pub fn groups(&self) -> Arc<Groups> {
        self.groups.clone()
    }

    /// The timebanks of this person's groups.
    pub fn timebank(&self) -> Arc<Timebank> {
        self.timebank.clone()
    }

    /// What is due today, and the reminders to schedule.
    pub fn today(&self) -> Arc<Today> {
        self.today.clone()
    }

    /// This device's node id in the change log.
    pub fn device_id(&self) -> String {
        self.store.node().to_owned()
    }

    pub fn schema_version(&self) -> Result<u32, PphError> {
        Ok(self.store.schema_version()?)
    }

    /// Writes the person's whole record to one archive at `path` (a zip):
    /// every record of their own space, a FHIR R4 Bundle, a CSV per
    /// capability, each budget's audit pack and a printable page. Works
    /// offline; holds nothing of other people's but their names on the
    /// person's own records. `patient`: what the FHIR Patient may say.
    #[uniffi::method(default(patient = None))]
    pub fn export_all(
        &self,
        path: String,
        patient: Option<crate::diary::model::FhirPatient>,
    ) -> Result<crate::archive::ExportSummary, PphError> {
        Ok(crate::archive::export_all(
            &self.store,
            Path::new(&path),
            &patient.unwrap_or_default(),
        )?)
    }

    /// "A report for my doctor": the sections asked for over a date range,
    /// as one self-contained HTML page (inline SVG charts with their
    /// figures in tables, a print stylesheet) for the shell to print to PDF.
    pub fn report_for_doctor(
        &self,
        request: crate::report::ReportRequest,
    ) -> Result<String, PphError> {
        Ok(crate::report::for_my_doctor(&self.store, &request)?)
    }

    /// Restores an archive from `export_all` into this store, which must
    /// hold none of the person's records yet (a new phone without the
    /// server, or moving from another app): all of it, or nothing.
    pub fn import_all(&self, path: String) -> Result<crate::archive::ImportSummary, PphError> {
        Ok(crate::archive::import_all(&self.store, Path::new(&path))?)
    }

    /// Erases everything this phone holds for the person: closes and
    /// deletes the store and its write-ahead files and every copy of a
    /// patient's shared records, and says which receipt photos the shell
    /// must delete and that it must delete the key. Every later call on
    /// this companion is refused; open a new store to start again.
    pub fn erase_local(&self) -> Result<ErasureReceipt, PphError> {
        let receipt_photos = self.store.read(crate::budget::store::receipt_files)?;
        let mut deleted_files = self.sync.erase_shared_copies()?;
        deleted_files.extend(self.store.erase()?);
        Ok(ErasureReceipt {
            deleted_files,
            receipt_photos,
            delete_the_key: true,
            remains_elsewhere: vec![
                "Records that reached the sync server stay there: this erases this phone only.".into(),
                "Your other devices keep their own copies until you erase them too.".into(),
                "A clinician keeps what they read or exported from your shared records before: it is part of their own record.".into(),
                "Group members keep the messages you sent them.".into(),
            ],
        })
    }
}

impl PphCompanion {
    /// Pages the store's commits have written to its write-ahead log so
    /// far (Rust only: the benchmarks' pages per commit).
    pub fn wal_frames_written(&self) -> u64 {
        self.store.wal_frames_written()
    }

    /// Opens with an injected clock (tests, benchmarks, replays).
    pub fn open_with_clock(
        config: CompanionConfig,
        clock: Arc<dyn Clock>,
    ) -> Result<Arc<Self>, PphError> {
        let CompanionConfig {
            db_path,
            encryption_key,
            device_name,
        } = config;
        // The shell's copy of the key is zeroed once the store has it.
        let encryption_key = zeroize::Zeroizing::new(encryption_key);
        if db_path.trim().is_empty() {
            return Err(PphError::validation("db_path", "must not be empty"));
        }
        crate::validate::required_text("device_name", &device_name, MAX_DEVICE_NAME)?;
        let store = Arc::new(Store::open(
            Path::new(&db_path),
            &encryption_key,
            &device_name,
            clock.clone(),
        )?);
        // One client per server, shared by sync and groups.
        let net = Arc::new(Net::http());
        let timebank = Arc::new(Timebank::new(store.clone(), clock.clone()));
        // The account and sharing act through sync's client state; groups
        // sign admissions with the identity it keeps.
        let sync = Arc::new(SyncEngine::new(
            store.clone(),
            net.clone(),
            &db_path,
            &device_name,
            clock.clone(),
        ));
        let groups = Arc::new(Groups::new(store.clone(), net, clock, sync.clone()));
        Ok(Arc::new(PphCompanion {
            groups,
            timebank,
            account: Arc::new(Account::new(sync.clone())),
            sharing: Arc::new(Sharing::new(sync.clone())),
            sync,
            care_plans: Arc::new(CarePlans::new(store.clone())),
            budgets: Arc::new(Budgets::new(store.clone())),
            diary: Arc::new(Diary::new(store.clone())),
            today: Arc::new(Today::new(store.clone())),
            store,
        }))
    }

    pub fn store(&self) -> &Store {
        &self.store
    }
}
