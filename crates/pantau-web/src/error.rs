//! One mapping from failures to responses. Handlers return [`AppError`]; it becomes a bare
//! response carrying an [`ErrorInfo`], and the [`render_errors`] layer turns that into an HTML
//! page (in the user's language, with the navigation) or JSON `{error, message, field?,
//! details?}` for `/api` paths.

use crate::auth::is_api;
use crate::i18n::{I18n, Lang};
use crate::page::{ErrorPage, Page};
use axum::Json;
use axum::http::StatusCode;
use axum::http::header;
use axum::response::{Html, Redirect};
use axum::response::{IntoResponse, Response};
use pantau_db::DbError;

#[derive(Debug)]
pub enum AppError {
    Db(DbError),
    Forbidden,
    NotFound,
    BadRequest(String),
    Csrf,
    TooLarge,
    TooManyAttempts {
        minutes: u64,
    },
    Render(askama::Error),
    /// A failure of our own that is not the database's (a task that panicked, say).
    Internal(String),
    /// A request the API could not read (body, path or query), naming the field.
    Request(RequestError),
    /// No credentials, or credentials that are not (or no longer) valid.
    Unauthorized,
}

/// A request that could not be read: its status, what to tell the reader, and where.
#[derive(Debug, Clone)]
pub struct RequestError {
    pub status: StatusCode,
    pub message: pantau_core::message::Message,
    pub field: Option<String>,
    /// The parser's own words (English), for the developer of the client.
    pub details: Option<String>,
}

impl RequestError {
    pub fn new(status: StatusCode, message: pantau_core::message::Message) -> Self {
        RequestError {
            status,
            message,
            field: None,
            details: None,
        }
    }

    pub fn field(mut self, field: String) -> Self {
        self.field = Some(field).filter(|f| !f.is_empty());
        self
    }

    pub fn details(mut self, details: String) -> Self {
        self.details = Some(details);
        self
    }
}

impl From<RequestError> for AppError {
    fn from(e: RequestError) -> Self {
        AppError::Request(e)
    }
}

impl From<DbError> for AppError {
    fn from(e: DbError) -> Self {
        AppError::Db(e)
    }
}

impl From<askama::Error> for AppError {
    fn from(e: askama::Error) -> Self {
        AppError::Render(e)
    }
}

