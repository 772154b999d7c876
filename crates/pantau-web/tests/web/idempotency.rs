//! Exactly once (issue 17): every write of the API may carry an `Idempotency-Key`; a retry with
//! the same key and body gets the same answer and writes nothing more, the same key with another
//! body is refused, and a key is its user's alone — on both databases.

use crate::harness::*;
use axum::http::StatusCode;
use pantau_core::org::AreaLevel;
use pantau_db::testing;
use serde_json::json;

async fn count(t: &testing::TestDb, sql: &'static str) -> i64 {
    sqlx::query_scalar::<_, i64>(sql)
        .fetch_one(t.db.pool())
        .await
        .unwrap()
}

#[tokio::test]
async fn a_retried_write_with_the_same_key_writes_once_and_answers_the_same() {
    for t in testing::all().await {
        seeded(&t, AreaLevel::Village).await;
        let bandung = office_id(&t, "BNNK-32.73").await;
        let mut bnnk = Client::new(&t);
        bnnk.login("bnnk.bandung").await;
        let unit = json!({"code": "IBM-ONCE-1", "name": "IBM Sekali", "village_code": "32.73.01.1001",
            "office_id": bandung, "year_formed": 2026, "decree_number": "SK-1", "funding_source": "apbn",
            "first_year": 2026});
        let units = "SELECT CAST(COUNT(*) AS BIGINT) FROM ibm_units";
        let key = "5f0c8a52-3c1e-4b7e-9d0a-2f6f3b1c9e11";
        // The unit list is kept whole for the session until a write empties it.
        let listed = bnnk.get("/ibm").await.body;
        assert_eq!(bnnk.get("/ibm").await.body, listed, "{}", t.label);
        assert!(!listed.contains("IBM-ONCE-1"), "{}", t.label);
        let first = write(&mut bnnk, "POST", "/api/v1/ibm/units", &unit, Some(key)).await;
        assert!(
            bnnk.get("/ibm").await.body.contains("IBM-ONCE-1"),
            "{}: the kept list was emptied by the write",
            t.label
        );
        assert_eq!(first.status, StatusCode::OK, "{}: {}", t.label, first.body);
        assert!(first.headers.get("idempotent-replayed").is_none());
        assert_eq!(count(&t, units).await, 1, "{}", t.label);
        // The answer was lost; the client sends the same request again.
        let again = write(&mut bnnk, "POST", "/api/v1/ibm/units", &unit, Some(key)).await;
        assert_eq!(again.status, StatusCode::OK, "{}: {}", t.label, again.body);
        assert_eq!(again.body, first.body, "{}: the same answer", t.label);
        assert_eq!(again.headers["idempotent-replayed"], "true", "{}", t.label);
        assert_eq!(count(&t, units).await, 1, "{}: no second unit", t.label);
        // The same key with another body is refused, and writes nothing.
        let mut other = unit.clone();
        other["code"] = "IBM-ONCE-2".into();
        let refused = write(&mut bnnk, "POST", "/api/v1/ibm/units", &other, Some(key)).await;
        assert_eq!(
            refused.status,
            StatusCode::CONFLICT,
            "{}: {}",
            t.label,
            refused.body
        );
        assert!(
            refused.json()["message"]
                .as_str()
                .unwrap_or_default()
                .contains("Idempotency-Key"),
            "{}: {}",
            t.label,
            refused.body
        );
        assert_eq!(count(&t, units).await, 1, "{}", t.label);
        // A refused write is answered the same on a retry too (its reason has not changed).
        let mut refusals = Vec::new();
        for _ in 0..2 {
            let r = write(
                &mut bnnk,
                "POST",
                "/api/v1/ibm/units",
                &unit,
                Some("key-dup"),
            )
            .await;
            refusals.push((r.status, r.body));
        }
        assert_eq!(
            refusals[0].0,
            StatusCode::CONFLICT,
            "{}: duplicate code",
            t.label
        );
        assert_eq!(refusals[0], refusals[1], "{}", t.label);
        // Without a key every request is its own.
        let id = first.json()["unit"]["id"].as_i64().unwrap();
        let status = |s: &str| json!({"status": s, "effective": "2026-01-05"});
        for s in ["dibentuk", "ap_dilatih", "operasional"] {
            let r = write(
                &mut bnnk,
                "POST",
                &format!("/api/v1/ibm/units/{id}/status"),
                &status(s),
                None,
            )
            .await;
            assert_eq!(r.status, StatusCode::OK, "{}: {}", t.label, r.body);
        }
        // A monthly report sent three times with one key is one report and one audit entry.
        let report = json!({"period": "2026-01", "lines": [
            {"kind": "activity", "item_code": "sosialisasi", "count": 3}]});
        let uri = format!("/api/v1/ibm/units/{id}/reports");
        let audit = "SELECT CAST(COUNT(*) AS BIGINT) FROM audit_log WHERE entity = 'laporan_ibm'";
        let audits_before = count(&t, audit).await;
        let mut answers = Vec::new();
        for _ in 0..3 {
            let r = write(&mut bnnk, "POST", &uri, &report, Some("report-2026-01")).await;
            assert_eq!(r.status, StatusCode::OK, "{}: {}", t.label, r.body);
            answers.push(r.body);
        }
        assert!(answers.windows(2).all(|w| w[0] == w[1]), "{}", t.label);
        assert_eq!(
            count(&t, "SELECT CAST(COUNT(*) AS BIGINT) FROM ibm_reports").await,
            1,
            "{}",
            t.label
        );
        assert_eq!(count(&t, audit).await - audits_before, 1, "{}", t.label);
        // A key is its user's own: another officer's same key is a new request for them.
        let mut admin = Client::new(&t);
        admin.login("admin.pusat").await;
        let theirs = write(&mut admin, "POST", &uri, &report, Some("report-2026-01")).await;
        assert!(
            theirs.headers.get("idempotent-replayed").is_none(),
            "{}: {}",
            t.label,
            theirs.body
        );
        // A key that is not a key is refused before anything runs.
        let bad = write(&mut bnnk, "POST", &uri, &report, Some("no spaces allowed")).await;
        assert_eq!(
            bad.status,
            StatusCode::BAD_REQUEST,
            "{}: {}",
            t.label,
            bad.body
        );
        t.finish().await;
    }
}
