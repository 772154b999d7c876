//! Spreadsheets and aggregate exchange.

use crate::harness::*;
use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use pantau_core::org::AreaLevel;
use pantau_db::testing;

#[tokio::test]
async fn units_are_imported_and_exported_as_spreadsheets_through_the_web() {
    for t in testing::all().await {
        seeded(&t, AreaLevel::Village).await;
        let mut bnnk = Client::new(&t);
        bnnk.login("bnnk.bandung").await;
        let page = bnnk.get("/ibm/impor").await;
        assert_eq!(page.status, StatusCode::OK);
        let action = format!("/ibm/impor?csrf_token={}", bnnk.csrf);
        let template = bnnk.get("/ibm/impor/templat/csv").await;
        assert_eq!(template.status, StatusCode::OK);
        assert!(template.body.contains("kode,nama,kode_desa"));
        let xlsx = bnnk.get("/ibm/impor/templat/xlsx").await;
        assert_eq!(xlsx.status, StatusCode::OK);
        assert!(
            xlsx.headers[header::CONTENT_TYPE]
                .to_str()
                .unwrap()
                .contains("spreadsheetml")
        );
        let file = "kode,nama,kode_desa,kode_satker,tahun_dibentuk,sumber_dana\n\
                    IBM-WEB-1,Unit Web <b>1</b>,32.73.01.1001,BNNK-32.73,2025,apbn\n";
        let dry = bnnk
            .upload_with(
                &action,
                &[("dry_run", "1"), ("year", "2025")],
                "unit.csv",
                file.as_bytes(),
            )
            .await;
        assert_eq!(dry.status, StatusCode::OK, "{}: {}", t.label, dry.body);
        assert!(
            !bnnk
                .get("/api/v1/ibm/units")
                .await
                .body
                .contains("IBM-WEB-1"),
            "a dry run saves nothing"
        );
        let done = bnnk
            .upload_with(&action, &[("year", "2025")], "unit.csv", file.as_bytes())
            .await;
        assert_eq!(done.status, StatusCode::OK, "{}", done.body);
        assert!(
            bnnk.get("/api/v1/ibm/units")
                .await
                .body
                .contains("IBM-WEB-1")
        );
        let export = bnnk.get("/ibm/ekspor/csv").await;
        assert!(
            export.body.contains("IBM-WEB-1,Unit Web <b>1</b>"),
            "{}",
            export.body
        );
        // Periodic reports through the same page, one row per line.
        let lines =
            "kode_unit,periode,jenis,kode_item,jumlah\nIBM-WEB-1,2026-01,kegiatan,sosialisasi,4\n";
        let r = bnnk
            .upload_with(
                &action,
                &[("jenis", "laporan")],
                "laporan.csv",
                lines.as_bytes(),
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}: {}", t.label, r.body);
        let back = bnnk.get("/ibm/ekspor/csv?jenis=laporan&year=2026").await;
        assert!(
            back.body
                .contains("IBM-WEB-1,2026-01,kegiatan,sosialisasi,4"),
            "{}",
            back.body
        );
        assert!(
            bnnk.get("/ibm/impor/templat/csv?jenis=laporan")
                .await
                .body
                .contains("kode_unit,periode,jenis")
        );
        let bad =
            "kode_unit,periode,jenis,kode_item,jumlah\nIBM-WEB-1,2026-01,kegiatan,tidak_ada,1\n";
        let r = bnnk
            .upload_with(
                &action,
                &[("jenis", "laporan")],
                "laporan.csv",
                bad.as_bytes(),
            )
            .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(r.body.contains("kode_item"));
        // Errors are listed per row; the markup in a value is escaped on the page.
        let bad = "kode,nama,kode_desa,kode_satker,tahun_dibentuk,sumber_dana\n\
                   IBM-WEB-2,<script>x</script>,32.73.01.1001,BNNK-32.71,2025,apbn\n";
        let r = bnnk
            .upload_with(&action, &[], "unit.csv", bad.as_bytes())
            .await;
        assert_eq!(
            r.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{}: outside the district",
            t.label
        );
        assert!(r.body.contains("kode_satker") && r.body.contains("BNNK-32.71"));
        let r = bnnk
            .upload_with(&action, &[], "unit.csv", b"\xff\xfe\x00k")
            .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
        // Read-only roles may export but not import.
        let mut analyst = Client::new(&t);
        analyst.login("analis.pusat").await;
        assert!(analyst.get("/ibm/ekspor/xlsx").await.status == StatusCode::OK);
        let action = format!("/ibm/impor?csrf_token={}", analyst.csrf);
        let r = analyst
            .upload_with(&action, &[], "unit.csv", file.as_bytes())
            .await;
        assert_eq!(r.status, StatusCode::FORBIDDEN);
        // The target table and the compliance list as spreadsheets, in the reader's scope.
        let targets = bnnk.get("/ibm/target?year=2025&unduh=csv").await;
        assert!(
            targets.headers[header::CONTENT_TYPE]
                .to_str()
                .unwrap()
                .starts_with("text/csv")
        );
        let table = pantau_db::exchange::read(targets.body.as_bytes()).unwrap();
        assert_eq!(
            table.headers[0..2],
            ["wilayah".to_string(), "unit".to_string()]
        );
        let total = table.rows.last().unwrap();
        assert_eq!(
            (total[0].as_str(), total[1].as_str()),
            ("Jumlah", "1"),
            "{}: {table:?}",
            t.label
        );
        let xlsx = bnnk
            .send(
                Request::get("/ibm/target?year=2025&unduh=xlsx")
                    .body(Body::empty())
                    .unwrap(),
            )
            .await;
        assert_eq!(xlsx.status, StatusCode::OK);
        let compliance = bnnk.get("/ibm/kepatuhan?unduh=csv").await;
        assert!(
            compliance.body.starts_with("\u{feff}kode_unit,nama_unit"),
            "{}",
            compliance.body
        );
        assert_eq!(
            bnnk.get("/ibm/target?year=2025&unduh=pdf").await.status,
            StatusCode::NOT_FOUND
        );
        // Another district's officer does not see Bandung's unit in its export.
        let mut bogor = Client::new(&t);
        bogor.login("bnnk.bogor").await;
        let theirs = bogor.get("/ibm/target?year=2025&unduh=csv").await;
        let table = pantau_db::exchange::read(theirs.body.as_bytes()).unwrap();
        assert_eq!(table.rows.last().unwrap()[1], "0", "{}", t.label);
        assert!(
            !bogor
                .get("/ibm/ekspor/csv")
                .await
                .body
                .contains("IBM-WEB-1")
        );
        t.finish().await;
    }
}

