//! A licensing inspection: participants, the checklist (fine / remark / not
//! checked, with a comment), findings, the proposed follow-up, and the
//! read-back summary to go through with the responsible manager on site.

use dioxus::prelude::*;
use shared::domain::{Answer, ChecklistItem, FollowUp, Organisation, Participant};
use shared::local_time::format_date_time;
use shared::record::Record;
use shared::DocId;

use crate::ui::components::{History, NotesField};
use crate::ui::data;
use crate::ui::i18n::{checklist_label, t, Lang, T};
use crate::ui::screens::{problems_view, record_sync_line};
use crate::ui::state::{edit, go, now_ms, read, ui, Screen};

fn answer_label(lang: Lang, a: Answer) -> &'static str {
    match a {
        Answer::Fine => t(lang, T::Fine),
        Answer::Remark => t(lang, T::Remark),
        Answer::NotChecked => t(lang, T::NotChecked),
    }
}

fn follow_up_label(lang: Lang, f: FollowUp) -> &'static str {
    match f {
        FollowUp::None => t(lang, T::FollowUpNone),
        FollowUp::Revisit => t(lang, T::FollowUpRevisit),
        FollowUp::SupervisionCase => t(lang, T::FollowUpCase),
    }
}

#[component]
pub fn InspectionScreen(id: DocId) -> Element {
    let lang = (ui().lang)();
    let Some(Some((insp, venue, dir))) = read(|s| match s.record(id) {
        Ok(Some(Record::Inspection(i))) => Some((
            i.clone(),
            data::venue_name(s, i.venue_id),
            data::directory(s),
        )),
        _ => None,
    }) else {
        return rsx! { main { p { "{t(lang, T::Nothing)}" } } };
    };
    let named: Vec<(uuid::Uuid, String, &str)> = insp
        .participants
        .iter()
        .map(|p| {
            let org = if p.organisation == Organisation::Police {
                t(lang, T::Police)
            } else {
                t(lang, T::Municipality)
            };
            (
                p.officer_id,
                dir.officer(p.officer_id)
                    .map(|o| o.name.clone())
                    .unwrap_or_else(|| "?".into()),
                org,
            )
        })
        .collect();
    let candidates: Vec<(uuid::Uuid, String, Organisation)> = dir
        .officers
        .iter()
        .filter(|o| !insp.participants.iter().any(|p| p.officer_id == o.id))
        .map(|o| (o.id, o.name.clone(), o.organisation))
        .collect();
    rsx! {
        main {
            h2 { "{t(lang, T::Inspection)}: {venue}" }
            p { class: "muted", "{t(lang, T::Started)} {format_date_time(insp.started_at)}" }
            {record_sync_line(id, lang)}
            {problems_view(&Record::Inspection(insp.clone()), lang)}
            label { "{t(lang, T::Participants)}" }
            ul { class: "list",
                for (pid, name, org) in named {
                    li { key: "{pid}", "{name} · {org}" }
                }
            }
            if !candidates.is_empty() {
                select {
                    "aria-label": "{t(lang, T::AddParticipant)}",
                    onchange: move |e| {
                        let chosen = e.value();
                        let Ok(officer) = uuid::Uuid::parse_str(&chosen) else { return };
                        let org = candidates.iter().find(|c| c.0 == officer).map(|c| c.2).unwrap_or(Organisation::Police);
                        edit(id, "participants", move |r| if let Record::Inspection(i) = r {
                            i.participants.push(Participant { officer_id: officer, organisation: org });
                        });
                    },
                    option { value: "", "{t(lang, T::AddParticipant)} …" }
                    for (cid, name, _) in candidates.clone() { option { key: "{cid}", value: "{cid}", "{name}" } }
                }
            }
            h3 { "{t(lang, T::Checklist)}" }
            for item in ChecklistItem::ALL {
                ChecklistRow { key: "{item.key()}", id, item, answer: insp.entry(item).map(|e| e.answer).unwrap_or_default(),
                    comment: insp.entry(item).map(|e| e.comment.as_str().to_string()).unwrap_or_default(), lang }
            }
            NotesField { id: "findings", label: t(lang, T::Findings).to_string(), value: insp.findings.as_str().to_string(), lang,
                on_input: move |text: String| edit(id, "findings", move |r| if let Record::Inspection(i) = r { i.findings.update(&text) }) }
            label { "{t(lang, T::ProposedFollowUp)}" }
            div { class: "seg", role: "group", "aria-label": "{t(lang, T::ProposedFollowUp)}",
                for f in [FollowUp::None, FollowUp::Revisit, FollowUp::SupervisionCase] {
                    button { key: "{f.as_str()}", class: if insp.follow_up == f { "on" } else { "" }, "aria-pressed": "{insp.follow_up == f}",
                        onclick: move |_| edit(id, "follow_up", move |r| if let Record::Inspection(i) = r { i.follow_up = f }),
                        "{follow_up_label(lang, f)}" }
                }
            }
            button { class: "primary big", onclick: move |_| {
                if insp.ended_at.is_none() {
                    let end = now_ms();
                    edit(id, "ended_at", move |r| if let Record::Inspection(i) = r { i.ended_at = Some(end) });
                }
                go(Screen::Summary(id));
            }, "{t(lang, T::ReadBack)}" }
            History { id }
            button { class: "big", onclick: move |_| go(Screen::Home), "{t(lang, T::Back)}" }
        }
    }
}

