//! Periodic unit reports: activity counts and service counts (by sex, age band, and referral
//! risk level), their due dates, lateness, missing periods and silent units.

use super::{authorize_unit, check_text};
use crate::audit::{self, Actor, Change};
use crate::error::{DbError, DbResult};
use crate::{Db, now_rfc3339, reference};
use chrono::NaiveDate;
use pantau_core::access::{Permission, Principal};
use pantau_core::ibm::{Period, ReportState, ReportingRule, Sex, UnitStatus};
use pantau_core::message::Message;
use serde::{Deserialize, Serialize};
use serde_json::json;
use sqlx::Row;
use std::collections::{HashMap, HashSet};
use std::sync::Arc;

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq, schemars::JsonSchema)]
pub struct ReportLine {
    /// `activity` or `service`.
    #[schemars(schema_with = "pantau_core::schema::line_kind")]
    pub kind: String,
    pub item_code: String,
    #[serde(default)]
    #[schemars(schema_with = "pantau_core::schema::line_sex")]
    pub sex: String,
    #[serde(default)]
    pub age_band: String,
    #[serde(default)]
    pub risk_level: String,
    #[schemars(schema_with = "pantau_core::schema::line_count")]
    pub count: i64,
}

#[derive(Debug, Clone, Serialize)]
pub struct Report {
    pub id: i64,
    pub unit_id: i64,
    pub period: String,
    pub submitted_on: String,
    pub due_date: String,
    pub late: bool,
    pub note: String,
    pub submitted_by: String,
    /// Raised by every correction; a correction names the version it corrects.
    pub version: i64,
    pub lines: Vec<ReportLine>,
}

/// Which existing report a submission may replace.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Replaces {
    /// The submitter's own report for the period, if any, or one the system loaded; a report
    /// another person submitted is refused as a conflict to review (a reporter and an officer
    /// both typing the same month).
    Own,
    /// Exactly this version of the report (0: none) — the one the editor had in front of them.
    Version(i64),
    /// Whatever is there: imports, whose file is the newer word.
    Any,
}

/// The reference lists a report line is checked against.
#[derive(Debug)]
pub(crate) struct LineRules {
    activities: HashSet<String>,
    services: HashSet<String>,
    ages: HashSet<String>,
    risks: HashSet<String>,
}

impl LineRules {
    pub(crate) async fn load(db: &Db) -> DbResult<Self> {
        let codes = |items: Vec<reference::RefItem>| {
            items.into_iter().map(|i| i.code).collect::<HashSet<_>>()
        };
        Ok(LineRules {
            activities: codes(reference::items(db, "activity", false).await?),
            services: codes(reference::items(db, "service", false).await?),
            ages: codes(reference::items(db, "age_band", false).await?),
            risks: codes(reference::items(db, "risk_level", false).await?),
        })
    }

    /// Counts are whole and not negative, services carry sex and age band, and referrals a risk
    /// level. The error names the field (`jumlah`, `kode_item`, …) and why, for line `line`.
    pub(crate) fn check(&self, l: &ReportLine, line: usize) -> Result<(), (&'static str, Message)> {
        let refuse = |field, key| Err((field, Message::new(key).with("line", line)));
        if l.count < 0 || l.count > pantau_core::limits::LINE_COUNT_MAX {
            return Err((
                "jumlah",
                Message::new("err-line-count")
                    .with("line", line)
                    .with("count", l.count),
            ));
        }
        match l.kind.as_str() {
            "activity" => {
                if !self.activities.contains(&l.item_code) {
                    return Err((
                        "kode_item",
                        Message::new("err-line-activity")
                            .with("line", line)
                            .with("code", &l.item_code),
                    ));
                }
            }
            "service" => {
                if !self.services.contains(&l.item_code) {
                    return Err((
                        "kode_item",
                        Message::new("err-line-service")
                            .with("line", line)
                            .with("code", &l.item_code),
                    ));
                }
                if Sex::parse(&l.sex).is_none() {
                    return refuse("jenis_kelamin", "err-line-sex");
                }
                if !self.ages.contains(&l.age_band) {
                    return Err((
                        "kelompok_umur",
                        Message::new("err-line-age")
                            .with("line", line)
                            .with("code", &l.age_band),
                    ));
                }
                let is_referral = l.item_code == "rujukan";
                if is_referral != !l.risk_level.is_empty()
                    || (is_referral && !self.risks.contains(&l.risk_level))
                {
                    return refuse("tingkat_risiko", "err-line-risk");
                }
            }
            other => {
                return Err((
                    "jenis",
                    Message::new("err-line-kind")
                        .with("line", line)
                        .with("kind", other),
                ));
            }
        }
        Ok(())
    }
}

