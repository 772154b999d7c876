//! "Tugas saya": what the reader must do next, counted and listed from the records themselves —
//! reports due or late, units gone silent, assessments waiting for their step, follow-up actions
//! coming due, certificates and cohorts ending. Each kind is one query, scoped to the offices
//! (or institutions) where the reader holds the permission the step needs.

use crate::db::Db;
use crate::error::DbResult;
use crate::sql::Sql;
use chrono::{Duration, NaiveDate};
use pantau_core::access::{Permission, Principal};
use pantau_core::ibm::{ActionStatus, AssessmentStatus, Period, ReportingRule};
use pantau_core::sni::CertStatus;
use serde::Serialize;
use sqlx::Row;

/// Days ahead in which a follow-up action counts as coming due.
pub const ACTIONS_AHEAD_DAYS: i64 = 14;
/// Days ahead in which a certificate counts as expiring.
pub const CERTIFICATES_AHEAD_DAYS: i64 = 90;
/// Days ahead in which a cohort counts as ending.
pub const COHORTS_AHEAD_DAYS: i64 = 30;
/// Items one task list shows.
pub const LIST_LIMIT: i64 = 200;

#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, serde::Deserialize, schemars::JsonSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum TaskKind {
    /// Units whose report for the open period has not arrived (not yet late).
    ReportDue,
    /// Units without a report for the last period already due.
    ReportLate,
    /// Units that have not reported for the configured number of periods.
    UnitSilent,
    /// Stage assessments of this year still in draft: to submit.
    StageDraft,
    /// Stage assessments submitted by someone else: to verify.
    StageVerify,
    /// Stage assessments verified, submitted by someone else: to finalise.
    StageFinalize,
    /// Open follow-up actions of IBM visits due within [`ACTIONS_AHEAD_DAYS`].
    IbmActionDue,
    /// Open follow-up actions of IBM visits past their due date.
    IbmActionOverdue,
    /// SNI assessments (self-assessments included) still in draft: to submit.
    SniDraft,
    /// SNI assessments submitted by someone else: to verify.
    SniVerify,
    /// SNI assessments verified, submitted by someone else: to finalise.
    SniFinalize,
    /// Open SNI follow-up actions due within [`ACTIONS_AHEAD_DAYS`].
    SniActionDue,
    /// Open SNI follow-up actions past their due date.
    SniActionOverdue,
    /// SNI certificates ending within [`CERTIFICATES_AHEAD_DAYS`].
    CertificateExpiring,
    /// Coaching cohorts ending within [`COHORTS_AHEAD_DAYS`].
    CohortEnding,
}

impl TaskKind {
    pub const ALL: &'static [TaskKind] = &[
        TaskKind::ReportLate,
        TaskKind::ReportDue,
        TaskKind::UnitSilent,
        TaskKind::StageDraft,
        TaskKind::StageVerify,
        TaskKind::StageFinalize,
        TaskKind::IbmActionOverdue,
        TaskKind::IbmActionDue,
        TaskKind::SniDraft,
        TaskKind::SniVerify,
        TaskKind::SniFinalize,
        TaskKind::SniActionOverdue,
        TaskKind::SniActionDue,
        TaskKind::CertificateExpiring,
        TaskKind::CohortEnding,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            TaskKind::ReportDue => "report_due",
            TaskKind::ReportLate => "report_late",
            TaskKind::UnitSilent => "unit_silent",
            TaskKind::StageDraft => "stage_draft",
            TaskKind::StageVerify => "stage_verify",
            TaskKind::StageFinalize => "stage_finalize",
            TaskKind::IbmActionDue => "ibm_action_due",
            TaskKind::IbmActionOverdue => "ibm_action_overdue",
            TaskKind::SniDraft => "sni_draft",
            TaskKind::SniVerify => "sni_verify",
            TaskKind::SniFinalize => "sni_finalize",
            TaskKind::SniActionDue => "sni_action_due",
            TaskKind::SniActionOverdue => "sni_action_overdue",
            TaskKind::CertificateExpiring => "certificate_expiring",
            TaskKind::CohortEnding => "cohort_ending",
        }
    }

    pub fn parse(s: &str) -> Option<TaskKind> {
        Self::ALL.iter().copied().find(|k| k.as_str() == s)
    }

    /// The permission the step needs, on the record's office. IKAI facilitators coach the
    /// institutions they may read, so they follow those institutions' actions up.
    fn permission(self, who: &Principal) -> Permission {
        let coaches = who.has_role(pantau_core::access::Role::IkaiFacilitator);
        match self {
            TaskKind::SniActionDue | TaskKind::SniActionOverdue if coaches => Permission::ReadData,
            TaskKind::StageVerify | TaskKind::SniVerify => Permission::VerifyData,
            TaskKind::StageFinalize | TaskKind::SniFinalize => Permission::FinalizeData,
            TaskKind::UnitSilent | TaskKind::CertificateExpiring | TaskKind::CohortEnding => {
                Permission::ReadData
            }
            _ => Permission::WriteData,
        }
    }

    /// Whether a unit reporter has this task for its own unit.
    fn is_for_reporters(self) -> bool {
        matches!(
            self,
            TaskKind::ReportDue
                | TaskKind::ReportLate
                | TaskKind::IbmActionDue
                | TaskKind::IbmActionOverdue
        )
    }

    /// Whether the records are SNI ones (reached through an institution, which institution
    /// operators hold grants on) rather than IBM units.
    fn is_sni(self) -> bool {
        matches!(
            self,
            TaskKind::SniDraft
                | TaskKind::SniVerify
                | TaskKind::SniFinalize
                | TaskKind::SniActionDue
                | TaskKind::SniActionOverdue
                | TaskKind::CertificateExpiring
        )
    }
}

