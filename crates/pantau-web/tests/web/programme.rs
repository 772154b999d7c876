//! Programme figures as BNN reports them (issue 18): the history of SNI coaching before Pantau
//! imports all or nothing and idempotently, and the yearly and cumulative summary equals a
//! recount from the raw rows.

use crate::harness::*;
use axum::http::StatusCode;
use pantau_core::org::AreaLevel;
use pantau_db::exchange::{Table, history};
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

/// The demo's past coaching tells the public story: 367 institutions standardised 2020–2024,
/// and the 2025 targets of 10 national-priority and 89 regular institutions.
#[tokio::test]
async fn the_demo_history_gives_the_public_figures() {
    for t in testing::all().await {
        seeded(&t, AreaLevel::Regency).await;
        pantau_db::demo::history::load(&t.db).await.unwrap();
        let mut leader = Client::new(&t);
        leader.login("pimpinan.pusat").await;
        let s = leader.get("/api/v1/summary?year=2024").await.json();
        assert_eq!(s["sni"]["standardised_cumulative"], 367, "{}", t.label);
        assert_eq!(s["sni"]["standardised_since"], 2020, "{}", t.label);
        for (year, n) in pantau_db::demo::history::STANDARDISED_BY_YEAR {
            assert_eq!(
                s["sni"]["standardised_by_year"][year.to_string()],
                n,
                "{}",
                t.label
            );
        }
        let s = leader.get("/api/v1/summary?year=2025").await.json();
        assert_eq!(s["sni"]["targets"]["prioritas_nasional"], 10, "{}", t.label);
        assert_eq!(s["sni"]["targets"]["reguler"], 89, "{}", t.label);
        // Loading again adds nothing.
        let again = pantau_db::demo::history::load(&t.db).await.unwrap();
        assert_eq!(again.rows, 0, "{}", t.label);
        t.finish().await;
    }
}
