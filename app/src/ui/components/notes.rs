//! A free-text field with the reminder that no names or personal identity
//! numbers belong there, and a warning when the text looks like one. Every
//! keystroke is written to the store as it is made.

use dioxus::prelude::*;
use shared::validation::contains_personal_identity_number;

use crate::ui::i18n::{say, t, Lang, T};

#[component]
pub fn NotesField(
    id: String,
    label: String,
    value: String,
    lang: Lang,
    on_input: EventHandler<String>,
) -> Element {
    let warn = contains_personal_identity_number(&value);
    rsx! {
        label { r#for: "{id}", "{label}" }
        p { class: "reminder", id: "{id}-reminder", "⚠ {t(lang, T::NotesReminder)}" }
        textarea {
            id: "{id}",
            "aria-describedby": "{id}-reminder",
            initial_value: "{value}",
            oninput: move |e| on_input.call(e.value()),
        }
        if warn { p { class: "problem", role: "alert", "{label} {say(lang, &shared::validation::ProblemKind::PersonalIdentityNumber)}" } }
    }
}
