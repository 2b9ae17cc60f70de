//! The sync status line, always visible: synced, N changes waiting, the
//! last contact, and why the last attempt failed, in plain words.

use dioxus::prelude::*;
use shared::local_time::format_date_time;

use crate::ui::i18n::{sync_problem, t, waiting_changes, Lang, T};
use crate::ui::state::{ui, SyncView};

/// The status text: (css class, headline, detail).
pub fn status_text(lang: Lang, s: &SyncView) -> (&'static str, String, Option<String>) {
    let last = s
        .last_success
        .map(|at| format!("{}: {}", t(lang, T::LastContact), format_date_time(at)));
    if s.running {
        return ("waiting", t(lang, T::Syncing).to_string(), last);
    }
    let class = if s.last_error.is_some() {
        "failed"
    } else if s.waiting > 0 {
        "waiting"
    } else {
        "ok"
    };
    let headline = if s.waiting > 0 {
        waiting_changes(lang, s.waiting)
    } else if s.last_success.is_some() {
        t(lang, T::Synced).to_string()
    } else {
        t(lang, T::NeverSynced).to_string()
    };
    let detail = match (s.last_error.as_ref().map(|e| sync_problem(lang, e)), last) {
        (Some(e), Some(l)) => Some(format!("{e} · {l}")),
        (Some(e), None) => Some(e),
        (None, l) => l,
    };
    (class, headline, detail)
}

#[component]
pub fn SyncStatus() -> Element {
    let u = ui();
    let lang = (u.lang)();
    let (class, headline, detail) = status_text(lang, &(u.sync)());
    rsx! {
        div { class: "sync {class}", role: "status", "aria-live": "polite",
            span { class: "dot", "aria-hidden": "true" }
            div {
                strong { "{headline}" }
                if let Some(d) = detail { span { class: "why", "{d}" } }
            }
        }
    }
}
