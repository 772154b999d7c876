//! Reference data and instrument versions, managed nationally.

use crate::harness::*;
use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use pantau_core::org::AreaLevel;
use pantau_db::testing;

#[tokio::test]
async fn reference_data_is_readable_by_all_and_editable_only_by_national_admins() {
    for t in testing::all().await {
        seeded(&t, AreaLevel::Province).await;
        let mut bnnk = Client::new(&t);
        bnnk.login("bnnk.bandung").await;
        let page = bnnk.get("/referensi").await;
        assert_eq!(page.status, StatusCode::OK);
        assert!(
            page.body.contains("Operasional awal")
                && !page.body.contains("action=\"/referensi/tahap\""),
            "{}: read-only for officers",
            t.label
        );
        let form = [
            ("code", "prima"),
            ("ordinal", "4"),
            ("name_id", "Mandiri"),
            ("name_en", "Self-reliant"),
            ("description", ""),
        ];
        assert_eq!(
            bnnk.submit("/referensi/tahap", &form).await.status,
            StatusCode::FORBIDDEN
        );
        let mut admin = Client::new(&t);
        admin.login("admin.pusat").await;
        assert_eq!(
            admin.submit("/referensi/tahap", &form).await.status,
            StatusCode::SEE_OTHER
        );
        assert_eq!(
            admin
                .submit(
                    "/referensi/daftar",
                    &[
                        ("list", "driver"),
                        ("code", "bumdes"),
                        ("name_id", "Dukungan BUMDes"),
                        ("name_en", "Village enterprise support"),
                        ("ordinal", "7"),
                        ("active", "1")
                    ]
                )
                .await
                .status,
            StatusCode::SEE_OTHER
        );
        assert_eq!(
            admin
                .submit(
                    "/referensi/pelaporan",
                    &[
                        ("period_months", "7"),
                        ("due_days", "10"),
                        ("silent_after", "3")
                    ]
                )
                .await
                .status,
            StatusCode::UNPROCESSABLE_ENTITY
        );
        let page = bnnk.get("/referensi").await;
        assert!(
            page.body.contains("Mandiri") && page.body.contains("Dukungan BUMDes"),
            "{}",
            t.label
        );
        let audit = admin.get("/api/v1/audit?entity=tahap_ibm").await.json();
        assert_eq!(audit["total"], 1, "{}", t.label);
        t.finish().await;
    }
}

#[tokio::test]
async fn national_admins_import_an_instrument_and_create_institution_operators() {
    for t in testing::all().await {
        seeded(&t, AreaLevel::Regency).await;
        pantau_db::demo::sni::load(&t.db).await.unwrap();
        let mut admin = Client::new(&t);
        admin.login("admin.pusat").await;
        let multipart = |fields: &[(&str, &str)], csv: &str| {
            let b = "pantau-b";
            let mut body = String::new();
            for (k, v) in fields {
                body.push_str(&format!(
                    "--{b}\r\nContent-Disposition: form-data; name=\"{k}\"\r\n\r\n{v}\r\n"
                ));
            }
            body.push_str(&format!("--{b}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"i.csv\"\r\nContent-Type: text/csv\r\n\r\n{csv}\r\n--{b}--\r\n"));
            (format!("multipart/form-data; boundary={b}"), body)
        };
        let head = "aspek,nama_aspek,nama_aspek_en,kode,uraian,uraian_en,bobot,wajib,bukti\n";
        let (ct, body) = multipart(
            &[("code", "v2"), ("title", "Versi 2"), ("threshold", "75")],
            &format!("{head}layanan,Layanan,Services,L1,Skrining,Screening,x,ya,\n"),
        );
        let token = admin.csrf.clone();
        let req = Request::post(format!("/referensi/sni/impor?csrf_token={token}"))
            .header(header::CONTENT_TYPE, ct)
            .body(Body::from(body))
            .unwrap();
        let r = admin.send(req).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", t.label);
        assert!(r.body.contains("bobot") && r.body.contains("Tidak ada yang disimpan"));
        let (ct, body) = multipart(
            &[("code", "v2"), ("title", "Versi 2"), ("threshold", "75")],
            &format!("{head}layanan,Layanan,Services,L1,Skrining,Screening,2,ya,Form\n"),
        );
        let req = Request::post(format!("/referensi/sni/impor?csrf_token={token}"))
            .header(header::CONTENT_TYPE, ct)
            .body(Body::from(body))
            .unwrap();
        assert_eq!(
            admin.send(req).await.status,
            StatusCode::SEE_OTHER,
            "{}",
            t.label
        );
        assert_eq!(
            pantau_db::sni::instrument::active(&t.db)
                .await
                .unwrap()
                .code,
            "v2"
        );

        // Institution operators are bound to one institution of the granting office.
        let bandung = office_id(&t, "BNNK-32.73").await.to_string();
        let bogor = office_id(&t, "BNNK-32.71").await.to_string();
        let inst = pantau_db::sni::institutions::by_code(&t.db, "LR-001")
            .await
            .unwrap()
            .id
            .to_string();
        let form = |office: &str, institution: &str| {
            vec![
                ("username", "operator.dua".to_string()),
                ("full_name", "Operator Dua".to_string()),
                ("role", "institution_operator".to_string()),
                ("office_id", office.to_string()),
                ("institution_id", institution.to_string()),
                ("password", "Sandi-Operator-26".to_string()),
            ]
        };
        for (office, institution, expected) in [
            (&bandung, "", StatusCode::UNPROCESSABLE_ENTITY),
            (&bogor, inst.as_str(), StatusCode::UNPROCESSABLE_ENTITY),
            (&bandung, inst.as_str(), StatusCode::SEE_OTHER),
        ] {
            let f = form(office, institution);
            let fields: Vec<(&str, &str)> = f.iter().map(|(k, v)| (*k, v.as_str())).collect();
            assert_eq!(
                admin.submit("/pengguna", &fields).await.status,
                expected,
                "{}: office {office}, institution {institution:?}",
                t.label
            );
        }
        let mut op2 = Client::new(&t);
        let r = op2.try_login("operator.dua", "Sandi-Operator-26").await;
        assert_eq!(r.status, StatusCode::SEE_OTHER);
        assert_eq!(
            op2.get("/api/v1/sni/institutions").await.json()["total"],
            1,
            "{}",
            t.label
        );
        t.finish().await;
    }
}