#[tokio::test]
async fn aggregate_values_go_out_as_dhis2_and_adx_with_mapped_codes() {
    for t in testing::all().await {
        seeded(&t, AreaLevel::Village).await;
        let bandung = office_id(&t, "BNNK-32.73").await;
        let mut bnnk = Client::new(&t);
        bnnk.login("bnnk.bandung").await;
        let unit = serde_json::json!({"code": "IBM-AGG-1", "name": "Unit", "village_code": "32.73.01.1001",
            "office_id": bandung, "year_formed": 2026, "funding_source": "apbn", "first_year": 2026});
        assert_eq!(
            bnnk.api("POST", "/api/v1/ibm/units", unit).await.status,
            StatusCode::OK
        );
        let mut admin = Client::new(&t);
        admin.login("admin.pusat").await;
        for (kind, code, external) in [
            ("indicator", "ibm_units", "DE_UNITS"),
            ("org_unit", "BNNP-32", "OU_JABAR"),
            ("data_set", "pantau_ibm", "DS_IBM"),
        ] {
            let r = admin
                .api(
                    "PUT",
                    "/api/v1/exchange/mapping",
                    serde_json::json!({"kind": kind, "pantau_code": code, "external_code": external}),
                )
                .await;
            assert_eq!(r.status, StatusCode::OK, "{}: {}", t.label, r.body);
        }
        let bad = serde_json::json!({"kind": "indicator", "pantau_code": "tidak_ada", "external_code": "X"});
        assert_eq!(
            admin
                .api("PUT", "/api/v1/exchange/mapping", bad)
                .await
                .status,
            StatusCode::NOT_FOUND
        );
        let not_admin = serde_json::json!({"kind": "indicator", "pantau_code": "ibm_units", "external_code": "Y"});
        assert_eq!(
            bnnk.api("PUT", "/api/v1/exchange/mapping", not_admin)
                .await
                .status,
            StatusCode::FORBIDDEN
        );
        let d = admin.get("/api/v1/exchange/dhis2?year=2026").await.json();
        assert_eq!(d["dataSet"], "DS_IBM");
        let values = d["dataValues"].as_array().unwrap();
        let find = |de: &str, ou: &str| {
            values
                .iter()
                .find(|v| v["dataElement"] == de && v["orgUnit"] == ou)
                .map(|v| v["value"].as_str().unwrap().to_string())
        };
        assert_eq!(
            find("DE_UNITS", "OU_JABAR").as_deref(),
            Some("1"),
            "{}: {d}",
            t.label
        );
        assert_eq!(
            find("DE_UNITS", "BNN").as_deref(),
            Some("1"),
            "the nation's total"
        );
        assert_eq!(
            find("ibm_units_on_target", "OU_JABAR").as_deref(),
            Some("0")
        );
        assert!(values.iter().all(|v| v["period"] == "2026"));
        // Every BNNP is listed, with explicit zeros where it has no unit.
        assert_eq!(
            find("DE_UNITS", "BNNP-35").as_deref(),
            Some("0"),
            "{}: a province without units",
            t.label
        );
        let provinces = values
            .iter()
            .filter(|v| v["dataElement"] == "DE_UNITS")
            .count();
        assert!(provinces >= 35, "the nation and every BNNP: {provinces}");
        let adx = admin.get("/api/v1/exchange/adx?year=2026").await;
        assert!(
            adx.headers[header::CONTENT_TYPE]
                .to_str()
                .unwrap()
                .starts_with("application/adx+xml")
        );
        assert!(
            adx.body
                .contains(r#"<group orgUnit="OU_JABAR" period="2026-01-01/P1Y" dataSet="DS_IBM">"#),
            "{}",
            adx.body
        );
        assert!(
            adx.body
                .contains(r#"<dataValue dataElement="DE_UNITS" value="1"/>"#)
        );
        // Another district's officer exports only what it may read.
        let mut bogor = Client::new(&t);
        bogor.login("bnnk.bogor").await;
        let d = bogor.get("/api/v1/exchange/dhis2?year=2026").await.json();
        assert!(
            d["dataValues"]
                .as_array()
                .unwrap()
                .iter()
                .filter(|v| v["dataElement"] == "DE_UNITS")
                .all(|v| v["value"] == "0"),
            "{}: {d}",
            t.label
        );
        // Received values: what went out comes back, codes translated, equal to Pantau's own.
        let sent = admin.get("/api/v1/exchange/dhis2?year=2026").await.body;
        let r = admin
            .post_raw(
                "/api/v1/exchange/dhis2?source=dhis2-uji&dry_run=true",
                sent.clone(),
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}: {}", t.label, r.body);
        assert_eq!(r.json()["summary"]["dry_run"], true);
        let listed = admin.get("/api/v1/exchange/values?year=2026").await.json();
        assert_eq!(
            listed["values"].as_array().unwrap().len(),
            0,
            "a dry run keeps nothing"
        );
        let r = admin
            .post_raw("/api/v1/exchange/dhis2?source=dhis2-uji", sent.clone())
            .await;
        let summary = r.json()["summary"].clone();
        assert!(
            summary["created"].as_u64().unwrap() >= 24,
            "{}: {summary}",
            t.label
        );
        let again = admin
            .post_raw("/api/v1/exchange/dhis2?source=dhis2-uji", sent)
            .await
            .json();
        assert_eq!(
            again["summary"]["unchanged"], summary["created"],
            "idempotent"
        );
        let adx_sent = admin.get("/api/v1/exchange/adx?year=2026").await.body;
        let r = admin
            .post_raw("/api/v1/exchange/adx?source=adx-uji", adx_sent)
            .await
            .json();
        assert_eq!(
            r["summary"]["created"], summary["created"],
            "{}: {r}",
            t.label
        );
        let listed = admin.get("/api/v1/exchange/values?year=2026").await.json();
        let rows = listed["values"].as_array().unwrap();
        assert_eq!(rows.len() as u64, 2 * summary["created"].as_u64().unwrap());
        assert_eq!(listed["differing"], 0, "{}: {listed}", t.label);
        let jabar_units = rows
            .iter()
            .find(|v| {
                v["source"] == "adx-uji"
                    && v["office_code"] == "BNNP-32"
                    && v["indicator"] == "ibm_units"
            })
            .unwrap();
        assert_eq!(
            (
                jabar_units["external"].as_i64(),
                jabar_units["pantau"].as_i64()
            ),
            (Some(1), Some(1))
        );
        // A differing value shows as a difference; bad values are listed and nothing is kept.
        let other = r#"{"dataSet":"DS_IBM","dataValues":[{"dataElement":"DE_UNITS","period":"2026","orgUnit":"OU_JABAR","value":"5"}]}"#;
        let r = admin
            .post_raw("/api/v1/exchange/dhis2?source=dhis2-uji", other.into())
            .await
            .json();
        assert_eq!(r["summary"]["updated"], 1);
        let listed = admin
            .get("/api/v1/exchange/values?year=2026&source=dhis2-uji")
            .await
            .json();
        assert_eq!(listed["differing"], 1, "{listed}");
        let bad = r#"{"dataValues":[{"dataElement":"DE_TIDAK","period":"2026","orgUnit":"OU_JABAR","value":"1"},
            {"dataElement":"DE_UNITS","period":"202601","orgUnit":"OU_JABAR","value":"1"},
            {"dataElement":"DE_UNITS","period":"2026","orgUnit":"OU_TIDAK","value":"1"},
            {"dataElement":"DE_UNITS","period":"2026","orgUnit":"BNNK-32.73","value":"-1"},
            {"dataElement":"DE_UNITS","period":"2026","orgUnit":"BNNK-32.73","value":"2"},
            {"dataElement":"ibm_units","period":"2026-01-01/P1Y","orgUnit":"BNNK-32.73","value":"3"}]}"#;
        let r = admin
            .post_raw("/api/v1/exchange/dhis2?source=dhis2-uji", bad.into())
            .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
        let errors: Vec<(u64, String)> = r.json()["errors"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| {
                (
                    e["row"].as_u64().unwrap(),
                    e["column"].as_str().unwrap().to_string(),
                )
            })
            .collect();
        assert_eq!(
            errors,
            vec![
                (1, "dataElement".to_string()),
                (2, "period".into()),
                (3, "orgUnit".into()),
                (4, "value".into()),
                (6, "dataElement".into())
            ],
            "{}",
            t.label
        );
        for broken in ["{", "<adx", "[]"] {
            let r = admin
                .post_raw("/api/v1/exchange/dhis2?source=x", broken.into())
                .await;
            assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
            let r = admin
                .post_raw("/api/v1/exchange/adx?source=x", broken.into())
                .await;
            assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
        }
        let listed = admin
            .get("/api/v1/exchange/values?year=2026&source=dhis2-uji")
            .await
            .json();
        assert_eq!(
            listed["differing"], 1,
            "nothing of the refused payloads kept"
        );
        // A district officer may not send values for its province, nor read another district's.
        let mine = r#"{"dataValues":[{"dataElement":"ibm_units","period":"2026","orgUnit":"OU_JABAR","value":"1"}]}"#;
        let r = bnnk
            .post_raw("/api/v1/exchange/dhis2?source=bnnk", mine.into())
            .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
        assert!(r.body.contains("kewenangan"));
        let seen = bogor.get("/api/v1/exchange/values?year=2026").await.json();
        assert_eq!(seen["values"].as_array().unwrap().len(), 0, "{seen}");
        t.finish().await;
    }
}

