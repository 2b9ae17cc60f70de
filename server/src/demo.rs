//! The demo data set: the example promise plan from `docs/domain.md` (five focus
//! areas, sixteen initiatives) and a dozen invented hotspots and venues,
//! every one marked as demo and named so that nobody mistakes it for a
//! real place.

use crate::db::sql::Connection;
use shared::domain::*;
use shared::municipality::Municipality;
use shared::record::Record;
use shared::DocId;
use uuid::Uuid;

use crate::db::{municipalities, reference};
use crate::error::Error;

fn initiative(
    title: &str,
    owner: Owner,
    counts: Counts,
    target: Option<(u64, &str, TargetPeriod)>,
) -> Initiative {
    Initiative {
        id: Uuid::new_v4(),
        title: title.into(),
        owner,
        counts,
        target: target.map(|(at_least, unit, per)| OutputTarget {
            at_least,
            unit: unit.into(),
            per,
        }),
    }
}

fn area(name: &str, initiatives: Vec<Initiative>) -> FocusArea {
    FocusArea {
        id: Uuid::new_v4(),
        name: name.into(),
        initiatives,
    }
}

/// The example plan (Oskarshamn's promises, as summarised in `docs/domain.md`),
/// over the years `first` to `last` (the example ran 2024–2025; demo data
/// is dated around today, so that the follow-up of this quarter shows it).
pub fn example_plan(first: i32, last: i32) -> PromisePlan {
    use Counts::*;
    use Owner::*;
    use TargetPeriod::*;
    PromisePlan {
        municipality: "Demokommun (exempel: Oskarshamn)".into(),
        period_start: format!("{first}-01-01"),
        period_end: format!("{last}-12-31"),
        municipality_id: None,
        demo: true,
        focus_areas: vec![
            area(
                "Trafiksäkerhet",
                vec![
                    initiative(
                        "Informera vårdnadshavare om regler för A-traktorer",
                        Municipality,
                        Activities,
                        Some((4, "informationsinsatser", Year)),
                    ),
                    initiative(
                        "Arbeta med motorintresserade ungdomar",
                        Joint,
                        Activities,
                        Some((6, "träffar", Year)),
                    ),
                    initiative(
                        "Underrättelsestyrd trafikövervakning",
                        Police,
                        Activities,
                        Some((52, "hastighetskontroller", Year)),
                    ),
                ],
            ),
            area(
                "Brottsförebyggande arbete bland unga",
                vec![
                    initiative(
                        "Informera om brott på nätet",
                        Police,
                        Activities,
                        Some((8, "informationstillfällen", Year)),
                    ),
                    initiative(
                        "Temakvällar för vårdnadshavare",
                        Joint,
                        Activities,
                        Some((4, "temakvällar", Year)),
                    ),
                    initiative(
                        "Trygghetsarbete och polisnärvaro i skolor",
                        Police,
                        Activities,
                        Some((40, "skolbesök", Year)),
                    ),
                    initiative(
                        "Information till elever i årskurs 7–9",
                        Joint,
                        Activities,
                        Some((12, "klassbesök", Year)),
                    ),
                ],
            ),
            area(
                "Trygghet för unga kvinnor och i centrum",
                vec![
                    initiative(
                        "Samordnad tillsyn av alkoholservering",
                        Joint,
                        Inspections,
                        Some((24, "tillsynsbesök", Year)),
                    ),
                    initiative(
                        "Fokusgrupp med unga kvinnor",
                        Municipality,
                        Activities,
                        Some((2, "fokusgrupper", Year)),
                    ),
                    initiative(
                        "Polisnärvaro i krogmiljö och fotpatrull på utvalda platser",
                        Police,
                        PatrolVisits,
                        Some((150, "besök", Quarter)),
                    ),
                ],
            ),
            area(
                "Bedrägerier",
                vec![
                    initiative(
                        "Informera medborgare, särskilt de mest utsatta, om hur de skyddar sig",
                        Joint,
                        Activities,
                        Some((10, "informationsinsatser", Year)),
                    ),
                    initiative(
                        "Stöd till brottsutsatta tillsammans med civilsamhället",
                        Municipality,
                        Activities,
                        None,
                    ),
                    initiative(
                        "Löpande brottsförebyggande information",
                        Police,
                        Activities,
                        Some((12, "utskick", Year)),
                    ),
                ],
            ),
            area(
                "Narkotika",
                vec![
                    initiative(
                        "Erbjuda stöd till alla som anmälts för narkotikabrott",
                        Joint,
                        Activities,
                        None,
                    ),
                    initiative(
                        "Informera föräldrar om droger bland unga",
                        Joint,
                        Activities,
                        Some((4, "föräldraträffar", Year)),
                    ),
                    initiative(
                        "Fortsatt tillslag och uppföljning",
                        Police,
                        Activities,
                        Some((20, "insatser", Year)),
                    ),
                ],
            ),
        ],
    }
}

