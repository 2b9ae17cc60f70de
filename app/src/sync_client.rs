//! The device's side of a sync: build the request from the store, send it
//! over a [`Transport`], apply the response, and go again while the server
//! says there is more. Runs by itself in the app; tests call it directly.

use std::future::Future;
use std::sync::Mutex;

use shared::domain::Millis;
use shared::sync::wire::{decode_response, encode};
use shared::sync::ErrorCode;

use crate::store::{Applied, DeviceStore, StoreError};

/// Most changes in one request, in bytes; a device with more sends them in
/// several rounds. Well under the server's default 8 MiB body limit.
pub const MAX_REQUEST_BYTES: usize = 2 * 1024 * 1024;
/// Most rounds in one sync (a fresh device fetching a large store, or a
/// backlog after days offline); the next sync goes on where this one ended.
pub const MAX_ROUNDS: usize = 64;
/// The most an answer may inflate to: the server cuts its answers at 4 MiB
/// of changes, so anything far past that is not a sync answer.
pub const MAX_ANSWER_BYTES: usize = 32 * 1024 * 1024;

#[derive(Debug, thiserror::Error)]
pub enum SyncError {
    #[error("the server cannot be reached ({0}); your records are kept on the phone")]
    Unreachable(String),
    #[error("this device is no longer accepted by the server; ask the coordinator")]
    Unauthorized,
    #[error(
        "this device was revoked by the coordinators; its records are wiped at the next start"
    )]
    Revoked,
    #[error("the server refused the sync ({status}): {message}")]
    Refused {
        status: u16,
        /// The answer's code, read into the enum both sides share; none
        /// for a code this app does not know.
        code: Option<ErrorCode>,
        message: String,
    },
    #[error("the server had a problem ({status}); it will be tried again")]
    Server { status: u16 },
    #[error("the server's answer could not be read: {0}")]
    BadResponse(String),
    #[error("the server address is not a web address (http:// or https://)")]
    BadAddress,
    #[error("the enrolment code is unknown, used or expired; ask the coordinator for a new one")]
    BadEnrolmentCode,
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl SyncError {
    /// What the status line says, as a value. Technical detail of an
    /// unreachable server stays out: the officer can act on "no contact",
    /// not on a socket error.
    pub fn problem(&self) -> SyncProblem {
        match self {
            SyncError::Unreachable(_) => SyncProblem::Unreachable,
            SyncError::Unauthorized => SyncProblem::Unauthorized,
            SyncError::Revoked => SyncProblem::Revoked,
            SyncError::Refused { code, .. } => SyncProblem::Refused { code: *code },
            SyncError::Server { status } => SyncProblem::Server { status: *status },
            SyncError::BadResponse(_) => SyncProblem::BadResponse,
            SyncError::BadAddress => SyncProblem::BadAddress,
            SyncError::BadEnrolmentCode => SyncProblem::BadEnrolmentCode,
            SyncError::Store(StoreError::DiskFull) => SyncProblem::StorageFull,
            SyncError::Store(_) => SyncProblem::Storage,
        }
    }
}

/// Why the last sync or enrolment failed: typed end to end (kept in the
/// store as JSON, worded by `ui::i18n::sync_problem`), never a code string
/// parsed back.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum SyncProblem {
    Unreachable,
    Unauthorized,
    Revoked,
    Refused {
        code: Option<ErrorCode>,
    },
    Server {
        status: u16,
    },
    BadResponse,
    BadAddress,
    BadEnrolmentCode,
    /// Enrolment was tried with no code typed (checked before asking).
    CodeMissing,
    StorageFull,
    Storage,
}

/// Carries one encoded sync request to the server and returns the body of a
/// 200 or 422 answer.
pub trait Transport {
    fn sync(
        &self,
        token: &str,
        body: Vec<u8>,
    ) -> impl Future<Output = Result<Vec<u8>, SyncError>> + Send;
}

/// The real transport: HTTP(S) with reqwest.
#[derive(Debug, Clone)]
pub struct HttpTransport {
    client: reqwest::Client,
    url: String,
}

