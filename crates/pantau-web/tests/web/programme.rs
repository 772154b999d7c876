//! Programme figures as BNN reports them (issue 18): the history of SNI coaching before Pantau
//! and the coaching targets import all or nothing and idempotently, the yearly and cumulative
//! summary equals a recount from the raw rows, targets are met by the nearest office holding
//! one, and the demo tells BNN's public figures.

use crate::harness::*;
use axum::http::StatusCode;
use pantau_core::org::AreaLevel;
use pantau_db::exchange::{Table, history, targets};
use pantau_db::testing::{self, TestDb};
use pantau_db::{Actor, summary};
use serde_json::Value;
use sqlx::Row;
use std::collections::{BTreeMap, HashMap, HashSet};

/// Districts of Jawa Barat and Jawa Timur that have a BNNK (and one, Garut, that falls back to
/// the BNNP).
const DISTRICTS: &[&str] = &["32.73", "32.04", "32.01", "35.78", "35.07", "32.05"];

/// A deterministic history of `n` institutions over 2020–2024: some years coached, ending
/// not yet, recommended or certified.
fn history_file(n: usize) -> Table {
    let mut t = Table::new(&history::columns());
    let mut seed = 7u64;
    let mut next = |m: u64| {
        seed = seed
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (seed >> 33) % m
    };
    for k in 0..n {
        let district = DISTRICTS[k % DISTRICTS.len()];
        for year in 2020..=2024 {
            if next(3) == 0 {
                continue;
            }
            let (result, date) = match next(4) {
                0 => ("direkomendasikan", String::new()),
                1 => ("tersertifikasi", format!("{year}-11-{:02}", 1 + next(28))),
                _ => ("belum", String::new()),
            };
            let kind = if next(5) == 0 {
                "prioritas_nasional"
            } else {
                "reguler"
            };
            t.rows.push(
                [
                    format!("RIW-{k:03}"),
                    format!("Lembaga Riwayat {k}"),
                    district.to_string(),
                    "komponen_masyarakat".to_string(),
                    year.to_string(),
                    kind.to_string(),
                    result.to_string(),
                    date,
                    String::new(),
                    String::new(),
                    String::new(),
                ]
                .to_vec(),
            );
        }
    }
    t
}

fn column(t: &Table, row: &[String], c: &str) -> String {
    t.cell(row, c).to_string()
}

