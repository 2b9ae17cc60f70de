//! Enrolling the device: once, online, with the one-time code the
//! coordinator gave the officer.

use crate::store::Enrolment;
use crate::sync_client::{classify, SyncError};

/// Spends `code` at the server and returns what the device must keep.
pub async fn enrol(
    server_url: &str,
    code: &str,
    device_name: &str,
) -> Result<Enrolment, SyncError> {
    let base = server_url.trim().trim_end_matches('/');
    match reqwest::Url::parse(base) {
        Ok(u) if matches!(u.scheme(), "http" | "https") && u.host().is_some() => {}
        _ => return Err(SyncError::BadAddress),
    }
    let body = serde_json::json!({ "code": code.trim(), "device_name": device_name }).to_string();
    let resp = reqwest::Client::new()
        .post(format!("{base}/v1/enrol"))
        .header(reqwest::header::CONTENT_TYPE, "application/json")
        .body(body)
        .timeout(std::time::Duration::from_secs(30))
        .send()
        .await
        .map_err(|e| SyncError::Unreachable(e.to_string()))?;
    let status = resp.status().as_u16();
    let bytes = resp
        .bytes()
        .await
        .map_err(|e| SyncError::Unreachable(e.to_string()))?
        .to_vec();
    let bytes = if status == 200 {
        bytes
    } else {
        return Err(classify(status, bytes)
            .err()
            .unwrap_or(SyncError::Server { status }));
    };
    parse_enrolled(base, device_name, &bytes)
}

/// Reads the server's answer to an enrolment (the JSON of `/v1/enrol`).
pub fn parse_enrolled(
    server_url: &str,
    device_name: &str,
    bytes: &[u8],
) -> Result<Enrolment, SyncError> {
    #[derive(serde::Deserialize)]
    struct Enrolled {
        device_id: uuid::Uuid,
        token: String,
        actor: String,
        officer_id: uuid::Uuid,
        officer_name: String,
        organisation: String,
        #[serde(default)]
        erasures_from: u64,
    }
    let e: Enrolled =
        serde_json::from_slice(bytes).map_err(|e| SyncError::BadResponse(e.to_string()))?;
    Ok(Enrolment {
        server_url: server_url.to_string(),
        device_id: e.device_id,
        token: e.token,
        actor: e.actor,
        officer_id: e.officer_id,
        officer_name: e.officer_name,
        organisation: e.organisation,
        device_name: device_name.trim().to_string(),
        erasures_from: e.erasures_from,
    })
}
