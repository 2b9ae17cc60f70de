//! An edit the officer made without coverage that a redaction clashed
//! with (`store::rebase`): the coordinators removed text from the field
//! meanwhile, so the officer's text was not written back into the record.
//! It is never dropped silently either: shown here, on every screen, with
//! the officer's own text, until they write it again or throw it away.

use dioxus::prelude::*;

use crate::store::Conflict;
use crate::ui::i18n::{conflict_notice, redacted_field, say, t, T};
use crate::ui::state::{resolve_conflict, services, ui, with_store};

#[component]
pub fn ConflictNotice() -> Element {
    let u = ui();
    let lang = (u.lang)();
    let svc = services();
    let conflicts = use_memo(move || {
        let _ = (u.rev)();
        let _ = (u.sync)();
        with_store(&svc, |s| {
            s.conflicts()
                .unwrap_or_default()
                .into_iter()
                .map(|c| {
                    let kind = s
                        .record(c.doc_id)
                        .ok()
                        .flatten()
                        .map(|r| say(lang, &r.kind()).to_lowercase())
                        .unwrap_or_default();
                    (c, kind)
                })
                .collect::<Vec<(Conflict, String)>>()
        })
        .unwrap_or_default()
    });
    rsx! {
        for (c, kind) in conflicts() {
            div { class: "notice conflict", role: "alert", key: "{c.id}",
                p {
                    "{conflict_notice(lang, &redacted_field(lang, &c.path), &kind)}"
                    blockquote { "{c.mine}" }
                }
                button { onclick: move |_| resolve_conflict(c.id, true), "{t(lang, T::ConflictKeep)}" }
                button { onclick: move |_| resolve_conflict(c.id, false), "{t(lang, T::ConflictDrop)}" }
            }
        }
    }
}
