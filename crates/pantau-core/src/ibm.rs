//! IBM (Intervensi Berbasis Masyarakat) rules: unit status, yearly categories, stage assessment
//! workflow, the on-target rule, reporting periods and their lateness, visit modes.
//! Stage names, criteria and reference lists are data (see `pantau-db`); only the rules are here.

use crate::access::Permission;
use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};
use std::collections::HashSet;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IbmError {
    #[error("perubahan status dari {from} ke {to} tidak diizinkan")]
    InvalidStatusChange {
        from: &'static str,
        to: &'static str,
    },
    #[error("alasan wajib diisi untuk status {0}")]
    ReasonRequired(&'static str),
    #[error("nomor SK wajib diisi sebelum unit dinyatakan terbentuk")]
    DecreeRequired,
    #[error("aksi {action} tidak berlaku untuk penilaian berstatus {from}")]
    InvalidAssessmentAction {
        from: &'static str,
        action: &'static str,
    },
    #[error("periode tidak sah: {0:?} (format YYYY-MM)")]
    InvalidPeriod(String),
    #[error(
        "prinsip empat mata: yang memverifikasi atau memfinalkan penilaian harus orang lain dari yang mengajukannya ({0})"
    )]
    SameAsSubmitter(String),
}

impl IbmError {
    /// What a person is told, in their language (keys in the web layer's catalogues).
    pub fn message(&self) -> crate::message::Message {
        use crate::message::Message;
        match self {
            IbmError::InvalidStatusChange { from, to } => Message::new("err-status-change")
                .with("field", "status")
                .with("from", from)
                .with("to", to),
            IbmError::ReasonRequired(status) => Message::new("err-reason-required")
                .with("field", "reason")
                .with("status", status),
            IbmError::DecreeRequired => {
                Message::new("err-decree-required").with("field", "decree_number")
            }
            IbmError::InvalidAssessmentAction { from, action } => {
                Message::new("err-assessment-action")
                    .with("field", "action")
                    .with("from", from)
                    .with("action", action)
            }
            IbmError::InvalidPeriod(value) => Message::new("err-period")
                .with("field", "period")
                .with("value", value),
            IbmError::SameAsSubmitter(who) => Message::new("err-four-eyes").with("who", who),
        }
    }
}

/// A value as people type it, for matching against codes and labels: lower case, every run of
/// spaces, underscores, hyphens and punctuation one `_` — "Berkelanjutan Mandiri",
/// "berkelanjutan_mandiri" and "BERKELANJUTAN  MANDIRI" are all `berkelanjutan_mandiri`.
pub fn loose_key(s: &str) -> String {
    s.split(|c: char| !c.is_alphanumeric())
        .filter(|p| !p.is_empty())
        .collect::<Vec<_>>()
        .join("_")
        .to_lowercase()
}

/// The monitoring years Pantau accepts.
pub const FIRST_YEAR: i64 = 2015;
pub const LAST_YEAR: i64 = 2100;

macro_rules! string_enum {
    ($name:ident { $($variant:ident => $s:literal),+ $(,)? }) => {
        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];
            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $s),+ }
            }
            pub fn parse(s: &str) -> Option<Self> {
                Self::ALL.iter().copied().find(|v| v.as_str() == s)
            }
            /// The schema of a text field holding one of the codes (for the API reference).
            pub fn schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
                crate::schema::one_of(Self::ALL.iter().map(|v| v.as_str()))
            }
            /// The value whose code or one of `labels` (in either language) matches `s` as
            /// people type it (see [`loose_key`]).
            pub fn parse_loose(s: &str, labels: fn(Self) -> [&'static str; 2]) -> Option<Self> {
                let key = loose_key(s);
                if key.is_empty() {
                    return None;
                }
                Self::ALL.iter().copied().find(|v| {
                    loose_key(v.as_str()) == key || labels(*v).iter().any(|l| loose_key(l) == key)
                })
            }
            /// Every code, for messages that list the accepted values.
            pub fn codes() -> Vec<&'static str> {
                Self::ALL.iter().map(|v| v.as_str()).collect()
            }
        }
    };
}

