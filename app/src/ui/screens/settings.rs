//! Settings: language, theme, sync now, sign out and wipe the local data.

use dioxus::prelude::*;

use crate::ui::i18n::{sync_problem, t, unsent_warning, waiting_changes, Lang, T};
use crate::ui::state::{go, services, ui, with_store, Screen, SyncView, Theme};

#[component]
pub fn Settings() -> Element {
    let mut u = ui();
    let lang = (u.lang)();
    let theme = (u.theme)();
    let mut confirm = use_signal(|| false);
    let mut asked = use_signal(|| false);
    let sync = (u.sync)();
    let mut set_lang = move |l: Lang| {
        u.lang.set(l);
        let _ = with_store(&services(), |s| s.set_setting("lang", Some(l.tag())));
    };
    let mut set_theme = move |th: Theme| {
        u.theme.set(th);
        let _ = with_store(&services(), |s| s.set_setting("theme", Some(th.code())));
    };
    rsx! {
        main {
            h2 { "{t(lang, T::Settings)}" }
            label { "{t(lang, T::Language)}" }
            div { class: "seg", role: "group", "aria-label": "{t(lang, T::Language)}",
                button { class: if lang == Lang::Sv { "on" } else { "" }, "aria-pressed": "{lang == Lang::Sv}", onclick: move |_| set_lang(Lang::Sv), "Svenska" }
                button { class: if lang == Lang::En { "on" } else { "" }, "aria-pressed": "{lang == Lang::En}", onclick: move |_| set_lang(Lang::En), "English" }
            }
            label { "{t(lang, T::Theme)}" }
            div { class: "seg", role: "group", "aria-label": "{t(lang, T::Theme)}",
                for (th, key) in [(Theme::Light, T::ThemeLight), (Theme::Dark, T::ThemeDark), (Theme::System, T::ThemeSystem)] {
                    button { class: if theme == th { "on" } else { "" }, "aria-pressed": "{theme == th}", onclick: move |_| set_theme(th), "{t(lang, key)}" }
                }
            }
            button { class: "big", onclick: move |_| { asked.set(true); services().kick.notify_one() }, "{t(lang, T::SyncNow)}" }
            // What "sync now" did, in words, where the officer tapped.
            if asked() {
                p { class: "phase", role: "status", "{sync_feedback(lang, &sync)}" }
            }
            button { class: "big", onclick: move |_| go(Screen::Home), "{t(lang, T::Back)}" }
            // Apart from everything else, and asking first: wiping loses
            // whatever has not reached the server, so it says how much.
            div { class: "apart",
                if confirm() {
                    p { role: "alert", class: if sync.waiting > 0 { "problem" } else { "" }, "{unsent_warning(lang, sync.waiting)}" }
                    if sync.waiting > 0 {
                        button { class: "primary big", onclick: move |_| { confirm.set(false); asked.set(true); services().kick.notify_one() }, "{t(lang, T::SyncFirst)}" }
                    }
                    button { class: "danger big", onclick: move |_| {
                        match (services().wipe)() {
                            Ok(()) => go(Screen::Enrol),
                            Err(e) => u.error.set(Some(e.to_string())),
                        }
                    }, if sync.waiting > 0 { "{t(lang, T::WipeAnyway)}" } else { "{t(lang, T::Wipe)}" } }
                    button { class: "big", onclick: move |_| confirm.set(false), "{t(lang, T::Cancel)}" }
                } else {
                    button { class: "danger big", onclick: move |_| confirm.set(true), "{t(lang, T::SignOut)}" }
                }
            }
        }
    }
}

/// The outcome of "sync now", one line.
fn sync_feedback(lang: Lang, s: &SyncView) -> String {
    if s.running {
        t(lang, T::SyncStarted).to_string()
    } else if let Some(e) = &s.last_error {
        format!("{}: {}", t(lang, T::SyncFailed), sync_problem(lang, e))
    } else if s.waiting > 0 {
        waiting_changes(lang, s.waiting)
    } else {
        t(lang, T::SyncDone).to_string()
    }
}
