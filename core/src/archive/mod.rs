//! The person's whole record in one file they keep (`export_all`), and back
//! into an empty store (`import_all`): a zip holding every record of their
//! own space as JSON (what import reads), a FHIR R4 Bundle, a CSV per
//! capability, each budget's audit pack and a printable "my record" page.
//! Only the person's own data: of groups, their own messages.

mod fhir;
mod html;

use crate::budget::Budgets;
use crate::care_plan::model::Completion;
use crate::diary::model::FhirPatient;
use crate::diary::Diary;
use crate::error::{PphError, Result};
use crate::store::Store;
use crate::sync::registry::{holds_kind, records_of_kind, restore_record};
use pph_protocol::kinds::{self, SpaceKind};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::path::Path;
use std::sync::Arc;

const FORMAT: &str = "pph-archive";
const VERSION: u32 = 1;
const RECORDS: &str = "records.json";
/// The widest range the diary and budget exports take: everything.
const EVER: (&str, &str) = ("1970-01-01", "9999-12-31");
/// Largest records.json import reads, against a crafted archive.
const MAX_RECORDS_BYTES: u64 = 512 * 1024 * 1024;

/// What `export_all` wrote.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, uniffi::Record)]
pub struct ExportSummary {
    pub path: String,
    /// The files inside the archive.
    pub files: Vec<String>,
    /// Records of the person's own space in it.
    pub records: u32,
    pub bytes: u64,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, uniffi::Record)]
pub struct KindCount {
    pub kind: String,
    pub count: u32,
}

/// What `import_all` restored.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, uniffi::Record)]
pub struct ImportSummary {
    pub records: u32,
    pub by_kind: Vec<KindCount>,
}

/// records.json: what import reads back.
#[derive(Serialize, Deserialize)]
struct Records {
    format: String,
    version: u32,
    /// Every record of the person's own space, by kind, in id order.
    records: BTreeMap<String, Vec<Value>>,
    /// The person's own group messages (to keep; not imported: the groups
    /// give them back when the person joins again).
    my_group_messages: Vec<Value>,
}

/// Every record of a kind in the archive, read as its type.
fn all<T: serde::de::DeserializeOwned>(records: &Records, kind: &str) -> Result<Vec<T>> {
    records
        .records
        .get(kind)
        .into_iter()
        .flatten()
        .map(|d| Ok(serde_json::from_value(d.clone())?))
        .collect()
}

fn personal_kinds() -> impl Iterator<Item = &'static str> {
    kinds::KINDS
        .iter()
        .filter(|r| r.space == SpaceKind::Personal)
        .map(|r| r.kind)
}

fn own_records(store: &Store) -> Result<Records> {
    let me = store.me().map(|m| m.account_id).unwrap_or_default();
    store.read(|conn| {
        let mut records = BTreeMap::new();
        for kind in personal_kinds() {
            if let Some(docs) = records_of_kind(conn, kind)? {
                records.insert(kind.to_owned(), docs);
            }
        }
        let my_group_messages = crate::store::entity::docs(
            &mut conn.prepare_cached(
                "SELECT doc FROM group_messages WHERE json_extract(doc, '$.author_id') = ?1
                 ORDER BY sent_at_ms, id",
            )?,
            [&me],
        )?;
        Ok(Records {
            format: FORMAT.into(),
            version: VERSION,
            records,
            my_group_messages,
        })
    })
}

fn completions_csv(records: &Records) -> Result<String> {
    let mut out = csv::Writer::from_writer(Vec::new());
    out.write_record([
        "id",
        "activity_id",
        "local_date",
        "outcome",
        "note",
        "value",
    ])
    .map_err(csv_error)?;
    for c in all::<Completion>(records, kinds::PLAN_COMPLETION)? {
        let outcome = serde_json::to_value(c.outcome)?;
        out.write_record([
            c.id.as_str(),
            c.activity_id.as_str(),
            c.local_date.as_str(),
            outcome.as_str().unwrap_or_default(),
            c.note.as_deref().unwrap_or_default(),
            &c.value.map(|v| v.to_string()).unwrap_or_default(),
        ])
        .map_err(csv_error)?;
    }
    String::from_utf8(out.into_inner().map_err(|_| csv_failure())?)
        .map_err(|_| csv_failure().into())
}

fn csv_error(_: csv::Error) -> crate::error::Error {
    csv_failure().into()
}

fn csv_failure() -> PphError {
    PphError::Internal {
        reason: "could not write a CSV".into(),
    }
}

