//! An officer's day: pages open on their own office, "Tugas saya" lists what waits, forms open
//! on what is stored, a save says so, and a save from a stale page never overwrites another's.

use crate::harness::*;
use axum::http::StatusCode;
use pantau_core::org::AreaLevel;
use pantau_db::testing;

/// A demo world as the browser tests see it (units, reports, assessments, SNI cohorts).
async fn demo(t: &testing::TestDb) {
    seeded(t, AreaLevel::Village).await;
    let today = pantau_db::chrono::NaiveDate::from_ymd_opt(2026, 6, 15).unwrap();
    pantau_db::demo::ibm::load(&t.db, today).await.unwrap();
    pantau_db::demo::sni::load(&t.db).await.unwrap();
}

/// The `<h1>` of a page.
fn heading(body: &str) -> &str {
    body.split("<h1>")
        .nth(1)
        .and_then(|rest| rest.split("</h1>").next())
        .unwrap_or("")
}

#[tokio::test]
async fn pages_of_figures_open_on_the_readers_own_office_and_link_only_within_reach() {
    for t in testing::all().await {
        demo(&t).await;
        let mut bnnk = Client::new(&t);
        bnnk.login("bnnk.bandung").await;
        for page in ["/dasbor", "/ibm/target", "/paket"] {
            let r = bnnk.get(page).await;
            assert_eq!(r.status, StatusCode::OK, "{}: {page}", t.label);
            assert!(
                heading(&r.body).contains("Kota Bandung"),
                "{}: {page} opens on the district: {}",
                t.label,
                heading(&r.body)
            );
            assert!(
                !r.body.contains(">Nasional</a>"),
                "{}: {page} offers no way up past the district",
                t.label
            );
        }
        // A province officer starts at its province; the way up stops there too.
        let mut bnnp = Client::new(&t);
        bnnp.login("bnnp.jabar").await;
        let r = bnnp.get("/dasbor").await;
        assert!(heading(&r.body).contains("Jawa Barat"), "{}", t.label);
        let bandung = office_id(&t, "BNNK-32.73").await;
        let down = bnnp.get(&format!("/dasbor?office={bandung}")).await;
        assert!(
            down.body.contains("BNNP Jawa Barat</a>") && !down.body.contains(">Nasional</a>"),
            "{}: from a district back to the province, not beyond",
            t.label
        );
        // The directorate starts at the nation.
        let mut admin = Client::new(&t);
        admin.login("admin.pusat").await;
        assert!(
            heading(&admin.get("/dasbor").await.body).contains("Nasional"),
            "{}",
            t.label
        );
        t.finish().await;
    }
}

#[tokio::test]
async fn tugas_saya_counts_what_waits_and_lists_it_like_the_api() {
    for t in testing::all().await {
        demo(&t).await;
        let mut bnnp = Client::new(&t);
        bnnp.login("bnnp.jabar").await;
        let api = bnnp.get("/api/v1/me/tasks").await;
        assert_eq!(api.status, StatusCode::OK, "{}", t.label);
        let tasks = api.json()["tasks"].as_array().unwrap().clone();
        let waiting: Vec<(String, i64)> = tasks
            .iter()
            .map(|t| {
                (
                    t["kind"].as_str().unwrap().to_string(),
                    t["count"].as_i64().unwrap(),
                )
            })
            .filter(|(_, n)| *n > 0)
            .collect();
        assert!(!waiting.is_empty(), "{}: the province has work", t.label);
        let home = bnnp.get("/").await;
        assert!(home.body.contains("Tugas saya"), "{}", t.label);
        for (kind, n) in &waiting {
            assert!(
                home.body.contains(&format!("href=\"/tugas/{kind}\"")),
                "{}: {kind} on the home page",
                t.label
            );
            let listed = bnnp.get(&format!("/api/v1/me/tasks?kind={kind}")).await;
            let items = listed.json()["items"].as_array().unwrap().len() as i64;
            assert_eq!(items, (*n).min(200), "{}: {kind}", t.label);
            let page = bnnp.get(&format!("/tugas/{kind}")).await;
            assert_eq!(page.status, StatusCode::OK, "{}", t.label);
        }
        // A kind of task that does not exist answers like a missing page / a bad query.
        assert_eq!(
            bnnp.get("/tugas/tidak-ada").await.status,
            StatusCode::NOT_FOUND
        );
        assert_eq!(
            bnnp.get("/api/v1/me/tasks?kind=tidak_ada").await.status,
            StatusCode::BAD_REQUEST
        );
        t.finish().await;
    }
}

