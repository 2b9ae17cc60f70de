//! Home: the big actions and today's patrol plan, hotspots in a randomised
//! order with the dosage delivered today against the prescribed dosage.

use dioxus::prelude::*;
use shared::local_time::{day_bounds, local_day};
use shared::patrol_plan::todays_plan;
use shared::record::Record;
use shared::DocKind;

use crate::ui::data;
use crate::ui::i18n::{t, T};
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
    let (enrolment, plan) = read(|s| {
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
        (
            enrolment,
            todays_plan(&hotspots, &visits, day, seed, &today),
        )
    })
    .unwrap_or((None, Vec::new()));
    rsx! {
        main {
            if let Some(e) = enrolment {
                p { class: "muted",
                    if e.device_name.is_empty() { "{t(lang, T::EnrolledAs)} {e.officer_name}" } else { "{t(lang, T::EnrolledAs)} {e.officer_name} · {e.device_name}" }
                }
            }
            button { class: "primary big", onclick: move |_| go(Screen::PickHotspot), "{t(lang, T::StartVisit)}" }
            button { class: "big", onclick: move |_| go(Screen::PickVenue), "{t(lang, T::StartInspection)}" }
            button { class: "big", onclick: move |_| go(Screen::NewActivity), "{t(lang, T::OtherActivity)}" }
            div { class: "row",
                button { onclick: move |_| go(Screen::Records), "{t(lang, T::MyRecords)}" }
                button { onclick: move |_| go(Screen::Settings), "{t(lang, T::Settings)}" }
            }
            h2 { "{t(lang, T::TodaysPlan)}" }
            if plan.is_empty() { p { class: "muted", "{t(lang, T::NoPlan)}" } }
            ul { class: "list plan",
                for line in plan {
                    li { key: "{line.hotspot_id}", class: if line.done() { "done" } else { "" },
                        span { "{line.name}" }
                        span { "{line.visits_today}/{line.visits_prescribed} {t(lang, T::Visits)} · {line.minutes_today}/{line.minutes_prescribed} {t(lang, T::Minutes)}" }
                    }
                }
            }
        }
    }
}
