//! Accounts on the pages, for administrators (`shared::roles`): the list,
//! a new account with its roles and a first password to hand over, and per
//! account: its roles, disable or enable, a new first password, a reset of
//! the authenticator app. Every change is in the security log with who
//! made it (`db::accounts`). The user's own new password after a reset is
//! `/sign-in/new-password`.

use axum::extract::{Form, Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use maud::html;
use shared::roles::Role;
use shared::PoliceAreaId;
use uuid::Uuid;

use super::lang::Lang;
use super::layout::page;
use super::session::{HalfSignedIn, SignedIn};
use crate::db::accounts::{self, Admin, Reach};
use crate::db::coordinators;
use crate::db::municipalities;
use crate::error::Error;
use crate::http::AppState;
use crate::peer_rate::PeerAddress;

/// The server's municipalities and police areas, for the account forms.
type Places = (
    Vec<shared::municipality::Municipality>,
    Vec<(PoliceAreaId, String, bool)>,
);

async fn places(state: &AppState) -> Result<Places, Error> {
    state
        .db
        .read(|c| Ok((municipalities::all(c)?, municipalities::police_areas(c)?)))
        .await
}

fn roles_fieldset(l: Lang, held: &[Role], reach: &Reach, places: &Places) -> maud::Markup {
    html! {
        fieldset {
            legend { (l.t("Roles")) }
            @for r in Role::ALL {
                label {
                    input type="checkbox" name="role" value=(r.as_str()) checked[held.contains(&r)];
                    " " (l.say(&r))
                }
            }
        }
        fieldset {
            legend { (l.t("Municipalities (a municipal coordinator's and a council member's)")) }
            @if places.0.is_empty() { p.muted { (l.t("No municipality yet: make one on the municipalities page.")) } }
            @for m in &places.0 {
                label {
                    input type="checkbox" name="municipality" value=(m.id) checked[reach.municipalities.contains(&m.id)];
                    " " (m.name)
                }
            }
        }
        @if !places.1.is_empty() {
            fieldset {
                legend { (l.t("Police areas (a police-area coordinator's: every municipality of the area)")) }
                @for (id, name, _) in &places.1 {
                    label {
                        input type="checkbox" name="police_area" value=(id) checked[reach.police_areas.contains(id)];
                        " " (name)
                    }
                }
            }
        }
    }
}

/// The municipalities and police areas ticked on a form, of those there are.
fn reach_in(pairs: &[(String, String)], places: &Places) -> Reach {
    let ticked = |name: &str| -> Vec<Uuid> {
        pairs
            .iter()
            .filter(|(k, _)| k == name)
            .filter_map(|(_, v)| Uuid::parse_str(v).ok())
            .collect()
    };
    let (ms, areas) = (ticked("municipality"), ticked("police_area"));
    Reach {
        municipalities: places
            .0
            .iter()
            .map(|m| m.id)
            .filter(|m| ms.contains(&m.0))
            .collect(),
        police_areas: places
            .1
            .iter()
            .map(|(a, ..)| *a)
            .filter(|a| areas.contains(&a.0))
            .collect(),
    }
}

pub async fn list(State(state): State<AppState>, me: SignedIn, l: Lang) -> Result<Response, Error> {
    let all = state.db.read(accounts::list).await?;
    let places = places(&state).await?;
    let name_of = |id: &shared::MunicipalityId| {
        places
            .0
            .iter()
            .find(|m| m.id == *id)
            .map(|m| m.name.clone())
            .unwrap_or_default()
    };
    Ok(page(
        l,
        l.t("Accounts"),
        Some(me.header()),
        html! {
            table {
                thead { tr { th { (l.t("Name")) } th { (l.t("User name")) } th { (l.t("Roles")) } th { (l.t("Municipalities")) } th { (l.t("State")) } } }
                tbody {
                    @for a in &all {
                        tr {
                            td { a href=(format!("/accounts/{}", a.id)) { (a.display_name) } @if a.demo { " (demo)" } }
                            td { code { (a.username) } }
                            td { (a.roles.iter().map(|r| l.say(r)).collect::<Vec<_>>().join(", ")) }
                            td { (a.municipalities.iter().map(name_of).collect::<Vec<_>>().join(", ")) }
                            td {
                                @if a.disabled { (l.t("Disabled")) }
                                @else if a.must_change_password { (l.t("Sets a new password at the next sign-in")) }
                                @else if !a.has_app && !a.demo { (l.t("Sets up the authenticator app at the next sign-in")) }
                                @else { (l.t("In use")) }
                            }
                        }
                    }
                }
            }
            h2 { (l.t("New account")) }
            form method="post" action="/accounts" {
                input type="hidden" name="csrf" value=(me.0.csrf);
                label for="username" { (l.t("User name")) }
                input #username name="username" required maxlength="64" autocomplete="off";
                label for="display_name" { (l.t("Name")) }
                input #display_name name="display_name" required maxlength="200" autocomplete="off";
                label for="password" { (l.t("First password (at least 12 characters; the user sets their own at the first sign-in)")) }
                input #password name="password" type="password" required minlength="12" autocomplete="new-password";
                (roles_fieldset(l, &[], &Reach::default(), &places))
                p { button type="submit" { (l.t("Create the account")) } }
            }
        },
    )
    .into_response())
}

/// A form with repeated `role` fields (one per ticked box), which axum's
/// `Form` (serde_urlencoded) does not read into a list: parsed as pairs.
pub(super) fn form_pairs(body: &str) -> Vec<(String, String)> {
    form_urlencoded::parse(body.as_bytes())
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect()
}

pub(super) fn field<'a>(pairs: &'a [(String, String)], name: &str) -> &'a str {
    pairs
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
        .unwrap_or("")
}

