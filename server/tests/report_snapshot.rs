//! The follow-up report's figures for a fixed data set, as a snapshot:
//! the seed command's generator with a fixed size, seed and date, then the
//! CSV export of a quarter. A change in any figure shows up as a diff here
//! (`UPDATE_EXPECT=1 cargo test -p trygghetslogg-server --test report_snapshot`
//! rewrites it after a deliberate change).

use expect_test::expect;
use server::db::{follow_up, Db};
use server::seed::{seed, Size};
use shared::follow_up::Period;

#[test]
fn the_quarterly_figures_of_a_fixed_data_set() -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let db = Db::open(dir.path())?;
    // 2026-06-15 12:00 UTC.
    let now = 1_781_524_800_000;
    let size = Size {
        municipality: server::demo::MUNICIPALITIES[0].into(),
        visits: 400,
        inspections: 40,
        hotspots: 12,
        venues: 12,
        years: 1,
        officers: 3,
    };
    seed(&db, size, now, |_, _| {})?;
    let here = db
        .read_blocking(server::db::municipalities::all)?
        .first()
        .map(|m| m.id)
        .ok_or_else(|| anyhow::anyhow!("no municipality"))?;
    let period = Period::parse("2026-Q1")?;
    let figures = db.read_blocking(move |c| follow_up::figures(c, here, period))?;
    // The public summary counts its totals without building the follow-up;
    // they must be the follow-up's own.
    let public = db.read_blocking(move |c| follow_up::public_figures(c, here, period))?;
    let visits: u64 = figures.hotspots.iter().map(|h| h.visits()).sum();
    let inspections: u64 = figures.venues.iter().map(|v| v.inspections).sum();
    assert_eq!((public.visits, public.inspections), (visits, inspections));
    assert!(visits > 0 && inspections > 0);
    let csv = String::from_utf8(server::web::follow_up::to_csv(&figures)?)?;
    // The weekly rows make the file long; the totals are what the council
    // reads, and they are all here.
    let totals: Vec<&str> = csv.lines().filter(|l| !l.contains("_week_of_")).collect();
    expect![[r#"
        ﻿period;section;name;figure;value
        2026-Q1;initiative;Trafiksäkerhet / Informera vårdnadshavare om regler för A-traktorer;delivered;0
        2026-Q1;initiative;Trafiksäkerhet / Informera vårdnadshavare om regler för A-traktorer;target;1
        2026-Q1;initiative;Trafiksäkerhet / Arbeta med motorintresserade ungdomar;delivered;0
        2026-Q1;initiative;Trafiksäkerhet / Arbeta med motorintresserade ungdomar;target;2
        2026-Q1;initiative;Trafiksäkerhet / Underrättelsestyrd trafikövervakning;delivered;0
        2026-Q1;initiative;Trafiksäkerhet / Underrättelsestyrd trafikövervakning;target;13
        2026-Q1;initiative;Brottsförebyggande arbete bland unga / Informera om brott på nätet;delivered;0
        2026-Q1;initiative;Brottsförebyggande arbete bland unga / Informera om brott på nätet;target;2
        2026-Q1;initiative;Brottsförebyggande arbete bland unga / Temakvällar för vårdnadshavare;delivered;0
        2026-Q1;initiative;Brottsförebyggande arbete bland unga / Temakvällar för vårdnadshavare;target;1
        2026-Q1;initiative;Brottsförebyggande arbete bland unga / Trygghetsarbete och polisnärvaro i skolor;delivered;0
        2026-Q1;initiative;Brottsförebyggande arbete bland unga / Trygghetsarbete och polisnärvaro i skolor;target;10
        2026-Q1;initiative;Brottsförebyggande arbete bland unga / Information till elever i årskurs 7–9;delivered;0
        2026-Q1;initiative;Brottsförebyggande arbete bland unga / Information till elever i årskurs 7–9;target;3
        2026-Q1;initiative;Trygghet för unga kvinnor och i centrum / Samordnad tillsyn av alkoholservering;delivered;14
        2026-Q1;initiative;Trygghet för unga kvinnor och i centrum / Samordnad tillsyn av alkoholservering;target;6
        2026-Q1;initiative;Trygghet för unga kvinnor och i centrum / Fokusgrupp med unga kvinnor;delivered;0
        2026-Q1;initiative;Trygghet för unga kvinnor och i centrum / Fokusgrupp med unga kvinnor;target;1
        2026-Q1;initiative;Trygghet för unga kvinnor och i centrum / Polisnärvaro i krogmiljö och fotpatrull på utvalda platser;delivered;219
        2026-Q1;initiative;Trygghet för unga kvinnor och i centrum / Polisnärvaro i krogmiljö och fotpatrull på utvalda platser;target;150
        2026-Q1;initiative;Bedrägerier / Informera medborgare, särskilt de mest utsatta, om hur de skyddar sig;delivered;0
        2026-Q1;initiative;Bedrägerier / Informera medborgare, särskilt de mest utsatta, om hur de skyddar sig;target;3
        2026-Q1;initiative;Bedrägerier / Stöd till brottsutsatta tillsammans med civilsamhället;delivered;0
        2026-Q1;initiative;Bedrägerier / Löpande brottsförebyggande information;delivered;0
        2026-Q1;initiative;Bedrägerier / Löpande brottsförebyggande information;target;3
        2026-Q1;initiative;Narkotika / Erbjuda stöd till alla som anmälts för narkotikabrott;delivered;0
        2026-Q1;initiative;Narkotika / Informera föräldrar om droger bland unga;delivered;0
        2026-Q1;initiative;Narkotika / Informera föräldrar om droger bland unga;target;1
        2026-Q1;initiative;Narkotika / Fortsatt tillslag och uppföljning;delivered;0
        2026-Q1;initiative;Narkotika / Fortsatt tillslag och uppföljning;target;5
        2026-Q1;hotspot;Demo – Busstorget;visits;15
        2026-Q1;hotspot;Demo – Busstorget;prescribed_visits;65
        2026-Q1;hotspot;Demo – Busstorget;minutes;216
        2026-Q1;hotspot;Demo – Busstorget;prescribed_minutes;772
        2026-Q1;hotspot;Demo – Busstorget;visits_10_16_min;5
        2026-Q1;hotspot;Demo – Gästhamnen;visits;23
        2026-Q1;hotspot;Demo – Gästhamnen;prescribed_visits;39
        2026-Q1;hotspot;Demo – Gästhamnen;minutes;374
        2026-Q1;hotspot;Demo – Gästhamnen;prescribed_minutes;579
        2026-Q1;hotspot;Demo – Gästhamnen;visits_10_16_min;8
        2026-Q1;hotspot;Demo – Hamnplanen;visits;20
        2026-Q1;hotspot;Demo – Hamnplanen;prescribed_visits;65
        2026-Q1;hotspot;Demo – Hamnplanen;minutes;343
        2026-Q1;hotspot;Demo – Hamnplanen;prescribed_minutes;772
        2026-Q1;hotspot;Demo – Hamnplanen;visits_10_16_min;6
        2026-Q1;hotspot;Demo – Idrottsplatsen;visits;12
        2026-Q1;hotspot;Demo – Idrottsplatsen;prescribed_visits;26
        2026-Q1;hotspot;Demo – Idrottsplatsen;minutes;210
        2026-Q1;hotspot;Demo – Idrottsplatsen;prescribed_minutes;386
        2026-Q1;hotspot;Demo – Idrottsplatsen;visits_10_16_min;4
        2026-Q1;hotspot;Demo – Krogstråket;visits;21
        2026-Q1;hotspot;Demo – Krogstråket;prescribed_visits;90
        2026-Q1;hotspot;Demo – Krogstråket;minutes;354
        2026-Q1;hotspot;Demo – Krogstråket;prescribed_minutes;1350
        2026-Q1;hotspot;Demo – Krogstråket;visits_10_16_min;5
        2026-Q1;hotspot;Demo – Kulturhuset;visits;16
        2026-Q1;hotspot;Demo – Kulturhuset;prescribed_visits;39
        2026-Q1;hotspot;Demo – Kulturhuset;minutes;216
        2026-Q1;hotspot;Demo – Kulturhuset;prescribed_minutes;579
        2026-Q1;hotspot;Demo – Kulturhuset;visits_10_16_min;4
        2026-Q1;hotspot;Demo – Köpcentrum Väst;visits;19
        2026-Q1;hotspot;Demo – Köpcentrum Väst;prescribed_visits;39
        2026-Q1;hotspot;Demo – Köpcentrum Väst;minutes;260
        2026-Q1;hotspot;Demo – Köpcentrum Väst;prescribed_minutes;579
        2026-Q1;hotspot;Demo – Köpcentrum Väst;visits_10_16_min;5
        2026-Q1;hotspot;Demo – Resecentrum;visits;21
        2026-Q1;hotspot;Demo – Resecentrum;prescribed_visits;90
        2026-Q1;hotspot;Demo – Resecentrum;minutes;376
        2026-Q1;hotspot;Demo – Resecentrum;prescribed_minutes;1158
        2026-Q1;hotspot;Demo – Resecentrum;visits_10_16_min;1
        2026-Q1;hotspot;Demo – Skolgården Norr;visits;19
        2026-Q1;hotspot;Demo – Skolgården Norr;prescribed_visits;39
        2026-Q1;hotspot;Demo – Skolgården Norr;minutes;296
        2026-Q1;hotspot;Demo – Skolgården Norr;prescribed_minutes;386
        2026-Q1;hotspot;Demo – Skolgården Norr;visits_10_16_min;5
        2026-Q1;hotspot;Demo – Stadsparken;visits;18
        2026-Q1;hotspot;Demo – Stadsparken;prescribed_visits;65
        2026-Q1;hotspot;Demo – Stadsparken;minutes;301
        2026-Q1;hotspot;Demo – Stadsparken;prescribed_minutes;772
        2026-Q1;hotspot;Demo – Stadsparken;visits_10_16_min;5
        2026-Q1;hotspot;Demo – Strandpromenaden;visits;17
        2026-Q1;hotspot;Demo – Strandpromenaden;prescribed_visits;52
        2026-Q1;hotspot;Demo – Strandpromenaden;minutes;303
        2026-Q1;hotspot;Demo – Strandpromenaden;prescribed_minutes;772
        2026-Q1;hotspot;Demo – Strandpromenaden;visits_10_16_min;4
        2026-Q1;hotspot;Demo – Torget;visits;18
        2026-Q1;hotspot;Demo – Torget;prescribed_visits;90
        2026-Q1;hotspot;Demo – Torget;minutes;319
        2026-Q1;hotspot;Demo – Torget;prescribed_minutes;1158
        2026-Q1;hotspot;Demo – Torget;visits_10_16_min;3
        2026-Q1;venue;Demo – Ankaret;inspections;0
        2026-Q1;venue;Demo – Ankaret;due;yes
        2026-Q1;venue;Demo – Kajutan;inspections;3
        2026-Q1;venue;Demo – Kajutan;due;no
        2026-Q1;venue;Demo – Nattklubb Fyren;inspections;2
        2026-Q1;venue;Demo – Nattklubb Fyren;due;no
        2026-Q1;venue;Demo – Bryggeriet;inspections;1
        2026-Q1;venue;Demo – Bryggeriet;due;no
        2026-Q1;venue;Demo – Hamnkrogen;inspections;0
        2026-Q1;venue;Demo – Hamnkrogen;due;yes
        2026-Q1;venue;Demo – Sjöboden;inspections;1
        2026-Q1;venue;Demo – Sjöboden;due;no
        2026-Q1;venue;Demo – Sportbaren;inspections;0
        2026-Q1;venue;Demo – Sportbaren;due;yes
        2026-Q1;venue;Demo – Stadshotellets bar;inspections;2
        2026-Q1;venue;Demo – Stadshotellets bar;due;no
        2026-Q1;venue;Demo – Golfkrogen;inspections;1
        2026-Q1;venue;Demo – Golfkrogen;due;no
        2026-Q1;venue;Demo – Pizzeria Milano;inspections;3
        2026-Q1;venue;Demo – Pizzeria Milano;due;no
        2026-Q1;venue;Demo – Teaterkällaren;inspections;1
        2026-Q1;venue;Demo – Teaterkällaren;due;no
        2026-Q1;venue;Demo – Vinbaren Kork;inspections;0
        2026-Q1;venue;Demo – Vinbaren Kork;due;yes
        2026-Q1;finding;responsible_manager_present;fine;13
        2026-Q1;finding;responsible_manager_present;remark;1
        2026-Q1;finding;no_serving_to_minors;fine;14
        2026-Q1;finding;no_serving_to_intoxicated;fine;13
        2026-Q1;finding;no_serving_to_intoxicated;remark;1
        2026-Q1;finding;order_and_sobriety;fine;14
        2026-Q1;finding;food_available;fine;12
        2026-Q1;finding;food_available;remark;2
        2026-Q1;finding;serving_hours_kept;fine;14
        2026-Q1;finding;outdoor_area_delimited;fine;12
        2026-Q1;finding;outdoor_area_delimited;remark;2
        2026-Q1;finding;marketing_and_pricing;fine;12
        2026-Q1;finding;marketing_and_pricing;remark;2
        2026-Q1;finding;staff_register;fine;12
        2026-Q1;finding;staff_register;remark;2
        2026-Q1;finding;security_staff;fine;13
        2026-Q1;finding;security_staff;remark;1
        2026-Q1;open_follow_up;Demo – Bryggeriet;supervision_case;2026-02-07
        2026-Q1;open_follow_up;Demo – Nattklubb Fyren;revisit;2026-03-04"#]].assert_eq(&totals.join("\n"));
    Ok(())
}
