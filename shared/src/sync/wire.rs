//! The sync messages as they travel: CBOR (RFC 8949) maps with the field
//! names below, byte strings for ids, hashes and Automerge changes. Parsed
//! once at the boundary into checked values (`IncomingSync`); nothing past
//! the parser sees raw wire types.

use serde::{Deserialize, Serialize};
use serde_bytes::ByteBuf;

use super::cursor::{Cursor, CHECK_LEN};
use crate::ids::DocId;

/// Version 2 added erasure (`erased_since`, `erased`, `erased_to`, the
/// `erased` result); version 3 redaction (`epoch` on documents both ways,
/// `redacted_since`, `redacted`, `redacted_to`, the `redacted` result). An
/// older client would keep erased records or redacted text, so the server
/// answers it `unsupported_version` and it keeps its data until updated.
pub const PROTOCOL_VERSION: u32 = 3;
/// Most erased record ids in one response; past it `more` is set.
pub const MAX_ERASED_PER_RESPONSE: usize = 10_000;
pub const CONTENT_TYPE: &str = "application/cbor";
/// Most documents in one request; a device with more sends them over
/// several syncs. It bounds how long one device's sync holds the server's
/// single writer (each document is decided, validated and projected in
/// it): 5,000 held it for seconds.
pub const MAX_DOCS_PER_REQUEST: usize = 500;
/// Most changes for one document in one request.
pub const MAX_CHANGES_PER_DOC: usize = 10_000;

/// `POST /v1/sync` body.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SyncRequest {
    pub v: u32,
    pub cursor: Option<Cursor>,
    pub docs: Vec<DocChanges>,
    /// The tag of the venue list this device holds (`VenueList::tag`), so
    /// that the server sends the list only when it changed. Absent: the
    /// device holds none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub venues_tag: Option<ByteBuf>,
    /// The erasure ledger's position this device has carried out
    /// (`SyncResponse::erased_to`; at enrolment, `erasures_from`). Absent:
    /// 0, every erasure.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub erased_since: Option<u64>,
    /// The redaction ledger's position this device has carried out
    /// (`SyncResponse::redacted_to`). Absent: 0, every redaction.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub redacted_since: Option<u64>,
    /// The municipalities whose reference data this device holds: the
    /// last `works_in` it carried out (16-byte ids). The server sends the
    /// whole reference data of any other its officer now works in. Absent
    /// (a device that has carried out none): the server goes by the cursor.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub works_in: Option<Vec<ByteBuf>>,
}

/// Most municipalities a request may name in `works_in`.
pub const MAX_WORKS_IN: usize = 1_000;

/// The changes a device sends for one document.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DocChanges {
    pub id: ByteBuf,
    pub changes: Vec<ByteBuf>,
    /// The document's epoch the changes build on (`shared::redaction`).
    /// Absent: 0, a document never redacted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub epoch: Option<u32>,
}

/// `POST /v1/sync` response body (status 200, or 422 when some document
/// was rejected).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SyncResponse {
    pub v: u32,
    /// One per document in the request, in the request's order.
    pub results: Vec<DocResult>,
    /// Changes the device lacks, grouped per document.
    pub docs: Vec<DocUpdate>,
    /// Where the device stands now; send it with the next sync.
    pub cursor: Option<Cursor>,
    /// The server's log is not the one the device saw (restored backup):
    /// resend every own change and sync again from no cursor.
    pub reset: bool,
    /// The response was cut at the size limit: sync again at once.
    pub more: bool,
    /// Every venue's latest counted inspection, by any officer, when the
    /// device's `venues_tag` is not the server's; absent when it is.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub venues: Option<VenueList>,
    /// Records erased since the request's `erased_since`: the device
    /// deletes every copy it holds (document, outbox, index) and keeps
    /// their ids so that it never takes them again.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub erased: Vec<ByteBuf>,
    /// The ledger position `erased` reaches; send it as `erased_since`
    /// once the erasures are carried out.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub erased_to: Option<u64>,
    /// The phone lease in days: a phone that has not synced for longer
    /// shows no records, and the server revokes it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lease_days: Option<u32>,
    /// Records redacted since the request's `redacted_since`: a device
    /// holding one at an older epoch drops its history (keeping its own
    /// unsent edits apart) and takes the new epoch when it arrives in
    /// `docs`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub redacted: Vec<RedactionNotice>,
    /// The redaction ledger position `redacted` reaches; send it as
    /// `redacted_since` once the notices are carried out.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub redacted_to: Option<u64>,
    /// The municipalities the officer works in (16-byte ids), on every
    /// response: the device deletes every hotspot, venue and plan whose
    /// `municipality_id` is not among them (and gets a municipality's
    /// whole reference data in `docs` when one is added). Absent (a server
    /// from before municipalities): the device keeps what it has.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub works_in: Option<Vec<ByteBuf>>,
}

