//! A large, realistic data set for measuring the pages (`seed` command):
//! by default 1,000,000 patrol visits, 20,000 inspections, 200 hotspots and
//! 300 venues over 5 years, made by 40 officers' devices. Every record is a
//! real Automerge document taken in through the same ingest path as a
//! device's sync (validation, change log, follow-up rows), so the follow-up
//! tables equal a rebuild, as they do in production. Seeded from a fixed
//! random seed, so two runs give the same figures.

use crate::db::sql::Connection;
use automerge::{transaction::CommitOptions, ActorId, AutoCommit};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use shared::domain::*;
use shared::record::{write_record, Record};
use shared::sync::IncomingDoc;
use shared::DocId;
use uuid::Uuid;

use crate::db::identity::{self, Device};
use crate::db::{ingest, reference, Db};
use crate::error::Error;

#[derive(Debug, Clone)]
pub struct Size {
    /// The municipality seeded (made, with the example plan, if new).
    pub municipality: String,
    pub visits: u64,
    pub inspections: u64,
    pub hotspots: u64,
    pub venues: u64,
    pub years: i32,
    pub officers: u64,
}

impl Default for Size {
    fn default() -> Self {
        Size {
            municipality: crate::demo::MUNICIPALITIES[0].into(),
            visits: 1_000_000,
            inspections: 20_000,
            hotspots: 200,
            venues: 300,
            years: 5,
            officers: 40,
        }
    }
}

const DAY_MS: i64 = 86_400_000;
/// Records taken in per write transaction.
const BATCH: u64 = 2_000;

struct Officer {
    device: Device,
    actor: ActorId,
}

/// Seeds `size` into the store and reports progress through `progress`
/// (records done, records in all).
pub fn seed(
    db: &Db,
    size: Size,
    now: Millis,
    mut progress: impl FnMut(u64, u64),
) -> Result<(), Error> {
    let this_year = shared::local_time::to_local(now).year();
    let first_year = this_year - size.years + 1;
    let (hotspots, venues, patrol_initiative, inspection_initiative, officers) = db
        .write_blocking({
            let size = size.clone();
            move |c| reference_data(c, &size, now, first_year, this_year)
        })?;
    let span_start = shared::follow_up::Period::Year(first_year).bounds_ms().0;
    let span = (now - span_start).max(DAY_MS);
    let total = size.visits + size.inspections;
    let officers = std::sync::Arc::new(officers);
    let (hotspots, venues) = (std::sync::Arc::new(hotspots), std::sync::Arc::new(venues));
    let mut done = 0;
    let mut batch_no = 0u64;
    while done < total {
        let n = BATCH.min(total - done);
        let (officers, hotspots, venues) = (officers.clone(), hotspots.clone(), venues.clone());
        let start = done;
        let visits = size.visits;
        batch_no += 1;
        db.write_blocking(move |c| {
            let mut rng = StdRng::seed_from_u64(batch_no);
            for k in start..start + n {
                let (officer, at) = if k < visits {
                    // Each officer's visits one after another, in slots of
                    // their own, as one person walks them: the validation
                    // refuses an officer on many patrols at once.
                    // Rounded up, so that the last slot ends by now.
                    let per_officer = visits.div_ceil(officers.len() as u64).max(1);
                    let slot = (span / per_officer as i64).max(1);
                    let officer = &officers[(k % officers.len() as u64) as usize];
                    let j = (k / officers.len() as u64) as i64;
                    (
                        officer,
                        span_start + j * slot + rng.gen_range(0..(slot / 2).max(1)),
                    )
                } else {
                    (
                        &officers[rng.gen_range(0..officers.len())],
                        span_start + rng.gen_range(0..span),
                    )
                };
                let record = if k < visits {
                    let h = hotspots[rng.gen_range(0..hotspots.len())];
                    let mut v = PatrolVisit::new(h, patrol_initiative, at);
                    v.ended_at = Some(at + rng.gen_range(4..30) * 60_000);
                    v.officers_count = rng.gen_range(1..=3);
                    v.contacts.increment(rng.gen_range(0..4));
                    v.interventions.increment(i64::from(rng.gen_bool(0.1)));
                    Record::PatrolVisit(v)
                } else {
                    let venue = venues[rng.gen_range(0..venues.len())];
                    let mut i = Inspection::new(venue, inspection_initiative, at);
                    i.ended_at = Some(at + rng.gen_range(20..60) * 60_000);
                    i.participants.push(Participant {
                        officer_id: officer.device.officer.0,
                        organisation: Organisation::Police,
                    });
                    for item in ChecklistItem::ALL {
                        let answer = if rng.gen_bool(0.9) {
                            Answer::Fine
                        } else {
                            Answer::Remark
                        };
                        i.entry_mut(item).answer = answer;
                    }
                    // Remarks lead to follow-ups now and then, as in the
                    // field: a revisit, more rarely a supervision case.
                    let remarks = i.checklist.values().any(|e| e.answer == Answer::Remark);
                    if remarks {
                        i.follow_up = match rng.gen_range(0..10) {
                            0..=2 => FollowUp::Revisit,
                            3 => FollowUp::SupervisionCase,
                            _ => FollowUp::None,
                        };
                    }
                    Record::Inspection(i)
                };
                take_in(c, officer, &record, at, now)?;
            }
            Ok(())
        })?;
        done += n;
        progress(done, total);
    }
    Ok(())
}