impl HttpTransport {
    pub fn new(server_url: &str) -> Self {
        let client = reqwest::Client::builder()
            .connect_timeout(std::time::Duration::from_secs(10))
            .timeout(std::time::Duration::from_secs(60))
            .build()
            .unwrap_or_default();
        HttpTransport {
            client,
            url: format!("{}/v1/sync", server_url.trim_end_matches('/')),
        }
    }
}

impl Transport for HttpTransport {
    async fn sync(&self, token: &str, body: Vec<u8>) -> Result<Vec<u8>, SyncError> {
        // gzip both ways: a sync body of many similar changes shrinks about
        // ten times (see shared::sync::coding).
        let body = shared::sync::coding::gzip(&body);
        let digest = shared::sync::wire::content_digest(&body);
        let send = || {
            self.client
                .post(&self.url)
                .bearer_auth(token)
                .header(
                    reqwest::header::CONTENT_TYPE,
                    shared::sync::wire::CONTENT_TYPE,
                )
                .header(
                    reqwest::header::CONTENT_ENCODING,
                    shared::sync::coding::GZIP,
                )
                .header(reqwest::header::ACCEPT_ENCODING, shared::sync::coding::GZIP)
                .header(shared::sync::wire::DIGEST_HEADER, digest.as_str())
                .body(body.clone())
                .send()
        };
        // A pooled connection to a server that has restarted fails on first
        // use; one immediate retry on a fresh connection saves the officer a
        // whole backoff. Safe: a sync request is idempotent (changes are
        // stored by hash, acknowledged again if already held).
        let resp = match send().await {
            Ok(resp) => Ok(resp),
            Err(e) if e.is_request() || e.is_connect() => send().await,
            Err(e) => Err(e),
        }
        .map_err(|e| SyncError::Unreachable(e.to_string()))?;
        let status = resp.status().as_u16();
        let digest = answer_digest(resp.headers());
        let encoding = resp
            .headers()
            .get(reqwest::header::CONTENT_ENCODING)
            .and_then(|v| v.to_str().ok())
            .map(str::to_string);
        let bytes = resp
            .bytes()
            .await
            .map_err(|e| SyncError::Unreachable(e.to_string()))?;
        let body = accept_answer(status, digest.as_deref(), bytes.to_vec())?;
        shared::sync::coding::decode_body(encoding.as_deref(), body, MAX_ANSWER_BYTES)
            .map_err(|e| SyncError::BadResponse(e.to_string()))
    }
}

/// The `Content-Digest` an answer came with.
pub fn answer_digest(headers: &reqwest::header::HeaderMap) -> Option<String> {
    headers
        .get(shared::sync::wire::DIGEST_HEADER)
        .and_then(|v| v.to_str().ok())
        .map(str::to_string)
}

/// Checks a sync answer's `Content-Digest` and classifies it. A sync body
/// (200 or 422) without a matching digest was damaged on the way: nothing
/// of it is applied, and the next sync asks again.
pub fn accept_answer(
    status: u16,
    digest: Option<&str>,
    body: Vec<u8>,
) -> Result<Vec<u8>, SyncError> {
    if matches!(status, 200 | 422)
        && !digest.is_some_and(|d| shared::sync::wire::digest_matches(d, &body))
    {
        return Err(SyncError::BadResponse(
            "the answer was damaged on the way (Content-Digest)".into(),
        ));
    }
    classify(status, body)
}

