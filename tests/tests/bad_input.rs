//! Bad input over real HTTP: each case gets a clear 4xx, nothing is stored
//! but the quarantine where it applies, and the server goes on serving.

use automerge::{ActorId, AutoCommit};
use e2e::{now_ms, TestDevice, TestServer};
use serde_bytes::ByteBuf;
use server::Limits;
use shared::domain::Organisation;
use shared::record::{write_record, Record};
use shared::sync::wire::{decode_response, encode, DocChanges, SyncRequest, PROTOCOL_VERSION};
use shared::sync::RejectCode;
use shared::{DocId, DocKind};

struct Counts {
    changes: i64,
    quarantine: i64,
}

async fn counts(server: &TestServer) -> anyhow::Result<Counts> {
    Ok(server
        .db
        .read(|c| {
            Ok(Counts {
                changes: c.query_row("SELECT count(*) FROM changes", [], |r| r.get(0))?,
                quarantine: c.query_row("SELECT count(*) FROM quarantine", [], |r| r.get(0))?,
            })
        })
        .await?)
}

async fn post(url: &str, token: Option<&str>, body: Vec<u8>) -> anyhow::Result<(u16, Vec<u8>)> {
    let mut req = reqwest::Client::new()
        .post(format!("{url}/v1/sync"))
        .body(body);
    if let Some(t) = token {
        req = req.bearer_auth(t);
    }
    let resp = req.send().await?;
    Ok((resp.status().as_u16(), resp.bytes().await?.to_vec()))
}

fn request_with(id: DocId, changes: Vec<Vec<u8>>) -> Vec<u8> {
    encode(&SyncRequest {
        venues_tag: None,
        erased_since: None,
        redacted_since: None,
        v: PROTOCOL_VERSION,
        cursor: None,
        docs: vec![DocChanges {
            epoch: None,
            id: ByteBuf::from(id.as_bytes().to_vec()),
            changes: changes.into_iter().map(ByteBuf::from).collect(),
        }],
        works_in: None,
    })
}

async fn assert_still_serving(server: &TestServer) -> anyhow::Result<()> {
    let health = reqwest::get(format!("{}/health", server.url)).await?;
    assert_eq!(health.status().as_u16(), 200, "the server still serves");
    Ok(())
}

fn json_error(body: &[u8]) -> String {
    serde_json::from_slice::<serde_json::Value>(body)
        .ok()
        .and_then(|v| v["error"].as_str().map(str::to_string))
        .unwrap_or_default()
}