/// Life of a unit: proposed → formed (SK) → agents trained → operating ↔ inactive → dissolved.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum UnitStatus {
    Proposed,
    Formed,
    AgentsTrained,
    Operating,
    Inactive,
    Dissolved,
}

string_enum!(UnitStatus {
    Proposed => "diusulkan",
    Formed => "dibentuk",
    AgentsTrained => "ap_dilatih",
    Operating => "operasional",
    Inactive => "tidak_aktif",
    Dissolved => "dibubarkan",
});

impl UnitStatus {
    pub fn labels(self) -> [&'static str; 2] {
        match self {
            UnitStatus::Proposed => ["Diusulkan", "Proposed"],
            UnitStatus::Formed => ["Dibentuk", "Formed"],
            UnitStatus::AgentsTrained => ["AP dilatih", "Agents trained"],
            UnitStatus::Operating => ["Operasional", "Operating"],
            UnitStatus::Inactive => ["Tidak aktif", "Inactive"],
            UnitStatus::Dissolved => ["Dibubarkan", "Dissolved"],
        }
    }

    pub fn allowed_next(self) -> &'static [UnitStatus] {
        use UnitStatus::*;
        match self {
            Proposed => &[Formed, Dissolved],
            Formed => &[AgentsTrained, Dissolved],
            AgentsTrained => &[Operating, Dissolved],
            Operating => &[Inactive, Dissolved],
            Inactive => &[Operating, Dissolved],
            Dissolved => &[],
        }
    }

    /// Checks a status change: allowed step, a reason for inactive/dissolved, an SK to form.
    pub fn transition(
        self,
        to: UnitStatus,
        reason: &str,
        has_decree: bool,
    ) -> Result<UnitStatus, IbmError> {
        if !self.allowed_next().contains(&to) {
            return Err(IbmError::InvalidStatusChange {
                from: self.as_str(),
                to: to.as_str(),
            });
        }
        if matches!(to, UnitStatus::Inactive | UnitStatus::Dissolved) && reason.trim().is_empty() {
            return Err(IbmError::ReasonRequired(to.as_str()));
        }
        if to == UnitStatus::Formed && !has_decree {
            return Err(IbmError::DecreeRequired);
        }
        Ok(to)
    }

    /// Units that count as running for the year's tables.
    pub fn is_running(self) -> bool {
        matches!(
            self,
            UnitStatus::Operating | UnitStatus::AgentsTrained | UnitStatus::Formed
        )
    }
}

/// The yearly category of a unit (2025: 207 Berkelanjutan, 24 Berkelanjutan Mandiri, 11 Baru,
/// 10 Baru Mandiri).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, PartialOrd, Ord)]
pub enum Category {
    Berkelanjutan,
    BerkelanjutanMandiri,
    Baru,
    BaruMandiri,
}

string_enum!(Category {
    Berkelanjutan => "berkelanjutan",
    BerkelanjutanMandiri => "berkelanjutan_mandiri",
    Baru => "baru",
    BaruMandiri => "baru_mandiri",
});

impl Category {
    /// Its labels in Bahasa Indonesia and English, as spreadsheets may write them.
    pub fn labels(self) -> [&'static str; 2] {
        match self {
            Category::Berkelanjutan => ["Berkelanjutan", "Continuing"],
            Category::BerkelanjutanMandiri => ["Berkelanjutan Mandiri", "Continuing, self-reliant"],
            Category::Baru => ["Baru", "New"],
            Category::BaruMandiri => ["Baru Mandiri", "New, self-reliant"],
        }
    }

    pub fn is_new(self) -> bool {
        matches!(self, Category::Baru | Category::BaruMandiri)
    }

