//! The API's extractors: axum's `Json`, `Path` and `Query`, except that a request they cannot
//! read is answered like every other API error — JSON `{error, message, field, details}` in the
//! reader's language, naming the field that failed (`unit.code`, `limit`, `id`).

use crate::error::{AppError, RequestError};
use axum::extract::rejection::{BytesRejection, PathRejection, QueryRejection};
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use pantau_core::message::Message;
use serde::Serialize;
use serde::de::DeserializeOwned;

/// A JSON body in, or a JSON answer out.
pub struct Json<T>(pub T);

impl<T: Serialize> IntoResponse for Json<T> {
    fn into_response(self) -> Response {
        axum::Json(self.0).into_response()
    }
}

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for Json<T> {
    type Rejection = AppError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let json_type = req
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split(';').next())
            .map(|v| v.trim().to_ascii_lowercase())
            .is_some_and(|v| v == "application/json" || v.ends_with("+json"));
        if !json_type {
            return Err(RequestError::new(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                Message::new("error-body-not-json"),
            )
            .into());
        }
        let bytes = axum::body::Bytes::from_request(req, state)
            .await
            .map_err(|e| match e {
                BytesRejection::FailedToBufferBody(_) => AppError::TooLarge,
                _ => AppError::TooLarge,
            })?;
        parse_json(&bytes).map(Json)
    }
}

/// Reads `bytes` as `T`, naming the field that does not fit.
pub fn parse_json<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, AppError> {
    // JSON Schema counts 3.0 as an integer; serde does not, so whole numbers are made integers
    // before the body is read as `T`.
    let parsed = serde_json::from_slice::<serde_json::Value>(bytes)
        .map_err(|e| (String::new(), e))
        .and_then(|mut value| {
            whole_numbers_as_integers(&mut value);
            serde_path_to_error::deserialize(value)
                .map_err(|e| (e.path().to_string(), e.into_inner()))
        });
    parsed.map_err(|(path, inner)| {
        let detail = inner.to_string();
        let error = if inner.is_syntax() || inner.is_eof() || inner.is_io() {
            RequestError::new(
                StatusCode::BAD_REQUEST,
                Message::new("error-body-syntax")
                    .with("line", inner.line())
                    .with("column", inner.column()),
            )
        } else if let Some(name) = quoted_after(&detail, "missing field `") {
            let field = join_path(&path, &name);
            RequestError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                Message::new("error-body-missing-field").with("field", &field),
            )
            .field(field)
        } else if let Some(name) = quoted_after(&detail, "unknown field `") {
            let field = join_path(&path, &name);
            RequestError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                Message::new("error-body-unknown-field").with("field", &field),
            )
            .field(field)
        } else {
            let field = if path == "." { String::new() } else { path };
            RequestError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                Message::new("error-body-invalid-value").with("field", &field),
            )
            .field(field)
        };
        error.details(strip_position(&detail)).into()
    })
}

fn whole_numbers_as_integers(value: &mut serde_json::Value) {
    use serde_json::Value;
    match value {
        Value::Number(n) if n.is_f64() => {
            let f = n.as_f64().unwrap_or(f64::NAN);
            if f.fract() == 0.0 && f.abs() < 9.0e15 {
                *value = Value::from(f as i64);
            }
        }
        Value::Array(items) => items.iter_mut().for_each(whole_numbers_as_integers),
        Value::Object(fields) => fields.values_mut().for_each(whole_numbers_as_integers),
        _ => {}
    }
}

/// A `multipart/form-data` body (uploads).
pub struct Multipart(pub axum::extract::Multipart);

impl<S: Send + Sync> FromRequest<S> for Multipart {
    type Rejection = AppError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        axum::extract::Multipart::from_request(req, state)
            .await
            .map(Multipart)
            .map_err(|e| {
                RequestError::new(
                    StatusCode::BAD_REQUEST,
                    Message::new("error-body-not-multipart"),
                )
                .details(e.body_text())
                .into()
            })
    }
}

impl std::ops::Deref for Multipart {
    type Target = axum::extract::Multipart;
    fn deref(&self) -> &Self::Target {
        &self.0
    }
}

impl std::ops::DerefMut for Multipart {
    fn deref_mut(&mut self) -> &mut Self::Target {
        &mut self.0
    }
}

/// Path parameters, e.g. `Path<i64>` or `Path<(i64, i64)>`.
pub struct Path<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned + Send> FromRequestParts<S> for Path<T> {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        // A lone parameter's parse error does not say its name; the route does.
        let names: Vec<String> = axum::extract::RawPathParams::from_request_parts(parts, state)
            .await
            .map(|p| p.iter().map(|(name, _)| name.to_string()).collect())
            .unwrap_or_default();
        match axum::extract::Path::<T>::from_request_parts(parts, state).await {
            Ok(axum::extract::Path(v)) => Ok(Path(v)),
            Err(PathRejection::FailedToDeserializePathParams(e)) => {
                use axum::extract::path::ErrorKind;
                let field = match e.kind() {
                    ErrorKind::ParseErrorAtKey { key, .. }
                    | ErrorKind::InvalidUtf8InPathParam { key }
                    | ErrorKind::DeserializeError { key, .. } => key.clone(),
                    _ if names.len() == 1 => names[0].clone(),
                    _ => String::new(),
                };
                Err(RequestError::new(
                    StatusCode::BAD_REQUEST,
                    Message::new("error-path-invalid").with("field", &field),
                )
                .field(field)
                .details(e.body_text())
                .into())
            }
            Err(other) => Err(AppError::Internal(other.body_text())),
        }
    }
}

