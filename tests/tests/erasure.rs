//! Erasure of whole records (issue 13), proven on the bytes: a random
//! marker typed into a record's notes is found by a control scan of every
//! file of the server's data folder and of the phone's database, and by
//! neither scan once the record is erased; a closed quarter's figures stay
//! the same; an offline edit of an erased record is kept nowhere; a store
//! restored from a backup older than the erasure carries it out again
//! before it answers.

use e2e::scan::{
    anna_on_disk, backup_store, files_containing, marker, phone_on_disk, restart_from_backup,
    visit, OnDisk,
};
use e2e::web::{pages_server, WebClient, PASSWORD};
use e2e::{now_ms, TestDevice};
use shared::domain::{Millis, Organisation};
use shared::record::Record;
use shared::DocId;

async fn erase(web: &mut WebClient, id: DocId, reason: &str) -> anyhow::Result<()> {
    let ask = web.get(&format!("/records/{id}/erase")).await?;
    assert_eq!(ask.status, 200, "{}", ask.body);
    assert!(ask.body.contains("cannot be undone"), "{}", ask.body);
    // No reason is chosen for the coordinator.
    assert!(!ask.body.contains("checked"), "{}", ask.body);
    let csrf = ask.csrf().ok_or_else(|| anyhow::anyhow!("no CSRF token"))?;
    let done = web
        .post(
            &format!("/records/{id}/erase"),
            &[
                ("csrf", &csrf),
                ("reason", reason),
                ("case_number", "A-123/26"),
            ],
        )
        .await?;
    assert_eq!(done.status, 200, "{}", done.body);
    assert!(done.body.contains("The record was erased"), "{}", done.body);
    Ok(())
}