    /// The category proposed for next year: new units become continuing ones, and a continuing
    /// unit whose funding moved to a local budget becomes Mandiri. Officers review the proposal.
    pub fn roll_over(self, funding: FundingSource) -> Category {
        match self {
            Category::Baru if funding.is_local() => Category::BerkelanjutanMandiri,
            Category::Baru => Category::Berkelanjutan,
            Category::BaruMandiri => Category::BerkelanjutanMandiri,
            Category::Berkelanjutan if funding.is_local() => Category::BerkelanjutanMandiri,
            c => c,
        }
    }

    /// A new unit's first category: Mandiri when funded other than by BNN (unknown funding is
    /// taken as BNN's).
    pub fn for_new_unit(funding: FundingSource) -> Category {
        if matches!(funding, FundingSource::Apbn | FundingSource::Unknown) {
            Category::Baru
        } else {
            Category::BaruMandiri
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum FundingSource {
    Apbn,
    Apbd,
    Apbdes,
    Csr,
    Swadaya,
    /// Not known to whoever registered the unit (a list from elsewhere often lacks it).
    Unknown,
}

string_enum!(FundingSource {
    Apbn => "apbn",
    Apbd => "apbd",
    Apbdes => "apbdes",
    Csr => "csr",
    Swadaya => "swadaya",
    Unknown => "belum_diisi",
});

impl FundingSource {
    pub fn labels(self) -> [&'static str; 2] {
        match self {
            FundingSource::Apbn => ["APBN", "APBN (BNN)"],
            FundingSource::Apbd => ["APBD", "APBD (regional)"],
            FundingSource::Apbdes => ["APBDes", "Dana Desa"],
            FundingSource::Csr => ["CSR", "CSR"],
            FundingSource::Swadaya => ["Swadaya", "Self-funded"],
            FundingSource::Unknown => ["Belum diisi", "Not known"],
        }
    }

    /// Funded by the village, the regional government or the community rather than BNN.
    pub fn is_local(self) -> bool {
        matches!(
            self,
            FundingSource::Apbd | FundingSource::Apbdes | FundingSource::Swadaya
        )
    }
}

/// Workflow of a stage assessment: draft → submitted → verified (BNNP) → final (pusat).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum AssessmentStatus {
    Draft,
    Submitted,
    Verified,
    Final,
}

string_enum!(AssessmentStatus {
    Draft => "draft",
    Submitted => "diajukan",
    Verified => "diverifikasi",
    Final => "final",
});

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum AssessmentAction {
    Submit,
    /// Send back to the district for correction.
    Return,
    Verify,
    Finalize,
}

string_enum!(AssessmentAction {
    Submit => "ajukan",
    Return => "kembalikan",
    Verify => "verifikasi",
    Finalize => "finalkan",
});

impl AssessmentStatus {
    /// The next status and the permission the actor needs on the unit's office.
    pub fn apply(
        self,
        action: AssessmentAction,
    ) -> Result<(AssessmentStatus, Permission), IbmError> {
        use AssessmentAction::*;
        use AssessmentStatus::*;
        match (self, action) {
            (Draft, Submit) => Ok((Submitted, Permission::WriteData)),
            (Submitted, Return) | (Verified, Return) => Ok((Draft, Permission::VerifyData)),
            (Submitted, Verify) => Ok((Verified, Permission::VerifyData)),
            (Verified, Finalize) => Ok((Final, Permission::FinalizeData)),
            _ => Err(IbmError::InvalidAssessmentAction {
                from: self.as_str(),
                action: action.as_str(),
            }),
        }
    }

    /// Criteria may change only while the assessment is a draft.
    pub fn is_editable(self) -> bool {
        self == AssessmentStatus::Draft
    }
}

/// The four-eyes rule: whoever verifies or finalises an assessment is not who submitted it.
/// `actor` and `submitted_by` are usernames.
pub fn check_four_eyes(
    action: AssessmentAction,
    submitted_by: Option<&str>,
    actor: &str,
) -> Result<(), IbmError> {
    let reviews = matches!(
        action,
        AssessmentAction::Verify | AssessmentAction::Finalize
    );
    if reviews && submitted_by.is_some_and(|s| s.eq_ignore_ascii_case(actor)) {
        return Err(IbmError::SameAsSubmitter(actor.to_string()));
    }
    Ok(())
}

/// A stage as the rules need it: its order and its criteria.
#[derive(Debug, Clone)]
pub struct StageRule {
    pub id: i64,
    pub ordinal: i64,
    /// (criterion id, mandatory)
    pub criteria: Vec<(i64, bool)>,
}

/// The highest stage reached: stages are climbed in order, and a stage is reached when all its
/// mandatory criteria are met (or, if it has none, at least one of its criteria). The first stage
/// not reached stops the climb.
pub fn achieved_stage(stages: &[StageRule], met: &HashSet<i64>) -> Option<(i64, i64)> {
    let mut ordered: Vec<&StageRule> = stages.iter().collect();
    ordered.sort_by_key(|s| s.ordinal);
    let mut reached = None;
    for s in ordered {
        let mandatory: Vec<i64> = s.criteria.iter().filter(|c| c.1).map(|c| c.0).collect();
        let ok = if mandatory.is_empty() {
            s.criteria.iter().any(|c| met.contains(&c.0))
        } else {
            mandatory.iter().all(|c| met.contains(c))
        };
        if !ok {
            break;
        }
        reached = Some((s.id, s.ordinal));
    }
    reached
}

/// On target ⇔ achieved stage ≥ target stage. `None` when no target was set.
pub fn on_target(achieved_ordinal: Option<i64>, target_ordinal: Option<i64>) -> Option<bool> {
    target_ordinal.map(|t| achieved_ordinal.is_some_and(|a| a >= t))
}

/// A reporting period, identified by its first month: `2025-01`, or `2025-04` for Q2 when the
/// period is three months long.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Period {
    pub year: i32,
    pub month: u32,
}

impl Period {
    pub fn parse(s: &str) -> Result<Period, IbmError> {
        let bad = || IbmError::InvalidPeriod(s.to_string());
        let (y, m) = s.trim().split_once('-').ok_or_else(bad)?;
        let (year, month): (i32, u32) =
            (y.parse().map_err(|_| bad())?, m.parse().map_err(|_| bad())?);
        if y.len() != 4
            || m.len() != 2
            || !(1..=12).contains(&month)
            || !(2000..=2100).contains(&year)
        {
            return Err(bad());
        }
        Ok(Period { year, month })
    }

