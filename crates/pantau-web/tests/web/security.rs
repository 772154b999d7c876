//! Hostile input and the security headers.

use crate::harness::*;
use axum::http::{StatusCode, header};
use pantau_core::org::AreaLevel;
use pantau_db::{seed, testing};

#[tokio::test]
async fn pages_escape_markup_and_carry_security_headers() {
    for t in testing::all().await {
        seeded(&t, AreaLevel::Province).await;
        let bandung = office_id(&t, "BNNK-32.73").await;
        let mut c = Client::new(&t);
        c.login("bnnk.bandung").await;
        let evil = "<script>alert(1)</script>";
        c.submit(
            &format!("/satker/{bandung}/profil"),
            &[
                ("head_name", evil),
                ("address", ""),
                ("phone", ""),
                ("email", ""),
            ],
        )
        .await;
        let page = c.get(&format!("/satker/{bandung}")).await;
        assert!(
            !page.body.contains(evil),
            "{}: markup must be escaped",
            t.label
        );
        assert!(
            page.body.contains("&#60;script&#62;") || page.body.contains("&lt;script&gt;"),
            "{}",
            t.label
        );
        let csp = page
            .headers
            .get(header::CONTENT_SECURITY_POLICY)
            .unwrap()
            .to_str()
            .unwrap();
        assert!(csp.contains("script-src 'self'") && !csp.contains("unsafe-inline"));
        assert_eq!(page.headers.get(header::X_FRAME_OPTIONS).unwrap(), "DENY");
        assert_eq!(
            page.headers.get(header::X_CONTENT_TYPE_OPTIONS).unwrap(),
            "nosniff"
        );
        let health = c.get("/healthz").await;
        assert_eq!(
            (health.status, health.body.as_str()),
            (StatusCode::OK, "ok")
        );
        assert_eq!(
            c.get("/static/vendor/htmx-2.0.11.min.js").await.status,
            StatusCode::OK
        );
        assert_eq!(
            c.get("/static/../Cargo.toml").await.status,
            StatusCode::NOT_FOUND
        );
        t.finish().await;
    }
}

/// Hostile input through the web layer: markup in free text is escaped on every page that
/// shows it, SQL metacharacters are plain data, oversized bodies are refused, malformed
/// addresses are client errors, and an uploaded file's name cannot climb out of its folder.
#[tokio::test]
async fn hostile_input_is_refused_or_neutralised() {
    for t in testing::all().await {
        seeded(&t, AreaLevel::Village).await;
        let bandung = office_id(&t, "BNNK-32.73").await;
        let mut c = Client::new(&t);
        c.login("bnnk.bandung").await;
        let evil = "<script>alert(1)</script>\"'&";
        let sql = "x'); DROP TABLE ibm_units; --";
        let body = serde_json::json!({"code": "IBM-HOSTILE", "name": format!("{evil} {sql}"), "village_code": "32.73.01.1001",
            "office_id": bandung, "year_formed": 2026, "decree_number": evil, "funding_source": "apbn", "first_year": 2026});
        let r = c.api("POST", "/api/v1/ibm/units", body).await;
        assert_eq!(r.status, StatusCode::OK, "{}: {}", t.label, r.body);
        let id = r.json()["unit"]["id"].as_i64().unwrap();
        for page in [
            format!("/ibm/{id}"),
            "/ibm".to_string(),
            "/ibm?q=HOSTILE".to_string(),
            format!("/ibm/target?year=2026&office={bandung}"),
            format!("/dasbor?year=2026&office={bandung}"),
            "/audit".to_string(),
        ] {
            let p = c.get(&page).await;
            assert_eq!(p.status, StatusCode::OK, "{}: {page}", t.label);
            assert!(
                !p.body.contains("<script>alert"),
                "{}: raw markup on {page}",
                t.label
            );
        }
        assert!(
            c.get(&format!("/ibm/{id}"))
                .await
                .body
                .contains("&#60;script&#62;alert(1)&#60;/script&#62;")
                || c.get(&format!("/ibm/{id}"))
                    .await
                    .body
                    .contains("&lt;script&gt;alert(1)&lt;/script&gt;")
        );
        // The SQL text is stored as typed, and the table is still there.
        let unit = c.get(&format!("/api/v1/ibm/units/{id}")).await.json();
        assert!(
            unit["unit"]["name"].as_str().unwrap().ends_with(sql),
            "{}",
            t.label
        );
        for q in ["' OR 1=1 --", "%' OR '1'='1", "\\", "%_%"] {
            let enc = percent_encoding::utf8_percent_encode(q, percent_encoding::NON_ALPHANUMERIC);
            let r = c.get(&format!("/api/v1/ibm/units?q={enc}")).await;
            assert_eq!(r.status, StatusCode::OK, "{}: {q}", t.label);
            assert!(
                !r.body.contains("IBM-HOSTILE") || q == "%_%",
                "{}: {q} matched everything",
                t.label
            );
            assert_eq!(
                c.get(&format!("/api/v1/wilayah?q={enc}")).await.status,
                StatusCode::OK
            );
        }
        // Oversized bodies: refused before any handler reads them.
        let big = "a".repeat(pantau_web::MAX_BODY_BYTES + 10);
        let r = c
            .submit(&format!("/satker/{bandung}/profil"), &[("head_name", &big)])
            .await;
        assert_eq!(r.status, StatusCode::PAYLOAD_TOO_LARGE, "{}: form", t.label);
        let r = c
            .api(
                "POST",
                "/api/v1/ibm/units",
                serde_json::json!({"name": big}),
            )
            .await;
        assert_eq!(r.status, StatusCode::PAYLOAD_TOO_LARGE, "{}: JSON", t.label);
        // Malformed addresses and ids are client errors, never server errors.
        for path in [
            "/wilayah/%FF%FE",
            "/ibm/not-a-number",
            "/api/v1/ibm/units/99999999999999999999",
            "/wilayah/32.73.01.1001%00",
        ] {
            let s = c.get(path).await.status;
            assert!(s.is_client_error(), "{}: {path} gave {s}", t.label);
        }
        // A file name cannot climb out of its folder or carry markup.
        use pantau_db::files::clean_file_name;
        assert_eq!(clean_file_name("../../etc/passwd"), "passwd");
        assert_eq!(clean_file_name("..\\..\\boot.ini"), "boot.ini");
        assert_eq!(
            clean_file_name("<img src=x onerror=alert(1)>.png"),
            "img src=x onerror=alert(1).png"
        );
        assert_eq!(clean_file_name("..."), "bukti");
        t.finish().await;
    }
}

