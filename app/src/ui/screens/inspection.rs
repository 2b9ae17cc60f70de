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
use crate::ui::i18n::{say, t, Lang, T};
use crate::ui::screens::{problems_view, record_sync_line};
use crate::ui::state::{edit, go, now_ms, read, ui, Screen};

fn answer_label(lang: Lang, a: Answer) -> String {
    say(lang, &a)
}

fn organisation_label(lang: Lang, o: Organisation) -> String {
    say(lang, &o)
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
    let named: Vec<(uuid::Uuid, String, String)> = insp
        .participants
        .iter()
        .map(|p| {
            let org = organisation_label(lang, p.organisation);
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
            // Colleagues from the directory as large buttons (gloves, night),
            // police and municipality alike: a joint inspection names both.
            if !candidates.is_empty() {
                details { class: "add",
                    summary { class: "btn", "{t(lang, T::AddParticipant)}" }
                    ul { class: "list",
                        for (cid, name, org) in candidates {
                            li { key: "{cid}",
                                button {
                                    onclick: move |_| edit(id, "participants", move |r| if let Record::Inspection(i) = r {
                                        if !i.participants.iter().any(|p| p.officer_id == cid) {
                                            i.participants.push(Participant { officer_id: cid, organisation: org });
                                        }
                                    }),
                                    "+ {name} · {organisation_label(lang, org)}"
                                }
                            }
                        }
                    }
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
                        "{say(lang, &f)}" }
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
    let label = say(lang, &item);
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
                        td { "{say(lang, &item)}" }
                        td { strong { "{answer_label(lang, insp.entry(item).map(|e| e.answer).unwrap_or_default())}" } }
                        td { class: "muted", "{insp.entry(item).map(|e| e.comment.as_str().to_string()).unwrap_or_default()}" }
                    }
                }
            }
            h3 { "{t(lang, T::Findings)}" }
            p { "{insp.findings.as_str()}" }
            p { strong { "{t(lang, T::ProposedFollowUp)}: " } "{say(lang, &insp.follow_up)}" }
            button { class: "big", onclick: move |_| go(Screen::Inspection(id)), "{t(lang, T::Back)}" }
            button { class: "primary big", onclick: move |_| go(Screen::Home), "{t(lang, T::Save)}" }
        }
    }
}
