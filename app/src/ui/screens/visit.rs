//! A patrol visit under way: the running timer with its 10- and 15-minute
//! marks, one-tap counters and problem tags, notes, and "end visit".

use dioxus::prelude::*;
use shared::domain::SafetyProblem;
use shared::local_time::format_time;
use shared::record::Record;
use shared::DocId;

use crate::ui::components::{Counter, History, NotesField, VisitTimer};
use crate::ui::data;
use crate::ui::i18n::{say, t, T};
use crate::ui::screens::{problems_view, record_sync_line};
use crate::ui::state::{edit, go, now_ms, read, ui, Screen};

#[component]
pub fn Visit(id: DocId) -> Element {
    let u = ui();
    let lang = (u.lang)();
    let Some(Some((visit, hotspot))) = read(|s| match s.record(id) {
        Ok(Some(Record::PatrolVisit(v))) => {
            let h = data::hotspot(s, v.hotspot_id);
            Some((v, h))
        }
        _ => None,
    }) else {
        return rsx! { main { p { "{t(lang, T::Nothing)}" } } };
    };
    let running = visit.ended_at.is_none();
    let name = hotspot
        .as_ref()
        .map(|h| h.name.clone())
        .unwrap_or_else(|| "?".into());
    let tags: Vec<(String, bool)> = SafetyProblem::ALL
        .iter()
        .map(|p| {
            (
                p.key().to_string(),
                visit.problems.get(p.key()).copied().unwrap_or(false),
            )
        })
        .collect();
    rsx! {
        main {
            h2 { "{t(lang, T::PatrolVisit)}: {name}" }
            p { class: "muted", "{t(lang, T::Started)} {format_time(visit.started_at)}" }
            {record_sync_line(id, lang)}
            VisitTimer { started_at: visit.started_at, ended_at: visit.ended_at, lang }
            if running {
                button { class: "primary big", onclick: move |_| {
                    let end = now_ms();
                    let inside = hotspot
                        .as_ref()
                        .and_then(|h| h.area_check(crate::platform::position()));
                    edit(id, "ended_at", move |r| if let Record::PatrolVisit(v) = r {
                        v.ended_at = Some(end);
                        v.area_check.at_end = inside;
                    });
                }, "{t(lang, T::EndVisit)}" }
            } else {
                p { class: "phase", "{t(lang, T::VisitEnded)} ({t(lang, T::Ended)} {format_time(visit.ended_at.unwrap_or_default())})" }
            }
            {problems_view(&Record::PatrolVisit(visit.clone()), lang)}
            Counter { label: t(lang, T::Contacts).to_string(), value: visit.contacts.value(), on_change: move |d: i64| edit(id, "contacts", move |r| if let Record::PatrolVisit(v) = r { v.contacts.increment(d) }) }
            Counter { label: t(lang, T::Interventions).to_string(), value: visit.interventions.value(), on_change: move |d: i64| edit(id, "interventions", move |r| if let Record::PatrolVisit(v) = r { v.interventions.increment(d) }) }
            Counter { label: t(lang, T::Officers).to_string(), value: visit.officers_count as i64, on_change: move |d: i64| edit(id, "officers_count", move |r| if let Record::PatrolVisit(v) = r { v.officers_count = (v.officers_count as i64 + d).max(1) as u64 }) }
            label { "{t(lang, T::SafetyProblems)}" }
            div { class: "tags", role: "group", "aria-label": "{t(lang, T::SafetyProblems)}",
                for (key, on) in tags {
                    button {
                        key: "{key}",
                        class: if on { "on" } else { "" },
                        "aria-pressed": "{on}",
                        onclick: move |_| { let k = key.clone(); edit(id, "problems", move |r| if let Record::PatrolVisit(v) = r { v.problems.insert(k, !on); }) },
                        "{shared::domain::SafetyProblem::from_key(&key).map(|p| say(lang, &p)).unwrap_or_default()}"
                    }
                }
            }
            NotesField { id: "visit-notes", label: t(lang, T::Notes).to_string(), value: visit.notes.as_str().to_string(), lang,
                on_input: move |text: String| edit(id, "notes", move |r| if let Record::PatrolVisit(v) = r { v.notes.update(&text) }) }
            History { id }
            button { class: "big", onclick: move |_| go(Screen::Home), "{t(lang, T::Back)}" }
        }
    }
}
