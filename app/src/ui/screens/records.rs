//! My records: every field record on the phone, newest first, filtered by
//! kind, each with its sync state; a tap opens it for amending.

use dioxus::prelude::*;
use shared::local_time::{format_date, format_date_time};
use shared::DocKind;

use crate::store::RecordSync;
use crate::ui::data;
use crate::ui::i18n::{t, T};
use crate::ui::state::{go, read, ui, Screen};

/// How many records the list shows at once.
const PAGE: usize = 200;

#[component]
pub fn Records() -> Element {
    let lang = (ui().lang)();
    let mut filter = use_signal(|| None::<DocKind>);
    let rows = read(|s| {
        s.field_records(filter(), PAGE)
            .unwrap_or_default()
            .into_iter()
            .map(
                |crate::store::RecordRow {
                     id,
                     kind,
                     happened_at: at,
                     subject,
                 }| {
                    let what = match (kind, subject) {
                        (DocKind::PatrolVisit, Some(h)) => {
                            format!("{}: {}", t(lang, T::PatrolVisit), data::hotspot_name(s, h))
                        }
                        (DocKind::Inspection, Some(v)) => {
                            format!("{}: {}", t(lang, T::Inspection), data::venue_name(s, v))
                        }
                        (DocKind::Activity, Some(i)) => {
                            format!("{}: {}", t(lang, T::Activity), data::initiative_title(s, i))
                        }
                        _ => "?".into(),
                    };
                    let state = match s.record_sync(id) {
                        Ok(RecordSync::Synced) => ("", t(lang, T::Synced).to_string()),
                        Ok(RecordSync::Waiting(_)) => ("", t(lang, T::WaitingToSync).to_string()),
                        Ok(RecordSync::Rejected { code, problems, .. }) => (
                            "refused",
                            format!(
                                "{}: {}",
                                t(lang, T::Refused),
                                crate::ui::i18n::refusal(lang, &code, &problems)
                            ),
                        ),
                        Err(e) => ("refused", e.to_string()),
                    };
                    (
                        id,
                        kind,
                        // An activity has a date, not a time of day.
                        if kind == DocKind::Activity {
                            at.map(format_date).unwrap_or_default()
                        } else {
                            at.map(format_date_time).unwrap_or_default()
                        },
                        what,
                        state,
                    )
                },
            )
            .collect::<Vec<_>>()
    })
    .unwrap_or_default();
    let filters = [
        (None, T::All),
        (Some(DocKind::PatrolVisit), T::PatrolVisit),
        (Some(DocKind::Inspection), T::Inspection),
        (Some(DocKind::Activity), T::Activity),
    ];
    rsx! {
        main {
            h2 { "{t(lang, T::MyRecords)}" }
            div { class: "seg", role: "group",
                for (k, label) in filters {
                    button { class: if filter() == k { "on" } else { "" }, "aria-pressed": "{filter() == k}", onclick: move |_| filter.set(k), "{t(lang, label)}" }
                }
            }
            if rows.is_empty() { p { class: "muted", "{t(lang, T::Nothing)}" } }
            ul { class: "list",
                for (id, kind, at, what, (class, state)) in rows {
                    li { key: "{id}",
                        button { onclick: move |_| go(match kind {
                                DocKind::Inspection => Screen::Inspection(id),
                                DocKind::Activity => Screen::Activity(id),
                                _ => Screen::Visit(id),
                            }),
                            div { "{what}" }
                            div { class: "muted", "{at} · " span { class: "{class}", "{state}" } }
                        }
                    }
                }
            }
            button { class: "big", onclick: move |_| go(Screen::Home), "{t(lang, T::Back)}" }
        }
    }
}
