//! Component tests of the officer's screens: the real `App` rendered with
//! a `VirtualDom` over an enrolled in-memory device store, driven through
//! the same state functions its buttons call (`go`, `edit`, the clock
//! signal), and read back as HTML with `dioxus-ssr`.
//!
//! The real pointer and keyboard are driven in the window test
//! (`tests/tests/app_window.rs`); here the rules: timer marks, validation
//! messages, the notes reminder, sync status texts, both languages.

use std::sync::{Arc, Mutex};

use app::store::Enrolment;
use app::sync_client::SyncProblem;
use app::ui::components::sync_status::status_text;
use app::ui::components::timer::phase;
use app::ui::i18n::{sync_problem, t, Lang, T};
use app::ui::state::{edit, go, ui, Screen, Services, SyncView};
use app::ui::App;
use app::DeviceStore;
use dioxus::dioxus_core::NoOpMutations;
use dioxus::prelude::*;
use shared::domain::{
    Dosage, GeoPoint, Hotspot, Inspection, LicenceConditions, Millis, PatrolVisit, RiskLevel,
    ServingHours, Venue,
};
use shared::record::Record;
use shared::DocId;

const T0: Millis = 1_764_000_000_000; // 2025-11-24, a Monday evening
const MINUTE: Millis = 60_000;

struct Harness {
    dom: VirtualDom,
    store: Arc<Mutex<DeviceStore>>,
}

fn enrolled_store() -> anyhow::Result<DeviceStore> {
    let mut s = DeviceStore::open_in_memory()?;
    s.save_enrolment(&Enrolment {
        server_url: "http://127.0.0.1:9".into(),
        device_id: uuid::Uuid::new_v4(),
        token: "t".into(),
        actor: "0123456789abcdef0123456789abcdef".into(),
        officer_id: uuid::Uuid::new_v4(),
        officer_name: "Anna Berg".into(),
        organisation: "police".into(),
        device_name: "Tjänstetelefon 7".into(),
        erasures_from: 0,
    })?;
    Ok(s)
}

/// A server's answer that carries nothing; tests fill in what they need.
fn answer_with_nothing() -> shared::sync::SyncResponse {
    shared::sync::SyncResponse {
        v: shared::sync::wire::PROTOCOL_VERSION,
        results: Vec::new(),
        docs: Vec::new(),
        cursor: None,
        reset: false,
        more: false,
        venues: None,
        erased: Vec::new(),
        erased_to: None,
        redacted: Vec::new(),
        redacted_to: None,
        lease_days: None,
        works_in: None,
    }
}

/// One result per document of `batch`: `ok`, or refused with `code`.
fn every_doc_answered(
    batch: &app::store::OutgoingBatch,
    code: Option<shared::sync::RejectCode>,
) -> Vec<shared::sync::wire::DocResult> {
    batch
        .request
        .docs
        .iter()
        .map(|d| shared::sync::wire::DocResult {
            id: d.id.clone(),
            ok: code.is_none(),
            code,
            message: None,
            problems: Vec::new(),
        })
        .collect()
}

fn hotspot(name: &str) -> Record {
    Record::Hotspot(Hotspot {
        name: name.into(),
        centre: GeoPoint {
            lat: 57.26,
            lon: 16.45,
        },
        radius_m: 100,
        active_from: "2024-01-01".into(),
        active_to: None,
        dosage: Dosage {
            visits_per_week: 7,
            minutes_per_week: 90,
        },
        initiative_id: uuid::Uuid::new_v4(),
        demo: true,
        municipality_id: None,
    })
}

fn venue(name: &str) -> Record {
    Record::Venue(Venue {
        name: name.into(),
        licensee: "Ankaret AB".into(),
        serving_hours: ServingHours {
            opens: "11:00".into(),
            closes: "01:00".into(),
        },
        conditions: LicenceConditions::default(),
        risk: RiskLevel::High,
        demo: true,
        municipality_id: None,
    })
}