/// The query string.
pub struct Query<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequestParts<S> for Query<T> {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        let query = parts.uri.query().unwrap_or_default();
        let de = serde_urlencoded::Deserializer::new(form_urlencoded::parse(query.as_bytes()));
        serde_path_to_error::deserialize(de)
            .map(Query)
            .map_err(|e| {
                let field = e.path().to_string();
                let detail = e.into_inner().to_string();
                let field = quoted_after(&detail, "missing field `").unwrap_or(if field == "." {
                    String::new()
                } else {
                    field
                });
                RequestError::new(
                    StatusCode::BAD_REQUEST,
                    Message::new("error-query-invalid").with("field", &field),
                )
                .field(field)
                .details(detail)
                .into()
            })
    }
}

/// A query's `year`: a monitoring year, refused (400, naming the field) outside them.
pub fn year<'de, D: serde::Deserializer<'de>>(d: D) -> Result<i64, D::Error> {
    use pantau_core::ibm::{FIRST_YEAR, LAST_YEAR};
    let year = <i64 as serde::Deserialize>::deserialize(d)?;
    if (FIRST_YEAR..=LAST_YEAR).contains(&year) {
        Ok(year)
    } else {
        Err(serde::de::Error::custom(format!(
            "{year} is outside {FIRST_YEAR}–{LAST_YEAR}"
        )))
    }
}

/// An optional [`year`].
pub fn optional_year<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<i64>, D::Error> {
    year(d).map(Some)
}

/// An optional record id from a form's picker, whose "all" choice sends an empty value.
pub fn optional_id<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<i64>, D::Error> {
    let text = <String as serde::Deserialize>::deserialize(d)?;
    if text.trim().is_empty() {
        return Ok(None);
    }
    text.trim()
        .parse()
        .map(Some)
        .map_err(|_| serde::de::Error::custom("expected a whole number"))
}

/// An optional date, `YYYY-MM-DD`; empty is none.
pub fn optional_date<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    let text = <String as serde::Deserialize>::deserialize(d)?;
    if text.is_empty() {
        return Ok(None);
    }
    chrono::NaiveDate::parse_from_str(&text, "%Y-%m-%d")
        .map(|_| Some(text))
        .map_err(|_| serde::de::Error::custom("expected a date YYYY-MM-DD"))
}

/// Rejections of axum's own extractors used outside this module.
impl From<QueryRejection> for AppError {
    fn from(e: QueryRejection) -> Self {
        RequestError::new(
            StatusCode::BAD_REQUEST,
            Message::new("error-query-invalid").with("field", ""),
        )
        .details(e.body_text())
        .into()
    }
}

fn quoted_after(text: &str, prefix: &str) -> Option<String> {
    let rest = &text[text.find(prefix)? + prefix.len()..];
    Some(rest[..rest.find('`')?].to_string())
}

fn join_path(path: &str, name: &str) -> String {
    if path.is_empty() || path == "." {
        name.to_string()
    } else {
        format!("{path}.{name}")
    }
}

/// serde_json ends its messages with " at line 1 column 12"; the field says where.
fn strip_position(detail: &str) -> String {
    match detail.rfind(" at line ") {
        Some(i) => detail[..i].to_string(),
        None => detail.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;

    #[derive(Debug, Deserialize)]
    #[allow(dead_code)]
    struct Inner {
        year: i64,
    }

    #[derive(Debug, Deserialize)]
    #[allow(dead_code)]
    struct Body {
        code: String,
        name: String,
        years: Vec<Inner>,
    }

    fn refused(body: &str) -> RequestError {
        match parse_json::<Body>(body.as_bytes()) {
            Err(AppError::Request(e)) => e,
            other => panic!("expected a request error, got {other:?}"),
        }
    }

    #[test]
    fn a_body_that_does_not_fit_names_its_field() {
        let e = refused(r#"{"code":"X"}"#);
        assert_eq!(e.message.key, "error-body-missing-field");
        assert_eq!(e.field.as_deref(), Some("name"));
        let e = refused(r#"{"code":"X","name":"Y","years":[{"year":"x"}]}"#);
        assert_eq!(e.message.key, "error-body-invalid-value");
        assert_eq!(e.field.as_deref(), Some("years[0].year"));
        let e = refused(r#"{"code":"X","name":"Y","years":[{}]}"#);
        assert_eq!(e.field.as_deref(), Some("years[0].year"));
        let e = refused(r#"{"code": "#);
        assert_eq!(e.message.key, "error-body-syntax");
        assert_eq!(e.status, StatusCode::BAD_REQUEST);
        let e = refused(r#"{"code":"X","name":"Y","years":[]} trailing"#);
        assert_eq!(e.message.key, "error-body-syntax");
        assert!(parse_json::<Body>(br#"{"code":"X","name":"Y","years":[]}"#).is_ok());
        // 2026.0 is an integer to JSON Schema, so it is one here; 2026.5 is not.
        assert!(
            parse_json::<Body>(br#"{"code":"X","name":"Y","years":[{"year":2026.0}]}"#).is_ok()
        );
        let e = refused(r#"{"code":"X","name":"Y","years":[{"year":2026.5}]}"#);
        assert_eq!(e.field.as_deref(), Some("years[0].year"));
    }
}
