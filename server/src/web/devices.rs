//! Devices and officers: create a one-time enrolment code for an officer,
//! list the enrolled devices with their last sync, revoke a lost phone.

use axum::extract::{Form, Path, State};
use axum::http::StatusCode;
use axum::http::{header, HeaderMap};
use axum::response::{IntoResponse, Redirect, Response};
use maud::{html, Markup, PreEscaped};
use shared::domain::Organisation;
use uuid::Uuid;

use super::lang::Lang;
use super::layout::page;
use super::session::{CsrfOnly, SignedIn};
use crate::db::identity::{self, DeviceInfo};
use crate::db::municipalities::{self, OfficerRow};
use crate::error::Error;
use crate::http::AppState;
use shared::municipality::Municipality;
use shared::{MunicipalityId, OfficerId};

fn when(l: Lang, ms: Option<i64>) -> String {
    ms.map(shared::local_time::format_date_time)
        .unwrap_or_else(|| (l.t("never")).into())
}

/// The address phones reach this server at, as the coordinator's browser
/// reached it (the same machine name or proxy), over HTTPS when the pages
/// are served over TLS.
fn base_url(state: &AppState, headers: &HeaderMap) -> String {
    let host = headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .filter(|h| !h.is_empty() && h.chars().all(|c| c.is_ascii_graphic()))
        .unwrap_or("localhost");
    let scheme = if state.secure_cookies {
        "https"
    } else {
        "http"
    };
    format!("{scheme}://{host}")
}

/// The link as a QR code (SVG drawn by the `qrcode` crate: modules only,
/// no text from the request in it).
fn qr_svg(link: &str) -> Option<String> {
    let code = qrcode::QrCode::new(link.as_bytes()).ok()?;
    Some(
        code.render::<qrcode::render::svg::Color<'_>>()
            .min_dimensions(224, 224)
            .quiet_zone(true)
            .build(),
    )
}

/// What the devices page shows one account: the officers it sees and
/// their devices, and the municipalities it may place officers in.
struct Seen {
    officers: Vec<OfficerRow>,
    devices: Vec<DeviceInfo>,
    /// The municipalities this account places officers in: an
    /// administrator's every one, a coordinator's own.
    choosable: Vec<Municipality>,
}

async fn seen(state: &AppState, me: &SignedIn) -> Result<Seen, Error> {
    let every = shared::roles::sees_every_officer(&me.0.roles);
    let scope: Vec<MunicipalityId> = me.0.municipalities.iter().map(|m| m.id).collect();
    let own = me.0.municipalities.clone();
    state
        .db
        .read(move |c| {
            let officers = municipalities::officers(c, (!every).then_some(scope.as_slice()))?;
            let ids: Vec<OfficerId> = officers.iter().map(|o| o.id).collect();
            Ok(Seen {
                devices: identity::list_devices(c, (!every).then_some(ids.as_slice()))?,
                officers,
                choosable: if every { municipalities::all(c)? } else { own },
            })
        })
        .await
}