/// The value of a hidden form field on a page.
fn hidden(body: &str, name: &str) -> String {
    let marker = format!("name=\"{name}\" value=\"");
    let start = body
        .find(&marker)
        .unwrap_or_else(|| panic!("no field {name}"))
        + marker.len();
    body[start..].split('"').next().unwrap().to_string()
}

fn bandung_units(n: usize, prefix: &str) -> String {
    let mut csv = String::from("Kode,Nama,Kode Desa,Tahun Dibentuk,Kategori 2025,Catatan\n");
    for i in 0..n {
        csv.push_str(&format!(
            "{prefix}-{i:04},Unit {i},32.73.01.100{},2024,Berkelanjutan,bebas\n",
            1 + i % 4
        ));
    }
    csv
}

#[tokio::test]
async fn a_unit_list_is_previewed_then_saved_exactly_as_shown() {
    for t in testing::all().await {
        seeded(&t, AreaLevel::Village).await;
        let mut bnnk = Client::new(&t);
        bnnk.login("bnnk.bandung").await;
        let action = format!("/ibm/impor?csrf_token={}", bnnk.csrf);
        let preview = bnnk
            .upload_with(
                &action,
                &[("dry_run", "1"), ("year", "2025")],
                "daftar.csv",
                bandung_units(3, "IBM-PRV").as_bytes(),
            )
            .await;
        assert_eq!(
            preview.status,
            StatusCode::OK,
            "{}: {}",
            t.label,
            preview.body
        );
        for shown in [
            "IBM-PRV-0002",
            "BNN Kota Bandung",
            "dari desa",
            "Berkelanjutan",
            "Baru",
            "catatan",
        ] {
            assert!(
                preview.body.contains(shown),
                "{}: {shown} in the preview",
                t.label
            );
        }
        assert!(
            !bnnk
                .get("/api/v1/ibm/units?q=IBM-PRV")
                .await
                .body
                .contains("IBM-PRV")
        );
        let (token, fingerprint) = (
            hidden(&preview.body, "token"),
            hidden(&preview.body, "fingerprint"),
        );
        let saved = bnnk
            .submit(
                "/ibm/impor/simpan",
                &[("token", &token), ("fingerprint", &fingerprint)],
            )
            .await;
        assert_eq!(saved.status, StatusCode::OK, "{}: {}", t.label, saved.body);
        assert!(saved.body.contains("Impor tersimpan"), "{}", t.label);
        let listed = bnnk.get("/api/v1/ibm/units?limit=100").await.json();
        let codes = listed["items"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|u| u["code"].as_str().unwrap().starts_with("IBM-PRV"))
            .count();
        assert_eq!(codes, 3, "{}", t.label);
        // The file is saved once: the same token does not save again.
        let again = bnnk
            .submit(
                "/ibm/impor/simpan",
                &[("token", &token), ("fingerprint", &fingerprint)],
            )
            .await;
        assert_eq!(again.status, StatusCode::NOT_FOUND, "{}", t.label);

        // What was previewed changed before "Simpan": a new preview, nothing saved.
        let changed = bandung_units(3, "IBM-PRV").replace("Unit 1,", "Unit Satu,");
        let preview = bnnk
            .upload_with(
                &action,
                &[("dry_run", "1"), ("year", "2025")],
                "daftar.csv",
                changed.as_bytes(),
            )
            .await;
        let (token, fingerprint) = (
            hidden(&preview.body, "token"),
            hidden(&preview.body, "fingerprint"),
        );
        let unit = listed["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|u| u["code"] == "IBM-PRV-0001")
            .unwrap()["id"]
            .as_i64()
            .unwrap();
        let r = bnnk
            .api("POST", &format!("/api/v1/ibm/units/{unit}/status"), serde_json::json!({"status": "tidak_aktif", "reason": "uji", "effective": "2025-06-01"}))
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        let mut edited =
            bnnk.get(&format!("/api/v1/ibm/units/{unit}")).await.json()["unit"].clone();
        edited["name"] = "Unit Diganti".into();
        let r = bnnk
            .put_json(
                &format!("/api/v1/ibm/units/{unit}"),
                edited,
                Some(&bnnk.csrf.clone()),
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}: {}", t.label, r.body);
        let stale = bnnk
            .submit(
                "/ibm/impor/simpan",
                &[("token", &token), ("fingerprint", &fingerprint)],
            )
            .await;
        assert_eq!(stale.status, StatusCode::OK, "{}", t.label);
        assert!(
            stale.body.contains("Data berubah sejak pratinjau"),
            "{}: {}",
            t.label,
            stale.body
        );
        let now = bnnk.get(&format!("/api/v1/ibm/units/{unit}")).await.json();
        assert_eq!(
            now["unit"]["name"], "Unit Diganti",
            "{}: nothing saved",
            t.label
        );
        t.finish().await;
    }
}

#[tokio::test]
async fn a_large_unit_list_is_saved_in_the_background_with_its_progress_shown() {
    let t = testing::sqlite().await;
    seeded(&t, AreaLevel::Village).await;
    let mut bnnk = Client::new(&t);
    bnnk.login("bnnk.bandung").await;
    let action = format!("/ibm/impor?csrf_token={}", bnnk.csrf);
    let rows = 2_100;
    let preview = bnnk
        .upload_with(
            &action,
            &[("dry_run", "1"), ("year", "2025")],
            "besar.csv",
            bandung_units(rows, "IBM-BSR").as_bytes(),
        )
        .await;
    assert_eq!(
        preview.status,
        StatusCode::OK,
        "{}",
        &preview.body[preview.body.find("<main").unwrap_or(0)..]
    );
    let (token, fingerprint) = (
        hidden(&preview.body, "token"),
        hidden(&preview.body, "fingerprint"),
    );
    let started = bnnk
        .submit(
            "/ibm/impor/simpan",
            &[("token", &token), ("fingerprint", &fingerprint)],
        )
        .await;
    assert_eq!(started.status, StatusCode::SEE_OTHER);
    let job = started.location().to_string();
    assert!(job.starts_with("/ibm/impor/proses/"), "{job}");
    let page = bnnk.get(&job).await;
    assert!(page.body.contains("<progress"), "{}", page.body);
    // The page polls its fragment until the save is done, then goes to the outcome.
    let mut polls = 0;
    loop {
        let r = bnnk.get(&format!("{job}?fragment=true")).await;
        if r.headers.contains_key("hx-redirect") {
            break;
        }
        assert!(r.body.contains("<progress"), "{}", r.body);
        polls += 1;
        assert!(polls < 10_000, "the save never finished");
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    let outcome = bnnk.get(&job).await;
    assert!(
        outcome.body.contains("Impor tersimpan") && outcome.body.contains(&rows.to_string()),
        "{}",
        outcome.body
    );
    let n: i64 = sqlx::query_scalar(
        "SELECT CAST(COUNT(*) AS BIGINT) FROM ibm_units WHERE code LIKE 'IBM-BSR-%'",
    )
    .fetch_one(t.db.pool())
    .await
    .unwrap();
    assert_eq!(n, rows as i64);
    t.finish().await;
}

#[tokio::test]
async fn row_errors_come_in_the_readers_language() {
    let t = testing::sqlite().await;
    seeded(&t, AreaLevel::Village).await;
    let mut bnnk = Client::new(&t);
    bnnk.login("bnnk.bandung").await;
    let action = format!("/ibm/impor?csrf_token={}", bnnk.csrf);
    let file = "kode,nama,kode_desa,tahun_dibentuk,kategori_2025\nIBM-LANG,Unit,32.73.01.9999,2025,lanjutan\n";
    let id = bnnk
        .upload_with(&action, &[("dry_run", "1")], "unit.csv", file.as_bytes())
        .await;
    assert_eq!(id.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        id.body.contains("Desa/kelurahan tidak ditemukan"),
        "{}",
        id.body
    );
    let r = bnnk.submit("/bahasa/en", &[("next", "/ibm/impor")]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let en = bnnk
        .upload_with(&action, &[("dry_run", "1")], "unit.csv", file.as_bytes())
        .await;
    assert!(en.body.contains("Village not found"), "{}", en.body);
    assert!(en.body.contains("Use one of: berkelanjutan"), "{}", en.body);
    assert!(
        !en.body.contains("tidak ditemukan"),
        "no Indonesian reason on an English page"
    );
    t.finish().await;
}