    pub fn first_day(self) -> NaiveDate {
        NaiveDate::from_ymd_opt(self.year, self.month, 1).expect("valid period")
    }

    fn add_months(self, n: u32) -> Period {
        let idx = self.year * 12 + self.month as i32 - 1 + n as i32;
        Period {
            year: idx.div_euclid(12),
            month: idx.rem_euclid(12) as u32 + 1,
        }
    }
}

impl std::fmt::Display for Period {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:04}-{:02}", self.year, self.month)
    }
}

/// How reporting works; stored as settings, monthly with a 10-day grace by default.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct ReportingRule {
    /// 1 = monthly, 3 = quarterly, …; must divide 12.
    #[schemars(extend("enum" = [1, 2, 3, 4, 6, 12]))]
    pub period_months: u32,
    /// Days after the period's end by which the report is due.
    #[schemars(range(max = 120))]
    pub due_days: u32,
    /// A unit is flagged silent after this many due periods in a row without a report.
    #[schemars(range(min = 1, max = 120))]
    pub silent_after: u32,
}

impl ReportingRule {
    /// At most ten years of monthly periods: the silent-unit scan looks back this far.
    pub const MAX_SILENT_AFTER: u32 = 120;
}

impl Default for ReportingRule {
    fn default() -> Self {
        ReportingRule {
            period_months: 1,
            due_days: 10,
            silent_after: 3,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReportState {
    OnTime,
    Late,
    Missing,
    NotDueYet,
}

impl ReportState {
    pub fn as_str(self) -> &'static str {
        match self {
            ReportState::OnTime => "tepat_waktu",
            ReportState::Late => "terlambat",
            ReportState::Missing => "tidak_ada",
            ReportState::NotDueYet => "belum_jatuh_tempo",
        }
    }
}

impl ReportingRule {
    pub fn is_valid(&self) -> bool {
        self.period_months >= 1
            && 12 % self.period_months == 0
            && self.due_days <= 120
            && (1..=Self::MAX_SILENT_AFTER).contains(&self.silent_after)
    }

    /// The period containing `date`.
    pub fn period_of(&self, date: NaiveDate) -> Period {
        let m0 = (date.month() - 1) / self.period_months * self.period_months;
        Period {
            year: date.year(),
            month: m0 + 1,
        }
    }

    /// Whether `p` starts a period under this rule (e.g. quarters start in Jan, Apr, Jul, Oct).
    pub fn is_period_start(&self, p: Period) -> bool {
        (p.month - 1) % self.period_months == 0
    }

    pub fn next(&self, p: Period) -> Period {
        p.add_months(self.period_months)
    }

    pub fn last_day(&self, p: Period) -> NaiveDate {
        self.next(p).first_day().pred_opt().expect("valid date")
    }

    pub fn due_date(&self, p: Period) -> NaiveDate {
        self.last_day(p) + chrono::Duration::days(self.due_days as i64)
    }

    pub fn state(
        &self,
        p: Period,
        submitted_on: Option<NaiveDate>,
        today: NaiveDate,
    ) -> ReportState {
        let due = self.due_date(p);
        match submitted_on {
            Some(d) if d <= due => ReportState::OnTime,
            Some(_) => ReportState::Late,
            None if today > due => ReportState::Missing,
            None => ReportState::NotDueYet,
        }
    }

    /// Periods from the one containing `from` up to the one containing `today`.
    pub fn periods(&self, from: NaiveDate, today: NaiveDate) -> Vec<Period> {
        let mut out = Vec::new();
        let mut p = self.period_of(from);
        let last = self.period_of(today);
        while p <= last {
            out.push(p);
            p = self.next(p);
        }
        out
    }

    /// Silent: the last `silent_after` periods that are already due all lack a report.
    pub fn is_silent(&self, states: &[(Period, ReportState)]) -> bool {
        let due: Vec<&ReportState> = states
            .iter()
            .filter(|(_, s)| *s != ReportState::NotDueYet)
            .map(|(_, s)| s)
            .collect();
        due.len() >= self.silent_after as usize
            && due
                .iter()
                .rev()
                .take(self.silent_after as usize)
                .all(|s| **s == ReportState::Missing)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum VisitMode {
    /// Online.
    Daring,
    /// In person.
    Luring,
}

string_enum!(VisitMode { Daring => "daring", Luring => "luring" });

impl VisitMode {
    /// New units are visited in person; established ones mostly online.
    pub fn default_for(category: Option<Category>) -> VisitMode {
        if category.is_none_or(Category::is_new) {
            VisitMode::Luring
        } else {
            VisitMode::Daring
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum ActionStatus {
    Open,
    Done,
    Dropped,
}

string_enum!(ActionStatus { Open => "terbuka", Done => "selesai", Dropped => "dibatalkan" });

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum AgentRole {
    Chair,
    Member,
}

string_enum!(AgentRole { Chair => "ketua", Member => "anggota" });

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Sex {
    Male,
    Female,
}

string_enum!(Sex { Male => "l", Female => "p" });

/// One row of a target-versus-achievement table.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct TargetRow {
    pub key: String,
    pub label: String,
    pub units: i64,
    pub berkelanjutan: i64,
    pub berkelanjutan_mandiri: i64,
    pub baru: i64,
    pub baru_mandiri: i64,
    pub with_target: i64,
    pub assessed: i64,
    pub on_target: i64,
}

impl TargetRow {
    /// Share of the units with a final assessment that reached their target, in percent (one
    /// decimal): a unit not yet assessed has not failed its target, so it is left out (see
    /// [`TargetRow::unassessed`]). A unit assessed without a target counts as not on target.
    pub fn on_target_pct(&self) -> Option<f64> {
        (self.assessed > 0)
            .then(|| (self.on_target as f64 * 1000.0 / self.assessed as f64).round() / 10.0)
    }

    /// Units without a final assessment of the year yet.
    pub fn unassessed(&self) -> i64 {
        (self.units - self.assessed).max(0)
    }

    pub fn add(&mut self, other: &TargetRow) {
        self.units += other.units;
        self.berkelanjutan += other.berkelanjutan;
        self.berkelanjutan_mandiri += other.berkelanjutan_mandiri;
        self.baru += other.baru;
        self.baru_mandiri += other.baru_mandiri;
        self.with_target += other.with_target;
        self.assessed += other.assessed;
        self.on_target += other.on_target;
    }
}

#[cfg(test)]
mod tests {

    #[test]
    fn categories_are_read_by_code_or_label_whatever_the_case_and_spacing() {
        for text in [
            "Berkelanjutan Mandiri",
            "berkelanjutan_mandiri",
            "BERKELANJUTAN  MANDIRI",
            " berkelanjutan-mandiri ",
            "Continuing, self-reliant",
        ] {
            assert_eq!(
                Category::parse_loose(text, Category::labels),
                Some(Category::BerkelanjutanMandiri),
                "{text:?}"
            );
        }
        assert_eq!(
            Category::parse_loose("Baru", Category::labels),
            Some(Category::Baru)
        );
        assert_eq!(Category::parse_loose("", Category::labels), None);
        assert_eq!(Category::parse_loose("Lanjutan", Category::labels), None);
        assert_eq!(
            UnitStatus::parse_loose("AP Dilatih", UnitStatus::labels),
            Some(UnitStatus::AgentsTrained)
        );
        assert_eq!(
            FundingSource::parse_loose("dana desa", FundingSource::labels),
            Some(FundingSource::Apbdes)
        );
    }

    #[test]
    fn whoever_submits_an_assessment_may_not_verify_or_finalise_it() {
        use AssessmentAction::*;
        assert!(check_four_eyes(Verify, Some("bnnk.bandung"), "bnnk.bandung").is_err());
        assert!(check_four_eyes(Finalize, Some("Admin.Pusat"), "admin.pusat").is_err());
        assert!(check_four_eyes(Verify, Some("bnnk.bandung"), "bnnp.jabar").is_ok());
        assert!(check_four_eyes(Return, Some("bnnp.jabar"), "bnnp.jabar").is_ok());
        assert!(check_four_eyes(Submit, None, "bnnk.bandung").is_ok());
    }

    use super::*;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    #[test]
    fn unit_status_follows_the_life_cycle() {
        use UnitStatus::*;
        assert_eq!(Proposed.transition(Formed, "", true), Ok(Formed));
        assert_eq!(
            Proposed.transition(Formed, "", false),
            Err(IbmError::DecreeRequired)
        );
        assert!(Proposed.transition(Operating, "", true).is_err());
        assert_eq!(
            Operating.transition(Inactive, "", true),
            Err(IbmError::ReasonRequired("tidak_aktif"))
        );
        assert_eq!(
            Operating.transition(Inactive, "AP pindah", true),
            Ok(Inactive)
        );
        assert_eq!(Inactive.transition(Operating, "", true), Ok(Operating));
        assert!(Dissolved.allowed_next().is_empty());
        for s in UnitStatus::ALL {
            assert_eq!(UnitStatus::parse(s.as_str()), Some(*s));
            if *s != Dissolved {
                assert!(
                    s.allowed_next().contains(&Dissolved),
                    "{s:?} can be dissolved"
                );
            }
        }
    }

    #[test]
    fn the_year_roll_over_proposes_the_next_category() {
        use Category::*;
        assert_eq!(Baru.roll_over(FundingSource::Apbn), Berkelanjutan);
        assert_eq!(
            BaruMandiri.roll_over(FundingSource::Apbdes),
            BerkelanjutanMandiri
        );
        assert_eq!(Berkelanjutan.roll_over(FundingSource::Apbn), Berkelanjutan);
        assert_eq!(
            Berkelanjutan.roll_over(FundingSource::Apbd),
            BerkelanjutanMandiri
        );
        assert_eq!(
            BerkelanjutanMandiri.roll_over(FundingSource::Apbn),
            BerkelanjutanMandiri
        );
        assert_eq!(Category::for_new_unit(FundingSource::Apbn), Baru);
        assert_eq!(Category::for_new_unit(FundingSource::Csr), BaruMandiri);
    }

    #[test]
    fn the_assessment_workflow_needs_the_right_permission_at_each_step() {
        use AssessmentAction::*;
        use AssessmentStatus::*;
        assert_eq!(Draft.apply(Submit), Ok((Submitted, Permission::WriteData)));
        assert_eq!(
            Submitted.apply(Verify),
            Ok((Verified, Permission::VerifyData))
        );
        assert_eq!(Submitted.apply(Return), Ok((Draft, Permission::VerifyData)));
        assert_eq!(
            Verified.apply(Finalize),
            Ok((Final, Permission::FinalizeData))
        );
        assert!(Draft.apply(Verify).is_err());
        assert!(Draft.apply(Finalize).is_err());
        assert!(Final.apply(Return).is_err());
        assert!(Final.apply(Submit).is_err());
        assert!(Draft.is_editable() && !Submitted.is_editable());
    }

    #[test]
    fn the_achieved_stage_is_the_last_one_climbed_in_order() {
        let stages = vec![
            StageRule {
                id: 10,
                ordinal: 1,
                criteria: vec![(1, true), (2, false)],
            },
            StageRule {
                id: 20,
                ordinal: 2,
                criteria: vec![(3, true), (4, true)],
            },
            StageRule {
                id: 30,
                ordinal: 3,
                criteria: vec![(5, false), (6, false)],
            },
        ];
        let met = |ids: &[i64]| ids.iter().copied().collect::<HashSet<_>>();
        assert_eq!(achieved_stage(&stages, &met(&[])), None);
        assert_eq!(achieved_stage(&stages, &met(&[1])), Some((10, 1)));
        assert_eq!(achieved_stage(&stages, &met(&[1, 3])), Some((10, 1)));
        assert_eq!(achieved_stage(&stages, &met(&[1, 3, 4])), Some((20, 2)));
        assert_eq!(achieved_stage(&stages, &met(&[1, 3, 4, 6])), Some((30, 3)));
        // Meeting a higher stage's criteria does not skip a stage not reached.
        assert_eq!(achieved_stage(&stages, &met(&[3, 4, 5])), None);
    }

    #[test]
    fn on_target_means_achieved_at_least_the_target() {
        assert_eq!(on_target(Some(3), Some(3)), Some(true));
        assert_eq!(on_target(Some(4), Some(3)), Some(true));
        assert_eq!(on_target(Some(2), Some(3)), Some(false));
        assert_eq!(on_target(None, Some(1)), Some(false));
        assert_eq!(on_target(Some(2), None), None);
    }

    #[test]
    fn reports_are_on_time_late_missing_or_not_yet_due() {
        let r = ReportingRule::default();
        let jan = Period::parse("2025-01").unwrap();
        assert_eq!(r.due_date(jan), d("2025-02-10"));
        assert_eq!(
            r.state(jan, Some(d("2025-02-10")), d("2025-03-01")),
            ReportState::OnTime
        );
        assert_eq!(
            r.state(jan, Some(d("2025-02-11")), d("2025-03-01")),
            ReportState::Late
        );
        assert_eq!(r.state(jan, None, d("2025-02-10")), ReportState::NotDueYet);
        assert_eq!(r.state(jan, None, d("2025-02-11")), ReportState::Missing);
        let feb = Period::parse("2025-02").unwrap();
        assert_eq!(r.last_day(feb), d("2025-02-28"));
        assert_eq!(
            r.next(Period::parse("2025-12").unwrap()),
            Period::parse("2026-01").unwrap()
        );
        assert!(
            Period::parse("2025-13").is_err()
                && Period::parse("25-01").is_err()
                && Period::parse("x").is_err()
        );
    }

    #[test]
    fn quarterly_reporting_is_a_setting_not_a_code_change() {
        let q = ReportingRule {
            period_months: 3,
            due_days: 15,
            silent_after: 2,
        };
        assert!(q.is_valid());
        assert_eq!(
            q.period_of(d("2025-05-20")),
            Period::parse("2025-04").unwrap()
        );
        assert_eq!(
            q.due_date(Period::parse("2025-04").unwrap()),
            d("2025-07-15")
        );
        assert_eq!(q.periods(d("2025-02-01"), d("2025-11-30")).len(), 4);
        assert!(
            !ReportingRule {
                period_months: 5,
                ..q
            }
            .is_valid()
        );
        // The silent-unit scan looks back `silent_after` periods: bounded, so a dashboard never
        // reaches before the calendar (a fuzzer's 4294967295 once made every dashboard panic).
        assert!(
            !ReportingRule {
                silent_after: ReportingRule::MAX_SILENT_AFTER + 1,
                ..q
            }
            .is_valid()
        );
    }

    #[test]
    fn a_unit_is_silent_after_consecutive_missing_reports() {
        let r = ReportingRule::default();
        let p = |m: &str| Period::parse(m).unwrap();
        use ReportState::*;
        let s = vec![
            (p("2025-01"), OnTime),
            (p("2025-02"), Missing),
            (p("2025-03"), Missing),
            (p("2025-04"), Missing),
            (p("2025-05"), NotDueYet),
        ];
        assert!(r.is_silent(&s));
        let s2 = vec![
            (p("2025-01"), Missing),
            (p("2025-02"), Missing),
            (p("2025-03"), Late),
            (p("2025-04"), Missing),
        ];
        assert!(!r.is_silent(&s2));
        assert!(!r.is_silent(&s[..2]), "too few due periods to judge");
    }

    #[test]
    fn new_units_are_visited_in_person() {
        assert_eq!(
            VisitMode::default_for(Some(Category::Baru)),
            VisitMode::Luring
        );
        assert_eq!(
            VisitMode::default_for(Some(Category::BaruMandiri)),
            VisitMode::Luring
        );
        assert_eq!(
            VisitMode::default_for(Some(Category::Berkelanjutan)),
            VisitMode::Daring
        );
        assert_eq!(VisitMode::default_for(None), VisitMode::Luring);
    }

    #[test]
    fn target_rows_add_up_and_give_a_share() {
        let mut total = TargetRow::default();
        total.add(&TargetRow {
            units: 3,
            berkelanjutan: 3,
            with_target: 3,
            assessed: 3,
            on_target: 2,
            ..Default::default()
        });
        total.add(&TargetRow {
            units: 2,
            baru: 2,
            with_target: 2,
            assessed: 1,
            on_target: 0,
            ..Default::default()
        });
        assert_eq!(total.units, 5);
        // Of the four units with a final assessment, two reached their target; the fifth is
        // not assessed yet and is left out rather than counted as a failure.
        assert_eq!(total.on_target_pct(), Some(50.0));
        assert_eq!(total.unassessed(), 1);
        assert_eq!(TargetRow::default().on_target_pct(), None);
    }
}