/// Checks every line against the reference lists (see [`LineRules::check`]) and for doubles.
pub(crate) async fn check_lines(db: &Db, lines: &[ReportLine]) -> DbResult<()> {
    super::check_count("lines", lines.len(), pantau_core::limits::LINES_PER_REPORT)?;
    let rules = reference::line_rules(db).await?;
    let mut seen = HashSet::new();
    for (i, l) in lines.iter().enumerate() {
        let row = i + 1;
        if let Err((_, why)) = rules.check(l, row) {
            // A code missing from the reference lists names something that does not exist.
            let unknown_code = matches!(
                why.key.as_ref(),
                "err-line-activity" | "err-line-service" | "err-line-age"
            );
            return Err(if unknown_code {
                DbError::Missing(why)
            } else {
                DbError::rule(why)
            });
        }
        if !seen.insert((&l.kind, &l.item_code, &l.sex, &l.age_band, &l.risk_level)) {
            return Err(DbError::rule(
                Message::new("err-line-twice").with("line", row),
            ));
        }
    }
    Ok(())
}

/// Submits (or resubmits) a unit's report for `period`. Users report as of today; only the
/// system (imports, demo) may give another submission date.
pub async fn submit(
    db: &Db,
    actor: Actor<'_>,
    unit_id: i64,
    period: &str,
    lines: &[ReportLine],
    note: &str,
    submitted_on: Option<NaiveDate>,
    replaces: Replaces,
) -> DbResult<Report> {
    let period = Period::parse(period)?;
    let rule = reference::reporting_rule(db).await?;
    if !rule.is_period_start(period) {
        return Err(DbError::Invalid(
            Message::new("err-period-start")
                .with("field", "period")
                .with("period", period),
        ));
    }
    check_text("note", note, 2000, false)?;
    check_lines(db, lines).await?;
    let today = crate::today();
    let submitted = match (actor, submitted_on) {
        (Actor::System(_), Some(d)) => d,
        (_, None) => today,
        (Actor::User(_), Some(_)) => {
            return Err(DbError::field("err-set-by-system", "submitted_on"));
        }
    };
    if period.first_day() > submitted {
        return Err(DbError::State(
            Message::new("err-period-not-started")
                .with("field", "period")
                .with("period", period),
        ));
    }
    let due = rule.due_date(period);
    let late = rule.state(period, Some(submitted), today) == ReportState::Late;
    // Owned, because the write may run on the writer thread, and twice (see group_commit).
    let principal = match actor {
        Actor::User(p) => Some(p.clone()),
        Actor::System(_) => None,
    };
    let system = match actor {
        Actor::System(name) => name.to_string(),
        Actor::User(_) => String::new(),
    };
    let lines: Arc<[ReportLine]> = lines.into();
    let note: Arc<str> = note.into();
    let work: crate::group_commit::Work<Report> = Arc::new(move |conn| {
        let (principal, system, lines, note) = (
            principal.clone(),
            system.clone(),
            lines.clone(),
            note.clone(),
        );
        Box::pin(async move {
            let actor = match &principal {
                Some(p) => Actor::User(p),
                None => Actor::System(&system),
            };
            let checked = Checked {
                period,
                due,
                late,
                submitted,
                replaces,
            };
            write_in(conn, actor, unit_id, checked, &lines, &note).await
        })
    });
    crate::group_commit::run(db, work).await
}

/// A period already checked against the reporting rule, with its due date and lateness.
pub(crate) struct Checked {
    pub period: Period,
    pub due: NaiveDate,
    pub late: bool,
    pub submitted: NaiveDate,
    pub replaces: Replaces,
}