#[tokio::test]
async fn a_history_of_several_hundred_institutions_imports_once_and_counts_each_standardised_once()
{
    for t in testing::all().await {
        seeded(&t, AreaLevel::Regency).await;
        let file = history_file(320);
        let sys = Actor::System("test");
        let none = &|_| {};
        let first = history::import(&t.db, sys, &file, false, none)
            .await
            .unwrap()
            .unwrap_or_else(|e| panic!("{}: {e:?}", t.label));
        assert_eq!(first.created, file.rows.len(), "{}", t.label);
        assert!(
            file.rows.len() > 900,
            "{}: several hundred institutions, many years",
            t.label
        );
        // New institutions were described by default: the import says so.
        assert!(!first.warnings.is_empty(), "{}", t.label);

        // Standardised by 2024: the institutions with any row recommended or certified, once.
        let mut standardised = HashSet::new();
        let mut first_year: HashMap<String, i64> = HashMap::new();
        for r in &file.rows {
            if column(&file, r, "hasil") != "belum" {
                let code = column(&file, r, "kode");
                let y: i64 = column(&file, r, "tahun").parse().unwrap();
                standardised.insert(code.clone());
                let e = first_year.entry(code).or_insert(y);
                *e = (*e).min(y);
            }
        }
        let mut admin = Client::new(&t);
        admin.login("admin.pusat").await;
        let s = admin.get("/api/v1/summary?year=2024").await;
        assert_eq!(s.status, StatusCode::OK, "{}: {}", t.label, s.body);
        let s = s.json();
        assert_eq!(
            s["sni"]["standardised_cumulative"].as_i64(),
            Some(standardised.len() as i64),
            "{}",
            t.label
        );
        assert_eq!(
            s["sni"]["standardised_since"].as_i64(),
            Some(2020),
            "{}",
            t.label
        );
        let by_2022 = first_year.values().filter(|y| **y <= 2022).count() as i64;
        let s2022 = admin.get("/api/v1/summary?year=2022").await.json();
        assert_eq!(
            s2022["sni"]["standardised_cumulative"].as_i64(),
            Some(by_2022),
            "{}",
            t.label
        );
        let coached_2023: HashSet<String> = file
            .rows
            .iter()
            .filter(|r| column(&file, r, "tahun") == "2023")
            .map(|r| column(&file, r, "kode"))
            .collect();
        let s2023 = admin.get("/api/v1/summary?year=2023").await.json();
        assert_eq!(
            s2023["sni"]["coached"].as_i64(),
            Some(coached_2023.len() as i64),
            "{}",
            t.label
        );

        // Again: nothing changes.
        let again = history::import(&t.db, sys, &file, false, none)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(
            (again.created, again.updated, again.unchanged),
            (0, 0, file.rows.len()),
            "{}",
            t.label
        );
        assert_eq!(
            admin.get("/api/v1/summary?year=2024").await.json(),
            s,
            "{}",
            t.label
        );

        // An unknown track and a certificate without a date are refused, with their rows, and
        // nothing of the file is written.
        let mut bad = history_file(2);
        bad.rows[0][5] = "nasional".into();
        let certified = bad
            .rows
            .iter()
            .position(|r| r[6] == "tersertifikasi")
            .unwrap_or(1);
        bad.rows[certified][6] = "tersertifikasi".into();
        bad.rows[certified][7] = String::new();
        bad.rows[certified][0] = "RIW-NEW".into();
        let errors = history::import(&t.db, sys, &bad, false, none)
            .await
            .unwrap()
            .expect_err("refused");
        let at =
            |row: usize, column: &str| errors.iter().any(|e| e.row == row && e.column == column);
        assert!(at(2, "jalur"), "{}: {errors:?}", t.label);
        assert!(
            at(certified + 2, "tanggal_sertifikat"),
            "{}: {errors:?}",
            t.label
        );
        let created: i64 = sqlx::query_scalar(
            "SELECT CAST(COUNT(*) AS BIGINT) FROM institutions WHERE code = 'RIW-NEW'",
        )
        .fetch_one(t.db.pool())
        .await
        .unwrap();
        assert_eq!(created, 0, "{}", t.label);
        t.finish().await;
    }
}

