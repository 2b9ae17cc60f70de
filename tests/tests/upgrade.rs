//! Upgrade without loss: a data directory of the schema before drafts
//! (version 7, where a visit under way was a counted row) is opened by this
//! release; migration 8 projects every document again, so the running visit
//! leaves the counted tables for `uncounted_records`, the finished one
//! stays, and the rows are exactly what a rebuild from the documents gives.

use e2e::{now_ms, TestDevice, TestServer};
use server::db::projection;
use shared::domain::Organisation;
use shared::record::Record;

use e2e::rows_of as count;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_version_7_store_upgrades_with_every_record_and_drafts_out_of_the_counts(
) -> anyhow::Result<()> {
    let tmp = tempfile::tempdir()?;
    let server = TestServer::start(tmp.path()).await?;
    server.seed_demo().await?;
    let anna = TestDevice::enrol(&server, "Anna Berg", Organisation::Police).await?;
    anna.sync().await?;
    let now = now_ms();
    let mut done = anna.new_visit(now - 3_600_000)?;
    done.ended_at = Some(done.started_at + 12 * 60_000);
    anna.create(Record::PatrolVisit(done))?;
    let running = anna.create(Record::PatrolVisit(anna.new_visit(now - 600_000)?))?;
    anna.sync().await?;
    let path = server::db::db_path(tmp.path());
    let addr = server.addr().to_string();
    server.stop().await;

    // Back to version 7 as that release stored it: the running visit a
    // counted row with no end, no uncounted table, no case numbers, no
    // kept figures, no epochs, no second factor, no roles.
    {
        let conn = rusqlite::Connection::open(&path)?;
        conn.execute_batch(&format!(
            "DROP TABLE officer_municipalities;
             DROP TABLE account_municipalities;
             DROP TABLE account_police_areas;
             DROP TABLE municipalities;
             DROP TABLE police_areas;
             ALTER TABLE sessions DROP COLUMN municipality;
             DROP INDEX docs_by_municipality;
             ALTER TABLE docs DROP COLUMN municipality;
             ALTER TABLE docs DROP COLUMN municipality_reads;
             ALTER TABLE plans DROP COLUMN municipality_id;
             ALTER TABLE hotspots DROP COLUMN municipality;
             ALTER TABLE venues DROP COLUMN municipality;
             DROP INDEX patrol_visits_by_municipality;
             DROP INDEX inspections_by_municipality;
             DROP INDEX activities_by_municipality;
             DROP INDEX uncounted_records_by_municipality;
             ALTER TABLE patrol_visits DROP COLUMN municipality;
             ALTER TABLE inspections DROP COLUMN municipality;
             ALTER TABLE activities DROP COLUMN municipality;
             ALTER TABLE uncounted_records DROP COLUMN municipality;
             ALTER TABLE access_log DROP COLUMN municipality;
             ALTER TABLE public_figures DROP COLUMN municipality;
             INSERT INTO patrol_visits
               SELECT doc_id, place_id, initiative_id, owner, at, NULL, NULL, NULL, 2, 0, 0, '',
                      NULL, NULL, received_at
               FROM uncounted_records WHERE doc_id = '{running}';
             DROP TABLE uncounted_records;
             DROP TABLE kept_rows;
             DROP TABLE retention_rules;
             DROP TABLE retention_reviews;
             DROP INDEX access_log_by_doc;
             ALTER TABLE access_log DROP COLUMN case_number;
             ALTER TABLE docs DROP COLUMN epoch;
             ALTER TABLE docs DROP COLUMN redacted;
             DROP TABLE recovery_codes;
             ALTER TABLE coordinators DROP COLUMN demo;
             ALTER TABLE coordinators DROP COLUMN totp_secret;
             ALTER TABLE coordinators DROP COLUMN totp_last_step;
             ALTER TABLE sessions DROP COLUMN second_factor;
             ALTER TABLE sessions DROP COLUMN pending_secret;
             ALTER TABLE sessions DROP COLUMN code_failures;
             DROP TABLE account_roles;
             ALTER TABLE coordinators DROP COLUMN disabled_at;
             ALTER TABLE coordinators DROP COLUMN must_change_password;
             ALTER TABLE security_log DROP COLUMN by_account;
             DROP TABLE sso_pending;
             DROP INDEX coordinators_by_sso;
             ALTER TABLE coordinators DROP COLUMN sso_subject;
             PRAGMA user_version = 7;"
        ))?;
        let rows: i64 = conn.query_row("SELECT count(*) FROM patrol_visits", [], |r| r.get(0))?;
        assert_eq!(rows, 2, "both visits counted, as version 7 did");
    }

    let server = TestServer::start_at(tmp.path(), e2e::many_devices_one_address(), &addr).await?;
    let rows = server.follow_up_rows().await?;
    assert_eq!(count(&rows, "patrol_visits"), 1, "{rows:#?}");
    assert_eq!(count(&rows, "uncounted_records"), 1, "{rows:#?}");
    assert!(
        rows.iter().any(|r| r.starts_with("uncounted_records:")
            && r.contains(&running.to_string())
            && r.contains("\"draft\"")),
        "{rows:#?}"
    );
    // Exactly what the documents give.
    server.db.write(projection::rebuild).await?;
    assert_eq!(server.follow_up_rows().await?, rows);
    // Nothing lost: the phone syncs on, and the running visit, ended,
    // counts.
    anna.update(running, |r| {
        if let Record::PatrolVisit(v) = r {
            v.ended_at = Some(v.started_at + 11 * 60_000);
        }
    })?;
    anna.sync().await?;
    let rows = server.follow_up_rows().await?;
    assert_eq!(count(&rows, "patrol_visits"), 2, "{rows:#?}");
    assert_eq!(count(&rows, "uncounted_records"), 0, "{rows:#?}");
    server.stop().await;
    Ok(())
}