/// Where a task is done.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, schemars::JsonSchema)]
#[serde(tag = "record", rename_all = "snake_case")]
pub enum TaskRecord {
    Unit { unit_id: i64 },
    StageAssessment { unit_id: i64, year: i64 },
    SniAssessment { assessment_id: i64 },
    SniParticipant { participant_id: i64 },
    Institution { institution_id: i64 },
    Cohort { cohort_id: i64 },
}

#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct TaskItem {
    #[serde(flatten)]
    pub record: TaskRecord,
    /// What the record is called (a unit's code and name, an institution's name, …).
    pub title: String,
    /// The office the record belongs to.
    pub office: String,
    /// The date the task turns on: a due date, an end date, the last period reported.
    pub date: String,
}

impl TaskItem {
    /// The page where the step is taken (a path of the web app), for the task list and the
    /// daily digest alike.
    pub fn page(&self, kind: TaskKind) -> String {
        match &self.record {
            TaskRecord::Unit { unit_id } => match kind {
                TaskKind::IbmActionDue | TaskKind::IbmActionOverdue => {
                    format!("/ibm/{unit_id}#kunjungan")
                }
                _ => format!("/ibm/{unit_id}#laporan"),
            },
            TaskRecord::StageAssessment { unit_id, year } => {
                format!("/ibm/{unit_id}/penilaian/{year}")
            }
            TaskRecord::SniAssessment { assessment_id } => {
                format!("/sni/penilaian/{assessment_id}")
            }
            TaskRecord::SniParticipant { participant_id } => {
                format!("/sni/peserta/{participant_id}")
            }
            TaskRecord::Institution { institution_id } => format!("/sni/lembaga/{institution_id}"),
            TaskRecord::Cohort { cohort_id } => format!("/sni/kohort/{cohort_id}"),
        }
    }
}

#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct TaskCount {
    pub kind: TaskKind,
    pub count: i64,
}

/// The dates and periods the task queries turn on, fixed once per request.
struct Moment {
    today: NaiveDate,
    /// The earliest started period whose report is not yet due.
    open_period: Option<Period>,
    /// The latest period whose report is already due.
    last_due_period: Option<Period>,
    silent_cutoff: Option<Period>,
}

impl Moment {
    fn new(rule: &ReportingRule, today: NaiveDate) -> Moment {
        let from = today - Duration::days(400);
        let periods = rule.periods(from, today);
        Moment {
            today,
            open_period: periods.iter().copied().find(|p| rule.due_date(*p) >= today),
            last_due_period: periods
                .iter()
                .copied()
                .filter(|p| rule.due_date(*p) < today)
                .max(),
            silent_cutoff: crate::dashboard::silent_cutoff(rule, today),
        }
    }

    fn ahead(&self, days: i64) -> String {
        (self.today + Duration::days(days)).to_string()
    }
}

/// The kinds of task that apply to the principal (whose permissions reach some record of the
/// kind), with how many there are now.
pub async fn counts(db: &Db, who: &Principal, today: NaiveDate) -> DbResult<Vec<TaskCount>> {
    let moment = Moment::new(&crate::reference::reporting_rule(db).await?, today);
    let mut out = Vec::new();
    for kind in TaskKind::ALL.iter().copied() {
        if let Some(sql) = statement(who, kind, &moment, true) {
            let count: i64 = sql.query_scalar().fetch_one(db.pool()).await?;
            out.push(TaskCount { kind, count });
        }
    }
    Ok(out)
}