/// The summary recounted from raw rows, with the definitions of `pantau_db::summary` but none
/// of its code: every unit-year, participation, recommendation, certificate, past year and
/// target read whole and counted here.
async fn recount(t: &TestDb, year: i64, under: &str) -> Value {
    let pool = t.db.pool();
    let within = |path: &str| path.starts_with(under);
    let mut units = 0;
    let mut by_category: BTreeMap<String, i64> = [
        "berkelanjutan",
        "berkelanjutan_mandiri",
        "baru",
        "baru_mandiri",
    ]
    .iter()
    .map(|c| (c.to_string(), 0))
    .collect();
    let (mut assessed, mut on_target, mut unit_years) = (0, 0, 0);
    let mut distinct = HashSet::new();
    let mut since: Option<i64> = None;
    for r in sqlx::query(
        "SELECT y.unit_id, y.year, y.category, CASE WHEN y.confirmed THEN 1 ELSE 0 END AS confirmed, \
         o.path, ts.ordinal AS target, a.status, a.achieved_ordinal FROM ibm_unit_years y \
         JOIN ibm_units u ON u.id = y.unit_id JOIN offices o ON o.id = u.office_id \
         LEFT JOIN ibm_stages ts ON ts.id = y.target_stage_id \
         LEFT JOIN ibm_assessments a ON a.unit_id = y.unit_id AND a.year = y.year",
    )
    .fetch_all(pool)
    .await
    .unwrap()
    {
        let y: i64 = r.get("year");
        if r.get::<i64, _>("confirmed") != 1 || !within(&r.get::<String, _>("path")) || y > year {
            continue;
        }
        unit_years += 1;
        distinct.insert(r.get::<i64, _>("unit_id"));
        since = Some(since.map_or(y, |s| s.min(y)));
        if y == year {
            units += 1;
            *by_category.entry(r.get("category")).or_default() += 1;
            let is_final = r.get::<Option<String>, _>("status").as_deref() == Some("final");
            if is_final {
                assessed += 1;
                let target: Option<i64> = r.get("target");
                let achieved: Option<i64> = r.get("achieved_ordinal");
                if let (Some(t), Some(a)) = (target, achieved)
                    && a >= t
                {
                    on_target += 1;
                }
            }
        }
    }
    let new_units = by_category["baru"] + by_category["baru_mandiri"];

    let recommended_participants: HashSet<i64> =
        sqlx::query("SELECT participant_id FROM sni_recommendations")
            .fetch_all(pool)
            .await
            .unwrap()
            .iter()
            .map(|r| r.get("participant_id"))
            .collect();
    let mut certified_institutions = HashSet::new();
    let mut first: HashMap<i64, i64> = HashMap::new();
    for r in sqlx::query(
        "SELECT x.institution_id, x.status, x.issued_on, o.path FROM sni_certifications x \
         JOIN institutions i ON i.id = x.institution_id JOIN offices o ON o.id = i.office_id",
    )
    .fetch_all(pool)
    .await
    .unwrap()
    {
        if r.get::<String, _>("status") != "tersertifikasi" || !within(&r.get::<String, _>("path"))
        {
            continue;
        }
        let id: i64 = r.get("institution_id");
        certified_institutions.insert(id);
        if let Some(issued) = r.get::<Option<String>, _>("issued_on") {
            let y: i64 = issued[..4].parse().unwrap();
            if y <= year {
                let e = first.entry(id).or_insert(y);
                *e = (*e).min(y);
            }
        }
    }
    // (institution, year, kind, recommended, certified)
    let mut took: Vec<(i64, i64, String, bool, bool)> = Vec::new();
    for r in sqlx::query(
        "SELECT p.id, p.institution_id, c.year, c.kind, o.path FROM sni_participants p \
         JOIN sni_cohorts c ON c.id = p.cohort_id JOIN institutions i ON i.id = p.institution_id \
         JOIN offices o ON o.id = i.office_id",
    )
    .fetch_all(pool)
    .await
    .unwrap()
    {
        if !within(&r.get::<String, _>("path")) {
            continue;
        }
        let id: i64 = r.get("institution_id");
        took.push((
            id,
            r.get("year"),
            r.get("kind"),
            recommended_participants.contains(&r.get::<i64, _>("id")),
            certified_institutions.contains(&id),
        ));
    }
    for r in sqlx::query(
        "SELECT h.institution_id, h.year, h.kind, h.result, o.path FROM sni_history h \
         JOIN institutions i ON i.id = h.institution_id JOIN offices o ON o.id = i.office_id",
    )
    .fetch_all(pool)
    .await
    .unwrap()
    {
        if !within(&r.get::<String, _>("path")) {
            continue;
        }
        let result: String = r.get("result");
        took.push((
            r.get("institution_id"),
            r.get("year"),
            r.get("kind"),
            result != "belum",
            result == "tersertifikasi",
        ));
    }
    took.retain(|t| t.1 <= year);
    let mut coached = HashSet::new();
    let mut tiers: HashMap<String, HashSet<i64>> = HashMap::new();
    let (mut recommended, mut certified) = (HashSet::new(), HashSet::new());
    let mut coached_by_year: BTreeMap<String, HashSet<i64>> = BTreeMap::new();
    for (id, y, kind, rec, cert) in &took {
        coached_by_year
            .entry(y.to_string())
            .or_default()
            .insert(*id);
        if *rec || *cert {
            let e = first.entry(*id).or_insert(*y);
            *e = (*e).min(*y);
        }
        if *y == year {
            coached.insert(*id);
            tiers.entry(kind.clone()).or_default().insert(*id);
            if *rec || *cert {
                recommended.insert(*id);
            }
            if *cert {
                certified.insert(*id);
            }
        }
    }
    let mut targets: BTreeMap<String, i64> = [
        ("prioritas_nasional".to_string(), 0),
        ("reguler".to_string(), 0),
    ]
    .into();
    for r in sqlx::query(
        "SELECT t.kind, t.year, t.target, o.path FROM sni_targets t JOIN offices o ON o.id = t.office_id",
    )
    .fetch_all(pool)
    .await
    .unwrap()
    {
        if r.get::<i64, _>("year") == year && within(&r.get::<String, _>("path")) {
            *targets.entry(r.get("kind")).or_default() += r.get::<i64, _>("target");
        }
    }
    let mut standardised_by_year: BTreeMap<String, i64> = BTreeMap::new();
    for y in first.values() {
        *standardised_by_year.entry(y.to_string()).or_default() += 1;
    }
    let mut by_tier: BTreeMap<String, i64> = [
        ("prioritas_nasional".to_string(), 0),
        ("reguler".to_string(), 0),
    ]
    .into();
    for (k, set) in tiers {
        by_tier.insert(k, set.len() as i64);
    }
    let mut units_by_year: BTreeMap<String, i64> = BTreeMap::new();
    for r in sqlx::query(
        "SELECT y.year, CASE WHEN y.confirmed THEN 1 ELSE 0 END AS confirmed, o.path FROM ibm_unit_years y \
         JOIN ibm_units u ON u.id = y.unit_id JOIN offices o ON o.id = u.office_id",
    )
    .fetch_all(pool)
    .await
    .unwrap()
    {
        let y: i64 = r.get("year");
        if r.get::<i64, _>("confirmed") == 1 && within(&r.get::<String, _>("path")) && y <= year {
            *units_by_year.entry(y.to_string()).or_default() += 1;
        }
    }
    serde_json::json!({
        "ibm": {"units": units, "by_category": by_category, "new_units": new_units,
                "on_target": on_target, "assessed": assessed, "assisted_distinct": distinct.len(),
                "assisted_unit_years": unit_years, "assisted_since": since, "units_by_year": units_by_year},
        "sni": {"coached": coached.len(), "by_tier": by_tier, "targets": targets,
                "recommended": recommended.len(), "certified": certified.len(),
                "standardised_cumulative": first.len(),
                "standardised_since": first.values().min(),
                "standardised_by_year": standardised_by_year,
                "coached_by_year": coached_by_year.into_iter().map(|(y, s)| (y, s.len())).collect::<BTreeMap<_, _>>()},
    })
}

