//! SNI 8807:2022 coaching rules: institution attributes, the weighted scoring of an assessment
//! (per aspect and overall, not-applicable excluded), the pass rule, the improvement between
//! baseline and final, the gap list, and certificate life and expiry. The instrument itself
//! (aspects, requirements, weights, scale, threshold) is data.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashMap};

macro_rules! string_enum {
    ($name:ident { $($variant:ident => $s:literal),+ $(,)? }) => {
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
        pub enum $name { $($variant),+ }
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
        }
    };
}

string_enum!(Ownership { Bnn => "bnn", Government => "instansi_pemerintah", Community => "komponen_masyarakat" });
string_enum!(ServiceKind { Medical => "medis", Social => "sosial", Both => "keduanya" });
string_enum!(Modality { Inpatient => "rawat_inap", Outpatient => "rawat_jalan", Both => "keduanya" });
string_enum!(AssessmentKind { Baseline => "awal", Monitoring => "monitoring", Final => "akhir" });
string_enum!(CohortKind { NationalPriority => "prioritas_nasional", Regular => "reguler" });
string_enum!(SessionType { Asistensi => "asistensi", Bimtek => "bimtek" });
string_enum!(Tier { National => "nasional", Province => "provinsi", District => "kabupaten" });
string_enum!(CertStatus { Applied => "diajukan", Audit => "audit", Certified => "tersertifikasi", Refused => "ditolak" });

impl AssessmentKind {
    /// Whether the institution fills it itself (the baseline self-assessment). The others are
    /// the officers' own: an institution's operator may read them, never write to them.
    pub fn self_assessed(self) -> bool {
        self == AssessmentKind::Baseline
    }
}

impl CertStatus {
    /// applied → audit → certified / refused (an application may also be refused outright).
    pub fn can_move_to(self, to: CertStatus) -> bool {
        use CertStatus::*;
        matches!(
            (self, to),
            (Applied, Audit) | (Applied, Refused) | (Audit, Certified) | (Audit, Refused)
        )
    }
}

/// A requirement as scoring needs it.
#[derive(Debug, Clone)]
pub struct Requirement {
    pub id: i64,
    pub aspect_id: i64,
    pub weight: f64,
    pub mandatory: bool,
    pub ordinal: i64,
}

/// The answer for one requirement: `None` = not applicable; `Some(v)` with v in 0..=1 from the
/// scale (met 1, partly 0.5, not met 0 by default). Requirements without an answer count as 0.
pub type Answers = HashMap<i64, Option<f64>>;

#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct AspectScore {
    /// Weighted points earned.
    pub earned: f64,
    /// Weighted points possible (applicable requirements only).
    pub possible: f64,
    pub applicable: usize,
    pub answered: usize,
}

impl AspectScore {
    /// 0–100, one decimal; `None` when nothing in the aspect applies.
    pub fn pct(&self) -> Option<f64> {
        (self.possible > 0.0).then(|| round1(self.earned * 100.0 / self.possible))
    }
}

fn round1(x: f64) -> f64 {
    (x * 10.0).round() / 10.0
}

#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct ScoreSummary {
    pub aspects: BTreeMap<i64, AspectScore>,
    pub overall: AspectScore,
    /// Mandatory requirements not fully met (and applicable).
    pub mandatory_unmet: Vec<i64>,
}

impl ScoreSummary {
    /// Passes when the overall share reaches `threshold` (0–1) and every applicable mandatory
    /// requirement is fully met.
    pub fn passes(&self, threshold: f64) -> bool {
        self.mandatory_unmet.is_empty()
            && self
                .overall
                .pct()
                .is_some_and(|p| p + 1e-9 >= threshold * 100.0)
    }
}

