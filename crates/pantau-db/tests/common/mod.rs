//! What the storage tests share: seeded worlds (Jawa Barat areas and offices, demo users, a
//! coaching cohort) and the users, units and answers the tests act with. Each test binary uses
//! part of it.
#![allow(dead_code)]

use chrono::NaiveDate;
use pantau_core::access::{Principal, Role};
use pantau_core::ibm::UnitStatus;
use pantau_core::org::AreaLevel;
use pantau_db::ibm::assessments::CriterionAnswer;
use pantau_db::ibm::stages;
use pantau_db::ibm::units::{self, UnitInput};
use pantau_db::sni::assessments::{self as sni_assessments, ScoreInput};
use pantau_db::sni::cohorts::{self, CohortInput};
use pantau_db::sni::institutions::{self, InstitutionInput};
use pantau_db::sni::instrument;
use pantau_db::testing::TestDb;
use pantau_db::users::{self, NewUser};
use pantau_db::wilayah::{self, WilayahFiles};
use pantau_db::{Actor, offices, seed};

pub fn no_progress(_: AreaLevel, _: u64, _: u64) {}

/// Areas of Jawa Barat down to villages (enough for units), the office tree, demo users.
pub async fn seeded(t: &TestDb) {
    let only_jabar = |bytes: &[u8]| -> Vec<u8> {
        let text = std::str::from_utf8(bytes).unwrap();
        let mut lines = text.lines();
        let mut out = format!("{}\n", lines.next().unwrap());
        for l in lines.filter(|l| l.starts_with("32.")) {
            out.push_str(l);
            out.push('\n');
        }
        out.into_bytes()
    };
    let districts = only_jabar(seed::bundled::DISTRICTS);
    let villages = only_jabar(seed::bundled::VILLAGES);
    let files = WilayahFiles {
        provinces: seed::bundled::PROVINCES,
        regencies: seed::bundled::REGENCIES,
        districts: &districts[..],
        villages: &villages[..],
    };
    wilayah::import(&t.db, files, AreaLevel::Village, &no_progress)
        .await
        .unwrap();
    seed::offices_from_csv(&t.db, Actor::System("test"), seed::bundled::OFFICES)
        .await
        .unwrap();
    seed::demo_users(&t.db).await.unwrap();
}

pub async fn who(t: &TestDb, username: &str) -> Principal {
    let u = users::by_username(&t.db, username).await.unwrap();
    users::principal(&t.db, u.id).await.unwrap()
}

pub fn unit_input(code: &str, village: &str, office_id: i64, funding: &str) -> UnitInput {
    UnitInput {
        code: code.into(),
        name: format!("Unit {code}"),
        village_code: village.into(),
        office_id,
        year_formed: 2025,
        decree_number: "SK/01/2025".into(),
        funding_source: funding.into(),
        desa_bersinar: false,
        priority_area: false,
    }
}

/// A unit in Bandung, operating since `since`.
pub async fn operating_unit(
    t: &TestDb,
    code: &str,
    village: &str,
    office: &str,
    funding: &str,
    since: &str,
) -> i64 {
    let office = offices::by_code(&t.db, office).await.unwrap();
    let unit = units::create(
        &t.db,
        Actor::System("test"),
        &unit_input(code, village, office.id, funding),
        2025,
    )
    .await
    .unwrap();
    for to in [
        UnitStatus::Formed,
        UnitStatus::AgentsTrained,
        UnitStatus::Operating,
    ] {
        units::change_status(&t.db, Actor::System("test"), unit.id, to, "", since)
            .await
            .unwrap();
    }
    unit.id
}

pub fn d(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
}

pub fn answers_up_to(all: &[stages::Stage], ordinal: i64) -> Vec<CriterionAnswer> {
    all.iter()
        .flat_map(|s| s.criteria.iter().map(move |c| (s.ordinal, c)))
        .map(|(o, c)| CriterionAnswer {
            criterion_id: c.id,
            met: o <= ordinal,
            evidence: if o <= ordinal {
                format!("bukti {}", c.code)
            } else {
                String::new()
            },
        })
        .collect()
}

