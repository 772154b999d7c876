//! Every API error is JSON `{error, message, field?, details?}` in the reader's language: bodies,
//! paths and queries that cannot be read, calls without credentials, unknown methods. Every
//! response carries a request id that the log line of the request carries too.

use crate::harness::*;
use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use pantau_core::org::AreaLevel;
use pantau_db::testing;

#[tokio::test]
async fn api_errors_are_json_in_the_readers_language_and_name_the_field() {
    for t in testing::all().await {
        seeded(&t, AreaLevel::Regency).await;
        let mut admin = Client::new(&t);
        admin.login("admin.pusat").await;

        // A body without a required field: 422 naming it, in Bahasa Indonesia by default…
        let r = admin
            .api(
                "POST",
                "/api/v1/ibm/units",
                serde_json::json!({"code": "X"}),
            )
            .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", t.label);
        let e = r.json();
        assert_eq!(e["error"], "invalid_request");
        let field = e["field"].as_str().expect("the field is named").to_string();
        assert!(["name", "first_year", "village_code", "office_id"].contains(&field.as_str()));
        assert_eq!(e["message"], format!("Kolom {field} wajib diisi."));
        // …and in English for a reader who chose it.
        admin.submit("/bahasa/en", &[("next", "/")]).await;
        let e = admin
            .api(
                "POST",
                "/api/v1/ibm/units",
                serde_json::json!({"code": "X"}),
            )
            .await
            .json();
        assert_eq!(e["message"], format!("The field {field} is required."));

        // A value of the wrong type names its path inside the body.
        let r = admin
            .api(
                "PUT",
                "/api/v1/ibm/years/2026",
                serde_json::json!({"units": [{"code": "A", "category": 5}]}),
            )
            .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(r.json()["field"], "units[0].category");

        // Not JSON at all: 400 with the position; not declared as JSON: 415.
        let req = Request::post("/api/v1/ibm/units")
            .header(header::CONTENT_TYPE, "application/json")
            .header("x-csrf-token", admin.csrf.clone())
            .body(Body::from("{\"code\": "))
            .unwrap();
        let r = admin.send(req).await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST);
        assert_eq!(r.json()["error"], "invalid_request");
        let r = admin.post_raw("/api/v1/ibm/units", "{}".into()).await;
        assert_eq!(r.status, StatusCode::UNSUPPORTED_MEDIA_TYPE);
        assert!(r.json()["message"].as_str().unwrap().contains("JSON"));

        // Path and query parameters that do not parse name themselves.
        let r = admin.get("/api/v1/ibm/units/abc").await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST);
        assert_eq!(r.json()["field"], "id");
        let r = admin.get("/api/v1/ibm/targets?year=1999").await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST);
        assert_eq!(r.json()["field"], "year");

        // A method the route does not take: 405, as JSON.
        let req = Request::delete("/api/v1/ibm/units")
            .header("x-csrf-token", admin.csrf.clone())
            .body(Body::empty())
            .unwrap();
        let r = admin.send(req).await;
        assert_eq!(r.status, StatusCode::METHOD_NOT_ALLOWED);
        assert_eq!(r.json()["error"], "method_not_allowed");

        // No credentials: 401 JSON for reads and writes alike (not a CSRF refusal).
        let mut anon = Client::new(&t);
        let r = anon.get("/api/v1/ibm/units").await;
        assert_eq!(r.status, StatusCode::UNAUTHORIZED);
        assert_eq!(r.json()["error"], "unauthorized");
        let r = anon
            .json(
                "POST",
                "/api/v1/ibm/units",
                serde_json::json!({"code": "X"}),
                None,
            )
            .await;
        assert_eq!(r.status, StatusCode::UNAUTHORIZED, "{}", r.body);
        assert_eq!(r.json()["error"], "unauthorized");
        let req = Request::get("/api/v1/me")
            .header(header::AUTHORIZATION, "Bearer pt_not_a_token")
            .body(Body::empty())
            .unwrap();
        assert_eq!(anon.send(req).await.status, StatusCode::UNAUTHORIZED);

        // Every response names its request, each a different one.
        let a = anon.get("/healthz").await.headers["x-request-id"].clone();
        let b = anon.get("/healthz").await.headers["x-request-id"].clone();
        assert_ne!(a, b);
        t.finish().await;
    }
}
