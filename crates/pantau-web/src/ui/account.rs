//! The signed-in user's own account: roles and password change.

use super::{render, saved};
use crate::AppState;
use crate::auth::{ClientAddress, CurrentUser};
use crate::error::AppError;
use crate::page::Page;
use askama::Template;
use axum::Form;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use pantau_db::tokens::{self, ApiToken};
use pantau_db::users::{self, GrantView};
use pantau_db::{Actor, DbError, throttle};
use serde::Deserialize;

#[derive(Template)]
#[template(path = "account.html")]
struct AccountPage {
    page: Page,
    grants: Vec<GrantView>,
    error: Option<String>,
    tokens: Vec<ApiToken>,
    /// A token just made: shown this once, never again.
    new_token: Option<String>,
    /// Longest lifetime a new token may have (a setting).
    max_days: i64,
}

pub async fn show(
    State(state): State<AppState>,
    user: CurrentUser,
    page: Page,
) -> Result<Response, AppError> {
    let p = user.principal();
    let (_, grants) = users::get(&state.db, p, p.user_id).await?;
    render(AccountPage {
        page,
        grants,
        error: None,
        tokens: tokens::list_for(&state.db, Actor::User(p), p.user_id).await?,
        new_token: None,
        max_days: tokens::max_days(&state.db).await?,
    })
}

#[derive(Deserialize)]
pub struct ChangeForm {
    current: String,
    password: String,
}

/// Counts a password confirmation against the sign-in throttle, like a sign-in: a session
/// cannot be used to guess its own account's password faster than the sign-in form allows.
async fn throttled(state: &AppState, username: &str, address: &str) -> Result<(), AppError> {
    match throttle::attempt(&state.db, &state.config.login, username, address).await? {
        Ok(()) => Ok(()),
        Err(wait) => Err(AppError::TooManyAttempts {
            minutes: wait.div_ceil(60).max(1),
        }),
    }
}

pub async fn change_password(
    State(state): State<AppState>,
    user: CurrentUser,
    page: Page,
    ClientAddress(address): ClientAddress,
    Form(f): Form<ChangeForm>,
) -> Result<Response, AppError> {
    let p = user.principal();
    let (_, grants) = users::get(&state.db, p, p.user_id).await?;
    let existing = tokens::list_for(&state.db, Actor::User(p), p.user_id).await?;
    let max_days = tokens::max_days(&state.db).await?;
    let refuse = |page: Page, grants, msg: String| -> Result<Response, AppError> {
        let body = AccountPage {
            page,
            grants,
            error: Some(msg),
            tokens: existing.clone(),
            new_token: None,
            max_days,
        }
        .render()?;
        Ok((StatusCode::UNPROCESSABLE_ENTITY, Html(body)).into_response())
    };
    throttled(&state, &p.username, &address).await?;
    if users::authenticate(&state.db, &p.username, &f.current)
        .await?
        .is_none()
    {
        let msg = page.t("account-wrong-password");
        return refuse(page, grants, msg);
    }
    throttle::succeeded(&state.db, &state.config.login, &p.username, &address).await?;
    match users::set_password(&state.db, Actor::User(p), p.user_id, &f.password).await {
        // Changing the password ends every session, this one included: sign in again.
        Ok(()) => Ok(saved("/login", "users-password-set")),
        Err(DbError::Invalid(msg)) => {
            let text = page.i18n.render(page.lang, &msg);
            refuse(page, grants, text)
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Deserialize)]
pub struct TokenForm {
    name: String,
    days: i64,
    /// The account's password, asked again.
    password: String,
}

/// Makes an API token for the signed-in user and shows it once.
pub async fn create_token(
    State(state): State<AppState>,
    user: CurrentUser,
    page: Page,
    ClientAddress(address): ClientAddress,
    Form(f): Form<TokenForm>,
) -> Result<Response, AppError> {
    let p = user.principal();
    let (_, grants) = users::get(&state.db, p, p.user_id).await?;
    throttled(&state, &p.username, &address).await?;
    let made = tokens::create(
        &state.db,
        Actor::User(p),
        p.user_id,
        &f.name,
        f.days,
        &f.password,
    )
    .await;
    let (token, error) = match made {
        Ok((token, _)) => {
            throttle::succeeded(&state.db, &state.config.login, &p.username, &address).await?;
            (Some(token), None)
        }
        Err(DbError::Invalid(msg)) => (None, Some(page.i18n.render(page.lang, &msg))),
        Err(e) => return Err(e.into()),
    };
    let status = if error.is_some() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    let body = AccountPage {
        page,
        grants,
        error,
        tokens: tokens::list_for(&state.db, Actor::User(p), p.user_id).await?,
        new_token: token,
        max_days: tokens::max_days(&state.db).await?,
    }
    .render()?;
    Ok((status, Html(body)).into_response())
}

#[derive(Deserialize)]
pub struct RevokeForm {
    id: i64,
}

pub async fn revoke_token(
    State(state): State<AppState>,
    user: CurrentUser,
    Form(f): Form<RevokeForm>,
) -> Result<Response, AppError> {
    let p = user.principal();
    tokens::revoke(&state.db, Actor::User(p), p.user_id, f.id).await?;
    Ok(saved("/akun#token", "account-token-revoked"))
}