/// Invented hotspots around a town centre (coordinates near Oskarshamn).
fn hotspots(patrol_initiative: Uuid, active_from: &str) -> Vec<Hotspot> {
    let places = [
        ("Torget", 57.2646, 16.4484, 80, 7, 90),
        ("Resecentrum", 57.2619, 16.4530, 100, 7, 90),
        ("Hamnplanen", 57.2660, 16.4555, 120, 5, 60),
        ("Stadsparken", 57.2668, 16.4430, 150, 5, 60),
        ("Gästhamnen", 57.2683, 16.4570, 100, 3, 45),
        ("Kulturhuset", 57.2638, 16.4459, 60, 3, 45),
        ("Skolgården Norr", 57.2712, 16.4401, 100, 3, 30),
        ("Idrottsplatsen", 57.2590, 16.4380, 150, 2, 30),
        ("Köpcentrum Väst", 57.2605, 16.4250, 200, 3, 45),
        ("Strandpromenaden", 57.2700, 16.4600, 200, 4, 60),
        ("Busstorget", 57.2630, 16.4505, 60, 5, 60),
        ("Krogstråket", 57.2651, 16.4500, 120, 7, 105),
    ];
    places
        .iter()
        .map(|(name, lat, lon, radius, visits, minutes)| Hotspot {
            name: format!("Demo – {name}"),
            centre: GeoPoint {
                lat: *lat,
                lon: *lon,
            },
            radius_m: *radius,
            active_from: active_from.into(),
            active_to: None,
            dosage: Dosage {
                visits_per_week: *visits,
                minutes_per_week: *minutes,
            },
            initiative_id: patrol_initiative,
            demo: true,
            municipality_id: None,
        })
        .collect()
}

fn venues() -> Vec<Venue> {
    let list = [
        ("Ankaret", "01:00", RiskLevel::High, true, true),
        ("Sjöboden", "00:00", RiskLevel::Medium, false, false),
        ("Kajutan", "02:00", RiskLevel::High, true, true),
        (
            "Stadshotellets bar",
            "01:00",
            RiskLevel::Medium,
            true,
            false,
        ),
        ("Pizzeria Milano", "23:00", RiskLevel::Low, false, false),
        ("Bryggeriet", "01:00", RiskLevel::Medium, false, true),
        ("Nattklubb Fyren", "03:00", RiskLevel::High, true, true),
        ("Golfkrogen", "22:00", RiskLevel::Low, false, false),
        ("Teaterkällaren", "00:00", RiskLevel::Low, false, false),
        ("Hamnkrogen", "01:00", RiskLevel::Medium, false, true),
        ("Sportbaren", "01:00", RiskLevel::Medium, true, false),
        ("Vinbaren Kork", "00:00", RiskLevel::Low, false, false),
    ];
    list.iter()
        .map(|(name, closes, risk, security, late)| Venue {
            name: format!("Demo – {name}"),
            licensee: format!("{name} Restaurang AB (demo)"),
            serving_hours: ServingHours {
                opens: "11:00".into(),
                closes: (*closes).into(),
            },
            conditions: LicenceConditions {
                security_staff_required: *security,
                late_hours: *late,
                dancing: *late,
                outdoor_area: true,
            },
            risk: *risk,
            demo: true,
            municipality_id: None,
        })
        .collect()
}

