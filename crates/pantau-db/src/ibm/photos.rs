//! Photos from the field: of a follow-up a unit's reporter sends, or of a monitoring visit.
//! JPEG or PNG only (recognised by their bytes), a few per record, each bounded; read back only
//! by who may read the unit.

use super::{authorize_unit, check_count};
use crate::audit::Actor;
use crate::error::{DbError, DbResult};
use crate::files::{self, FileStore};
use crate::{Db, now_rfc3339};
use base64::Engine;
use pantau_core::access::{Permission, Principal};
use pantau_core::limits::{PHOTO_MAX_BYTES, PHOTOS_PER_RECORD};
use pantau_core::message::Message;
use serde::{Deserialize, Serialize};
use sqlx::AnyConnection;
use std::path::PathBuf;

/// A photo as received, before it is checked.
#[derive(Debug, Clone)]
pub struct PhotoUpload {
    pub file_name: String,
    pub bytes: Vec<u8>,
}

/// A photo in a JSON body: its content in base64 (standard alphabet, padding optional).
#[derive(Debug, Clone, Deserialize, schemars::JsonSchema)]
pub struct PhotoInput {
    #[serde(default)]
    #[schemars(length(max = 200))]
    pub file_name: String,
    /// The JPEG or PNG file, base64-encoded.
    pub content_base64: String,
}

impl PhotoInput {
    pub fn decode(&self) -> DbResult<PhotoUpload> {
        // Four characters carry three bytes: a text this long holds more than any photo kept.
        if self.content_base64.len() > PHOTO_MAX_BYTES / 3 * 4 + 8 {
            return Err(too_big());
        }
        let text: String = self
            .content_base64
            .chars()
            .filter(|c| !c.is_ascii_whitespace())
            .collect();
        let bytes = base64::engine::general_purpose::STANDARD_NO_PAD
            .decode(text.trim_end_matches('='))
            .map_err(|_| DbError::field("err-photo-encoding", "photos"))?;
        Ok(PhotoUpload {
            file_name: self.file_name.clone(),
            bytes,
        })
    }
}

/// A stored photo.
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct Photo {
    pub id: i64,
    pub unit_id: i64,
    pub follow_up_id: Option<i64>,
    pub visit_id: Option<i64>,
    pub file_name: String,
    pub content_type: String,
    pub size_bytes: i64,
    pub uploaded_by: String,
    pub uploaded_at: String,
}

/// What a photo belongs to.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Owner {
    FollowUp(i64),
    Visit(i64),
}

fn too_big() -> DbError {
    DbError::Invalid(
        Message::new("err-file-too-big")
            .with("field", "photos")
            .with("max", PHOTO_MAX_BYTES / 1024 / 1024),
    )
}

/// Refuses photos that are too many, empty, too large or not JPEG/PNG, before anything is
/// written.
pub(crate) fn check(uploads: &[PhotoUpload]) -> DbResult<()> {
    check_count("photos", uploads.len(), PHOTOS_PER_RECORD)?;
    for u in uploads {
        if u.bytes.is_empty() {
            return Err(DbError::field("err-file-empty", "photos"));
        }
        if u.bytes.len() > PHOTO_MAX_BYTES {
            return Err(too_big());
        }
        match files::sniff(&u.bytes) {
            Some(("image/jpeg" | "image/png", _)) => {}
            _ => return Err(DbError::field("err-photo-type", "photos")),
        }
    }
    Ok(())
}