/// A record that has a new epoch since a redaction.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RedactionNotice {
    pub id: ByteBuf,
    pub epoch: u32,
}

/// What the venue picker needs to know of inspections the device does not
/// hold: per venue, the start of its latest counted inspection and the
/// follow-up it proposed (`shared::follow_up::venue_status`). No officer,
/// record id or finding travels.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct VenueList {
    /// Opaque, at most `MAX_TAG_LEN` bytes; a device sends it back as
    /// `venues_tag`. It changes whenever any inspection's counted rows do.
    pub tag: ByteBuf,
    pub venues: Vec<VenueFact>,
}

/// Longest `venues_tag` a request may carry.
pub const MAX_TAG_LEN: usize = 32;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct VenueFact {
    /// The venue's id (16 bytes).
    pub id: ByteBuf,
    /// When its latest counted inspection started, ms since 1970 UTC.
    pub last_inspected: i64,
    /// `none`, `revisit` or `supervision_case`.
    pub follow_up: String,
}

impl VenueList {
    /// The list as the follow-up rules read it; entries a newer server
    /// writes and this device does not understand are left out.
    pub fn facts(&self) -> Vec<crate::follow_up::InspectionFact<uuid::Uuid>> {
        self.venues
            .iter()
            .filter_map(|v| {
                Some(crate::follow_up::InspectionFact {
                    venue: uuid::Uuid::from_slice(&v.id).ok()?,
                    started_at: v.last_inspected,
                    follow_up: crate::domain::FollowUp::parse(&v.follow_up)?,
                })
            })
            .collect()
    }

