//! The daily digest: what waits for each person, from the same queries as "Tugas saya" —
//! reports due within three days, late reports and silent units, follow-up actions coming due
//! and overdue, assessments waiting for the reader's step. For every active account with an
//! email address that has not turned it off; the unit's reporter gets its own unit's. Names of
//! units, institutions and offices only: never a client's data.

use crate::audit::{self, Actor, Change};
use crate::db::Db;
use crate::error::DbResult;
use crate::tasks::{self, TaskItem, TaskKind};
use chrono::{Duration, NaiveDate};
use serde::Serialize;
use serde_json::json;
use sqlx::Row;

/// The kinds of task a digest tells of, in the order it lists them.
pub const DIGEST_KINDS: &[TaskKind] = &[
    TaskKind::ReportLate,
    TaskKind::ReportDue,
    TaskKind::UnitSilent,
    TaskKind::IbmActionOverdue,
    TaskKind::IbmActionDue,
    TaskKind::StageVerify,
    TaskKind::StageFinalize,
    TaskKind::SniVerify,
    TaskKind::SniFinalize,
    TaskKind::SniActionOverdue,
    TaskKind::SniActionDue,
];
/// A report still to send is told of from this many days before its due date.
pub const REPORT_DUE_AHEAD_DAYS: i64 = 3;
/// Records named per kind; the rest are counted.
pub const ITEMS_PER_KIND: usize = 5;

#[derive(Debug, Clone, Serialize)]
pub struct DigestLine {
    pub kind: TaskKind,
    pub count: i64,
    pub first: Vec<TaskItem>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Digest {
    pub user_id: i64,
    pub username: String,
    pub full_name: String,
    pub email: String,
    pub language: String,
    pub lines: Vec<DigestLine>,
}

/// Whether the open period's report falls due within [`REPORT_DUE_AHEAD_DAYS`].
async fn report_due_soon(db: &Db, today: NaiveDate) -> DbResult<bool> {
    let rule = crate::reference::reporting_rule(db).await?;
    let open = rule
        .periods(today - Duration::days(400), today)
        .into_iter()
        .find(|p| rule.due_date(*p) >= today);
    Ok(open.is_some_and(|p| rule.due_date(p) <= today + Duration::days(REPORT_DUE_AHEAD_DAYS)))
}

/// The digests of `today`: one per account that gets one and has something waiting. With
/// `again`, accounts already sent today's are included.
pub async fn digests(db: &Db, today: NaiveDate, again: bool) -> DbResult<Vec<Digest>> {
    let rows = sqlx::query(
        "SELECT id, username, full_name, email, language, reminded_on FROM users \
         WHERE active = $1 AND reminders = $1 AND email <> '' ORDER BY username",
    )
    .bind(true)
    .fetch_all(db.pool())
    .await?;
    let due_soon = report_due_soon(db, today).await?;
    let mut out = Vec::new();
    for r in rows {
        if !again && r.get::<String, _>("reminded_on") == today.to_string() {
            continue;
        }
        let user_id: i64 = r.get("id");
        let who = crate::users::principal(db, user_id).await?;
        let mut lines = Vec::new();
        for count in tasks::counts(db, &who, today).await? {
            let wanted = DIGEST_KINDS.contains(&count.kind)
                && (count.kind != TaskKind::ReportDue || due_soon);
            if !wanted || count.count == 0 {
                continue;
            }
            let mut first = tasks::items(db, &who, count.kind, today).await?;
            first.truncate(ITEMS_PER_KIND);
            lines.push(DigestLine {
                kind: count.kind,
                count: count.count,
                first,
            });
        }
        lines.sort_by_key(|l| DIGEST_KINDS.iter().position(|k| *k == l.kind));
        if lines.is_empty() {
            continue;
        }
        out.push(Digest {
            user_id,
            username: r.get("username"),
            full_name: r.get("full_name"),
            email: r.get("email"),
            language: r.get("language"),
            lines,
        });
    }
    Ok(out)
}

/// Notes that the account was sent `today`'s digest.
pub async fn mark_sent(db: &Db, user_id: i64, today: NaiveDate) -> DbResult<()> {
    sqlx::query("UPDATE users SET reminded_on = $1 WHERE id = $2")
        .bind(today.to_string())
        .bind(user_id)
        .execute(db.pool())
        .await?;
    Ok(())
}

/// Whether the account gets the digest.
pub async fn enabled(db: &Db, user_id: i64) -> DbResult<bool> {
    let row = sqlx::query("SELECT reminders FROM users WHERE id = $1")
        .bind(user_id)
        .fetch_one(db.pool())
        .await?;
    Ok(crate::db::flag(&row, "reminders"))
}

/// The account turns its digest on or off (its own choice, recorded in the audit log).
pub async fn set_enabled(db: &Db, who: &pantau_core::access::Principal, on: bool) -> DbResult<()> {
    let mut tx = db.begin().await?;
    sqlx::query("UPDATE users SET reminders = $1 WHERE id = $2")
        .bind(on)
        .bind(who.user_id)
        .execute(&mut *tx)
        .await?;
    audit::record(
        &mut tx,
        Actor::User(who),
        Change {
            action: "update",
            entity: "pengguna",
            entity_id: who.user_id.to_string(),
            office_path: None,
            before: None,
            after: Some(json!({"reminders": on})),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(())
}