/// The writing half of [`submit`], inside the caller's transaction (imports write many); answers
/// the report as stored. The lines must have passed [`check_lines`].
///
/// Kept short because every other writer waits for it (for the write lock on SQLite, for the
/// roll-up rows on PostgreSQL): one statement reads (and on PostgreSQL locks) the unit with its
/// office path, roll-up state and years; a new report is inserted in one try, and its roll-ups
/// are added from what it changes instead of recounting the unit. On PostgreSQL, where each
/// statement is a round trip to the server, a new report, its lines, its audit entry and its
/// roll-ups are written by one statement.
pub(crate) async fn write_in(
    mut tx: &mut sqlx::AnyConnection,
    actor: Actor<'_>,
    unit_id: i64,
    checked: Checked,
    lines: &[ReportLine],
    note: &str,
) -> DbResult<Report> {
    let Checked {
        period,
        due,
        late,
        submitted,
        replaces,
    } = checked;
    let unit = super::rollup::reporting_unit(&mut tx, unit_id)
        .await?
        .ok_or_else(|| DbError::not_found(format!("unit IBM {unit_id}")))?;
    let path = pantau_core::org::OfficePath::parse(&unit.path)
        .ok_or_else(|| DbError::invalid("jalur satker rusak"))?;
    actor.authorize_unit(Permission::SubmitReports, &path, unit_id)?;
    let by = actor.name();
    let note = note.trim();
    let period_text = period.to_string();
    let now = now_rfc3339();
    let mut report = Report {
        id: 0,
        unit_id,
        period: period_text.clone(),
        submitted_on: submitted.to_string(),
        due_date: due.to_string(),
        late,
        note: note.to_string(),
        submitted_by: by.to_string(),
        version: 1,
        lines: lines.iter().filter(|l| l.count > 0).cloned().collect(),
    };
    report.lines.sort_by(|a, b| {
        (&a.kind, &a.item_code, &a.sex, &a.age_band, &a.risk_level).cmp(&(
            &b.kind,
            &b.item_code,
            &b.sex,
            &b.age_band,
            &b.risk_level,
        ))
    });
    let added = super::rollup::report_added(
        &unit,
        unit_id,
        &period_text,
        &report.due_date,
        &report.submitted_on,
    );
    let new_entry = |report: &Report| json!({"unit_id": unit_id, "period": period_text, "late": report.late, "lines": report.lines});
    let one_statement = tx.backend_name().eq_ignore_ascii_case("postgresql");
    // SQLite has no INSERT inside WITH: there the statement is the INSERT alone.
    let mut sql = crate::sql::Sql::new(if one_statement { "WITH r AS (" } else { "" });
    sql.push(
        "INSERT INTO ibm_reports (unit_id, period, submitted_on, due_date, late, note, \
         submitted_by, updated_at) VALUES (",
    )
    .bind(unit_id)
    .push(", ")
    .bind(period_text.clone())
    .push(", ")
    .bind(report.submitted_on.clone())
    .push(", ")
    .bind(report.due_date.clone())
    .push(", ")
    .bind(late)
    .push(", ")
    .bind(note.to_string())
    .push(", ")
    .bind(by.clone())
    .push(", ")
    .bind(now.clone())
    .push(") ON CONFLICT (unit_id, period) DO NOTHING RETURNING id");
    if one_statement {
        sql.push(")");
        if !report.lines.is_empty() {
            sql.push(
                ", report_lines AS (INSERT INTO ibm_report_lines (report_id, kind, item_code, sex, \
                 age_band, risk_level, count) SELECT r.id, v.kind, v.item_code, v.sex, v.age_band, \
                 v.risk_level, v.count FROM r CROSS JOIN (VALUES ",
            );
            bind_lines(&mut sql, &report.lines, None);
            sql.push(") AS v (kind, item_code, sex, age_band, risk_level, count))");
        }
        sql.push(", ");
        audit::push_entry_for_new(
            &mut sql,
            actor,
            Change {
                action: "submit",
                entity: "laporan_ibm",
                entity_id: String::new(),
                office_path: Some(&path),
                before: None,
                after: Some(new_entry(&report)),
            },
        );
        // Last: the roll-up rows are shared by every unit of the office, and on PostgreSQL their
        // row locks are held from here to the commit.
        added.push_ctes(&mut sql);
        sql.push(" SELECT id FROM r");
    }
    let inserted: Option<i64> = sql
        .query()
        .fetch_optional(&mut *tx)
        .await?
        .map(|r| r.get("id"));
    if let Some(id) = inserted {
        if matches!(replaces, Replaces::Version(v) if v != 0) {
            // Corrects a version that is not there: the report was withdrawn meanwhile.
            return Err(DbError::edited_meanwhile("-"));
        }
        report.id = id;
        if !one_statement {
            insert_lines(tx, id, &report.lines).await?;
            audit::record(
                &mut tx,
                actor,
                Change {
                    action: "submit",
                    entity: "laporan_ibm",
                    entity_id: id.to_string(),
                    office_path: Some(&path),
                    before: None,
                    after: Some(new_entry(&report)),
                },
            )
            .await?;
            // Last, as above.
            added.apply(tx).await?;
        }
        return Ok(report);
    }
    // A resubmission keeps the first submission date, due date and lateness: correcting a
    // report does not make it late, and so changes no roll-up.
    let r = sqlx::query(
        "SELECT id, submitted_on, due_date, late, submitted_by, updated_at, version \
         FROM ibm_reports WHERE unit_id = $1 AND period = $2",
    )
    .bind(unit_id)
    .bind(&period_text)
    .fetch_one(&mut *tx)
    .await?;
    let stored: i64 = r.get("version");
    let stored_by: String = r.get("submitted_by");
    match replaces {
        Replaces::Any => {}
        Replaces::Version(v) if v == stored => {}
        // What the system loaded (an import from the command line, the demo) is corrected
        // like one's own: the conflict is between people typing the same month.
        Replaces::Own if stored_by == by || stored_by.starts_with(audit::SYSTEM_PREFIX) => {}
        Replaces::Version(_) => {
            return Err(DbError::edited_meanwhile(r.get::<String, _>("updated_at")));
        }
        Replaces::Own => {
            return Err(DbError::State(
                Message::new("err-report-by-other")
                    .with("period", &period_text)
                    .with("by", stored_by)
                    .with("at", r.get::<String, _>("updated_at"))
                    .with("version", stored),
            ));
        }
    }
    report.id = r.get("id");
    report.submitted_on = r.get("submitted_on");
    report.due_date = r.get("due_date");
    report.late = crate::db::flag(&r, "late");
    report.version = stored + 1;
    let old: Vec<ReportLine> = lines_of(&mut tx, report.id).await?;
    sqlx::query(
        "UPDATE ibm_reports SET note = $1, submitted_by = $2, updated_at = $3, version = $4 WHERE id = $5",
    )
    .bind(note)
    .bind(&by)
    .bind(&now)
    .bind(report.version)
    .bind(report.id)
    .execute(&mut *tx)
    .await?;
    sqlx::query("DELETE FROM ibm_report_lines WHERE report_id = $1")
        .bind(report.id)
        .execute(&mut *tx)
        .await?;
    insert_lines(tx, report.id, &report.lines).await?;
    audit::record(
        &mut tx,
        actor,
        Change {
            action: "resubmit",
            entity: "laporan_ibm",
            entity_id: report.id.to_string(),
            office_path: Some(&path),
            before: Some(json!({"submitted_on": report.submitted_on, "lines": old})),
            after: Some(new_entry(&report)),
        },
    )
    .await?;
    Ok(report)
}