/// Maps an HTTP answer to the body of a sync response or an error.
pub fn classify(status: u16, body: Vec<u8>) -> Result<Vec<u8>, SyncError> {
    match status {
        200 | 422 => Ok(body),
        401 => {
            let code = serde_json::from_slice::<serde_json::Value>(&body)
                .ok()
                .and_then(|v| {
                    v.get("error")
                        .and_then(|c| c.as_str())
                        .and_then(ErrorCode::parse)
                });
            Err(if code == Some(ErrorCode::Revoked) {
                SyncError::Revoked
            } else {
                SyncError::Unauthorized
            })
        }
        408 | 429 | 502..=504 => Err(SyncError::Unreachable(format!("status {status}"))),
        400..=499 => {
            let json = serde_json::from_slice::<serde_json::Value>(&body).ok();
            let field = |k: &str| {
                json.as_ref()
                    .and_then(|v| v.get(k).and_then(|m| m.as_str()).map(str::to_string))
            };
            let code = field("error").as_deref().and_then(ErrorCode::parse);
            if code == Some(ErrorCode::BadEnrolmentCode) {
                return Err(SyncError::BadEnrolmentCode);
            }
            let message = field("message")
                .unwrap_or_else(|| String::from_utf8_lossy(&body).chars().take(200).collect());
            Err(SyncError::Refused {
                status,
                code,
                message,
            })
        }
        _ => Err(SyncError::Server { status }),
    }
}

/// What a sync did, summed over its rounds.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct SyncReport {
    pub rounds: usize,
    pub acknowledged: usize,
    pub rejected: usize,
    pub received_docs: usize,
    /// Documents whose changes the server found damaged; queued again.
    pub retried: usize,
    /// Records the coordinators erased, deleted from the phone.
    pub erased: usize,
    /// Records redacted: their old history dropped for the new epoch.
    pub rebased: usize,
    /// Unsent edits a redaction clashed with, shown to the officer.
    pub conflicts: usize,
    /// Hotspots, venues and plans of a municipality the officer no longer
    /// works in, deleted from the phone.
    pub withdrawn: usize,
    pub bytes_sent: usize,
    pub bytes_received: usize,
}

/// Syncs until the server has everything and the device is up to date (or
/// `MAX_ROUNDS` is reached). The store's lock is never held across an await.
pub async fn sync_once<T: Transport>(
    store: &Mutex<DeviceStore>,
    transport: &T,
    now: impl Fn() -> Millis,
) -> Result<SyncReport, SyncError> {
    let mut report = SyncReport::default();
    let result = sync_rounds(store, transport, &now, &mut report).await;
    let note = result.as_ref().err().map(SyncError::problem);
    if let Ok(mut s) = store.lock() {
        if matches!(result, Err(SyncError::Revoked)) {
            let _ = s.note_revoked();
        }
        // Failing to note the attempt must not hide the sync's own outcome.
        let _ = s.note_sync_attempt(now(), note.as_ref());
    }
    result.map(|_| report)
}

async fn sync_rounds<T: Transport>(
    store: &Mutex<DeviceStore>,
    transport: &T,
    now: &impl Fn() -> Millis,
    report: &mut SyncReport,
) -> Result<(), SyncError> {
    let lock = || {
        store
            .lock()
            .map_err(|_| SyncError::Store(StoreError::Io("store lock poisoned".into())))
    };
    let token = lock()?.enrolment()?.ok_or(StoreError::NotEnrolled)?.token;
    for _ in 0..MAX_ROUNDS {
        let batch = lock()?.outgoing(MAX_REQUEST_BYTES)?;
        let body = encode(&batch.request);
        report.bytes_sent += body.len();
        let answer = transport.sync(&token, body).await?;
        report.bytes_received += answer.len();
        let resp = decode_response(&answer).map_err(|e| SyncError::BadResponse(e.to_string()))?;
        let Applied {
            acknowledged,
            rejected,
            received_docs,
            reset,
            retried,
            erased,
            rebased,
            conflicts,
            withdrawn,
        } = lock()?.apply(&batch, &resp, now()).map_err(|e| match e {
            StoreError::DamagedIncoming(_) => SyncError::BadResponse(e.to_string()),
            e => SyncError::Store(e),
        })?;
        report.rounds += 1;
        report.acknowledged += acknowledged;
        report.rejected += rejected;
        report.received_docs += received_docs;
        report.retried += retried;
        report.erased += erased;
        report.rebased += rebased;
        report.conflicts += conflicts;
        report.withdrawn += withdrawn;
        // After a redaction the replayed edits wait in the outbox: once more.
        if !(resp.more || reset || batch.truncated || rebased > 0) {
            return Ok(());
        }
    }
    Ok(())
}
