//! One record is one Automerge document. This module names the kinds of
//! document, and reads and writes a whole record from and to a document.
//!
//! A document's root map holds the record's fields (mapped by autosurgeon)
//! plus two keys of our own: `record_kind`, which says what the record is, and
//! `schema_version`, so that a later version of the app can migrate.

use automerge::{transaction::Transactable, AutoCommit, ScalarValue, Value, ROOT};
use autosurgeon::{hydrate, reconcile, ReadDoc};

use crate::domain::{Activity, Directory, Hotspot, Inspection, PatrolVisit, PromisePlan, Venue};

pub const KIND_KEY: &str = "record_kind";
pub const SCHEMA_VERSION_KEY: &str = "schema_version";
pub const SCHEMA_VERSION: u64 = 1;

/// What a document is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum DocKind {
    Hotspot,
    Venue,
    PromisePlan,
    Directory,
    PatrolVisit,
    Inspection,
    Activity,
}

impl DocKind {
    pub const ALL: [DocKind; 7] = [
        DocKind::Hotspot,
        DocKind::Venue,
        DocKind::PromisePlan,
        DocKind::Directory,
        DocKind::PatrolVisit,
        DocKind::Inspection,
        DocKind::Activity,
    ];

    /// The name stored in documents, in the database and on the wire.
    pub fn as_str(self) -> &'static str {
        match self {
            DocKind::Hotspot => "hotspot",
            DocKind::Venue => "venue",
            DocKind::PromisePlan => "plan",
            DocKind::Directory => "directory",
            DocKind::PatrolVisit => "visit",
            DocKind::Inspection => "inspection",
            DocKind::Activity => "activity",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == s)
    }
}

/// A whole record of any kind.
#[derive(Debug, Clone, PartialEq)]
pub enum Record {
    Hotspot(Hotspot),
    Venue(Venue),
    PromisePlan(PromisePlan),
    Directory(Directory),
    PatrolVisit(PatrolVisit),
    Inspection(Inspection),
    Activity(Activity),
}

impl Record {
    pub fn kind(&self) -> DocKind {
        match self {
            Record::Hotspot(_) => DocKind::Hotspot,
            Record::Venue(_) => DocKind::Venue,
            Record::PromisePlan(_) => DocKind::PromisePlan,
            Record::Directory(_) => DocKind::Directory,
            Record::PatrolVisit(_) => DocKind::PatrolVisit,
            Record::Inspection(_) => DocKind::Inspection,
            Record::Activity(_) => DocKind::Activity,
        }
    }

    /// The officers named as taking part, who may see and amend the record
    /// besides the one who created it.
    pub fn participants(&self) -> Vec<uuid::Uuid> {
        let mut ids = match self {
            Record::PatrolVisit(v) => v.participants.clone(),
            Record::Inspection(i) => i.participants.iter().map(|p| p.officer_id).collect(),
            Record::Activity(a) => a.participants.clone(),
            _ => Vec::new(),
        };
        ids.sort();
        ids.dedup();
        ids
    }
}

impl Record {
    /// The record's free text (notes, findings, checklist comments), one
    /// part per line: what an export leaves out unless a coordinator asks
    /// for it with a purpose, which is logged. Empty parts are left out.
    pub fn free_text(&self) -> String {
        let parts: Vec<String> = match self {
            Record::PatrolVisit(v) => vec![v.notes.as_str().to_string()],
            Record::Activity(a) => vec![a.notes.as_str().to_string()],
            Record::Inspection(i) => std::iter::once(i.findings.as_str().to_string())
                .chain(i.checklist.iter().map(|(item, e)| {
                    let c = e.comment.as_str().trim();
                    if c.is_empty() {
                        String::new()
                    } else {
                        format!("{item}: {c}")
                    }
                }))
                .collect(),
            _ => Vec::new(),
        };
        parts
            .into_iter()
            .map(|p| p.trim().to_string())
            .filter(|p| !p.is_empty())
            .collect::<Vec<_>>()
            .join("\n")
    }
}

