//! A patrol visit under way: the running timer with its 10- and 15-minute
//! marks, one-tap counters and problem tags, notes, and "end visit".

use dioxus::prelude::*;
use shared::domain::SafetyProblem;
use shared::local_time::format_time;
use shared::record::Record;
use shared::DocId;

use crate::ui::components::{state_note, Counter, Discard, History, NotesField, VisitTimer};
use crate::ui::data;
use crate::ui::i18n::{say, t, Lang, T};
use crate::ui::screens::{problems_view, record_sync_line};
use crate::ui::state::{edit, go, now_ms, read, ui, Screen};

#[component]
pub fn Visit(id: DocId) -> Element {
    let u = ui();
    let lang = (u.lang)();
    // Minutes under way when "end" was tapped early, while asking. (Hooks
    // before any early return: the same order on every render.)
    let mut confirm_end = use_signal(|| None::<i64>);
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
    let state = visit.state();
    let started_at = visit.started_at;
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
            {state_note(state, lang)}
            if let (true, Some(minutes)) = (running, confirm_end()) {
                // Ending before the 10-minute mark is asked once: a tap by
                // mistake ends nothing.
                div { class: "confirm", role: "alert",
                    p { "{crate::ui::i18n::end_early(lang, minutes)}" }
                    div { class: "row",
                        button { class: "primary", onclick: move |_| { confirm_end.set(None); end_visit(id) }, "{t(lang, T::EndAnyway)}" }
                        button { onclick: move |_| confirm_end.set(None), "{t(lang, T::KeepGoing)}" }
                    }
                }
            } else if running {
                button { class: "primary big", onclick: move |_| {
                    // Read at the tap, so the screen does not render every second.
                    // Short of the dosage window (shared::projection's 10 minutes).
                    let elapsed_s = (now_ms() - started_at) / 1000;
                    if elapsed_s < *shared::projection::DOSAGE_WINDOW_S.start() {
                        confirm_end.set(Some(elapsed_s / 60))
                    } else {
                        end_visit(id)
                    }
                }, "{t(lang, T::EndVisit)}" }
            } else {
                p { class: "phase", "{t(lang, T::VisitEnded)} ({t(lang, T::Ended)} {format_time(visit.ended_at.unwrap_or_default())})" }
                CorrectTimes { id, started_at: visit.started_at, ended_at: visit.ended_at.unwrap_or_default(), lang }
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
            Discard { id, state, lang }
        }
    }
}

/// Ends the visit now, with the area check at the end.
fn end_visit(id: DocId) {
    let end = now_ms();
    let hotspot = read(|s| match s.record(id) {
        Ok(Some(Record::PatrolVisit(v))) => data::hotspot(s, v.hotspot_id),
        _ => None,
    })
    .flatten();
    let inside = hotspot.and_then(|h| h.area_check(crate::platform::position()));
    edit(id, "ended_at", move |r| {
        if let Record::PatrolVisit(v) = r {
            v.ended_at = Some(end);
            v.area_check.at_end = inside;
        }
    });
}

/// Start and end corrected afterwards (a visit ended late, or started
/// before the phone was at hand). Validation checks the result like any
/// edit, and the history shows the correction.
#[component]
fn CorrectTimes(id: DocId, started_at: i64, ended_at: i64, lang: Lang) -> Element {
    let mut start = use_signal(|| format_time(started_at));
    let mut end = use_signal(|| format_time(ended_at));
    rsx! {
        details { class: "add",
            summary { class: "btn", "{t(lang, T::CorrectTimes)}" }
            div { class: "row",
                label { r#for: "start-time", "{t(lang, T::StartTime)}" }
                input { id: "start-time", r#type: "time", initial_value: "{start}", oninput: move |e| start.set(e.value()) }
                label { r#for: "end-time", "{t(lang, T::EndTime)}" }
                input { id: "end-time", r#type: "time", initial_value: "{end}", oninput: move |e| end.set(e.value()) }
            }
            button { class: "primary", onclick: move |_| {
                if let Some((s, e)) = shared::local_time::corrected_span(started_at, &start(), &end()) {
                    edit(id, "started_at", move |r| if let Record::PatrolVisit(v) = r { v.started_at = s; v.ended_at = Some(e) });
                }
            }, "{t(lang, T::Save)}" }
        }
    }
}
