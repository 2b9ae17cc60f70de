//! A licensing inspection: participants, the checklist (fine / remark / not
//! checked, with a comment), findings, the proposed follow-up, and the
//! read-back summary to go through with the responsible manager on site.

use dioxus::prelude::*;
use shared::domain::{Answer, ChecklistItem, FollowUp, Organisation, Participant};
use shared::local_time::format_date_time;
use shared::record::Record;
use shared::DocId;

use crate::ui::components::{state_note, Discard, History, NotesField};
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
            {state_note(insp.state(), lang)}
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
            Discard { id, state: insp.state(), lang }
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
            if answer == Answer::Remark && comment.trim().is_empty() {
                p { class: "problem", role: "alert", "{t(lang, T::RemarkNeedsComment)}" }
            }
        }
    }
}

/// The read-back summary, to go through with the responsible manager:
/// readable at phone width (one block per item, no table to scroll
/// sideways), the remarks and their comments first, with the date, times
/// and inspectors, and an acknowledgement that records when it was read
/// back.
#[component]
pub fn Summary(id: DocId) -> Element {
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
    let inspectors: String = insp
        .participants
        .iter()
        .map(|p| {
            let name = dir
                .officer(p.officer_id)
                .map(|o| o.name.clone())
                .unwrap_or_else(|| "?".into());
            format!("{name} ({})", organisation_label(lang, p.organisation))
        })
        .collect::<Vec<_>>()
        .join(", ");
    let entry = |item: ChecklistItem| {
        insp.entry(item)
            .map(|e| (e.answer, e.comment.as_str().trim().to_string()))
            .unwrap_or_default()
    };
    let remarks: Vec<(ChecklistItem, String)> = ChecklistItem::ALL
        .into_iter()
        .filter_map(|item| match entry(item) {
            (Answer::Remark, comment) => Some((item, comment)),
            _ => None,
        })
        .collect();
    let others: Vec<(ChecklistItem, Answer, String)> = ChecklistItem::ALL
        .into_iter()
        .filter_map(|item| match entry(item) {
            (Answer::Remark, _) => None,
            (a, comment) => Some((item, a, comment)),
        })
        .collect();
    let times = match insp.ended_at {
        Some(end) => format!(
            "{}–{}",
            format_date_time(insp.started_at),
            shared::local_time::format_time(end)
        ),
        None => format_date_time(insp.started_at),
    };
    let read_back = insp.read_back_at;
    rsx! {
        main { class: "read-back",
            h2 { "{t(lang, T::ReadBack)}: {venue}" }
            p { strong { "{times}" } }
            p { "{t(lang, T::Inspectors)}: {inspectors}" }
            p { "{t(lang, T::ReadBackIntro)}" }
            h3 { "{t(lang, T::Remarks)}" }
            if remarks.is_empty() { p { "{t(lang, T::NoRemarks)}" } }
            for (item, comment) in remarks {
                div { key: "{item.key()}", class: "card remark",
                    strong { "{say(lang, &item)}" }
                    if comment.is_empty() {
                        p { class: "problem", role: "alert", "{t(lang, T::RemarkNeedsComment)}" }
                    } else {
                        p { class: "comment", "{comment}" }
                    }
                }
            }
            h3 { "{t(lang, T::Findings)}" }
            p { "{insp.findings.as_str()}" }
            p { strong { "{t(lang, T::ProposedFollowUp)}: " } "{say(lang, &insp.follow_up)}" }
            h3 { "{t(lang, T::OtherItems)}" }
            ul { class: "items",
                for (item, a, comment) in others {
                    li { key: "{item.key()}",
                        "{say(lang, &item)}: " strong { "{answer_label(lang, a)}" }
                        if !comment.is_empty() { br {} span { class: "comment", "{comment}" } }
                    }
                }
            }
            if let Some(at) = read_back {
                p { class: "phase", "{t(lang, T::ReadBackAt)} {format_date_time(at)}" }
            } else {
                button { class: "primary big", onclick: move |_| {
                    let at = now_ms();
                    edit(id, "read_back_at", move |r| if let Record::Inspection(i) = r { i.read_back_at.get_or_insert(at); });
                }, "{t(lang, T::AcknowledgeReadBack)}" }
            }
            button { class: "big", onclick: move |_| go(Screen::Inspection(id)), "{t(lang, T::Back)}" }
            button { class: if read_back.is_some() { "primary big" } else { "big" }, onclick: move |_| go(Screen::Home), "{t(lang, T::Save)}" }
        }
    }
}
