//! The signed-in user's own account: roles and password change.

use super::{render, saved};
use crate::AppState;
use crate::auth::CurrentUser;
use crate::error::AppError;
use crate::page::Page;
use askama::Template;
use axum::Form;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use pantau_db::tokens::{self, ApiToken};
use pantau_db::users::{self, GrantView};
use pantau_db::{Actor, DbError};
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
}

pub async fn show(
    State(state): State<AppState>,
    user: CurrentUser,
    page: Page,
) -> Result<Response, AppError> {
    let (_, grants) = users::get(&state.db, user.principal(), user.principal().user_id).await?;
    render(AccountPage {
        page,
        grants,
        error: None,
        tokens: tokens::list(&state.db, user.principal().user_id).await?,
        new_token: None,
    })
}

#[derive(Deserialize)]
pub struct ChangeForm {
    current: String,
    password: String,
}

pub async fn change_password(
    State(state): State<AppState>,
    user: CurrentUser,
    page: Page,
    Form(f): Form<ChangeForm>,
) -> Result<Response, AppError> {
    let p = user.principal();
    let (_, grants) = users::get(&state.db, p, p.user_id).await?;
    let existing = tokens::list(&state.db, p.user_id).await?;
    let refuse = |page: Page, grants, msg: String| -> Result<Response, AppError> {
        let body = AccountPage {
            page,
            grants,
            error: Some(msg),
            tokens: existing.clone(),
            new_token: None,
        }
        .render()?;
        Ok((StatusCode::UNPROCESSABLE_ENTITY, Html(body)).into_response())
    };
    if users::authenticate(&state.db, &p.username, &f.current)
        .await?
        .is_none()
    {
        let msg = page.t("account-wrong-password");
        return refuse(page, grants, msg);
    }
    match users::set_password(&state.db, Actor::User(p), p.user_id, &f.password).await {
        // Changing the password ends every session, this one included: sign in again.
        Ok(()) => Ok(saved("/login", "users-password-set")),
        Err(DbError::Invalid(msg)) => refuse(page, grants, msg),
        Err(e) => Err(e.into()),
    }
}

#[derive(Deserialize)]
pub struct TokenForm {
    name: String,
    days: i64,
}

/// Makes an API token for the signed-in user and shows it once.
pub async fn create_token(
    State(state): State<AppState>,
    user: CurrentUser,
    page: Page,
    Form(f): Form<TokenForm>,
) -> Result<Response, AppError> {
    let p = user.principal();
    let (_, grants) = users::get(&state.db, p, p.user_id).await?;
    let (token, error) =
        match tokens::create(&state.db, Actor::User(p), p.user_id, &f.name, f.days).await {
            Ok((token, _)) => (Some(token), None),
            Err(DbError::Invalid(msg)) => (None, Some(msg)),
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
        tokens: tokens::list(&state.db, p.user_id).await?,
        new_token: token,
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