#[tokio::test]
async fn every_form_opens_on_what_is_stored_and_a_stale_save_is_refused() {
    for t in testing::all().await {
        demo(&t).await;
        let mut bnnk = Client::new(&t);
        bnnk.login("bnnk.bandung").await;
        let year = pantau_db::chrono::Datelike::year(&pantau_db::today()).to_string();
        let unit = pantau_db::ibm::units::list(
            &t.db,
            &pantau_db::users::principal(
                &t.db,
                pantau_db::users::by_username(&t.db, "bnnk.bandung")
                    .await
                    .unwrap()
                    .id,
            )
            .await
            .unwrap(),
            &pantau_db::ibm::units::UnitFilter {
                limit: 1,
                status: Some("operasional".into()),
                ..Default::default()
            },
        )
        .await
        .unwrap()
        .0
        .remove(0);
        let url = format!("/ibm/{}", unit.id);
        let stages = pantau_db::ibm::stages::list(&t.db).await.unwrap();
        let target = stages[1].id.to_string();
        let r = bnnk
            .submit(
                &format!("{url}/tahun"),
                &[
                    ("year", &year),
                    ("category", "baru_mandiri"),
                    ("target_stage_id", &target),
                ],
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}: {}", t.label, r.body);
        // The confirmation travels in the query, before the fragment.
        assert!(r.location().contains("?ok=ibm-saved"), "{}", r.location());
        let page = bnnk.get(&url).await.body;
        assert!(
            page.contains("<option value=\"baru_mandiri\" selected>"),
            "{}: the category form opens on the stored category",
            t.label
        );
        assert!(
            page.contains(&format!("<option value=\"{target}\" selected>")),
            "{}: and on the stored target",
            t.label
        );
        // The status form shows the current status and chooses nothing by itself.
        assert!(page.contains("Status sekarang"), "{}", t.label);
        assert!(
            page.contains("<select name=\"status\" required><option value=\"\">"),
            "{}",
            t.label
        );
        // The evaluation: saved from version 0, then a second save from the same page refused
        // with both versions shown.
        let fields = |solutions: &'static str| {
            [
                ("year", year.clone()),
                ("version", "0".to_string()),
                ("operational_status", "operasional".to_string()),
                ("solutions", solutions.to_string()),
            ]
        };
        let first = fields("Rapat koordinasi desa");
        let first: Vec<(&str, &str)> = first.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let saved = bnnk.submit(&format!("{url}/evaluasi"), &first).await;
        assert_eq!(
            saved.status,
            StatusCode::SEE_OTHER,
            "{}: {}",
            t.label,
            saved.body
        );
        let second = fields("Pelatihan ulang agen");
        let second: Vec<(&str, &str)> = second.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let stale = bnnk.submit(&format!("{url}/evaluasi"), &second).await;
        assert_eq!(stale.status, StatusCode::CONFLICT, "{}", t.label);
        assert!(
            stale.body.contains("Pelatihan ulang agen")
                && stale.body.contains("Rapat koordinasi desa"),
            "{}: both versions are shown",
            t.label
        );
        assert!(stale.body.contains("role=\"alert\""), "{}", t.label);
        let now = bnnk.get(&url).await.body;
        assert!(
            now.contains("Rapat koordinasi desa") && now.contains("name=\"version\" value=\"1\""),
            "{}: the first save stands",
            t.label
        );
        t.finish().await;
    }
}

#[tokio::test]
async fn read_only_roles_see_no_write_controls_and_indonesian_addresses_work() {
    for t in testing::all().await {
        demo(&t).await;
        let mut lead = Client::new(&t);
        // Signing in at /masuk, as people type it.
        assert_eq!(lead.get("/masuk").await.status, StatusCode::OK);
        lead.login("pimpinan.pusat").await;
        let units = lead.get("/api/v1/ibm/units?limit=1").await.json();
        let id = units["items"][0]["id"].as_i64().unwrap();
        let page = lead.get(&format!("/ibm/{id}")).await.body;
        // Forms with photos carry their token after the address: no closing quote here.
        for action in [
            "/laporan\"",
            "/kunjungan",
            "/tindakan/",
            "/evaluasi\"",
            "/status\"",
            "/tahun\"",
        ] {
            assert!(
                !page.contains(&format!("action=\"/ibm/{id}{action}")),
                "{}: no {action} form for leadership",
                t.label
            );
        }
        assert!(
            !page.contains(&format!("href=\"/ibm/{id}/laporan\"")),
            "{}",
            t.label
        );
        // Signing out at /keluar.
        let out = lead.submit("/keluar", &[]).await;
        assert_eq!(out.status, StatusCode::SEE_OTHER);
        assert!(lead.get("/akun").await.location().starts_with("/login"));
        t.finish().await;
    }
}

#[tokio::test]
async fn an_sni_action_form_shows_the_current_status_and_chooses_nothing() {
    for t in testing::all().await {
        demo(&t).await;
        let mut bnnp = Client::new(&t);
        bnnp.login("bnnp.jabar").await;
        let overdue = bnnp
            .get("/api/v1/me/tasks?kind=sni_action_overdue")
            .await
            .json();
        let participant = overdue["items"][0]["participant_id"].as_i64().unwrap();
        let page = bnnp.get(&format!("/sni/peserta/{participant}")).await.body;
        assert!(page.contains("<strong>Terbuka</strong>"), "{}", t.label);
        assert!(
            page.contains("name=\"status\" required><option value=\"\">"),
            "{}",
            t.label
        );
        t.finish().await;
    }
}
