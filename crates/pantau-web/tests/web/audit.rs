//! Every write through the web leaves its audit entry.

use crate::harness::*;
use axum::http::StatusCode;
use pantau_core::org::AreaLevel;
use pantau_db::audit;
use pantau_db::testing;

#[tokio::test]
async fn every_write_through_the_web_leaves_an_audit_entry() {
    for t in testing::all().await {
        seeded(&t, AreaLevel::Regency).await;
        let bandung = office_id(&t, "BNNK-32.73").await;
        let jabar = office_id(&t, "BNNP-32").await;
        let mut admin = Client::new(&t);
        admin.login("admin.pusat").await;
        let mut expected = audit::count(&t.db).await.unwrap();

        let writes: Vec<(String, Vec<(&str, String)>)> = vec![
            (
                format!("/satker/{bandung}/profil"),
                vec![
                    ("head_name", "Kepala A".into()),
                    ("address", "".into()),
                    ("phone", "".into()),
                    ("email", "".into()),
                ],
            ),
            (
                "/satker".into(),
                vec![
                    ("code", "BNNK-32.04".into()),
                    ("name", "BNN Kabupaten Bandung".into()),
                    ("level", "bnnk".into()),
                    ("parent_id", jabar.to_string()),
                ],
            ),
            (
                format!("/satker/{bandung}/struktur"),
                vec![
                    ("code", "BNNK-32.73".into()),
                    ("name", "BNN Kota Bandung".into()),
                    ("level", "bnnk".into()),
                    ("parent_id", jabar.to_string()),
                    ("active", "1".into()),
                ],
            ),
            (
                format!("/satker/{bandung}/wilayah"),
                vec![("codes", "32.73".into())],
            ),
            (
                "/wilayah/32.73/ganti-nama".into(),
                vec![
                    ("name", "Kota Bandung (baru)".into()),
                    ("effective", "2026-06-01".into()),
                ],
            ),
            (
                "/wilayah/32.79/pemekaran".into(),
                vec![
                    ("parts", "32.79,Kota Banjar\n32.80,Kota Banjar Baru".into()),
                    ("effective", "2026-06-01".into()),
                ],
            ),
            (
                "/pengguna".into(),
                vec![
                    ("username", "petugas.uji".into()),
                    ("full_name", "Petugas Uji".into()),
                    ("role", "bnnk_officer".into()),
                    ("office_id", bandung.to_string()),
                    ("password", "Sandi-Uji-2026".into()),
                ],
            ),
        ];
        for (uri, fields) in &writes {
            let f: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
            let r = admin.submit(uri, &f).await;
            assert_eq!(
                r.status,
                StatusCode::SEE_OTHER,
                "{} {uri}: {}",
                t.label,
                r.body
            );
            expected += 1;
            assert_eq!(
                audit::count(&t.db).await.unwrap(),
                expected,
                "{} {uri} left no audit entry",
                t.label
            );
        }
        let new_user = pantau_db::users::by_username(&t.db, "petugas.uji")
            .await
            .unwrap();
        let r = admin
            .submit(
                &format!("/pengguna/{}/sandi", new_user.id),
                &[("password", "Sandi-Baru-2027")],
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
        expected += 1;
        let csrf = admin.csrf.clone();
        let r = admin
            .put_json(
                &format!("/api/v1/satker/{bandung}/profil"),
                serde_json::json!({"address": "A", "phone": "", "email": "", "head_name": ""}),
                Some(&csrf),
            )
            .await;
        assert_eq!(r.status, StatusCode::OK);
        expected += 1;
        assert_eq!(audit::count(&t.db).await.unwrap(), expected, "{}", t.label);

        // The audit page and API show the entries, with before and after values.
        let page = admin
            .get(&format!("/audit?entity=satker&entity_id={bandung}"))
            .await;
        assert_eq!(page.status, StatusCode::OK);
        assert!(page.body.contains("Kepala A"), "{}", t.label);
        let api = admin
            .get(&format!(
                "/api/v1/audit?entity=satker&entity_id={bandung}&limit=10"
            ))
            .await
            .json();
        let items = api["items"].as_array().unwrap();
        let first_edit = items
            .iter()
            .rev()
            .find(|e| e["action"] == "update")
            .unwrap();
        assert_eq!(first_edit["before"]["head_name"], "");
        assert_eq!(first_edit["after"]["head_name"], "Kepala A");
        assert_eq!(first_edit["username"], "admin.pusat");
        // The page's download holds the same filtered entries, named as on the page.
        let file = admin
            .get(&format!(
                "/audit?entity=satker&entity_id={bandung}&unduh=csv"
            ))
            .await;
        assert_eq!(file.status, StatusCode::OK, "{}", t.label);
        let rows: Vec<&str> = file.body.lines().skip(1).collect();
        assert_eq!(rows.len(), items.len(), "{}: {}", t.label, file.body);
        assert!(
            rows.iter().all(|r| r.contains("Satker"))
                && rows.iter().any(|r| r.contains("admin.pusat,ubah")),
            "{}: {}",
            t.label,
            file.body
        );

        // A refused write leaves none.
        let mut bnnk = Client::new(&t);
        bnnk.login("bnnk.bogor").await;
        let before = audit::count(&t.db).await.unwrap();
        assert_eq!(
            bnnk.submit(
                &format!("/satker/{bandung}/profil"),
                &[
                    ("head_name", "x"),
                    ("address", ""),
                    ("phone", ""),
                    ("email", "")
                ]
            )
            .await
            .status,
            StatusCode::NOT_FOUND
        );
        assert_eq!(
            bnnk.submit(
                "/pengguna",
                &[
                    ("username", "x.y"),
                    ("full_name", "X"),
                    ("role", "bnnk_officer"),
                    ("office_id", &bandung.to_string()),
                    ("password", "Sandi-Uji-2026")
                ]
            )
            .await
            .status,
            StatusCode::FORBIDDEN
        );
        assert_eq!(audit::count(&t.db).await.unwrap(), before, "{}", t.label);
        // The Bogor officer's audit view holds nothing of Bandung's.
        let mine = bnnk.get("/api/v1/audit?limit=500").await.json();
        assert!(
            mine["items"]
                .as_array()
                .unwrap()
                .iter()
                .all(|e| e["entity_id"] != bandung.to_string() || e["entity"] != "satker")
        );
        t.finish().await;
    }
}
