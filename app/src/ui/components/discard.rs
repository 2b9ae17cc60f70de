//! Discarding a record started by mistake: a quiet button that asks before
//! it acts. A discarded record is not deleted (`shared::lifecycle`): it stays
//! in the document and its history, counts nowhere, and coordinators see it
//! marked as discarded.

use dioxus::prelude::*;
use shared::lifecycle::RecordState;
use shared::DocId;

use crate::ui::i18n::{t, Lang, T};
use crate::ui::state::{edit, go, now_ms, Screen};

#[component]
pub fn Discard(id: DocId, state: RecordState, lang: Lang) -> Element {
    let mut asking = use_signal(|| false);
    if state == RecordState::Discarded {
        return rsx! {};
    }
    rsx! {
        div { class: "apart",
            if asking() {
                p { role: "alert", "{t(lang, T::DiscardConfirm)}" }
                div { class: "row",
                    button { class: "danger", onclick: move |_| {
                        let at = now_ms();
                        edit(id, "discarded_at", move |r| r.discard(at));
                        asking.set(false);
                        go(Screen::Home);
                    }, "{t(lang, T::DiscardYes)}" }
                    button { onclick: move |_| asking.set(false), "{t(lang, T::Cancel)}" }
                }
            } else {
                button { class: "quiet-danger", onclick: move |_| asking.set(true), "{t(lang, T::Discard)}" }
            }
        }
    }
}

/// One line saying that a record does not count (yet), or nothing.
pub fn state_note(state: RecordState, lang: Lang) -> Element {
    match state {
        RecordState::Draft => rsx! { p { class: "muted", "{t(lang, T::DraftNote)}" } },
        RecordState::Discarded => {
            rsx! { p { class: "problem", role: "status", "{t(lang, T::DiscardedNote)}" } }
        }
        RecordState::Finished => rsx! {},
    }
}