    /// The list of `facts` (the latest per venue is chosen here) under `tag`.
    pub fn new(tag: Vec<u8>, facts: &[crate::follow_up::InspectionFact<uuid::Uuid>]) -> Self {
        let mut venues: Vec<VenueFact> = crate::follow_up::venue_status::latest_per_venue(facts)
            .into_iter()
            .map(|f| VenueFact {
                id: ByteBuf::from(f.venue.as_bytes().to_vec()),
                last_inspected: f.started_at,
                follow_up: f.follow_up.as_str().to_string(),
            })
            .collect();
        venues.sort_by(|a, b| a.id.cmp(&b.id));
        VenueList {
            tag: ByteBuf::from(tag),
            venues,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DocResult {
    pub id: ByteBuf,
    pub ok: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code: Option<RejectCode>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    /// For `invalid`: each error as a field and a problem code, so that a
    /// client words them in its own language (the message is English).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub problems: Vec<WireProblem>,
}

/// One validation error of a refused record: `{"field": "started_at",
/// "code": "in_future"}`, with `detail` for the codes that carry numbers
/// (`too_long`: `{"max": n}`, `out_of_range`: `{"min": a, "max": b}`) or an
/// item (`unknown_item`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WireProblem {
    pub field: String,
    #[serde(flatten)]
    pub kind: crate::validation::ProblemKind,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DocUpdate {
    pub id: ByteBuf,
    /// `DocKind::as_str`, so the device can index the record without
    /// loading it.
    pub kind: String,
    pub changes: Vec<ByteBuf>,
    /// The document's epoch; absent: 0. A device holding an older epoch
    /// drops that history and builds the document from these changes,
    /// which then start with the epoch's base.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub epoch: Option<u32>,
    /// Every path redacted in the document's epochs, so that a device
    /// replaying unsent edits knows which of them may not be written back.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub redacted: Vec<String>,
}

/// Why one document was rejected. The document is kept in the server's
/// quarantine, where coordinators see it with this reason.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RejectCode {
    /// A change's bytes are not a valid Automerge change.
    MalformedChange,
    /// A change was made by an actor not bound to the sending device.
    ForeignActor,
    /// Officers' devices may not write reference data.
    ReferenceReadOnly,
    /// The officer neither created the record nor takes part in it.
    NotPermitted,
    /// The changes would turn the record into another kind.
    KindChanged,
    /// The document is not a record of any known kind and schema.
    Schema,
    /// The record fails validation; `message` says which field and why.
    Invalid,
    /// Not a refusal: the changes build on changes the server does not
    /// have yet (it was restored from an older backup, and another device
    /// will send them). The server holds them, invisible to everyone, and
    /// decides the document once it is complete. Send them again with the
    /// next sync; they are acknowledged (`ok`) once the document is
    /// accepted.
    Incomplete,
    /// Not a refusal: this device already has as many changes waiting for
    /// their dependencies on the server as it may. Nothing was stored; send
    /// them again later.
    QuotaExceeded,
    /// The record was erased by the coordinators: nothing was stored, and
    /// never will be. The device deletes its copy.
    Erased,
    /// Not a refusal: the record was redacted by the coordinators and has
    /// a new epoch; the changes build on an older one. Nothing was stored.
    /// The device drops the old history, takes the new epoch, replays its
    /// unsent edits onto it and sends them again.
    Redacted,
}

/// What a device does with the changes it sent for a document, by the
/// document's result. The one place this is decided, for every client.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AfterResult {
    /// Stored and visible: forget the changes' "unsent" mark.
    Acknowledge,
    /// Keep them unsent and send them again with the next sync.
    SendAgain,
    /// Keep them, mark the record refused with the message, and send them
    /// again only with the officer's next amendment.
    HoldUntilAmended,
    /// The record was erased: delete it and every change of it.
    Erase,
    /// The record has a new epoch: keep the unsent edits apart, drop the
    /// old history, and replay them on the new epoch.
    Rebase,
}

impl DocResult {
    pub fn after(&self) -> AfterResult {
        match (self.ok, self.code) {
            (true, _) => AfterResult::Acknowledge,
            (false, Some(RejectCode::Erased)) => AfterResult::Erase,
            (false, Some(RejectCode::Redacted)) => AfterResult::Rebase,
            (false, Some(code)) if code.held_until_amended() => AfterResult::HoldUntilAmended,
            (false, Some(_)) => AfterResult::SendAgain,
            // A refusal without a code is a server this client does not
            // understand: hold, so that nothing loops.
            (false, None) => AfterResult::HoldUntilAmended,
        }
    }
}

impl RejectCode {
    /// Whether the device holds the document's changes until the officer
    /// amends the record. Not for a malformed change: the device wrote it
    /// whole, so it was damaged on the way and is simply sent again
    /// (holding it could lose it).
    pub fn held_until_amended(self) -> bool {
        !matches!(
            self,
            RejectCode::MalformedChange
                | RejectCode::Incomplete
                | RejectCode::QuotaExceeded
                | RejectCode::Erased
                | RejectCode::Redacted
        )
    }

    /// Whether the document was refused (kept in the quarantine, status
    /// 422), rather than held or postponed.
    pub fn is_refusal(self) -> bool {
        !matches!(
            self,
            RejectCode::Incomplete
                | RejectCode::QuotaExceeded
                | RejectCode::Erased
                | RejectCode::Redacted
        )
    }

