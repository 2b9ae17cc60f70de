//! Redaction of one field (issue 13), proven on the bytes: a marker typed
//! into a visit's notes is found by a control scan of the server's data
//! folder and of a phone's database, and by neither once the coordinators
//! redacted the notes; the rest of the record stays. A phone that edited
//! the record offline meanwhile replays its edits on the new epoch, its
//! edit of the redacted notes shown as a conflict, never written back. A
//! store restored from a backup older than the redaction installs the
//! epoch again before it answers, and the phones go on building on it.

use e2e::now_ms;
use e2e::scan::{
    anna_on_disk, backup_store, files_containing, marker, phone_on_disk, restart_from_backup,
    visit, OnDisk,
};
use e2e::web::{WebClient, PASSWORD};
use shared::record::Record;
use shared::sync::wire::{encode, DocChanges, SyncRequest, PROTOCOL_VERSION};
use shared::DocId;

async fn redact(web: &mut WebClient, id: DocId, path: &str) -> anyhow::Result<()> {
    let ask = web.get(&format!("/records/{id}/redact")).await?;
    assert_eq!(ask.status, 200, "{}", ask.body);
    assert!(ask.body.contains("cannot be undone"), "{}", ask.body);
    // No reason is chosen for the coordinator.
    assert!(!ask.body.contains("checked"), "{}", ask.body);
    let csrf = ask.csrf().ok_or_else(|| anyhow::anyhow!("no CSRF token"))?;
    let done = web
        .post(
            &format!("/records/{id}/redact"),
            &[
                ("csrf", &csrf),
                ("path", path),
                ("reason", "personal_data"),
                ("case_number", "R-7/26"),
            ],
        )
        .await?;
    assert_eq!(done.status, 200, "{}", done.body);
    assert!(
        done.body.contains("The field was redacted"),
        "{}",
        done.body
    );
    Ok(())
}