/// Scores an assessment against the requirements.
pub fn score(requirements: &[Requirement], answers: &Answers) -> ScoreSummary {
    let mut s = ScoreSummary::default();
    for r in requirements {
        let answer = answers.get(&r.id);
        let aspect = s.aspects.entry(r.aspect_id).or_default();
        let value = match answer {
            Some(None) => {
                aspect.answered += 1;
                s.overall.answered += 1;
                continue; // not applicable: out of both numerator and denominator
            }
            Some(Some(v)) => {
                aspect.answered += 1;
                s.overall.answered += 1;
                v.clamp(0.0, 1.0)
            }
            None => 0.0,
        };
        for target in [&mut *aspect, &mut s.overall] {
            target.applicable += 1;
            target.earned += r.weight * value;
            target.possible += r.weight;
        }
        if r.mandatory && value < 1.0 {
            s.mandatory_unmet.push(r.id);
        }
    }
    s
}

/// Percentage-point change from baseline to final, overall and per aspect.
pub fn improvement(
    baseline: &ScoreSummary,
    last: &ScoreSummary,
) -> (Option<f64>, BTreeMap<i64, Option<f64>>) {
    let delta = |a: Option<f64>, b: Option<f64>| Some(round1(b? - a?));
    let overall = delta(baseline.overall.pct(), last.overall.pct());
    let aspects = last
        .aspects
        .iter()
        .map(|(id, a)| {
            (
                *id,
                delta(baseline.aspects.get(id).and_then(AspectScore::pct), a.pct()),
            )
        })
        .collect();
    (overall, aspects)
}

