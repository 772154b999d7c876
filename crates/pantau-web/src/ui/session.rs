//! Sign in, sign out, language switch.

use super::render;
use crate::AppState;
use crate::auth::{self, CurrentUser, LANG_COOKIE, SESSION_COOKIE};
use crate::error::AppError;
use crate::i18n::Lang;
use crate::page::Page;
use askama::Template;
use axum::Form;
use axum::extract::{Path, Query, Request, State};
use axum::http::{StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use pantau_db::{sessions, throttle, users};
use serde::Deserialize;

#[derive(Template)]
#[template(path = "login.html")]
struct LoginPage {
    page: Page,
    error: Option<String>,
    username: String,
    next: String,
}

#[derive(Deserialize, Default)]
pub struct NextQuery {
    next: Option<String>,
}

/// Where to go after signing in or switching language: a path on this site. `/` when none was
/// given; a bad request for anything a browser could read as another site — a second `/` or a
/// `\\` right after the first (browsers treat `\\` as `/` and drop tabs and newlines before
/// parsing), control characters or whitespace anywhere.
fn safe_next(next: Option<&str>) -> Result<String, AppError> {
    let Some(next) = next.filter(|n| !n.is_empty()) else {
        return Ok("/".to_string());
    };
    let local = next.starts_with('/')
        && !next[1..].starts_with(['/', '\\'])
        && !next
            .chars()
            .any(|c| c.is_control() || c.is_whitespace() || c == '\\');
    if local {
        Ok(next.to_string())
    } else {
        Err(AppError::BadRequest(
            "alamat tujuan harus jalur di situs ini".into(),
        ))
    }
}

pub async fn login_form(page: Page, Query(q): Query<NextQuery>) -> Result<Response, AppError> {
    let next = safe_next(q.next.as_deref())?;
    if page.signed_in() {
        return Ok(Redirect::to(&next).into_response());
    }
    render(LoginPage {
        page,
        error: None,
        username: String::new(),
        next,
    })
}

#[derive(Deserialize)]
pub struct LoginForm {
    username: String,
    password: String,
    next: Option<String>,
}

pub async fn login(
    State(state): State<AppState>,
    page: Page,
    req: Request,
) -> Result<Response, AppError> {
    let (parts, body) = req.into_parts();
    let ip = auth::client_ip(&parts, &state.config.trusted_proxies);
    let user_agent = parts
        .headers
        .get(header::USER_AGENT)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_string();
    let Form(form) = Form::<LoginForm>::from_request(Request::from_parts(parts, body), &state)
        .await
        .map_err(|e| AppError::BadRequest(e.body_text()))?;
    let next = safe_next(form.next.as_deref())?;
    let rule = &state.config.login;
    // Counted before the password is checked, so attempts sent at once cannot outrun the limit.
    if let Err(wait) = throttle::attempt(&state.db, rule, &form.username, &ip).await? {
        return Err(AppError::TooManyAttempts {
            minutes: wait.div_ceil(60).max(1),
        });
    }
    let Some(user) = users::authenticate(&state.db, &form.username, &form.password).await? else {
        tracing::info!(username = %form.username, %ip, "failed login");
        let error = Some(page.t("login-failed"));
        let body = LoginPage {
            username: form.username.clone(),
            next,
            page,
            error,
        }
        .render()?;
        return Ok((StatusCode::UNAUTHORIZED, Html(body)).into_response());
    };
    throttle::succeeded(&state.db, rule, &form.username, &ip).await?;
    let (token, _) = sessions::create(&state.db, user.id, &ip, &user_agent).await?;
    let principal = users::principal(&state.db, user.id).await?;
    users::record_sign_in(&state.db, &principal, "login").await?;
    let mut res = Redirect::to(&next).into_response();
    res.headers_mut().append(
        header::SET_COOKIE,
        auth::set_cookie(
            &state,
            SESSION_COOKIE,
            &token,
            sessions::ABSOLUTE_LIFETIME_SECS,
        ),
    );
    if let Some(lang) = Lang::parse(&user.language) {
        if lang != page.lang && page.lang == Lang::default() {
            res.headers_mut().append(
                header::SET_COOKIE,
                auth::set_cookie(&state, LANG_COOKIE, lang.code(), 3600 * 24 * 365),
            );
        }
    }
    Ok(res)
}

use axum::extract::FromRequest;

pub async fn logout(
    State(state): State<AppState>,
    user: CurrentUser,
) -> Result<Response, AppError> {
    state.sessions.forget(&user.0.session_token);
    sessions::delete(&state.db, &user.0.session_token).await?;
    users::record_sign_in(&state.db, user.principal(), "logout").await?;
    let mut res = Redirect::to("/login").into_response();
    res.headers_mut().append(
        header::SET_COOKIE,
        auth::set_cookie(&state, SESSION_COOKIE, "", 0),
    );
    Ok(res)
}

#[derive(Deserialize)]
pub struct LanguageForm {
    next: Option<String>,
}

/// Switches the language (a POST: it changes the user's stored preference) and goes back.
pub async fn switch_language(
    State(state): State<AppState>,
    user: Option<CurrentUser>,
    Path(lang): Path<String>,
    Form(form): Form<LanguageForm>,
) -> Result<Response, AppError> {
    let lang = Lang::parse(&lang).ok_or(AppError::NotFound)?;
    let next = safe_next(form.next.as_deref())?;
    if let Some(u) = user {
        users::set_language(&state.db, u.principal().user_id, lang.code()).await?;
    }
    let mut res = Redirect::to(&next).into_response();
    res.headers_mut().append(
        header::SET_COOKIE,
        auth::set_cookie(&state, LANG_COOKIE, lang.code(), 3600 * 24 * 365),
    );
    Ok(res)
}

#[cfg(test)]
mod tests {
    use super::safe_next;

    #[test]
    fn only_local_paths_are_followed_after_login() {
        let ok = |n: &str| safe_next(Some(n)).unwrap();
        assert_eq!(ok("/satker/3"), "/satker/3");
        assert_eq!(ok("/ibm?q=a%20b&page=2"), "/ibm?q=a%20b&page=2");
        assert_eq!(safe_next(None).unwrap(), "/");
        assert_eq!(safe_next(Some("")).unwrap(), "/");
        for bad in [
            "//evil.example",
            "/\\evil.example",
            "https://evil.example",
            "/\t/evil.example/x",
            "/\n",
            "/x y",
            "/a\\b",
            "evil",
        ] {
            assert!(safe_next(Some(bad)).is_err(), "{bad:?}");
        }
    }
}