pub struct SniWorld {
    pub inst_bdg: i64,
    pub inst_bogor: i64,
    pub participant_bdg: i64,
    pub participant_bogor: i64,
}

/// Two institutions (Bandung, Bogor) in a regular cohort of BNNP Jawa Barat, and an operator
/// for the Bandung one.
pub async fn sni_world(t: &TestDb) -> SniWorld {
    seed::bundled_wilayah(&t.db, AreaLevel::Regency, &no_progress)
        .await
        .unwrap();
    seed::offices_from_csv(&t.db, Actor::System("test"), seed::bundled::OFFICES)
        .await
        .unwrap();
    seed::demo_users(&t.db).await.unwrap();
    let sys = Actor::System("test");
    let bdg = offices::by_code(&t.db, "BNNK-32.73").await.unwrap().id;
    let bogor = offices::by_code(&t.db, "BNNK-32.71").await.unwrap().id;
    let jabar = offices::by_code(&t.db, "BNNP-32").await.unwrap().id;
    let input = |code: &str, area: &str, office: i64| InstitutionInput {
        code: code.into(),
        name: format!("Lembaga {code}"),
        ownership: "komponen_masyarakat".into(),
        service_kind: "sosial".into(),
        modality: "rawat_inap".into(),
        ipwl: true,
        bnn_partner: true,
        address: "Jl. Uji".into(),
        area_code: area.into(),
        office_id: office,
    };
    let inst_bdg = institutions::create(&t.db, sys, &input("LR-BDG", "32.73", bdg))
        .await
        .unwrap()
        .id;
    let inst_bogor = institutions::create(&t.db, sys, &input("LR-BGR", "32.71", bogor))
        .await
        .unwrap()
        .id;
    users::create(
        &t.db,
        sys,
        NewUser {
            username: "operator.lembaga".into(),
            full_name: "Operator".into(),
            email: String::new(),
            password: seed::DEMO_PASSWORD.into(),
            grants: vec![(Role::InstitutionOperator, bdg)],
            institution_id: Some(inst_bdg),
            unit_id: None,
        },
    )
    .await
    .unwrap();
    let cohort = cohorts::create(
        &t.db,
        sys,
        &CohortInput {
            year: 2026,
            kind: "reguler".into(),
            name: "Reguler Jabar 2026".into(),
            office_id: jabar,
            start_date: "2026-06-01".into(),
        },
    )
    .await
    .unwrap();
    assert_eq!(cohort.end_date, "2026-11-30");
    let participant_bdg = cohorts::add_participant(&t.db, sys, cohort.id, inst_bdg)
        .await
        .unwrap();
    let participant_bogor = cohorts::add_participant(&t.db, sys, cohort.id, inst_bogor)
        .await
        .unwrap();
    SniWorld {
        inst_bdg,
        inst_bogor,
        participant_bdg,
        participant_bogor,
    }
}

/// Scores every requirement with `code`, except those listed in `overrides`.
pub async fn score_all(
    t: &TestDb,
    actor: Actor<'_>,
    assessment: i64,
    code: &str,
    overrides: &[(&str, &str)],
) {
    let inst = instrument::active(&t.db).await.unwrap();
    let scores: Vec<ScoreInput> = inst
        .requirements
        .iter()
        .map(|r| ScoreInput {
            requirement_id: r.id,
            scale_code: overrides
                .iter()
                .find(|o| o.0 == r.code)
                .map(|o| o.1)
                .unwrap_or(code)
                .into(),
            comment: String::new(),
        })
        .collect();
    sni_assessments::save_scores(&t.db, actor, assessment, &scores, "")
        .await
        .unwrap();
}

/// Files below `dir` (0 when it does not exist): what an upload left on disk.
pub fn files_under(dir: &std::path::Path) -> usize {
    std::fs::read_dir(dir)
        .map(|entries| {
            entries
                .flatten()
                .map(|e| {
                    if e.path().is_dir() {
                        files_under(&e.path())
                    } else {
                        1
                    }
                })
                .sum()
        })
        .unwrap_or(0)
}
