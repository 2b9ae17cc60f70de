//! The edges of the write path over real HTTP: what an outside client
//! written from `docs/protocol.md` found. Each test is one finding; each
//! failed before the sync core (`shared::sync::push`) took the decision.
//!
//! - the same first change under two document ids makes two records;
//! - a change that waits for its dependency is invisible, and goes to the
//!   quarantine with its document if that is refused;
//! - nobody writes in another officer's record through a missing dependency;
//! - the municipality's directory reaches every phone of its officers and no
//!   phone writes it;
//! - held changes count against the device's quota;
//! - the venue list travels only when it changed, never a colleague's
//!   record with it.

use automerge::{transaction::CommitOptions, ActorId, AutoCommit};
use e2e::{now_ms, TestDevice, TestServer};
use serde_bytes::ByteBuf;
use shared::domain::Organisation;
use shared::record::{read_record, write_record, Record};
use shared::sync::wire::{
    decode_response, encode, DocChanges, SyncRequest, SyncResponse, PROTOCOL_VERSION,
};
use shared::sync::RejectCode;
use shared::{DocId, DocKind};

/// Posts one request for `docs` with the device's token.
async fn push(
    server: &TestServer,
    device: &TestDevice,
    docs: Vec<(DocId, Vec<Vec<u8>>)>,
) -> anyhow::Result<(u16, SyncResponse)> {
    let body = encode(&SyncRequest {
        venues_tag: None,
        erased_since: None,
        redacted_since: None,
        v: PROTOCOL_VERSION,
        cursor: None,
        docs: docs
            .into_iter()
            .map(|(id, changes)| DocChanges {
                epoch: None,
                id: ByteBuf::from(id.as_bytes().to_vec()),
                changes: changes.into_iter().map(ByteBuf::from).collect(),
            })
            .collect(),
        works_in: None,
    });
    let resp = reqwest::Client::new()
        .post(format!("{}/v1/sync", server.url))
        .bearer_auth(&device.enrolment.token)
        .body(body)
        .send()
        .await?;
    let status = resp.status().as_u16();
    Ok((status, decode_response(&resp.bytes().await?)?))
}

/// A document written with the device's own actor, one change per record
/// state, so a test can send any subset of its changes by hand.
struct Doc {
    doc: AutoCommit,
}

impl Doc {
    fn new(device: &TestDevice) -> anyhow::Result<Doc> {
        let actor = ActorId::from(hex::decode(&device.enrolment.actor)?);
        Ok(Doc {
            doc: AutoCommit::new().with_actor(actor),
        })
    }

    fn write(&mut self, record: &Record) -> anyhow::Result<Vec<u8>> {
        write_record(&mut self.doc, record)?;
        self.doc
            .commit_with(CommitOptions::default().with_time(now_ms() / 1000));
        Ok(self
            .doc
            .get_last_local_change()
            .ok_or_else(|| anyhow::anyhow!("no change"))?
            .raw_bytes()
            .to_vec())
    }
}

async fn count(server: &TestServer, sql: &'static str, id: DocId) -> anyhow::Result<i64> {
    Ok(server
        .db
        .read(move |c| c.query_row(sql, [id.as_bytes()], |r| r.get(0)))
        .await?)
}

/// Another phone of the officer `name`, enrolled and synced once.
async fn second_phone(server: &TestServer, name: &str) -> anyhow::Result<TestDevice> {
    let code = server.enrolment_code(name, Organisation::Police).await?;
    let phone =
        TestDevice::enrol_with_code(&server.url, &code, app::DeviceStore::open_in_memory()?)
            .await?;
    phone.sync().await?;
    Ok(phone)
}

