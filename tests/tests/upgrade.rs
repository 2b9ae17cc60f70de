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
    let path = server.db.path().to_path_buf();
    let addr = server.addr().to_string();
    server.stop().await;

    // Back to version 7 as that release stored it: the running visit a
    // counted row with no end, no uncounted table, no case numbers, no
    // kept figures, no epochs, no second factor, no roles.
    {
        let conn = rusqlite::Connection::open(&path)?;
        conn.execute_batch(&format!(
            "INSERT INTO patrol_visits
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
