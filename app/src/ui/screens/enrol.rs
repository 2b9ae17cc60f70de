//! Enrolment: once, online, with the server address and the one-time code.

use dioxus::prelude::*;

use crate::sync_client::{SyncError, SyncProblem};
use crate::ui::i18n::{sync_problem, t, T};
use crate::ui::state::{go, services, ui, with_store, Screen};

#[component]
pub fn Enrol() -> Element {
    let u = ui();
    let lang = (u.lang)();
    let mut server = use_signal(|| {
        std::env::var("TRYGGHETSLOGG_SERVER").unwrap_or_else(|_| "http://127.0.0.1:8080".into())
    });
    let mut code = use_signal(String::new);
    let mut name = use_signal(|| "Tjänstetelefon".to_string());
    let mut busy = use_signal(|| false);
    let mut error = use_signal(|| None::<SyncProblem>);
    let submit = move |e: FormEvent| {
        e.prevent_default();
        let svc = services();
        let (url, c, n) = (server(), code(), name());
        busy.set(true);
        spawn(async move {
            match crate::enrolment::enrol(&url, &c, &n).await {
                Ok(enrolment) => {
                    let saved = with_store(&svc, |s| s.save_enrolment(&enrolment));
                    match saved {
                        Some(Ok(())) => {
                            svc.kick.notify_one();
                            go(Screen::Home);
                        }
                        Some(Err(e)) => error.set(Some(SyncError::Store(e).problem())),
                        None => error.set(Some(SyncProblem::Storage)),
                    }
                }
                Err(e) => error.set(Some(e.problem())),
            }
            busy.set(false);
        });
    };
    rsx! {
        main {
            h2 { "{t(lang, T::EnrolTitle)}" }
            p { "{t(lang, T::EnrolIntro)}" }
            form { onsubmit: submit,
                label { r#for: "server", "{t(lang, T::ServerAddress)}" }
                input { id: "server", r#type: "url", initial_value: "{server}", oninput: move |e| server.set(e.value()) }
                label { r#for: "code", "{t(lang, T::EnrolmentCode)}" }
                input { id: "code", autofocus: true, autocomplete: "off", initial_value: "{code}", oninput: move |e| code.set(e.value()) }
                label { r#for: "device", "{t(lang, T::DeviceName)}" }
                input { id: "device", initial_value: "{name}", oninput: move |e| name.set(e.value()) }
                if let Some(e) = error() { p { class: "problem", role: "alert", "{sync_problem(lang, &e)}" } }
                button { class: "primary big", r#type: "submit", disabled: busy(),
                    if busy() { "{t(lang, T::Enrolling)}" } else { "{t(lang, T::EnrolButton)}" }
                }
            }
        }
    }
}