async fn started(name: &str) -> anyhow::Result<(tempfile::TempDir, TestServer, TestDevice)> {
    let dir = tempfile::tempdir()?;
    let server = TestServer::start(dir.path()).await?;
    server.seed_demo().await?;
    let device = TestDevice::enrol(&server, name, Organisation::Police).await?;
    device.sync().await?;
    Ok((dir, server, device))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_same_first_change_under_two_ids_makes_two_records() -> anyhow::Result<()> {
    let (_dir, server, anna) = started("Anna Berg").await?;
    // One template document, its first change sent as two records (a
    // common Automerge pattern, and what a re-sent change looks like).
    let mut template = Doc::new(&anna)?;
    let mut visit = anna.new_visit(now_ms() - 20 * 60_000)?;
    visit.ended_at = Some(visit.started_at + 12 * 60_000);
    let first = template.write(&Record::PatrolVisit(visit))?;
    let (a, b) = (DocId::random(), DocId::random());
    let (status, resp) = push(
        &server,
        &anna,
        vec![(a, vec![first.clone()]), (b, vec![first])],
    )
    .await?;
    assert_eq!(status, 200);
    assert!(resp.results.iter().all(|r| r.ok), "{:?}", resp.results);
    for id in [a, b] {
        assert_eq!(
            count(
                &server,
                "SELECT count(*) FROM changes WHERE doc_id = ?1",
                id
            )
            .await?,
            1,
            "{id} has its change in the log"
        );
    }
    let visits: i64 = server
        .db
        .read(|c| c.query_row("SELECT count(*) FROM patrol_visits", [], |r| r.get(0)))
        .await?;
    assert_eq!(visits, 2, "both records count in the follow-up");
    // Anna's second phone receives both, as visits, not empty documents.
    let phone = second_phone(&server, "Anna Berg").await?;
    for id in [a, b] {
        assert!(matches!(phone.record(id)?, Record::PatrolVisit(_)), "{id}");
    }
    server.stop().await;
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_waiting_change_is_invisible_and_leaves_with_its_refused_document() -> anyhow::Result<()>
{
    let (_dir, server, anna) = started("Anna Berg").await?;
    let mut doc = Doc::new(&anna)?;
    // The record is invalid from the start (ends before it starts); its
    // second change arrives first.
    let mut visit = anna.new_visit(now_ms() - 20 * 60_000)?;
    visit.ended_at = Some(visit.started_at - 60_000);
    let first = doc.write(&Record::PatrolVisit(visit.clone()))?;
    visit.contacts.increment(2);
    let second = doc.write(&Record::PatrolVisit(visit))?;
    let id = DocId::random();

    let (status, resp) = push(&server, &anna, vec![(id, vec![second])]).await?;
    assert_eq!(status, 200, "waiting is not a refusal");
    assert!(!resp.results[0].ok, "waiting is not `ok` either");
    assert_eq!(resp.results[0].code, Some(RejectCode::Incomplete));
    assert_eq!(
        count(
            &server,
            "SELECT count(*) FROM changes WHERE doc_id = ?1",
            id
        )
        .await?,
        0,
        "a waiting change is not in the log"
    );
    assert_eq!(
        count(
            &server,
            "SELECT count(*) FROM held_changes WHERE doc_id = ?1",
            id
        )
        .await?,
        1
    );
    // Anna's other phone sees nothing of it.
    let phone = second_phone(&server, "Anna Berg").await?;
    assert!(phone.lock().doc(id)?.is_none(), "no incomplete document");

    // The first change completes it; the whole is invalid: refused, both
    // changes in the quarantine, none in the log or held.
    let (status, resp) = push(&server, &anna, vec![(id, vec![first])]).await?;
    assert_eq!(status, 422);
    assert_eq!(resp.results[0].code, Some(RejectCode::Invalid));
    for (sql, want) in [
        ("SELECT count(*) FROM changes WHERE doc_id = ?1", 0),
        ("SELECT count(*) FROM held_changes WHERE doc_id = ?1", 0),
        ("SELECT count(*) FROM docs WHERE id = ?1", 0),
        ("SELECT count(*) FROM quarantine WHERE doc_id = ?1", 2),
    ] {
        assert_eq!(count(&server, sql, id).await?, want, "{sql}");
    }
    phone.sync().await?;
    assert!(phone.lock().doc(id)?.is_none());
    server.stop().await;
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn nobody_writes_in_another_officers_record_through_a_missing_dependency(
) -> anyhow::Result<()> {
    let (_dir, server, anna) = started("Anna Berg").await?;
    let eve = TestDevice::enrol(&server, "Eve Svensson", Organisation::Police).await?;
    eve.sync().await?;
    let mut visit = anna.new_visit(now_ms() - 20 * 60_000)?;
    visit.ended_at = Some(visit.started_at + 12 * 60_000);
    visit.notes = "Lugnt vid torget".into();
    let annas = anna.create(Record::PatrolVisit(visit))?;
    anna.sync().await?;

    // Eve knows the id (printed on a protocol). She sends a change that
    // builds on one the server never saw, then that one too: a visit
    // turned into an activity with her notes.
    let mut forged = Doc::new(&eve)?;
    let mut hers = eve.new_visit(now_ms())?;
    hers.ended_at = Some(hers.started_at + 12 * 60_000);
    let base = forged.write(&Record::PatrolVisit(hers.clone()))?;
    hers.notes = "Eve skrev här".into();
    let on_top = forged.write(&Record::PatrolVisit(hers))?;
    let log_before = count(
        &server,
        "SELECT count(*) FROM changes WHERE doc_id = ?1",
        annas,
    )
    .await?;
    for changes in [vec![on_top.clone()], vec![base, on_top]] {
        let (status, resp) = push(&server, &eve, vec![(annas, changes)]).await?;
        assert_eq!(status, 422);
        assert_eq!(resp.results[0].code, Some(RejectCode::NotPermitted));
    }
    assert_eq!(
        count(
            &server,
            "SELECT count(*) FROM changes WHERE doc_id = ?1",
            annas
        )
        .await?,
        log_before,
        "nothing of Eve's reached Anna's record"
    );
    assert_eq!(
        count(
            &server,
            "SELECT count(*) FROM held_changes WHERE doc_id = ?1",
            annas
        )
        .await?,
        0
    );
    // Eve receives nothing of Anna's record; Anna's is as she wrote it,
    // and her later edits still count.
    eve.sync().await?;
    assert!(eve.lock().doc(annas)?.is_none());
    anna.update(annas, |r| {
        if let Record::PatrolVisit(v) = r {
            v.contacts.increment(1);
        }
    })?;
    anna.sync().await?;
    let on_server = server
        .db
        .read(move |c| server::db::documents::load(c, annas))
        .await?;
    let Record::PatrolVisit(v) = read_record(&on_server)? else {
        panic!("Anna's visit changed kind");
    };
    assert_eq!(v.notes.as_str(), "Lugnt vid torget");
    assert_eq!(v.contacts.value(), 1);
    server.stop().await;
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_directory_reaches_its_officers_phones_and_no_phone_writes_it() -> anyhow::Result<()> {
    let (_dir, server, anna) = started("Anna Berg").await?;
    let colleague = TestDevice::enrol(&server, "Kim Lund", Organisation::Municipality).await?;
    colleague.sync().await?;
    anna.sync().await?;
    let directory = *anna
        .reference_ids(DocKind::Directory)?
        .first()
        .expect("the directory reached the phone");
    let Record::Directory(d) = anna.record(directory)? else {
        panic!("not a directory");
    };
    let kim = d
        .officer(colleague.officer())
        .expect("the colleague is in the directory");
    assert_eq!(kim.organisation, Organisation::Municipality);

    // A phone's edit of the directory, and a directory of its own: refused.
    anna.update(directory, |r| {
        if let Record::Directory(d) = r {
            d.officers.clear();
        }
    })?;
    let own = anna.create(Record::Directory(Default::default()))?;
    anna.sync().await?;
    for id in [directory, own] {
        assert!(
            matches!(
                anna.lock().record_sync(id)?,
                app::store::RecordSync::Rejected { ref code, .. } if code == "reference_read_only"
            ),
            "{id}"
        );
    }
    colleague.sync().await?;
    let Record::Directory(d) = colleague.record(directory)? else {
        panic!("not a directory");
    };
    assert!(
        d.officer(anna.officer()).is_some(),
        "the directory is intact"
    );
    assert!(colleague.lock().doc(own)?.is_none());
    server.stop().await;
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn held_changes_count_against_the_devices_quota() -> anyhow::Result<()> {
    let (_dir, server, anna) = started("Anna Berg").await?;
    // Changes of about 700 KB each that wait for a first change never
    // sent: the third passes the 2 MiB quota and is not stored.
    let big = "x".repeat(700 * 1024);
    let mut results = Vec::new();
    for _ in 0..3 {
        let mut doc = Doc::new(&anna)?;
        let visit = anna.new_visit(now_ms())?;
        doc.write(&Record::PatrolVisit(visit.clone()))?;
        let mut v = visit;
        v.notes = big.as_str().into();
        let waiting = doc.write(&Record::PatrolVisit(v))?;
        let (status, resp) = push(&server, &anna, vec![(DocId::random(), vec![waiting])]).await?;
        assert_eq!(status, 200);
        results.push(resp.results[0].code);
    }
    assert_eq!(
        results,
        vec![
            Some(RejectCode::Incomplete),
            Some(RejectCode::Incomplete),
            Some(RejectCode::QuotaExceeded)
        ]
    );
    let held: i64 = server
        .db
        .read(|c| c.query_row("SELECT count(*) FROM held_changes", [], |r| r.get(0)))
        .await?;
    assert_eq!(held, 2);
    server.stop().await;
    Ok(())
}

/// Asks with `tag` as the venue list held and no documents; returns the
/// status and the list, if the server sent one.
async fn venue_list_for(
    server: &TestServer,
    device: &TestDevice,
    tag: Option<Vec<u8>>,
) -> anyhow::Result<(u16, Option<shared::sync::wire::VenueList>)> {
    let body = encode(&SyncRequest {
        v: PROTOCOL_VERSION,
        cursor: None,
        docs: Vec::new(),
        venues_tag: tag.map(ByteBuf::from),
        erased_since: None,
        redacted_since: None,
        works_in: None,
    });
    let resp = reqwest::Client::new()
        .post(format!("{}/v1/sync", server.url))
        .bearer_auth(&device.enrolment.token)
        .body(body)
        .send()
        .await?;
    let status = resp.status().as_u16();
    let bytes = resp.bytes().await?;
    if status != 200 {
        return Ok((status, None));
    }
    Ok((status, decode_response(&bytes)?.venues))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_venue_list_is_sent_once_per_change() -> anyhow::Result<()> {
    let (_dir, server, anna) = started("Anna Berg").await?;
    let lisa = TestDevice::enrol(&server, "Lisa Holm", Organisation::Municipality).await?;
    lisa.sync().await?;

    // A phone without a list gets one; with the current tag, nothing.
    let (_, first) = venue_list_for(&server, &anna, None).await?;
    let first = first.ok_or_else(|| anyhow::anyhow!("no list for a phone holding none"))?;
    let tag = first.tag.to_vec();
    assert_eq!(
        venue_list_for(&server, &anna, Some(tag.clone())).await?,
        (200, None)
    );
    // A tag the server never gave (a restored server's phone): the list.
    let (_, other) = venue_list_for(&server, &anna, Some(vec![7; 8])).await?;
    assert_eq!(other.map(|l| l.tag.to_vec()), Some(tag.clone()));
    // The app keeps what it received and sends its tag back.
    anna.sync().await?;
    assert_eq!(
        anna.lock().venue_list()?.map(|l| l.tag.to_vec()),
        Some(tag.clone())
    );

    // Lisa's draft inspection does not count: the list stays as it was.
    let mut insp = lisa.new_inspection(now_ms() - 3_600_000)?;
    let venue = insp.venue_id;
    insp.participants.push(shared::domain::Participant {
        officer_id: lisa.officer(),
        organisation: Organisation::Municipality,
    });
    let id = lisa.create(Record::Inspection(insp))?;
    lisa.sync().await?;
    assert_eq!(
        venue_list_for(&server, &anna, Some(tag.clone())).await?,
        (200, None)
    );

    // Ended with a proposed revisit, it counts: a new list, with it.
    lisa.update(id, |r| {
        if let Record::Inspection(i) = r {
            i.follow_up = shared::domain::FollowUp::Revisit;
            i.ended_at = Some(i.started_at + 20 * 60_000);
        }
    })?;
    lisa.sync().await?;
    let (_, second) = venue_list_for(&server, &anna, Some(tag.clone())).await?;
    let second =
        second.ok_or_else(|| anyhow::anyhow!("no new list after an inspection counted"))?;
    assert_ne!(second.tag.to_vec(), tag);
    let fact = second
        .facts()
        .into_iter()
        .find(|f| f.venue == venue)
        .ok_or_else(|| anyhow::anyhow!("the venue is not on the list"))?;
    assert_eq!(fact.follow_up, shared::domain::FollowUp::Revisit);

    // Nothing of the record travels: no id, no officer, no findings.
    let encoded = encode(&second);
    for secret in [id.as_bytes().to_vec(), lisa.officer().as_bytes().to_vec()] {
        assert!(
            !encoded.windows(16).any(|w| w == secret.as_slice()),
            "the list carries a record id or an officer"
        );
    }

    // Findings edited: the venue's fact is unchanged, so is the tag.
    let tag = second.tag.to_vec();
    lisa.update(id, |r| {
        if let Record::Inspection(i) = r {
            i.findings.update("Ordning vid entrén.");
        }
    })?;
    lisa.sync().await?;
    assert_eq!(
        venue_list_for(&server, &anna, Some(tag.clone())).await?,
        (200, None)
    );

    // Discarded, it no longer counts: a new list without it.
    lisa.update(id, |r| {
        if let Record::Inspection(i) = r {
            i.discarded_at = Some(now_ms());
        }
    })?;
    lisa.sync().await?;
    let (_, third) = venue_list_for(&server, &anna, Some(tag)).await?;
    let third = third.ok_or_else(|| anyhow::anyhow!("no new list after a discard"))?;
    assert!(third
        .facts()
        .iter()
        .all(|f| !(f.venue == venue && f.follow_up == shared::domain::FollowUp::Revisit)));

    // A tag longer than the protocol allows is a bad body, not a list.
    assert_eq!(
        venue_list_for(&server, &anna, Some(vec![1; 33])).await?.0,
        400
    );
    server.stop().await;
    Ok(())
}

/// A new record's follow-up rows are only added, without first taking out
/// rows of it that cannot be there (a statement each, on PostgreSQL a
/// round trip's worth of work). Should a row name it all the same (written
/// by hand, or by a version with a bug), it is replaced, never counted
/// twice nor in the way: the follow-up equals a rebuild from the documents.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_new_record_replaces_a_stray_follow_up_row_of_its_id() -> anyhow::Result<()> {
    let (_dir, server, anna) = started("Anna Berg").await?;
    let stray = DocId::random();
    let mut visit = anna.new_visit(now_ms() - 20 * 60_000)?;
    visit.ended_at = Some(visit.started_at + 12 * 60_000);
    visit.contacts.increment(1);
    let (hotspot, initiative) = (
        visit.hotspot_id.to_string(),
        visit.initiative_id.to_string(),
    );
    server
        .db
        .write(move |c| {
            c.execute(
                "INSERT INTO patrol_visits VALUES (?1, ?2, ?3, NULL, 0, 60000, 60, 1, 1, 99, 0, 0, 0, 0, 0, NULL)",
                (stray.to_string(), hotspot, initiative),
            )
        })
        .await?;
    let mut doc = Doc::new(&anna)?;
    let change = doc.write(&Record::PatrolVisit(visit))?;
    let fresh = DocId::random();
    let (status, resp) = push(
        &server,
        &anna,
        vec![(stray, vec![change.clone()]), (fresh, vec![change])],
    )
    .await?;
    assert_eq!(status, 200);
    assert!(resp.results.iter().all(|r| r.ok), "{:?}", resp.results);
    for id in [stray, fresh] {
        let contacts: i64 = server
            .db
            .read(move |c| {
                c.query_row(
                    "SELECT CAST(sum(contacts) AS BIGINT) FROM patrol_visits WHERE doc_id = ?1",
                    [id.to_string()],
                    |r| r.get(0),
                )
            })
            .await?;
        assert_eq!(contacts, 1, "{id}: the record's own row, once");
    }
    let (live, rebuilt) = server
        .db
        .write(|c| {
            let live = server::db::projection::dump(c)?;
            server::db::projection::rebuild(c)?;
            Ok((live, server::db::projection::dump(c)?))
        })
        .await?;
    assert_eq!(live, rebuilt, "the follow-up is what a rebuild makes");
    server.stop().await;
    Ok(())
}

/// The overlap rule reads the officer's other visits once per sync and
/// keeps them as the sync writes (`ingest::Looked`): a visit moved earlier
/// in the same sync is judged where it is now. Anna's visit A is moved five
/// hours on, then three new visits are sent at A's old time, in one sync:
/// each overlaps at most the other two, under the limit of three, so all
/// are accepted (were A still counted at its old time, the third would
/// overlap three and be refused).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_visit_moved_earlier_in_a_sync_is_judged_where_it_is_now() -> anyhow::Result<()> {
    use shared::validation::MAX_OVERLAPPING_VISITS;
    assert_eq!(
        MAX_OVERLAPPING_VISITS, 3,
        "the test's numbers are for three"
    );
    let (_dir, server, anna) = started("Anna Berg").await?;
    let start = now_ms() - 8 * 3_600_000;
    let visit_at = |at| -> anyhow::Result<shared::domain::PatrolVisit> {
        let mut v = anna.new_visit(at)?;
        v.ended_at = Some(at + 30 * 60_000);
        Ok(v)
    };
    let a = DocId::random();
    let mut a_doc = Doc::new(&anna)?;
    let mut moved = visit_at(start)?;
    let first = a_doc.write(&Record::PatrolVisit(moved.clone()))?;
    let (_, resp) = push(&server, &anna, vec![(a, vec![first])]).await?;
    assert!(resp.results.iter().all(|r| r.ok), "{:?}", resp.results);

    moved.started_at = start + 5 * 3_600_000;
    moved.ended_at = Some(moved.started_at + 30 * 60_000);
    let mut docs = vec![(a, vec![a_doc.write(&Record::PatrolVisit(moved))?])];
    for _ in 0..3 {
        let mut d = Doc::new(&anna)?;
        docs.push((
            DocId::random(),
            vec![d.write(&Record::PatrolVisit(visit_at(start)?))?],
        ));
    }
    let (status, resp) = push(&server, &anna, docs).await?;
    assert_eq!(status, 200);
    assert!(resp.results.iter().all(|r| r.ok), "{:?}", resp.results);
    let counted = server.visits_counted(anna.officer()).await?;
    assert_eq!(counted, 4, "A and the three new ones count");
    server.stop().await;
    Ok(())
}
