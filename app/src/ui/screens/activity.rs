//! Any other promised activity: initiative from the plan, date, kind,
//! people reached, notes.

use dioxus::prelude::*;
use shared::domain::{Activity, ActivityKind};
use shared::record::Record;
use shared::rollup::initiatives_for_activities;
use shared::DocId;

use crate::ui::components::{History, NotesField};
use crate::ui::data;
use crate::ui::i18n::{say, t, T};
use crate::ui::screens::{problems_view, record_sync_line};
use crate::ui::state::{create, edit, go, now_ms, read, ui, Screen};

/// Picks the initiative, then creates the activity with today's date.
#[component]
pub fn NewActivity() -> Element {
    let lang = (ui().lang)();
    let initiatives: Vec<(uuid::Uuid, String)> = read(|s| {
        data::plan(s)
            .map(|p| {
                initiatives_for_activities(&p)
                    .into_iter()
                    .map(|i| (i.id, i.title.clone()))
                    .collect()
            })
            .unwrap_or_default()
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
                            let a = Activity {
                                initiative_id: iid,
                                date: shared::local_time::format_date(now_ms()),
                                kind: ActivityKind::Other,
                                people_reached: 0,
                                participants: Vec::new(),
                                notes: Default::default(),
                            };
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
    let Some(Some((a, title))) = read(|s| match s.record(id) {
        Ok(Some(Record::Activity(a))) => {
            Some((a.clone(), data::initiative_title(s, a.initiative_id)))
        }
        _ => None,
    }) else {
        return rsx! { main { p { "{t(lang, T::Nothing)}" } } };
    };
    rsx! {
        main {
            h2 { "{t(lang, T::Activity)}" }
            p { class: "muted", "{t(lang, T::Initiative)}: {title}" }
            {record_sync_line(id, lang)}
            {problems_view(&Record::Activity(a.clone()), lang)}
            label { r#for: "date", "{t(lang, T::Date)}" }
            input { id: "date", r#type: "date", initial_value: "{a.date}",
                oninput: move |e| { let d = e.value(); edit(id, "date", move |r| if let Record::Activity(a) = r { a.date = d }) } }
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
            label { r#for: "reached", "{t(lang, T::PeopleReached)}" }
            input { id: "reached", r#type: "number", min: "0", inputmode: "numeric", initial_value: "{a.people_reached}",
                oninput: move |e| if let Ok(n) = e.value().trim().parse::<u64>() { edit(id, "people_reached", move |r| if let Record::Activity(a) = r { a.people_reached = n }) } }
            NotesField { id: "activity-notes", label: t(lang, T::Notes).to_string(), value: a.notes.as_str().to_string(), lang,
                on_input: move |text: String| edit(id, "notes", move |r| if let Record::Activity(a) = r { a.notes.update(&text) }) }
            History { id }
            button { class: "primary big", onclick: move |_| go(Screen::Home), "{t(lang, T::Save)}" }
        }
    }
}
