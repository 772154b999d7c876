//! Roll-ups kept current inside every IBM write transaction.
//!
//! A unit's *contribution* to the roll-up tables is computed from its own raw rows (unit, status
//! log, years, assessments, reports). A write takes the contribution before and after the change
//! and adds the difference, so the tables cannot drift from the raw rows whatever the write did.
//! Bulk loads, and edits of the stage ordinals (which change every unit's on-target result),
//! rebuild the tables with set-based SQL instead; a test checks both ways give the same rows.
//!
//! Assumes no report is dated after the day the dashboard is asked for (the write path refuses
//! a period that has not started on the submission day).

use crate::error::DbResult;
use pantau_core::ibm::{AssessmentStatus, Category, UnitStatus, on_target};
use sqlx::{AnyConnection, Row};
use std::collections::BTreeMap;

/// Target counts: units, the four categories, with target, assessed, on target.
pub type TargetCounts = [i64; 8];

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Contribution {
    /// (office, year) → counts
    pub targets: BTreeMap<(i64, i64), TargetCounts>,
    /// (office, year, start period, last period) → units
    pub units: BTreeMap<(i64, i64, String, String), i64>,
    /// (office, year, period, due date) → (on time, late)
    pub reports: BTreeMap<(i64, i64, String, String), (i64, i64)>,
    /// Start and last reported period of an operating unit.
    pub state: Option<(String, String)>,
}

/// What one unit adds to the roll-ups, read from its raw rows.
pub async fn contribution(conn: &mut AnyConnection, unit_id: i64) -> DbResult<Contribution> {
    let mut c = Contribution::default();
    let Some(unit) = sqlx::query(
        "SELECT u.office_id, u.status, (SELECT MIN(l.effective_date) FROM ibm_unit_status_log l \
         WHERE l.unit_id = u.id AND l.to_status = $1) AS since FROM ibm_units u WHERE u.id = $2",
    )
    .bind(UnitStatus::Operating.as_str())
    .bind(unit_id)
    .fetch_optional(&mut *conn)
    .await?
    else {
        return Ok(c);
    };
    let office: i64 = unit.get("office_id");
    let years = sqlx::query(
        "SELECT y.year, y.category, ts.ordinal AS target_ordinal, a.status AS assessment_status, \
         a.achieved_ordinal FROM ibm_unit_years y LEFT JOIN ibm_stages ts ON ts.id = y.target_stage_id \
         LEFT JOIN ibm_assessments a ON a.unit_id = y.unit_id AND a.year = y.year \
         WHERE y.unit_id = $1 AND y.confirmed = $2",
    )
    .bind(unit_id)
    .bind(true)
    .fetch_all(&mut *conn)
    .await?;
    let mut confirmed_years = Vec::new();
    for y in &years {
        let year: i64 = y.get::<i64, _>("year");
        confirmed_years.push(year);
        let mut n: TargetCounts = [1, 0, 0, 0, 0, 0, 0, 0];
        match Category::parse(&y.get::<String, _>("category")) {
            Some(Category::Berkelanjutan) => n[1] = 1,
            Some(Category::BerkelanjutanMandiri) => n[2] = 1,
            Some(Category::Baru) => n[3] = 1,
            Some(Category::BaruMandiri) => n[4] = 1,
            None => {}
        }
        let target: Option<i64> = y.get("target_ordinal");
        let is_final = y.get::<Option<String>, _>("assessment_status").as_deref()
            == Some(AssessmentStatus::Final.as_str());
        let achieved: Option<i64> = if is_final {
            y.get("achieved_ordinal")
        } else {
            None
        };
        n[5] = target.is_some() as i64;
        n[6] = is_final as i64;
        n[7] = (on_target(achieved, target) == Some(true)) as i64;
        c.targets.insert((office, year), n);
    }
    // Reporting counts only for operating units that are not dissolved, from the month they
    // started operating — the same window as the per-unit compliance.
    let status: String = unit.get("status");
    let Some(since) = unit.get::<Option<String>, _>("since") else {
        return Ok(c);
    };
    if status == UnitStatus::Dissolved.as_str() || since.len() < 7 {
        return Ok(c);
    }
    let start = since[..7].to_string();
    let reports = sqlx::query(
        "SELECT period, due_date, CASE WHEN submitted_on <= due_date THEN 1 ELSE 0 END AS on_time \
         FROM ibm_reports WHERE unit_id = $1 AND period >= $2",
    )
    .bind(unit_id)
    .bind(&start)
    .fetch_all(&mut *conn)
    .await?;
    let mut last = String::new();
    for r in &reports {
        let period: String = r.get("period");
        let year: i64 = period.get(..4).and_then(|y| y.parse().ok()).unwrap_or(0);
        if period > last {
            last = period.clone();
        }
        if !confirmed_years.contains(&year) {
            continue;
        }
        let on_time = r.get::<i64, _>("on_time");
        let e = c
            .reports
            .entry((office, year, period, r.get("due_date")))
            .or_default();
        e.0 += on_time;
        e.1 += 1 - on_time;
    }
    for year in confirmed_years {
        c.units
            .insert((office, year, start.clone(), last.clone()), 1);
    }
    c.state = Some((start, last));
    Ok(c)
}

