//! Finding and sharing: the unit list searches areas by name, filters, sorts and downloads
//! exactly what it shows; the evaluation pack comes as a PDF file.

use crate::harness::*;
use axum::http::StatusCode;
use pantau_core::org::AreaLevel;
use pantau_db::testing;

async fn demo(t: &testing::TestDb) {
    seeded(t, AreaLevel::Village).await;
    let today = pantau_db::chrono::NaiveDate::from_ymd_opt(2026, 6, 15).unwrap();
    pantau_db::demo::ibm::load(&t.db, today).await.unwrap();
}

fn items(r: &Resp) -> Vec<serde_json::Value> {
    r.json()["items"].as_array().cloned().unwrap_or_default()
}

#[tokio::test]
async fn the_unit_list_finds_by_area_name_filters_sorts_and_downloads_what_it_shows() {
    for t in testing::all().await {
        demo(&t).await;
        let mut admin = Client::new(&t);
        admin.login("admin.pusat").await;
        // "bandung" is in no unit's code or name: it finds the units in Bandung's areas.
        let found = items(&admin.get("/api/v1/ibm/units?q=bandung&limit=1000").await);
        assert!(!found.is_empty(), "{}", t.label);
        for u in &found {
            let village = u["village_code"].as_str().unwrap();
            let office = u["office_name"].as_str().unwrap();
            assert!(
                village.starts_with("32.04.")
                    || village.starts_with("32.17.")
                    || village.starts_with("32.73.")
                    || office.to_lowercase().contains("bandung")
                    || village_in_an_area_named(&t, village, "bandung").await,
                "{}: {village} {office}",
                t.label
            );
        }
        // Province and category of a year, sorted by name, descending.
        let uri = "/api/v1/ibm/units?province=32&category=berkelanjutan&year=2025&sort=name&desc=true&limit=1000";
        let listed = items(&admin.get(uri).await);
        assert!(!listed.is_empty(), "{}", t.label);
        assert!(
            listed
                .iter()
                .all(|u| u["village_code"].as_str().unwrap().starts_with("32.")),
            "{}",
            t.label
        );
        let names: Vec<&str> = listed.iter().map(|u| u["name"].as_str().unwrap()).collect();
        let mut sorted = names.clone();
        sorted.sort_by_key(|n| std::cmp::Reverse(n.to_lowercase()));
        assert_eq!(
            names.iter().map(|n| n.to_lowercase()).collect::<Vec<_>>(),
            sorted.iter().map(|n| n.to_lowercase()).collect::<Vec<_>>(),
            "{}",
            t.label
        );
        // A typo answers 400 naming the parameter, not an empty list.
        let typo = admin.get("/api/v1/ibm/units?category=berlanjut").await;
        assert_eq!(typo.status, StatusCode::BAD_REQUEST, "{}", t.label);
        assert_eq!(typo.json()["field"], "category");
        // The page's download holds exactly the filtered list, in its order.
        let csv = admin
            .get("/ibm?province=32&category=berkelanjutan&year=2025&sort=name&desc=1&unduh=csv")
            .await;
        assert_eq!(csv.status, StatusCode::OK, "{}", t.label);
        let codes: Vec<String> = csv
            .body
            .lines()
            .skip(1)
            .map(|l| {
                l.split([',', ';'])
                    .next()
                    .unwrap()
                    .trim_matches('"')
                    .to_string()
            })
            .collect();
        let expected: Vec<String> = listed
            .iter()
            .map(|u| u["code"].as_str().unwrap().to_string())
            .collect();
        assert_eq!(codes, expected, "{}", t.label);
        // The page shows the total and keeps the filters in its links.
        let page = admin
            .get("/ibm?province=32&category=berkelanjutan&year=2025")
            .await;
        assert!(
            page.body.contains(&format!(
                "<strong class=\"total\">{}</strong>",
                listed.len()
            )),
            "{}",
            t.label
        );
        let download = page
            .body
            .split("href=\"")
            .find(|h| h.contains("unduh=csv"))
            .and_then(|h| h.split('"').next())
            .unwrap_or_default()
            .replace("&amp;", "&")
            .replace("&#38;", "&");
        assert!(
            download.contains("province=32")
                && download.contains("year=2025")
                && download.contains("category=berkelanjutan"),
            "{}: {download}",
            t.label
        );
        t.finish().await;
    }
}

