//! The signed-in user's own account: roles, password change, API tokens, the daily digest.

use super::saved;
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
use pantau_db::{Actor, DbError, reminders, throttle};
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
    /// The account's address for the daily digest ("" when it has none).
    email: String,
    /// Whether it gets the daily digest.
    reminders: bool,
}

impl AccountPage {
    /// The page as stored now, without an error or a new token.
    async fn load(state: &AppState, user: &CurrentUser, page: Page) -> Result<Self, AppError> {
        let p = user.principal();
        let (me, grants) = users::get(&state.db, p, p.user_id).await?;
        Ok(AccountPage {
            page,
            grants,
            error: None,
            tokens: tokens::list_for(&state.db, Actor::User(p), p.user_id).await?,
            new_token: None,
            max_days: tokens::max_days(&state.db).await?,
            email: me.email,
            reminders: reminders::enabled(&state.db, p.user_id).await?,
        })
    }

    /// The page answered with `status`.
    fn answer(self, status: StatusCode) -> Result<Response, AppError> {
        Ok((status, Html(self.render()?)).into_response())
    }
}

pub async fn show(
    State(state): State<AppState>,
    user: CurrentUser,
    page: Page,
) -> Result<Response, AppError> {
    AccountPage::load(&state, &user, page)
        .await?
        .answer(StatusCode::OK)
}

#[derive(Deserialize)]
pub struct RemindersForm {
    #[serde(default)]
    reminders: String,
}

/// The account turns its daily digest on or off.
pub async fn set_reminders(
    State(state): State<AppState>,
    user: CurrentUser,
    Form(f): Form<RemindersForm>,
) -> Result<Response, AppError> {
    reminders::set_enabled(&state.db, user.principal(), !f.reminders.is_empty()).await?;
    Ok(saved("/akun#pengingat", "account-reminders-saved"))
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
    let mut account = AccountPage::load(&state, &user, page).await?;
    throttled(&state, &p.username, &address).await?;
    if users::authenticate(&state.db, &p.username, &f.current)
        .await?
        .is_none()
    {
        account.error = Some(account.page.t("account-wrong-password"));
        return account.answer(StatusCode::UNPROCESSABLE_ENTITY);
    }
    throttle::succeeded(&state.db, &state.config.login, &p.username, &address).await?;
    match users::set_password(&state.db, Actor::User(p), p.user_id, &f.password).await {
        // Changing the password ends every session, this one included: sign in again.
        Ok(()) => Ok(saved("/login", "users-password-set")),
        Err(DbError::Invalid(msg)) => {
            account.error = Some(account.page.i18n.render(account.page.lang, &msg));
            account.answer(StatusCode::UNPROCESSABLE_ENTITY)
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
    let refused = match made {
        Ok((token, _)) => {
            throttle::succeeded(&state.db, &state.config.login, &p.username, &address).await?;
            let mut account = AccountPage::load(&state, &user, page).await?;
            account.new_token = Some(token);
            return account.answer(StatusCode::OK);
        }
        Err(DbError::Invalid(msg)) => page.i18n.render(page.lang, &msg),
        Err(e) => return Err(e.into()),
    };
    let mut account = AccountPage::load(&state, &user, page).await?;
    account.error = Some(refused);
    account.answer(StatusCode::UNPROCESSABLE_ENTITY)
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
