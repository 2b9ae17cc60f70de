//! The officer app's user interface (Dioxus): one file per screen in
//! `screens/`, widgets in `components/`, the strings in `i18n`, the shared
//! state in `state`. Screens call the device store and `shared` only; the
//! sync loop below runs by itself with backoff and never blocks a screen.

pub mod components;
pub mod data;
pub mod i18n;
pub mod probe;
pub mod screens;
pub mod state;
pub mod style;

use std::time::Duration;

use dioxus::prelude::*;

use crate::sync_client::{sync_once, HttpTransport, SyncError};
use i18n::Lang;
use state::{now_ms, with_store, Screen, Services, SyncView, Theme, Ui};

/// Reads the sync status line's facts from the store.
pub fn sync_view(svc: &Services) -> SyncView {
    with_store(svc, |s| SyncView {
        running: false,
        waiting: s.pending_records().unwrap_or(0),
        last_success: s.last_success_at().ok().flatten(),
        last_error: s.last_error().ok().flatten(),
    })
    .unwrap_or_default()
}

/// The screen to open at start: enrolment, the record being edited when
/// the app was closed, or home.
fn first_screen(svc: &Services) -> Screen {
    with_store(svc, |s| {
        if s.enrolment().ok().flatten().is_none() {
            return Screen::Enrol;
        }
        s.setting("open")
            .ok()
            .flatten()
            .and_then(|v| Screen::from_setting(&v))
            .unwrap_or(Screen::Home)
    })
    .unwrap_or(Screen::Enrol)
}

#[component]
pub fn App() -> Element {
    let svc = use_context::<Services>();
    let u = use_context_provider(|| {
        let (lang, theme) = with_store(&svc, |s| {
            (
                s.setting("lang")
                    .ok()
                    .flatten()
                    .map(|l| Lang::from_tag(&l))
                    .unwrap_or_default(),
                s.setting("theme")
                    .ok()
                    .flatten()
                    .map(|t| Theme::parse(&t))
                    .unwrap_or(Theme::System),
            )
        })
        .unwrap_or((Lang::Sv, Theme::System));
        Ui {
            screen: Signal::new(first_screen(&svc)),
            lang: Signal::new(lang),
            theme: Signal::new(theme),
            rev: Signal::new(0),
            sync: Signal::new(sync_view(&svc)),
            now: Signal::new(now_ms()),
            error: Signal::new(None),
        }
    });
    let mut tick = u;
    use_future(move || async move {
        loop {
            tokio::time::sleep(Duration::from_secs(1)).await;
            tick.now.set(now_ms());
        }
    });
    use_future(|| async {
        if let Some(path) = probe::probe_path() {
            probe::run(path).await;
        }
    });
    let loop_svc = svc.clone();
    use_future(move || sync_loop(loop_svc.clone(), u));

    let lang = (u.lang)();
    let theme = (u.theme)().code();
    let screen = (u.screen)();
    // Past the phone lease, or revoked: no records on any screen.
    let lease = components::lease::lease_now();
    let title = i18n::t(lang, i18n::T::AppName);
    rsx! {
        style { {style::CSS} }
        div { class: "app", "data-theme": "{theme}", lang: "{lang.tag()}",
            // The title and the sync status stay on screen while scrolling.
            div { class: "top",
                header { class: "bar",
                    h1 { "{title}" }
                }
                if screen != Screen::Enrol { components::SyncStatus {} }
                if screen != Screen::Enrol && lease == crate::store::Lease::Valid { components::OngoingVisit {} }
                if screen != Screen::Enrol { components::ErasedNotice {} }
                if screen != Screen::Enrol && lease == crate::store::Lease::Valid { components::ConflictNotice {} }
            }
            if let Some(e) = (u.error)() { p { class: "problem", role: "alert", "{e}" } }
            if screen != Screen::Enrol && lease != crate::store::Lease::Valid {
                components::LeaseScreen { lease }
            } else {
            match screen {
                Screen::Enrol => rsx! { screens::enrol::Enrol {} },
                Screen::Home => rsx! { screens::home::Home {} },
                Screen::PickHotspot => rsx! { screens::pick::PickHotspot {} },
                Screen::Visit(id) => rsx! { screens::visit::Visit { id } },
                Screen::PickVenue => rsx! { screens::pick::PickVenue {} },
                Screen::Inspection(id) => rsx! { screens::inspection::InspectionScreen { id } },
                Screen::Summary(id) => rsx! { screens::inspection::Summary { id } },
                Screen::NewActivity => rsx! { screens::activity::NewActivity {} },
                Screen::Activity(id) => rsx! { screens::activity::ActivityScreen { id } },
                Screen::Records => rsx! { screens::records::Records {} },
                Screen::Settings => rsx! { screens::settings::Settings {} },
            }
            }
        }
    }
}

/// Syncs whenever kicked (an edit, "sync now") and otherwise on a timer:
/// every 30 s while it works, backing off from 5 s to 5 min while the
/// server cannot be reached.
async fn sync_loop(svc: Services, mut u: Ui) {
    const MAX: Duration = Duration::from_secs(300);
    let mut delay = Duration::from_secs(1);
    loop {
        tokio::select! {
            _ = svc.kick.notified() => {}
            _ = tokio::time::sleep(delay) => {}
        }
        let Some(Some(enrolment)) = with_store(&svc, |s| s.enrolment().ok().flatten()) else {
            delay = Duration::from_secs(2);
            continue;
        };
        let mut view = sync_view(&svc);
        view.running = true;
        u.sync.set(view);
        let transport = HttpTransport::new(&enrolment.server_url);
        let result = sync_once(&svc.store, &transport, now_ms).await;
        delay = match &result {
            Ok(_) => Duration::from_secs(30),
            Err(SyncError::Unauthorized) => MAX,
            Err(_) => (delay * 2).clamp(Duration::from_secs(5), MAX),
        };
        u.sync.set(sync_view(&svc));
        if matches!(&result, Ok(r) if r.received_docs > 0 || r.acknowledged > 0 || r.rejected > 0 || r.erased > 0)
        {
            let next = (u.rev)() + 1;
            u.rev.set(next);
        }
    }
}
