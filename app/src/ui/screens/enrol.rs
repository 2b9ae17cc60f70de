//! Enrolment: once, online, with the server address and the one-time code.

use dioxus::prelude::*;

use crate::sync_client::{SyncError, SyncProblem};
use crate::ui::i18n::{sync_problem, t, T};
use crate::ui::state::{go, services, ui, with_store, Screen};

#[component]
pub fn Enrol() -> Element {
    let u = ui();
    let lang = (u.lang)();
    // Empty unless the phone was set up with an address: a guessed one
    // (loopback) only misleads. A pasted enrolment link fills both fields.
    let mut server = use_signal(|| std::env::var("TRYGGHETSLOGG_SERVER").unwrap_or_default());
    let mut code = use_signal(String::new);
    let mut name = use_signal(|| "Tjänstetelefon".to_string());
    let mut busy = use_signal(|| false);
    let mut error = use_signal(|| None::<SyncProblem>);
    let submit = move |e: FormEvent| {
        e.prevent_default();
        let svc = services();
        let (url, c, n) = (server(), code(), name());
        if c.trim().is_empty() {
            error.set(Some(SyncProblem::CodeMissing));
            return;
        }
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
                // Uncontrolled inputs (a controlled one loses fast typing);
                // a pasted link fills both.
                input { id: "server", r#type: "url", placeholder: "https://", initial_value: "{server}", oninput: move |e| {
                    let v = e.value();
                    match shared::enrolment_link::parse(&v) {
                        Some(link) => fill_from_link(server, code, link),
                        None => server.set(v),
                    }
                } }
                label { r#for: "code", "{t(lang, T::EnrolmentCode)}" }
                input { id: "code", autofocus: true, autocomplete: "off", initial_value: "{code}", oninput: move |e| {
                    let v = e.value();
                    match shared::enrolment_link::parse(&v) {
                        Some(link) => fill_from_link(server, code, link),
                        None => code.set(v),
                    }
                } }
                p { class: "muted", "{t(lang, T::EnrolLinkHint)}" }
                label { r#for: "device", "{t(lang, T::DeviceName)}" }
                input { id: "device", initial_value: "{name}", oninput: move |e| name.set(e.value()) }
                if let Some(e) = error() { p { class: "problem", role: "alert", "{enrol_problem(lang, &e)}" } }
                button { class: "primary big", r#type: "submit", disabled: busy(),
                    if busy() { "{t(lang, T::Enrolling)}" } else { "{t(lang, T::EnrolButton)}" }
                }
            }
        }
    }
}

/// Why enrolment failed, saying what to do. Nothing is kept before the
/// phone is enrolled, so the sync's "everything is kept" does not apply.
fn enrol_problem(lang: crate::ui::i18n::Lang, e: &SyncProblem) -> String {
    match e {
        SyncProblem::Unreachable => t(lang, T::EnrolUnreachable).to_string(),
        other => sync_problem(lang, other),
    }
}

/// A pasted enrolment link: both fields take its values, on screen too.
fn fill_from_link(
    mut server: Signal<String>,
    mut code: Signal<String>,
    link: shared::enrolment_link::EnrolmentLink,
) {
    // The values go to the page as JSON strings: quoted and escaped.
    let js = format!(
        "document.getElementById('server').value = {}; document.getElementById('code').value = {};",
        serde_json::to_string(&link.server).unwrap_or_default(),
        serde_json::to_string(&link.code).unwrap_or_default(),
    );
    let _ = document::eval(&js);
    server.set(link.server);
    code.set(link.code);
}
