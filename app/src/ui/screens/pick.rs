//! The pickers that start a record: a hotspot (nearest first when the
//! position is known, else recent, then by name) or a venue (higher risk
//! first).

use dioxus::prelude::*;
use shared::domain::{Inspection, Organisation, Participant, PatrolVisit};
use shared::patrol_plan::picker_order;
use shared::record::Record;
use shared::rollup::{initiative_for_inspection, initiative_for_visit, plan_for};

use crate::ui::data;
use crate::ui::i18n::{say, t, T};
use crate::ui::state::{create, go, now_ms, read, ui, Screen};

#[component]
pub fn PickHotspot() -> Element {
    let lang = (ui().lang)();
    let hotspots = read(|s| {
        let hs = data::hotspots(s);
        let recent = s.last_visit_per_subject().unwrap_or_default();
        let order = picker_order(&hs, crate::platform::position(), &recent);
        order
            .into_iter()
            .filter_map(|id| hs.iter().find(|(h, _)| *h == id).cloned())
            .collect::<Vec<_>>()
    })
    .unwrap_or_default();
    rsx! {
        main {
            h2 { "{t(lang, T::PickHotspot)}" }
            if hotspots.is_empty() { p { class: "muted", "{t(lang, T::ReferenceMissing)}" } }
            ul { class: "list",
                for (id, h) in hotspots {
                    li { key: "{id}",
                        button {
                            onclick: {
                                let h = h.clone();
                                move |_| start_visit(id, &h)
                            },
                            "{h.name}"
                        }
                    }
                }
            }
        }
    }
}

/// Starts a visit at a hotspot and opens it; while another visit runs,
/// opens that one instead (one visit at a time).
pub fn start_visit(id: uuid::Uuid, h: &shared::domain::Hotspot) {
    if let Some((running, ..)) = read(data::running_visit).flatten() {
        go(Screen::Visit(running));
        return;
    }
    let mut v = PatrolVisit::new(id, initiative_for_visit(h), now_ms());
    v.area_check.at_start = h.area_check(crate::platform::position());
    if let Some(doc) = create(Record::PatrolVisit(v)) {
        go(Screen::Visit(doc));
    }
}

#[component]
pub fn PickVenue() -> Element {
    let lang = (ui().lang)();
    let now = now_ms();
    let (venues, me) = read(|s| {
        let me = s.enrolment().ok().flatten().map(|e| {
            (
                e.officer_id,
                Organisation::parse(&e.organisation).unwrap_or(Organisation::Police),
            )
        });
        let known = s
            .venue_list()
            .ok()
            .flatten()
            .map(|l| l.facts())
            .unwrap_or_default();
        // Each venue's inspections count toward its own municipality's
        // plan (`shared::rollup::plan_for`).
        let plans = data::plans(s);
        let venues: Vec<_> = data::venues(s)
            .into_iter()
            .map(|(id, v)| {
                let status = data::venue_status(s, id, now, &known);
                let initiative =
                    plan_for(&plans, v.municipality_id).and_then(initiative_for_inspection);
                (id, v, status, initiative)
            })
            .collect();
        (venues, me)
    })
    .unwrap_or((Vec::new(), None));
    rsx! {
        main {
            h2 { "{t(lang, T::PickVenue)}" }
            if venues.is_empty() || venues.iter().any(|v| v.3.is_none()) { p { class: "muted", "{t(lang, T::ReferenceMissing)}" } }
            ul { class: "list",
                for (id, v, status, initiative) in venues {
                    li { key: "{id}",
                        button { class: "venue",
                            disabled: initiative.is_none(),
                            onclick: move |_| {
                                let Some(initiative) = initiative else { return };
                                let mut i = Inspection::new(id, initiative, now_ms());
                                if let Some((officer_id, organisation)) = me {
                                    i.participants.push(Participant { officer_id, organisation });
                                }
                                if let Some(doc) = create(Record::Inspection(i)) {
                                    go(Screen::Inspection(doc));
                                }
                            },
                            span { class: "name", "{v.name} · {say(lang, &v.risk)}" }
                            span { class: "muted",
                                match status.last {
                                    Some(at) => format!("{} {}", t(lang, T::LastInspected), shared::local_time::format_date(at)),
                                    None => t(lang, T::NoInspectionHere).to_string(),
                                }
                                if status.due { " · " strong { "{t(lang, T::InspectionDue)}" } }
                            }
                            if let Some(f) = status.open_follow_up {
                                span { class: "problem", "{t(lang, T::OpenFollowUp)}: {say(lang, &f)}" }
                            }
                        }
                    }
                }
            }
        }
    }
}