/// `(…), (…)`: one row of values per line, led by `report_id` when given.
fn bind_lines(sql: &mut crate::sql::Sql, lines: &[ReportLine], report_id: Option<i64>) {
    sql.values(lines, |row, l| {
        if let Some(id) = report_id {
            row.bind(id);
        }
        row.bind(l.kind.clone())
            .bind(l.item_code.clone())
            .bind(l.sex.clone())
            .bind(l.age_band.clone())
            .bind(l.risk_level.clone())
            .bind(l.count);
    });
}

/// One multi-row INSERT per report: a report has dozens of cells.
async fn insert_lines(
    conn: &mut sqlx::AnyConnection,
    report_id: i64,
    lines: &[ReportLine],
) -> DbResult<()> {
    if lines.is_empty() {
        return Ok(());
    }
    let mut sql = crate::sql::Sql::new(
        "INSERT INTO ibm_report_lines (report_id, kind, item_code, sex, age_band, risk_level, count) VALUES ",
    );
    bind_lines(&mut sql, lines, Some(report_id));
    sql.query().execute(conn).await?;
    Ok(())
}

async fn lines_of(conn: &mut sqlx::AnyConnection, report_id: i64) -> DbResult<Vec<ReportLine>> {
    let rows = sqlx::query("SELECT * FROM ibm_report_lines WHERE report_id = $1 ORDER BY kind, item_code, sex, age_band, risk_level")
        .bind(report_id)
        .fetch_all(conn)
        .await?;
    Ok(rows
        .iter()
        .map(|r| ReportLine {
            kind: r.get("kind"),
            item_code: r.get("item_code"),
            sex: r.get("sex"),
            age_band: r.get("age_band"),
            risk_level: r.get("risk_level"),
            count: r.get("count"),
        })
        .collect())
}

