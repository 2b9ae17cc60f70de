//! A window probe for the automated UI test: when
//! `TRYGGHETSLOGG_UI_PROBE` names a file, the app writes into it, a few
//! times a second, what the real webview shows: the visible text and every
//! control with its label and on-screen centre. The test reads it to know
//! where to point and click (with the real pointer, through X11) and what
//! the officer would see. Off unless the variable is set; never contains
//! more than the screen itself shows.

use std::path::PathBuf;
use std::time::Duration;

use dioxus::prelude::*;

/// Runs in the page: text and controls, in CSS pixels from the window's
/// top left corner (the window has no menu bar, so the page starts there).
const SCRIPT: &str = r#"
const els = [...document.querySelectorAll('button, input, textarea, select, a, label, summary, [role=button], li')]
  .map(e => {
    const r = e.getBoundingClientRect();
    const cx = r.x + r.width / 2, cy = r.y + r.height / 2;
    const top = document.elementFromPoint(cx, cy);
    const hit = !!top && (top === e || e.contains(top) || (e.labels && [...e.labels].includes(top)));
    const label = e.labels && e.labels.length ? e.labels[0].innerText : (e.getAttribute('aria-label') || '');
    return { tag: e.tagName.toLowerCase(), id: e.id || '', text: (e.innerText || '').trim(), value: e.value === undefined ? '' : String(e.value),
             label: label.trim(), x: Math.round(cx), y: Math.round(cy), w: Math.round(r.width), h: Math.round(r.height),
             disabled: !!e.disabled, hit, focused: e === document.activeElement };
  });
const app = document.querySelector('.app') || document.body;
return { text: app.innerText, scroll_y: window.scrollY, height: window.innerHeight, at: performance.now(), els };
"#;

/// Where the probe writes, if anywhere.
pub fn probe_path() -> Option<PathBuf> {
    std::env::var_os("TRYGGHETSLOGG_UI_PROBE").map(PathBuf::from)
}

/// Writes the probe file every `TRYGGHETSLOGG_UI_PROBE_MS` (default 250)
/// milliseconds, atomically: a reader never sees half a file.
pub async fn run(path: PathBuf) {
    let tmp = path.with_extension("tmp");
    let every = std::env::var("TRYGGHETSLOGG_UI_PROBE_MS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(250u64)
        .max(5);
    loop {
        tokio::time::sleep(Duration::from_millis(every)).await;
        let Ok(value) = document::eval(SCRIPT).await else {
            continue;
        };
        let body = value.to_string();
        if std::fs::write(&tmp, body).is_ok() {
            let _ = std::fs::rename(&tmp, &path);
        }
    }
}