/// Writes checked photos and their rows inside the caller's transaction. Every file written is
/// pushed on `written`, so the caller removes them when the transaction does not commit.
pub(crate) async fn attach(
    tx: &mut AnyConnection,
    store: &FileStore,
    actor: Actor<'_>,
    unit_id: i64,
    owner: Owner,
    uploads: &[PhotoUpload],
    written: &mut Vec<PathBuf>,
) -> DbResult<()> {
    let (follow_up_id, visit_id) = match owner {
        Owner::FollowUp(id) => (Some(id), None),
        Owner::Visit(id) => (None, Some(id)),
    };
    for u in uploads {
        let (content_type, extension) =
            files::sniff(&u.bytes).ok_or_else(|| DbError::field("err-photo-type", "photos"))?;
        let (stored, path) = store.write(&u.bytes).await?;
        written.push(path);
        let name = files::name_for_type(&files::clean_file_name(&u.file_name), extension);
        sqlx::query(
            "INSERT INTO ibm_photos (unit_id, follow_up_id, visit_id, file_name, content_type, size_bytes, sha256, stored_name, uploaded_by, uploaded_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
        )
        .bind(unit_id)
        .bind(follow_up_id)
        .bind(visit_id)
        .bind(&name)
        .bind(content_type)
        .bind(u.bytes.len() as i64)
        .bind(files::sha256_hex(&u.bytes))
        .bind(&stored)
        .bind(actor.name())
        .bind(now_rfc3339())
        .execute(&mut *tx)
        .await?;
    }
    Ok(())
}

/// The unit's photos, oldest first (the caller has checked read access).
pub(crate) async fn of_unit(conn: &mut AnyConnection, unit_id: i64) -> DbResult<Vec<Photo>> {
    Ok(sqlx::query_as(
        "SELECT id, unit_id, follow_up_id, visit_id, file_name, content_type, size_bytes, uploaded_by, uploaded_at \
         FROM ibm_photos WHERE unit_id = $1 ORDER BY id",
    )
    .bind(unit_id)
    .fetch_all(&mut *conn)
    .await?)
}

/// One photo of the unit with its bytes, if the principal may read the unit.
pub async fn read(
    db: &Db,
    store: &FileStore,
    who: &Principal,
    unit_id: i64,
    photo_id: i64,
) -> DbResult<(Photo, Vec<u8>)> {
    let mut conn = db.pool().acquire().await?;
    authorize_unit(&mut conn, Actor::User(who), Permission::ReadData, unit_id).await?;
    let row = sqlx::query(
        "SELECT id, unit_id, follow_up_id, visit_id, file_name, content_type, size_bytes, uploaded_by, uploaded_at, stored_name \
         FROM ibm_photos WHERE id = $1 AND unit_id = $2",
    )
    .bind(photo_id)
    .bind(unit_id)
    .fetch_optional(&mut *conn)
    .await?
    .ok_or_else(|| DbError::not_found(format!("foto {photo_id}")))?;
    let photo = <Photo as sqlx::FromRow<_>>::from_row(&row)?;
    let stored: String = sqlx::Row::get(&row, "stored_name");
    let bytes = store.read(&stored).await?;
    Ok((photo, bytes))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn upload(bytes: &[u8]) -> PhotoUpload {
        PhotoUpload {
            file_name: "x.jpg".into(),
            bytes: bytes.to_vec(),
        }
    }

    #[test]
    fn only_a_few_jpeg_or_png_photos_of_bounded_size_pass() {
        let jpeg = [0xFF, 0xD8, 0xFF, 0xE0, 1, 2];
        assert!(check(&[upload(&jpeg)]).is_ok());
        assert!(check(&[upload(b"%PDF-1.7")]).is_err());
        assert!(check(&[upload(b"")]).is_err());
        assert!(check(&vec![upload(&jpeg); PHOTOS_PER_RECORD + 1]).is_err());
        let mut big = jpeg.to_vec();
        big.resize(PHOTO_MAX_BYTES + 1, 0);
        assert!(check(&[upload(&big)]).is_err());
    }

    #[test]
    fn base64_photos_decode_with_or_without_padding_and_refuse_garbage() {
        let input = |text: &str| PhotoInput {
            file_name: "a.png".into(),
            content_base64: text.into(),
        };
        assert_eq!(
            input("/9j/").decode().unwrap().bytes,
            vec![0xFF, 0xD8, 0xFF]
        );
        assert_eq!(
            input("/9j/4A==").decode().unwrap().bytes,
            vec![0xFF, 0xD8, 0xFF, 0xE0]
        );
        assert!(input("not base64!").decode().is_err());
    }
}
