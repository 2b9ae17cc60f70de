//! A record's edit history, read from the document itself: when, who (from
//! the directory of colleagues' device actors), and which field.

use dioxus::prelude::*;
use shared::local_time::format_date_time;
use shared::DocId;

use crate::ui::data;
use crate::ui::i18n::{change_label, t, T};
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
                (
                    format_date_time(h.at),
                    who,
                    change_label(lang, h.note.as_deref()),
                )
            })
            .collect::<Vec<_>>()
    })
    .unwrap_or_default();
    let rows = coalesce(rows);
    rsx! {
        details { class: "card",
            summary { "{t(lang, T::History)} ({rows.len()})" }
            ul { class: "list",
                for (i, (at, who, what, n)) in rows.into_iter().enumerate() {
                    li { key: "{i}", class: "muted",
                        if n > 1 { "{at} · {who} · {what} (×{n})" } else { "{at} · {who} · {what}" }
                    }
                }
            }
        }
    }
}

/// Typing a note is one change per keystroke: the history shows a run of
/// edits of the same field by the same person in the same minute as one
/// line with a count.
pub fn coalesce<A: PartialEq, B: PartialEq, C: PartialEq>(
    rows: Vec<(A, B, C)>,
) -> Vec<(A, B, C, usize)> {
    let mut out: Vec<(A, B, C, usize)> = Vec::new();
    for (a, b, c) in rows {
        match out.last_mut() {
            Some(last) if last.0 == a && last.1 == b && last.2 == c => last.3 += 1,
            _ => out.push((a, b, c, 1)),
        }
    }
    out
}