pub async fn get(
    db: &Db,
    actor: Actor<'_>,
    unit_id: i64,
    period: &str,
) -> DbResult<Option<Report>> {
    let mut conn = db.pool().acquire().await?;
    authorize_unit(&mut conn, actor, Permission::ReadData, unit_id).await?;
    let Some(r) = sqlx::query("SELECT * FROM ibm_reports WHERE unit_id = $1 AND period = $2")
        .bind(unit_id)
        .bind(period)
        .fetch_optional(&mut *conn)
        .await?
    else {
        return Ok(None);
    };
    let id: i64 = r.get("id");
    Ok(Some(Report {
        id,
        unit_id,
        period: r.get("period"),
        submitted_on: r.get("submitted_on"),
        due_date: r.get("due_date"),
        late: crate::db::flag(&r, "late"),
        note: r.get("note"),
        submitted_by: r.get("submitted_by"),
        version: r.get("version"),
        lines: lines_of(&mut conn, id).await?,
    }))
}

/// When a unit started being expected to report: its first move to operating.
async fn operating_since(
    conn: &mut sqlx::AnyConnection,
    unit_ids: &[i64],
) -> DbResult<HashMap<i64, NaiveDate>> {
    if unit_ids.is_empty() {
        return Ok(HashMap::new());
    }
    let mut sql = crate::sql::Sql::new(
        "SELECT unit_id, MIN(effective_date) AS since FROM ibm_unit_status_log WHERE to_status = ",
    );
    sql.bind(UnitStatus::Operating.as_str().to_string())
        .push(" AND unit_id IN (");
    sql.bind_list(unit_ids.iter().copied())
        .push(") GROUP BY unit_id");
    let rows = sql.query().fetch_all(conn).await?;
    Ok(rows
        .iter()
        .filter_map(|r| {
            let since: String = r.get("since");
            Some((
                r.get::<i64, _>("unit_id"),
                NaiveDate::parse_from_str(&since, "%Y-%m-%d").ok()?,
            ))
        })
        .collect())
}

#[derive(Debug, Clone, Serialize)]
pub struct Compliance {
    pub unit_id: i64,
    pub periods: Vec<(String, ReportState)>,
    pub on_time: usize,
    pub late: usize,
    pub missing: usize,
    pub silent: bool,
}

fn compliance_of(
    unit_id: i64,
    rule: &ReportingRule,
    since: Option<NaiveDate>,
    until: NaiveDate,
    submitted: &HashMap<String, NaiveDate>,
    today: NaiveDate,
) -> Compliance {
    let periods: Vec<(Period, ReportState)> = since
        .map(|s| rule.periods(s, until))
        .unwrap_or_default()
        .into_iter()
        .map(|p| {
            (
                p,
                rule.state(p, submitted.get(&p.to_string()).copied(), today),
            )
        })
        .collect();
    let count = |st: ReportState| periods.iter().filter(|(_, s)| *s == st).count();
    Compliance {
        unit_id,
        on_time: count(ReportState::OnTime),
        late: count(ReportState::Late),
        missing: count(ReportState::Missing),
        silent: rule.is_silent(&periods),
        periods: periods
            .into_iter()
            .map(|(p, s)| (p.to_string(), s))
            .collect(),
    }
}

