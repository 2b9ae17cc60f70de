//! The page shell: one stylesheet inline (no outside requests), a print
//! stylesheet that drops the navigation and keeps charts and tables whole.

use maud::{html, Markup, PreEscaped, DOCTYPE};
use shared::municipality::Municipality;
use shared::roles::Role;

use super::lang::Lang;

const CSS: &str = r#"
:root { --ink: #1b1f24; --muted: #5b6570; --line: #d5dae0; --accent: #1f5fa8; --ok: #2e7d32; --short: #b26a00; }
* { box-sizing: border-box; }
body { font: 15px/1.45 system-ui, sans-serif; color: var(--ink); margin: 0; }
header { background: #0f2f57; color: white; padding: .6rem 1rem; display: flex; gap: 1.2rem; align-items: center; flex-wrap: wrap; }
header a { color: white; }
header .who { margin-left: auto; }
header form { display: inline; }
header form.municipality label { display: inline; margin: 0; }
main { max-width: 72rem; margin: 0 auto; padding: 1rem; }
h1 { font-size: 1.5rem; margin: .4rem 0 1rem; }
h2 { font-size: 1.2rem; margin-top: 2rem; border-bottom: 1px solid var(--line); }
table { border-collapse: collapse; width: 100%; margin: .5rem 0 1rem; }
/* At phone width a wide table scrolls inside itself, never the page. */
@media (max-width: 40rem) {
  main { padding: .6rem; }
  table { display: block; overflow-x: auto; }
  .charts { grid-template-columns: 1fr; }
  header { gap: .6rem; }
}
th, td { text-align: left; padding: .3rem .5rem; border-bottom: 1px solid var(--line); vertical-align: top; }
td.n, th.n { text-align: right; font-variant-numeric: tabular-nums; }
.bar { background: #e8ecf1; border-radius: 3px; height: .9rem; min-width: 8rem; position: relative; }
.bar > span { display: block; height: 100%; border-radius: 3px; background: var(--short); }
.bar.met > span { background: var(--ok); }
.muted { color: var(--muted); }
.error { background: #fdecea; border: 1px solid #f5c2c0; padding: .6rem; border-radius: 4px; }
.notice { background: #e8f4ea; border: 1px solid #b9dcbf; padding: .6rem; border-radius: 4px; }
form.inline { display: inline; }
label { display: block; margin: .5rem 0 .2rem; }
input, select, button { font: inherit; padding: .35rem .5rem; }
button { background: var(--accent); color: white; border: 0; border-radius: 4px; cursor: pointer; }
a.button { display: inline-block; background: var(--accent); color: white; padding: .35rem .5rem; border-radius: 4px; text-decoration: none; }
button.danger { background: #a4161a; }
.qr svg { width: 14rem; height: 14rem; display: block; margin: .5rem 0; }
.link { font: 1rem monospace; overflow-wrap: anywhere; }
.charts { display: grid; grid-template-columns: repeat(auto-fill, minmax(34rem, 1fr)); gap: 1rem; }
.pair { display: flex; gap: .5rem; flex-wrap: wrap; }
.pair svg { display: block; }
.pair span { display: block; font-size: .8rem; }
figure { margin: 0; break-inside: avoid; }
figcaption { font-weight: 600; }
form.filters { display: flex; flex-wrap: wrap; gap: 0 1rem; align-items: end; }
fieldset label { display: block; }
.assessment { white-space: pre-wrap; border-left: 3px solid var(--accent); padding-left: .6rem; }
details { margin: .3rem 0 .6rem; }
.code { font: 600 1.6rem monospace; letter-spacing: .15rem; }
.summary { font-size: 1.05rem; }
section.keep { break-inside: avoid; }
table.initiatives { table-layout: fixed; }
table.initiatives col.title { width: 28%; } table.initiatives col.owner { width: 13%; }
table.initiatives col.num { width: 12%; } table.initiatives col.unit { width: 17%; } table.initiatives col.progress { width: 18%; }
table.initiatives td { overflow-wrap: break-word; } table.initiatives th { white-space: nowrap; overflow: hidden; text-overflow: ellipsis; }
.swatch { display: inline-block; width: .8rem; height: .8rem; vertical-align: -.1rem; border-radius: 2px; -webkit-print-color-adjust: exact; print-color-adjust: exact; }
.signatures { display: flex; gap: 3rem; margin-top: 2rem; break-inside: avoid; }
.signature { flex: 1; }
.signature .line { border-bottom: 1px solid var(--ink); height: 2.2rem; }
section.session h3 { font-size: 1rem; margin: 1rem 0 .2rem; }
table.changes th { width: 30%; font-weight: normal; color: var(--muted); }
table.changes td { overflow-wrap: anywhere; }
@media print {
  header, nav, form, .no-print { display: none !important; }
  body { font-size: 11pt; }
  main { max-width: none; padding: 0; }
  h2, h3, figcaption { break-after: avoid; }
  th, td { padding: .15rem .4rem; }
  tr, figure { break-inside: avoid; }
  .bar { border: 1px solid #999; }
  /* Browsers leave out backgrounds when printing; the bars are content. */
  .bar, .bar > span { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
}
"#;

/// A page for a signed-in coordinator (with the navigation), or a bare
/// page (`who` none: sign-in, public summary). `who` with an empty CSRF
/// token: the navigation without the sign-out form (an error page).
/// Whose page it is: the name beside "Sign out", the session's CSRF token
/// for that form, and the roles that decide which links the navigation
/// shows (`shared::roles`; the pages themselves check the same rule).
#[derive(Debug, Clone, Copy)]
pub struct Header<'a> {
    pub name: &'a str,
    pub csrf: &'a str,
    pub roles: &'a [Role],
    /// The municipalities the account's roles reach, and the one its
    /// pages show: a choice in the header when there are several.
    pub municipalities: &'a [Municipality],
    pub here: Option<&'a Municipality>,
}

impl<'a> Header<'a> {
    pub fn of(me: &'a crate::db::coordinators::Coordinator) -> Header<'a> {
        Header {
            name: &me.display_name,
            csrf: &me.csrf,
            roles: &me.roles,
            municipalities: &me.municipalities,
            here: me.here.as_ref(),
        }
    }

    /// An error page: the navigation stays (all of it: each page decides
    /// for itself), without the sign-out form.
    pub fn error_page() -> Header<'static> {
        Header {
            name: "",
            csrf: "",
            roles: &Role::ALL,
            municipalities: &[],
            here: None,
        }
    }
}

/// The navigation's links, each with the route it opens.
const NAV: &[(&str, &str)] = &[
    ("/follow-up", "Follow-up"),
    ("/records", "Records"),
    ("/access-log", "Access log"),
    ("/security-log", "Security log"),
    ("/quarantine", "Quarantine"),
    ("/reference", "Reference data"),
    ("/devices", "Devices"),
    ("/retention", "Retention"),
    ("/accounts", "Accounts"),
    ("/municipalities", "Municipalities"),
    ("/public", "Public summary"),
];

pub fn page(l: Lang, title: &str, who: Option<Header<'_>>, body: Markup) -> Markup {
    html! {
        (DOCTYPE)
        html lang=(l.tag()) {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { (title) " · Trygghetslogg" }
                style { (PreEscaped(CSS)) }
            }
            body {
                header {
                    strong { "Trygghetslogg" }
                    @if let Some(Header { name, csrf, roles, municipalities, here }) = who {
                        nav {
                            @let links: Vec<_> = NAV.iter().filter(|(route, _)| shared::roles::may_open(roles, route)).collect();
                            @for (i, (route, words)) in links.iter().enumerate() {
                                @if i > 0 { " · " }
                                a href=(route) { (l.t(words)) }
                            }
                        }
                        // Which municipality the pages show, and the
                        // others the account's roles reach.
                        @if municipalities.len() > 1 && !csrf.is_empty() {
                            form.municipality method="post" action="/municipality" {
                                input type="hidden" name="csrf" value=(csrf);
                                label for="municipality" { (l.t("Municipality shown")) " " }
                                select #municipality name="municipality" {
                                    @for m in municipalities {
                                        option value=(m.id) selected[here.is_some_and(|h| h.id == m.id)] { (m.name) }
                                    }
                                }
                                " " button type="submit" { (l.t("Show")) }
                            }
                        } @else if let Some(h) = here {
                            span.municipality { (h.name) }
                        }
                        // An error page keeps the links but has no session
                        // at hand (no name, no CSRF token) to sign out with.
                        @if !csrf.is_empty() {
                            span.who {
                                (name) " "
                                form method="post" action="/sign-out" {
                                    input type="hidden" name="csrf" value=(csrf);
                                    button type="submit" { (l.t("Sign out")) }
                                }
                            }
                        }
                    }
                }
                main { h1 { (title) } (body) }
            }
        }
    }
}

/// A progress bar of `percent` (capped at 100 for drawing).
pub fn bar(percent: u64, met: bool) -> Markup {
    html! {
        div.bar.met[met] role="img" aria-label=(format!("{percent} percent")) {
            span style=(format!("width:{}%", percent.min(100))) {}
        }
    }
}