/// The demo's police area and its two invented municipalities.
pub const POLICE_AREA: &str = "Demo lokalpolisområde";
pub const MUNICIPALITIES: [&str; 2] = ["Demokommun", "Exempelby"];

/// Seeds the first demo municipality unless it has a plan already, with a
/// plan over this year and the next. Returns whether it seeded.
pub fn seed(conn: &Connection, now: shared::domain::Millis) -> Result<bool, Error> {
    let year = shared::local_time::to_local(now).year();
    seed_years(conn, now, year, year + 1)
}

/// Both demo municipalities, in one police area (`serve --demo`), unless
/// the store has a plan already (a demo folder of an earlier release keeps
/// the one municipality it became at its upgrade).
pub fn seed_both(conn: &Connection, now: shared::domain::Millis) -> Result<bool, Error> {
    let plans: i64 = conn.query_row("SELECT count(*) FROM plans", [], |r| r.get(0))?;
    if plans > 0 {
        return Ok(false);
    }
    let year = shared::local_time::to_local(now).year();
    let mut seeded = false;
    for name in MUNICIPALITIES {
        seeded |= seed_municipality(conn, now, name, year, year + 1)?.1;
    }
    Ok(seeded)
}

/// Seeds the first demo municipality with a plan over the years `first`
/// to `last`.
pub fn seed_years(
    conn: &Connection,
    now: shared::domain::Millis,
    first: i32,
    last: i32,
) -> Result<bool, Error> {
    Ok(seed_municipality(conn, now, MUNICIPALITIES[0], first, last)?.1)
}

/// Seeds the demo municipality `name` (made in the demo police area if
/// there is none of that name) with the example plan over the years
/// `first` to `last`, invented hotspots and venues, unless it has a plan.
/// Returns it and whether it seeded.
pub fn seed_municipality(
    conn: &Connection,
    now: shared::domain::Millis,
    name: &str,
    first: i32,
    last: i32,
) -> Result<(Municipality, bool), Error> {
    let slug = shared::municipality::slug(name);
    let m = match municipalities::by_slug(conn, &slug)? {
        Some(m) => m,
        None => {
            let area = municipalities::police_area(conn, POLICE_AREA, true)?;
            municipalities::create(conn, name, Some(area), true, now)?
        }
    };
    if reference::current_plan(conn, m.id)?.is_some() {
        return Ok((m, false));
    }
    // The first keeps the names the documentation and tests know; the
    // others' places are named after them and lie a little north.
    let first_one = name == MUNICIPALITIES[0];
    let mut plan = example_plan(first, last);
    if !first_one {
        plan.municipality = format!("{name} (demo)");
    }
    let patrol = shared::rollup::initiative_for_hotspots(&plan)
        .ok_or_else(|| Error::internal("the example plan has no patrol initiative"))?;
    let here = Some(m.id);
    reference::save(conn, DocId::random(), now, here, |_| {
        Record::PromisePlan(plan)
    })?;
    for mut h in hotspots(patrol, &format!("{first}-01-01")) {
        if !first_one {
            h.name = h.name.replacen("Demo – ", &format!("Demo – {name}, "), 1);
            h.centre.lat += 0.2;
        }
        reference::save(conn, DocId::random(), now, here, |_| Record::Hotspot(h))?;
    }
    for mut v in venues() {
        if !first_one {
            v.name = v.name.replacen("Demo – ", &format!("Demo – {name}, "), 1);
        }
        reference::save(conn, DocId::random(), now, here, |_| Record::Venue(v))?;
    }
    Ok((m, true))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_example_plan_has_five_focus_areas_and_sixteen_initiatives() {
        let p = example_plan(2024, 2025);
        assert_eq!(p.focus_areas.len(), 5);
        assert_eq!(p.initiatives().count(), 16);
        assert_eq!(
            p.initiatives()
                .filter(|(_, i)| i.counts == Counts::Inspections)
                .count(),
            1
        );
    }
}