#[tokio::test]
async fn every_redirect_stays_on_this_site() {
    for t in testing::all().await {
        seeded(&t, AreaLevel::Province).await;
        let mut c = Client::new(&t);
        c.get("/login").await;
        c.csrf = c.cookies["pantau_login_csrf"].clone();
        for bad in [
            "//evil.example",
            "/\t/evil.example/x",
            "/\\evil.example",
            "/\n",
            "https://evil.example",
        ] {
            let r = c.submit("/bahasa/en", &[("next", bad)]).await;
            assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}: {bad:?}", t.label);
            let r = c.get(&format!("/login?next={}", enc(bad))).await;
            assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}: {bad:?}", t.label);
        }
        // The reviewer's address, as a browser sends it.
        assert_eq!(
            c.get("/login?next=/%09/evil.example/x").await.status,
            StatusCode::BAD_REQUEST
        );
        let r = c.submit("/bahasa/en", &[("next", "/ibm?q=bandung")]).await;
        assert_eq!(
            (r.status, r.location()),
            (StatusCode::SEE_OTHER, "/ibm?q=bandung")
        );
        // Changing the language changes a stored preference: not a GET.
        assert_eq!(
            c.get("/bahasa/en?next=/").await.status,
            StatusCode::METHOD_NOT_ALLOWED
        );
        // Nor does a bad address survive sign-in.
        let token = c.cookies["pantau_login_csrf"].clone();
        let r = c
            .post_form(
                "/login",
                &[
                    ("username", "bnnk.bandung"),
                    ("password", seed::DEMO_PASSWORD),
                    ("csrf_token", &token),
                    ("next", "/\t/evil.example/x"),
                ],
            )
            .await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", t.label);
        t.finish().await;
    }
}

