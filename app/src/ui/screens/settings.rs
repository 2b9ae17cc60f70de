//! Settings: language, theme, sync now, sign out and wipe the local data.

use dioxus::prelude::*;

use crate::ui::i18n::{t, Lang, T};
use crate::ui::state::{go, services, ui, with_store, Screen, Theme};

#[component]
pub fn Settings() -> Element {
    let mut u = ui();
    let lang = (u.lang)();
    let theme = (u.theme)();
    let mut confirm = use_signal(|| false);
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
            button { class: "big", onclick: move |_| services().kick.notify_one(), "{t(lang, T::SyncNow)}" }
            button { class: "big", onclick: move |_| {
                if confirm() {
                    match (services().wipe)() {
                        Ok(()) => go(Screen::Enrol),
                        Err(e) => u.error.set(Some(e.to_string())),
                    }
                } else {
                    confirm.set(true);
                }
            }, if confirm() { "{t(lang, T::SignOutConfirm)}" } else { "{t(lang, T::SignOut)}" } }
            button { class: "big", onclick: move |_| go(Screen::Home), "{t(lang, T::Back)}" }
        }
    }
}