/// Every follow-up row of a store file, per table, read with SQLite alone
/// (the oracle is the old release's own rows, not this release's code).
fn rows_in(path: &std::path::Path) -> anyhow::Result<Vec<(String, Vec<rusqlite::types::Value>)>> {
    let conn = rusqlite::Connection::open(path)?;
    let mut out = Vec::new();
    for t in server::db::schema::FOLLOW_UP_TABLES {
        let mut stmt = conn.prepare(&format!("SELECT * FROM {t} ORDER BY 1, 2"))?;
        let cols = stmt.column_count();
        let names: Vec<String> = stmt.column_names().map(str::to_string).collect();
        let mut rows = stmt.query([])?;
        while let Some(r) = rows.next()? {
            let mut values = Vec::new();
            for (i, name) in names.iter().enumerate().take(cols) {
                // The columns this release adds are compared on their own.
                if name == "municipality" || name == "municipality_id" {
                    continue;
                }
                values.push(r.get::<_, rusqlite::types::Value>(i)?);
            }
            out.push((t.to_string(), values));
        }
    }
    Ok(out)
}

/// Per document: its kind and how many changes its log holds.
fn changes_per_doc(
    path: &std::path::Path,
) -> anyhow::Result<std::collections::BTreeMap<Vec<u8>, (String, i64)>> {
    let conn = rusqlite::Connection::open(path)?;
    let mut stmt = conn.prepare(
        "SELECT d.id, d.kind, (SELECT count(*) FROM changes c WHERE c.doc_id = d.id) FROM docs d",
    )?;
    let rows = stmt.query_map([], |r| Ok((r.get(0)?, (r.get(1)?, r.get(2)?))))?;
    Ok(rows.collect::<Result<_, _>>()?)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_store_made_by_the_release_before_municipalities_becomes_the_first_municipality(
) -> anyhow::Result<()> {
    let fixture = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures/store-before-municipalities");
    let tmp = tempfile::tempdir()?;
    for f in ["trygghetslogg.sqlite3", "erasures.sqlite3"] {
        std::fs::copy(fixture.join(f), tmp.path().join(f))?;
    }
    let store = tmp.path().join("trygghetslogg.sqlite3");
    let rows_before = rows_in(&store)?;
    let docs_before = changes_per_doc(&store)?;
    assert!(
        rows_before.len() > 400,
        "the fixture holds the seeded records"
    );

    let server = TestServer::start(tmp.path()).await?;
    let all = server.db.read(server::db::municipalities::all).await?;
    assert_eq!(all.len(), 1, "{all:?}");
    let first = all[0].clone();
    assert_eq!(first.name, "Demokommun (exempel: Oskarshamn)");
    server.stop().await;

    // Every follow-up row as the old release wrote it, each now in the
    // first municipality.
    assert_eq!(rows_in(&store)?, rows_before);
    {
        let conn = rusqlite::Connection::open(&store)?;
        for t in ["hotspots", "venues", "patrol_visits", "inspections"] {
            let elsewhere: i64 = conn.query_row(
                &format!("SELECT count(*) FROM {t} WHERE municipality IS NOT ?1"),
                [first.id.0.to_string()],
                |r| r.get(0),
            )?;
            assert_eq!(elsewhere, 0, "{t}");
        }
        let plans: i64 = conn.query_row(
            "SELECT count(*) FROM plans WHERE municipality_id = ?1",
            [first.id.0.to_string()],
            |r| r.get(0),
        )?;
        assert_eq!(plans, 1);
    }
    // Every record at the same history; every hotspot, venue, plan and the
    // directory one change further (the server's, naming the municipality).
    let docs_after = changes_per_doc(&store)?;
    assert_eq!(docs_after.len(), docs_before.len());
    for (id, (kind, n)) in &docs_before {
        let after = docs_after[id].1;
        match kind.as_str() {
            "hotspot" | "venue" | "plan" | "directory" => assert_eq!(after, n + 1, "{kind}"),
            _ => assert_eq!(after, *n, "{kind}"),
        }
    }

    // The store opens again as it is, and an officer of the old release
    // gets the municipality's reference data on a new phone; the old
    // account reaches it.
    let server = TestServer::start(tmp.path()).await?;
    let anna = TestDevice::enrol(&server, "Anna Berg", Organisation::Police).await?;
    anna.sync().await?;
    assert_eq!(anna.reference_ids(shared::DocKind::Hotspot)?.len(), 12);
    let kim_reaches = server
        .db
        .read(|c| {
            let id: String = c.query_row(
                "SELECT id FROM coordinators WHERE username = 'kim'",
                [],
                |r| r.get(0),
            )?;
            let id = uuid::Uuid::parse_str(&id).map_err(server::error::Error::internal)?;
            let roles = server::db::coordinators::roles_of(c, id)?;
            server::db::municipalities::scope_of(c, id, &roles)
        })
        .await?;
    assert_eq!(kim_reaches, vec![first]);
    server.stop().await;
    Ok(())
}