/// The records behind one kind of task, most pressing first (at most [`LIST_LIMIT`]).
pub async fn items(
    db: &Db,
    who: &Principal,
    kind: TaskKind,
    today: NaiveDate,
) -> DbResult<Vec<TaskItem>> {
    let moment = Moment::new(&crate::reference::reporting_rule(db).await?, today);
    let Some(sql) = statement(who, kind, &moment, false) else {
        return Ok(vec![]);
    };
    let rows = sql.query().fetch_all(db.pool()).await?;
    Ok(rows
        .iter()
        .map(|r| {
            let id: i64 = r.get("id");
            let record = match kind {
                TaskKind::ReportDue
                | TaskKind::ReportLate
                | TaskKind::UnitSilent
                | TaskKind::IbmActionDue
                | TaskKind::IbmActionOverdue => TaskRecord::Unit { unit_id: id },
                TaskKind::StageDraft | TaskKind::StageVerify | TaskKind::StageFinalize => {
                    TaskRecord::StageAssessment {
                        unit_id: id,
                        year: r.get("year"),
                    }
                }
                TaskKind::SniDraft | TaskKind::SniVerify | TaskKind::SniFinalize => {
                    TaskRecord::SniAssessment { assessment_id: id }
                }
                TaskKind::SniActionDue | TaskKind::SniActionOverdue => {
                    TaskRecord::SniParticipant { participant_id: id }
                }
                TaskKind::CertificateExpiring => TaskRecord::Institution { institution_id: id },
                TaskKind::CohortEnding => TaskRecord::Cohort { cohort_id: id },
            };
            TaskItem {
                record,
                title: r.get("title"),
                office: r.get("office"),
                date: r.get("date"),
            }
        })
        .collect())
}

/// The statement counting (`count`) or listing one kind of task for `who`; `None` when the
/// principal's permissions reach no record of the kind (or the kind has no period yet).
fn statement(who: &Principal, kind: TaskKind, m: &Moment, count: bool) -> Option<Sql> {
    use TaskKind::*;
    let today = m.today.to_string();
    // Reports are sent by the offices that coach units, not by the directorate.
    if kind == ReportDue && who.is_national(Permission::WriteData) {
        return None;
    }
    let mut sql = Sql::new("SELECT ");
    // Each kind: its select list, its FROM and its own conditions; the scope is added after.
    match kind {
        ReportDue | ReportLate | UnitSilent => {
            let period = match kind {
                ReportDue => m.open_period?,
                ReportLate => m.last_due_period?,
                _ => m.silent_cutoff?,
            };
            sql.push(columns(
                count,
                "u.id, u.code || ' ' || u.name AS title, o.name AS office, s.last_period AS date",
            ))
            .push(
                " FROM ibm_rollup_unit_state s JOIN ibm_units u ON u.id = s.unit_id \
                 JOIN offices o ON o.id = u.office_id WHERE s.start_period <= ",
            )
            .bind(period.to_string())
            .push(" AND s.last_period < ")
            .bind(period.to_string());
        }
        StageDraft | StageVerify | StageFinalize => {
            sql.push(columns(count, "u.id, a.year, u.code || ' ' || u.name AS title, o.name AS office, a.updated_at AS date"))
            .push(
                " FROM ibm_assessments a JOIN ibm_units u ON u.id = a.unit_id \
                 JOIN offices o ON o.id = u.office_id WHERE ",
            );
            awaiting(&mut sql, kind, who);
        }
        IbmActionDue | IbmActionOverdue => {
            sql.push(columns(count, "u.id, u.code || ' ' || u.name || ': ' || x.description AS title, o.name AS office, \
                 x.due_date AS date"))
            .push(
                " FROM ibm_visit_actions x JOIN ibm_units u ON u.id = x.unit_id \
                 JOIN offices o ON o.id = u.office_id WHERE x.status = ",
            )
            .bind(ActionStatus::Open.as_str().to_string())
            .push(" AND ");
            due_window(&mut sql, kind == IbmActionDue, &today, m);
        }
        SniDraft | SniVerify | SniFinalize => {
            sql.push(columns(count, "a.id, i.name || ' — ' || a.kind AS title, o.name AS office, a.assessed_on AS date"))
            .push(
                " FROM sni_assessments a JOIN sni_participants p ON p.id = a.participant_id \
                 JOIN institutions i ON i.id = p.institution_id JOIN offices o ON o.id = i.office_id \
                 WHERE ",
            );
            awaiting(&mut sql, kind, who);
        }
        SniActionDue | SniActionOverdue => {
            sql.push(columns(count, "p.id, i.name || ': ' || x.description AS title, o.name AS office, x.due_date AS date"))
            .push(
                " FROM sni_actions x JOIN sni_participants p ON p.id = x.participant_id \
                 JOIN institutions i ON i.id = p.institution_id JOIN offices o ON o.id = i.office_id \
                 WHERE x.status = ",
            )
            .bind(ActionStatus::Open.as_str().to_string())
            .push(" AND ");
            due_window(&mut sql, kind == SniActionDue, &today, m);
        }
        CertificateExpiring => {
            sql.push(columns(
                count,
                "i.id, i.name || ' — ' || c.certificate_number AS title, o.name AS office, \
                 c.valid_until AS date",
            ))
            .push(
                " FROM sni_certifications c JOIN institutions i ON i.id = c.institution_id \
                 JOIN offices o ON o.id = i.office_id WHERE c.status = ",
            )
            .bind(CertStatus::Certified.as_str().to_string())
            .push(" AND c.valid_until >= ")
            .bind(today.clone())
            .push(" AND c.valid_until <= ")
            .bind(m.ahead(CERTIFICATES_AHEAD_DAYS));
        }
        CohortEnding => {
            sql.push(columns(
                count,
                "c.id, c.name AS title, o.name AS office, c.end_date AS date",
            ))
            .push(" FROM sni_cohorts c JOIN offices o ON o.id = c.office_id WHERE c.end_date >= ")
            .bind(today.clone())
            .push(" AND c.end_date <= ")
            .bind(m.ahead(COHORTS_AHEAD_DAYS));
        }
    }
    sql.push(" AND (");
    let permission = kind.permission(who);
    let in_offices = sql.scope(who, permission, "o.path");
    let own = if kind.is_sni() {
        who.institution_grants(permission)
    } else {
        vec![]
    };
    // A unit's reporter sends its reports and follows its actions up: those tasks of its unit.
    let own_units = if kind.is_for_reporters() {
        who.unit_grants(Permission::SubmitReports)
    } else {
        vec![]
    };
    // Who is on a participant's staff (an IKAI facilitator) follows its actions up too.
    let as_staff = matches!(kind, TaskKind::SniActionDue | TaskKind::SniActionOverdue);
    let mut reached = in_offices;
    or_in(&mut sql, &mut reached, "i.id", &own);
    or_in(&mut sql, &mut reached, "u.id", &own_units);
    if as_staff {
        if reached {
            sql.push(" OR ");
        }
        sql.push("p.id IN (SELECT participant_id FROM sni_staff WHERE user_id = ")
            .bind(who.user_id)
            .push(")");
        reached = true;
    }
    if !reached {
        return None;
    }
    sql.push(")");
    if !count {
        sql.push(" ORDER BY date, title LIMIT ").bind(LIST_LIMIT);
    }
    Some(sql)
}

