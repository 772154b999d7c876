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
use pantau_db::users::{self, GrantView};
use pantau_db::{Actor, DbError};
use serde::Deserialize;

#[derive(Template)]
#[template(path = "account.html")]
struct AccountPage {
    page: Page,
    grants: Vec<GrantView>,
    error: Option<String>,
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
    let refuse = |page: Page, grants, msg: String| -> Result<Response, AppError> {
        let body = AccountPage {
            page,
            grants,
            error: Some(msg),
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