#[derive(Debug, thiserror::Error)]
pub enum RecordError {
    #[error("the document has no record kind; it was not made by Trygghetslogg")]
    MissingKind,
    #[error("the document is of an unknown kind {0:?}")]
    UnknownKind(String),
    #[error("the document was written by a newer schema (version {0}); update the app")]
    NewerSchema(u64),
    #[error("the document does not match the {kind} schema: {source}")]
    Schema {
        kind: &'static str,
        #[source]
        source: Box<autosurgeon::HydrateError>,
    },
    #[error("could not write the record into its document: {0}")]
    Write(Box<autosurgeon::ReconcileError>),
    #[error("automerge: {0}")]
    Automerge(#[from] automerge::AutomergeError),
}

/// Reads the kind of a document without reading the whole record.
pub fn read_kind<D: ReadDoc>(doc: &D) -> Result<DocKind, RecordError> {
    match doc.get(&ROOT, KIND_KEY)? {
        Some((Value::Scalar(s), _)) => match s.as_ref() {
            ScalarValue::Str(k) => {
                DocKind::parse(k).ok_or_else(|| RecordError::UnknownKind(k.to_string()))
            }
            _ => Err(RecordError::MissingKind),
        },
        _ => Err(RecordError::MissingKind),
    }
}

fn read_schema_version<D: ReadDoc>(doc: &D) -> Result<u64, RecordError> {
    Ok(match doc.get(&ROOT, SCHEMA_VERSION_KEY)? {
        Some((Value::Scalar(s), _)) => match s.as_ref() {
            ScalarValue::Uint(v) => *v,
            ScalarValue::Int(v) => (*v).max(0) as u64,
            _ => 0,
        },
        _ => 0,
    })
}

/// Reads a whole record out of a document.
pub fn read_record<D: ReadDoc>(doc: &D) -> Result<Record, RecordError> {
    let kind = read_kind(doc)?;
    let version = read_schema_version(doc)?;
    if version > SCHEMA_VERSION {
        return Err(RecordError::NewerSchema(version));
    }
    let schema = |source: autosurgeon::HydrateError| RecordError::Schema {
        kind: kind.as_str(),
        source: Box::new(source),
    };
    Ok(match kind {
        DocKind::Hotspot => Record::Hotspot(hydrate(doc).map_err(schema)?),
        DocKind::Venue => Record::Venue(hydrate(doc).map_err(schema)?),
        DocKind::PromisePlan => Record::PromisePlan(hydrate(doc).map_err(schema)?),
        DocKind::Directory => Record::Directory(hydrate(doc).map_err(schema)?),
        DocKind::PatrolVisit => Record::PatrolVisit(hydrate(doc).map_err(schema)?),
        DocKind::Inspection => Record::Inspection(hydrate(doc).map_err(schema)?),
        DocKind::Activity => Record::Activity(hydrate(doc).map_err(schema)?),
    })
}

/// Writes a record into a document as the smallest set of operations that
/// turns the document's current content into `record` (autosurgeon's
/// reconcile). Does not commit: the caller decides the change's time.
pub fn write_record(doc: &mut AutoCommit, record: &Record) -> Result<(), RecordError> {
    let written = match record {
        Record::Hotspot(r) => reconcile(doc, r),
        Record::Venue(r) => reconcile(doc, r),
        Record::PromisePlan(r) => reconcile(doc, r),
        Record::Directory(r) => reconcile(doc, r),
        Record::PatrolVisit(r) => reconcile(doc, r),
        Record::Inspection(r) => reconcile(doc, r),
        Record::Activity(r) => reconcile(doc, r),
    };
    written.map_err(|e| RecordError::Write(Box::new(e)))?;
    // Written only when different, so that an edit that changes nothing
    // else makes no operations at all.
    if read_kind(doc).ok() != Some(record.kind()) {
        doc.put(ROOT, KIND_KEY, record.kind().as_str())?;
    }
    if read_schema_version(doc)? != SCHEMA_VERSION {
        doc.put(ROOT, SCHEMA_VERSION_KEY, ScalarValue::Uint(SCHEMA_VERSION))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::*;
    use uuid::Uuid;

    pub fn sample_visit() -> PatrolVisit {
        let mut v = PatrolVisit::new(Uuid::new_v4(), Uuid::new_v4(), 1_732_000_000_000);
        v.ended_at = Some(1_732_000_720_000);
        v.contacts.increment(3);
        v.problems
            .insert(SafetyProblem::PoorLighting.key().into(), true);
        v.notes = "Trasig belysning vid busshållplatsen".into();
        v
    }

    #[test]
    fn every_kind_round_trips_through_a_document() {
        // Every kind with every optional part filled: the schema's samples.
        let records = crate::schema::tests::samples();
        for r in records {
            let mut doc = AutoCommit::new();
            write_record(&mut doc, &r).expect("write");
            doc.commit();
            let bytes = doc.save();
            let loaded = AutoCommit::load(&bytes).expect("load");
            assert_eq!(read_record(&loaded).expect("read"), r, "{:?}", r.kind());
        }
    }

    #[test]
    fn a_document_without_kind_is_refused_with_a_reason() {
        let mut doc = AutoCommit::new();
        doc.put(ROOT, "name", "x").expect("put");
        assert!(matches!(read_record(&doc), Err(RecordError::MissingKind)));
        doc.put(ROOT, KIND_KEY, "spaceship").expect("put");
        assert!(matches!(
            read_record(&doc),
            Err(RecordError::UnknownKind(_))
        ));
    }

    #[test]
    fn a_visit_missing_a_field_is_a_schema_error() {
        let mut doc = AutoCommit::new();
        doc.put(ROOT, KIND_KEY, "visit").expect("put");
        let err = read_record(&doc).expect_err("must fail");
        assert!(err.to_string().contains("visit schema"), "{err}");
    }

    #[test]
    fn rewriting_an_unchanged_record_makes_no_change() {
        let mut doc = AutoCommit::new();
        let r = Record::PatrolVisit(sample_visit());
        write_record(&mut doc, &r).expect("write");
        doc.commit();
        let again = read_record(&doc).expect("read");
        write_record(&mut doc, &again).expect("write");
        assert!(doc.commit().is_none(), "no-op edit produced a change");
    }

    /// Guards the `utf8-indexing` feature of automerge: without it,
    /// autosurgeon's byte-counted text edits fail on å, ä and ö.
    #[test]
    fn amending_swedish_notes_works() {
        let mut doc = AutoCommit::new();
        let mut v = sample_visit();
        v.notes = "Trasig belysning på gångvägen".into();
        write_record(&mut doc, &Record::PatrolVisit(v)).expect("write");
        doc.commit();
        let Record::PatrolVisit(mut v) = read_record(&doc).expect("read") else {
            panic!("kind")
        };
        v.notes.update("Trasig belysning på gångvägen, lagad i år");
        write_record(&mut doc, &Record::PatrolVisit(v)).expect("amend");
        doc.commit();
        let Record::PatrolVisit(v) = read_record(&doc).expect("read") else {
            panic!("kind")
        };
        assert_eq!(
            v.notes.as_str(),
            "Trasig belysning på gångvägen, lagad i år"
        );
    }
}
