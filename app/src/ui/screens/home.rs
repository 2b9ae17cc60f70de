//! Home: the big actions and today's patrol plan, hotspots in a randomised
//! order with the dosage delivered today against the prescribed dosage.

use dioxus::prelude::*;
use shared::local_time::{day_bounds, local_day};
use shared::patrol_plan::todays_plan;
use shared::record::Record;
use shared::DocKind;

use crate::ui::data;
use crate::ui::i18n::{t, T};
use crate::ui::screens::pick::start_visit;
use crate::ui::state::{go, read, ui, Screen};

#[component]
pub fn Home() -> Element {
    let u = ui();
    let lang = (u.lang)();
    // The screen depends on the day, not the second: a memo, so that the
    // clock's tick does not read the store again every second.
    let day = use_memo(move || local_day((ui().now)()))();
    let (day_start, day_end) = day_bounds(day);
    let today = shared::local_time::format_date(day_start);
    let (enrolment, plan, running, hotspots) = read(|s| {
        let hotspots = data::hotspots(s);
        let visits: Vec<_> = s
            .ids_between(DocKind::PatrolVisit, day_start, day_end)
            .unwrap_or_default()
            .into_iter()
            .filter_map(|id| match s.record(id) {
                Ok(Some(Record::PatrolVisit(v))) => Some(v),
                _ => None,
            })
            .collect();
        let enrolment = s.enrolment().ok().flatten();
        let seed = enrolment
            .as_ref()
            .map(|e| e.device_id.as_u128() as u64)
            .unwrap_or(0);
        let plan = todays_plan(&hotspots, &visits, day, seed, &today);
        let running = data::running_visit(s);
        (enrolment, plan, running, hotspots)
    })
    .unwrap_or((None, Vec::new(), None, Vec::new()));
    // One visit at a time: while one runs, the start button opens it.
    let start = match &running {
        Some((id, name, _)) => {
            let id = *id;
            rsx! { button { class: "primary big", onclick: move |_| go(Screen::Visit(id)), "{t(lang, T::OngoingVisit)}: {name}" } }
        }
        None => {
            rsx! { button { class: "primary big", onclick: move |_| go(Screen::PickHotspot), "{t(lang, T::StartVisit)}" } }
        }
    };
    let can_start = running.is_none();
    rsx! {
        main {
            if let Some(e) = enrolment {
                p { class: "muted",
                    if e.device_name.is_empty() { "{t(lang, T::EnrolledAs)} {e.officer_name}" } else { "{t(lang, T::EnrolledAs)} {e.officer_name} · {e.device_name}" }
                }
            }
            {start}
            button { class: "big", onclick: move |_| go(Screen::PickVenue), "{t(lang, T::StartInspection)}" }
            button { class: "big", onclick: move |_| go(Screen::NewActivity), "{t(lang, T::OtherActivity)}" }
            div { class: "row",
                button { onclick: move |_| go(Screen::Records), "{t(lang, T::MyRecords)}" }
                button { onclick: move |_| go(Screen::Settings), "{t(lang, T::Settings)}" }
            }
            h2 { "{t(lang, T::TodaysPlan)}" }
            if plan.is_empty() { p { class: "muted", "{t(lang, T::NoPlan)}" } }
            if !plan.is_empty() { p { class: "muted", "{t(lang, T::PlanExplained)}" } }
            ul { class: "list plan",
                for line in plan {
                    li { key: "{line.hotspot_id}",
                        // A row starts a visit there (not while one runs).
                        button { class: if line.done() { "plan-row done" } else { "plan-row" }, disabled: !can_start,
                            onclick: {
                                let h = hotspots.iter().find(|(id, _)| *id == line.hotspot_id).map(|(_, h)| h.clone());
                                let hid = line.hotspot_id;
                                move |_| if let Some(h) = h.clone() { start_visit(hid, &h) }
                            },
                            span { class: "name", "{line.name}" if line.done() { " ✓" } }
                            span { class: "figures",
                                "{line.visits_today} {t(lang, T::Of)} {line.visits_prescribed} {t(lang, T::Visits)}"
                                br {}
                                "{line.minutes_today} {t(lang, T::Of)} {line.minutes_prescribed} {t(lang, T::Minutes)}"
                            }
                        }
                    }
                }
            }
        }
    }
}
