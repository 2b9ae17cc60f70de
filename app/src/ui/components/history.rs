//! A record's edit history, read from the document itself: when, who (from
//! the directory of colleagues' device actors), and which field.

use dioxus::prelude::*;
use shared::local_time::format_date_time;
use shared::DocId;

use crate::ui::data;
use crate::ui::i18n::{t, T};
use crate::ui::state::{read, ui};

#[component]
pub fn History(id: DocId) -> Element {
    let lang = (ui().lang)();
    let rows = read(|s| {
        let me = s.actor_hex().unwrap_or_default();
        let dir = data::directory(s);
        s.history(id)
            .unwrap_or_default()
            .into_iter()
            .map(|h| {
                let who = if h.actor == me {
                    t(lang, T::You).to_string()
                } else if let Some(o) = dir.by_actor(&h.actor) {
                    o.name.clone()
                } else {
                    t(lang, T::UnknownAuthor).to_string()
                };
                (format_date_time(h.at), who, h.note.unwrap_or_default())
            })
            .collect::<Vec<_>>()
    })
    .unwrap_or_default();
    rsx! {
        details { class: "card",
            summary { "{t(lang, T::History)} ({rows.len()})" }
            ul { class: "list",
                for (i, (at, who, note)) in rows.into_iter().enumerate() {
                    li { key: "{i}", class: "muted", "{at} · {who} · {note}" }
                }
            }
        }
    }
}