#[component]
fn ChecklistRow(
    id: DocId,
    item: ChecklistItem,
    answer: Answer,
    comment: String,
    lang: Lang,
) -> Element {
    let label = checklist_label(lang, item.key());
    rsx! {
        div { class: "card", role: "group", "aria-label": "{label}",
            strong { "{label}" }
            div { class: "seg",
                for a in [Answer::Fine, Answer::Remark, Answer::NotChecked] {
                    button { key: "{a.as_str()}", class: if answer == a { "on" } else { "" }, "aria-pressed": "{answer == a}",
                        onclick: move |_| edit(id, item.key(), move |r| if let Record::Inspection(i) = r { i.entry_mut(item).answer = a }),
                        "{answer_label(lang, a)}" }
                }
            }
            if answer == Answer::Remark || !comment.is_empty() {
                input { "aria-label": "{label}: {t(lang, T::Comment)}", placeholder: "{t(lang, T::Comment)}", initial_value: "{comment}",
                    oninput: move |e| { let text = e.value(); edit(id, item.key(), move |r| if let Record::Inspection(i) = r { i.entry_mut(item).comment.update(&text) }) } }
            }
        }
    }
}

/// The read-back summary, to go through with the responsible manager.
#[component]
pub fn Summary(id: DocId) -> Element {
    let lang = (ui().lang)();
    let Some(Some((insp, venue))) = read(|s| match s.record(id) {
        Ok(Some(Record::Inspection(i))) => Some((i.clone(), data::venue_name(s, i.venue_id))),
        _ => None,
    }) else {
        return rsx! { main { p { "{t(lang, T::Nothing)}" } } };
    };
    rsx! {
        main {
            h2 { "{t(lang, T::ReadBack)}: {venue}" }
            p { "{t(lang, T::ReadBackIntro)}" }
            table { class: "summary",
                for item in ChecklistItem::ALL {
                    tr { key: "{item.key()}",
                        td { "{checklist_label(lang, item.key())}" }
                        td { strong { "{answer_label(lang, insp.entry(item).map(|e| e.answer).unwrap_or_default())}" } }
                        td { class: "muted", "{insp.entry(item).map(|e| e.comment.as_str().to_string()).unwrap_or_default()}" }
                    }
                }
            }
            h3 { "{t(lang, T::Findings)}" }
            p { "{insp.findings.as_str()}" }
            p { strong { "{t(lang, T::ProposedFollowUp)}: " } "{follow_up_label(lang, insp.follow_up)}" }
            button { class: "big", onclick: move |_| go(Screen::Inspection(id)), "{t(lang, T::Back)}" }
            button { class: "primary big", onclick: move |_| go(Screen::Home), "{t(lang, T::Save)}" }
        }
    }
}
