//! Live IBM dashboard figures for the nation or any office, computed on request from indexed
//! rows — nothing is rebuilt overnight, so a write shows on the next page load.

use crate::error::DbResult;
use crate::ibm::reports;
use crate::ibm::targets;
use crate::sql::Sql;
use crate::{Backend, Db, offices};
use chrono::NaiveDate;
use pantau_core::access::{Permission, Principal};
use pantau_core::ibm::{ReportState, TargetRow};
use pantau_core::org::OfficePath;
use serde::Serialize;
use sqlx::Row;
use std::collections::{BTreeMap, HashMap};

/// Reporting over the periods of one year that are already due.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Completeness {
    pub expected: usize,
    pub on_time: usize,
    pub late: usize,
    pub missing: usize,
    pub silent_units: usize,
}

impl Completeness {
    pub fn submitted(&self) -> usize {
        self.on_time + self.late
    }

    /// Share of due reports that arrived, in percent.
    pub fn completeness_pct(&self) -> Option<f64> {
        (self.expected > 0)
            .then(|| (self.submitted() as f64 * 1000.0 / self.expected as f64).round() / 10.0)
    }

    /// Share of arrived reports that were on time, in percent.
    pub fn timeliness_pct(&self) -> Option<f64> {
        (self.submitted() > 0)
            .then(|| (self.on_time as f64 * 1000.0 / self.submitted() as f64).round() / 10.0)
    }