/// Reporting compliance of every unit in scope as of `today`: which periods were on time, late or
/// missing, and whether the unit has gone silent. Dissolved units are left out.
pub async fn compliance(
    db: &Db,
    who: &Principal,
    unit_id: Option<i64>,
    today: NaiveDate,
) -> DbResult<Vec<Compliance>> {
    let rule = reference::reporting_rule(db).await?;
    let mut sql = crate::sql::Sql::new(
        "SELECT u.id, u.status, u.status_date FROM ibm_units u JOIN offices o ON o.id = u.office_id \
         WHERE ",
    );
    match unit_id {
        // One unit: its officers, or its own reporter (who has no office-wide scope).
        Some(id) => {
            let mut conn = db.pool().acquire().await?;
            authorize_unit(&mut conn, Actor::User(who), Permission::ReadData, id).await?;
            sql.push("u.id = ").bind(id);
        }
        None => {
            if !sql.scope(who, Permission::ReadData, "o.path") {
                return Ok(vec![]);
            }
        }
    }
    sql.push(" ORDER BY u.id");
    let q = sql.query();
    let units: Vec<(i64, String, String)> = q
        .fetch_all(db.pool())
        .await?
        .iter()
        .map(|r| (r.get("id"), r.get("status"), r.get("status_date")))
        .collect();
    let ids: Vec<i64> = units.iter().map(|u| u.0).collect();
    let mut conn = db.pool().acquire().await?;
    let since = operating_since(&mut conn, &ids).await?;
    let mut submitted: HashMap<i64, HashMap<String, NaiveDate>> = HashMap::new();
    if !ids.is_empty() {
        let mut sql = crate::sql::Sql::new(
            "SELECT unit_id, period, submitted_on FROM ibm_reports WHERE unit_id IN (",
        );
        sql.bind_list(ids.iter().copied()).push(")");
        for r in sql.query().fetch_all(&mut *conn).await? {
            if let Ok(d) =
                NaiveDate::parse_from_str(&r.get::<String, _>("submitted_on"), "%Y-%m-%d")
            {
                submitted
                    .entry(r.get("unit_id"))
                    .or_default()
                    .insert(r.get("period"), d);
            }
        }
    }
    let empty = HashMap::new();
    Ok(units
        .iter()
        .filter(|(_, status, _)| status != UnitStatus::Dissolved.as_str())
        .map(|(id, _, _)| {
            compliance_of(
                *id,
                &rule,
                since.get(id).copied(),
                today,
                submitted.get(id).unwrap_or(&empty),
                today,
            )
        })
        .collect())
}

/// Summed service counts of one report kind across the principal's scope for a year, by item.
pub async fn totals(
    db: &Db,
    who: &Principal,
    year: i64,
    kind: &str,
) -> DbResult<Vec<(String, i64)>> {
    let mut sql = crate::sql::Sql::new(
        "SELECT l.item_code, CAST(SUM(l.count) AS BIGINT) AS n FROM ibm_report_lines l \
         JOIN ibm_reports r ON r.id = l.report_id JOIN ibm_units u ON u.id = r.unit_id \
         JOIN offices o ON o.id = u.office_id WHERE l.kind = ",
    );
    sql.bind(kind.to_string())
        .push(" AND r.period LIKE ")
        .bind(format!("{year}-%"));
    sql.push(" AND ");
    if !sql.scope(who, Permission::ReadData, "o.path") {
        return Ok(vec![]);
    }
    sql.push(" GROUP BY l.item_code ORDER BY l.item_code");
    let q = sql.query();
    Ok(q.fetch_all(db.pool())
        .await?
        .iter()
        .map(|r| (r.get("item_code"), r.get("n")))
        .collect())
}

/// Withdraws (deletes) a unit's report for a period, e.g. one filed for the wrong unit.
pub async fn withdraw(db: &Db, actor: Actor<'_>, unit_id: i64, period: &str) -> DbResult<()> {
    let mut tx = db.begin().await?;
    let path = authorize_unit(&mut tx, actor, Permission::WriteData, unit_id).await?;
    let rollup = super::rollup::track(&mut tx, unit_id).await?;
    let row =
        sqlx::query("SELECT id, submitted_on FROM ibm_reports WHERE unit_id = $1 AND period = $2")
            .bind(unit_id)
            .bind(period)
            .fetch_optional(&mut *tx)
            .await?
            .ok_or_else(|| DbError::not_found(format!("laporan {period}")))?;
    let id: i64 = row.get("id");
    let lines = lines_of(&mut tx, id).await?;
    sqlx::query("DELETE FROM ibm_reports WHERE id = $1")
        .bind(id)
        .execute(&mut *tx)
        .await?;
    audit::record(&mut tx, actor, Change {
        action: "withdraw",
        entity: "laporan_ibm",
        entity_id: id.to_string(),
        office_path: Some(&path),
        before: Some(json!({"unit_id": unit_id, "period": period, "submitted_on": row.get::<String, _>("submitted_on"), "lines": lines})),
        after: None,
    })
    .await?;
    rollup.finish(&mut tx).await?;
    tx.commit().await?;
    Ok(())
}
