//! The phone lease (docs/privacy.md): a phone that has not reached the
//! server for longer than the coordinators' lease shows no records until
//! it has synced, and a phone the server revoked says its records are
//! wiped at the next start. An old phone in a drawer shows nothing.

use dioxus::prelude::*;

use crate::store::Lease;
use crate::ui::i18n::{t, Lang, T};
use crate::ui::state::{now_ms, services, ui, with_store};

/// Whether the screens may show records now.
pub fn lease_now() -> Lease {
    let u = ui();
    let _ = (u.rev)();
    let _ = (u.sync)();
    let svc = services();
    with_store(&svc, |s| s.lease(now_ms()).unwrap_or(Lease::Valid)).unwrap_or(Lease::Valid)
}

/// What stands instead of the screens while the lease does not allow them.
#[component]
pub fn LeaseScreen(lease: Lease) -> Element {
    let lang = (ui().lang)();
    let text = lease_text(lang, lease);
    rsx! {
        main {
            h2 { "{t(lang, T::RecordsHidden)}" }
            p { role: "alert", "{text}" }
            if lease != Lease::Revoked {
                button { class: "primary big", onclick: move |_| services().kick.notify_one(), "{t(lang, T::SyncNow)}" }
            }
        }
    }
}

pub fn lease_text(lang: Lang, lease: Lease) -> String {
    match (lang, lease) {
        (_, Lease::Valid) => String::new(),
        (Lang::Sv, Lease::Expired { days }) => format!("Telefonen har inte haft kontakt med servern på över {days} dagar. Registreringarna visas igen när den har synkat; det som inte är skickat finns kvar och skickas då."),
        (Lang::En, Lease::Expired { days }) => format!("This phone has not reached the server for more than {days} days. Its records show again once it has synced; what was not sent is kept and sent then."),
        (Lang::Sv, Lease::Revoked) => "Telefonen är spärrad av samordnarna. Registreringarna raderas från den när appen startas nästa gång.".into(),
        (Lang::En, Lease::Revoked) => "This phone was revoked by the coordinators. Its records are wiped from it when the app next starts.".into(),
    }
}