/// Requirements not fully met, mandatory first, then the lowest scores, then instrument order.
pub fn gaps(requirements: &[Requirement], answers: &Answers) -> Vec<i64> {
    let mut out: Vec<(&Requirement, f64)> = requirements
        .iter()
        .filter_map(|r| match answers.get(&r.id) {
            Some(None) => None,
            Some(Some(v)) if *v >= 1.0 => None,
            Some(Some(v)) => Some((r, *v)),
            None => Some((r, 0.0)),
        })
        .collect();
    out.sort_by(|a, b| {
        b.0.mandatory
            .cmp(&a.0.mandatory)
            .then(a.1.partial_cmp(&b.1).unwrap_or(std::cmp::Ordering::Equal))
            .then(a.0.ordinal.cmp(&b.0.ordinal))
    });
    out.into_iter().map(|(r, _)| r.id).collect()
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Expiry {
    Valid,
    ExpiringSoon { days_left: i64 },
    Expired,
}

/// Certificate validity as of `today`, warning `warn_days` ahead.
pub fn expiry(valid_until: NaiveDate, today: NaiveDate, warn_days: i64) -> Expiry {
    let left = (valid_until - today).num_days();
    if left < 0 {
        Expiry::Expired
    } else if left <= warn_days {
        Expiry::ExpiringSoon { days_left: left }
    } else {
        Expiry::Valid
    }
}

/// A coaching period is six months from its start.
pub fn coaching_end(start: NaiveDate) -> NaiveDate {
    start
        .checked_add_months(chrono::Months::new(6))
        .unwrap_or(start)
        - chrono::Duration::days(1)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn req(id: i64, aspect: i64, weight: f64, mandatory: bool) -> Requirement {
        Requirement {
            id,
            aspect_id: aspect,
            weight,
            mandatory,
            ordinal: id,
        }
    }

    #[test]
    fn scores_are_weighted_per_aspect_and_overall_with_not_applicable_excluded() {
        let reqs = vec![
            req(1, 10, 2.0, true),
            req(2, 10, 1.0, false),
            req(3, 20, 1.0, false),
            req(4, 20, 1.0, false),
        ];
        let answers: Answers = [(1, Some(1.0)), (2, Some(0.5)), (3, None), (4, Some(0.0))]
            .into_iter()
            .collect();
        let s = score(&reqs, &answers);
        assert_eq!(s.aspects[&10].pct(), Some(83.3)); // (2 + 0.5) / 3
        assert_eq!(s.aspects[&20].pct(), Some(0.0)); // requirement 3 is not applicable
        assert_eq!(s.aspects[&20].applicable, 1);
        assert_eq!(s.overall.pct(), Some(62.5)); // 2.5 / 4
        assert!(s.mandatory_unmet.is_empty());
    }

    #[test]
    fn an_aspect_with_nothing_applicable_has_no_score() {
        let reqs = vec![req(1, 10, 1.0, false)];
        let s = score(&reqs, &[(1, None)].into_iter().collect());
        assert_eq!(s.aspects[&10].pct(), None);
        assert_eq!(s.overall.pct(), None);
        assert!(!s.passes(0.0));
    }

    #[test]
    fn unanswered_requirements_count_as_not_met() {
        let reqs = vec![req(1, 10, 1.0, true), req(2, 10, 1.0, false)];
        let s = score(&reqs, &[(2, Some(1.0))].into_iter().collect());
        assert_eq!(s.overall.pct(), Some(50.0));
        assert_eq!(s.mandatory_unmet, vec![1]);
        assert_eq!(s.overall.answered, 1);
    }

    #[test]
    fn passing_needs_the_threshold_and_every_mandatory_requirement() {
        let reqs = vec![req(1, 10, 1.0, true), req(2, 10, 4.0, false)];
        let full: Answers = [(1, Some(1.0)), (2, Some(1.0))].into_iter().collect();
        assert!(score(&reqs, &full).passes(0.8));
        let mandatory_partly: Answers = [(1, Some(0.5)), (2, Some(1.0))].into_iter().collect();
        let s = score(&reqs, &mandatory_partly);
        assert_eq!(s.overall.pct(), Some(90.0));
        assert!(
            !s.passes(0.8),
            "90 % but a mandatory requirement is only partly met"
        );
        let low: Answers = [(1, Some(1.0)), (2, Some(0.5))].into_iter().collect();
        assert!(!score(&reqs, &low).passes(0.8)); // 60 %
        assert!(score(&reqs, &low).passes(0.6));
    }

    #[test]
    fn improvement_is_the_change_in_percentage_points() {
        let reqs = vec![req(1, 10, 1.0, false), req(2, 20, 1.0, false)];
        let base = score(
            &reqs,
            &[(1, Some(0.0)), (2, Some(0.5))].into_iter().collect(),
        );
        let last = score(
            &reqs,
            &[(1, Some(1.0)), (2, Some(0.5))].into_iter().collect(),
        );
        let (overall, aspects) = improvement(&base, &last);
        assert_eq!(overall, Some(50.0));
        assert_eq!(aspects[&10], Some(100.0));
        assert_eq!(aspects[&20], Some(0.0));
    }

    #[test]
    fn gaps_list_mandatory_requirements_first_then_the_lowest() {
        let reqs = vec![
            req(1, 10, 1.0, false),
            req(2, 10, 1.0, true),
            req(3, 10, 1.0, false),
            req(4, 10, 1.0, false),
            req(5, 10, 1.0, true),
        ];
        let answers: Answers = [
            (1, Some(0.5)),
            (2, Some(0.5)),
            (3, Some(0.0)),
            (4, Some(1.0)),
            (5, None),
        ]
        .into_iter()
        .collect();
        assert_eq!(gaps(&reqs, &answers), vec![2, 3, 1]);
    }

    #[test]
    fn certificates_warn_before_they_expire() {
        let d = |s| NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap();
        assert_eq!(expiry(d("2027-12-31"), d("2026-11-22"), 90), Expiry::Valid);
        assert_eq!(
            expiry(d("2027-01-10"), d("2026-11-22"), 90),
            Expiry::ExpiringSoon { days_left: 49 }
        );
        assert_eq!(
            expiry(d("2026-11-21"), d("2026-11-22"), 90),
            Expiry::Expired
        );
        assert!(CertStatus::Applied.can_move_to(CertStatus::Audit));
        assert!(CertStatus::Audit.can_move_to(CertStatus::Certified));
        assert!(!CertStatus::Applied.can_move_to(CertStatus::Certified));
        assert!(!CertStatus::Certified.can_move_to(CertStatus::Audit));
        assert_eq!(coaching_end(d("2026-06-01")), d("2026-11-30"));
    }
}