    /// Reads a code as `as_str` writes it; none for one this version does
    /// not know.
    pub fn parse(s: &str) -> Option<RejectCode> {
        [
            RejectCode::MalformedChange,
            RejectCode::ForeignActor,
            RejectCode::ReferenceReadOnly,
            RejectCode::NotPermitted,
            RejectCode::KindChanged,
            RejectCode::Schema,
            RejectCode::Invalid,
            RejectCode::Incomplete,
            RejectCode::QuotaExceeded,
            RejectCode::Erased,
            RejectCode::Redacted,
        ]
        .into_iter()
        .find(|c| c.as_str() == s)
    }

    pub fn as_str(self) -> &'static str {
        match self {
            RejectCode::MalformedChange => "malformed_change",
            RejectCode::ForeignActor => "foreign_actor",
            RejectCode::ReferenceReadOnly => "reference_read_only",
            RejectCode::NotPermitted => "not_permitted",
            RejectCode::KindChanged => "kind_changed",
            RejectCode::Schema => "schema",
            RejectCode::Invalid => "invalid",
            RejectCode::Incomplete => "incomplete",
            RejectCode::QuotaExceeded => "quota_exceeded",
            RejectCode::Erased => "erased",
            RejectCode::Redacted => "redacted",
        }
    }
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum WireError {
    #[error("the body is not a CBOR sync message: {0}")]
    Decode(String),
    #[error(
        "protocol version {0} is not supported; this server speaks version {PROTOCOL_VERSION}"
    )]
    Version(u32),
    #[error("a document id must be 16 bytes")]
    BadDocId,
    #[error("a cursor check must be {CHECK_LEN} bytes")]
    BadCursor,
    #[error("too many documents in one request (at most {MAX_DOCS_PER_REQUEST})")]
    TooManyDocs,
    #[error("too many changes for one document (at most {MAX_CHANGES_PER_DOC})")]
    TooManyChanges,
    #[error("the body is not valid gzip: {0}")]
    Encoding(String),
    #[error("the Content-Encoding {0:?} is not supported; send gzip or identity")]
    UnknownEncoding(String),
    #[error("the body inflates past {0} bytes")]
    TooLarge(usize),
}

impl WireError {
    pub fn code(&self) -> super::ErrorCode {
        use super::ErrorCode;
        match self {
            WireError::Decode(_) => ErrorCode::BadBody,
            WireError::Version(_) => ErrorCode::UnsupportedVersion,
            WireError::BadDocId => ErrorCode::BadDocId,
            WireError::BadCursor => ErrorCode::BadCursor,
            WireError::TooManyDocs => ErrorCode::TooManyDocs,
            WireError::TooManyChanges => ErrorCode::TooManyChanges,
            WireError::Encoding(_) => ErrorCode::BadEncoding,
            WireError::UnknownEncoding(_) => ErrorCode::UnsupportedEncoding,
            WireError::TooLarge(_) => ErrorCode::TooLarge,
        }
    }
}

