//! The document schema of every record kind, as data: each field's name,
//! Automerge type, whether it is required, and its allowed values. Three
//! users: the server refuses a document that does not match with a message
//! naming the field (`check`); `docs/protocol.md`'s tables are rendered from
//! it (`markdown`, kept true by a test); and the round-trip test proves it
//! is exactly what `record::write_record` writes (autosurgeon's mapping).

use automerge::{ObjId, ObjType, ReadDoc, ScalarValue, Value, ROOT};

use crate::domain::{ChecklistItem, SafetyProblem};
use crate::record::{DocKind, KIND_KEY, SCHEMA_VERSION_KEY};

/// The Automerge type of a field.
#[derive(Debug, Clone, Copy)]
pub enum Ty {
    /// A scalar string (not a text object).
    Str,
    /// A scalar string `YYYY-MM-DD`.
    Date,
    /// A scalar string `HH:MM`.
    TimeOfDay,
    /// An Automerge text object: concurrent edits merge by character.
    Text,
    /// A signed integer: milliseconds since 1970-01-01 UTC.
    Millis,
    /// An unsigned integer.
    Uint,
    /// An Automerge counter: concurrent increments add up.
    Counter,
    Bool,
    F64,
    /// A 16-byte byte string.
    Uuid,
    /// A scalar string, one of these (an enum's variant name).
    OneOf(&'static [&'static str]),
    /// Null, or the inner type.
    Nullable(&'static Ty),
    /// Absent (a field added after the first release: older phones do not
    /// write it), or the inner type.
    Optional(&'static Ty),
    /// A list of the inner type.
    List(&'static Ty),
    /// A map with these fields (a nested struct).
    Map(&'static [Field]),
    /// A map whose keys are from `keys` (or any text, when none), each
    /// holding the inner type.
    KeyedMap {
        keys: Option<&'static [&'static str]>,
        value: &'static Ty,
    },
}

/// One field of a record's root map or of a nested map.
#[derive(Debug, Clone, Copy)]
pub struct Field {
    pub name: &'static str,
    pub ty: Ty,
    /// What the field means, for the protocol document.
    pub about: &'static str,
}

const fn f(name: &'static str, ty: Ty, about: &'static str) -> Field {
    Field { name, ty, about }
}

macro_rules! names {
    ($ty:ty, $list:expr, $name:ident) => {{
        const N: usize = $list.len();
        const fn build() -> [&'static str; N] {
            let mut out = [""; N];
            let mut i = 0;
            while i < N {
                out[i] = $list[i].$name();
                i += 1;
            }
            out
        }
        &build()
    }};
}

// Enum variant names as autosurgeon writes them (the Rust variant name).
const ORGANISATION: &[&str] = &["Police", "Municipality"];
const FOLLOW_UP: &[&str] = &["None", "Revisit", "SupervisionCase"];
const ANSWER: &[&str] = &["Fine", "Remark", "NotChecked"];
const ACTIVITY_KIND: &[&str] = &[
    "SchoolVisit",
    "InformationMeeting",
    "ThemedEvening",
    "Enforcement",
    "Outreach",
    "Other",
];
const RISK: &[&str] = &["Low", "Medium", "High"];
const OWNER: &[&str] = &["Police", "Municipality", "Joint"];
const COUNTS: &[&str] = &["PatrolVisits", "Inspections", "Activities"];
const TARGET_PERIOD: &[&str] = &["Year", "Tertial", "Quarter", "Plan"];
const CHECKLIST_KEYS: &[&str] = names!(ChecklistItem, ChecklistItem::ALL, key);
const PROBLEM_KEYS: &[&str] = names!(SafetyProblem, SafetyProblem::ALL, key);

const NULLABLE_MILLIS: Ty = Ty::Nullable(&Ty::Millis);
const NULLABLE_BOOL: Ty = Ty::Nullable(&Ty::Bool);
const DISCARDED_AT: Ty = Ty::Optional(&NULLABLE_MILLIS);
const NULLABLE_UUID: Ty = Ty::Nullable(&Ty::Uuid);
const MUNICIPALITY_ID: Ty = Ty::Optional(&NULLABLE_UUID);
const DISCARDED_ABOUT: &str =
    "when its officer discarded it (started by mistake): it then counts nowhere; null or absent: not discarded";

const AREA_CHECK: &[Field] = &[
    f(
        "at_start",
        NULLABLE_BOOL,
        "the visit started inside the hotspot's area; null: not known",
    ),
    f(
        "at_end",
        NULLABLE_BOOL,
        "the visit ended inside the hotspot's area; null: not known",
    ),
];

const VISIT: &[Field] = &[
    f(
        "hotspot_id",
        Ty::Uuid,
        "the hotspot (a `hotspot` document's id)",
    ),
    f(
        "initiative_id",
        Ty::Uuid,
        "the initiative it counts toward; must count `PatrolVisits`",
    ),
    f(
        "started_at",
        Ty::Millis,
        "start, by the phone's clock; at most 12 h ahead of the server's",
    ),
    f(
        "ended_at",
        NULLABLE_MILLIS,
        "end; null while under way; not before the start, at most 24 h after",
    ),
    f("officers_count", Ty::Uint, "officers on the visit, 1 to 20"),
    f(
        "participants",
        Ty::List(&Ty::Uuid),
        "other officers (directory ids) who may see and amend it, at most 20",
    ),
    f("contacts", Ty::Counter, "contacts made, 0 to 10 000"),
    f("interventions", Ty::Counter, "interventions, 0 to 10 000"),
    f(
        "problems",
        Ty::KeyedMap {
            keys: Some(PROBLEM_KEYS),
            value: &Ty::Bool,
        },
        "safety problems seen: key → true",
    ),
    f(
        "notes",
        Ty::Text,
        "free notes, at most 4 000 characters; no names, no personal identity numbers",
    ),
    f(
        "area_check",
        Ty::Map(AREA_CHECK),
        "whether the visit was inside the hotspot's area (no position is kept)",
    ),
    f("discarded_at", DISCARDED_AT, DISCARDED_ABOUT),
];

const PARTICIPANT: &[Field] = &[
    f("officer_id", Ty::Uuid, "a directory id"),
    f(
        "organisation",
        Ty::OneOf(ORGANISATION),
        "as the directory gives it",
    ),
];

const CHECKLIST_ENTRY: &[Field] = &[
    f("answer", Ty::OneOf(ANSWER), "the finding"),
    f("comment", Ty::Text, "at most 4 000 characters"),
];

const INSPECTION: &[Field] = &[
    f("venue_id", Ty::Uuid, "the venue (a `venue` document's id)"),
    f(
        "initiative_id",
        Ty::Uuid,
        "the initiative it counts toward; must count `Inspections`",
    ),
    f(
        "started_at",
        Ty::Millis,
        "start; at most 12 h ahead of the server's clock",
    ),
    f("ended_at", NULLABLE_MILLIS, "end; null while under way"),
    f(
        "participants",
        Ty::List(&Ty::Map(PARTICIPANT)),
        "the inspectors, police and municipality, keyed by `officer_id`; at most 20",
    ),
    f(
        "checklist",
        Ty::KeyedMap {
            keys: Some(CHECKLIST_KEYS),
            value: &Ty::Map(CHECKLIST_ENTRY),
        },
        "one entry per item answered: concurrent edits of different items merge",
    ),
    f(
        "findings",
        Ty::Text,
        "summary read back to the responsible manager, at most 4 000 characters",
    ),
    f(
        "follow_up",
        Ty::OneOf(FOLLOW_UP),
        "what the inspectors propose; the municipality decides sanctions",
    ),
    f(
        "read_back_at",
        Ty::Optional(&NULLABLE_MILLIS),
        "when the findings were read back to the responsible manager; null or absent: not yet",
    ),
    f("discarded_at", DISCARDED_AT, DISCARDED_ABOUT),
];

const ACTIVITY: &[Field] = &[
    f(
        "initiative_id",
        Ty::Uuid,
        "the initiative it counts toward; must count `Activities`",
    ),
    f(
        "date",
        Ty::Date,
        "the day it took place; not after tomorrow",
    ),
    f("kind", Ty::OneOf(ACTIVITY_KIND), "what was done"),
    f("people_reached", Ty::Uint, "0 to 1 000 000"),
    f(
        "participants",
        Ty::List(&Ty::Uuid),
        "other officers who may see and amend it",
    ),
    f("notes", Ty::Text, "free notes, at most 4 000 characters"),
    f(
        "draft",
        Ty::Optional(&Ty::Bool),
        "true until its officer saves it; a draft counts nowhere; absent: saved",
    ),
    f("discarded_at", DISCARDED_AT, DISCARDED_ABOUT),
];

const GEO_POINT: &[Field] = &[
    f("lat", Ty::F64, "WGS 84 latitude"),
    f("lon", Ty::F64, "WGS 84 longitude"),
];
const DOSAGE: &[Field] = &[
    f("visits_per_week", Ty::Uint, "prescribed visits per week"),
    f("minutes_per_week", Ty::Uint, "prescribed minutes per week"),
];
const HOTSPOT: &[Field] = &[
    f("name", Ty::Str, "shown to officers"),
    f("centre", Ty::Map(GEO_POINT), "the centre of its area"),
    f("radius_m", Ty::Uint, "the area's radius in metres"),
    f("active_from", Ty::Date, "first day it is patrolled"),
    f(
        "active_to",
        Ty::Nullable(&Ty::Date),
        "last day; null: open-ended",
    ),
    f("dosage", Ty::Map(DOSAGE), "the prescription"),
    f(
        "initiative_id",
        Ty::Uuid,
        "the patrol initiative its visits count toward",
    ),
    f(
        "municipality_id",
        MUNICIPALITY_ID,
        "the municipality it belongs to; set when made, never changed",
    ),
    f("demo", Ty::Bool, "invented demo data"),
];

const SERVING_HOURS: &[Field] = &[
    f("opens", Ty::TimeOfDay, "serving starts"),
    f(
        "closes",
        Ty::TimeOfDay,
        "serving ends (may be after midnight)",
    ),
];
const CONDITIONS: &[Field] = &[
    f(
        "security_staff_required",
        Ty::Bool,
        "licensed security staff required",
    ),
    f("late_hours", Ty::Bool, "serves after 01:00"),
    f("dancing", Ty::Bool, "dancing"),
    f("outdoor_area", Ty::Bool, "an outdoor serving area"),
];
const VENUE: &[Field] = &[
    f("name", Ty::Str, "the venue's name"),
    f("licensee", Ty::Str, "the licence holder (a company)"),
    f("serving_hours", Ty::Map(SERVING_HOURS), "as licensed"),
    f(
        "conditions",
        Ty::Map(CONDITIONS),
        "the licence's conditions",
    ),
    f("risk", Ty::OneOf(RISK), "for the order of inspections"),
    f(
        "municipality_id",
        MUNICIPALITY_ID,
        "the municipality it belongs to; set when made, never changed",
    ),
    f("demo", Ty::Bool, "invented demo data"),
];

const TARGET: &[Field] = &[
    f("at_least", Ty::Uint, "the promised output"),
    f("unit", Ty::Str, "what is counted, in words"),
    f(
        "per",
        Ty::OneOf(TARGET_PERIOD),
        "the period the target is for",
    ),
];
const INITIATIVE: &[Field] = &[
    f("id", Ty::Uuid, "the key records name it by"),
    f("title", Ty::Str, "the promise"),
    f("owner", Ty::OneOf(OWNER), "who carries it out"),
    f(
        "target",
        Ty::Nullable(&Ty::Map(TARGET)),
        "the output target; null: none",
    ),
    f("counts", Ty::OneOf(COUNTS), "which records count toward it"),
];
const FOCUS_AREA: &[Field] = &[
    f("id", Ty::Uuid, "key"),
    f("name", Ty::Str, "the focus area"),
    f(
        "initiatives",
        Ty::List(&Ty::Map(INITIATIVE)),
        "keyed by `id`",
    ),
];
const PLAN: &[Field] = &[
    f("municipality", Ty::Str, "whose promises"),
    f("period_start", Ty::Date, "first day"),
    f("period_end", Ty::Date, "last day"),
    f(
        "focus_areas",
        Ty::List(&Ty::Map(FOCUS_AREA)),
        "keyed by `id`",
    ),
    f(
        "municipality_id",
        MUNICIPALITY_ID,
        "the municipality it belongs to; set when made, never changed",
    ),
    f("demo", Ty::Bool, "invented demo data"),
];

const DIRECTORY_ENTRY: &[Field] = &[
    f(
        "id",
        Ty::Uuid,
        "the officer's id, as records name participants",
    ),
    f("name", Ty::Str, "display name"),
    f(
        "organisation",
        Ty::OneOf(ORGANISATION),
        "police or municipality",
    ),
    f(
        "actors",
        Ty::List(&Ty::Str),
        "hex Automerge actor ids of the officer's devices (to name who made a change)",
    ),
];
const DIRECTORY: &[Field] = &[
    f(
        "officers",
        Ty::List(&Ty::Map(DIRECTORY_ENTRY)),
        "every officer and municipal inspector who works in the municipality, keyed by `id`",
    ),
    f(
        "municipality_id",
        MUNICIPALITY_ID,
        "the municipality whose officers these are",
    ),
];

/// The fields of a kind's root map, besides `record_kind` and
/// `schema_version`.
pub fn fields(kind: DocKind) -> &'static [Field] {
    match kind {
        DocKind::PatrolVisit => VISIT,
        DocKind::Inspection => INSPECTION,
        DocKind::Activity => ACTIVITY,
        DocKind::Hotspot => HOTSPOT,
        DocKind::Venue => VENUE,
        DocKind::PromisePlan => PLAN,
        DocKind::Directory => DIRECTORY,
    }
}

/// Where a document departs from its kind's schema.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{path} must be {expected}")]
pub struct Mismatch {
    /// The field, as `checklist.staff_register.answer` or `participants[1]`.
    pub path: String,
    pub expected: String,
}

/// Checks a document against its kind's schema: every field present with
/// its type and an allowed value. Unknown keys are allowed (a later
/// version may add fields) but not checked.
pub fn check<D: ReadDoc>(doc: &D, kind: DocKind) -> Result<(), Mismatch> {
    check_map(doc, &ROOT, fields(kind), "")
}

fn check_map<D: ReadDoc>(doc: &D, obj: &ObjId, fields: &[Field], at: &str) -> Result<(), Mismatch> {
    for field in fields {
        let path = join(at, field.name);
        let value = doc.get(obj, field.name).ok().flatten();
        check_value(doc, value, &field.ty, &path)?;
    }
    Ok(())
}

fn join(at: &str, name: &str) -> String {
    if at.is_empty() {
        name.to_string()
    } else {
        format!("{at}.{name}")
    }
}

fn check_value<D: ReadDoc>(
    doc: &D,
    value: Option<(Value<'_>, ObjId)>,
    ty: &Ty,
    path: &str,
) -> Result<(), Mismatch> {
    let bad = || Mismatch {
        path: path.to_string(),
        expected: describe(ty),
    };
    let Some((value, id)) = value else {
        return if matches!(ty, Ty::Optional(_)) {
            Ok(())
        } else {
            Err(bad())
        };
    };
    let ok = match (ty, &value) {
        (Ty::Optional(inner), _) => {
            return check_value(doc, Some((value, id)), inner, path).map_err(|mut e| {
                if e.path == path {
                    e.expected = describe(ty);
                }
                e
            })
        }
        (Ty::Nullable(_), Value::Scalar(s)) if matches!(s.as_ref(), ScalarValue::Null) => true,
        (Ty::Nullable(inner), _) => {
            return check_value(doc, Some((value, id)), inner, path).map_err(|mut e| {
                if e.path == path {
                    e.expected = describe(ty);
                }
                e
            })
        }
        (Ty::Str, Value::Scalar(s)) => matches!(s.as_ref(), ScalarValue::Str(_)),
        (Ty::Date, Value::Scalar(s)) => {
            matches!(s.as_ref(), ScalarValue::Str(d) if is_date(d))
        }
        (Ty::TimeOfDay, Value::Scalar(s)) => {
            matches!(s.as_ref(), ScalarValue::Str(t) if is_time_of_day(t))
        }
        (Ty::OneOf(allowed), Value::Scalar(s)) => {
            matches!(s.as_ref(), ScalarValue::Str(v) if allowed.contains(&v.as_str()))
        }
        (Ty::Text, Value::Object(ObjType::Text)) => true,
        (Ty::Millis, Value::Scalar(s)) => matches!(s.as_ref(), ScalarValue::Int(_)),
        (Ty::Uint, Value::Scalar(s)) => matches!(s.as_ref(), ScalarValue::Uint(_)),
        (Ty::Counter, Value::Scalar(s)) => matches!(s.as_ref(), ScalarValue::Counter(_)),
        (Ty::Bool, Value::Scalar(s)) => matches!(s.as_ref(), ScalarValue::Boolean(_)),
        (Ty::F64, Value::Scalar(s)) => matches!(s.as_ref(), ScalarValue::F64(_)),
        (Ty::Uuid, Value::Scalar(s)) => {
            matches!(s.as_ref(), ScalarValue::Bytes(b) if b.len() == 16)
        }
        (Ty::List(inner), Value::Object(ObjType::List)) => {
            for i in 0..doc.length(&id) {
                let item = doc.get(&id, i).ok().flatten();
                check_value(doc, item, inner, &format!("{path}[{i}]"))?;
            }
            true
        }
        (Ty::Map(fields), Value::Object(ObjType::Map)) => {
            check_map(doc, &id, fields, path)?;
            true
        }
        (Ty::KeyedMap { keys, value }, Value::Object(ObjType::Map)) => {
            for key in doc.keys(&id) {
                let at = join(path, &key);
                if keys.is_some_and(|k| !k.contains(&key.as_str())) {
                    return Err(Mismatch {
                        path: at,
                        expected: "a known key".into(),
                    });
                }
                let item = doc.get(&id, key.as_str()).ok().flatten();
                check_value(doc, item, value, &at)?;
            }
            true
        }
        _ => false,
    };
    if ok {
        Ok(())
    } else {
        Err(bad())
    }
}

fn is_date(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() == 10
        && b[4] == b'-'
        && b[7] == b'-'
        && b.iter()
            .enumerate()
            .all(|(i, c)| i == 4 || i == 7 || c.is_ascii_digit())
}

fn is_time_of_day(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() == 5 && b[2] == b':' && [0, 1, 3, 4].iter().all(|&i| b[i].is_ascii_digit())
}

/// The type in the protocol document's words.
pub fn describe(ty: &Ty) -> String {
    match ty {
        Ty::Str => "scalar string".into(),
        Ty::Date => "scalar string `YYYY-MM-DD`".into(),
        Ty::TimeOfDay => "scalar string `HH:MM`".into(),
        Ty::Text => "text object".into(),
        Ty::Millis => "int (ms since 1970 UTC)".into(),
        Ty::Uint => "uint".into(),
        Ty::Counter => "counter".into(),
        Ty::Bool => "boolean".into(),
        Ty::F64 => "f64".into(),
        Ty::Uuid => "bytes (16, a UUID)".into(),
        Ty::OneOf(v) => format!(
            "scalar string, one of {}",
            v.iter()
                .map(|s| format!("`{s}`"))
                .collect::<Vec<_>>()
                .join(", ")
        ),
        Ty::Nullable(inner) => format!("null or {}", describe(inner)),
        Ty::Optional(inner) => format!("absent, or {}", describe(inner)),
        Ty::List(inner) => format!("list of {}", describe(inner)),
        Ty::Map(fields) => format!(
            "map {{{}}}",
            fields.iter().map(|f| f.name).collect::<Vec<_>>().join(", ")
        ),
        Ty::KeyedMap { keys, value } => match keys {
            Some(k) => format!(
                "map from {} to {}",
                k.iter()
                    .map(|s| format!("`{s}`"))
                    .collect::<Vec<_>>()
                    .join(", "),
                describe(value)
            ),
            None => format!("map to {}", describe(value)),
        },
    }
}

/// The protocol document's table of a kind: every field, nested ones with
/// their path, every field required unless its type says it may be absent.
pub fn markdown(kind: DocKind) -> String {
    let mut out = String::from("| field | Automerge type | meaning |\n|---|---|---|\n");
    out.push_str(&format!(
        "| `{KIND_KEY}` | scalar string `{}` | the record's kind |\n",
        kind.as_str()
    ));
    out.push_str(&format!(
        "| `{SCHEMA_VERSION_KEY}` | uint `1` | the schema's version |\n"
    ));
    rows(fields(kind), "", &mut out);
    out
}

fn rows(fields: &[Field], at: &str, out: &mut String) {
    for field in fields {
        let path = join(at, field.name);
        out.push_str(&format!(
            "| `{path}` | {} | {} |\n",
            describe(&field.ty),
            field.about
        ));
        let nested = match field.ty {
            Ty::Map(inner) => Some((inner, path.clone())),
            Ty::Nullable(Ty::Map(inner)) => Some((*inner, path.clone())),
            Ty::List(Ty::Map(inner)) => Some((*inner, format!("{path}[]"))),
            Ty::KeyedMap {
                value: Ty::Map(inner),
                ..
            } => Some((*inner, format!("{path}.<key>"))),
            _ => None,
        };
        if let Some((inner, at)) = nested {
            rows(inner, &at, out);
        }
    }
}

// The variant names above must be the enums' own: autosurgeon writes the
// Rust variant name. Checked against `Debug`, which prints the same name.
#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::domain::*;
    use crate::record::{write_record, Record};
    use automerge::AutoCommit;
    use uuid::Uuid;

    fn debug_names<T: std::fmt::Debug>(all: &[T]) -> Vec<String> {
        all.iter().map(|v| format!("{v:?}")).collect()
    }

    #[test]
    fn the_allowed_values_are_the_enums_variants() {
        let eq = |a: &[&str], b: Vec<String>| {
            assert_eq!(a, b.iter().map(String::as_str).collect::<Vec<_>>())
        };
        eq(
            ORGANISATION,
            debug_names(&[Organisation::Police, Organisation::Municipality]),
        );
        eq(FOLLOW_UP, debug_names(&FollowUp::ALL));
        eq(ANSWER, debug_names(&Answer::ALL));
        eq(ACTIVITY_KIND, debug_names(&ActivityKind::ALL));
        eq(RISK, debug_names(&RiskLevel::ALL));
        eq(OWNER, debug_names(&Owner::ALL));
        eq(COUNTS, debug_names(&Counts::ALL));
        eq(TARGET_PERIOD, debug_names(&TargetPeriod::ALL));
    }

    /// A record of every kind with every optional part filled, written by
    /// the product's own writer.
    pub fn samples() -> Vec<Record> {
        let officer = Uuid::new_v4();
        let mut visit = PatrolVisit::new(Uuid::new_v4(), Uuid::new_v4(), 1_780_000_000_000);
        visit.ended_at = Some(1_780_000_720_000);
        visit.participants.push(officer);
        visit.contacts.increment(2);
        visit
            .problems
            .insert(SafetyProblem::PoorLighting.key().into(), true);
        visit.notes = "Lugnt".into();
        visit.area_check.at_start = Some(true);
        visit.discarded_at = Some(1_780_000_800_000);
        let mut inspection = Inspection::new(Uuid::new_v4(), Uuid::new_v4(), 1_780_000_000_000);
        inspection.participants.push(Participant {
            officer_id: officer,
            organisation: Organisation::Municipality,
        });
        inspection.entry_mut(ChecklistItem::StaffRegister).answer = Answer::Remark;
        inspection.findings = "Personalliggaren saknades".into();
        inspection.follow_up = FollowUp::Revisit;
        inspection.read_back_at = Some(1_780_000_700_000);
        vec![
            Record::PatrolVisit(visit),
            Record::Inspection(inspection),
            Record::Activity(Activity {
                initiative_id: Uuid::new_v4(),
                date: "2026-03-04".into(),
                kind: ActivityKind::SchoolVisit,
                people_reached: 54,
                participants: vec![officer],
                notes: "Åk 8".into(),
                draft: false,
                discarded_at: Some(1_780_000_800_000),
            }),
            Record::Hotspot(Hotspot {
                name: "Torget".into(),
                centre: GeoPoint {
                    lat: 57.26,
                    lon: 16.45,
                },
                radius_m: 80,
                active_from: "2026-01-01".into(),
                active_to: Some("2026-12-31".into()),
                dosage: Dosage {
                    visits_per_week: 5,
                    minutes_per_week: 60,
                },
                initiative_id: Uuid::new_v4(),
                demo: true,
                municipality_id: None,
            }),
            Record::Venue(Venue {
                name: "Krogen".into(),
                licensee: "Krogen AB".into(),
                serving_hours: ServingHours {
                    opens: "11:00".into(),
                    closes: "02:00".into(),
                },
                conditions: LicenceConditions::default(),
                risk: RiskLevel::High,
                demo: true,
                municipality_id: None,
            }),
            Record::PromisePlan(PromisePlan {
                municipality: "Oskarshamn".into(),
                period_start: "2026-01-01".into(),
                period_end: "2027-12-31".into(),
                focus_areas: vec![FocusArea {
                    id: Uuid::new_v4(),
                    name: "Trafiksäkerhet".into(),
                    initiatives: vec![Initiative {
                        id: Uuid::new_v4(),
                        title: "Hastighetskontroller".into(),
                        owner: Owner::Police,
                        target: Some(OutputTarget {
                            at_least: 52,
                            unit: "kontroller".into(),
                            per: TargetPeriod::Year,
                        }),
                        counts: Counts::Activities,
                    }],
                }],
                demo: true,
                municipality_id: None,
            }),
            Record::Directory(Directory {
                officers: vec![DirectoryEntry {
                    id: officer,
                    name: "Kim Lund".into(),
                    organisation: Organisation::Municipality,
                    actors: vec!["00ff".into()],
                }],
                municipality_id: None,
            }),
        ]
    }

    /// Every key the document holds, as a schema path.
    fn paths(doc: &AutoCommit, obj: &ObjId, at: &str, out: &mut Vec<String>) {
        match doc.object_type(obj) {
            Ok(ObjType::Map) | Ok(ObjType::Table) => {
                for key in doc.keys(obj) {
                    let here = join(at, &key);
                    out.push(here.clone());
                    if let Ok(Some((Value::Object(_), id))) = doc.get(obj, key.as_str()) {
                        paths(doc, &id, &here, out);
                    }
                }
            }
            Ok(ObjType::List) => {
                for i in 0..doc.length(obj) {
                    if let Ok(Some((Value::Object(_), id))) = doc.get(obj, i) {
                        paths(doc, &id, &format!("{at}[]"), out);
                    }
                }
            }
            _ => {}
        }
    }

    fn schema_paths(fields: &[Field], at: &str, out: &mut Vec<String>) {
        for field in fields {
            let here = join(at, field.name);
            out.push(here.clone());
            match field.ty {
                Ty::Map(inner) => schema_paths(inner, &here, out),
                Ty::Nullable(Ty::Map(inner)) => schema_paths(inner, &here, out),
                Ty::List(Ty::Map(inner)) => schema_paths(inner, &format!("{here}[]"), out),
                Ty::KeyedMap {
                    keys: Some(keys),
                    value,
                } => {
                    for k in keys {
                        let key_path = join(&here, k);
                        out.push(key_path.clone());
                        if let Ty::Map(inner) = value {
                            schema_paths(inner, &key_path, out);
                        }
                    }
                }
                _ => {}
            }
        }
    }

    #[test]
    fn the_schema_is_exactly_what_the_writer_writes() {
        for record in samples() {
            let kind = record.kind();
            let mut doc = AutoCommit::new();
            write_record(&mut doc, &record).expect("write");
            doc.commit();
            check(&doc, kind).unwrap_or_else(|e| panic!("{kind:?}: {e}"));
            let mut written = Vec::new();
            paths(&doc, &ROOT, "", &mut written);
            let mut known = vec![KIND_KEY.to_string(), SCHEMA_VERSION_KEY.to_string()];
            schema_paths(fields(kind), "", &mut known);
            for p in &written {
                assert!(
                    known.contains(p),
                    "{kind:?} writes {p}, which the schema lacks"
                );
            }
        }
    }

    #[test]
    fn a_mismatch_names_the_field() {
        let mut doc = AutoCommit::new();
        write_record(&mut doc, &samples()[1]).expect("write");
        use automerge::transaction::Transactable;
        let checklist = match doc.get(&ROOT, "checklist") {
            Ok(Some((Value::Object(_), id))) => id,
            other => panic!("{other:?}"),
        };
        let entry = match doc.get(&checklist, "staff_register") {
            Ok(Some((Value::Object(_), id))) => id,
            other => panic!("{other:?}"),
        };
        doc.put(&entry, "answer", "Maybe").expect("put");
        let e = check(&doc, DocKind::Inspection).expect_err("must fail");
        assert_eq!(e.path, "checklist.staff_register.answer");
        assert_eq!(
            e.to_string(),
            "checklist.staff_register.answer must be scalar string, one of `Fine`, `Remark`, `NotChecked`"
        );
        doc.put(&ROOT, "started_at", "yesterday").expect("put");
        assert_eq!(
            check(&doc, DocKind::Inspection)
                .expect_err("must fail")
                .path,
            "started_at"
        );
    }
}
