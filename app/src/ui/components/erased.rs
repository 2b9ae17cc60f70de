//! Records the coordinators erased disappear from the phone at its next
//! sync; this notice, on every screen until the officer has read it, says
//! why, so that nothing vanishes without a word.

use dioxus::prelude::*;

use crate::ui::i18n::{erased_notice, t, T};
use crate::ui::state::{services, ui, with_store};

#[component]
pub fn ErasedNotice() -> Element {
    let mut u = ui();
    let lang = (u.lang)();
    let svc = services();
    let count = use_memo(move || {
        let _ = (u.rev)();
        with_store(&svc, |s| s.erased_notice().unwrap_or(0)).unwrap_or(0)
    });
    if count() == 0 {
        return rsx! {};
    }
    rsx! {
        div { class: "notice", role: "status",
            p { "{erased_notice(lang, count())}" }
            button {
                onclick: move |_| {
                    let svc = services();
                    let _ = with_store(&svc, |s| s.dismiss_erased_notice());
                    let next = (u.rev)() + 1;
                    u.rev.set(next);
                },
                "{t(lang, T::Understood)}"
            }
        }
    }
}