#[tokio::test]
async fn the_summary_equals_a_recount_from_raw_rows_for_every_year_and_office() {
    for t in testing::all().await {
        seeded(&t, AreaLevel::Village).await;
        let today = pantau_db::chrono::NaiveDate::from_ymd_opt(2026, 6, 15).unwrap();
        pantau_db::demo::ibm::load(&t.db, today).await.unwrap();
        pantau_db::demo::sni::load(&t.db).await.unwrap();
        history::import(
            &t.db,
            Actor::System("test"),
            &history_file(40),
            false,
            &|_| {},
        )
        .await
        .unwrap()
        .unwrap();
        let admin = pantau_db::users::by_username(&t.db, "admin.pusat")
            .await
            .unwrap();
        let admin = pantau_db::users::principal(&t.db, admin.id).await.unwrap();
        let mut offices: Vec<(Option<i64>, String)> = vec![(None, String::new())];
        for code in ["BNNP-32", "BNNK-32.73", "BNNP-35"] {
            let o = pantau_db::offices::by_code(&t.db, code).await.unwrap();
            offices.push((Some(o.id), o.path.clone()));
        }
        let mut nonzero = 0;
        for year in 2020..=2026 {
            for (office, path) in &offices {
                let s = summary::summary(&t.db, &admin, year, *office)
                    .await
                    .unwrap();
                let mut got = serde_json::to_value(&s).unwrap();
                let obj = got.as_object_mut().unwrap();
                obj.remove("year");
                obj.remove("office_id");
                let want = recount(&t, year, path).await;
                assert_eq!(got, want, "{}: {year} {office:?}", t.label);
                nonzero += (s.ibm.units > 0) as usize + (s.sni.coached > 0) as usize;
            }
        }
        assert!(
            nonzero > 10,
            "{}: the demo gives figures to compare",
            t.label
        );
        t.finish().await;
    }
}