/// Adds `after − before` to the roll-up tables.
pub async fn apply(
    conn: &mut AnyConnection,
    unit_id: i64,
    before: &Contribution,
    after: &Contribution,
) -> DbResult<()> {
    if before == after {
        return Ok(());
    }
    let mut targets: BTreeMap<(i64, i64), TargetCounts> = BTreeMap::new();
    for (sign, side) in [(-1, before), (1, after)] {
        for (k, v) in &side.targets {
            let e = targets.entry(*k).or_default();
            for i in 0..8 {
                e[i] += sign * v[i];
            }
        }
    }
    for ((office, year), d) in targets
        .into_iter()
        .filter(|(_, d)| d.iter().any(|x| *x != 0))
    {
        sqlx::query(
            "INSERT INTO ibm_rollup_targets (office_id, year, units, berkelanjutan, berkelanjutan_mandiri, \
             baru, baru_mandiri, with_target, assessed, on_target) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) \
             ON CONFLICT (year, office_id) DO UPDATE SET units = ibm_rollup_targets.units + excluded.units, \
             berkelanjutan = ibm_rollup_targets.berkelanjutan + excluded.berkelanjutan, \
             berkelanjutan_mandiri = ibm_rollup_targets.berkelanjutan_mandiri + excluded.berkelanjutan_mandiri, \
             baru = ibm_rollup_targets.baru + excluded.baru, \
             baru_mandiri = ibm_rollup_targets.baru_mandiri + excluded.baru_mandiri, \
             with_target = ibm_rollup_targets.with_target + excluded.with_target, \
             assessed = ibm_rollup_targets.assessed + excluded.assessed, \
             on_target = ibm_rollup_targets.on_target + excluded.on_target",
        )
        .bind(office)
        .bind(year)
        .bind(d[0])
        .bind(d[1])
        .bind(d[2])
        .bind(d[3])
        .bind(d[4])
        .bind(d[5])
        .bind(d[6])
        .bind(d[7])
        .execute(&mut *conn)
        .await?;
    }
    let mut units: BTreeMap<&(i64, i64, String, String), i64> = BTreeMap::new();
    for (sign, side) in [(-1, before), (1, after)] {
        for (k, v) in &side.units {
            *units.entry(k).or_default() += sign * v;
        }
    }
    // One statement for all of them: a new report moves the unit in every year's histogram.
    let moved: Vec<_> = units.into_iter().filter(|(_, d)| *d != 0).collect();
    if !moved.is_empty() {
        let mut sql = crate::sql::Sql::new(
            "INSERT INTO ibm_rollup_units (office_id, year, start_period, last_period, units) VALUES ",
        );
        sql.values(moved, |row, ((office, year, start, last), d)| {
            row.bind(*office)
                .bind(*year)
                .bind(start.clone())
                .bind(last.clone())
                .bind(d);
        });
        sql.push(
            " ON CONFLICT (year, office_id, start_period, last_period) \
             DO UPDATE SET units = ibm_rollup_units.units + excluded.units",
        );
        sql.query().execute(&mut *conn).await?;
    }
    let mut reports: BTreeMap<&(i64, i64, String, String), (i64, i64)> = BTreeMap::new();
    for (sign, side) in [(-1, before), (1, after)] {
        for (k, v) in &side.reports {
            let e = reports.entry(k).or_default();
            e.0 += sign * v.0;
            e.1 += sign * v.1;
        }
    }
    for ((office, year, period, due), d) in reports.into_iter().filter(|(_, d)| *d != (0, 0)) {
        sqlx::query(
            "INSERT INTO ibm_rollup_reports (office_id, year, period, due_date, on_time, late) \
             VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (year, office_id, period, due_date) \
             DO UPDATE SET on_time = ibm_rollup_reports.on_time + excluded.on_time, \
             late = ibm_rollup_reports.late + excluded.late",
        )
        .bind(*office)
        .bind(*year)
        .bind(period)
        .bind(due)
        .bind(d.0)
        .bind(d.1)
        .execute(&mut *conn)
        .await?;
    }
    if before.state != after.state {
        match &after.state {
            Some((start, last)) => {
                sqlx::query(
                    "INSERT INTO ibm_rollup_unit_state (unit_id, start_period, last_period) VALUES ($1, $2, $3) \
                     ON CONFLICT (unit_id) DO UPDATE SET start_period = excluded.start_period, \
                     last_period = excluded.last_period",
                )
                .bind(unit_id)
                .bind(start)
                .bind(last)
                .execute(&mut *conn)
                .await?;
            }
            None => {
                sqlx::query("DELETE FROM ibm_rollup_unit_state WHERE unit_id = $1")
                    .bind(unit_id)
                    .execute(&mut *conn)
                    .await?;
            }
        }
    }
    Ok(())
}

