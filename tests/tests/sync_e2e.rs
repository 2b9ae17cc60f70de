//! Devices and the server over real HTTP on loopback: offline work,
//! concurrent edits of one joint inspection, syncs in random orders, and
//! convergence of documents and follow-up rows.

use std::collections::BTreeMap;

use e2e::{now_ms, TestDevice, TestServer};
use rand::seq::SliceRandom;
use rand::SeedableRng;
use shared::domain::{Answer, ChecklistItem, FollowUp, Organisation, Participant};
use shared::record::Record;
use shared::DocKind;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn three_offline_devices_converge_and_the_follow_up_rows_are_right() -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let server = TestServer::start(dir.path()).await?;
    server.seed_demo().await?;
    let anna = TestDevice::enrol(&server, "Anna Berg", Organisation::Police).await?;
    let omar = TestDevice::enrol(&server, "Omar Said", Organisation::Police).await?;
    let lisa = TestDevice::enrol(&server, "Lisa Holm", Organisation::Municipality).await?;
    for d in [&anna, &omar, &lisa] {
        d.sync().await?;
        assert_eq!(
            d.reference_ids(DocKind::Hotspot)?.len(),
            12,
            "reference data reached the device"
        );
    }

    // Offline: each creates and amends records.
    let t0 = now_ms() - 3_600_000;
    let mut visits = Vec::new();
    for (i, d) in [&anna, &omar, &lisa].into_iter().enumerate() {
        for k in 0..3 {
            let mut v = d.new_visit(t0 + (i * 10 + k) as i64 * 60_000)?;
            v.ended_at = Some(v.started_at + (8 + 3 * k as i64) * 60_000);
            let id = d.create(Record::PatrolVisit(v))?;
            d.update(id, |r| {
                if let Record::PatrolVisit(v) = r {
                    v.contacts.increment(2);
                    v.notes.update("lugnt, två kontakter");
                }
            })?;
            visits.push((i, id));
        }
    }

    // Anna starts a joint inspection with Lisa (municipality) taking part.
    let mut insp = anna.new_inspection(t0)?;
    insp.participants.push(Participant {
        officer_id: anna.officer(),
        organisation: Organisation::Police,
    });
    insp.participants.push(Participant {
        officer_id: lisa.officer(),
        organisation: Organisation::Municipality,
    });
    let joint = anna.create(Record::Inspection(insp))?;
    anna.sync().await?;
    lisa.sync().await?;
    assert!(
        lisa.lock().record(joint)?.is_some(),
        "a participant receives the joint inspection"
    );
    assert!(
        omar.lock().record(joint)?.is_none(),
        "an officer not taking part does not"
    );

    // Concurrently, offline: different checklist items and the same notes.
    anna.update(joint, |r| {
        if let Record::Inspection(i) = r {
            i.entry_mut(ChecklistItem::ResponsibleManagerPresent).answer = Answer::Fine;
            i.findings.update("Bra ordning vid entrén.");
        }
    })?;
    lisa.update(joint, |r| {
        if let Record::Inspection(i) = r {
            i.entry_mut(ChecklistItem::NoServingToMinors).answer = Answer::Remark;
            i.entry_mut(ChecklistItem::NoServingToMinors)
                .comment
                .update("Leg. kontrollerades inte i baren");
            i.findings.update("Anmärkning om legitimationskontroll.");
            i.follow_up = FollowUp::Revisit;
            // Lisa reads it back and ends it: only then does it count.
            i.ended_at = Some(i.started_at + 30 * 60_000);
        }
    })?;

    // Syncs in a random order, twice round, so that everyone sees everyone.
    let mut rng = rand::rngs::StdRng::seed_from_u64(7);
    let devices = [&anna, &omar, &lisa];
    for _ in 0..2 {
        let mut order: Vec<usize> = (0..3).collect();
        order.shuffle(&mut rng);
        for i in order {
            devices[i].sync().await?;
        }
    }

    // The joint inspection converged on both devices, with both answers and
    // both notes edits kept.
    let a = anna.record(joint)?;
    let l = lisa.record(joint)?;
    assert_eq!(a, l);
    let Record::Inspection(i) = a else {
        panic!("not an inspection")
    };
    assert_eq!(
        i.entry(ChecklistItem::ResponsibleManagerPresent)
            .map(|e| e.answer),
        Some(Answer::Fine)
    );
    assert_eq!(
        i.entry(ChecklistItem::NoServingToMinors).map(|e| e.answer),
        Some(Answer::Remark)
    );
    assert!(
        i.findings.as_str().contains("ordning") && i.findings.as_str().contains("legitimation"),
        "{}",
        i.findings.as_str()
    );
    assert_eq!(i.follow_up, FollowUp::Revisit);

    for d in devices {
        assert_eq!(d.lock().pending_changes()?, 0, "everything acknowledged");
    }

    // The server's rows: nine visits with their durations and contacts, one
    // inspection with its findings.
    let rows = server.follow_up_rows().await?;
    let visit_rows: Vec<_> = rows
        .iter()
        .filter(|r| r.starts_with("patrol_visits:"))
        .collect();
    assert_eq!(visit_rows.len(), 9);
    let n_in_window = server
        .db
        .read(|c| {
            c.query_row(
                "SELECT count(*) FROM patrol_visits WHERE in_dosage_window = 1 AND contacts = 2",
                [],
                |r| r.get::<_, i64>(0),
            )
        })
        .await?;
    assert_eq!(
        n_in_window, 6,
        "visits of 11 and 14 minutes are in the window, 8 minutes is not"
    );
    let findings: BTreeMap<String, String> = server
        .db
        .read(move |c| {
            let mut s =
                c.prepare("SELECT item, answer FROM inspection_findings WHERE doc_id = ?1")?;
            let rows = s.query_map([joint.to_string()], |r| Ok((r.get(0)?, r.get(1)?)))?;
            rows.collect::<Result<_, _>>()
        })
        .await?;
    assert_eq!(
        findings
            .get("responsible_manager_present")
            .map(String::as_str),
        Some("fine")
    );
    assert_eq!(
        findings.get("no_serving_to_minors").map(String::as_str),
        Some("remark")
    );
    let (remarks, follow_up, municipal): (i64, String, i64) = server
        .db
        .read(move |c| {
            c.query_row(
                "SELECT remarks, follow_up, municipal_participants FROM inspections WHERE doc_id = ?1",
                [joint.to_string()],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
            )
        })
        .await?;
    assert_eq!((remarks, follow_up.as_str(), municipal), (1, "revisit", 1));

    // A rebuild from the documents gives identical rows.
    server.db.write(server::db::projection::rebuild).await?;
    assert_eq!(server.follow_up_rows().await?, rows);

    // Replaying a sync changes nothing.
    let before = server.follow_up_rows().await?;
    anna.sync().await?;
    assert_eq!(server.follow_up_rows().await?, before);
    server.stop().await;
    Ok(())
}

