//! SNI coaching through pages and the API.

use crate::harness::*;
use axum::body::Body;
use axum::http::{StatusCode, header};
use pantau_core::org::AreaLevel;
use pantau_db::testing;

#[tokio::test]
async fn a_newcomer_runs_the_sni_flow_and_the_cohort_dashboard_changes() {
    for t in testing::all().await {
        seeded(&t, AreaLevel::Regency).await;
        pantau_db::demo::sni::load(&t.db).await.unwrap();
        let inst = pantau_db::sni::institutions::by_code(&t.db, "LR-001")
            .await
            .unwrap();
        let mut op = Client::new(&t);
        op.login("operator.lembaga").await;
        let home = op.get("/sni").await;
        assert!(
            home.body.contains("Reguler BNNP Jawa Barat 2026"),
            "{}",
            t.label
        );
        assert!(
            !home.body.contains("LR-002"),
            "{}: the operator sees its own institution only",
            t.label
        );
        let op_principal = pantau_db::users::principal(
            &t.db,
            pantau_db::users::by_username(&t.db, "operator.lembaga")
                .await
                .unwrap()
                .id,
        )
        .await
        .unwrap();
        let cohort = pantau_db::sni::cohorts::list(&t.db, &op_principal)
            .await
            .unwrap()
            .into_iter()
            .find(|c| c.kind == "reguler")
            .unwrap();
        let participant = pantau_db::sni::cohorts::participants(&t.db, &op_principal, cohort.id)
            .await
            .unwrap()[0]
            .id;
        let baseline =
            pantau_db::sni::assessments::for_participant(&t.db, &op_principal, participant)
                .await
                .unwrap()[0]
                .id;
        let instrument = pantau_db::sni::instrument::active(&t.db).await.unwrap();

        // Fill the self-assessment: everything partly met; upload evidence; submit.
        let mut fields: Vec<(String, String)> = instrument
            .requirements
            .iter()
            .map(|r| (format!("score_{}", r.id), "sebagian".to_string()))
            .collect();
        fields.push(("note".into(), "isi mandiri".into()));
        let f: Vec<(&str, &str)> = fields
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        assert_eq!(
            op.submit(&format!("/sni/penilaian/{baseline}"), &f)
                .await
                .status,
            StatusCode::SEE_OTHER
        );
        let req = instrument.requirements[0].id;
        let csrf = op.csrf.clone();
        let r = op
            .upload(
                &format!("/sni/penilaian/{baseline}/bukti/{req}?csrf_token={csrf}"),
                "izin.pdf",
                b"%PDF-1.4 bukti",
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}: {}", t.label, r.body);
        let r = op
            .upload(
                &format!("/sni/penilaian/{baseline}/bukti/{req}"),
                "izin.pdf",
                b"%PDF-1.4 bukti",
            )
            .await;
        assert_eq!(
            r.status,
            StatusCode::FORBIDDEN,
            "an upload without the token is refused"
        );
        let r = op
            .upload(
                &format!("/sni/penilaian/{baseline}/bukti/{req}?csrf_token={csrf}"),
                "x.exe",
                b"MZ\x90\x00",
            )
            .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
        let page = op.get(&format!("/sni/penilaian/{baseline}")).await;
        assert!(
            page.body.contains("izin.pdf") && page.body.contains("50.0"),
            "{}",
            t.label
        );
        let evidence_id = pantau_db::sni::evidence::list(&t.db, &op_principal, baseline)
            .await
            .unwrap()[0]
            .id;
        let file = op.get(&format!("/sni/bukti/{evidence_id}")).await;
        assert_eq!(
            (file.status, file.body.as_str()),
            (StatusCode::OK, "%PDF-1.4 bukti")
        );
        assert!(
            file.headers
                .get(header::CONTENT_DISPOSITION)
                .unwrap()
                .to_str()
                .unwrap()
                .starts_with("attachment")
        );
        assert_eq!(
            op.submit(
                &format!("/sni/penilaian/{baseline}/aksi"),
                &[("action", "ajukan")]
            )
            .await
            .status,
            StatusCode::SEE_OTHER
        );
        // The operator cannot record sessions nor open the final assessment.
        assert_eq!(
            op.submit(
                &format!("/sni/peserta/{participant}/penilaian"),
                &[("kind", "akhir"), ("assessed_on", "2026-12-20")]
            )
            .await
            .status,
            StatusCode::FORBIDDEN
        );

        // A Bogor officer may not see the evidence; the Bandung officer may.
        let mut bogor = Client::new(&t);
        bogor.login("bnnk.bogor").await;
        assert_eq!(
            bogor.get(&format!("/sni/bukti/{evidence_id}")).await.status,
            StatusCode::NOT_FOUND,
            "{}",
            t.label
        );
        assert_eq!(
            bogor
                .get(&format!("/sni/penilaian/{baseline}"))
                .await
                .status,
            StatusCode::NOT_FOUND
        );
        let mut bnnk = Client::new(&t);
        bnnk.login("bnnk.bandung").await;
        assert_eq!(
            bnnk.get(&format!("/sni/bukti/{evidence_id}")).await.status,
            StatusCode::OK
        );

        // The officer records a session with actions, then the final assessment.
        let topic = instrument.requirements[2].id.to_string();
        let r = bnnk
            .submit(
                &format!("/sni/peserta/{participant}/sesi"),
                &[
                    ("session_type", "asistensi"),
                    ("mode", "luring"),
                    ("tier", "kabupaten"),
                    ("held_on", "2026-11-01"),
                    ("attendees", "Kepala lembaga"),
                    ("findings", "SOP belum ada"),
                    ("topic", &topic),
                    ("action_description", "Susun SOP"),
                    ("action_owner", "Kepala"),
                    ("action_due", "2026-11-30"),
                ],
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
        let participant_page = bnnk.get(&format!("/sni/peserta/{participant}")).await;
        assert!(participant_page.body.contains("Susun SOP"));
        let r = bnnk
            .submit(
                &format!("/sni/peserta/{participant}/penilaian"),
                &[("kind", "akhir"), ("assessed_on", "2027-01-10")],
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
        let final_id: i64 = r
            .location()
            .trim_start_matches("/sni/penilaian/")
            .split('?')
            .next()
            .unwrap()
            .parse()
            .unwrap();
        let fields: Vec<(String, String)> = instrument
            .requirements
            .iter()
            .map(|r| (format!("score_{}", r.id), "penuh".to_string()))
            .collect();
        let f: Vec<(&str, &str)> = fields
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        assert_eq!(
            bnnk.submit(&format!("/sni/penilaian/{final_id}"), &f)
                .await
                .status,
            StatusCode::SEE_OTHER
        );
        assert_eq!(
            bnnk.submit(
                &format!("/sni/penilaian/{final_id}/aksi"),
                &[("action", "ajukan")]
            )
            .await
            .status,
            StatusCode::SEE_OTHER
        );
        let mut bnnp = Client::new(&t);
        bnnp.login("bnnp.jabar").await;
        assert_eq!(
            bnnp.submit(
                &format!("/sni/penilaian/{final_id}/aksi"),
                &[("action", "verifikasi")]
            )
            .await
            .status,
            StatusCode::SEE_OTHER
        );
        let mut admin = Client::new(&t);
        admin.login("admin.pusat").await;
        let before = admin.get(&format!("/sni/kohort/{}", cohort.id)).await;
        assert!(before.body.contains("Yayasan Rumah Pemulihan Bandung"));
        assert_eq!(
            admin
                .submit(
                    &format!("/sni/penilaian/{final_id}/aksi"),
                    &[("action", "finalkan")]
                )
                .await
                .status,
            StatusCode::SEE_OTHER
        );
        assert_eq!(
            admin
                .submit(
                    &format!("/sni/peserta/{participant}/rekomendasi"),
                    &[
                        ("number", "B/1/REK/2027"),
                        ("issued_on", "2027-01-20"),
                        ("note", "")
                    ]
                )
                .await
                .status,
            StatusCode::SEE_OTHER
        );
        let after = admin.get(&format!("/sni/kohort/{}", cohort.id)).await;
        assert!(
            after.body.contains("+50.0"),
            "{}: the improvement shows on the dashboard",
            t.label
        );
        let d = pantau_db::sni::cohorts::dashboard(&t.db, &op_principal, cohort.id, "2027-01-21")
            .await
            .unwrap();
        assert_eq!(
            (
                d.total.recommended,
                d.rows[0].baseline_pct,
                d.rows[0].latest_pct
            ),
            (1, Some(50.0), Some(100.0)),
            "{}",
            t.label
        );
        // The same progress as a spreadsheet.
        let sheet = admin
            .get(&format!("/sni/kohort/{}?unduh=csv", cohort.id))
            .await;
        let table = pantau_db::exchange::read(sheet.body.as_bytes()).unwrap();
        let row = table
            .rows
            .iter()
            .find(|r| r[0] == "Yayasan Rumah Pemulihan Bandung")
            .unwrap();
        let col = |name: &str| table.headers.iter().position(|h| h == name).unwrap();
        assert_eq!(
            (
                row[col("lembaga")].as_str(),
                row[col("skor_awal")].as_str(),
                row[col("skor_terakhir")].as_str(),
                row[col("peningkatan")].as_str(),
                row[col("direkomendasikan")].as_str()
            ),
            (
                "Yayasan Rumah Pemulihan Bandung",
                "50.0",
                "100.0",
                "50.0",
                "ya"
            ),
            "{}: {table:?}",
            t.label
        );
        let _ = inst;
        t.finish().await;
    }
}

#[tokio::test]
async fn the_sni_api_applies_the_same_scope_and_takes_evidence_uploads() {
    for t in testing::all().await {
        seeded(&t, AreaLevel::Regency).await;
        pantau_db::demo::sni::load(&t.db).await.unwrap();
        let mut op = Client::new(&t);
        op.login("operator.lembaga").await;
        let home = op.get("/").await.body;
        assert!(
            !home.contains("href=\"/ibm\"") && !home.contains("href=\"/dasbor\""),
            "{}: no IBM or dashboard links for an institution operator",
            t.label
        );
        let list = op.get("/api/v1/sni/institutions").await.json();
        assert_eq!(list["total"], 1, "{}", t.label);
        // Paging and the office filter of the institution list.
        let mut admin = Client::new(&t);
        admin.login("admin.pusat").await;
        let page = admin
            .get("/api/v1/sni/institutions?limit=5&offset=5")
            .await
            .json();
        assert_eq!(page["items"].as_array().unwrap().len(), 5);
        assert_eq!(page["total"], 36, "{}: {page}", t.label);
        let bandung = office_id(&t, "BNNK-32.73").await;
        let mine = admin
            .get(&format!("/api/v1/sni/institutions?office_id={bandung}"))
            .await
            .json();
        assert!(
            mine["items"]
                .as_array()
                .unwrap()
                .iter()
                .all(|i| i["office_id"] == bandung),
            "{mine}"
        );
        assert!(mine["total"].as_u64().unwrap() >= 1);
        let mut bogor = Client::new(&t);
        bogor.login("bnnk.bogor").await;
        assert_eq!(
            bogor
                .get(&format!("/api/v1/sni/institutions?office_id={bandung}"))
                .await
                .status,
            StatusCode::NOT_FOUND
        );
        let cohorts = admin.get("/api/v1/sni/cohorts?year=2025").await.json();
        assert!(
            cohorts["items"]
                .as_array()
                .unwrap()
                .iter()
                .all(|c| c["year"] == 2025)
                && !cohorts["items"].as_array().unwrap().is_empty()
        );
        let inst_id = list["items"][0]["id"].as_i64().unwrap();
        let other = pantau_db::sni::institutions::by_code(&t.db, "LR-002")
            .await
            .unwrap()
            .id;
        assert_eq!(
            op.get(&format!("/api/v1/sni/institutions/{other}"))
                .await
                .status,
            StatusCode::NOT_FOUND
        );
        let cohorts = op.get("/api/v1/sni/cohorts").await.json();
        let cohort = cohorts["items"][0]["id"].as_i64().unwrap();
        let dash = op
            .get(&format!("/api/v1/sni/cohorts/{cohort}"))
            .await
            .json();
        let rows = dash["dashboard"]["rows"].as_array().unwrap();
        assert_eq!(rows.len(), 1, "{}", t.label);
        let participant = rows[0]["participant"]["id"].as_i64().unwrap();
        let assessments = op
            .get(&format!(
                "/api/v1/sni/participants/{participant}/assessments"
            ))
            .await
            .json();
        let baseline = assessments["items"][0]["id"].as_i64().unwrap();
        let instrument = op.get("/api/v1/sni/instrument").await.json();
        let req = instrument["instrument"]["requirements"][0]["id"]
            .as_i64()
            .unwrap();
        let r = op
            .api(
                "PUT",
                &format!("/api/v1/sni/assessments/{baseline}"),
                serde_json::json!({"scores": [{"requirement_id": req, "scale_code": "penuh"}]}),
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        let token = op.csrf.clone();
        let boundary = "b";
        let body = format!(
            "--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"sk.pdf\"\r\n\r\n%PDF-1.7 x\r\n--{boundary}--\r\n"
        );
        let req_up =
            axum::http::Request::post(format!("/api/v1/sni/assessments/{baseline}/evidence/{req}"))
                .header(
                    header::CONTENT_TYPE,
                    format!("multipart/form-data; boundary={boundary}"),
                )
                .header("x-csrf-token", token)
                .body(Body::from(body))
                .unwrap();
        let r = op.send(req_up).await;
        assert_eq!(r.status, StatusCode::OK, "{}: {}", t.label, r.body);
        assert_eq!(r.json()["evidence"]["file_name"], "sk.pdf");
        let ev = op
            .get(&format!("/api/v1/sni/assessments/{baseline}/evidence"))
            .await
            .json();
        assert_eq!(ev["items"].as_array().unwrap().len(), 1);
        // Sessions are the officers' to record.
        let session = serde_json::json!({"session_type": "bimtek", "mode": "daring", "tier": "provinsi", "held_on": "2026-11-02"});
        assert_eq!(
            op.api(
                "POST",
                &format!("/api/v1/sni/participants/{participant}/sessions"),
                session.clone()
            )
            .await
            .status,
            StatusCode::FORBIDDEN
        );
        let mut bnnp = Client::new(&t);
        bnnp.login("bnnp.jabar").await;
        assert_eq!(
            bnnp.api(
                "POST",
                &format!("/api/v1/sni/participants/{participant}/sessions"),
                session
            )
            .await
            .status,
            StatusCode::OK
        );
        let exp = bnnp.get("/api/v1/sni/certifications/expiring").await.json();
        assert!(exp["items"].as_array().is_some(), "{}", t.label);
        let mut admin = Client::new(&t);
        admin.login("admin.pusat").await;
        let exp = admin
            .get("/api/v1/sni/certifications/expiring")
            .await
            .json();
        // The demo certificate ending 2027-01-19 is inside the warning window from now on.
        let numbers: Vec<&str> = exp["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|i| i["certification"]["certificate_number"].as_str().unwrap())
            .collect();
        assert!(
            numbers.contains(&"SNI-8807-0012"),
            "{}: {numbers:?}",
            t.label
        );
        let _ = inst_id;
        t.finish().await;
    }
}