fn zip_error(e: zip::result::ZipError) -> crate::error::Error {
    match e {
        zip::result::ZipError::Io(io) => io.into(),
        _ => PphError::validation("path", "not an archive made by export_all").into(),
    }
}

/// Writes the archive to `path` (through a temporary file renamed into
/// place, so a crash never leaves half an archive under that name).
pub(crate) fn export_all(
    store: &Arc<Store>,
    path: &Path,
    patient: &FhirPatient,
) -> Result<ExportSummary> {
    patient.validate()?;
    let records = own_records(store)?;
    let diary = Diary::new(store.clone());
    let mut files: Vec<(String, Vec<u8>)> = vec![
        (RECORDS.into(), serde_json::to_vec_pretty(&records)?),
        (
            "fhir/bundle.json".into(),
            serde_json::to_vec_pretty(&fhir::bundle(store, &records, patient)?)?,
        ),
        (
            "csv/diary.csv".into(),
            diary.export_csv(EVER.0.into(), EVER.1.into())?.into_bytes(),
        ),
        (
            "csv/care-plan-completions.csv".into(),
            completions_csv(&records)?.into_bytes(),
        ),
    ];
    let budgets = Budgets::new(store.clone());
    for (i, budget) in budgets.list_budgets()?.into_iter().enumerate() {
        let pack = budgets.export_audit_pack(
            budget.id.clone(),
            budget.period_start.clone(),
            budget.period_end.clone(),
        )?;
        files.push((
            format!("audit/budget-{}-spends.csv", i + 1),
            pack.spends_csv.into_bytes(),
        ));
        files.push((
            format!("audit/budget-{}-summary.csv", i + 1),
            pack.summary_csv.into_bytes(),
        ));
    }
    files.push((
        "my-record.html".into(),
        html::my_record(store, &records)?.into_bytes(),
    ));

    let partial = path.with_extension("partial");
    {
        let file = std::fs::File::create(&partial)?;
        let mut zip = zip::ZipWriter::new(file);
        let options = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Deflated);
        for (name, bytes) in &files {
            zip.start_file(name.as_str(), options).map_err(zip_error)?;
            zip.write_all(bytes)?;
        }
        zip.finish().map_err(zip_error)?.sync_all()?;
    }
    std::fs::rename(&partial, path)?;
    Ok(ExportSummary {
        path: path.display().to_string(),
        files: files.into_iter().map(|(name, _)| name).collect(),
        records: records.records.values().map(|v| v.len() as u32).sum(),
        bytes: std::fs::metadata(path)?.len(),
    })
}

/// Restores an archive's records into this store, which must hold none of
/// its own yet: all in one transaction, or nothing.
pub(crate) fn import_all(store: &Store, path: &Path) -> Result<ImportSummary> {
    let file = std::fs::File::open(path)?;
    let mut zip = zip::ZipArchive::new(file).map_err(zip_error)?;
    let entry = zip.by_name(RECORDS).map_err(zip_error)?;
    let mut text = String::new();
    entry.take(MAX_RECORDS_BYTES).read_to_string(&mut text)?;
    let records: Records = serde_json::from_str(&text)
        .map_err(|_| PphError::validation("path", "the archive's records.json is unreadable"))?;
    if records.format != FORMAT || records.version != VERSION {
        return Err(PphError::validation("path", "not an archive this version reads").into());
    }
    let known: Vec<&str> = personal_kinds().collect();
    if let Some(kind) = records
        .records
        .keys()
        .find(|k| !known.contains(&k.as_str()))
    {
        return Err(PphError::validation(
            "path",
            format!("the archive holds a kind this version does not know ({kind})"),
        )
        .into());
    }
    let already = store.read(|conn| {
        for kind in personal_kinds() {
            if holds_kind(conn, kind)? {
                return Ok(true);
            }
        }
        Ok(false)
    })?;
    if already {
        return Err(PphError::Conflict {
            reason: "an archive is imported into an empty store only".into(),
        }
        .into());
    }
    let mut by_kind = Vec::new();
    store.write(|tx| {
        // In the authorisation table's order: parents before children.
        for kind in personal_kinds() {
            let docs = records.records.get(kind).map_or(&[][..], Vec::as_slice);
            for doc in docs {
                restore_record(tx, kind, doc.clone())?;
            }
            if !docs.is_empty() {
                by_kind.push(KindCount {
                    kind: kind.to_owned(),
                    count: docs.len() as u32,
                });
            }
        }
        Ok(())
    })?;
    Ok(ImportSummary {
        records: by_kind.iter().map(|k| k.count).sum(),
        by_kind,
    })
}