fn notes_and_contacts(r: Record) -> (String, i64) {
    match r {
        Record::PatrolVisit(v) => (v.notes.as_str().to_string(), v.contacts.value()),
        other => panic!("not a visit: {other:?}"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_redacted_note_is_gone_everywhere_and_an_offline_edit_becomes_a_conflict(
) -> anyhow::Result<()> {
    let OnDisk {
        tmp,
        data,
        server,
        anna,
    } = anna_on_disk().await?;
    let (name, kept) = (marker(), marker());
    let id = visit(&anna, now_ms() - 3_600_000, &format!("Hotad av {name}"))?;
    let other = visit(&anna, now_ms() - 2 * 3_600_000, &format!("Lugnt {kept}"))?;
    anna.sync().await?;
    // Anna's second phone holds it too, and stays in sync.
    let second = phone_on_disk(&server, &tmp.path().join("second"), "Anna Berg").await?;
    assert!(second.lock().record(id)?.is_some());
    assert!(
        !files_containing(&data, &name).is_empty(),
        "control: server"
    );
    assert!(
        !files_containing(&tmp.path().join("second"), &name).is_empty(),
        "control: phone"
    );

    // Offline, Anna counts two contacts and adds to the note.
    let offline = marker();
    anna.update(id, |r| {
        if let Record::PatrolVisit(v) = r {
            v.contacts.increment(2);
            v.notes.update(format!("Hotad av {name}, sedan {offline}"));
        }
    })?;

    let mut web = WebClient::new(&server.url);
    web.sign_in("eva", PASSWORD).await?;
    let rows_before = server.follow_up_rows().await?;
    redact(&mut web, id, "notes").await?;

    // At once on the server: no file of its data folder holds the name;
    // the record, the other record and the follow-up rows stay.
    assert_eq!(files_containing(&data, &name), Vec::<String>::new());
    assert!(!files_containing(&data, &kept).is_empty());
    assert_eq!(server.follow_up_rows().await?, rows_before);
    let page = web.get(&format!("/records/{id}/redact")).await?.body;
    assert!(
        page.contains("No free-text field of this record holds text"),
        "{page}"
    );
    let log = web.get(&format!("/access-log?record={id}")).await?.body;
    assert!(
        log.contains("Field redacted") && log.contains("R-7/26"),
        "{log}"
    );

    // The second phone (nothing unsent) takes the new epoch: the name is
    // gone from its file, the record is whole, the other record untouched.
    let report = second.sync().await?;
    assert_eq!(report.rebased, 1, "{report:?}");
    assert_eq!(notes_and_contacts(second.record(id)?), (String::new(), 0));
    assert_eq!(second.lock().epoch(id)?, 1);
    assert_eq!(
        files_containing(&tmp.path().join("second"), &name),
        Vec::<String>::new()
    );
    assert!(!files_containing(&tmp.path().join("second"), &kept).is_empty());

    // Anna's phone: its push is answered "redacted"; it replays the two
    // contacts onto the new epoch and shows the note as a conflict.
    let report = anna.sync().await?;
    assert_eq!((report.rebased, report.conflicts), (1, 1), "{report:?}");
    assert_eq!(notes_and_contacts(anna.record(id)?), (String::new(), 2));
    let conflicts = anna.lock().conflicts()?;
    assert_eq!(conflicts.len(), 1);
    assert_eq!(conflicts[0].path, "notes");
    assert!(conflicts[0].mine.contains(&offline));
    assert_eq!(
        anna.lock().pending_changes()?,
        0,
        "the replay reached the server"
    );
    // The server has the contacts, not the text.
    second.sync().await?;
    assert_eq!(notes_and_contacts(second.record(id)?), (String::new(), 2));
    assert_eq!(files_containing(&data, &name), Vec::<String>::new());
    assert_eq!(files_containing(&data, &offline), Vec::<String>::new());
    let quarantined: i64 = server
        .db
        .read(|c| c.query_row("SELECT count(*) FROM quarantine", [], |r| r.get(0)))
        .await?;
    assert_eq!(quarantined, 0);

    // Anna throws her old text away: gone from her phone too.
    anna.lock()
        .resolve_conflict(conflicts[0].id, false, now_ms())?;
    assert!(anna.lock().conflicts()?.is_empty());
    assert_eq!(
        files_containing(&tmp.path().join("anna"), &name),
        Vec::<String>::new()
    );

    assert!(second.lock().record(other)?.is_some());
    server.stop().await;
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_old_epochs_change_is_refused_and_kept_nowhere() -> anyhow::Result<()> {
    let OnDisk {
        tmp: _tmp,
        data,
        server,
        anna,
    } = anna_on_disk().await?;
    let name = marker();
    let id = visit(&anna, now_ms() - 3_600_000, &format!("Namn {name}"))?;
    // The change's bytes as the phone made them, before it is sent.
    let old_change = anna.lock().outgoing(1 << 20)?.request.docs[0].changes[0].clone();
    anna.sync().await?;
    let mut web = WebClient::new(&server.url);
    web.sign_in("eva", PASSWORD).await?;
    redact(&mut web, id, "notes").await?;

    let token = anna
        .lock()
        .enrolment()?
        .ok_or_else(|| anyhow::anyhow!("not enrolled"))?
        .token;
    for epoch in [None, Some(0)] {
        let body = encode(&SyncRequest {
            v: PROTOCOL_VERSION,
            cursor: None,
            docs: vec![DocChanges {
                id: serde_bytes::ByteBuf::from(id.as_bytes().to_vec()),
                changes: vec![old_change.clone()],
                epoch,
            }],
            venues_tag: None,
            erased_since: None,
            redacted_since: None,
            works_in: None,
        });
        let resp = reqwest::Client::new()
            .post(format!("{}/v1/sync", server.url))
            .bearer_auth(&token)
            .header("content-type", shared::sync::wire::CONTENT_TYPE)
            .header(
                shared::sync::wire::DIGEST_HEADER,
                shared::sync::wire::content_digest(&body),
            )
            .body(body)
            .send()
            .await?;
        assert_eq!(resp.status(), 200, "not a refusal");
        let answer = shared::sync::wire::decode_response(&resp.bytes().await?)?;
        assert_eq!(
            answer.results[0].code,
            Some(shared::sync::RejectCode::Redacted)
        );
        // Told of the redaction, with the new epoch in the documents.
        assert!(answer.redacted.iter().any(|n| n.epoch == 1));
        assert!(answer
            .docs
            .iter()
            .any(|d| d.id.as_ref() == id.as_bytes() && d.epoch == Some(1)));
    }
    assert_eq!(files_containing(&data, &name), Vec::<String>::new());
    server.stop().await;
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_store_restored_from_before_a_redaction_installs_it_again_before_answering(
) -> anyhow::Result<()> {
    let OnDisk {
        tmp,
        data,
        server,
        anna,
    } = anna_on_disk().await?;
    let name = marker();
    let id = visit(&anna, now_ms() - 3_600_000, &format!("Namn {name}"))?;
    anna.sync().await?;

    // The operator's nightly backup, taken before the redaction.
    let backup = tmp.path().join("backup.sqlite3");
    backup_store(&server, &backup).await?;
    let mut web = WebClient::new(&server.url);
    web.sign_in("eva", PASSWORD).await?;
    redact(&mut web, id, "notes").await?;
    anna.sync().await?;
    assert_eq!(anna.lock().epoch(id)?, 1);
    // After the redaction Anna counts a contact, on the new epoch.
    anna.update(id, |r| {
        if let Record::PatrolVisit(v) = r {
            v.contacts.increment(1);
        }
    })?;
    anna.sync().await?;
    // The store is restored; the ledger beside it is not. Before any
    // request: the name is gone again, at the same epoch.
    let server = restart_from_backup(server, &data, &backup, &name).await?;
    let epoch: u32 = server
        .db
        .read(move |c| {
            c.query_row(
                "SELECT epoch FROM docs WHERE id = ?1",
                [id.as_bytes()],
                |r| r.get(0),
            )
        })
        .await?;
    assert_eq!(epoch, 1);
    // Anna's phone is told the log was reset, sends its changes again;
    // they build on the very base the ledger kept, so they are accepted.
    anna.sync().await?;
    assert_eq!(anna.lock().pending_changes()?, 0);
    let fresh = phone_on_disk(&server, &tmp.path().join("fresh"), "Anna Berg").await?;
    assert_eq!(notes_and_contacts(fresh.record(id)?), (String::new(), 1));
    assert_eq!(fresh.lock().epoch(id)?, 1);
    server.stop().await;
    Ok(())
}
