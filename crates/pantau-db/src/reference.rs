//! Configurable reference lists (activity and service types, age bands, risk levels, obstacles,
//! drivers, trainings) and settings. Seeded with defaults; national admins edit them.

use crate::audit::{self, Actor, Change};
use crate::error::{DbError, DbResult};
use crate::ibm::reports::LineRules;
use crate::{Db, now_rfc3339};
use pantau_core::access::Permission;
use pantau_core::ibm::ReportingRule;
use pantau_core::message::Message;
use serde::{Deserialize, Serialize};
use serde_json::json;
use sqlx::Row;
use std::sync::Arc;

/// The lists Pantau knows; each is a set of coded items with names in both languages.
pub const LISTS: &[&str] = &[
    "activity",
    "service",
    "age_band",
    "risk_level",
    "obstacle",
    "driver",
    "training",
    "lpk",
    "document",
];

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct RefItem {
    pub id: i64,
    pub list: String,
    pub code: String,
    pub name_id: String,
    pub name_en: String,
    pub ordinal: i64,
    pub active: bool,
}

impl RefItem {
    pub fn name(&self, lang: &str) -> &str {
        if lang == "en" {
            &self.name_en
        } else {
            &self.name_id
        }
    }
}

/// Items of one list in display order; inactive ones only when asked for.
pub async fn items(db: &Db, list: &str, include_inactive: bool) -> DbResult<Vec<RefItem>> {
    let rows = sqlx::query("SELECT * FROM ref_items WHERE list = $1 ORDER BY ordinal, code")
        .bind(list)
        .fetch_all(db.pool())
        .await?;
    Ok(rows
        .iter()
        .map(|r| RefItem {
            id: r.get("id"),
            list: r.get("list"),
            code: r.get("code"),
            name_id: r.get("name_id"),
            name_en: r.get("name_en"),
            ordinal: r.get("ordinal"),
            active: crate::db::flag(r, "active"),
        })
        .filter(|i| include_inactive || i.active)
        .collect())
}

/// Adds an item or updates the one with the same code (national admin).
pub async fn upsert_item(db: &Db, actor: Actor<'_>, item: &RefItem) -> DbResult<()> {
    actor.authorize_national(Permission::ManageReference)?;
    if !LISTS.contains(&item.list.as_str()) {
        return Err(DbError::unknown_record("list", &item.list));
    }
    let code_ok = !item.code.is_empty()
        && item.code.len() <= 40
        && item
            .code
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_');
    if !code_ok || item.name_id.trim().is_empty() || item.name_en.trim().is_empty() {
        return Err(DbError::field("err-ref-item", "code"));
    }
    let mut tx = db.begin().await?;
    let before = sqlx::query("SELECT name_id, name_en, ordinal, active FROM ref_items WHERE list = $1 AND code = $2")
        .bind(&item.list)
        .bind(&item.code)
        .fetch_optional(&mut *tx)
        .await?
        .map(|r| json!({"name_id": r.get::<String, _>("name_id"), "name_en": r.get::<String, _>("name_en"), "ordinal": r.get::<i64, _>("ordinal"), "active": crate::db::flag(&r, "active")}));
    sqlx::query(
        "INSERT INTO ref_items (list, code, name_id, name_en, ordinal, active) VALUES ($1, $2, $3, $4, $5, $6) \
         ON CONFLICT (list, code) DO UPDATE SET name_id = excluded.name_id, name_en = excluded.name_en, \
         ordinal = excluded.ordinal, active = excluded.active",
    )
    .bind(&item.list)
    .bind(&item.code)
    .bind(item.name_id.trim())
    .bind(item.name_en.trim())
    .bind(item.ordinal)
    .bind(item.active)
    .execute(&mut *tx)
    .await?;
    audit::record(
        &mut tx,
        actor,
        Change {
            action: if before.is_some() { "update" } else { "create" },
            entity: "referensi",
            entity_id: format!("{}/{}", item.list, item.code),
            office_path: None,
            before,
            after: Some(json!({"name_id": item.name_id, "name_en": item.name_en, "ordinal": item.ordinal, "active": item.active})),
        },
    )
    .await?;
    tx.commit().await?;
    db.forget_reference();
    Ok(())
}

pub async fn setting(db: &Db, key: &str) -> DbResult<Option<String>> {
    Ok(sqlx::query("SELECT value FROM settings WHERE key = $1")
        .bind(key)
        .fetch_optional(db.pool())
        .await?
        .map(|r| r.get("value")))
}

/// Reference data read by every report submission and dashboard, kept for a few seconds so that
/// a submission does not spend five queries re-reading lists that change a few times a year.
/// Forgotten at once by this process's own changes and by other servers' announcements
/// ([`Db::forget_reference`]); the age bound covers a change made from another process on SQLite.
#[derive(Debug, Default)]
pub(crate) struct Cached {
    /// Bumped by every forget, so that a value read before a change is not kept after it.
    generation: std::sync::atomic::AtomicU64,
    rule: std::sync::Mutex<Option<(std::time::Instant, ReportingRule)>>,
    line_rules: std::sync::Mutex<Option<(std::time::Instant, Arc<LineRules>)>>,
}

/// How long cached reference data is trusted without an announcement.
const REFERENCE_FRESH: std::time::Duration = std::time::Duration::from_secs(5);

impl Cached {
    pub(crate) fn forget(&self) {
        self.generation
            .fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        *self.rule.lock().unwrap_or_else(|e| e.into_inner()) = None;
        *self.line_rules.lock().unwrap_or_else(|e| e.into_inner()) = None;
    }

    fn generation(&self) -> u64 {
        self.generation.load(std::sync::atomic::Ordering::SeqCst)
    }