impl Harness {
    /// The app opened on `screen`, with `setup` run on the store first.
    fn open(store: DeviceStore, screen: Screen, lang: Lang) -> anyhow::Result<Harness> {
        let mut store = store;
        store.set_setting("open", screen.to_setting().as_deref())?;
        store.set_setting("lang", Some(lang.tag()))?;
        let store = Arc::new(Mutex::new(store));
        let services = Services {
            store: store.clone(),
            data_dir: std::env::temp_dir(),
            kick: Arc::new(tokio::sync::Notify::new()),
            wipe: Arc::new(|| Ok(())),
        };
        let mut dom = VirtualDom::new(App).with_root_context(services);
        dom.rebuild_in_place();
        let mut h = Harness { dom, store };
        if screen.to_setting().is_none() {
            h.act(move || go(screen));
        }
        Ok(h)
    }

    /// Runs `f` inside the app, as a button's handler would, and renders.
    fn act(&mut self, f: impl FnOnce()) {
        self.dom.in_scope(ScopeId::APP, f);
        self.dom.process_events();
        self.dom.render_immediate(&mut NoOpMutations);
    }

    fn set_clock(&mut self, now: Millis) {
        self.act(move || ui().now.set(now));
    }

    fn html(&self) -> String {
        dioxus_ssr::render(&self.dom)
    }
}

fn visit_at(store: &mut DeviceStore, started: Millis) -> anyhow::Result<DocId> {
    let h = store.create(&hotspot("Torget"), started)?;
    Ok(store.create(
        &Record::PatrolVisit(PatrolVisit::new(h.0, uuid::Uuid::new_v4(), started)),
        started,
    )?)
}

// A runtime for the app's timers and sync loop (never driven here).
#[tokio::test]
async fn the_timer_shows_the_ten_and_fifteen_minute_marks_as_they_pass() -> anyhow::Result<()> {
    let mut store = enrolled_store()?;
    let id = visit_at(&mut store, T0)?;
    let mut h = Harness::open(store, Screen::Visit(id), Lang::Sv)?;

    h.set_clock(T0 + 3 * MINUTE);
    let html = h.html();
    assert!(html.contains("03:00"), "{html}");
    assert!(html.contains("Stanna minst 10 minuter"));
    assert!(html.contains("10 min") && html.contains("15 min"));
    assert!(!html.contains("mark passed"));

    h.set_clock(T0 + 11 * MINUTE);
    let html = h.html();
    assert!(html.contains("11:00"));
    assert!(html.contains("Bra – 10–15 minuter ger bäst effekt"));
    assert_eq!(html.matches("mark passed").count(), 1);

    h.set_clock(T0 + 16 * MINUTE);
    let html = h.html();
    assert!(html.contains("Över 15 minuter – dags att gå vidare"));
    assert_eq!(html.matches("mark passed").count(), 2);

    // Ending the visit stops the clock where it was.
    h.act(move || {
        edit(id, "ended_at", |r| {
            if let Record::PatrolVisit(v) = r {
                v.ended_at = Some(T0 + 14 * MINUTE)
            }
        })
    });
    h.set_clock(T0 + 40 * MINUTE);
    let html = h.html();
    assert!(html.contains("14:00"), "{html}");
    assert!(html.contains("Besöket är avslutat"));
    assert!(!html.contains("Avsluta besök"));
    assert_eq!(phase(12 * MINUTE), T::InWindow);
    Ok(())
}

// A runtime for the app's timers and sync loop (never driven here).
#[tokio::test]
async fn a_tap_on_a_counter_is_in_the_store_when_the_handler_returns() -> anyhow::Result<()> {
    let mut store = enrolled_store()?;
    let id = visit_at(&mut store, T0)?;
    let mut h = Harness::open(store, Screen::Visit(id), Lang::Sv)?;
    h.set_clock(T0 + MINUTE);
    h.act(move || {
        edit(id, "contacts", |r| {
            if let Record::PatrolVisit(v) = r {
                v.contacts.increment(1)
            }
        })
    });
    let stored = h.store.lock().expect("store lock").record(id)?;
    match stored {
        Some(Record::PatrolVisit(v)) => assert_eq!(v.contacts.value(), 1),
        other => panic!("{other:?}"),
    }
    // The screen shows it, and the edit history names the field.
    let html = h.html();
    assert!(html.contains("Kontakter"));
    assert!(html.contains("du · Kontakter"), "{html}");
    Ok(())
}