/// One record as a device would send it: a new document, one change.
fn take_in(
    conn: &Connection,
    officer: &Officer,
    record: &Record,
    at: Millis,
    now: Millis,
) -> Result<(), Error> {
    let mut doc = AutoCommit::new().with_actor(officer.actor.clone());
    write_record(&mut doc, record).map_err(Error::internal)?;
    doc.commit_with(CommitOptions::default().with_time(at / 1000));
    let change = doc
        .get_last_local_change()
        .ok_or_else(|| Error::internal("no change"))?
        .raw_bytes()
        .to_vec();
    let incoming = IncomingDoc {
        id: DocId::random(),
        changes: vec![change],
        epoch: 0,
    };
    match ingest::ingest_doc(
        conn,
        &officer.device,
        &incoming,
        now,
        &ingest::Looked::default(),
        None,
    )? {
        None => Ok(()),
        Some(r) => Err(Error::internal(format!(
            "a seeded record was refused: {}",
            r.message
        ))),
    }
}

type Seeded = (Vec<Uuid>, Vec<Uuid>, Uuid, Uuid, Vec<Officer>);

fn reference_data(
    conn: &Connection,
    size: &Size,
    now: Millis,
    first_year: i32,
    last_year: i32,
) -> Result<Seeded, Error> {
    let (m, _) =
        crate::demo::seed_municipality(conn, now, &size.municipality, first_year, last_year + 1)?;
    let here = Some(m.id);
    let (_, plan) =
        reference::current_plan(conn, m.id)?.ok_or_else(|| Error::internal("no promise plan"))?;
    let patrol = shared::rollup::initiative_for_hotspots(&plan)
        .ok_or_else(|| Error::internal("no patrol initiative"))?;
    let inspection = shared::rollup::initiative_for_inspection(&plan)
        .ok_or_else(|| Error::internal("no inspection initiative"))?;
    let mut rng = StdRng::seed_from_u64(0);
    let here_text = m.id.0.to_string();
    let have: i64 = conn.query_row(
        "SELECT count(*) FROM hotspots WHERE municipality = ?1",
        [&here_text],
        |r| r.get(0),
    )?;
    for n in have as u64..size.hotspots {
        let h = Hotspot {
            name: format!("Demo – plats {n:03}"),
            centre: GeoPoint {
                lat: 57.2 + rng.gen_range(0.0..0.1),
                lon: 16.4 + rng.gen_range(0.0..0.1),
            },
            radius_m: 100,
            active_from: format!("{first_year}-01-01"),
            active_to: None,
            dosage: Dosage {
                visits_per_week: rng.gen_range(2..8),
                minutes_per_week: rng.gen_range(30..120),
            },
            initiative_id: patrol,
            demo: true,
            municipality_id: None,
        };
        reference::save(conn, DocId::random(), now, here, |_| Record::Hotspot(h))?;
    }
    let have: i64 = conn.query_row(
        "SELECT count(*) FROM venues WHERE municipality = ?1",
        [&here_text],
        |r| r.get(0),
    )?;
    for n in have as u64..size.venues {
        let v = Venue {
            name: format!("Demo – krog {n:03}"),
            licensee: format!("Krog {n:03} AB (demo)"),
            serving_hours: ServingHours {
                opens: "11:00".into(),
                closes: "01:00".into(),
            },
            conditions: LicenceConditions {
                security_staff_required: rng.gen_bool(0.3),
                late_hours: rng.gen_bool(0.3),
                dancing: rng.gen_bool(0.2),
                outdoor_area: rng.gen_bool(0.5),
            },
            risk: [RiskLevel::Low, RiskLevel::Medium, RiskLevel::High][rng.gen_range(0..3)],
            demo: true,
            municipality_id: None,
        };
        reference::save(conn, DocId::random(), now, here, |_| Record::Venue(v))?;
    }
    let ids = |sql: &str| -> Result<Vec<Uuid>, Error> {
        let mut stmt = conn.prepare(sql)?;
        let rows: Vec<String> = stmt
            .query_map([&here_text], |r| r.get(0))?
            .collect::<Result<_, _>>()?;
        Ok(rows
            .iter()
            .filter_map(|s| Uuid::parse_str(s).ok())
            .collect())
    };
    let hotspots = ids("SELECT id FROM hotspots WHERE municipality = ?1 ORDER BY name")?;
    let venues = ids("SELECT id FROM venues WHERE municipality = ?1 ORDER BY name")?;
    let mut officers = Vec::new();
    for n in 0..size.officers {
        // Officers of their own per municipality: one officer's visits
        // in two seeded municipalities would overlap in time.
        let name = if m.slug == shared::municipality::slug(crate::demo::MUNICIPALITIES[0]) {
            format!("Demo Polis {n:02}")
        } else {
            format!("Demo Polis {} {n:02}", m.name)
        };
        let officer = identity::officer_by_name(conn, &name, Organisation::Police, now)?;
        crate::db::municipalities::set_officer_works_in(conn, officer, &[m.id], now)?;
        let code = identity::create_enrolment_code(conn, officer, now)?;
        let enrolled = identity::enrol(conn, &code, "seeded phone", now)?;
        let device = identity::device_for_token(conn, &enrolled.token)?;
        let actor = device.actor.to_actor();
        officers.push(Officer { device, actor });
    }
    Ok((hotspots, venues, patrol, inspection, officers))
}