/// Whether `village` lies in an area whose name holds `word`.
async fn village_in_an_area_named(t: &testing::TestDb, village: &str, word: &str) -> bool {
    let parts: Vec<&str> = village.split('.').collect();
    for n in 1..=parts.len() {
        let code = parts[..n].join(".");
        if let Ok(a) =
            pantau_db::wilayah::get(&t.db, &pantau_core::org::AreaCode::parse(&code).unwrap()).await
        {
            if a.name.to_lowercase().contains(word) {
                return true;
            }
        }
    }
    false
}

#[tokio::test]
async fn the_pack_of_a_province_downloads_as_a_pdf() {
    for t in testing::all().await {
        demo(&t).await;
        let mut bnnp = Client::new(&t);
        bnnp.login("bnnp.jabar").await;
        let pdf = bnnp.get("/paket.pdf").await;
        assert_eq!(pdf.status, StatusCode::OK, "{}", t.label);
        assert!(pdf.body.starts_with("%PDF-"), "{}", t.label);
        assert!(pdf.body.contains("/Helvetica"), "{}", t.label);
        // The XLSX pack carries native Excel charts drawn from its own cells.
        let xlsx = bnnp.get("/paket.xlsx").await;
        assert_eq!(xlsx.status, StatusCode::OK, "{}", t.label);
        let mut zip = zip::ZipArchive::new(std::io::Cursor::new(xlsx.bytes.clone())).unwrap();
        let mut charts = Vec::new();
        for i in 0..zip.len() {
            let mut part = zip.by_index(i).unwrap();
            if part.name().unwrap().starts_with("xl/charts/chart") {
                let mut xml = String::new();
                std::io::Read::read_to_string(&mut part, &mut xml).unwrap();
                charts.push(xml);
            }
        }
        assert_eq!(
            charts.len(),
            2,
            "{}: a chart of categories and one of the league",
            t.label
        );
        assert!(
            charts
                .iter()
                .any(|c| c.contains("<c:grouping val=\"stacked\"/>")
                    && c.contains("Target vs capaian")),
            "{}: the categories, stacked, from the targets sheet",
            t.label
        );
        // Another province's pack is refused like the page.
        let jatim = office_id(&t, "BNNP-35").await;
        let other = bnnp.get(&format!("/paket.pdf?office={jatim}")).await;
        assert!(
            matches!(other.status, StatusCode::FORBIDDEN | StatusCode::NOT_FOUND),
            "{}: {}",
            t.label,
            other.status
        );
        t.finish().await;
    }
}

