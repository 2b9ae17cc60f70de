//! The visit under way, on every screen but its own: a banner with the
//! hotspot and the running time that opens the visit in one tap, so that a
//! running visit never disappears behind another screen.

use dioxus::prelude::*;
use shared::local_time::format_duration;

use crate::ui::data;
use crate::ui::i18n::{t, T};
use crate::ui::state::{go, services, ui, with_store, Screen};

#[component]
pub fn OngoingVisit() -> Element {
    let u = ui();
    let lang = (u.lang)();
    // Read from the store when it changes (`rev`), not at every tick of
    // the clock.
    let svc = services();
    let running = use_memo(move || {
        let _ = (u.rev)();
        with_store(&svc, |s| data::running_visit(s)).flatten()
    });
    let Some((id, name, started)) = running() else {
        return rsx! {};
    };
    if (u.screen)() == Screen::Visit(id) {
        return rsx! {};
    }
    let elapsed = format_duration((u.now)().saturating_sub(started));
    rsx! {
        button { class: "ongoing", onclick: move |_| go(Screen::Visit(id)),
            // The time first: a long hotspot name is cut, never the time.
            "{t(lang, T::OngoingVisit)} {elapsed} · {name} · {t(lang, T::OpenVisit)}"
        }
    }
}