fn roles_in(pairs: &[(String, String)]) -> Vec<Role> {
    pairs
        .iter()
        .filter(|(k, _)| k == "role")
        .filter_map(|(_, v)| Role::parse(v))
        .collect()
}

pub async fn create(
    State(state): State<AppState>,
    me: SignedIn,
    PeerAddress(source): PeerAddress,
    body: String,
) -> Result<Response, Error> {
    let pairs = form_pairs(&body);
    me.check_csrf(field(&pairs, "csrf"))?;
    let (username, display_name, password) = (
        field(&pairs, "username").to_string(),
        field(&pairs, "display_name").to_string(),
        field(&pairs, "password").to_string(),
    );
    let roles = roles_in(&pairs);
    let reach = reach_in(&pairs, &places(&state).await?);
    let by = Admin {
        username: me.0.username.clone(),
        source,
    };
    let now = state.clock.now_ms();
    let id = state
        .db
        .write(move |c| {
            accounts::create(
                c,
                &username,
                &display_name,
                &password,
                &roles,
                &reach,
                &by,
                now,
            )
        })
        .await?;
    Ok(Redirect::to(&format!("/accounts/{id}")).into_response())
}

fn parse_id(id: &str) -> Result<Uuid, Error> {
    Uuid::parse_str(id).map_err(|_| Error::NotFound)
}

pub async fn show(
    State(state): State<AppState>,
    me: SignedIn,
    l: Lang,
    Path(id): Path<String>,
) -> Result<Response, Error> {
    let id = parse_id(&id)?;
    let a = state
        .db
        .read(move |c| accounts::get(c, id))
        .await?
        .ok_or(Error::NotFound)?;
    let csrf = &me.0.csrf;
    let action = format!("/accounts/{id}");
    let places = places(&state).await?;
    let reach = Reach {
        municipalities: a.municipalities.clone(),
        police_areas: a.police_areas.clone(),
    };
    Ok(page(
        l,
        &a.display_name,
        Some(me.header()),
        html! {
            p { (l.t("User name")) ": " code { (a.username) } @if a.demo { " (demo)" } }
            form method="post" action=(action) {
                input type="hidden" name="csrf" value=(csrf);
                input type="hidden" name="action" value="roles";
                (roles_fieldset(l, &a.roles, &reach, &places))
                p { button type="submit" { (l.t("Save the roles")) } }
            }
            form method="post" action=(action) {
                input type="hidden" name="csrf" value=(csrf);
                @if a.disabled {
                    input type="hidden" name="action" value="enable";
                    p { button type="submit" { (l.t("Enable the account again")) } }
                } @else {
                    input type="hidden" name="action" value="disable";
                    p { button.danger type="submit" { (l.t("Disable the account (its sessions end)")) } }
                }
            }
            form method="post" action=(action) {
                input type="hidden" name="csrf" value=(csrf);
                input type="hidden" name="action" value="password";
                label for="password" { (l.t("New first password (the user sets their own at the next sign-in)")) }
                input #password name="password" type="password" required minlength="12" autocomplete="new-password";
                p { button type="submit" { (l.t("Reset the password")) } }
            }
            form method="post" action=(action) {
                input type="hidden" name="csrf" value=(csrf);
                input type="hidden" name="action" value="second_factor";
                p { button type="submit" { (l.t("Reset the authenticator app (a lost phone)")) } }
            }
            p { a href="/accounts" { (l.t("Back to the accounts")) } }
        },
    )
    .into_response())
}

