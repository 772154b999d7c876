//! Work done at or for a unit in the field: the officer's visit record with its photos, a
//! reporter's follow-up of an action with a note and photos, and the photos read back. The forms
//! are multipart (photos ride along, the CSRF token in the address); urlencoded without photos
//! is taken too.

use super::saved;
use crate::AppState;
use crate::auth::CurrentUser;
use crate::error::AppError;
use crate::form::{UploadedFile, fields_and_files, value as field};
use axum::extract::{Path, Request, State};
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use pantau_core::limits::{PHOTO_MAX_BYTES, PHOTOS_PER_RECORD};
use pantau_db::Actor;
use pantau_db::ibm::follow_ups;
use pantau_db::ibm::photos::{self, PhotoUpload};
use pantau_db::ibm::visits::{self, ActionInput, ReviewInput, VisitInput};

/// What a form with photos may send: the photos at their largest, and room for the text.
pub const MAX_UPLOAD_BYTES: usize = PHOTOS_PER_RECORD * PHOTO_MAX_BYTES + 256 * 1024;

/// The photos of a form (its `photos` inputs).
fn photo_uploads(files: Vec<UploadedFile>) -> Vec<PhotoUpload> {
    files
        .into_iter()
        .filter(|f| f.field == "photos")
        .map(|f| PhotoUpload {
            file_name: f.file_name,
            bytes: f.bytes,
        })
        .collect()
}

/// The visit form: new actions as `action_description[]` rows, reviews as `review_<id>` fields,
/// photos as `photos` files.
pub async fn record_visit(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
    req: Request,
) -> Result<Response, AppError> {
    let (kv, files) = fields_and_files(req).await?;
    let actions = crate::form::action_rows(&kv)
        .into_iter()
        .map(|(description, owner, due_date)| ActionInput {
            description,
            owner,
            due_date,
        })
        .collect();
    let reviews = kv
        .iter()
        .filter_map(|(k, v)| {
            let action_id = k.strip_prefix("review_")?.parse().ok()?;
            Some(ReviewInput {
                action_id,
                status: v.clone(),
                note: field(&kv, &format!("review_note_{action_id}")).to_string(),
            })
        })
        .collect();
    let input = VisitInput {
        visit_date: field(&kv, "visit_date").to_string(),
        mode: field(&kv, "mode").to_string(),
        findings: field(&kv, "findings").to_string(),
        recommendations: field(&kv, "recommendations").to_string(),
        actions,
        reviews,
    };
    visits::record_with_photos(
        &state.db,
        &state.photos,
        Actor::User(user.principal()),
        id,
        &input,
        &photo_uploads(files),
    )
    .await?;
    Ok(saved(&format!("/ibm/{id}#kunjungan"), "ibm-saved"))
}

/// A follow-up of one open action: `done` (a checkbox), `note`, `photos`.
pub async fn record_follow_up(
    State(state): State<AppState>,
    user: CurrentUser,
    Path((id, action)): Path<(i64, i64)>,
    req: Request,
) -> Result<Response, AppError> {
    let (kv, files) = fields_and_files(req).await?;
    follow_ups::record(
        &state.db,
        &state.photos,
        Actor::User(user.principal()),
        id,
        action,
        !field(&kv, "done").is_empty(),
        field(&kv, "note"),
        &photo_uploads(files),
    )
    .await?;
    Ok(saved(
        &format!("/ibm/{id}#tindak-lanjut"),
        "ibm-follow-up-saved",
    ))
}

/// A photo of the unit, for whoever may read the unit; kept by the browser a day (photos never
/// change).
pub async fn photo(
    State(state): State<AppState>,
    user: CurrentUser,
    Path((id, photo)): Path<(i64, i64)>,
) -> Result<Response, AppError> {
    let (meta, bytes) = photos::read(&state.db, &state.photos, user.principal(), id, photo).await?;
    let mut res = bytes.into_response();
    let h = res.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(if meta.content_type == "image/png" {
            "image/png"
        } else {
            "image/jpeg"
        }),
    );
    h.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("private, max-age=86400"),
    );
    Ok(res)
}
