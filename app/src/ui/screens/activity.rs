//! Any other promised activity: initiative from the plan, date, kind,
//! people reached, notes.

use dioxus::prelude::*;
use shared::domain::{Activity, ActivityKind};
use shared::record::Record;
use shared::rollup::initiatives_for_activities;
use shared::DocId;

use crate::ui::components::{state_note, Counter, Discard, History, NotesField};
use crate::ui::data;
use crate::ui::i18n::{say, t, T};
use crate::ui::screens::{problems_view, record_sync_line};
use crate::ui::state::{create, edit, go, now_ms, read, ui, Screen};

/// Picks the initiative, then creates the activity with today's date.
#[component]
pub fn NewActivity() -> Element {
    let lang = (ui().lang)();
    // Of every plan the phone holds (one per municipality the officer
    // works in), each named with its municipality when there are several.
    let initiatives: Vec<(uuid::Uuid, String)> = read(|s| {
        let plans = data::plans(s);
        let several = plans.len() > 1;
        plans
            .iter()
            .flat_map(|p| {
                initiatives_for_activities(p).into_iter().map(move |i| {
                    let title = if several {
                        format!("{} · {}", i.title, p.municipality)
                    } else {
                        i.title.clone()
                    };
                    (i.id, title)
                })
            })
            .collect()
    })
    .unwrap_or_default();
    rsx! {
        main {
            h2 { "{t(lang, T::Initiative)}" }
            if initiatives.is_empty() { p { class: "muted", "{t(lang, T::ReferenceMissing)}" } }
            ul { class: "list",
                for (iid, title) in initiatives {
                    li { key: "{iid}",
                        button { onclick: move |_| {
                            let a = Activity::new(iid, shared::local_time::format_date(now_ms()), ActivityKind::Other);
                            if let Some(doc) = create(Record::Activity(a)) { go(Screen::Activity(doc)); }
                        }, "{title}" }
                    }
                }
            }
            button { class: "big", onclick: move |_| go(Screen::Home), "{t(lang, T::Back)}" }
        }
    }
}

#[component]
pub fn ActivityScreen(id: DocId) -> Element {
    let lang = (ui().lang)();
    // Hooks before any early return: the same order on every render.
    let mut bumped = use_signal(|| 0u32);
    let Some(Some((a, title))) = read(|s| match s.record(id) {
        Ok(Some(Record::Activity(a))) => {
            Some((a.clone(), data::initiative_title(s, a.initiative_id)))
        }
        _ => None,
    }) else {
        return rsx! { main { p { "{t(lang, T::Nothing)}" } } };
    };
    let draft = a.draft;
    let now = now_ms();
    let today = shared::local_time::format_date(now);
    let yesterday = shared::local_time::format_date(now - 86_400_000);
    rsx! {
        main {
            h2 { "{t(lang, T::Activity)}" }
            p { class: "muted", "{t(lang, T::Initiative)}: {title}" }
            {record_sync_line(id, lang)}
            {state_note(a.state(), lang)}
            {problems_view(&Record::Activity(a.clone()), lang)}
            label { r#for: "date", "{t(lang, T::Date)}" }
            // Written as ÅÅÅÅ-MM-DD whatever the phone's locale (a date
            // input showed 12/02/2026), with today and yesterday one tap away.
            div { class: "row",
                for (key, day) in [(T::Today, today.clone()), (T::Yesterday, yesterday.clone())] {
                    button { key: "{day}", class: if a.date == day { "on" } else { "" }, "aria-pressed": "{a.date == day}",
                        onclick: move |_| { let d = day.clone(); edit(id, "date", move |r| if let Record::Activity(a) = r { a.date = d }) },
                        "{t(lang, key)}" }
                }
            }
            // Stored once it is a whole date: a half-typed one is not synced.
            input { key: "{a.date}", id: "date", r#type: "text", inputmode: "numeric", placeholder: "{t(lang, T::DateFormat)}", initial_value: "{a.date}",
                oninput: move |e| {
                    let d = e.value().trim().to_string();
                    if d.len() == 10 && shared::local_time::day_of_date(&d).is_some() {
                        edit(id, "date", move |r| if let Record::Activity(a) = r { a.date = d })
                    }
                } }
            label { r#for: "kind", "{t(lang, T::Kind)}" }
            select { id: "kind",
                onchange: move |e| {
                    let v = e.value();
                    if let Some(k) = ActivityKind::ALL.into_iter().find(|k| k.as_str() == v) {
                        edit(id, "kind", move |r| if let Record::Activity(a) = r { a.kind = k });
                    }
                },
                for k in ActivityKind::ALL {
                    option { key: "{k.as_str()}", value: "{k.as_str()}", selected: a.kind == k, "{say(lang, &k)}" }
                }
            }
            // The same −/+ counter as a visit's (gloves); a large number is
            // typed in the field below it.
            Counter { label: t(lang, T::PeopleReached).to_string(), value: a.people_reached as i64,
                on_change: move |d: i64| { bumped += 1; edit(id, "people_reached", move |r| if let Record::Activity(a) = r { a.people_reached = (a.people_reached as i64 + d).max(0) as u64 }) } }
            // Uncontrolled while typed in; remounted when the counter moves.
            input { key: "reached-{bumped}", id: "reached", "aria-label": "{t(lang, T::PeopleReached)}", r#type: "number", min: "0", inputmode: "numeric", initial_value: "{a.people_reached}",
                oninput: move |e| if let Ok(n) = e.value().trim().parse::<u64>() { edit(id, "people_reached", move |r| if let Record::Activity(a) = r { a.people_reached = n }) } }
            NotesField { id: "activity-notes", label: t(lang, T::Notes).to_string(), value: a.notes.as_str().to_string(), lang,
                on_input: move |text: String| edit(id, "notes", move |r| if let Record::Activity(a) = r { a.notes.update(&text) }) }
            History { id }
            // Saving finishes the activity: from then on it counts.
            button { class: "primary big", onclick: move |_| {
                if draft { edit(id, "draft", |r| if let Record::Activity(a) = r { a.draft = false }); }
                go(Screen::Home)
            }, "{t(lang, T::Save)}" }
            Discard { id, state: a.state(), lang }
        }
    }
}