    fn fresh<T: Clone>(slot: &std::sync::Mutex<Option<(std::time::Instant, T)>>) -> Option<T> {
        match &*slot.lock().unwrap_or_else(|e| e.into_inner()) {
            Some((at, v)) if at.elapsed() < REFERENCE_FRESH => Some(v.clone()),
            _ => None,
        }
    }

    /// Keeps `value`, read while the generation was `read_at`, unless a change came since.
    fn keep<T>(
        &self,
        slot: &std::sync::Mutex<Option<(std::time::Instant, T)>>,
        read_at: u64,
        value: T,
    ) {
        let mut slot = slot.lock().unwrap_or_else(|e| e.into_inner());
        if self.generation() == read_at {
            *slot = Some((std::time::Instant::now(), value));
        }
    }
}

/// The reference lists a report line is checked against, from the cache when fresh.
pub(crate) async fn line_rules(db: &Db) -> DbResult<Arc<LineRules>> {
    let cache = &db.reference;
    if let Some(rules) = Cached::fresh(&cache.line_rules) {
        return Ok(rules);
    }
    let read_at = cache.generation();
    let rules = Arc::new(LineRules::load(db).await?);
    cache.keep(&cache.line_rules, read_at, rules.clone());
    Ok(rules)
}

/// The reporting rule from settings (defaults where unset or malformed), from the cache when
/// fresh.
pub async fn reporting_rule(db: &Db) -> DbResult<ReportingRule> {
    let cache = &db.reference;
    if let Some(rule) = Cached::fresh(&cache.rule) {
        return Ok(rule);
    }
    let read_at = cache.generation();
    let rule = read_reporting_rule(db).await?;
    cache.keep(&cache.rule, read_at, rule);
    Ok(rule)
}

async fn read_reporting_rule(db: &Db) -> DbResult<ReportingRule> {
    let d = ReportingRule::default();
    let num = |v: Option<String>, default: u32| v.and_then(|s| s.parse().ok()).unwrap_or(default);
    let rule = ReportingRule {
        period_months: num(
            setting(db, "ibm.report_period_months").await?,
            d.period_months,
        ),
        due_days: num(setting(db, "ibm.report_due_days").await?, d.due_days),
        silent_after: num(
            setting(db, "ibm.silent_after_periods").await?,
            d.silent_after,
        ),
    };
    Ok(if rule.is_valid() { rule } else { d })
}

/// Limits national admins set: the longest API token lifetime and the evidence one assessment
/// may hold.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Limits {
    pub token_max_days: i64,
    pub evidence_quota_mb: i64,
}

pub async fn limits(db: &Db) -> DbResult<Limits> {
    Ok(Limits {
        token_max_days: crate::tokens::max_days(db).await?,
        evidence_quota_mb: (crate::sni::evidence::quota_bytes(db).await? / 1024 / 1024) as i64,
    })
}

pub async fn set_limits(db: &Db, actor: Actor<'_>, limits: Limits) -> DbResult<()> {
    actor.authorize_national(Permission::ManageReference)?;
    if !(1..=crate::tokens::MAX_DAYS).contains(&limits.token_max_days) {
        return Err(DbError::out_of_range(
            "token_max_days",
            1,
            crate::tokens::MAX_DAYS,
        ));
    }
    if !(1..=10_000).contains(&limits.evidence_quota_mb) {
        return Err(DbError::out_of_range("evidence_quota_mb", 1, 10_000));
    }
    let before = self::limits(db).await?;
    let values = [
        ("auth.token_max_days", limits.token_max_days.to_string()),
        (
            "sni.evidence_quota_mb",
            limits.evidence_quota_mb.to_string(),
        ),
    ];
    write_settings(db, actor, "batas", &values, (&before, &limits)).await
}

/// Writes settings and one audit entry for them (`entity_id` names the group, with the values
/// before and after) in one transaction.
async fn write_settings<T: Serialize>(
    db: &Db,
    actor: Actor<'_>,
    group: &str,
    values: &[(&str, String)],
    (before, after): (&T, &T),
) -> DbResult<()> {
    let mut tx = db.begin().await?;
    for (key, value) in values {
        sqlx::query(
            "INSERT INTO settings (key, value, updated_at) VALUES ($1, $2, $3) \
             ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at",
        )
        .bind(*key)
        .bind(value)
        .bind(now_rfc3339())
        .execute(&mut *tx)
        .await?;
    }
    audit::record(
        &mut tx,
        actor,
        Change {
            action: "update",
            entity: "pengaturan",
            entity_id: group.into(),
            office_path: None,
            before: Some(serde_json::to_value(before).unwrap_or_default()),
            after: Some(serde_json::to_value(after).unwrap_or_default()),
        },
    )
    .await?;
    tx.commit().await?;
    db.forget_reference();
    Ok(())
}

pub async fn set_reporting_rule(db: &Db, actor: Actor<'_>, rule: ReportingRule) -> DbResult<()> {
    actor.authorize_national(Permission::ManageReference)?;
    if !rule.is_valid() {
        return Err(DbError::Invalid(
            Message::new("err-reporting-rule")
                .with("field", "period_months")
                .with("max", pantau_core::ibm::ReportingRule::MAX_SILENT_AFTER),
        ));
    }
    let before = reporting_rule(db).await?;
    let values = [
        ("ibm.report_period_months", rule.period_months.to_string()),
        ("ibm.report_due_days", rule.due_days.to_string()),
        ("ibm.silent_after_periods", rule.silent_after.to_string()),
    ];
    write_settings(db, actor, "ibm.reporting", &values, (&before, &rule)).await
}