#[tokio::test]
async fn agents_personal_data_stays_with_bnn_staff_and_every_export_of_it_is_audited() {
    for t in testing::all().await {
        seeded(&t, AreaLevel::Village).await;
        let mut bnnk = Client::new(&t);
        bnnk.login("bnnk.bandung").await;
        let r = bnnk
            .api(
                "POST",
                "/api/v1/ibm/units",
                serde_json::json!({"code": "IBM-PII", "name": "Unit", "village_code": "32.73.01.1001",
                    "office_id": office_id(&t, "BNNK-32.73").await, "year_formed": 2025,
                    "decree_number": "", "funding_source": "apbn", "first_year": 2026}),
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        let unit = r.json()["unit"]["id"].as_i64().unwrap();
        let r = bnnk
            .api(
                "POST",
                &format!("/api/v1/ibm/units/{unit}/agents"),
                serde_json::json!({"full_name": "Siti Rahmawati", "sex": "p", "role": "ketua",
                    "phone": "0812-555-0101", "joined_year": 2025}),
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);

        let mut ikai = Client::new(&t);
        ikai.login("fasilitator.ikai").await;
        let page = ikai.get(&format!("/ibm/{unit}")).await;
        assert_eq!(page.status, StatusCode::OK, "{}", t.label);
        assert!(!page.body.contains("Siti Rahmawati") && !page.body.contains("0812-555-0101"));
        let list = ikai.get(&format!("/api/v1/ibm/units/{unit}/agents")).await;
        assert_eq!(list.status, StatusCode::FORBIDDEN, "{}", t.label);
        let export = ikai.get("/ibm/ekspor/csv?jenis=agen").await;
        assert_eq!(export.status, StatusCode::FORBIDDEN, "{}", t.label);
        assert!(!export.body.contains("Siti Rahmawati"));

        // BNN staff export them, and the trail says who took how many.
        let export = bnnk.get("/ibm/ekspor/csv?jenis=agen").await;
        assert!(export.body.contains("Siti Rahmawati"), "{}", t.label);
        let users = bnnk.get("/api/v1/users").await;
        assert_eq!(users.status, StatusCode::OK);
        let trail = bnnk.get("/api/v1/audit?action=export").await.json();
        let exports: Vec<&serde_json::Value> = trail["items"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|e| e["action"] == "export" && e["username"] == "bnnk.bandung")
            .collect();
        assert!(
            exports
                .iter()
                .any(|e| e["entity"] == "agen" && e["after"]["rows"] == 1),
            "{}: {exports:?}",
            t.label
        );
        assert!(
            exports.iter().any(|e| e["entity"] == "pengguna"),
            "{}",
            t.label
        );
        t.finish().await;
    }
}

#[tokio::test]
async fn a_record_outside_ones_scope_answers_like_a_missing_one() {
    for t in testing::all().await {
        seeded(&t, AreaLevel::Village).await;
        let mut bandung = Client::new(&t);
        bandung.login("bnnk.bandung").await;
        let r = bandung
            .api(
                "POST",
                "/api/v1/ibm/units",
                serde_json::json!({"code": "IBM-HIDDEN", "name": "Unit", "village_code": "32.73.01.1001",
                    "office_id": office_id(&t, "BNNK-32.73").await, "year_formed": 2025,
                    "decree_number": "", "funding_source": "apbn", "first_year": 2026}),
            )
            .await;
        let unit = r.json()["unit"]["id"].as_i64().unwrap();
        let missing = unit + 100_000;
        let mut bogor = Client::new(&t);
        bogor.login("bnnk.bogor").await;
        for path in [
            "/ibm/{id}",
            "/ibm/{id}/laporan",
            "/api/v1/ibm/units/{id}",
            "/api/v1/ibm/units/{id}/compliance",
        ] {
            let (outside_uri, absent_uri) = (
                path.replace("{id}", &unit.to_string()),
                path.replace("{id}", &missing.to_string()),
            );
            let mut outside = bogor.get(&outside_uri).await;
            let mut absent = bogor.get(&absent_uri).await;
            // The pages differ only in the address they come back to after a language switch.
            outside.body = outside.body.replace(&outside_uri, "ADDRESS");
            absent.body = absent.body.replace(&absent_uri, "ADDRESS");
            assert_eq!(
                (outside.status, absent.status),
                (StatusCode::NOT_FOUND, StatusCode::NOT_FOUND),
                "{}: {path}",
                t.label
            );
            assert_eq!(outside.body, absent.body, "{}: {path}", t.label);
        }
        let outside = bogor
            .api(
                "POST",
                &format!("/api/v1/ibm/units/{unit}/status"),
                serde_json::json!({}),
            )
            .await;
        let absent = bogor
            .api(
                "POST",
                &format!("/api/v1/ibm/units/{missing}/status"),
                serde_json::json!({}),
            )
            .await;
        assert_eq!(
            (outside.status, &outside.body),
            (absent.status, &absent.body),
            "{}",
            t.label
        );

        // An import names no unit of another office: it is as unknown as a code that is not there.
        let file = "kode_unit,periode,jenis,kode_item,jumlah,jenis_kelamin,kelompok_umur,tingkat_risiko\n\
                    IBM-HIDDEN,2026-01,activity,sosialisasi,3,,,\n\
                    IBM-NOWHERE,2026-01,activity,sosialisasi,3,,,\n";
        let r = bogor
            .upload_with(
                &format!("/ibm/impor?csrf_token={}", bogor.csrf),
                &[("jenis", "laporan"), ("dry_run", "1")],
                "laporan.csv",
                file.as_bytes(),
            )
            .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", t.label);
        assert!(!r.body.contains("kewenangan"), "{}: {}", t.label, r.body);
        assert_eq!(
            r.body.matches("Unit IBM tidak ditemukan").count(),
            2,
            "{}",
            t.label
        );
        t.finish().await;
    }
}