    fn add(&mut self, o: &Completeness) {
        self.expected += o.expected;
        self.on_time += o.on_time;
        self.late += o.late;
        self.missing += o.missing;
        self.silent_units += o.silent_units;
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DashboardRow {
    pub targets: TargetRow,
    pub reporting: Completeness,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TrendPoint {
    pub year: i64,
    pub units: i64,
    pub with_target: i64,
    pub on_target: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct IbmDashboard {
    pub year: i64,
    pub office_id: Option<i64>,
    pub total: TargetRow,
    pub reporting: Completeness,
    pub rows: Vec<DashboardRow>,
    pub silent: Vec<(i64, String, String)>,
    pub trend: Vec<TrendPoint>,
}

/// The key a unit is grouped under below `root`: the child office on the way down, or the unit.
fn child_key(root: &OfficePath, path: &OfficePath, unit_id: i64) -> String {
    match path.ids().get(root.depth()) {
        Some(child) => format!("satker:{child}"),
        None => format!("unit:{unit_id}"),
    }
}

/// Silent units listed by name on a dashboard (the count is always complete).
pub const SILENT_LIST_LIMIT: i64 = 500;

/// The IBM dashboard: from the maintained roll-ups when they can answer (monthly reporting, no
/// unit registered on the root office itself), otherwise computed from the unit rows.
pub async fn ibm(
    db: &Db,
    who: &Principal,
    office_id: Option<i64>,
    year: i64,
    today: NaiveDate,
) -> DbResult<IbmDashboard> {
    let root = offices::report_root(db, who, office_id).await?;
    let rule = crate::reference::reporting_rule(db).await?;
    if rule.period_months == 1 {
        if let Some(d) = from_rollups(db, who, &root, office_id, year, today, &rule).await? {
            return Ok(d);
        }
    }
    ibm_computed(db, who, office_id, year, today).await
}

/// The same dashboard computed from unit and report rows on every request (no roll-ups): the
/// fallback, and the comparison in `pantau bench`.
pub async fn ibm_computed(
    db: &Db,
    who: &Principal,
    office_id: Option<i64>,
    year: i64,
    today: NaiveDate,
) -> DbResult<IbmDashboard> {
    let (rows, total) = targets::table(db, who, office_id, year).await?;
    let root = offices::report_root(db, who, office_id).await?;
    // Units of the year under the root, with their grouping key.
    let mut units_sql = Sql::new(
        "SELECT u.id, u.code, u.name, o.path FROM ibm_unit_years y JOIN ibm_units u ON u.id = y.unit_id \
         JOIN offices o ON o.id = u.office_id WHERE y.year = ",
    );
    units_sql
        .bind(year)
        .push(" AND y.confirmed = ")
        .bind(true)
        .push(" AND ");
    if !units_sql.within(&root, who, Permission::ReadData, "o.path") {
        return Ok(IbmDashboard {
            year,
            office_id,
            total,
            reporting: Completeness::default(),
            rows: vec![],
            silent: vec![],
            trend: vec![],
        });
    };
    let units: HashMap<i64, (String, String, String)> = units_sql
        .query()
        .fetch_all(db.pool())
        .await?
        .iter()
        .filter_map(|r| {
            let path = OfficePath::parse(&r.get::<String, _>("path"))?;
            let id: i64 = r.get("id");
            Some((
                id,
                (r.get("code"), r.get("name"), child_key(&root, &path, id)),
            ))
        })
        .collect();
    let rule = crate::reference::reporting_rule(db).await?;
    let per_unit = if rule.period_months == 1 {
        monthly_completeness(db, who, &root, year, today, &rule).await?
    } else {
        per_period_completeness(db, who, year, today).await?
    };
    let mut per_key: BTreeMap<String, Completeness> = BTreeMap::new();
    let mut reporting = Completeness::default();
    let mut silent = Vec::new();
    for (unit_id, one) in per_unit {
        let Some((code, name, key)) = units.get(&unit_id) else {
            continue;
        };
        if one.silent_units > 0 {
            silent.push((unit_id, code.clone(), name.clone()));
        }
        reporting.add(&one);
        per_key.entry(key.clone()).or_default().add(&one);
    }
    silent.sort_by(|a, b| a.1.cmp(&b.1));
    let rows = rows
        .into_iter()
        .map(|t| DashboardRow {
            reporting: per_key.get(&t.key).cloned().unwrap_or_default(),
            targets: t,
        })
        .collect();
    let mut trend = Vec::new();
    for y in (year - 4)..=year {
        let (_, t) = targets::table(db, who, office_id, y).await?;
        if t.units > 0 || y == year {
            trend.push(TrendPoint {
                year: y,
                units: t.units,
                with_target: t.with_target,
                on_target: t.on_target,
            });
        }
    }
    Ok(IbmDashboard {
        year,
        office_id,
        total,
        reporting,
        rows,
        silent,
        trend,
    })
}

/// The last `silent_after`-th due period before `today`: a unit that started no later and has not
/// reported since is silent. `None` while fewer periods are due.
pub(crate) fn silent_cutoff(
    rule: &pantau_core::ibm::ReportingRule,
    today: NaiveDate,
) -> Option<pantau_core::ibm::Period> {
    let n = rule.silent_after as usize;
    // Saturating: a rule stored before `silent_after` was bounded must not take a dashboard down.
    let back = 366 * 2 + 31 * (n as i64 + 1) * rule.period_months as i64;
    let from = today
        .checked_sub_signed(chrono::Duration::days(back.min(366 * 20)))
        .unwrap_or(NaiveDate::MIN);
    let due: Vec<pantau_core::ibm::Period> = rule
        .periods(from, today)
        .into_iter()
        .filter(|p| rule.due_date(*p) < today)
        .collect();
    (n >= 1 && due.len() >= n).then(|| due[due.len() - n])
}

/// The dashboard from the roll-up tables: a few rows per office, whatever the number of units.
/// `None` when units hang on the root office itself (its rows would be per unit).
async fn from_rollups(
    db: &Db,
    who: &Principal,
    root: &OfficePath,
    office_id: Option<i64>,
    year: i64,
    today: NaiveDate,
    rule: &pantau_core::ibm::ReportingRule,
) -> DbResult<Option<IbmDashboard>> {
    use pantau_core::ibm::Period;
    // Offices under the root that the principal may read, with their row key and label.
    let offices_rows = sqlx::query("SELECT id, name, path FROM offices WHERE path LIKE $1")
        .bind(format!("{}%", root.as_str()))
        .fetch_all(db.pool())
        .await?;
    let mut names: HashMap<i64, String> = HashMap::new();
    let mut key_of: HashMap<i64, String> = HashMap::new();
    for r in &offices_rows {
        let id: i64 = r.get("id");
        names.insert(id, r.get("name"));
        let Some(path) = OfficePath::parse(&r.get::<String, _>("path")) else {
            continue;
        };
        if !path.is_within(root) || !who.can(Permission::ReadData, &path) {
            continue;
        }
        let key = match path.ids().get(root.depth()) {
            Some(child) => format!("satker:{child}"),
            None => String::new(),
        };
        key_of.insert(id, key);
    }
    let label_of = |key: &str| -> String {
        key.strip_prefix("satker:")
            .and_then(|id| id.parse::<i64>().ok())
            .and_then(|id| names.get(&id).cloned())
            .unwrap_or_default()
    };
    let mut groups: BTreeMap<String, TargetRow> = BTreeMap::new();
    let mut total = TargetRow {
        key: root.to_string(),
        ..Default::default()
    };
    for r in sqlx::query(
        "SELECT office_id, units, berkelanjutan, berkelanjutan_mandiri, baru, baru_mandiri, \
         with_target, assessed, on_target FROM ibm_rollup_targets WHERE year = $1 AND units <> 0",
    )
    .bind(year)
    .fetch_all(db.pool())
    .await?
    {
        let Some(key) = key_of.get(&r.get::<i64, _>("office_id")) else {
            continue;
        };
        if key.is_empty() {
            // Units registered on the root office itself: rows per unit, computed instead.
            return Ok(None);
        }
        let n: Vec<i64> = (1..9).map(|i| r.get::<i64, _>(i)).collect();
        let one = TargetRow {
            key: key.clone(),
            label: label_of(key),
            units: n[0],
            berkelanjutan: n[1],
            berkelanjutan_mandiri: n[2],
            baru: n[3],
            baru_mandiri: n[4],
            with_target: n[5],
            assessed: n[6],
            on_target: n[7],
        };
        total.add(&one);
        groups
            .entry(key.clone())
            .or_insert_with(|| TargetRow {
                key: key.clone(),
                label: one.label.clone(),
                ..Default::default()
            })
            .add(&one);
    }
    let today_period = rule.period_of(today);
    let (first, last) = (
        Period {
            year: year as i32,
            month: 1,
        },
        Period {
            year: year as i32,
            month: 12,
        }
        .min(today_period),
    );
    // Due periods of the year for a unit operating from `start`, per distinct start.
    let in_year_due = |start: Period| -> i64 {
        rule.periods(start.max(first).first_day(), today)
            .into_iter()
            .filter(|p| *p >= first && *p <= last && rule.due_date(*p) < today)
            .count() as i64
    };
    let mut per_key: BTreeMap<String, Completeness> = BTreeMap::new();
    let mut due_units: BTreeMap<String, i64> = BTreeMap::new();
    let mut due_of_start: HashMap<String, i64> = HashMap::new();
    for r in sqlx::query(
        "SELECT office_id, start_period, CAST(SUM(units) AS BIGINT) AS units FROM ibm_rollup_units \
         WHERE year = $1 GROUP BY office_id, start_period",
    )
    .bind(year)
    .fetch_all(db.pool())
    .await?
    {
        let Some(key) = key_of.get(&r.get::<i64, _>("office_id")) else {
            continue;
        };
        let start: String = r.get("start_period");
        let due = *due_of_start
            .entry(start.clone())
            .or_insert_with(|| Period::parse(&start).map(in_year_due).unwrap_or(0));
        *due_units.entry(key.clone()).or_default() += r.get::<i64, _>("units") * due;
    }
    let cutoff = silent_cutoff(rule, today);
    if let Some(cutoff) = cutoff {
        for r in sqlx::query(
            "SELECT office_id, CAST(SUM(units) AS BIGINT) AS units FROM ibm_rollup_units \
             WHERE year = $1 AND start_period <= $2 AND last_period < $2 GROUP BY office_id",
        )
        .bind(year)
        .bind(cutoff.to_string())
        .fetch_all(db.pool())
        .await?
        {
            let Some(key) = key_of.get(&r.get::<i64, _>("office_id")) else {
                continue;
            };
            per_key.entry(key.clone()).or_default().silent_units +=
                r.get::<i64, _>("units").max(0) as usize;
        }
    }
    let mut due_reports: BTreeMap<String, i64> = BTreeMap::new();
    for r in sqlx::query(
        "SELECT office_id, CAST(SUM(on_time) AS BIGINT) AS on_time, CAST(SUM(late) AS BIGINT) AS late, \
         CAST(SUM(CASE WHEN due_date < $4 THEN on_time + late ELSE 0 END) AS BIGINT) AS due \
         FROM ibm_rollup_reports WHERE year = $1 AND period >= $2 AND period <= $3 GROUP BY office_id",
    )
    .bind(year)
    .bind(first.to_string())
    .bind(last.to_string())
    .bind(today.to_string())
    .fetch_all(db.pool())
    .await?
    {
        let Some(key) = key_of.get(&r.get::<i64, _>("office_id")) else {
            continue;
        };
        let c = per_key.entry(key.clone()).or_default();
        c.on_time += r.get::<i64, _>("on_time") as usize;
        c.late += r.get::<i64, _>("late") as usize;
        *due_reports.entry(key.clone()).or_default() += r.get::<i64, _>("due");
    }
    let mut reporting = Completeness::default();
    for key in due_units.keys() {
        per_key.entry(key.clone()).or_default();
    }
    for (key, c) in per_key.iter_mut() {
        let due = due_units.get(key).copied().unwrap_or(0);
        let arrived = due_reports.get(key).copied().unwrap_or(0);
        c.missing = (due - arrived).max(0) as usize;
        c.expected = c.on_time + c.late + c.missing;
        reporting.add(c);
    }
    let mut rows: Vec<DashboardRow> = groups
        .into_values()
        .map(|t| DashboardRow {
            reporting: per_key.get(&t.key).cloned().unwrap_or_default(),
            targets: t,
        })
        .collect();
    rows.sort_by(|a, b| a.targets.label.cmp(&b.targets.label));
    let silent = match cutoff {
        Some(c) => silent_units(db, who, root, year, &c.to_string()).await?,
        None => vec![],
    };
    let trend = trend_from_rollups(db, who, root, year).await?;
    Ok(Some(IbmDashboard {
        year,
        office_id,
        total,
        reporting,
        rows,
        silent,
        trend,
    }))
}

/// Units, with target and on target for the five years up to `year`, summed in the database.
async fn trend_from_rollups(
    db: &Db,
    who: &Principal,
    root: &OfficePath,
    year: i64,
) -> DbResult<Vec<TrendPoint>> {
    let mut sql = Sql::new(
        "SELECT t.year, CAST(SUM(t.units) AS BIGINT) AS units, CAST(SUM(t.with_target) AS BIGINT) AS with_target, \
         CAST(SUM(t.on_target) AS BIGINT) AS on_target FROM ibm_rollup_targets t JOIN offices o ON o.id = t.office_id \
         WHERE t.year >= ",
    );
    sql.bind(year - 4)
        .push(" AND t.year <= ")
        .bind(year)
        .push(" AND ");
    if !sql.within(root, who, Permission::ReadData, "o.path") {
        return Ok(vec![]);
    }
    sql.push(" GROUP BY t.year");
    let by_year: HashMap<i64, (i64, i64, i64)> = sql
        .query()
        .fetch_all(db.pool())
        .await?
        .iter()
        .map(|r| {
            (
                r.get("year"),
                (r.get("units"), r.get("with_target"), r.get("on_target")),
            )
        })
        .collect();
    Ok(((year - 4)..=year)
        .filter_map(|y| {
            let (units, with_target, on_target) = by_year.get(&y).copied().unwrap_or_default();
            (units > 0 || y == year).then_some(TrendPoint {
                year: y,
                units,
                with_target,
                on_target,
            })
        })
        .collect())
}

/// Silent units of the year under `root`, longest silent first, at most [`SILENT_LIST_LIMIT`]:
/// an index range on the last reported month, not a scan of every unit. (`+y.year` keeps
/// SQLite from starting at the year's 500,000 unit-years instead; PostgreSQL gets the plain
/// column.)
async fn silent_units(
    db: &Db,
    who: &Principal,
    root: &OfficePath,
    year: i64,
    cutoff: &str,
) -> DbResult<Vec<(i64, String, String)>> {
    let mut sql = Sql::new(
        "SELECT u.id, u.code, u.name FROM ibm_rollup_unit_state s JOIN ibm_units u ON u.id = s.unit_id \
         JOIN ibm_unit_years y ON y.unit_id = s.unit_id AND ",
    );
    // The hint is SQLite's alone: PostgreSQL's planner needs the plain column to probe the
    // (unit_id, year) index for each silent unit.
    sql.push(match db.backend() {
        Backend::Sqlite => "+y.year = ",
        Backend::Postgres => "y.year = ",
    });
    sql.bind(year)
        .push(" AND y.confirmed = ")
        .bind(true)
        .push(" JOIN offices o ON o.id = u.office_id WHERE s.start_period <= ")
        .bind(cutoff.to_string())
        .push(" AND s.last_period < ")
        .bind(cutoff.to_string())
        .push(" AND ");
    if !sql.within(root, who, Permission::ReadData, "o.path") {
        return Ok(vec![]);
    }
    sql.push(" ORDER BY s.last_period, s.unit_id LIMIT ")
        .bind(SILENT_LIST_LIMIT);
    Ok(sql
        .query()
        .fetch_all(db.pool())
        .await?
        .iter()
        .map(|r| (r.get("id"), r.get("code"), r.get("name")))
        .collect())
}

/// SNI coaching across the cohorts of a year that the principal may read.
#[derive(Debug, Clone, Default, Serialize)]
pub struct SniSummary {
    pub cohorts: usize,
    pub institutions: usize,
    pub with_baseline: usize,
    pub with_final: usize,
    pub passing: usize,
    pub recommended: usize,
    pub certified: usize,
    pub mean_improvement: Option<f64>,
    /// ownership → (institutions, recommended, certified)
    pub by_ownership: BTreeMap<String, (usize, usize, usize)>,
    /// province code → (institutions, recommended, certified)
    pub by_province: BTreeMap<String, (usize, usize, usize)>,
}

pub async fn sni(db: &Db, who: &Principal, year: i64, today: &str) -> DbResult<SniSummary> {
    let mut s = SniSummary::default();
    let mut deltas = Vec::new();
    for c in crate::sni::cohorts::list(db, who)
        .await?
        .into_iter()
        .filter(|c| c.year == year)
    {
        s.cohorts += 1;
        let d = crate::sni::cohorts::dashboard(db, who, c.id, today).await?;
        for r in &d.rows {
            s.institutions += 1;
            s.with_baseline += r.baseline_pct.is_some() as usize;
            s.with_final += (r.stage.as_deref()
                == Some(pantau_core::sni::AssessmentKind::Final.as_str()))
                as usize;
            s.passing += r.passes as usize;
            s.recommended += r.recommended as usize;
            s.certified += r.certified as usize;
            deltas.extend(r.improvement);
            for (map, key) in [
                (&mut s.by_ownership, r.participant.ownership.clone()),
                (&mut s.by_province, r.participant.province_code.clone()),
            ] {
                let e = map.entry(key).or_default();
                e.0 += 1;
                e.1 += r.recommended as usize;
                e.2 += r.certified as usize;
            }
        }
    }
    s.mean_improvement = (!deltas.is_empty())
        .then(|| (deltas.iter().sum::<f64>() / deltas.len() as f64 * 10.0).round() / 10.0);
    Ok(s)
}

/// Completeness per unit from every period's state (any period length; loads every report).
async fn per_period_completeness(
    db: &Db,
    who: &Principal,
    year: i64,
    today: NaiveDate,
) -> DbResult<Vec<(i64, Completeness)>> {
    let prefix = format!("{year}-");
    Ok(reports::compliance(db, who, None, today)
        .await?
        .into_iter()
        .map(|c| {
            let mut one = Completeness::default();
            for (_, state) in c.periods.iter().filter(|(p, _)| p.starts_with(&prefix)) {
                match state {
                    ReportState::OnTime => one.on_time += 1,
                    ReportState::Late => one.late += 1,
                    ReportState::Missing => one.missing += 1,
                    ReportState::NotDueYet => continue,
                }
                one.expected += 1;
            }
            one.silent_units = c.silent as usize;
            (c.unit_id, one)
        })
        .collect())
}

/// The same figures for monthly reporting from one aggregate row per unit, so the cost follows
/// the number of units rather than the number of reports.
async fn monthly_completeness(
    db: &Db,
    who: &Principal,
    root: &OfficePath,
    year: i64,
    today: NaiveDate,
    rule: &pantau_core::ibm::ReportingRule,
) -> DbResult<Vec<(i64, Completeness)>> {
    use pantau_core::ibm::Period;
    let today_period = rule.period_of(today);
    let first = Period {
        year: year as i32,
        month: 1,
    };
    let last = Period {
        year: year as i32,
        month: 12,
    }
    .min(today_period);
    // Units in scope that are not dissolved, with the day they started operating.
    let mut sql = Sql::new(
        "SELECT u.id, (SELECT MIN(l.effective_date) FROM ibm_unit_status_log l WHERE l.unit_id = u.id AND l.to_status = ",
    );
    sql.bind(pantau_core::ibm::UnitStatus::Operating.as_str().to_string())
        .push(") AS since FROM ibm_units u JOIN offices o ON o.id = u.office_id WHERE u.status <> ")
        .bind(pantau_core::ibm::UnitStatus::Dissolved.as_str().to_string())
        .push(" AND ");
    if !sql.within(root, who, Permission::ReadData, "o.path") {
        return Ok(vec![]);
    }
    let since: HashMap<i64, NaiveDate> = sql
        .query()
        .fetch_all(db.pool())
        .await?
        .iter()
        .filter_map(|r| {
            Some((
                r.get::<i64, _>("id"),
                NaiveDate::parse_from_str(&r.get::<Option<String>, _>("since")?, "%Y-%m-%d")
                    .ok()?,
            ))
        })
        .collect();
    // One aggregate row per unit: reports in the year's window, and the latest period reported.
    let (from, to) = (first.to_string(), last.to_string());
    let mut sql = Sql::new("SELECT r.unit_id, CAST(SUM(CASE WHEN r.period >= ");
    sql.bind(from.clone())
        .push(" AND r.period <= ")
        .bind(to.clone())
        .push(" AND r.submitted_on <= r.due_date THEN 1 ELSE 0 END) AS BIGINT) AS on_time, CAST(SUM(CASE WHEN r.period >= ")
        .bind(from.clone())
        .push(" AND r.period <= ")
        .bind(to.clone())
        .push(" AND r.submitted_on > r.due_date THEN 1 ELSE 0 END) AS BIGINT) AS late, CAST(SUM(CASE WHEN r.period >= ")
        .bind(from)
        .push(" AND r.period <= ")
        .bind(to)
        .push(" AND r.due_date < ")
        .bind(today.to_string())
        .push(
            " THEN 1 ELSE 0 END) AS BIGINT) AS due_reports, MAX(r.period) AS last_period, MIN(r.period) AS first_period \
             FROM ibm_reports r JOIN ibm_units u ON u.id = r.unit_id JOIN offices o ON o.id = u.office_id \
             JOIN (SELECT unit_id, MIN(effective_date) AS since FROM ibm_unit_status_log \
             WHERE to_status = 'operasional' GROUP BY unit_id) s ON s.unit_id = r.unit_id WHERE r.period <= ",
        )
        .bind(today_period.to_string())
        .push(" AND r.period >= SUBSTR(s.since, 1, 7) AND ");
    if !sql.within(root, who, Permission::ReadData, "o.path") {
        return Ok(vec![]);
    }
    sql.push(" GROUP BY r.unit_id");
    let rows: HashMap<i64, (i64, i64, i64, String)> = sql
        .query()
        .fetch_all(db.pool())
        .await?
        .iter()
        .map(|r| {
            (
                r.get("unit_id"),
                (
                    r.get("on_time"),
                    r.get("late"),
                    r.get("due_reports"),
                    r.get("last_period"),
                ),
            )
        })
        .collect();
    let mut out = Vec::new();
    for (unit, since) in since {
        let all: Vec<Period> = rule.periods(since, today);
        let due_all: Vec<Period> = all
            .iter()
            .copied()
            .filter(|p| rule.due_date(*p) < today)
            .collect();
        let start = rule.period_of(since);
        let in_year_due = due_all
            .iter()
            .filter(|p| **p >= first && **p <= last && **p >= start)
            .count() as i64;
        let (on_time, late, due_reports, last_period) =
            rows.get(&unit).cloned().unwrap_or((0, 0, 0, String::new()));
        // Reports of periods before the unit started operating are outside its window (the
        // query leaves them out, as the per-period path does).
        let mut one = Completeness {
            on_time: on_time as usize,
            late: late as usize,
            missing: (in_year_due - due_reports).max(0) as usize,
            ..Default::default()
        };
        one.expected = one.on_time + one.late + one.missing;
        let last_reported = Period::parse(&last_period).ok().filter(|p| *p >= start);
        let reported_not_due = last_reported.is_some_and(|p| rule.due_date(p) >= today);
        let n = rule.silent_after as usize;
        one.silent_units = (!reported_not_due
            && due_all.len() >= n
            && last_reported.is_none_or(|p| p < due_all[due_all.len() - n]))
            as usize;
        out.push((unit, one));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_silent_unit_cutoff_survives_any_stored_rule() {
        let today = NaiveDate::from_ymd_opt(2026, 11, 30).unwrap();
        let monthly = |silent_after| pantau_core::ibm::ReportingRule {
            period_months: 1,
            due_days: 10,
            silent_after,
        };
        // Three due months in a row: the cutoff is the third-last due period.
        assert_eq!(
            silent_cutoff(&monthly(3), today).map(|p| p.to_string()),
            Some("2026-08".to_string())
        );
        // A rule written before the bound (or straight into the settings) does not panic.
        assert_eq!(silent_cutoff(&monthly(u32::MAX), today), None);
    }
}
