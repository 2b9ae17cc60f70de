//! The visit timer: elapsed time, large, with the 10- and 15-minute marks
//! (Koper: about 10 minutes deters, returns diminish after 15).

use dioxus::prelude::*;
use shared::domain::Millis;
use shared::local_time::format_duration;

use crate::ui::i18n::{t, Lang, T};
use crate::ui::state::ui;

/// Where a visit of `elapsed` stands against the 10–15 minute window.
pub fn phase(elapsed: Millis) -> T {
    match elapsed / 60_000 {
        m if m < 10 => T::BeforeTen,
        m if m < 15 => T::InWindow,
        _ => T::PastFifteen,
    }
}

/// Reads the clock itself, so that only the timer (not the whole visit
/// screen, with its store reads) renders again every second.
#[component]
pub fn VisitTimer(started_at: Millis, ended_at: Option<Millis>, lang: Lang) -> Element {
    let running = ended_at.is_none();
    let elapsed = match ended_at {
        Some(end) => end - started_at,
        None => (ui().now)() - started_at,
    };
    // The track shows 0–20 minutes.
    let pct = (elapsed as f64 / (20.0 * 60_000.0) * 100.0).clamp(0.0, 100.0);
    let ten = if elapsed >= 600_000 {
        "mark passed"
    } else {
        "mark"
    };
    let fifteen = if elapsed >= 900_000 {
        "mark passed"
    } else {
        "mark"
    };
    let text = format_duration(elapsed);
    let phase_text = t(lang, phase(elapsed));
    rsx! {
        div { class: "timer", role: "timer", "aria-label": "{text}", "{text}" }
        div { class: "track", "aria-hidden": "true",
            div { class: "fill", style: "width: {pct:.1}%" }
            div { class: "{ten}", style: "left: 50%", span { "{t(lang, T::MarkTen)}" } }
            div { class: "{fifteen}", style: "left: 75%", span { "{t(lang, T::MarkFifteen)}" } }
        }
        if running { p { class: "phase", "{phase_text}" } }
    }
}
