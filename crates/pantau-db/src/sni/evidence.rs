//! Evidence files for assessment scores: size and type limits, stored under a random name in a
//! folder outside the web root, and read back only within the institution's scope.

use crate::audit::{self, Actor, Change};
use crate::error::{DbError, DbResult};
use crate::files::{FileStore, clean_file_name, extension_of, name_for_type, sha256_hex, sniff};
use crate::{Db, now_rfc3339};
use pantau_core::access::{Permission, Principal};
use pantau_core::message::Message;
use serde::Serialize;
use serde_json::json;
use sqlx::Row;
use std::path::PathBuf;

pub const MAX_BYTES: usize = 10 * 1024 * 1024;

/// Where evidence files live; never served directly.
#[derive(Debug, Clone)]
pub struct EvidenceStore {
    files: FileStore,
}

#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct Evidence {
    pub id: i64,
    pub assessment_id: i64,
    pub requirement_id: i64,
    pub file_name: String,
    pub content_type: String,
    pub size_bytes: i64,
    pub uploaded_by: String,
    pub uploaded_at: String,
}

/// Default of the `sni.evidence_quota_mb` setting: evidence one assessment may hold.
pub const DEFAULT_QUOTA_MB: u64 = 100;

pub(crate) async fn quota_bytes(db: &Db) -> DbResult<u64> {
    let mb = crate::reference::setting(db, "sni.evidence_quota_mb")
        .await?
        .and_then(|v| v.parse::<u64>().ok())
        .unwrap_or(DEFAULT_QUOTA_MB);
    Ok(mb * 1024 * 1024)
}

impl EvidenceStore {
    pub fn new(root: impl Into<PathBuf>) -> Self {
        EvidenceStore {
            files: FileStore::new(root),
        }
    }

    /// Stores a file as evidence for one requirement of a draft assessment (write access
    /// needed). Everything is checked before the file is written — access, the draft status,
    /// that the requirement belongs to the assessment's instrument, the assessment's quota — and
    /// the file is removed again when its row cannot be committed, so no file is ever left
    /// without its row and audit entry.
    pub async fn upload(
        &self,
        db: &Db,
        actor: Actor<'_>,
        assessment_id: i64,
        requirement_id: i64,
        file_name: &str,
        bytes: &[u8],
    ) -> DbResult<Evidence> {
        if bytes.is_empty() {
            return Err(DbError::field("err-file-empty", "file"));
        }
        if bytes.len() > MAX_BYTES {
            return Err(DbError::Invalid(
                Message::new("err-file-too-big")
                    .with("field", "file")
                    .with("max", MAX_BYTES / 1024 / 1024),
            ));
        }
        let (content_type, extension) =
            sniff(bytes).ok_or_else(|| DbError::field("err-file-type", "file"))?;
        let quota = quota_bytes(db).await?;
        let mut tx = db.begin().await?;
        let (path, _) = super::assessments::claim_draft(&mut tx, actor, assessment_id).await?;
        let belongs = sqlx::query(
            "SELECT 1 FROM sni_requirements r JOIN sni_cohorts c ON c.instrument_id = r.instrument_id \
             JOIN sni_participants p ON p.cohort_id = c.id JOIN sni_assessments a ON a.participant_id = p.id \
             WHERE a.id = $1 AND r.id = $2",
        )
        .bind(assessment_id)
        .bind(requirement_id)
        .fetch_optional(&mut *tx)
        .await?
        .is_some();
        if !belongs {
            return Err(DbError::unknown_record("requirement_id", requirement_id));
        }
        let used: i64 = sqlx::query(
            "SELECT CAST(COALESCE(SUM(size_bytes), 0) AS BIGINT) AS used FROM sni_evidence WHERE assessment_id = $1",
        )
        .bind(assessment_id)
        .fetch_one(&mut *tx)
        .await?
        .get("used");
        if used as u64 + bytes.len() as u64 > quota {
            return Err(DbError::Invalid(
                Message::new("err-file-quota")
                    .with("field", "file")
                    .with("quota", quota / 1024 / 1024)
                    .with("used", format!("{:.1}", used as f64 / 1024.0 / 1024.0)),
            ));
        }
        let (stored, target) = self.files.write(bytes).await?;
        let sha = sha256_hex(bytes);
        let name = name_for_type(&clean_file_name(file_name), extension);
        let recorded = async {
            let id: i64 = sqlx::query(
                "INSERT INTO sni_evidence (assessment_id, requirement_id, file_name, content_type, size_bytes, sha256, stored_name, uploaded_by, uploaded_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id",
            )
            .bind(assessment_id)
            .bind(requirement_id)
            .bind(&name)
            .bind(content_type)
            .bind(bytes.len() as i64)
            .bind(&sha)
            .bind(&stored)
            .bind(actor.name())
            .bind(now_rfc3339())
            .fetch_one(&mut *tx)
            .await?
            .get("id");
            audit::record(&mut tx, actor, Change {
                action: "upload",
                entity: "bukti_sni",
                entity_id: id.to_string(),
                office_path: Some(&path),
                before: None,
                after: Some(json!({"assessment_id": assessment_id, "requirement_id": requirement_id, "file_name": name, "size_bytes": bytes.len(), "sha256": sha})),
            })
            .await?;
            tx.commit().await?;
            DbResult::Ok(id)
        }
        .await;
        let id = match recorded {
            Ok(id) => id,
            Err(e) => {
                let _ = tokio::fs::remove_file(&target).await;
                return Err(e);
            }
        };
        Ok(Evidence {
            id,
            assessment_id,
            requirement_id,
            file_name: name,
            content_type: content_type.into(),
            size_bytes: bytes.len() as i64,
            uploaded_by: actor.name(),
            uploaded_at: now_rfc3339(),
        })
    }

    /// The file, if the principal may read the assessment it belongs to.
    pub async fn read(
        &self,
        db: &Db,
        who: &Principal,
        evidence_id: i64,
    ) -> DbResult<(Evidence, Vec<u8>)> {
        let r = sqlx::query("SELECT * FROM sni_evidence WHERE id = $1")
            .bind(evidence_id)
            .fetch_optional(db.pool())
            .await?
            .ok_or_else(|| DbError::not_found(format!("bukti {evidence_id}")))?;
        let mut e = <Evidence as sqlx::FromRow<_>>::from_row(&r)?;
        e.file_name = name_for_type(&e.file_name, extension_of(&e.content_type));
        let mut conn = db.pool().acquire().await?;
        super::assessments::path_of(
            &mut conn,
            Actor::User(who),
            Permission::ReadData,
            e.assessment_id,
        )
        .await?;
        let bytes = self.files.read(&r.get::<String, _>("stored_name")).await?;
        Ok((e, bytes))
    }
}

pub async fn list(db: &Db, who: &Principal, assessment_id: i64) -> DbResult<Vec<Evidence>> {
    let mut conn = db.pool().acquire().await?;
    super::assessments::path_of(
        &mut conn,
        Actor::User(who),
        Permission::ReadData,
        assessment_id,
    )
    .await?;
    Ok(
        sqlx::query_as("SELECT * FROM sni_evidence WHERE assessment_id = $1 ORDER BY id")
            .bind(assessment_id)
            .fetch_all(&mut *conn)
            .await?,
    )
}