/// What is shown for an error: a catalogue message, or text from validation.
#[derive(Debug, Clone)]
pub enum Message {
    Key(&'static str),
    /// A message from the storage or domain layer: a key and its arguments.
    Catalog(pantau_core::message::Message),
    Text(String),
    KeyThen(&'static str, String),
    Throttled(u64),
}

impl Message {
    pub fn render(&self, i18n: &I18n, lang: Lang) -> String {
        match self {
            Message::Key(k) => i18n.t(lang, k),
            Message::Catalog(m) => i18n.render(lang, m),
            Message::Text(t) => t.clone(),
            Message::KeyThen(k, t) => format!("{}: {t}", i18n.t(lang, k)),
            Message::Throttled(m) => {
                i18n.t_with(lang, "login-throttled", &[("minutes", (*m).into())])
            }
        }
    }
}

#[derive(Debug, Clone)]
pub struct ErrorInfo {
    pub code: &'static str,
    pub message: Message,
    /// The input field at fault, when one is.
    pub field: Option<String>,
    pub details: Option<String>,
}

impl ErrorInfo {
    pub fn new(code: &'static str, message: Message) -> Self {
        ErrorInfo {
            code,
            message,
            field: None,
            details: None,
        }
    }
}

impl AppError {
    pub fn status(&self) -> StatusCode {
        match self {
            AppError::Db(DbError::NotFound(_)) | AppError::NotFound => StatusCode::NOT_FOUND,
            // Outside the reader's scope: answered like a record that does not exist.
            AppError::Db(DbError::Forbidden(d)) if d.unseen => StatusCode::NOT_FOUND,
            AppError::Db(DbError::Forbidden(_)) | AppError::Forbidden | AppError::Csrf => {
                StatusCode::FORBIDDEN
            }
            AppError::Db(DbError::Invalid(_)) | AppError::Db(DbError::Csv(_)) => {
                StatusCode::UNPROCESSABLE_ENTITY
            }
            AppError::BadRequest(_) => StatusCode::BAD_REQUEST,
            AppError::Request(e) => e.status,
            AppError::Unauthorized => StatusCode::UNAUTHORIZED,
            AppError::Db(DbError::Conflict(_)) | AppError::Db(DbError::State(_)) => {
                StatusCode::CONFLICT
            }
            AppError::Db(DbError::Missing(_)) => StatusCode::NOT_FOUND,
            AppError::TooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            AppError::TooManyAttempts { .. } => StatusCode::TOO_MANY_REQUESTS,
            AppError::Db(DbError::Sqlx(_)) | AppError::Render(_) | AppError::Internal(_) => {
                StatusCode::INTERNAL_SERVER_ERROR
            }
        }
    }

    fn info(&self) -> ErrorInfo {
        match self {
            AppError::Request(e) => {
                return ErrorInfo {
                    code: "invalid_request",
                    message: Message::Catalog(e.message.clone()),
                    field: e.field.clone(),
                    details: e.details.clone(),
                };
            }
            AppError::Db(DbError::Missing(m)) => {
                return ErrorInfo::new("not_found", Message::Catalog(m.clone()));
            }
            AppError::Db(DbError::State(m)) => {
                return ErrorInfo::new("conflict", Message::Catalog(m.clone()));
            }
            AppError::Db(DbError::Invalid(m)) => {
                return ErrorInfo {
                    field: m.args.get("field").cloned().filter(|f| !f.is_empty()),
                    ..ErrorInfo::new("invalid", Message::Catalog(m.clone()))
                };
            }
            _ => {}
        }
        let (code, message) = match self {
            AppError::Request(_)
            | AppError::Db(DbError::Invalid(_))
            | AppError::Db(DbError::Missing(_))
            | AppError::Db(DbError::State(_)) => unreachable!("answered above"),
            AppError::Unauthorized => ("unauthorized", Message::Key("error-unauthorized")),
            AppError::BadRequest(m) => ("invalid", Message::Text(m.clone())),
            AppError::Db(DbError::Csv(e)) => ("invalid", Message::Text(e.to_string())),
            AppError::Db(DbError::Conflict(m)) => {
                ("conflict", Message::KeyThen("error-conflict", m.clone()))
            }
            AppError::Csrf => ("csrf", Message::Key("error-csrf")),
            AppError::TooLarge => ("too_large", Message::Key("error-too-large")),
            AppError::TooManyAttempts { minutes } => {
                ("too_many_attempts", Message::Throttled(*minutes))
            }
            AppError::Db(DbError::NotFound(_)) | AppError::NotFound => {
                ("not_found", Message::Key("error-not-found"))
            }
            AppError::Db(DbError::Forbidden(d)) if d.unseen => {
                ("not_found", Message::Key("error-not-found"))
            }
            AppError::Db(DbError::Forbidden(_)) | AppError::Forbidden => {
                ("forbidden", Message::Key("error-forbidden"))
            }
            AppError::Db(DbError::Sqlx(_)) | AppError::Render(_) | AppError::Internal(_) => {
                ("internal", Message::Key("error-internal"))
            }
        };
        ErrorInfo::new(code, message)
    }
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        let status = self.status();
        if let AppError::Render(e) = &self {
            tracing::error!(error = %e, "template rendering failed");
        } else if status == StatusCode::INTERNAL_SERVER_ERROR {
            tracing::error!(error = ?self, "request failed");
        } else {
            tracing::debug!(error = ?self, "request refused");
        }
        let mut res = status.into_response();
        res.extensions_mut().insert(self.info());
        res
    }
}

/// Route layer: renders every error response of what runs inside it (see [`render`]).
pub async fn render_errors(
    axum::extract::State(state): axum::extract::State<crate::AppState>,
    req: axum::extract::Request,
    next: axum::middleware::Next,
) -> Response {
    let (parts, body) = req.into_parts();
    let page = crate::page::page_from_parts(&parts, &state);
    let res = next
        .run(axum::extract::Request::from_parts(parts, body))
        .await;
    render(&page, res)
}

/// An error response as the reader sees it; any other response unchanged.
pub fn render(page: &Page, res: Response) -> Response {
    match res
        .extensions()
        .get::<ErrorInfo>()
        .cloned()
        .or_else(|| bare_error(&res))
    {
        Some(info) => render_error(page, res.status(), &info),
        None => res,
    }
}

/// What an error answered by axum itself (an unknown method, say) says: every error a person
/// or client sees has a message.
fn bare_error(res: &Response) -> Option<ErrorInfo> {
    let status = res.status();
    if !(status.is_client_error() || status.is_server_error())
        || res.headers().contains_key(header::CONTENT_TYPE)
    {
        return None;
    }
    let (code, key) = match status {
        StatusCode::METHOD_NOT_ALLOWED => ("method_not_allowed", "error-method-not-allowed"),
        StatusCode::NOT_FOUND => ("not_found", "error-not-found"),
        StatusCode::PAYLOAD_TOO_LARGE => ("too_large", "error-too-large"),
        StatusCode::UNAUTHORIZED => ("unauthorized", "error-unauthorized"),
        s if s.is_server_error() => ("internal", "error-internal"),
        _ => ("invalid_request", "error-invalid"),
    };
    Some(ErrorInfo::new(code, crate::error::Message::Key(key)))
}

/// Every error of the API, in the reader's language.
#[derive(serde::Serialize)]
pub struct ApiError {
    /// A stable code: `invalid`, `invalid_request`, `unauthorized`, `forbidden`, `not_found` …
    pub error: &'static str,
    pub message: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub details: Option<String>,
}

fn render_error(page: &Page, status: StatusCode, info: &ErrorInfo) -> Response {
    let message = info.message.render(&page.i18n, page.lang);
    if is_api(&page.path) {
        return (
            status,
            Json(ApiError {
                error: info.code,
                message,
                field: info.field.clone(),
                details: info.details.clone(),
            }),
        )
            .into_response();
    }
    // Unauthenticated UI visits go to the login page instead of an error page.
    if status == StatusCode::UNAUTHORIZED {
        let next =
            percent_encoding::utf8_percent_encode(&page.here, percent_encoding::NON_ALPHANUMERIC);
        return Redirect::to(&format!("/login?next={next}")).into_response();
    }
    let tpl = ErrorPage {
        page,
        status: status.as_u16(),
        message,
    };
    let html = askama::Template::render(&tpl).unwrap_or_else(|_| status.to_string());
    (status, Html(html)).into_response()
}