pub async fn change(
    State(state): State<AppState>,
    me: SignedIn,
    PeerAddress(source): PeerAddress,
    Path(id): Path<String>,
    body: String,
) -> Result<Response, Error> {
    let pairs = form_pairs(&body);
    me.check_csrf(field(&pairs, "csrf"))?;
    let id = parse_id(&id)?;
    let by = Admin {
        username: me.0.username.clone(),
        source,
    };
    let now = state.clock.now_ms();
    let action = field(&pairs, "action").to_string();
    let password = field(&pairs, "password").to_string();
    let roles = roles_in(&pairs);
    let reach = reach_in(&pairs, &places(&state).await?);
    let roles_after = (action == "roles").then_some(roles.as_slice());
    if !shared::roles::may_change_account(id == me.0.id, action == "disable", roles_after) {
        return Err(Error::BadRequest {
            code: shared::sync::ErrorCode::BadCoordinator,
            message: "you cannot disable your own account or take your own administrator role"
                .into(),
        });
    }
    state
        .db
        .write(move |c| match action.as_str() {
            "roles" => accounts::change_roles(c, id, &roles, &reach, &by, now),
            "disable" => accounts::set_disabled(c, id, true, &by, now),
            "enable" => accounts::set_disabled(c, id, false, &by, now),
            "password" => accounts::reset_password(c, id, &password, &by, now),
            "second_factor" => accounts::reset_second_factor(c, id, &by, now),
            _ => Err(Error::BadRequest {
                code: shared::sync::ErrorCode::BadCoordinator,
                message: "unknown account change".into(),
            }),
        })
        .await?;
    Ok(Redirect::to(&format!("/accounts/{id}")).into_response())
}

#[derive(serde::Deserialize)]
pub struct NewPassword {
    csrf: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    again: String,
}

fn new_password_form(l: Lang, me: &HalfSignedIn, message: Option<&str>) -> maud::Markup {
    page(
        l,
        l.t("Choose a new password"),
        None,
        html! {
            p { (l.t("An administrator gave you a first password. Choose your own: at least 12 characters, one you use nowhere else.")) }
            @if let Some(m) = message { p.error role="alert" { (m) } }
            form method="post" action="/sign-in/new-password" {
                input type="hidden" name="csrf" value=(me.coordinator.csrf);
                label for="password" { (l.t("New password")) }
                input #password name="password" type="password" required minlength="12" autocomplete="new-password";
                label for="again" { (l.t("The same again")) }
                input #again name="again" type="password" required minlength="12" autocomplete="new-password";
                p { button type="submit" { (l.t("Save the password")) } }
            }
        },
    )
}

/// The user's own password after an administrator's reset, asked once the
/// session is whole and before any other page.
pub async fn new_password_page(l: Lang, me: HalfSignedIn) -> Response {
    if !me.coordinator.whole {
        return Redirect::to("/sign-in/code").into_response();
    }
    if !me.coordinator.must_change_password {
        return Redirect::to("/").into_response();
    }
    new_password_form(l, &me, None).into_response()
}

pub async fn set_new_password(
    State(state): State<AppState>,
    l: Lang,
    PeerAddress(source): PeerAddress,
    me: HalfSignedIn,
    Form(form): Form<NewPassword>,
) -> Result<Response, Error> {
    me.check_csrf(&form.csrf)?;
    if !me.coordinator.whole || !me.coordinator.must_change_password {
        return Ok(Redirect::to("/").into_response());
    }
    if form.password != form.again {
        return Ok((
            axum::http::StatusCode::BAD_REQUEST,
            new_password_form(l, &me, Some(l.t("The two passwords differ."))),
        )
            .into_response());
    }
    let password = form.password;
    let hash = match tokio::task::spawn_blocking(move || coordinators::hash_password(&password))
        .await
        .map_err(Error::internal)?
    {
        Ok(h) => h,
        Err(_) => {
            return Ok((
                axum::http::StatusCode::BAD_REQUEST,
                new_password_form(
                    l,
                    &me,
                    Some(l.t("A password must have at least 12 characters.")),
                ),
            )
                .into_response())
        }
    };
    let (id, now) = (me.coordinator.id, state.clock.now_ms());
    state
        .db
        .write(move |c| coordinators::change_password(c, id, &hash, &source, now))
        .await?;
    Ok(Redirect::to(shared::roles::home(&me.coordinator.roles)).into_response())
}

/// `/`: the first page the account's roles open, or the sign-in.
pub async fn root(me: HalfSignedIn) -> Response {
    if !me.coordinator.whole {
        return Redirect::to("/sign-in/code").into_response();
    }
    if me.coordinator.must_change_password {
        return Redirect::to("/sign-in/new-password").into_response();
    }
    Redirect::to(shared::roles::home(&me.coordinator.roles)).into_response()
}