/// A visit whose end was entered before its start, open on screen.
fn ended_before_start(lang: Lang) -> anyhow::Result<Harness> {
    let mut store = enrolled_store()?;
    let id = visit_at(&mut store, T0)?;
    store.update(id, T0, |r| {
        if let Record::PatrolVisit(v) = r {
            v.ended_at = Some(T0 - 5 * MINUTE);
        }
    })?;
    Harness::open(store, Screen::Visit(id), lang)
}

// A runtime for the app's timers and sync loop (never driven here).
#[tokio::test]
async fn validation_messages_say_what_to_correct_in_the_users_language() -> anyhow::Result<()> {
    let h = ended_before_start(Lang::Sv)?;
    let html = h.html();
    assert!(
        html.contains("Slut slutar före start – rätta sluttiden"),
        "{html}"
    );

    let html = ended_before_start(Lang::En)?.html();
    assert!(
        html.contains("Ended ends before it starts – correct the end time"),
        "{html}"
    );
    Ok(())
}

// A runtime for the app's timers and sync loop (never driven here).
#[tokio::test]
async fn the_notes_field_reminds_and_warns_about_personal_identity_numbers() -> anyhow::Result<()> {
    let mut store = enrolled_store()?;
    let id = visit_at(&mut store, T0)?;
    let mut h = Harness::open(store, Screen::Visit(id), Lang::Sv)?;
    let html = h.html();
    assert!(html.contains("Skriv inga namn eller personnummer här."));
    assert!(html.contains(r#"aria-describedby="visit-notes-reminder""#));
    assert!(!html.contains("verkar innehålla ett personnummer"));

    h.act(move || {
        edit(id, "notes", |r| {
            if let Record::PatrolVisit(v) = r {
                v.notes.update("Kontrollerade 19850101-1236 vid busskuren")
            }
        })
    });
    let html = h.html();
    assert!(
        html.contains("verkar innehålla ett personnummer – det får inte finnas här, ta bort det"),
        "{html}"
    );
    Ok(())
}

// A runtime for the app's timers and sync loop (never driven here).
#[tokio::test]
async fn the_inspection_checklist_and_its_read_back_summary() -> anyhow::Result<()> {
    let mut store = enrolled_store()?;
    let v = store.create(&venue("Ankaret"), T0)?;
    let id = store.create(
        &Record::Inspection(Inspection::new(v.0, uuid::Uuid::new_v4(), T0)),
        T0,
    )?;
    let mut h = Harness::open(store, Screen::Inspection(id), Lang::Sv)?;
    let html = h.html();
    for item in [
        "Serveringsansvarig på plats",
        "Personalliggare",
        "Ordningsvakter där tillståndet kräver",
    ] {
        assert!(html.contains(item), "{item} missing");
    }
    assert_eq!(html.matches(">Anmärkning<").count(), 10, "one row per item");

    h.act(move || {
        edit(id, "staff_register", |r| {
            if let Record::Inspection(i) = r {
                i.entry_mut(shared::domain::ChecklistItem::StaffRegister)
                    .answer = shared::domain::Answer::Remark;
            }
        })
    });
    // A remark opens its comment field, labelled for screen readers, and
    // asks for the comment until it is written.
    let html = h.html();
    assert!(html.contains(r#"aria-label="Personalliggare förs: Kommentar""#));
    assert!(html.contains("Skriv vad anmärkningen gäller."), "{html}");

    h.act(move || go(Screen::Summary(id)));
    let html = h.html();
    assert!(html.contains("Gå igenom med serveringsansvarig på plats"));
    // The remarks come first, each with its comment or the prompt for it.
    let remarks = html.find("Anmärkningar").expect("remarks heading");
    let item = html.find("Personalliggare förs").expect("the item");
    assert!(remarks < item, "{html}");
    assert!(html.contains("Skriv vad anmärkningen gäller."), "{html}");
    assert!(
        !html.contains("<table"),
        "no table to scroll sideways: {html}"
    );
    h.act(move || {
        edit(id, "staff_register", |r| {
            if let Record::Inspection(i) = r {
                i.entry_mut(shared::domain::ChecklistItem::StaffRegister)
                    .comment
                    .update("Saknades vid besöket");
            }
        })
    });
    let html = h.html();
    assert!(html.contains("Saknades vid besöket"), "{html}");
    assert!(!html.contains("Skriv vad anmärkningen gäller."), "{html}");
    // The acknowledgement step records when it was read back.
    assert!(
        html.contains("Genomgånget med serveringsansvarig"),
        "{html}"
    );
    h.act(move || {
        edit(id, "read_back_at", |r| {
            if let Record::Inspection(i) = r {
                i.read_back_at = Some(T0 + 60_000);
            }
        })
    });
    assert!(
        h.html().contains("Genomgånget 2025-11-24 17:01"),
        "{}",
        h.html()
    );
    Ok(())
}

// A runtime for the app's timers and sync loop (never driven here).
#[tokio::test]
async fn the_sync_status_says_what_is_going_on_in_plain_words() -> anyhow::Result<()> {
    let view = |waiting, last_success, last_error: Option<SyncProblem>| SyncView {
        running: false,
        waiting,
        last_success,
        last_error,
    };
    let (class, head, detail) = status_text(Lang::Sv, &view(0, None, None));
    assert_eq!(
        (class, head.as_str(), detail),
        ("ok", "Inte synkat än", None)
    );

    let (class, head, detail) = status_text(Lang::Sv, &view(0, Some(T0), None));
    assert_eq!((class, head.as_str()), ("ok", "Allt synkat"));
    assert_eq!(detail.as_deref(), Some("Senaste kontakt: 2025-11-24 17:00"));

    let (class, head, detail) =
        status_text(Lang::Sv, &view(3, Some(T0), Some(SyncProblem::Unreachable)));
    assert_eq!(
        (class, head.as_str()),
        ("failed", "3 registreringar väntar")
    );
    assert_eq!(
        detail.as_deref(),
        Some("Ingen kontakt med servern – allt sparas på telefonen och skickas senare. · Senaste kontakt: 2025-11-24 17:00")
    );

    let (_, head, detail) = status_text(Lang::En, &view(1, None, Some(SyncProblem::Unauthorized)));
    assert_eq!(head, "1 record waiting");
    assert_eq!(
        detail.as_deref(),
        Some("This phone is no longer accepted by the server – contact the coordinator.")
    );
    assert_eq!(
        app::ui::i18n::store_problem(Lang::Sv, Some(&app::StoreError::DiskFull)),
        "Telefonens lagring är full – frigör utrymme. Det som redan sparats finns kvar."
    );
    assert_eq!(
        sync_problem(Lang::Sv, &SyncProblem::BadEnrolmentCode),
        "Engångskoden är okänd, redan använd eller för gammal – be samordnaren om en ny."
    );
    // A refusal is worded from its code, in the user's language: no
    // English sentence of the server's reaches a Swedish screen.
    assert_eq!(
        sync_problem(
            Lang::Sv,
            &SyncProblem::Refused {
                code: Some(shared::sync::ErrorCode::TooLarge)
            }
        ),
        "Servern sa nej: det som skickades är för stort; det skickas i mindre delar."
    );

    // And on screen, on every screen but enrolment.
    let mut store = enrolled_store()?;
    store.create(&hotspot("Torget"), T0)?;
    store.note_sync_attempt(T0, Some(&SyncProblem::Unreachable))?;
    let html = Harness::open(store, Screen::Home, Lang::Sv)?.html();
    assert!(html.contains(r#"role="status""#));
    assert!(html.contains("1 registrering väntar"), "{html}");
    assert!(html.contains("Ingen kontakt med servern"));
    Ok(())
}

// A runtime for the app's timers and sync loop (never driven here).
#[tokio::test]
async fn home_shows_the_big_actions_and_todays_hotspots_with_their_dosage() -> anyhow::Result<()> {
    let mut store = enrolled_store()?;
    store.create(&hotspot("Torget"), T0)?;
    let mut h = Harness::open(store, Screen::Home, Lang::Sv)?;
    h.set_clock(T0);
    let html = h.html();
    for action in [
        "Starta platsbesök",
        "Tillsynsbesök",
        "Annan aktivitet",
        "Mina registreringar",
        "Inställningar",
    ] {
        assert!(html.contains(action), "{action} missing");
    }
    assert!(
        html.contains("Inloggad som Anna Berg · Tjänstetelefon 7"),
        "{html}"
    );
    assert!(html.contains("Torget"));
    assert!(html.contains("0 av 1 besök"), "{html}");
    Ok(())
}

// A runtime for the app's timers and sync loop (never driven here).
#[tokio::test]
async fn every_screen_exists_in_swedish_and_english() -> anyhow::Result<()> {
    for (lang, title) in [(Lang::Sv, "Inställningar"), (Lang::En, "Settings")] {
        let html = Harness::open(enrolled_store()?, Screen::Settings, lang)?.html();
        assert!(html.contains(title));
        assert!(html.contains(t(lang, T::SyncNow)));
        assert!(html.contains(t(lang, T::ThemeDark)));
        assert!(html.contains(&format!(r#"lang="{}""#, lang.tag())));
    }
    let html = Harness::open(DeviceStore::open_in_memory()?, Screen::Enrol, Lang::Sv)?.html();
    assert!(html.contains("Koppla telefonen"));
    assert!(html.contains(r#"for="code""#), "inputs are labelled");
    assert!(
        !html.contains(r#"role="status""#),
        "no sync status before enrolment"
    );
    Ok(())
}

#[tokio::test]
async fn pickers_records_and_activities() -> anyhow::Result<()> {
    let mut store = enrolled_store()?;
    store.create(&hotspot("Torget"), T0)?;
    store.create(&hotspot("Resecentrum"), T0)?;
    store.create(&venue("Ankaret"), T0)?;
    let kroken = store.create(&venue("Kroken"), T0)?;
    // Kroken was inspected (finished) and a revisit proposed.
    let mut i = shared::domain::Inspection::new(kroken.0, uuid::Uuid::new_v4(), T0);
    i.ended_at = Some(T0 + 30 * MINUTE);
    i.follow_up = shared::domain::FollowUp::Revisit;
    store.create(&Record::Inspection(i), T0)?;
    // The server's venue list: a colleague inspected a third venue ten
    // days ago and proposed a supervision case (a record this phone does
    // not hold).
    let fyren = store.create(&venue("Fyren"), T0)?;
    // The picker judges "due" by the phone's clock.
    let ten_days_ago = app::ui::state::now_ms() - 10 * 24 * 60 * MINUTE;
    let batch = store.outgoing(usize::MAX)?;
    let list = shared::sync::wire::VenueList::new(
        vec![1; 8],
        &[shared::follow_up::InspectionFact {
            venue: fyren.0,
            started_at: ten_days_ago,
            follow_up: shared::domain::FollowUp::SupervisionCase,
        }],
    );
    let response = shared::sync::SyncResponse {
        venues: Some(list),
        ..answer_with_nothing()
    };
    store.apply(&batch, &response, T0)?;
    visit_at(&mut store, T0 + MINUTE)?;
    let activity = store.create(
        &Record::Activity(shared::domain::Activity {
            initiative_id: uuid::Uuid::new_v4(),
            date: "2025-11-24".into(),
            kind: shared::domain::ActivityKind::SchoolVisit,
            people_reached: 24,
            participants: Vec::new(),
            notes: Default::default(),
            draft: false,
            discarded_at: None,
        }),
        T0 + 2 * MINUTE,
    )?;
    let mut h = Harness::open(store, Screen::PickHotspot, Lang::Sv)?;
    let html = h.html();
    // The hotspot visited last comes first, then by name.
    let (torget, rese) = (html.find(">Torget<"), html.find(">Resecentrum<"));
    assert!(torget.is_some() && rese.is_some(), "{html}");
    assert!(torget < rese, "recently visited first");

    h.act(|| go(Screen::PickVenue));
    let html = h.html();
    assert!(html.contains("Ankaret · hög risk"));
    // Never inspected: due, and said so.
    assert!(html.contains("Ingen tillsyn registrerad"), "{html}");
    // A colleague's inspection, known from the server's list: not due,
    // its follow-up open.
    let fyren = &html[html
        .find(">Fyren")
        .ok_or_else(|| anyhow::anyhow!("no Fyren: {html}"))?..];
    let fyren = &fyren[..fyren.find("</button>").unwrap_or(fyren.len())];
    let date = shared::local_time::format_date(ten_days_ago);
    assert!(
        fyren.contains(&format!("Senaste tillsyn {date}")),
        "{fyren}"
    );
    assert!(!fyren.contains("tillsyn behövs"), "{fyren}");
    assert!(fyren.contains("Öppen uppföljning: "), "{fyren}");
    assert!(html.contains("tillsyn behövs"), "{html}");
    assert!(html.contains("Senaste tillsyn 2025-11-24"), "{html}");
    assert!(html.contains("Öppen uppföljning: "), "{html}");

    h.act(|| go(Screen::Records));
    let html = h.html();
    assert!(html.contains("Platsbesök: Torget"), "{html}");
    assert!(html.contains("Aktivitet: "));
    // An activity has a date, not a time of day (it showed 01:00).
    assert!(html.contains(">2025-11-24 · <span"), "{html}");
    // The visit, the inspection and the activity have not been sent: each
    // says so.
    assert_eq!(html.matches("Väntar på att skickas").count(), 3, "{html}");

    // An activity whose initiative is not in the plan says so.
    h.act(move || go(Screen::Activity(activity)));
    let html = h.html();
    assert!(html.contains("Antal nådda personer"));
    assert!(
        html.contains("pekar på en insats som inte finns i medborgarlöftet – välj en i listan"),
        "{html}"
    );
    assert!(
        html.contains(r#"<option value="school_visit" selected=true>"#),
        "kind chosen: {html}"
    );
    // The date as ÅÅÅÅ-MM-DD whatever the locale, today and yesterday one
    // tap away; people reached on the −/+ counter; saved, it counts.
    assert!(html.contains(r#"placeholder="ÅÅÅÅ-MM-DD""#), "{html}");
    assert!(
        html.contains(">I dag<") && html.contains(">I går<"),
        "{html}"
    );
    assert!(
        html.contains(r#"aria-label="Antal nådda personer +1""#),
        "{html}"
    );

    // Without a plan on the phone there is nothing to choose yet.
    h.act(|| go(Screen::NewActivity));
    assert!(h
        .html()
        .contains("Referensdata saknas – synka när nätet finns."));
    Ok(())
}

// A runtime for the app's timers and sync loop (never driven here).
#[tokio::test]
async fn a_running_visit_stays_in_sight_and_only_finished_visits_count() -> anyhow::Result<()> {
    let mut store = enrolled_store()?;
    let id = visit_at(&mut store, T0)?;
    let mut h = Harness::open(store, Screen::Home, Lang::Sv)?;
    h.set_clock(T0 + 3 * MINUTE);
    let html = h.html();
    // Home: the start button opens the visit under way; the banner names
    // it with its running time; the visit does not count yet.
    assert!(html.contains("Pågående besök: Torget"), "{html}");
    assert!(!html.contains("Starta platsbesök"), "{html}");
    assert!(
        html.contains("Pågående besök 03:00 · Torget · Öppna"),
        "{html}"
    );
    assert!(html.contains("0 av 1 besök"), "{html}");
    // On its own screen: no banner, a draft note, the discard button.
    h.act(move || go(Screen::Visit(id)));
    let html = h.html();
    assert!(!html.contains("Pågående besök"), "{html}");
    assert!(html.contains("Utkast – räknas när det är klart"), "{html}");
    assert!(html.contains("Makulera registreringen"), "{html}");
    // Ended, it counts; discarded, it does not, and says so.
    h.act(move || {
        edit(id, "ended_at", |r| {
            if let Record::PatrolVisit(v) = r {
                v.ended_at = Some(T0 + 12 * MINUTE);
            }
        })
    });
    assert!(h.html().contains("Rätta tiderna"), "{}", h.html());
    h.act(|| go(Screen::Home));
    let html = h.html();
    assert!(html.contains("Starta platsbesök"), "{html}");
    assert!(html.contains("1 av 1 besök"), "{html}");
    h.act(move || edit(id, "discarded_at", |r| r.discard(T0 + 13 * MINUTE)));
    assert!(h.html().contains("0 av 1 besök"), "{}", h.html());
    h.act(move || go(Screen::Visit(id)));
    let html = h.html();
    assert!(html.contains("Makulerad – räknas inte"), "{html}");
    assert!(!html.contains("Makulera registreringen"), "{html}");
    Ok(())
}

/// Issue 13: a record the coordinators erased disappears at the next sync
/// with the officer told why, on every screen, until they have read it.
#[tokio::test]
async fn an_erased_record_disappears_and_the_officer_is_told_why() -> anyhow::Result<()> {
    let mut store = enrolled_store()?;
    store.create(&hotspot("Torget"), T0)?;
    let gone = visit_at(&mut store, T0 + MINUTE)?;
    let batch = store.outgoing(usize::MAX)?;
    // Its changes as they would come back from a colleague's copy.
    let its_changes = batch
        .request
        .docs
        .iter()
        .find(|d| d.id.as_slice() == gone.as_bytes())
        .map(|d| d.changes.clone())
        .ok_or_else(|| anyhow::anyhow!("the visit is not in the outbox"))?;
    let response = shared::sync::SyncResponse {
        erased: vec![serde_bytes::ByteBuf::from(gone.as_bytes().to_vec())],
        erased_to: Some(7),
        redacted: Vec::new(),
        redacted_to: None,
        ..answer_with_nothing()
    };
    let applied = store.apply(&batch, &response, T0 + 2 * MINUTE)?;
    assert_eq!(applied.erased, 1);
    assert!(store.record(gone)?.is_none());
    assert!(
        store
            .outgoing(usize::MAX)?
            .request
            .docs
            .iter()
            .all(|d| d.id.as_slice() != gone.as_bytes()),
        "its unsent changes went with it"
    );
    assert_eq!(store.erased_since()?, 7);
    let mut h = Harness::open(store, Screen::Records, Lang::Sv)?;
    let html = h.html();
    assert!(
        html.contains("1 registrering har raderats av samordnarna"),
        "{html}"
    );
    assert!(!html.contains("Platsbesök: Torget"), "{html}");
    h.act(|| go(Screen::Home));
    assert!(h.html().contains("har raderats av samordnarna"));
    // Read: gone from every screen, and it stays gone.
    h.act(|| {
        let svc = app::ui::state::services();
        let _ = app::ui::state::with_store(&svc, |s| s.dismiss_erased_notice());
        let mut u = ui();
        let next = (u.rev)() + 1;
        u.rev.set(next);
    });
    assert!(!h.html().contains("har raderats av samordnarna"));
    // A late copy (an old answer, a colleague's phone) is never taken in.
    let late = shared::sync::SyncResponse {
        docs: vec![shared::sync::DocUpdate {
            epoch: None,
            redacted: Vec::new(),
            id: serde_bytes::ByteBuf::from(gone.as_bytes().to_vec()),
            kind: "visit".into(),
            changes: its_changes,
        }],
        ..answer_with_nothing()
    };
    let store = h.store.clone();
    let mut s = store.lock().map_err(|_| anyhow::anyhow!("lock"))?;
    let batch = s.outgoing(usize::MAX)?;
    s.apply(&batch, &late, T0 + 3 * MINUTE)?;
    assert!(s.record(gone)?.is_none());
    assert!(s.is_erased(gone)?);
    Ok(())
}

/// Issue 13: a phone that has not reached the server for longer than the
/// lease shows no records, says why, and offers to sync.
#[tokio::test]
async fn past_the_lease_the_phone_shows_no_records() -> anyhow::Result<()> {
    let mut store = enrolled_store()?;
    store.create(&hotspot("Torget"), T0)?;
    let now = app::ui::state::now_ms();
    store.note_sync_attempt(now - 40 * 24 * 60 * MINUTE, None)?;
    let mut h = Harness::open(store, Screen::Records, Lang::Sv)?;
    let html = h.html();
    assert!(html.contains("Registreringarna visas inte"), "{html}");
    assert!(html.contains("på över 30 dagar"), "{html}");
    assert!(!html.contains("Torget"), "{html}");
    h.act(|| go(Screen::Home));
    assert!(!h.html().contains("Torget"));
    Ok(())
}

/// Issue 13: the coordinators redacted a visit's notes while the officer
/// edited them without coverage. At the next sync the phone takes the new
/// epoch, keeps the counted contact, and shows the officer's text as a
/// conflict on every screen until they decide; "throw away" removes it,
/// "write again" puts it into the record as a new edit.
#[tokio::test]
async fn an_edit_of_a_redacted_field_is_shown_as_a_conflict() -> anyhow::Result<()> {
    let mut store = enrolled_store()?;
    let id = visit_at(&mut store, T0)?;
    store.update(id, T0 + MINUTE, |r| {
        if let Record::PatrolVisit(v) = r {
            v.notes.update("Sven hotade vakten");
        }
    })?;
    // Everything reaches the server; the server's copy is this one.
    let batch = store.outgoing(usize::MAX)?;
    let ok = shared::sync::SyncResponse {
        results: every_doc_answered(&batch, None),
        ..answer_with_nothing()
    };
    store.apply(&batch, &ok, T0 + 2 * MINUTE)?;
    let server_copy = store
        .doc(id)?
        .ok_or_else(|| anyhow::anyhow!("no document"))?;
    // Without coverage: a contact, and more words in the note.
    store.update(id, T0 + 3 * MINUTE, |r| {
        if let Record::PatrolVisit(v) = r {
            v.contacts.increment(1);
            v.notes.update("Sven hotade vakten, lugnt efteråt");
        }
    })?;
    let epoch = shared::redaction::new_epoch(&server_copy, &["notes".into()])?;
    let epoch_changes = shared::redaction::epoch_changes(&epoch)
        .ok_or_else(|| anyhow::anyhow!("the epoch does not load"))?;
    let batch = store.outgoing(usize::MAX)?;
    let redacted = shared::sync::SyncResponse {
        results: every_doc_answered(&batch, Some(shared::sync::RejectCode::Redacted)),
        docs: vec![shared::sync::DocUpdate {
            id: serde_bytes::ByteBuf::from(id.as_bytes().to_vec()),
            kind: "visit".into(),
            changes: epoch_changes
                .into_iter()
                .map(serde_bytes::ByteBuf::from)
                .collect(),
            epoch: Some(1),
            redacted: vec!["notes".into()],
        }],
        redacted: vec![shared::sync::wire::RedactionNotice {
            id: serde_bytes::ByteBuf::from(id.as_bytes().to_vec()),
            epoch: 1,
        }],
        redacted_to: Some(1),
        ..answer_with_nothing()
    };
    let applied = store.apply(&batch, &redacted, T0 + 5 * MINUTE)?;
    assert_eq!((applied.rebased, applied.conflicts), (1, 1), "{applied:?}");
    let Some(Record::PatrolVisit(v)) = store.record(id)? else {
        anyhow::bail!("the visit is gone")
    };
    assert_eq!((v.notes.as_str(), v.contacts.value()), ("", 1));
    assert_eq!(store.epoch(id)?, 1);
    let next = store.outgoing(usize::MAX)?;
    assert_eq!(next.request.docs.len(), 1, "the replayed contact is sent");
    assert_eq!(next.request.docs[0].epoch, Some(1));

    let mut h = Harness::open(store, Screen::Home, Lang::Sv)?;
    let html = h.html();
    assert!(
        html.contains("Samordnarna har tagit bort text ur fältet Anteckningar i platsbesök"),
        "{html}"
    );
    assert!(html.contains("Sven hotade vakten, lugnt efteråt"), "{html}");
    assert!(html.contains("Skriv in min text igen") && html.contains("Släng min text"));
    h.act(|| go(Screen::Records));
    assert!(h.html().contains("Släng min text"), "on every screen");
    let conflict = {
        let s = h.store.lock().map_err(|_| anyhow::anyhow!("lock"))?;
        s.conflicts()?[0].id
    };
    // Written again: the officer's deliberate edit, in the record.
    h.act(move || app::ui::state::resolve_conflict(conflict, true));
    assert!(!h.html().contains("Släng min text"));
    let s = h.store.lock().map_err(|_| anyhow::anyhow!("lock"))?;
    let Some(Record::PatrolVisit(v)) = s.record(id)? else {
        anyhow::bail!("the visit is gone")
    };
    assert_eq!(v.notes.as_str(), "Sven hotade vakten, lugnt efteråt");
    assert!(s.conflicts()?.is_empty());
    Ok(())
}
