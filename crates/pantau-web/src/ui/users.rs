//! User management: national admins create users and reset passwords; others see the users of
//! their scope.

use super::{render, saved};
use crate::AppState;
use crate::auth::CurrentUser;
use crate::error::AppError;
use crate::page::Page;
use askama::Template;
use axum::Form;
use axum::extract::{Path, State};
use axum::response::Response;
use pantau_core::access::{Permission, Role};
use pantau_db::Actor;
use pantau_db::offices::{self, Office};
use pantau_db::users::{self, GrantView, NewUser, User};
use serde::Deserialize;

#[derive(Template)]
#[template(path = "users.html")]
struct UsersPage {
    page: Page,
    users: Vec<(User, Vec<GrantView>)>,
    roles: Vec<Role>,
    offices: Vec<Office>,
    institutions: Vec<pantau_db::sni::institutions::Institution>,
    tabs: Vec<(&'static str, String)>,
}

pub async fn list(
    State(state): State<AppState>,
    user: CurrentUser,
    page: Page,
) -> Result<Response, AppError> {
    let p = user.principal();
    may_see_users(p)?;
    // Offices where this user may grant roles.
    let offices = offices::in_scope(&state.db, p)
        .await?
        .into_iter()
        .filter(|o| p.can(Permission::ManageUsers, &o.office_path()))
        .collect();
    render(UsersPage {
        tabs: super::lists::tabs(super::lists::Group::Users),
        users: users::list(&state.db, p).await?,
        // Unit reporters are made on their unit's page, bound to it.
        roles: Role::ALL
            .into_iter()
            .filter(|r| *r != Role::UnitReporter)
            .collect(),
        institutions: pantau_db::sni::institutions::list(&state.db, p).await?,
        offices,
        page,
    })
}

#[derive(Deserialize)]
pub struct CreateForm {
    username: String,
    full_name: String,
    #[serde(default)]
    email: String,
    role: String,
    office_id: i64,
    password: String,
    /// Only for institution operators: the institution their role reaches.
    #[serde(default)]
    institution_id: String,
}

pub async fn create(
    State(state): State<AppState>,
    user: CurrentUser,
    Form(f): Form<CreateForm>,
) -> Result<Response, AppError> {
    let role = Role::parse(&f.role)
        .ok_or_else(|| AppError::BadRequest(format!("peran {:?} tidak dikenal", f.role)))?;
    let created = users::create(
        &state.db,
        Actor::User(user.principal()),
        NewUser {
            username: f.username,
            full_name: f.full_name,
            email: f.email,
            password: f.password,
            grants: vec![(role, f.office_id)],
            institution_id: f.institution_id.parse().ok(),
            unit_id: None,
        },
    )
    .await?;
    Ok(saved(&format!("/pengguna/{}", created.id), "users-created"))
}

#[derive(Template)]
#[template(path = "user.html")]
struct UserPage {
    page: Page,
    user: User,
    grants: Vec<GrantView>,
    /// The user's API tokens, for those who manage it.
    tokens: Option<Vec<pantau_db::tokens::ApiToken>>,
}

pub async fn show(
    State(state): State<AppState>,
    user: CurrentUser,
    page: Page,
    Path(id): Path<i64>,
) -> Result<Response, AppError> {
    may_see_users(user.principal())?;
    let (u, grants) = users::get(&state.db, user.principal(), id).await?;
    let tokens = pantau_db::tokens::list_for(&state.db, Actor::User(user.principal()), id)
        .await
        .ok();
    render(UserPage {
        page,
        user: u,
        grants,
        tokens,
    })
}

#[derive(Deserialize)]
pub struct PasswordForm {
    password: String,
}

pub async fn reset_password(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
    Form(f): Form<PasswordForm>,
) -> Result<Response, AppError> {
    if id == user.principal().user_id {
        // Changing one's own password goes through the account page, which asks for the old one.
        return Err(AppError::BadRequest(
            "gunakan halaman Akun untuk kata sandi sendiri".into(),
        ));
    }
    users::set_password(&state.db, Actor::User(user.principal()), id, &f.password).await?;
    state.sessions.forget_user(id);
    Ok(saved(&format!("/pengguna/{id}"), "users-password-set"))
}

#[derive(Deserialize)]
pub struct ActiveForm {
    active: String,
}

/// Disables an account (ending its sessions and tokens at once) or enables it again.
pub async fn set_active(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
    Form(f): Form<ActiveForm>,
) -> Result<Response, AppError> {
    let active = f.active == "1";
    users::set_active(&state.db, Actor::User(user.principal()), id, active).await?;
    if !active {
        state.sessions.forget_user(id);
    }
    let done = if active {
        "users-enabled-done"
    } else {
        "users-disabled-done"
    };
    Ok(saved(&format!("/pengguna/{id}"), done))
}

#[derive(Deserialize)]
pub struct RevokeForm {
    token_id: i64,
}

/// Revokes one of a managed user's API tokens.
pub async fn revoke_token(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
    Form(f): Form<RevokeForm>,
) -> Result<Response, AppError> {
    pantau_db::tokens::revoke(&state.db, Actor::User(user.principal()), id, f.token_id).await?;
    Ok(saved(
        &format!("/pengguna/{id}#token"),
        "users-token-revoked-done",
    ))
}

/// Accounts are shown to those who manage users or read the audit trail (its entries name them).
fn may_see_users(p: &pantau_core::access::Principal) -> Result<(), AppError> {
    if p.may_see_users() {
        Ok(())
    } else {
        Err(AppError::Forbidden)
    }
}
