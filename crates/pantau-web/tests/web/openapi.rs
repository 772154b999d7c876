//! The OpenAPI document against the routes.

use crate::access::registered_routes;
use crate::harness::*;
use axum::http::{StatusCode, header};
use pantau_core::org::AreaLevel;
use pantau_db::testing;

/// The OpenAPI document lists exactly the API routes the code registers, and every operation in
/// it, called by a national admin with real identifiers, answers with a status it documents
/// (reads with 200 and the documented media type).
#[tokio::test]
async fn the_openapi_document_matches_the_routes_and_every_operation_answers_as_documented() {
    let registered: std::collections::BTreeSet<(String, String)> = registered_routes()
        .into_iter()
        .filter(|(_, p)| p.starts_with("/api/v1/"))
        .collect();
    for t in testing::all().await {
        seeded(&t, AreaLevel::Village).await;
        let today = pantau_db::chrono::NaiveDate::from_ymd_opt(2026, 6, 15).unwrap();
        pantau_db::demo::ibm::load(&t.db, today).await.unwrap();
        pantau_db::demo::sni::load(&t.db).await.unwrap();
        let mut anon = Client::new(&t);
        let doc = anon.get("/api/openapi.json").await.json();
        assert_eq!(doc["openapi"], "3.1.0");
        let documented: std::collections::BTreeSet<(String, String)> = doc["paths"]
            .as_object()
            .unwrap()
            .iter()
            .flat_map(|(path, item)| {
                item.as_object()
                    .unwrap()
                    .keys()
                    .map(|m| (m.to_uppercase(), path.clone()))
                    .collect::<Vec<_>>()
            })
            .collect();
        assert_eq!(
            documented.difference(&registered).collect::<Vec<_>>(),
            Vec::<&(String, String)>::new(),
            "documented but not registered"
        );
        assert_eq!(
            registered.difference(&documented).collect::<Vec<_>>(),
            Vec::<&(String, String)>::new(),
            "registered but not documented"
        );
        let docs = anon.get("/api/docs").await;
        assert_eq!(docs.status, StatusCode::OK);
        assert!(
            docs.body
                .contains("/api/v1/ibm/units/{id}/reports/{period}")
        );

        let first = |sql: &'static str| {
            let db = t.db.clone();
            async move {
                sqlx::query_scalar::<_, i64>(sql)
                    .fetch_one(db.pool())
                    .await
                    .unwrap_or_else(|e| panic!("{sql}: {e}"))
            }
        };
        let report: (i64, String) =
            sqlx::query_as("SELECT unit_id, period FROM ibm_reports ORDER BY id LIMIT 1")
                .fetch_one(t.db.pool())
                .await
                .unwrap();
        let assessment_year: (i64, i64) = sqlx::query_as(
            "SELECT unit_id, CAST(year AS BIGINT) FROM ibm_assessments ORDER BY id LIMIT 1",
        )
        .fetch_one(t.db.pool())
        .await
        .unwrap();
        let stage: (String,) =
            sqlx::query_as("SELECT code FROM ibm_stages ORDER BY ordinal LIMIT 1")
                .fetch_one(t.db.pool())
                .await
                .unwrap();
        let criterion: (String,) = sqlx::query_as("SELECT code FROM ibm_stage_criteria LIMIT 1")
            .fetch_one(t.db.pool())
            .await
            .unwrap();
        let ids: Vec<(&str, String)> = vec![
            (
                "/ibm/agents/{id}",
                first("SELECT MIN(id) FROM ibm_agents").await.to_string(),
            ),
            (
                "/users/{id}",
                first("SELECT MIN(id) FROM users").await.to_string(),
            ),
            (
                "/satker/{id}",
                first("SELECT id FROM offices WHERE code = 'BNNP-32'")
                    .await
                    .to_string(),
            ),
            (
                "/sni/institutions/{id}",
                first("SELECT MIN(id) FROM institutions").await.to_string(),
            ),
            (
                "/sni/certifications/{id}",
                first("SELECT MIN(id) FROM sni_certifications")
                    .await
                    .to_string(),
            ),
            (
                "/sni/instrument/{id}",
                first("SELECT MIN(id) FROM sni_instruments")
                    .await
                    .to_string(),
            ),
            (
                "/sni/cohorts/{id}",
                first("SELECT MIN(id) FROM sni_cohorts").await.to_string(),
            ),
            (
                "/sni/participants/{id}",
                first("SELECT MIN(id) FROM sni_participants")
                    .await
                    .to_string(),
            ),
            (
                "/sni/actions/{id}",
                first("SELECT MIN(id) FROM sni_actions").await.to_string(),
            ),
            (
                "/sni/assessments/{id}",
                first("SELECT MIN(id) FROM sni_assessments")
                    .await
                    .to_string(),
            ),
        ];
        let concrete = |path: &str| -> String {
            let mut p = path.trim_start_matches("/api/v1").to_string();
            if p.starts_with("/ibm/units/{id}/assessments/{year}")
                || p.starts_with("/ibm/units/{id}/evaluations/{year}")
            {
                p = p
                    .replacen("{id}", &assessment_year.0.to_string(), 1)
                    .replacen("{year}", &assessment_year.1.to_string(), 1);
            }
            p = p
                .replace("{period}", &report.1)
                .replacen("/ibm/units/{id}", &format!("/ibm/units/{}", report.0), 1)
                .replace("{year}", "2026")
                .replace("/wilayah/{code}", "/wilayah/32.73")
                .replace("/ibm/stages/{code}", &format!("/ibm/stages/{}", stage.0))
                .replace("{criterion}", &criterion.0)
                .replace("/reference/{list}", "/reference/obstacle")
                .replace("{code}", "uji")
                .replace("{requirement}", "1")
                .replace("{action_id}", "1");
            for (prefix, id) in &ids {
                let stem = prefix.trim_end_matches("{id}");
                if p.starts_with(stem) {
                    p = p.replacen("{id}", id, 1);
                }
            }
            assert!(!p.contains('{'), "no value for {p}");
            format!("/api/v1{p}")
        };
        let mut admin = Client::new(&t);
        admin.login("admin.pusat").await;
        let mut wrong = Vec::new();
        for (path, item) in doc["paths"].as_object().unwrap() {
            for (method, op) in item.as_object().unwrap() {
                let mut uri = concrete(path);
                let required: Vec<String> = op["parameters"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .filter(|p| p["in"] == "query" && p["required"] == true)
                    .map(|p| {
                        let name = p["name"].as_str().unwrap();
                        format!("{name}={}", if name == "year" { "2026" } else { "1" })
                    })
                    .collect();
                if !required.is_empty() {
                    uri = format!("{uri}?{}", required.join("&"));
                }
                let r = if method == "get" {
                    admin.get(&uri).await
                } else if path.contains("/evidence/") {
                    admin.post_raw(&uri, String::new()).await
                } else {
                    admin
                        .api(&method.to_uppercase(), &uri, serde_json::json!({}))
                        .await
                };
                let status = r.status.as_u16().to_string();
                let documented = op["responses"].get(&status).is_some();
                let read_ok = method != "get" || r.status == StatusCode::OK;
                let media_ok = r.status != StatusCode::OK || {
                    let media = op["responses"]["200"]["content"]
                        .as_object()
                        .unwrap()
                        .keys()
                        .next()
                        .unwrap()
                        .clone();
                    r.headers
                        .get(header::CONTENT_TYPE)
                        .and_then(|v| v.to_str().ok())
                        .is_some_and(|v| v.starts_with(media.as_str()))
                };
                if !(documented && read_ok && media_ok) {
                    wrong.push(format!(
                        "{method} {uri} gave {status}: {}",
                        r.body.chars().take(200).collect::<String>()
                    ));
                }
            }
        }
        assert!(wrong.is_empty(), "{}: {wrong:#?}", t.label);
        t.finish().await;
    }
}