#[tokio::test]
async fn english_pages_show_no_indonesian_reference_label() {
    for t in testing::all().await {
        demo(&t).await;
        pantau_db::demo::sni::load(&t.db).await.unwrap();
        // Every configurable item whose Indonesian name differs from its English one.
        let mut indonesian = Vec::new();
        for list in pantau_db::reference::LISTS {
            for item in pantau_db::reference::items(&t.db, list, true)
                .await
                .unwrap()
            {
                if item.name_id != item.name_en && item.name_id.chars().count() > 3 {
                    indonesian.push(item.name_id);
                }
            }
        }
        // And the evidence each SNI requirement asks for.
        let instrument = pantau_db::sni::instrument::active(&t.db).await.unwrap();
        for r in &instrument.requirements {
            if !r.evidence_kind_en.is_empty() && r.evidence_kind_en != r.evidence_kind {
                indonesian.push(r.evidence_kind.clone());
            }
        }
        assert!(
            indonesian.contains(&"Formulir asesmen".to_string()),
            "{}",
            t.label
        );
        assert!(indonesian.len() > 20, "{}: {}", t.label, indonesian.len());
        let shows = |body: &str, name: &str| {
            body.contains(&format!(": {name})"))
                || body.contains(&format!(">{name}<"))
                || body.contains(&format!(": {name}<"))
                || body.contains(&format!(">{name} ("))
        };
        let mut admin = Client::new(&t);
        admin.login("admin.pusat").await;
        let unit = admin
            .get("/api/v1/ibm/units?limit=1&status=operasional")
            .await
            .json()["items"][0]["id"]
            .as_i64()
            .unwrap();
        let assessment: i64 = sqlx::query_scalar("SELECT MIN(id) FROM sni_assessments")
            .fetch_one(t.db.pool())
            .await
            .unwrap();
        // In Indonesian the same pages show these names, as the checks below look for them.
        for uri in [
            format!("/ibm/{unit}/laporan"),
            format!("/sni/penilaian/{assessment}"),
        ] {
            let body = admin.get(&uri).await.body;
            assert!(
                indonesian.iter().any(|n| shows(&body, n)),
                "{}: the checks find names where they are on {uri}",
                t.label
            );
        }
        admin.submit("/bahasa/en", &[("next", "/")]).await;
        let year = pantau_db::chrono::Datelike::year(&pantau_db::today());
        let pages = [
            "/".to_string(),
            "/dasbor".into(),
            "/ibm".into(),
            "/ibm/target".into(),
            "/ibm/kepatuhan".into(),
            format!("/ibm/{unit}"),
            format!("/ibm/{unit}/laporan"),
            format!("/ibm/{unit}/penilaian/{year}"),
            "/paket".into(),
            "/sni".into(),
            "/referensi".into(),
            "/ibm/laporan".into(),
            "/ibm/kunjungan".into(),
            "/ibm/tindak-lanjut".into(),
            "/ibm/agen".into(),
            "/ibm/penilaian".into(),
            "/sni/penilaian".into(),
            "/sni/tindak-lanjut".into(),
            format!("/sni/penilaian/{assessment}"),
        ];
        for uri in &pages {
            let page = admin.get(uri).await;
            assert_eq!(page.status, StatusCode::OK, "{}: {uri}", t.label);
            // The reference page lists both names on purpose (it is where they are edited).
            if uri == "/referensi" {
                continue;
            }
            for name in &indonesian {
                assert!(
                    !shows(&page.body, name),
                    "{}: {uri} shows \"{name}\" in English",
                    t.label
                );
            }
        }
        t.finish().await;
    }
}

/// The total a list page shows (`<strong class="total">N</strong>`).
fn shown_total(r: &Resp) -> i64 {
    let at = r
        .body
        .find("class=\"total\">")
        .expect("the list shows its total")
        + 14;
    r.body[at..]
        .split('<')
        .next()
        .unwrap()
        .trim()
        .parse()
        .unwrap()
}

/// The data rows of a CSV download.
fn csv_rows(r: &Resp) -> Vec<String> {
    r.body
        .lines()
        .skip(1)
        .filter(|l| !l.trim().is_empty())
        .map(str::to_string)
        .collect()
}