/// A sync request that passed the boundary checks.
#[derive(Debug, Clone, PartialEq)]
pub struct IncomingSync {
    pub cursor: Option<Cursor>,
    pub docs: Vec<IncomingDoc>,
    pub venues_tag: Option<Vec<u8>>,
    pub erased_since: u64,
    pub redacted_since: u64,
    pub works_in: Option<Vec<crate::ids::MunicipalityId>>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct IncomingDoc {
    pub id: DocId,
    pub changes: Vec<Vec<u8>>,
    /// The epoch the changes build on (0 when absent).
    pub epoch: u32,
}

/// What was wrong with a body that did not decode, in words a client
/// author can act on: where the CBOR broke, or which field is missing or
/// of the wrong type (serde's sentence); never the parser's own debug text.
fn decode_error(e: ciborium::de::Error<std::io::Error>) -> WireError {
    use ciborium::de::Error as E;
    WireError::Decode(match e {
        E::Io(_) => "the body ended before the message did".into(),
        E::Syntax(at) => format!("not valid CBOR at byte {at}"),
        E::Semantic(_, msg) => msg,
        E::RecursionLimitExceeded => "the message nests too deeply".into(),
    })
}

pub fn encode<T: Serialize>(msg: &T) -> Vec<u8> {
    let mut out = Vec::new();
    // Writing into a Vec cannot fail, and our types always serialise.
    ciborium::into_writer(msg, &mut out).expect("CBOR encoding into memory");
    out
}

pub fn decode_response(bytes: &[u8]) -> Result<SyncResponse, WireError> {
    let r: SyncResponse = ciborium::from_reader(bytes).map_err(decode_error)?;
    if r.v != PROTOCOL_VERSION {
        return Err(WireError::Version(r.v));
    }
    Ok(r)
}

/// Parses a request body: CBOR, version, sizes, ids. Documents named twice
/// are merged, so that each document is decided once.
pub fn decode_request(bytes: &[u8]) -> Result<IncomingSync, WireError> {
    let req: SyncRequest = ciborium::from_reader(bytes).map_err(decode_error)?;
    if req.v != PROTOCOL_VERSION {
        return Err(WireError::Version(req.v));
    }
    if let Some(c) = &req.cursor {
        if c.check.len() != CHECK_LEN {
            return Err(WireError::BadCursor);
        }
    }
    if req
        .venues_tag
        .as_ref()
        .is_some_and(|t| t.len() > MAX_TAG_LEN)
    {
        return Err(WireError::Decode(format!(
            "venues_tag must be at most {MAX_TAG_LEN} bytes"
        )));
    }
    if req.docs.len() > MAX_DOCS_PER_REQUEST {
        return Err(WireError::TooManyDocs);
    }
    let works_in = match req.works_in {
        None => None,
        Some(list) if list.len() > MAX_WORKS_IN => {
            return Err(WireError::Decode(format!(
                "works_in names at most {MAX_WORKS_IN} municipalities"
            )))
        }
        Some(list) => Some(
            list.iter()
                .map(|m| {
                    uuid::Uuid::from_slice(m)
                        .map(crate::ids::MunicipalityId)
                        .map_err(|_| WireError::Decode("a works_in id must be 16 bytes".into()))
                })
                .collect::<Result<Vec<_>, _>>()?,
        ),
    };
    let mut docs: Vec<IncomingDoc> = Vec::with_capacity(req.docs.len());
    for d in req.docs {
        let id = DocId::from_slice(&d.id).ok_or(WireError::BadDocId)?;
        if d.changes.len() > MAX_CHANGES_PER_DOC {
            return Err(WireError::TooManyChanges);
        }
        let changes = d.changes.into_iter().map(ByteBuf::into_vec);
        let epoch = d.epoch.unwrap_or(0);
        match docs.iter_mut().find(|x| x.id == id) {
            Some(existing) => {
                existing.changes.extend(changes);
                // Named twice with two epochs: the older decides, so that
                // changes of an old epoch are never taken as new.
                existing.epoch = existing.epoch.min(epoch);
            }
            None => docs.push(IncomingDoc {
                id,
                changes: changes.collect(),
                epoch,
            }),
        }
    }
    Ok(IncomingSync {
        cursor: req.cursor,
        docs,
        venues_tag: req.venues_tag.map(ByteBuf::into_vec),
        erased_since: req.erased_since.unwrap_or(0),
        redacted_since: req.redacted_since.unwrap_or(0),
        works_in,
    })
}

/// The `Content-Digest` (RFC 9530) of a sync body: `sha-256=:<base64>:`.
/// Both sides send it with every sync body and check it on arrival, so a
/// message damaged on the way is refused whole, never applied in part
/// (a flipped byte in a document id would otherwise file changes under
/// another document).
pub fn content_digest(body: &[u8]) -> String {
    use base64::Engine as _;
    use sha2::Digest as _;
    let sum = sha2::Sha256::digest(body);
    format!(
        "sha-256=:{}:",
        base64::engine::general_purpose::STANDARD.encode(sum)
    )
}

/// Whether a `Content-Digest` header value vouches for `body`. Other
/// algorithms than sha-256 are not accepted.
pub fn digest_matches(header: &str, body: &[u8]) -> bool {
    header
        .split(',')
        .map(str::trim)
        .any(|member| member == content_digest(body))
}

/// The HTTP header that carries it.
pub const DIGEST_HEADER: &str = "content-digest";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_request_round_trips_and_duplicates_merge() {
        let id = DocId::random();
        let req = SyncRequest {
            venues_tag: None,
            erased_since: None,
            redacted_since: None,
            v: PROTOCOL_VERSION,
            cursor: Some(Cursor {
                seq: 7,
                check: vec![1; CHECK_LEN],
            }),
            docs: vec![
                DocChanges {
                    id: ByteBuf::from(id.as_bytes().to_vec()),
                    changes: vec![ByteBuf::from(vec![1, 2])],
                    epoch: Some(2),
                },
                DocChanges {
                    id: ByteBuf::from(id.as_bytes().to_vec()),
                    changes: vec![ByteBuf::from(vec![3])],
                    epoch: Some(1),
                },
            ],
            works_in: None,
        };
        let parsed = decode_request(&encode(&req)).expect("decode");
        assert_eq!(
            parsed.docs,
            vec![IncomingDoc {
                id,
                changes: vec![vec![1, 2], vec![3]],
                epoch: 1,
            }]
        );
        assert_eq!(parsed.cursor.map(|c| c.seq), Some(7));
    }