/// A device's request is rejected for one document with `code`, which is
/// then in the quarantine, and nothing reached the change log.
async fn expect_quarantined(
    server: &TestServer,
    token: &str,
    body: Vec<u8>,
    code: RejectCode,
) -> anyhow::Result<()> {
    let before = counts(server).await?;
    let (status, bytes) = post(&server.url, Some(token), body).await?;
    assert_eq!(status, 422, "{code:?}");
    let resp = decode_response(&bytes)?;
    assert_eq!(resp.results.len(), 1);
    assert!(!resp.results[0].ok);
    assert_eq!(resp.results[0].code, Some(code));
    let after = counts(server).await?;
    assert_eq!(
        after.changes, before.changes,
        "{code:?}: nothing stored in the log"
    );
    assert_eq!(
        after.quarantine,
        before.quarantine + 1,
        "{code:?}: kept in the quarantine"
    );
    assert_still_serving(server).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_input_is_refused_clearly_and_never_half_applied() -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let limits = Limits {
        max_body_bytes: 64 * 1024,
        ..Limits::default()
    };
    let server = TestServer::start_with(dir.path(), limits).await?;
    server.seed_demo().await?;
    let device = TestDevice::enrol(&server, "Anna Berg", Organisation::Police).await?;
    device.sync().await?;
    let token = device.enrolment.token.clone();

    // Garbage body: 400, nothing stored, not even in the quarantine.
    let before = counts(&server).await?;
    let (status, body) = post(
        &server.url,
        Some(&token),
        b"\x00\x01 not cbor at all".to_vec(),
    )
    .await?;
    assert_eq!((status, json_error(&body).as_str()), (400, "bad_body"));
    let after = counts(&server).await?;
    assert_eq!(
        (after.changes, after.quarantine),
        (before.changes, before.quarantine)
    );
    assert_still_serving(&server).await?;

    // More documents than one request may carry: 400 too_many_docs,
    // nothing stored (the app sends them over several requests).
    let crowd = encode(&SyncRequest {
        works_in: None,
        venues_tag: None,
        erased_since: None,
        redacted_since: None,
        v: PROTOCOL_VERSION,
        cursor: None,
        docs: (0..=shared::sync::wire::MAX_DOCS_PER_REQUEST)
            .map(|_| DocChanges {
                epoch: None,
                id: ByteBuf::from(DocId::random().as_bytes().to_vec()),
                changes: Vec::new(),
            })
            .collect(),
    });
    let (status, body) = post(&server.url, Some(&token), crowd).await?;
    assert_eq!((status, json_error(&body).as_str()), (400, "too_many_docs"));
    let after = counts(&server).await?;
    assert_eq!(
        (after.changes, after.quarantine),
        (before.changes, before.quarantine)
    );

    // A gzip bomb (a few KB inflating to 10 MB, past the 64 KiB limit) and
    // a body that claims gzip but is not: refused, nothing stored.
    let bomb = shared::sync::coding::gzip(&vec![0u8; 10 << 20]);
    for (body, status, code) in [
        (bomb, 413, "too_large"),
        (b"not gzip".to_vec(), 400, "bad_encoding"),
    ] {
        let resp = reqwest::Client::new()
            .post(format!("{}/v1/sync", server.url))
            .bearer_auth(&token)
            .header("content-encoding", "gzip")
            .body(body)
            .send()
            .await?;
        let got = resp.status().as_u16();
        let bytes = resp.bytes().await?;
        assert_eq!((got, json_error(&bytes).as_str()), (status, code));
    }
    let after = counts(&server).await?;
    assert_eq!(
        (after.changes, after.quarantine),
        (before.changes, before.quarantine)
    );
    assert_still_serving(&server).await?;

    // Truncated Automerge bytes in one document.
    let id = device.create(Record::PatrolVisit(device.new_visit(now_ms())?))?;
    let batch = device.lock().outgoing(1 << 20)?;
    let good = batch.request.docs[0].changes[0].to_vec();
    let cut = good[..good.len() / 2].to_vec();
    expect_quarantined(
        &server,
        &token,
        request_with(id, vec![cut]),
        RejectCode::MalformedChange,
    )
    .await?;

    // A crafted change on which Automerge itself panics (found by cargo
    // fuzz): refused into the quarantine, and the writer keeps writing.
    let crafted = std::fs::read_dir(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../fuzz/regressions/sync_request"
    ))?
    .flatten()
    .map(|e| std::fs::read(e.path()))
    .collect::<Result<Vec<_>, _>>()?;
    let mut sent = 0;
    for body in crafted {
        // Every kept request decodes: the crash is in Automerge, past the
        // wire format, so a body that no longer decodes tests nothing.
        let req = shared::sync::wire::decode_request(&body)?;
        for doc in req.docs {
            sent += 1;
            let changes: Vec<Vec<u8>> = doc.changes.iter().map(|c| c.to_vec()).collect();
            expect_quarantined(
                &server,
                &token,
                request_with(DocId::random(), changes),
                RejectCode::MalformedChange,
            )
            .await?;
        }
    }
    assert!(sent >= 1, "no crafted change was sent");
    assert_still_serving(&server).await?;

    // A crafted change on which Automerge allocates 4 GiB (found by cargo
    // fuzz; it killed a process with the kernel's OOM killer): refused by
    // its chunk type before Automerge parses it.
    let oom = std::fs::read(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../fuzz/regressions/changes/oom-a8d031454b02747f7a5b225ff5b0998555cb34da"
    ))?;
    expect_quarantined(
        &server,
        &token,
        request_with(DocId::random(), shared::fuzzing::split_changes(&oom)),
        RejectCode::MalformedChange,
    )
    .await?;
    assert_still_serving(&server).await?;

    // A valid change by an actor not bound to this device.
    let mut forged = AutoCommit::new().with_actor(ActorId::random());
    write_record(
        &mut forged,
        &Record::PatrolVisit(device.new_visit(now_ms())?),
    )?;
    forged.commit();
    let change = forged
        .get_last_local_change()
        .expect("a change")
        .raw_bytes()
        .to_vec();
    expect_quarantined(
        &server,
        &token,
        request_with(DocId::random(), vec![change]),
        RejectCode::ForeignActor,
    )
    .await?;

    // An officer writing a hotspot: a new one, and an existing one.
    let hotspot_id = device.reference_ids(DocKind::Hotspot)?[0];
    let Record::Hotspot(mut h) = device.record(hotspot_id)? else {
        panic!("not a hotspot")
    };
    h.name = "Anna's own hotspot".into();
    let new_hotspot = device.create(Record::Hotspot(h))?;
    let body = encode(&device.lock().outgoing(1 << 20)?.request);
    let (status, bytes) = post(&server.url, Some(&token), body).await?;
    assert_eq!(status, 422);
    let resp = decode_response(&bytes)?;
    let hotspot_result = resp
        .results
        .iter()
        .find(|r| r.id.as_slice() == new_hotspot.as_bytes())
        .expect("result for the hotspot");
    assert_eq!(hotspot_result.code, Some(RejectCode::ReferenceReadOnly));
    device.update(hotspot_id, |r| {
        if let Record::Hotspot(h) = r {
            h.radius_m = 999;
        }
    })?;
    let change = {
        let doc = device.lock().doc(hotspot_id)?.expect("hotspot doc");
        doc.get_changes(&[])
            .last()
            .expect("a change")
            .raw_bytes()
            .to_vec()
    };
    expect_quarantined(
        &server,
        &token,
        request_with(hotspot_id, vec![change]),
        RejectCode::ReferenceReadOnly,
    )
    .await?;
    let radius: i64 = server
        .db
        .read(move |c| {
            c.query_row(
                "SELECT radius_m FROM hotspots WHERE id = ?1",
                [hotspot_id.to_string()],
                |r| r.get(0),
            )
        })
        .await?;
    assert_ne!(radius, 999, "the hotspot is unchanged on the server");

    // A document that fails validation: end before start. Quarantined, the
    // device shows it refused, and an amendment that fixes it is accepted.
    let mut v = device.new_visit(now_ms())?;
    v.ended_at = Some(v.started_at - 60_000);
    let bad = device.create(Record::PatrolVisit(v))?;
    let before = counts(&server).await?;
    let report = device.sync().await?;
    assert!(report.rejected >= 1);
    assert!(counts(&server).await?.quarantine > before.quarantine);
    let state = device.lock().record_sync(bad)?;
    assert!(
        matches!(&state, app::store::RecordSync::Rejected { code, reason, problems } if code == "invalid" && reason.contains("ends before it starts") && problems.iter().any(|p| p.field == "ended_at" && p.kind.code() == "end_before_start")),
        "{state:?}"
    );
    device.update(bad, |r| {
        if let Record::PatrolVisit(v) = r {
            v.ended_at = Some(v.started_at + 12 * 60_000);
        }
    })?;
    device.sync().await?;
    assert_eq!(
        device.lock().record_sync(bad)?,
        app::store::RecordSync::Synced
    );
    let stored: i64 = server
        .db
        .read(move |c| {
            c.query_row(
                "SELECT count(*) FROM patrol_visits WHERE doc_id = ?1",
                [bad.to_string()],
                |r| r.get(0),
            )
        })
        .await?;
    assert_eq!(stored, 1, "the fixed visit reached the follow-up");

    // An oversized body: a clean 413 with its code, whatever its size (the
    // server reads it to its end first, so a client that writes the whole
    // body before reading gets the answer, not a broken pipe), and nothing
    // stored.
    let before = counts(&server).await?;
    for size in [100 * 1024, 4 << 20] {
        let (status, body) = post(&server.url, Some(&token), vec![0u8; size]).await?;
        assert_eq!(
            (status, json_error(&body).as_str()),
            (413, "too_large"),
            "{size} bytes"
        );
    }
    assert_eq!(counts(&server).await?.changes, before.changes);
    assert_still_serving(&server).await?;

    // The auth scheme is case-insensitive (RFC 9110): `bearer` works.
    let resp = reqwest::Client::new()
        .post(format!("{}/v1/sync", server.url))
        .header("authorization", format!("bearer {token}"))
        .body(request_with(DocId::random(), vec![]))
        .send()
        .await?;
    assert_eq!(resp.status().as_u16(), 200);

    // Wrong, missing and revoked tokens: 401.
    let (status, _) = post(
        &server.url,
        Some("not-a-token"),
        request_with(DocId::random(), vec![]),
    )
    .await?;
    assert_eq!(status, 401);
    let (status, _) = post(&server.url, None, request_with(DocId::random(), vec![])).await?;
    assert_eq!(status, 401);
    let kept_before: i64 = server
        .db
        .read(|c| c.query_row("SELECT count(*) FROM patrol_visits", [], |r| r.get(0)))
        .await?;
    let device_id = device.enrolment.device_id;
    let now = now_ms();
    server
        .db
        .write(move |c| server::db::identity::revoke(c, device_id, now))
        .await?;
    let err = device
        .sync()
        .await
        .expect_err("a revoked device is refused");
    // Told apart from an unknown token: the phone wipes its records.
    assert!(matches!(err, app::sync_client::SyncError::Revoked), "{err}");
    let kept_after: i64 = server
        .db
        .read(|c| c.query_row("SELECT count(*) FROM patrol_visits", [], |r| r.get(0)))
        .await?;
    assert_eq!(kept_after, kept_before, "what a revoked device sent stays");
    assert_still_serving(&server).await?;
    server.stop().await;
    Ok(())
}