#[tokio::test]
async fn every_working_list_searches_filters_sorts_and_downloads_what_it_counts() {
    use pantau_db::lists::{self, FilterKind};
    let places = [
        ("/ibm/laporan", &lists::REPORTS),
        ("/ibm/kunjungan", &lists::VISITS),
        ("/ibm/tindak-lanjut", &lists::ACTIONS),
        ("/ibm/agen", &lists::AGENTS),
        ("/ibm/penilaian", &lists::STAGE_ASSESSMENTS),
        ("/sni/penilaian", &lists::SNI_ASSESSMENTS),
        ("/sni/tindak-lanjut", &lists::SNI_ACTIONS),
        ("/pengguna/daftar", &lists::USERS),
    ];
    assert_eq!(places.len(), lists::ALL.len(), "every list is walked");
    for t in testing::all().await {
        demo(&t).await;
        pantau_db::demo::sni::load(&t.db).await.unwrap();
        let mut admin = Client::new(&t);
        admin.login("admin.pusat").await;
        for (path, def) in places {
            let page = admin.get(path).await;
            assert_eq!(page.status, StatusCode::OK, "{}: {path}", t.label);
            let all = shown_total(&page);
            assert!(all > 0, "{}: {path} lists the demo's rows", t.label);
            // The download holds every row counted, not only the first page.
            let csv = admin.get(&format!("{path}?unduh=csv")).await;
            assert_eq!(csv.status, StatusCode::OK, "{}: {path}", t.label);
            assert_eq!(csv_rows(&csv).len() as i64, all, "{}: {path}", t.label);
            // Every column sorts, both ways.
            for c in def.columns {
                for desc in ["0", "1"] {
                    let sorted = admin
                        .get(&format!("{path}?sort={}&desc={desc}", c.key))
                        .await;
                    assert_eq!(
                        sorted.status,
                        StatusCode::OK,
                        "{}: {path} by {}",
                        t.label,
                        c.key
                    );
                    assert_eq!(shown_total(&sorted), all, "{}: {path}", t.label);
                }
            }
            // Each choice filter splits the list: its values' totals add up to the whole.
            for f in def.filters {
                if let FilterKind::Choice { values, .. } = f.kind {
                    let mut sum = 0;
                    for v in values {
                        let part = admin.get(&format!("{path}?{}={v}", f.key)).await;
                        assert_eq!(part.status, StatusCode::OK, "{}: {path}", t.label);
                        sum += shown_total(&part);
                    }
                    assert_eq!(sum, all, "{}: {path} split by {}", t.label, f.key);
                }
            }
            // A value the list does not know is refused, naming it, not answered with nothing.
            let f = def.filters[def.filters.len() - 1].key;
            let typo = admin.get(&format!("{path}?{f}=tidak-ada")).await;
            assert_eq!(typo.status, StatusCode::BAD_REQUEST, "{}: {path}", t.label);
            assert!(typo.body.contains("tidak-ada"), "{}: {path}", t.label);
            let typo = admin.get(&format!("{path}?sort=tidak_ada")).await;
            assert_eq!(typo.status, StatusCode::BAD_REQUEST, "{}: {path}", t.label);
            // The province filter keeps rows of that province only: West Java holds part.
            if def.area.is_none() {
                continue;
            }
            let west_java = shown_total(&admin.get(&format!("{path}?province=32")).await);
            let elsewhere = shown_total(&admin.get(&format!("{path}?province=11")).await);
            assert!(west_java + elsewhere <= all, "{}: {path}", t.label);
        }
        // Words find by area name: "bandung" is no unit's name, but Bandung's reports are found,
        // and only those the words match.
        let all = shown_total(&admin.get("/ibm/laporan").await);
        let bandung = admin.get("/ibm/laporan?q=bandung&unduh=csv").await;
        let rows = csv_rows(&bandung);
        assert!(!rows.is_empty() && (rows.len() as i64) < all, "{}", t.label);
        // A district officer's list holds its own office's rows only.
        let mut district = Client::new(&t);
        district.login("bnnk.bandung").await;
        let own = csv_rows(&district.get("/ibm/laporan?unduh=csv").await);
        assert!(!own.is_empty(), "{}", t.label);
        assert!(
            own.iter().all(|r| r.contains("BNN Kota Bandung")),
            "{}: {own:?}",
            t.label
        );
        // The compliance table searches and sorts like the lists, and downloads what it counts.
        let page = admin
            .get("/ibm/kepatuhan?q=bandung&sort=missing&desc=1")
            .await;
        assert_eq!(page.status, StatusCode::OK, "{}", t.label);
        let found = shown_total(&page) as usize;
        let file = admin
            .get("/ibm/kepatuhan?q=bandung&sort=missing&desc=1&unduh=csv")
            .await;
        assert_eq!(csv_rows(&file).len(), found, "{}", t.label);
        let everything = admin.get("/ibm/kepatuhan?unduh=csv").await;
        assert!(
            found > 0 && found < csv_rows(&everything).len(),
            "{}",
            t.label
        );
        let typo = admin.get("/ibm/kepatuhan?sort=tidak_ada").await;
        assert_eq!(typo.status, StatusCode::BAD_REQUEST, "{}", t.label);
        // Agents' names are personal data: a partner's facilitator does not get the list.
        let mut partner = Client::new(&t);
        partner.login("fasilitator.ikai").await;
        let agents = partner.get("/ibm/agen").await;
        assert_eq!(agents.status, StatusCode::FORBIDDEN, "{}", t.label);
    }
}
