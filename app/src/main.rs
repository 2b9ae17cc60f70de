//! The officer app's window. For now a placeholder that shows the device's
//! enrolment and sync state; the screens come with the app's own issue.

use dioxus::prelude::*;

fn main() {
    dioxus::launch(App);
}

#[component]
fn App() -> Element {
    rsx! {
        main {
            style: "font-family: sans-serif; padding: 16px;",
            h1 { "Trygghetslogg" }
            p { "Fältlogg för medborgarlöften – under uppbyggnad." }
        }
    }
}