/// Issue 12 item 10: the venue picker knew only the phone's own
/// inspections, so a venue a colleague had just inspected looked due.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_colleagues_inspection_shows_on_the_venue_picker() -> anyhow::Result<()> {
    use shared::follow_up::venue_status::status;
    let dir = tempfile::tempdir()?;
    let server = TestServer::start(dir.path()).await?;
    server.seed_demo().await?;
    let anna = TestDevice::enrol(&server, "Anna Berg", Organisation::Police).await?;
    let lisa = TestDevice::enrol(&server, "Lisa Holm", Organisation::Municipality).await?;
    anna.sync().await?;
    lisa.sync().await?;

    let started = now_ms() - 2 * 3_600_000;
    let mut insp = lisa.new_inspection(started)?;
    let venue = insp.venue_id;
    insp.participants.push(Participant {
        officer_id: lisa.officer(),
        organisation: Organisation::Municipality,
    });
    insp.follow_up = FollowUp::SupervisionCase;
    insp.ended_at = Some(started + 40 * 60_000);
    let id = lisa.create(Record::Inspection(insp))?;
    lisa.sync().await?;
    anna.sync().await?;

    assert!(
        anna.lock().record(id)?.is_none(),
        "Anna does not take part, so she does not hold the record"
    );
    let known = anna
        .lock()
        .venue_list()?
        .map(|l| l.facts())
        .unwrap_or_default();
    let seen = status(&known, &venue, now_ms());
    assert_eq!(
        seen.last,
        Some(started),
        "Lisa's inspection is the last one"
    );
    assert!(!seen.due, "a venue inspected two hours ago is not due");
    assert_eq!(seen.open_follow_up, Some(FollowUp::SupervisionCase));
    server.stop().await;
    Ok(())
}