    #[test]
    fn garbage_wrong_version_and_bad_ids_are_refused() {
        assert!(matches!(
            decode_request(b"\xff\x00garbage"),
            Err(WireError::Decode(_))
        ));
        let mut req = SyncRequest {
            venues_tag: None,
            erased_since: None,
            redacted_since: None,
            v: 2,
            cursor: None,
            docs: vec![],
            works_in: None,
        };
        // A version-2 client would keep redacted text: refused.
        assert_eq!(decode_request(&encode(&req)), Err(WireError::Version(2)));
        req.v = PROTOCOL_VERSION;
        req.docs.push(DocChanges {
            id: ByteBuf::from(vec![1, 2, 3]),
            changes: vec![],
            epoch: None,
        });
        assert_eq!(decode_request(&encode(&req)), Err(WireError::BadDocId));
    }

    #[test]
    fn reject_codes_travel_as_snake_case() {
        let r = DocResult {
            id: ByteBuf::from(vec![0; 16]),
            ok: false,
            code: Some(RejectCode::ForeignActor),
            message: None,
            problems: Vec::new(),
        };
        let bytes = encode(&r);
        assert!(bytes.windows(13).any(|w| w == b"foreign_actor"));
        // A refusal's problems as an outside client reads them: a field and
        // a code, flat, with the detail only where there is one.
        let r = DocResult {
            code: Some(RejectCode::Invalid),
            problems: vec![
                WireProblem {
                    field: "started_at".into(),
                    kind: crate::validation::ProblemKind::InFuture,
                },
                WireProblem {
                    field: "notes".into(),
                    kind: crate::validation::ProblemKind::TooLong { max: 4000 },
                },
            ],
            ..r
        };
        let json = serde_json::to_value(&r).expect("json");
        assert_eq!(
            json["problems"],
            serde_json::json!([
                {"field": "started_at", "code": "in_future"},
                {"field": "notes", "code": "too_long", "detail": {"max": 4000}}
            ])
        );
        let back: DocResult =
            ciborium::from_reader(encode(&r).as_slice()).expect("cbor round trip");
        assert_eq!(back, r);
    }

    #[test]
    fn a_digest_vouches_for_its_body_only() {
        let body = b"sync body".to_vec();
        let d = content_digest(&body);
        assert!(d.starts_with("sha-256=:") && d.ends_with(':'));
        assert!(digest_matches(&d, &body));
        assert!(digest_matches(&format!("sha-512=:AAAA:, {d}"), &body));
        assert!(!digest_matches(&d, b"sync bodY"));
        assert!(!digest_matches("sha-256=:AAAA:", &body));
    }
}
