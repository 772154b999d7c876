//! IBM monitoring through pages and the API.

use crate::harness::*;
use axum::http::StatusCode;
use pantau_core::org::AreaLevel;
use pantau_db::testing;
use serde_json::Value;

#[tokio::test]
async fn a_newcomer_runs_the_ibm_flow_in_the_browser_and_the_target_tables_change() {
    for t in testing::all().await {
        seeded(&t, AreaLevel::Village).await;
        let bandung = office_id(&t, "BNNK-32.73").await;
        let jabar = office_id(&t, "BNNP-32").await;
        let year = pantau_db::chrono::Datelike::year(&pantau_db::chrono::Utc::now()).to_string();
        let mut bnnk = Client::new(&t);
        bnnk.login("bnnk.bandung").await;
        assert_eq!(bnnk.get("/ibm/baru").await.status, StatusCode::OK);
        let options = bnnk.get("/ibm/opsi-wilayah?parent=32.73.01").await;
        assert!(options.body.contains("32.73.01.1002"), "{}", t.label);

        let r = bnnk
            .submit(
                "/ibm",
                &[
                    ("code", "IBM-UJI-1"),
                    ("name", "IBM <Uji>"),
                    ("village_code", "32.73.01.1002"),
                    ("office_id", &bandung.to_string()),
                    ("year_formed", &year),
                    ("decree_number", "01/SK/2026"),
                    ("funding_source", "apbn"),
                ],
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}: {}", t.label, r.body);
        let unit_url = r.location().split('?').next().unwrap().to_string();
        let unit = pantau_db::ibm::units::by_code(&t.db, "IBM-UJI-1")
            .await
            .unwrap();
        assert_eq!(unit.village_name, "Gegerkalong");

        for (status, reason) in [("dibentuk", ""), ("ap_dilatih", ""), ("operasional", "")] {
            let r = bnnk
                .submit(
                    &format!("{unit_url}/status"),
                    &[
                        ("status", status),
                        ("reason", reason),
                        ("effective", "2026-01-02"),
                    ],
                )
                .await;
            assert_eq!(r.status, StatusCode::SEE_OTHER, "{status}: {}", r.body);
        }
        let stages = pantau_db::ibm::stages::list(&t.db).await.unwrap();
        let target = stages
            .iter()
            .find(|s| s.ordinal == 2)
            .unwrap()
            .id
            .to_string();
        assert_eq!(
            bnnk.submit(
                &format!("{unit_url}/tahun"),
                &[
                    ("year", &year),
                    ("category", "baru"),
                    ("target_stage_id", &target)
                ]
            )
            .await
            .status,
            StatusCode::SEE_OTHER
        );
        assert_eq!(
            bnnk.submit(
                &format!("{unit_url}/agen"),
                &[
                    ("full_name", "Siti Aminah"),
                    ("sex", "p"),
                    ("role", "ketua"),
                    ("phone", ""),
                    ("joined_year", &year)
                ]
            )
            .await
            .status,
            StatusCode::SEE_OTHER
        );
        let r = bnnk
            .submit(
                &format!("{unit_url}/laporan"),
                &[
                    ("period", "2026-01"),
                    ("n_a:sosialisasi", "2"),
                    ("n_s:skrining:l:18_25", "4"),
                    ("n_r:rujukan:p:26_40:sedang", "1"),
                    ("note", ""),
                ],
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
        let bad = bnnk
            .submit(
                &format!("{unit_url}/laporan"),
                &[("period", "2026-02"), ("n_s:skrining:x:18_25", "4")],
            )
            .await;
        assert_eq!(
            bad.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "bad sex code is refused"
        );
        let r = bnnk
            .submit(
                &format!("{unit_url}/kunjungan"),
                &[
                    ("visit_date", "2026-02-03"),
                    ("mode", "luring"),
                    ("findings", "Posko belum ada"),
                    ("recommendations", ""),
                    ("action_description", "Siapkan posko"),
                    ("action_owner", "Ketua AP"),
                    ("action_due", "2026-03-31"),
                ],
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
        let action = pantau_db::ibm::visits::open_actions(
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
            unit.id,
        )
        .await
        .unwrap()[0]
            .id;
        let r = bnnk
            .submit(
                &format!("{unit_url}/kunjungan"),
                &[
                    ("visit_date", "2026-04-01"),
                    ("mode", "daring"),
                    (&format!("review_{action}"), "selesai"),
                    ("findings", ""),
                ],
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
        let page = bnnk.get(&unit_url).await;
        assert!(
            page.body.contains("Siti Aminah") && page.body.contains("Siapkan posko"),
            "{}",
            t.label
        );
        assert!(!page.body.contains("IBM <Uji>"), "names are escaped");

        // Assess: stages 1 and 2 met, with evidence; submit; BNNP verifies; national admin finalizes.
        let mut fields: Vec<(String, String)> = Vec::new();
        for s in stages.iter().filter(|s| s.ordinal <= 2) {
            for c in &s.criteria {
                fields.push((format!("met_{}", c.id), "1".into()));
                fields.push((format!("evidence_{}", c.id), "foto kegiatan".into()));
            }
        }
        let f: Vec<(&str, &str)> = fields
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        let assess = format!("{unit_url}/penilaian/{year}");
        assert_eq!(bnnk.submit(&assess, &f).await.status, StatusCode::SEE_OTHER);
        assert_eq!(
            bnnk.submit(&format!("{assess}/aksi"), &[("action", "ajukan")])
                .await
                .status,
            StatusCode::SEE_OTHER
        );
        assert_eq!(
            bnnk.submit(&format!("{assess}/aksi"), &[("action", "verifikasi")])
                .await
                .status,
            StatusCode::FORBIDDEN
        );
        let mut bnnp = Client::new(&t);
        bnnp.login("bnnp.jabar").await;
        assert_eq!(
            bnnp.submit(&format!("{assess}/aksi"), &[("action", "verifikasi")])
                .await
                .status,
            StatusCode::SEE_OTHER
        );
        let mut admin = Client::new(&t);
        admin.login("admin.pusat").await;
        let before = admin
            .get(&format!("/ibm/target?year={year}&office={jabar}"))
            .await;
        assert!(before.body.contains("BNN Kota Bandung"));
        assert_eq!(
            admin
                .submit(&format!("{assess}/aksi"), &[("action", "finalkan")])
                .await
                .status,
            StatusCode::SEE_OTHER
        );
        let district = admin
            .get(&format!("/ibm/target?year={year}&office={bandung}"))
            .await;
        assert!(
            district.body.contains("100.0%"),
            "{}: the district table shows the unit on target",
            t.label
        );
        let nation = admin.get(&format!("/ibm/target?year={year}")).await;
        assert!(
            nation.body.contains("BNNP Jawa Barat") && nation.body.contains("100.0%"),
            "{}",
            t.label
        );

        // Outside the scope: Bogor's officer cannot open the unit or post to it.
        let mut bogor = Client::new(&t);
        bogor.login("bnnk.bogor").await;
        assert_eq!(bogor.get(&unit_url).await.status, StatusCode::NOT_FOUND);
        assert_eq!(
            bogor
                .submit(
                    &format!("{unit_url}/agen"),
                    &[
                        ("full_name", "X"),
                        ("sex", "l"),
                        ("role", "anggota"),
                        ("joined_year", &year)
                    ]
                )
                .await
                .status,
            StatusCode::NOT_FOUND
        );
        assert!(!bogor.get("/ibm").await.body.contains("IBM-UJI-1"));
        assert_eq!(
            bogor
                .get(&format!("/dasbor?year={year}&office={bandung}"))
                .await
                .status,
            StatusCode::NOT_FOUND
        );
        assert!(
            !bogor
                .get(&format!("/dasbor?year={year}"))
                .await
                .body
                .contains("IBM-UJI-1")
        );
        t.finish().await;
    }
}

#[tokio::test]
async fn the_ibm_api_applies_the_same_rules_and_national_admins_edit_the_reference_data() {
    for t in testing::all().await {
        seeded(&t, AreaLevel::Village).await;
        let bandung = office_id(&t, "BNNK-32.73").await;
        let mut bnnk = Client::new(&t);
        bnnk.login("bnnk.bandung").await;
        let body = serde_json::json!({"code": "IBM-API-1", "name": "IBM API", "village_code": "32.73.01.1001", "office_id": bandung,
            "year_formed": 2026, "decree_number": "SK-1", "funding_source": "apbdes", "first_year": 2026});
        // The national dashboard page is cached, but a write empties the cache at once.
        let mut admin = Client::new(&t);
        admin.login("admin.pusat").await;
        let units_on_dashboard = |html: &str| -> i64 {
            let kpis = &html[html.find("class=\"kpis\"").expect("KPI cards")..];
            let start = kpis.find("<strong>").unwrap() + "<strong>".len();
            kpis[start..start + kpis[start..].find('<').unwrap()]
                .trim()
                .parse()
                .unwrap()
        };
        admin.app = bnnk.app.clone();
        let before = units_on_dashboard(&admin.get("/dasbor?year=2026").await.body);
        assert_eq!(
            before,
            units_on_dashboard(&admin.get("/dasbor?year=2026").await.body)
        );
        // The pack's total row: the first number after the total label in its footer.
        let units_in_pack = |html: &str| -> i64 {
            let foot = &html[html.find("<tfoot>").expect("pack total")..];
            let start = foot.find("<td>").unwrap() + "<td>".len();
            foot[start..start + foot[start..].find('<').unwrap()]
                .trim()
                .parse()
                .unwrap()
        };
        let pack_before = units_in_pack(&admin.get("/paket?year=2026").await.body);
        assert_eq!(pack_before, before, "{}", t.label);
        let api_units = |v: Value| v["dashboard"]["total"]["units"].as_i64().unwrap();
        let api_before = api_units(admin.get("/api/v1/dashboard/ibm?year=2026").await.json());
        assert_eq!(
            api_before, before,
            "{}: the API and the page agree",
            t.label
        );
        let r = bnnk.api("POST", "/api/v1/ibm/units", body.clone()).await;
        assert_eq!(r.status, StatusCode::OK, "{}: {}", t.label, r.body);
        assert_eq!(
            units_on_dashboard(&admin.get("/dasbor?year=2026").await.body),
            before + 1,
            "{}: the new unit shows on the next page load",
            t.label
        );
        assert_eq!(
            api_units(admin.get("/api/v1/dashboard/ibm?year=2026").await.json()),
            before + 1,
            "{}: and on the next API read",
            t.label
        );
        assert_eq!(
            units_in_pack(&admin.get("/paket?year=2026").await.body),
            before + 1,
            "{}: and in the pack",
            t.label
        );
        let id = r.json()["unit"]["id"].as_i64().unwrap();
        assert_eq!(
            bnnk.api("POST", "/api/v1/ibm/units", body).await.status,
            StatusCode::CONFLICT,
            "duplicate code"
        );
        let unit = bnnk.get(&format!("/api/v1/ibm/units/{id}")).await.json();
        assert_eq!(
            unit["years"][0]["category"], "baru_mandiri",
            "{}: local funding makes a new unit Mandiri",
            t.label
        );
        for status in ["dibentuk", "ap_dilatih", "operasional"] {
            let r = bnnk
                .api(
                    "POST",
                    &format!("/api/v1/ibm/units/{id}/status"),
                    serde_json::json!({"status": status, "effective": "2026-01-05"}),
                )
                .await;
            assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        }
        let r = bnnk
            .api(
                "POST",
                &format!("/api/v1/ibm/units/{id}/status"),
                serde_json::json!({"status": "tidak_aktif", "effective": "2026-02-01"}),
            )
            .await;
        assert_eq!(
            r.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "a reason is required"
        );
        let r = bnnk.api("POST", &format!("/api/v1/ibm/units/{id}/reports"), serde_json::json!({"period": "2026-01", "lines": [
            {"kind": "activity", "item_code": "pemetaan", "count": 1},
            {"kind": "service", "item_code": "konseling", "sex": "p", "age_band": "gt40", "count": 2}]})).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        assert_eq!(r.json()["report"]["lines"].as_array().unwrap().len(), 2);
        let c = bnnk
            .get(&format!("/api/v1/ibm/units/{id}/compliance"))
            .await
            .json();
        assert!(c["compliance"]["periods"].as_array().unwrap().len() >= 1);
        let targets = bnnk.get("/api/v1/ibm/targets?year=2026").await.json();
        assert_eq!(targets["total"]["baru_mandiri"], 1, "{}", t.label);

        // Out of scope through the API too.
        let mut bogor = Client::new(&t);
        bogor.login("bnnk.bogor").await;
        assert_eq!(
            bogor.get(&format!("/api/v1/ibm/units/{id}")).await.status,
            StatusCode::NOT_FOUND
        );
        assert_eq!(
            bogor
                .get(&format!("/api/v1/ibm/units/{id}/agents"))
                .await
                .status,
            StatusCode::NOT_FOUND
        );
        let r = bogor
            .api(
                "POST",
                &format!("/api/v1/ibm/units/{id}/reports"),
                serde_json::json!({"period": "2026-02", "lines": []}),
            )
            .await;
        assert_eq!(r.status, StatusCode::NOT_FOUND);

        // Reference data: national admins edit stages, lists and the reporting rule; others may not.
        let stage = serde_json::json!({"ordinal": 3, "name_id": "Berkembang Mandiri", "name_en": "Developing"});
        assert_eq!(
            bnnk.api("PUT", "/api/v1/ibm/stages/berkembang", stage.clone())
                .await
                .status,
            StatusCode::FORBIDDEN
        );
        let mut admin = Client::new(&t);
        admin.login("admin.pusat").await;
        assert_eq!(
            admin
                .api("PUT", "/api/v1/ibm/stages/berkembang", stage)
                .await
                .status,
            StatusCode::OK
        );
        let stages = admin.get("/api/v1/ibm/stages").await.json();
        assert!(
            stages["items"]
                .as_array()
                .unwrap()
                .iter()
                .any(|s| s["name_id"] == "Berkembang Mandiri"),
            "{}",
            t.label
        );
        let r = admin.api("PUT", "/api/v1/reference/obstacle/jarak_jauh", serde_json::json!({"name_id": "Jarak layanan jauh", "name_en": "Services far away", "ordinal": 9})).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        assert!(
            r.json()["items"]
                .as_array()
                .unwrap()
                .iter()
                .any(|i| i["code"] == "jarak_jauh")
        );
        assert_eq!(
            admin
                .api(
                    "PUT",
                    "/api/v1/reference/bogus/x",
                    serde_json::json!({"name_id": "x", "name_en": "x"})
                )
                .await
                .status,
            StatusCode::NOT_FOUND
        );
        let r = admin
            .api(
                "PUT",
                "/api/v1/settings/reporting",
                serde_json::json!({"period_months": 5, "due_days": 10, "silent_after": 3}),
            )
            .await;
        assert_eq!(
            r.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "5 does not divide the year"
        );
        let r = admin
            .api(
                "PUT",
                "/api/v1/settings/reporting",
                serde_json::json!({"period_months": 3, "due_days": 15, "silent_after": 2}),
            )
            .await;
        assert_eq!(r.status, StatusCode::OK);
        // Now reports are quarterly: a February period is refused, April accepted.
        let r = bnnk
            .api(
                "POST",
                &format!("/api/v1/ibm/units/{id}/reports"),
                serde_json::json!({"period": "2026-02", "lines": []}),
            )
            .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
        let r = bnnk
            .api(
                "POST",
                &format!("/api/v1/ibm/units/{id}/reports"),
                serde_json::json!({"period": "2026-04", "lines": []}),
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        t.finish().await;
    }
}

#[tokio::test]
async fn the_api_sets_many_units_categories_at_once_and_names_what_it_accepts() {
    for t in testing::all().await {
        seeded(&t, AreaLevel::Village).await;
        let mut bnnk = Client::new(&t);
        bnnk.login("bnnk.bandung").await;
        let bandung = office_id(&t, "BNNK-32.73").await;
        for (code, village) in [
            ("IBM-BAT-1", "32.73.01.1001"),
            ("IBM-BAT-2", "32.73.01.1002"),
        ] {
            let r = bnnk
                .api(
                    "POST",
                    "/api/v1/ibm/units",
                    serde_json::json!({"code": code, "name": "Unit", "village_code": village, "office_id": bandung,
                        "year_formed": 2024, "decree_number": "", "funding_source": "apbn", "first_year": 2025}),
                )
                .await;
            assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        }
        // A label is as good as a code, in any case; a wrong value is refused with the list.
        let id: i64 = sqlx::query_scalar("SELECT id FROM ibm_units WHERE code = 'IBM-BAT-1'")
            .fetch_one(t.db.pool())
            .await
            .unwrap();
        let r = bnnk
            .api(
                "PUT",
                &format!("/api/v1/ibm/units/{id}/years/2025"),
                serde_json::json!({"category": "Berkelanjutan"}),
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}: {}", t.label, r.body);
        let r = bnnk
            .api(
                "PUT",
                &format!("/api/v1/ibm/units/{id}/years/2025"),
                serde_json::json!({"category": "lanjutan"}),
            )
            .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", t.label);
        assert!(
            r.json()["message"]
                .as_str()
                .unwrap()
                .contains("berkelanjutan_mandiri"),
            "{}",
            r.body
        );

        let batch = |units: serde_json::Value| serde_json::json!({ "units": units });
        let refused = bnnk
            .api(
                "PUT",
                "/api/v1/ibm/years/2025",
                batch(serde_json::json!([
                    {"code": "IBM-BAT-1", "category": "BERKELANJUTAN  MANDIRI", "target_stage": "2"},
                    {"code": "IBM-NONE", "category": "baru"},
                    {"code": "IBM-BAT-2", "category": "Baru", "target_stage": "tinggi"},
                ])),
            )
            .await;
        assert_eq!(
            refused.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{}",
            refused.body
        );
        let errors = refused.json()["errors"].as_array().unwrap().clone();
        assert_eq!(errors.len(), 2, "{errors:?}");
        assert_eq!(
            (errors[0]["row"].as_i64(), errors[0]["column"].as_str()),
            (Some(2), Some("code"))
        );
        assert_eq!(errors[1]["column"], "target_stage");
        assert!(
            errors[1]["reason"]
                .as_str()
                .unwrap()
                .contains("pembentukan"),
            "{errors:?}"
        );
        // All or nothing: the good row was not stored either.
        let years = bnnk.get(&format!("/api/v1/ibm/units/{id}")).await.json();
        assert!(
            years["years"].to_string().contains("\"berkelanjutan\""),
            "{years}"
        );

        let done = bnnk
            .api(
                "PUT",
                "/api/v1/ibm/years/2025",
                batch(serde_json::json!([
                    {"code": "IBM-BAT-1", "category": "BERKELANJUTAN  MANDIRI", "target_stage": "2"},
                    {"code": "IBM-BAT-2", "category": "baru_mandiri"},
                ])),
            )
            .await;
        assert_eq!(done.status, StatusCode::OK, "{}: {}", t.label, done.body);
        let summary = &done.json()["summary"];
        assert_eq!(
            (summary["updated"].as_i64(), summary["rows"].as_i64()),
            (Some(2), Some(2))
        );
        let table = bnnk.get("/api/v1/ibm/targets?year=2025").await.json();
        assert_eq!(table["total"]["berkelanjutan_mandiri"], 1, "{}", t.label);
        assert_eq!(table["total"]["baru_mandiri"], 1, "{}", t.label);
        t.finish().await;
    }
}

#[tokio::test]
async fn an_officer_makes_a_reporter_on_the_unit_page_who_then_sees_and_reports_for_that_unit_only()
{
    for t in testing::all().await {
        seeded(&t, AreaLevel::Village).await;
        let units = bandung_units(&t, &["IBM-PL-1", "IBM-PL-2"]).await;
        let (mine, other) = (units[0], units[1]);
        let mut bnnk = Client::new(&t);
        bnnk.login("bnnk.bandung").await;
        let page = bnnk.get(&format!("/ibm/{mine}")).await;
        assert!(
            page.body.contains(&format!("/ibm/{mine}/pelapor")),
            "{}",
            t.label
        );
        // A refused account comes back with what was typed (not the password).
        let weak = bnnk
            .submit(
                &format!("/ibm/{mine}/pelapor"),
                &[
                    ("username", "pelapor.hegar"),
                    ("full_name", "Siti Agen"),
                    ("email", ""),
                    ("password", "pendek"),
                ],
            )
            .await;
        assert_eq!(weak.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", t.label);
        assert!(weak.body.contains("value=\"Siti Agen\""), "{}", t.label);
        assert!(!weak.body.contains("pendek"));
        let made = bnnk
            .submit(
                &format!("/ibm/{mine}/pelapor"),
                &[
                    ("username", "pelapor.hegar"),
                    ("full_name", "Siti Agen"),
                    ("email", ""),
                    ("password", pantau_db::seed::DEMO_PASSWORD),
                ],
            )
            .await;
        assert_eq!(
            made.status,
            StatusCode::SEE_OTHER,
            "{}: {}",
            t.label,
            made.body
        );
        assert!(
            bnnk.get(&format!("/ibm/{mine}"))
                .await
                .body
                .contains("pelapor.hegar")
        );

        // On the officer's server, whose caches a password change empties.
        let mut reporter = bnnk.sibling();
        reporter.login("pelapor.hegar").await;
        // Home is its unit; its menu has no dashboard, no lists.
        let home = reporter.get("/").await;
        assert_eq!(home.location(), format!("/ibm/{mine}"), "{}", t.label);
        let own = reporter.get(&format!("/ibm/{mine}")).await;
        assert_eq!(own.status, StatusCode::OK);
        assert!(!own.body.contains("href=\"/dasbor\""), "{}", t.label);
        assert!(
            !own.body.contains(&format!("/ibm/{mine}/pelapor")),
            "no account form"
        );
        for path in [
            "/dasbor",
            "/ibm",
            "/ibm/laporan",
            "/api/v1/ibm/units",
            "/paket",
        ] {
            let r = reporter.get(path).await;
            assert_eq!(r.status, StatusCode::FORBIDDEN, "{}: {path}", t.label);
        }
        assert_eq!(
            reporter.get(&format!("/ibm/{other}")).await.status,
            StatusCode::FORBIDDEN
        );
        let sent = reporter
            .api(
                "POST",
                &format!("/api/v1/ibm/units/{mine}/reports"),
                serde_json::json!({"period": "2026-03", "lines": [{"kind": "activity", "item_code": "sosialisasi", "count": 2}]}),
            )
            .await;
        assert_eq!(sent.status, StatusCode::OK, "{}: {}", t.label, sent.body);
        assert_eq!(sent.json()["report"]["version"], 1);
        let elsewhere = reporter
            .api(
                "POST",
                &format!("/api/v1/ibm/units/{other}/reports"),
                serde_json::json!({"period": "2026-03", "lines": []}),
            )
            .await;
        assert_eq!(elsewhere.status, StatusCode::FORBIDDEN, "{}", t.label);
        // The officer sending the same month without having seen it is told, not obeyed…
        let clash = bnnk
            .api(
                "POST",
                &format!("/api/v1/ibm/units/{mine}/reports"),
                serde_json::json!({"period": "2026-03", "lines": []}),
            )
            .await;
        assert_eq!(
            clash.status,
            StatusCode::CONFLICT,
            "{}: {}",
            t.label,
            clash.body
        );
        assert!(
            clash.json()["message"]
                .as_str()
                .unwrap()
                .contains("pelapor.hegar")
        );
        // …and corrects it by naming the version it read.
        let corrected = bnnk
            .api(
                "POST",
                &format!("/api/v1/ibm/units/{mine}/reports"),
                serde_json::json!({"period": "2026-03", "lines": [], "version": 1}),
            )
            .await;
        assert_eq!(corrected.status, StatusCode::OK, "{}", corrected.body);
        assert_eq!(corrected.json()["report"]["version"], 2);
        // A reporter who forgot the password gets a new one from its officer; its sessions end.
        let reporter_id = pantau_db::users::by_username(&t.db, "pelapor.hegar")
            .await
            .unwrap()
            .id;
        let elsewhere = bnnk
            .submit(
                &format!("/ibm/{other}/pelapor/{reporter_id}/sandi"),
                &[("password", "Desa-Hegar-2027")],
            )
            .await;
        assert_eq!(
            elsewhere.status,
            StatusCode::NOT_FOUND,
            "{}: not that unit's",
            t.label
        );
        let reset = bnnk
            .submit(
                &format!("/ibm/{mine}/pelapor/{reporter_id}/sandi"),
                &[("password", "Desa-Hegar-2027")],
            )
            .await;
        assert_eq!(
            reset.status,
            StatusCode::SEE_OTHER,
            "{}: {}",
            t.label,
            reset.body
        );
        assert!(
            reporter
                .get(&format!("/ibm/{mine}"))
                .await
                .location()
                .starts_with("/login"),
            "{}: the old session is over",
            t.label
        );
        let mut back = Client::new(&t);
        let signed = back.try_login("pelapor.hegar", "Desa-Hegar-2027").await;
        assert_eq!(signed.status, StatusCode::SEE_OTHER, "{}", t.label);
        t.finish().await;
    }
}