/// 2026-09-15 10:00 Stockholm: in the quarter before the test's own (the
/// tests run in 2026-Q4 or later; the demo plan covers 2026–2027).
fn last_quarter_instant() -> Millis {
    let now = now_ms();
    let (start, _) = shared::follow_up::Period::quarter_of(now).bounds_ms();
    start - 16 * 86_400_000 + 10 * 3_600_000
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_erased_record_is_gone_from_the_server_and_every_phone_byte_by_byte(
) -> anyhow::Result<()> {
    let OnDisk {
        tmp,
        data,
        server,
        anna,
    } = anna_on_disk().await?;
    let (secret, kept_text) = (marker(), marker());
    let past = last_quarter_instant();
    let erased = visit(&anna, past, &format!("Namn {secret} vid kiosken"))?;
    let other = visit(&anna, past + 3_600_000, &format!("Lugnt {kept_text}"))?;
    anna.sync().await?;
    // Anna's second phone holds both too.
    let second = phone_on_disk(&server, &tmp.path().join("second"), "Anna Berg").await?;
    assert!(second.lock().record(erased)?.is_some());

    let mut web = WebClient::new(&server.url);
    web.sign_in("eva", PASSWORD).await?;
    let period = shared::follow_up::Period::quarter_of(past).key();
    let csv_before = web
        .get(&format!("/follow-up.csv?period={period}"))
        .await?
        .body;

    // Control scans: the marker is there to be found.
    assert!(
        !files_containing(&data, &secret).is_empty(),
        "control: server"
    );
    assert!(
        !files_containing(&tmp.path().join("second"), &secret).is_empty(),
        "control: phone"
    );

    erase(&mut web, erased, "request").await?;

    // At once on the server: no file of its data folder holds it.
    assert_eq!(files_containing(&data, &secret), Vec::<String>::new());
    // The rest is untouched.
    assert!(!files_containing(&data, &kept_text).is_empty());
    // The past quarter's figures did not change, nor after a rebuild.
    let csv_after = web
        .get(&format!("/follow-up.csv?period={period}"))
        .await?
        .body;
    assert_eq!(csv_before, csv_after);
    let report = web.get(&format!("/follow-up?period={period}")).await?.body;
    assert!(
        report.contains("1 of the records counted here have since been erased"),
        "{report}"
    );
    server.db.write(server::db::projection::rebuild).await?;
    let csv_rebuilt = web
        .get(&format!("/follow-up.csv?period={period}"))
        .await?
        .body;
    assert_eq!(csv_before, csv_rebuilt);
    // The timeline no longer lists it; the access log says who erased it.
    let log = web.get(&format!("/access-log?record={erased}")).await?.body;
    assert!(
        log.contains("Record erased") && log.contains("A-123/26"),
        "{log}"
    );
    assert_eq!(
        web.get(&format!("/records/{erased}/erase")).await?.status,
        404
    );

    // At its next sync the second phone deletes it, byte by byte.
    let report = second.sync().await?;
    assert_eq!(report.erased, 1);
    assert!(second.lock().record(erased)?.is_none());
    assert!(second.lock().record(other)?.is_some());
    assert_eq!(second.lock().erased_notice()?, 1);
    assert_eq!(
        files_containing(&tmp.path().join("second"), &secret),
        Vec::<String>::new()
    );
    assert!(!files_containing(&tmp.path().join("second"), &kept_text).is_empty());
    // A fresh phone of Anna's never receives it.
    let fresh = phone_on_disk(&server, &tmp.path().join("fresh"), "Anna Berg").await?;
    assert!(fresh.lock().record(erased)?.is_none());
    assert!(fresh.lock().record(other)?.is_some());
    server.stop().await;
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_offline_edit_of_an_erased_record_is_kept_nowhere() -> anyhow::Result<()> {
    let OnDisk {
        tmp: _tmp,
        data,
        server,
        anna,
    } = anna_on_disk().await?;
    let mistake = visit(&anna, now_ms() - 3_600_000, "Fel plats")?;
    anna.sync().await?;

    // Offline, Anna edits it; meanwhile the coordinators erase it.
    let late = marker();
    anna.update(mistake, |r| {
        if let Record::PatrolVisit(v) = r {
            v.notes.update(format!("Rättat {late}"));
        }
    })?;
    let mut web = WebClient::new(&server.url);
    web.sign_in("eva", PASSWORD).await?;
    let period = shared::follow_up::Period::quarter_of(now_ms()).key();
    erase(&mut web, mistake, "entered_by_mistake").await?;

    // Her edit is answered "erased": the phone deletes the record and the
    // edit; nothing of it is stored, held or quarantined on the server.
    let report = anna.sync().await?;
    assert_eq!(report.erased, 1);
    assert!(anna.lock().record(mistake)?.is_none());
    assert_eq!(anna.lock().pending_changes()?, 0);
    assert_eq!(files_containing(&data, &late), Vec::<String>::new());
    let quarantined: i64 = server
        .db
        .read(|c| c.query_row("SELECT count(*) FROM quarantine", [], |r| r.get(0)))
        .await?;
    assert_eq!(quarantined, 0);
    // Entered by mistake, in the quarter under way: no figure is kept.
    let csv = web
        .get(&format!("/follow-up.csv?period={period}"))
        .await?
        .body;
    let kept: i64 = server
        .db
        .read(|c| c.query_row("SELECT count(*) FROM kept_rows", [], |r| r.get(0)))
        .await?;
    assert_eq!(kept, 0, "{csv}");
    server.stop().await;
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_store_restored_from_before_an_erasure_carries_it_out_before_answering(
) -> anyhow::Result<()> {
    let tmp = tempfile::tempdir()?;
    let data = tmp.path().join("server");
    let server = pages_server(&data).await?;
    let anna = TestDevice::enrol(&server, "Anna Berg", Organisation::Police).await?;
    anna.sync().await?;
    let secret = marker();
    let id = visit(&anna, last_quarter_instant(), &format!("Namn {secret}"))?;
    anna.sync().await?;

    // The operator's nightly backup, taken before the erasure.
    let backup = tmp.path().join("backup.sqlite3");
    backup_store(&server, &backup).await?;
    let mut web = WebClient::new(&server.url);
    web.sign_in("eva", PASSWORD).await?;
    erase(&mut web, id, "retention_ended").await?;
    // The store is restored from the backup; the ledger beside it is not
    // (docs/privacy.md: it is never restored from an older copy). Before
    // any request: gone again.
    let server = restart_from_backup(server, &data, &backup, &secret).await?;
    let docs: i64 = server
        .db
        .read(move |c| {
            c.query_row(
                "SELECT count(*) FROM docs WHERE id = ?1",
                [id.as_bytes()],
                |r| r.get(0),
            )
        })
        .await?;
    assert_eq!(docs, 0);
    // A phone that still holds it (it was offline all along) is told.
    let report = anna.sync().await?;
    assert_eq!(report.erased, 1);
    assert!(anna.lock().record(id)?.is_none());
    server.stop().await;
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_nightly_job_erases_what_the_retention_rules_no_longer_keep() -> anyhow::Result<()> {
    let tmp = tempfile::tempdir()?;
    let server = pages_server(&tmp.path().join("server")).await?;
    let anna = TestDevice::enrol(&server, "Anna Berg", Organisation::Police).await?;
    anna.sync().await?;
    let past = last_quarter_instant();
    let old = visit(&anna, past, "Lugnt")?;
    let plan = anna.plan()?;
    let activity_initiative = plan
        .focus_areas
        .iter()
        .flat_map(|f| f.initiatives.iter())
        .find(|i| i.counts == shared::domain::Counts::Activities)
        .map(|i| i.id)
        .ok_or_else(|| anyhow::anyhow!("no activity initiative"))?;
    let activity = anna.create(Record::Activity(shared::domain::Activity {
        initiative_id: activity_initiative,
        date: shared::local_time::format_date(past),
        kind: shared::domain::ActivityKind::SchoolVisit,
        people_reached: 20,
        participants: Vec::new(),
        notes: Default::default(),
        draft: false,
        discarded_at: None,
    }))?;
    anna.sync().await?;

    let mut web = WebClient::new(&server.url);
    web.sign_in("eva", PASSWORD).await?;
    // Never reviewed: the follow-up page reminds.
    let follow_up = web.get("/follow-up").await?.body;
    assert!(follow_up.contains("A yearly review of the retention rules is due."));
    let page = web.get("/retention").await?;
    let csrf = page
        .csrf()
        .ok_or_else(|| anyhow::anyhow!("no CSRF token"))?;
    // A rule needs its legal basis.
    let refused = web
        .post(
            "/retention",
            &[
                ("csrf", &csrf),
                ("kind", "visit"),
                ("months", "36"),
                ("basis", ""),
            ],
        )
        .await?;
    assert_eq!(refused.status, 400);
    let set = web
        .post(
            "/retention",
            &[
                ("csrf", &csrf),
                ("kind", "visit"),
                ("months", "36"),
                ("basis", "Gallringsbeslut KS 2025/14"),
            ],
        )
        .await?;
    assert_eq!(set.status, 303);
    web.post("/retention/review", &[("csrf", &csrf)]).await?;
    let page = web.get("/retention").await?.body;
    assert!(
        page.contains("Gallringsbeslut KS 2025/14") && page.contains("Last reviewed"),
        "{page}"
    );
    assert!(!web
        .get("/follow-up")
        .await?
        .body
        .contains("A yearly review of the retention rules is due."));

    // Today nothing is due: kept 36 months after the plan's end.
    assert_eq!(server::db::retention::run(&server.db, now_ms()).await?, 0);
    // Past the plan's end (2027-12-31) and 36 months: the visit goes, the
    // activity (no rule for activities) stays.
    let later = shared::local_time::day_bounds(
        shared::local_time::LocalDate::parse("2031-01-02")
            .map(|d| d.day())
            .unwrap_or(0),
    )
    .0;
    let period = shared::follow_up::Period::quarter_of(past).key();
    let csv_before = web
        .get(&format!("/follow-up.csv?period={period}"))
        .await?
        .body;
    assert_eq!(server::db::retention::run(&server.db, later).await?, 1);
    assert_eq!(
        server::db::retention::run(&server.db, later).await?,
        0,
        "once"
    );
    let csv_after = web
        .get(&format!("/follow-up.csv?period={period}"))
        .await?
        .body;
    assert_eq!(csv_before, csv_after, "a closed quarter's figures are kept");
    let reason: String = server
        .db
        .read(move |c| {
            c.query_row(
                "SELECT reason || ' ' || erased_by FROM ledger.erasures WHERE doc_id = ?1",
                [old.as_bytes()],
                |r| r.get(0),
            )
        })
        .await?;
    assert_eq!(reason, "retention_ended retention");
    anna.sync().await?;
    assert!(anna.lock().record(old)?.is_none());
    assert!(anna.lock().record(activity)?.is_some());
    server.stop().await;
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_phone_away_longer_than_the_lease_is_revoked_and_told() -> anyhow::Result<()> {
    let tmp = tempfile::tempdir()?;
    let server = pages_server(&tmp.path().join("server")).await?;
    let anna = TestDevice::enrol(&server, "Anna Berg", Organisation::Police).await?;
    let omar = TestDevice::enrol(&server, "Omar Said", Organisation::Police).await?;
    anna.sync().await?;
    omar.sync().await?;
    assert_eq!(
        anna.lock().lease_days()?,
        shared::retention::DEFAULT_LEASE_DAYS
    );

    // The coordinators shorten the lease; the phones learn it.
    let mut web = WebClient::new(&server.url);
    web.sign_in("eva", PASSWORD).await?;
    let page = web.get("/retention").await?;
    let csrf = page
        .csrf()
        .ok_or_else(|| anyhow::anyhow!("no CSRF token"))?;
    assert_eq!(
        web.post("/retention/lease", &[("csrf", &csrf), ("days", "0")])
            .await?
            .status,
        400
    );
    assert_eq!(
        web.post("/retention/lease", &[("csrf", &csrf), ("days", "10")])
            .await?
            .status,
        303
    );
    anna.sync().await?;
    assert_eq!(anna.lock().lease_days()?, 10);
    let now = now_ms();
    assert_eq!(anna.lock().lease(now)?, app::store::Lease::Valid);
    // Eleven days on, the phone that stayed away shows no records...
    let later = now + 11 * 86_400_000;
    assert_eq!(
        anna.lock().lease(later)?,
        app::store::Lease::Expired { days: 10 }
    );
    // ...and the nightly job revokes both phones (neither synced since).
    server::db::retention::run_if_due(&server.db, later).await?;
    let err = anna.sync().await.err().map(|e| e.problem());
    assert_eq!(err, Some(app::sync_client::SyncProblem::Revoked));
    assert!(anna.lock().revoked()?);
    assert_eq!(anna.lock().lease(now)?, app::store::Lease::Revoked);
    // A token nobody ever had is still just unknown.
    let (status, body) = {
        let r = reqwest::Client::new()
            .post(format!("{}/v1/sync", server.url))
            .bearer_auth("0".repeat(64))
            .body(Vec::new())
            .send()
            .await?;
        (r.status().as_u16(), r.text().await?)
    };
    assert_eq!(status, 401);
    assert!(body.contains("\"unauthorized\""), "{body}");
    server.stop().await;
    Ok(())
}