/// Rebuilds every roll-up from the raw rows with set-based SQL: after bulk loads and after the
/// stage ordinals change. Mirrors [`contribution`]; a test checks the two agree.
pub async fn rebuild(conn: &mut AnyConnection) -> DbResult<()> {
    for statement in [
        "DELETE FROM ibm_rollup_targets",
        "DELETE FROM ibm_rollup_units",
        "DELETE FROM ibm_rollup_reports",
        "DELETE FROM ibm_rollup_unit_state",
    ] {
        sqlx::query(statement).execute(&mut *conn).await?;
    }
    // Counts per category code and of final assessments on target; the codes are the stored
    // values of `Category` and `AssessmentStatus` (checked below).
    let sql = "INSERT INTO ibm_rollup_targets (office_id, year, units, berkelanjutan, berkelanjutan_mandiri, \
         baru, baru_mandiri, with_target, assessed, on_target) \
         SELECT u.office_id, y.year, CAST(COUNT(*) AS BIGINT), \
         CAST(SUM(CASE WHEN y.category = 'berkelanjutan' THEN 1 ELSE 0 END) AS BIGINT), \
         CAST(SUM(CASE WHEN y.category = 'berkelanjutan_mandiri' THEN 1 ELSE 0 END) AS BIGINT), \
         CAST(SUM(CASE WHEN y.category = 'baru' THEN 1 ELSE 0 END) AS BIGINT), \
         CAST(SUM(CASE WHEN y.category = 'baru_mandiri' THEN 1 ELSE 0 END) AS BIGINT), \
         CAST(SUM(CASE WHEN ts.ordinal IS NOT NULL THEN 1 ELSE 0 END) AS BIGINT), \
         CAST(SUM(CASE WHEN a.status = 'final' THEN 1 ELSE 0 END) AS BIGINT), \
         CAST(SUM(CASE WHEN a.status = 'final' AND ts.ordinal IS NOT NULL \
                  AND a.achieved_ordinal >= ts.ordinal THEN 1 ELSE 0 END) AS BIGINT) \
         FROM ibm_unit_years y JOIN ibm_units u ON u.id = y.unit_id \
         LEFT JOIN ibm_stages ts ON ts.id = y.target_stage_id \
         LEFT JOIN ibm_assessments a ON a.unit_id = y.unit_id AND a.year = y.year \
         WHERE y.confirmed = $1 GROUP BY u.office_id, y.year";
    for category in Category::ALL {
        debug_assert!(sql.contains(&format!("'{}'", category.as_str())));
    }
    debug_assert_eq!(AssessmentStatus::Final.as_str(), "final");
    sqlx::query(sql).bind(true).execute(&mut *conn).await?;
    // Operating, not dissolved units with the month they started.
    sqlx::query(
        "INSERT INTO ibm_rollup_unit_state (unit_id, start_period, last_period) \
         SELECT u.id, SUBSTR(MIN(l.effective_date), 1, 7), '' FROM ibm_units u \
         JOIN ibm_unit_status_log l ON l.unit_id = u.id AND l.to_status = $1 \
         WHERE u.status <> $2 GROUP BY u.id",
    )
    .bind(UnitStatus::Operating.as_str())
    .bind(UnitStatus::Dissolved.as_str())
    .execute(&mut *conn)
    .await?;
    sqlx::query(
        "UPDATE ibm_rollup_unit_state SET last_period = COALESCE((SELECT MAX(r.period) FROM ibm_reports r \
         WHERE r.unit_id = ibm_rollup_unit_state.unit_id AND r.period >= ibm_rollup_unit_state.start_period), '')",
    )
    .execute(&mut *conn)
    .await?;
    sqlx::query(
        "INSERT INTO ibm_rollup_units (office_id, year, start_period, last_period, units) \
         SELECT u.office_id, y.year, s.start_period, s.last_period, CAST(COUNT(*) AS BIGINT) \
         FROM ibm_rollup_unit_state s JOIN ibm_units u ON u.id = s.unit_id \
         JOIN ibm_unit_years y ON y.unit_id = s.unit_id AND y.confirmed = $1 \
         GROUP BY u.office_id, y.year, s.start_period, s.last_period",
    )
    .bind(true)
    .execute(&mut *conn)
    .await?;
    sqlx::query(
        "INSERT INTO ibm_rollup_reports (office_id, year, period, due_date, on_time, late) \
         SELECT u.office_id, y.year, r.period, r.due_date, \
         CAST(SUM(CASE WHEN r.submitted_on <= r.due_date THEN 1 ELSE 0 END) AS BIGINT), \
         CAST(SUM(CASE WHEN r.submitted_on <= r.due_date THEN 0 ELSE 1 END) AS BIGINT) \
         FROM ibm_reports r JOIN ibm_rollup_unit_state s ON s.unit_id = r.unit_id AND r.period >= s.start_period \
         JOIN ibm_units u ON u.id = r.unit_id \
         JOIN ibm_unit_years y ON y.unit_id = r.unit_id AND y.confirmed = $1 \
         AND y.year = CAST(SUBSTR(r.period, 1, 4) AS INTEGER) \
         GROUP BY u.office_id, y.year, r.period, r.due_date",
    )
    .bind(true)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// The roll-up tables as sorted text rows, zero rows left out: to compare maintained and
/// rebuilt roll-ups.
pub async fn snapshot(conn: &mut AnyConnection) -> DbResult<Vec<String>> {
    let mut out = Vec::new();
    for r in sqlx::query(
        "SELECT office_id, year, units, berkelanjutan, berkelanjutan_mandiri, baru, baru_mandiri, \
         with_target, assessed, on_target FROM ibm_rollup_targets",
    )
    .fetch_all(&mut *conn)
    .await?
    {
        let n: Vec<i64> = (2..10).map(|i| r.get::<i64, _>(i)).collect();
        if n.iter().any(|x| *x != 0) {
            out.push(format!(
                "targets {} {} {n:?}",
                r.get::<i64, _>(0),
                r.get::<i64, _>(1)
            ));
        }
    }
    for r in sqlx::query(
        "SELECT office_id, year, start_period, last_period, units FROM ibm_rollup_units WHERE units <> 0",
    )
    .fetch_all(&mut *conn)
    .await?
    {
        out.push(format!(
            "units {} {} {} {:?} {}",
            r.get::<i64, _>(0),
            r.get::<i64, _>(1),
            r.get::<String, _>(2),
            r.get::<String, _>(3),
            r.get::<i64, _>(4)
        ));
    }
    for r in sqlx::query(
        "SELECT office_id, year, period, due_date, on_time, late FROM ibm_rollup_reports \
         WHERE on_time <> 0 OR late <> 0",
    )
    .fetch_all(&mut *conn)
    .await?
    {
        out.push(format!(
            "reports {} {} {} {} {} {}",
            r.get::<i64, _>(0),
            r.get::<i64, _>(1),
            r.get::<String, _>(2),
            r.get::<String, _>(3),
            r.get::<i64, _>(4),
            r.get::<i64, _>(5)
        ));
    }
    for r in sqlx::query("SELECT unit_id, start_period, last_period FROM ibm_rollup_unit_state")
        .fetch_all(&mut *conn)
        .await?
    {
        out.push(format!(
            "state {} {} {:?}",
            r.get::<i64, _>(0),
            r.get::<String, _>(1),
            r.get::<String, _>(2)
        ));
    }
    out.sort();
    Ok(out)
}

/// A unit as a report write needs it: its coaching office and path, and its reporting state in
/// the roll-ups (operating and not dissolved: the month it started and the last period reported
/// since, `""` before the first).
pub(crate) struct ReportingUnit {
    pub office_id: i64,
    pub path: String,
    state: Option<(String, String)>,
    /// The unit's confirmed monitoring years.
    years: Vec<i64>,
}

/// Reads the unit for a report write — on PostgreSQL after locking its row, so that two writers
/// adding reports to one unit do not both move it from the same last period.
pub(crate) async fn reporting_unit(
    conn: &mut AnyConnection,
    unit_id: i64,
) -> DbResult<Option<ReportingUnit>> {
    // Locked first, read after: a locking read that had to wait would still see the joined
    // roll-up state as it was before the other writer committed.
    if conn.backend_name().eq_ignore_ascii_case("postgresql") {
        sqlx::query("SELECT id FROM ibm_units WHERE id = $1 FOR UPDATE")
            .bind(unit_id)
            .fetch_optional(&mut *conn)
            .await?;
    }
    // One row per confirmed year (one row with no year when there is none).
    let rows = sqlx::query(
        "SELECT u.office_id, o.path, s.start_period, s.last_period, y.year FROM ibm_units u \
         JOIN offices o ON o.id = u.office_id LEFT JOIN ibm_rollup_unit_state s ON s.unit_id = u.id \
         LEFT JOIN ibm_unit_years y ON y.unit_id = u.id AND y.confirmed = $2 \
         WHERE u.id = $1",
    )
    .bind(unit_id)
    .bind(true)
    .fetch_all(&mut *conn)
    .await?;
    Ok(rows.first().map(|r| ReportingUnit {
        office_id: r.get("office_id"),
        path: r.get("path"),
        state: r
            .get::<Option<String>, _>("start_period")
            .map(|start| (start, r.get("last_period"))),
        years: rows
            .iter()
            .filter_map(|r| r.get::<Option<i64>, _>("year"))
            .collect(),
    }))
}

/// What a new report changes in the roll-ups, worked out from the unit as read before it
/// (see [`reporting_unit`]) instead of recounting the unit: what [`contribution`] would count
/// differently after the insert, and nothing else. (A resubmission keeps its dates, so it changes
/// no roll-up.) The property test that compares maintained and rebuilt roll-ups covers it.
pub(crate) struct ReportAdded {
    office_id: i64,
    unit_id: i64,
    period: String,
    /// Counted in the year's report roll-up: (year, due date, on time).
    counted: Option<(i64, String, bool)>,
    /// The unit's move from its last period to this one, per confirmed year: (year, start,
    /// last period, −1 or +1).
    moves: Vec<(i64, String, String, i64)>,
    /// Whether this period becomes the unit's last reported one.
    advances: bool,
}

pub(crate) fn report_added(
    unit: &ReportingUnit,
    unit_id: i64,
    period: &str,
    due_date: &str,
    submitted_on: &str,
) -> ReportAdded {
    let mut added = ReportAdded {
        office_id: unit.office_id,
        unit_id,
        period: period.to_string(),
        counted: None,
        moves: Vec::new(),
        advances: false,
    };
    let Some((start, last)) = &unit.state else {
        return added;
    };
    if period < start.as_str() {
        return added;
    }
    let year: i64 = period.get(..4).and_then(|y| y.parse().ok()).unwrap_or(0);
    if unit.years.contains(&year) {
        added.counted = Some((year, due_date.to_string(), submitted_on <= due_date));
    }
    if period > last.as_str() {
        added.advances = true;
        added.moves = unit
            .years
            .iter()
            .flat_map(|y| {
                [
                    (*y, start.clone(), last.clone(), -1),
                    (*y, start.clone(), period.to_string(), 1),
                ]
            })
            .collect();
    }
    added
}

const ADD_REPORT: &str = " ON CONFLICT (year, office_id, period, due_date) \
     DO UPDATE SET on_time = ibm_rollup_reports.on_time + excluded.on_time, \
     late = ibm_rollup_reports.late + excluded.late";
const MOVE_UNITS: &str = " ON CONFLICT (year, office_id, start_period, last_period) \
     DO UPDATE SET units = ibm_rollup_units.units + excluded.units";

impl ReportAdded {
    /// Writes the change, one statement per roll-up table.
    pub(crate) async fn apply(&self, conn: &mut AnyConnection) -> DbResult<()> {
        if let Some((year, due, on_time)) = &self.counted {
            let mut sql = crate::sql::Sql::new(
                "INSERT INTO ibm_rollup_reports (office_id, year, period, due_date, on_time, late) VALUES (",
            );
            self.bind_counted(&mut sql, *year, due, *on_time);
            sql.push(")").push(ADD_REPORT);
            sql.query().execute(&mut *conn).await?;
        }
        if !self.moves.is_empty() {
            let mut sql = crate::sql::Sql::new(
                "INSERT INTO ibm_rollup_units (office_id, year, start_period, last_period, units) VALUES ",
            );
            self.bind_moves(&mut sql);
            sql.push(MOVE_UNITS);
            sql.query().execute(&mut *conn).await?;
        }
        if self.advances {
            sqlx::query("UPDATE ibm_rollup_unit_state SET last_period = $1 WHERE unit_id = $2")
                .bind(self.period.clone())
                .bind(self.unit_id)
                .execute(&mut *conn)
                .await?;
        }
        Ok(())
    }

    /// The same change as data-modifying CTEs of a PostgreSQL statement whose CTE `r` returns
    /// the inserted report: each runs only when `r` has a row (the report was new).
    pub(crate) fn push_ctes(&self, sql: &mut crate::sql::Sql) {
        if let Some((year, due, on_time)) = &self.counted {
            sql.push(
                ", rollup_reports AS (INSERT INTO ibm_rollup_reports \
                 (office_id, year, period, due_date, on_time, late) SELECT ",
            );
            self.bind_counted(sql, *year, due, *on_time);
            sql.push(" FROM r").push(ADD_REPORT).push(")");
        }
        if !self.moves.is_empty() {
            sql.push(
                ", rollup_units AS (INSERT INTO ibm_rollup_units \
                 (office_id, year, start_period, last_period, units) \
                 SELECT v.office_id, v.year, v.start_period, v.last_period, v.units FROM r CROSS JOIN (VALUES ",
            );
            self.bind_moves(sql);
            sql.push(") AS v (office_id, year, start_period, last_period, units)")
                .push(MOVE_UNITS)
                .push(")");
        }
        if self.advances {
            sql.push(", rollup_state AS (UPDATE ibm_rollup_unit_state SET last_period = ")
                .bind(self.period.clone())
                .push(" WHERE unit_id = ")
                .bind(self.unit_id)
                .push(" AND EXISTS (SELECT 1 FROM r))");
        }
    }

    fn bind_counted(&self, sql: &mut crate::sql::Sql, year: i64, due: &str, on_time: bool) {
        let on_time = on_time as i64;
        sql.bind(self.office_id)
            .push(", ")
            .bind(year)
            .push(", ")
            .bind(self.period.clone())
            .push(", ")
            .bind(due.to_string())
            .push(", ")
            .bind(on_time)
            .push(", ")
            .bind(1 - on_time);
    }

    fn bind_moves(&self, sql: &mut crate::sql::Sql) {
        let office = self.office_id;
        sql.values(&self.moves, |row, (year, start, last, d)| {
            row.bind(office)
                .bind(*year)
                .bind(start.clone())
                .bind(last.clone())
                .bind(*d);
        });
    }
}

/// A unit's contribution taken at the start of a write; [`Tracked::finish`] adds the change.
pub struct Tracked {
    unit_id: i64,
    before: Contribution,
}

pub async fn track(conn: &mut AnyConnection, unit_id: i64) -> DbResult<Tracked> {
    // Two transactions changing the same unit must not both start from the same contribution,
    // or each adds its difference to a state the other has changed. SQLite has one writer at a
    // time anyway; on PostgreSQL the unit's row lock queues them.
    if conn.backend_name().eq_ignore_ascii_case("postgresql") {
        sqlx::query("SELECT id FROM ibm_units WHERE id = $1 FOR UPDATE")
            .bind(unit_id)
            .fetch_optional(&mut *conn)
            .await?;
    }
    Ok(Tracked {
        unit_id,
        before: contribution(conn, unit_id).await?,
    })
}

impl Tracked {
    pub async fn finish(self, conn: &mut AnyConnection) -> DbResult<()> {
        let after = contribution(conn, self.unit_id).await?;
        apply(conn, self.unit_id, &self.before, &after).await
    }
}