/// Leadership sees the nation; a BNNP officer lands on its province, a BNNK officer on its
/// district, and neither can read the other's.
#[tokio::test]
async fn each_office_reads_its_own_summary() {
    for t in testing::all().await {
        seeded(&t, AreaLevel::Regency).await;
        history::import(
            &t.db,
            Actor::System("test"),
            &history_file(60),
            false,
            &|_| {},
        )
        .await
        .unwrap()
        .unwrap();
        let national = {
            let mut c = Client::new(&t);
            c.login("pimpinan.pusat").await;
            c.get("/api/v1/summary?year=2024").await.json()
        };
        let mut province = Client::new(&t);
        province.login("bnnp.jabar").await;
        let p = province.get("/api/v1/summary?year=2024").await.json();
        let mut district = Client::new(&t);
        district.login("bnnk.bandung").await;
        let d = district.get("/api/v1/summary?year=2024").await.json();
        let n = |v: &Value| v["sni"]["standardised_cumulative"].as_i64().unwrap();
        assert!(
            n(&national) > n(&p) && n(&p) > n(&d) && n(&d) > 0,
            "{}: {} {} {}",
            t.label,
            n(&national),
            n(&p),
            n(&d)
        );
        // The page lands on the reader's own office and shows its figures.
        let page = district.get("/ringkasan?year=2024").await;
        assert_eq!(page.status, StatusCode::OK, "{}", t.label);
        assert!(
            page.body.contains("Kota Bandung") || page.body.contains("BANDUNG"),
            "{}",
            t.label
        );
        assert!(
            page.body
                .contains(&format!("<p class=\"big\">{}</p>", n(&d))),
            "{}",
            t.label
        );
        // The office picker's "Nasional" choice sends an empty office: the nation, not a 400.
        let mut leader = Client::new(&t);
        leader.login("pimpinan.pusat").await;
        for page in ["/ringkasan?year=2024&office=", "/paket?year=2024&office="] {
            let r = leader.get(page).await;
            assert_eq!(r.status, StatusCode::OK, "{}: {page}: {}", t.label, r.body);
            assert!(r.body.contains("Nasional"), "{}: {page}", t.label);
        }
        let jatim = pantau_db::offices::by_code(&t.db, "BNNP-35").await.unwrap();
        let refused = district
            .get(&format!("/api/v1/summary?year=2024&office_id={}", jatim.id))
            .await;
        assert!(
            matches!(
                refused.status,
                StatusCode::FORBIDDEN | StatusCode::NOT_FOUND
            ),
            "{}: {}",
            t.label,
            refused.status
        );
        t.finish().await;
    }
}

/// The demo tells BNN's public story: 252 units in 2025 (207/24/11/10) and 1,416 unit-years
/// assisted up to 2025; 367 institutions standardised 2020–2024; 10 national-priority and 89
/// regular institutions coached in 2025 against targets of the same; and each figure equals
/// the recount from raw rows.
#[tokio::test]
async fn the_demo_tells_the_public_figures() {
    use pantau_db::demo::story;
    for t in testing::all().await {
        seeded(&t, AreaLevel::Village).await;
        let today = pantau_db::chrono::NaiveDate::from_ymd_opt(2026, 11, 30).unwrap();
        pantau_db::demo::ibm::load(&t.db, today).await.unwrap();
        pantau_db::demo::sni::load(&t.db).await.unwrap();
        let told = story::load(&t.db).await.unwrap();
        assert!(told.rows > 0 && told.unit_years > 0, "{}", t.label);
        let mut leader = Client::new(&t);
        leader.login("pimpinan.pusat").await;
        let s = leader.get("/api/v1/summary?year=2024").await.json();
        assert_eq!(s["sni"]["standardised_cumulative"], 367, "{}", t.label);
        assert_eq!(s["sni"]["standardised_since"], 2020, "{}", t.label);
        for (year, n) in story::STANDARDISED_BY_YEAR {
            assert_eq!(
                s["sni"]["standardised_by_year"][year.to_string()],
                n,
                "{}",
                t.label
            );
        }
        let s = leader.get("/api/v1/summary?year=2025").await.json();
        assert_eq!(s["ibm"]["units"], 252, "{}", t.label);
        for (category, n) in [
            ("berkelanjutan", 207),
            ("berkelanjutan_mandiri", 24),
            ("baru", 11),
            ("baru_mandiri", 10),
        ] {
            assert_eq!(s["ibm"]["by_category"][category], n, "{}", t.label);
        }
        assert_eq!(
            s["ibm"]["assisted_unit_years"],
            story::ASSISTED_UNIT_YEARS,
            "{}",
            t.label
        );
        assert!(
            s["ibm"]["assisted_distinct"].as_i64().unwrap() < story::ASSISTED_UNIT_YEARS,
            "{}: distinct units are fewer than unit-years",
            t.label
        );
        assert_eq!(
            (
                &s["sni"]["by_tier"]["prioritas_nasional"],
                &s["sni"]["by_tier"]["reguler"]
            ),
            (&Value::from(10), &Value::from(89)),
            "{}",
            t.label
        );
        assert_eq!(s["sni"]["coached"], 99, "{}", t.label);
        assert_eq!(s["sni"]["targets"]["prioritas_nasional"], 10, "{}", t.label);
        assert_eq!(s["sni"]["targets"]["reguler"], 89, "{}", t.label);
        // Every target met, nobody outside one.
        let progress = leader.get("/api/v1/sni/targets?year=2025").await.json();
        let items = progress["items"].as_array().unwrap();
        assert_eq!(items.len(), 90, "{}: {progress}", t.label);
        assert!(
            items
                .iter()
                .all(|r| r["office_id"].is_i64() && r["coached"] == r["target"]),
            "{}: {progress}",
            t.label
        );
        // The same figures as a recount from the raw rows.
        let mut got = s.clone();
        let obj = got.as_object_mut().unwrap();
        obj.remove("year");
        obj.remove("office_id");
        assert_eq!(got, recount(&t, 2025, "/").await, "{}", t.label);
        // Telling it again adds nothing.
        let again = story::load(&t.db).await.unwrap();
        assert_eq!((again.rows, again.coached), (0, 0), "{}", t.label);
        t.finish().await;
    }
}