fn devices_page(l: Lang, me: &SignedIn, seen: &Seen, notice: Option<Markup>) -> Markup {
    let csrf = &me.0.csrf;
    let devices = &seen.devices;
    page(
        l,
        l.t("Devices and officers"),
        Some(me.header()),
        html! {
            @if let Some(n) = notice { (n) }
            h2 { (l.t("Enrol a phone")) }
            form method="post" action="/devices/codes" {
                input type="hidden" name="csrf" value=(csrf);
                label for="officer" { (l.t("Name (as colleagues know them; no personal identity number)")) }
                input #officer name="officer" required maxlength="200";
                label for="organisation" { (l.t("Organisation")) }
                select #organisation name="organisation" {
                    option value="police" { (l.t("Police")) }
                    option value="municipality" { (l.t("Municipality")) }
                }
                p { button type="submit" { (l.t("Create enrolment code")) } }
            }
            h2 { (l.t("Officers and where they work")) }
            p.muted { (l.t("An officer's phone receives the hotspots, venues and plan of the municipalities they work in, and nothing of the others.")) }
            @if seen.officers.is_empty() { p.muted { (l.t("No officers yet.")) } }
            @else {
                table {
                    thead { tr { th { (l.t("Officer")) } th { (l.t("Works in")) } } }
                    tbody {
                        @for o in &seen.officers {
                            tr {
                                td { (o.name) }
                                td {
                                    form.inline method="post" action=(format!("/devices/officers/{}", o.id)) {
                                        input type="hidden" name="csrf" value=(csrf);
                                        @for m in &seen.choosable {
                                            label {
                                                input type="checkbox" name="municipality" value=(m.id) checked[o.works_in.contains(&m.id)];
                                                " " (m.name) " "
                                            }
                                        }
                                        button type="submit" { (l.t("Save")) }
                                        @if o.works_in.is_empty() { " " span.muted { (l.t("(works nowhere yet)")) } }
                                    }
                                }
                            }
                        }
                    }
                }
            }
            h2 { (l.t("Enrolled devices")) }
            @if devices.is_empty() { p.muted { (l.t("No devices yet.")) } }
            @else {
                table {
                    thead { tr { th { (l.t("Officer")) } th { (l.t("Device")) } th { (l.t("Enrolled")) } th { (l.t("Last sync")) } th { "" } } }
                    tbody {
                        @for d in devices {
                            tr {
                                td { (d.officer_name) } td { (d.name) }
                                td { (when(l, Some(d.enrolled_at))) } td { (when(l, d.last_sync_at)) }
                                td {
                                    @if let Some(at) = d.revoked_at { (l.t("revoked ")) (when(l, Some(at))) }
                                    @else {
                                        // Asks first, on a page of its own.
                                        a.button href=(format!("/devices/{}/revoke", d.id)) { (l.t("Revoke")) }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        },
    )
}

pub async fn show(State(state): State<AppState>, me: SignedIn, l: Lang) -> Result<Response, Error> {
    let seen = seen(&state, &me).await?;
    Ok(devices_page(l, &me, &seen, None).into_response())
}

/// Sets where an officer works, of the municipalities this account places
/// officers in (`shared::municipality::reassign`); an officer it does not
/// see is not found.
pub async fn place_officer(
    State(state): State<AppState>,
    me: SignedIn,
    Path(id): Path<Uuid>,
    body: String,
) -> Result<Response, Error> {
    let pairs = super::accounts::form_pairs(&body);
    me.check_csrf(super::accounts::field(&pairs, "csrf"))?;
    let seen = seen(&state, &me).await?;
    let officer = seen
        .officers
        .iter()
        .find(|o| o.id.0 == id)
        .ok_or(Error::NotFound)?;
    let scope: Vec<MunicipalityId> = seen.choosable.iter().map(|m| m.id).collect();
    let chosen: Vec<MunicipalityId> = pairs
        .iter()
        .filter(|(k, _)| k == "municipality")
        .filter_map(|(_, v)| Uuid::parse_str(v).ok().map(MunicipalityId))
        .collect();
    let after = shared::municipality::reassign(&officer.works_in, &scope, &chosen);
    let (who, now) = (officer.id, state.clock.now_ms());
    state
        .db
        .write(move |c| municipalities::set_officer_works_in(c, who, &after, now))
        .await?;
    tracing::info!(officer = %who, "officer's municipalities changed");
    Ok(Redirect::to("/devices").into_response())
}

#[derive(serde::Deserialize)]
pub struct NewCode {
    csrf: String,
    officer: String,
    organisation: String,
}

pub async fn create_code(
    State(state): State<AppState>,
    me: SignedIn,
    l: Lang,
    headers: HeaderMap,
    Form(form): Form<NewCode>,
) -> Result<Response, Error> {
    me.check_csrf(&form.csrf)?;
    let organisation = Organisation::parse(&form.organisation).ok_or(Error::BadRequest {
        code: shared::sync::ErrorCode::BadOrganisation,
        message: "choose police or municipality".into(),
    })?;
    let now = state.clock.now_ms();
    let officer = form.officer.clone();
    // The officer works in the municipality the code is made in (the
    // page's), besides any they work in already.
    let here = me.0.here.as_ref().map(|m| m.id);
    let every = shared::roles::sees_every_officer(&me.0.roles);
    let scope: Vec<MunicipalityId> = me.0.municipalities.iter().map(|m| m.id).collect();
    let result = state
        .db
        .write(move |c| {
            // A phone of an officer this account does not see (one who
            // works only in other municipalities) is enrolled by their own
            // coordinator: the phone would receive that officer's records.
            if let Some(existing) = identity::officer_named(c, &officer)? {
                let works_in = municipalities::officer_works_in(c, existing)?;
                if !shared::municipality::may_enrol(every, &scope, &works_in) {
                    return Err(Error::BadRequest {
                        code: shared::sync::ErrorCode::OtherMunicipality,
                        message: "that officer works in another municipality: their own coordinator enrols their phone".into(),
                    });
                }
            }
            let id = identity::officer_by_name(c, &officer, organisation, now)?;
            if let Some(here) = here {
                let current = municipalities::officer_works_in(c, id)?;
                let after = shared::municipality::works_in_adding(&current, &[here]);
                municipalities::set_officer_works_in(c, id, &after, now)?;
            }
            identity::create_enrolment_code(c, id, now)
        })
        .await;
    let seen = seen(&state, &me).await?;
    let (status, notice) = match result {
        Ok(code) => {
            let link = shared::enrolment_link::format(&base_url(&state, &headers), &code);
            (
                StatusCode::OK,
                html! { div.notice role="status" {
                    (l.t("Enrolment code for ")) (form.officer.trim()) (l.t(" (valid 24 hours, once): "))
                    span.code { (code) }
                    p { (l.t("Enrolment link (paste it into the app, or scan the code with the phone): ")) br; span.link { (link) } }
                    @if let Some(svg) = qr_svg(&link) { div.qr { (PreEscaped(svg)) } }
                } },
            )
        }
        Err(Error::BadRequest { code, message }) => (
            StatusCode::BAD_REQUEST,
            html! { p.error role="alert" { (l.error_message(code, &message)) } },
        ),
        Err(e) => return Err(e),
    };
    Ok((status, devices_page(l, &me, &seen, Some(notice))).into_response())
}

/// The question before a revocation: which phone, and what it means.
pub async fn confirm_revoke(
    State(state): State<AppState>,
    me: SignedIn,
    l: Lang,
    Path(id): Path<Uuid>,
) -> Result<Response, Error> {
    let seen = seen(&state, &me).await?;
    let d = seen
        .devices
        .iter()
        .find(|d| d.id == id && d.revoked_at.is_none())
        .ok_or(Error::NotFound)?;
    let csrf = &me.0.csrf;
    Ok(page(
        l,
        l.t("Revoke this phone?"),
        Some(me.header()),
        html! {
            p { strong { (d.officer_name) } " · " (d.name) " · " (l.t("Last sync")) " " (when(l, d.last_sync_at)) }
            p { (l.t("The phone can no longer sync. What it has not sent stays on it and is lost if the phone is wiped; ask the officer to sync first if it can.")) }
            form method="post" action=(format!("/devices/{}/revoke", d.id)) {
                input type="hidden" name="csrf" value=(csrf);
                button.danger type="submit" { (l.t("Yes, revoke")) }
                " "
                a.button href="/devices" { (l.t("Cancel")) }
            }
        },
    )
    .into_response())
}

pub async fn revoke(
    State(state): State<AppState>,
    me: SignedIn,
    Path(id): Path<Uuid>,
    Form(form): Form<CsrfOnly>,
) -> Result<Response, Error> {
    me.check_csrf(&form.csrf)?;
    // Only a device this account sees (its officers').
    if !seen(&state, &me).await?.devices.iter().any(|d| d.id == id) {
        return Err(Error::NotFound);
    }
    let now = state.clock.now_ms();
    if !state
        .db
        .write(move |c| identity::revoke(c, id, now))
        .await?
    {
        return Err(Error::NotFound);
    }
    tracing::info!(device = %id, "device revoked");
    Ok(Redirect::to("/devices").into_response())
}
