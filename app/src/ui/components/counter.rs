//! A one-tap counter with big − and + buttons.

use dioxus::prelude::*;

#[component]
pub fn Counter(label: String, value: i64, on_change: EventHandler<i64>) -> Element {
    rsx! {
        div { class: "counter",
            span { class: "label", id: "{label}-label", "{label}" }
            button { "aria-label": "{label} −1", disabled: value <= 0, onclick: move |_| on_change.call(-1), "−" }
            span { class: "value", "aria-labelledby": "{label}-label", "{value}" }
            button { class: "primary", "aria-label": "{label} +1", onclick: move |_| on_change.call(1), "+" }
        }
    }
}