/// Targets import all or nothing and idempotently (national admins only); each institution
/// coached counts towards the nearest office on its path holding a target for its track, and
/// the rows add up to the summary.
#[tokio::test]
async fn targets_import_once_and_are_met_by_the_nearest_office_holding_one() {
    for t in testing::all().await {
        seeded(&t, AreaLevel::Regency).await;
        let sys = Actor::System("test");
        let none = &|_| {};
        let mut file = Table::new(&targets::columns());
        for row in [
            ["BNN", "2024", "prioritas_nasional", "3", ""],
            ["BNNP-32", "2024", "reguler", "2", "BNNP Jawa Barat"],
            ["bnnk-32.73", "2024", "reguler", "1", ""],
        ] {
            file.rows.push(row.iter().map(|c| c.to_string()).collect());
        }
        // Not for a province's officer.
        let bnnp = pantau_db::users::by_username(&t.db, "bnnp.jabar")
            .await
            .unwrap();
        let bnnp = pantau_db::users::principal(&t.db, bnnp.id).await.unwrap();
        let refused = targets::import(&t.db, Actor::User(&bnnp), &file, false, none)
            .await
            .unwrap()
            .expect_err("national admins only");
        assert_eq!(refused[0].row, 0, "{}: {refused:?}", t.label);
        let first = targets::import(&t.db, sys, &file, false, none)
            .await
            .unwrap()
            .unwrap_or_else(|e| panic!("{}: {e:?}", t.label));
        assert_eq!((first.created, first.unchanged), (3, 0), "{}", t.label);
        let again = targets::import(&t.db, sys, &file, false, none)
            .await
            .unwrap()
            .unwrap();
        assert_eq!((again.created, again.unchanged), (0, 3), "{}", t.label);
        // Bad rows are named and nothing of the file is written.
        let mut bad = Table::new(&targets::columns());
        for row in [
            ["BNNK-99.99", "2024", "reguler", "1", ""],
            ["BNNP-35", "2024", "nasional", "1", ""],
            ["BNNP-35", "2024", "reguler", "-1", ""],
            ["BNNK-32.73", "2024", "reguler", "5", ""],
            ["bnnk-32.73", "2024", "reguler", "6", ""],
        ] {
            bad.rows.push(row.iter().map(|c| c.to_string()).collect());
        }
        let errors = targets::import(&t.db, sys, &bad, false, none)
            .await
            .unwrap()
            .expect_err("refused");
        let at =
            |row: usize, column: &str| errors.iter().any(|e| e.row == row && e.column == column);
        assert!(at(2, "kode_satker"), "{}: {errors:?}", t.label);
        assert!(at(3, "jalur"), "{}: {errors:?}", t.label);
        assert!(at(4, "target"), "{}: {errors:?}", t.label);
        assert!(at(6, "kode_satker"), "{}: twice {errors:?}", t.label);

        // Coaching of 2024: Bandung's own institution meets Bandung's target; another Jawa
        // Barat district has none and counts for the province; Jawa Timur has no regular target
        // at all; the national priority counts for BNN RI wherever it is.
        let mut past = Table::new(&history::columns());
        for (code, district, kind) in [
            ("TGT-1", "32.73", "reguler"),
            ("TGT-2", "32.73", "reguler"),
            ("TGT-3", "32.04", "reguler"),
            ("TGT-4", "35.78", "reguler"),
            ("TGT-5", "35.78", "prioritas_nasional"),
            ("TGT-6", "32.73", "prioritas_nasional"),
        ] {
            past.rows.push(
                [
                    code,
                    "Lembaga Target",
                    district,
                    "komponen_masyarakat",
                    "2024",
                    kind,
                    "direkomendasikan",
                    "",
                    "",
                    "",
                    "",
                ]
                .iter()
                .map(|c| c.to_string())
                .collect(),
            );
        }
        history::import(&t.db, sys, &past, false, none)
            .await
            .unwrap()
            .unwrap();
        let mut admin = Client::new(&t);
        admin.login("admin.pusat").await;
        let got = admin.get("/api/v1/sni/targets?year=2024").await.json();
        let row = |office: Option<&str>, kind: &str| {
            got["items"]
                .as_array()
                .unwrap()
                .iter()
                .find(|r| {
                    r["kind"] == kind
                        && match office {
                            Some(code) => r["office_code"] == code,
                            None => r["office_id"].is_null(),
                        }
                })
                .map(|r| {
                    (
                        r["target"].as_i64().unwrap(),
                        r["coached"].as_i64().unwrap(),
                    )
                })
        };
        assert_eq!(
            row(Some("BNN"), "prioritas_nasional"),
            Some((3, 2)),
            "{got}"
        );
        assert_eq!(row(Some("BNNP-32"), "reguler"), Some((2, 1)), "{got}");
        assert_eq!(row(Some("BNNK-32.73"), "reguler"), Some((1, 2)), "{got}");
        assert_eq!(row(None, "reguler"), Some((0, 1)), "{got}");
        let s = admin.get("/api/v1/summary?year=2024").await.json();
        let total: i64 = got["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["coached"].as_i64().unwrap())
            .sum();
        assert_eq!(Value::from(total), s["sni"]["coached"], "{}", t.label);
        // The province sees its own offices' rows; the national target is not its to read.
        let mut province = Client::new(&t);
        province.login("bnnp.jabar").await;
        let mine = province.get("/api/v1/sni/targets?year=2024").await.json();
        let codes: Vec<&str> = mine["items"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|r| r["office_code"].as_str())
            .filter(|c| !c.is_empty())
            .collect();
        assert_eq!(codes, ["BNNP-32", "BNNK-32.73"], "{}: {mine}", t.label);
        // The dashboard and the pack show the same rows; the export gives the file back.
        let dashboard = admin.get("/dasbor?year=2024").await;
        assert!(
            dashboard.body.contains("Target pembinaan SNI per satker"),
            "{}",
            t.label
        );
        // The nation sees its provinces (Bandung's rows inside Jawa Barat's); the province
        // sees its own offices.
        assert!(dashboard.body.contains("BNNP Jawa Barat"), "{}", t.label);
        let jabar = office_id(&t, "BNNP-32").await;
        let dashboard = admin
            .get(&format!("/dasbor?year=2024&office={jabar}"))
            .await;
        assert!(dashboard.body.contains("BNN Kota Bandung"), "{}", t.label);
        let pack = admin.get("/paket?year=2024").await;
        assert!(
            pack.body.contains("Target pembinaan SNI per satker"),
            "{}",
            t.label
        );
        let export = admin
            .get("/ibm/ekspor/csv?jenis=target-sni&year=2024")
            .await;
        assert_eq!(export.status, StatusCode::OK, "{}", t.label);
        assert!(
            export.body.contains("BNNK-32.73,2024,reguler,1"),
            "{}",
            export.body
        );
        // And through the import page, a changed number updates the one row.
        admin.get("/ibm/impor").await;
        let action = format!("/ibm/impor?csrf_token={}", admin.csrf);
        let changed = "kode_satker,tahun,jalur,target\nBNNK-32.73,2024,reguler,2\n";
        let r = admin
            .upload_with(
                &action,
                &[("jenis", "target-sni")],
                "target.csv",
                changed.as_bytes(),
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}: {}", t.label, r.body);
        let got = admin.get("/api/v1/sni/targets?year=2024").await.json();
        assert!(
            got["items"]
                .as_array()
                .unwrap()
                .iter()
                .any(|r| r["office_code"] == "BNNK-32.73" && r["target"] == 2),
            "{}: {got}",
            t.label
        );
        t.finish().await;
    }
}