/// `column IN (ids)`, joined to what the scope already reaches with OR: the records of
/// narrowed grants (an operator's institution, a reporter's unit).
fn or_in(sql: &mut Sql, reached: &mut bool, column: &'static str, ids: &[i64]) {
    if ids.is_empty() {
        return;
    }
    if *reached {
        sql.push(" OR ");
    }
    sql.push(column)
        .push(" IN (")
        .bind_list(ids.iter().copied())
        .push(")");
    *reached = true;
}

/// The select list: the records' columns, or their count.
fn columns(count: bool, list: &'static str) -> &'static str {
    if count { "COUNT(*)" } else { list }
}

/// `a.status = …` for the step an assessment task waits for; past the draft, never the
/// reader's own submission (four eyes).
fn awaiting(sql: &mut Sql, kind: TaskKind, who: &Principal) {
    use TaskKind::*;
    let status = match kind {
        StageDraft | SniDraft => AssessmentStatus::Draft,
        StageVerify | SniVerify => AssessmentStatus::Submitted,
        _ => AssessmentStatus::Verified,
    };
    sql.push("a.status = ").bind(status.as_str().to_string());
    if status != AssessmentStatus::Draft {
        sql.push(" AND COALESCE(a.submitted_by, '') <> ")
            .bind(who.username.clone());
    }
}

/// `x.due_date` within the coming days (`ahead`) or before today.
fn due_window(sql: &mut Sql, ahead: bool, today: &str, m: &Moment) {
    if ahead {
        sql.push("x.due_date >= ")
            .bind(today.to_string())
            .push(" AND x.due_date <= ")
            .bind(m.ahead(ACTIONS_AHEAD_DAYS));
    } else {
        sql.push("x.due_date < ").bind(today.to_string());
    }
}
