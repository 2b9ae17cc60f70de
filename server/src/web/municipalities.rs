//! Municipalities on the pages: choosing which one the pages show (any
//! signed-in account, among those its roles reach), and for
//! administrators the list of municipalities and police areas with a form
//! to make one. The rules are `shared::municipality` and
//! `shared::roles::scope`.

use axum::extract::{Form, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum_extra::extract::cookie::CookieJar;
use maud::html;
use shared::MunicipalityId;
use uuid::Uuid;

use super::lang::Lang;
use super::layout::page;
use super::session::{SignedIn, SESSION_COOKIE};
use crate::db::{coordinators, municipalities};
use crate::error::Error;
use crate::http::AppState;

#[derive(serde::Deserialize)]
pub struct Choice {
    csrf: String,
    #[serde(default)]
    municipality: String,
}

/// `POST /municipality`: the pages show this municipality from now on;
/// one the account's roles do not reach is not found.
pub async fn choose(
    State(state): State<AppState>,
    me: SignedIn,
    jar: CookieJar,
    Form(form): Form<Choice>,
) -> Result<Response, Error> {
    me.check_csrf(&form.csrf)?;
    if form.municipality.is_empty() {
        return Err(Error::bad_input("choose a municipality"));
    }
    let m = Uuid::parse_str(&form.municipality)
        .map(MunicipalityId)
        .map_err(|_| Error::NotFound)?;
    me.must_reach(Some(m))?;
    let token = jar
        .get(SESSION_COOKIE)
        .map(|c| c.value().to_string())
        .ok_or(Error::NotFound)?;
    state
        .db
        .write(move |c| coordinators::choose_municipality(c, &token, m))
        .await?;
    Ok(Redirect::to(shared::roles::home(&me.0.roles)).into_response())
}

/// `/municipalities`: every municipality, its police area and public
/// address, and a form to make one.
pub async fn list(State(state): State<AppState>, me: SignedIn, l: Lang) -> Result<Response, Error> {
    let (all, areas) = state
        .db
        .read(|c| Ok((municipalities::all(c)?, municipalities::police_areas(c)?)))
        .await?;
    let area_name = |m: &shared::municipality::Municipality| {
        m.police_area
            .and_then(|a| areas.iter().find(|(id, ..)| *id == a))
            .map(|(_, name, _)| name.clone())
            .unwrap_or_default()
    };
    Ok(page(
        l,
        l.t("Municipalities"),
        Some(me.header()),
        html! {
            p.muted { (l.t("Each municipality has its own promise plan, hotspots, venues, follow-up and public summary. A police area's coordinator works in every municipality of the area.")) }
            @if all.is_empty() { p { (l.t("No municipality yet.")) } }
            @else {
                table {
                    thead { tr { th { (l.t("Name")) } th { (l.t("Police area")) } th { (l.t("Public summary")) } } }
                    tbody {
                        @for m in &all {
                            tr {
                                td { (m.name) @if m.demo { " (demo)" } }
                                td { (area_name(m)) }
                                td { a href=(format!("/public/{}", m.slug)) { "/public/" (m.slug) } }
                            }
                        }
                    }
                }
            }
            h2 { (l.t("New municipality")) }
            form method="post" action="/municipalities" {
                input type="hidden" name="csrf" value=(me.0.csrf);
                label for="name" { (l.t("Name")) }
                input #name name="name" required maxlength="80";
                label for="police_area" { (l.t("Police area (a new name makes a new area; empty: none)")) }
                input #police_area name="police_area" maxlength="80" list="areas";
                datalist #areas { @for (_, name, _) in &areas { option value=(name) {} } }
                p { button type="submit" { (l.t("Make the municipality")) } }
            }
        },
    )
    .into_response())
}

#[derive(serde::Deserialize)]
pub struct NewMunicipality {
    csrf: String,
    name: String,
    #[serde(default)]
    police_area: String,
}

pub async fn create(
    State(state): State<AppState>,
    me: SignedIn,
    Form(form): Form<NewMunicipality>,
) -> Result<Response, Error> {
    me.check_csrf(&form.csrf)?;
    let now = state.clock.now_ms();
    state
        .db
        .write(move |c| {
            let area = match form.police_area.trim() {
                "" => None,
                name => Some(municipalities::police_area(c, name, false)?),
            };
            municipalities::create(c, &form.name, area, false, now)
        })
        .await?;
    tracing::info!("municipality made");
    Ok(Redirect::to("/municipalities").into_response())
}
