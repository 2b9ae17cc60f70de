//! One file per screen.

pub mod activity;
pub mod enrol;
pub mod home;
pub mod inspection;
pub mod pick;
pub mod records;
pub mod settings;
pub mod visit;

use dioxus::prelude::*;
use shared::validation::KnownReferences;
use shared::DocId;

use crate::store::{DeviceStore, RecordSync};
use crate::ui::i18n::{t, Lang, T};
use crate::ui::state::read;

/// The reference ids the device holds, for validating at the field.
pub fn local_refs(s: &DeviceStore) -> KnownReferences {
    let mut r = KnownReferences {
        hotspots: crate::ui::data::hotspots(s)
            .into_iter()
            .map(|(id, _)| id)
            .collect(),
        venues: crate::ui::data::venues(s)
            .into_iter()
            .map(|(id, _)| id)
            .collect(),
        ..KnownReferences::default()
    };
    for p in crate::ui::data::plans(s) {
        r.initiatives
            .extend(p.initiatives().map(|(_, i)| (i.id, i.counts)));
    }
    // Before the first sync the phone has no directory: participants are
    // then not checked here (the server checks them).
    let dir = crate::ui::data::directory(s);
    if !dir.officers.is_empty() {
        r.officers = Some(
            dir.officers
                .iter()
                .map(|o| (o.id, o.organisation))
                .collect(),
        );
    }
    r
}

/// A record's sync state, one line.
pub fn record_sync_line(id: DocId, lang: Lang) -> Element {
    let state = read(|s| s.record_sync(id).ok()).flatten();
    match state {
        Some(RecordSync::Synced) => {
            rsx! { p { class: "muted", "{t(lang, T::SyncState)}: {t(lang, T::Synced)}" } }
        }
        Some(RecordSync::Waiting(_)) => {
            rsx! { p { class: "muted", "{t(lang, T::SyncState)}: {t(lang, T::WaitingToSync)}" } }
        }
        Some(RecordSync::Rejected { code, problems, .. }) => {
            let why = crate::ui::i18n::refusal(lang, &code, &problems);
            rsx! { p { class: "problem", role: "alert", "{t(lang, T::Refused)}: {why}" } }
        }
        None => rsx! {},
    }
}

/// The record's validation problems, in words the officer can act on,
/// shown where they are being edited; they never block saving.
pub fn problems_view(record: &shared::record::Record, lang: Lang) -> Element {
    let problems =
        read(|s| shared::validation::validate(record, &local_refs(s))).unwrap_or_default();
    rsx! {
        for (i, p) in problems.iter().enumerate() {
            p { key: "{i}", class: "problem", role: "alert",
                "{crate::ui::i18n::say(lang, p)}"
            }
        }
    }
}
