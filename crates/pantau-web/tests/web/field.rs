//! Field work over HTTP (issue 17): the officer records a visit with a photo, the unit's
//! reporter follows up its action from the unit page or through the API (exactly once with an
//! Idempotency-Key, photos in base64), the officer finds it on the visit form; photos are read
//! only within the unit's scope. Both databases.

use crate::harness::*;
use axum::http::StatusCode;
use pantau_core::org::AreaLevel;
use pantau_db::testing;
use serde_json::json;

const JPEG: &[u8] = &[0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x10, 0x4A, 0x46];

async fn count(t: &testing::TestDb, sql: String) -> i64 {
    sqlx::query_scalar::<_, i64>(sqlx::AssertSqlSafe(sql))
        .fetch_one(t.db.pool())
        .await
        .unwrap()
}

#[tokio::test]
async fn a_reporter_follows_up_an_action_with_a_photo_once_and_the_officer_sees_it_at_the_next_visit()
 {
    for t in testing::all().await {
        seeded(&t, AreaLevel::Village).await;
        let sys = pantau_db::Actor::System("test");
        let units = bandung_units(&t, &["IBM-TL-1", "IBM-TL-2"]).await;
        let (mine, other) = (units[0], units[1]);
        for (unit, name) in [(mine, "pelapor.tl1"), (other, "pelapor.tl2")] {
            pantau_db::users::create_unit_reporter(
                &t.db,
                sys,
                unit,
                name.into(),
                "Agen".into(),
                String::new(),
                pantau_db::seed::DEMO_PASSWORD.into(),
            )
            .await
            .unwrap();
        }
        let mut bnnk = Client::new(&t);
        bnnk.login("bnnk.bandung").await;
        // The officer's luring visit from the unit page, with a photo.
        let visited = bnnk
            .upload_as(
                &format!("/ibm/{mine}/kunjungan?csrf_token={}", bnnk.csrf),
                &[
                    ("visit_date", "2026-11-02"),
                    ("mode", "luring"),
                    ("findings", "Posko tanpa papan nama"),
                    ("action_description", "Pasang papan nama posko"),
                    ("action_owner", "Ketua unit"),
                    ("action_due", "2026-11-30"),
                ],
                "photos",
                "kunjungan.jpg",
                JPEG,
            )
            .await;
        assert_eq!(
            visited.status,
            StatusCode::SEE_OTHER,
            "{}: {}",
            t.label,
            visited.body
        );
        let action = count(
            &t,
            format!("SELECT MAX(id) FROM ibm_visit_actions WHERE unit_id = {mine}"),
        )
        .await;
        let visit_photo = count(
            &t,
            format!("SELECT MAX(id) FROM ibm_photos WHERE unit_id = {mine}"),
        )
        .await;

        let mut reporter = Client::new(&t);
        reporter.login("pelapor.tl1").await;
        let page = reporter.get(&format!("/ibm/{mine}")).await.body;
        assert!(
            page.contains(&format!("/ibm/{mine}/tindakan/{action}")),
            "{}: no follow-up form",
            t.label
        );
        assert!(page.contains("Pasang papan nama posko"));
        // The visit's photo, as an image, to the reporter; not to the other unit's reporter.
        let img = reporter
            .get(&format!("/ibm/{mine}/foto/{visit_photo}"))
            .await;
        assert_eq!(img.status, StatusCode::OK, "{}", t.label);
        assert_eq!(img.headers.get("content-type").unwrap(), "image/jpeg");
        let mut neighbour = Client::new(&t);
        neighbour.login("pelapor.tl2").await;
        assert_eq!(
            neighbour
                .get(&format!("/ibm/{mine}/foto/{visit_photo}"))
                .await
                .status,
            StatusCode::FORBIDDEN
        );
        // Every record of another unit, even of the same office, is refused to a reporter (403).
        for path in [
            format!("/api/v1/ibm/units/{mine}"),
            format!("/api/v1/ibm/units/{mine}/visits"),
            format!("/api/v1/ibm/units/{mine}/agents"),
            format!("/api/v1/ibm/units/{mine}/compliance"),
            format!("/api/v1/ibm/units/{mine}/reports/2026-10"),
            format!("/api/v1/ibm/units/{mine}/assessments/2026"),
            format!("/api/v1/ibm/units/{mine}/evaluations/2026"),
            format!("/ibm/{mine}"),
            format!("/ibm/{mine}/laporan"),
        ] {
            let r = neighbour.get(&path).await;
            assert_eq!(r.status, StatusCode::FORBIDDEN, "{}: {path}", t.label);
        }

        // Through the API, from the phone's outbox: sent twice with one key, written once.
        let url = format!("/api/v1/ibm/units/{mine}/actions/{action}/follow-ups");
        let body = json!({"done": false, "note": "Papan sedang dibuat",
            "photos": [{"file_name": "papan.jpg", "content_base64": "/9j/4AAQSkY="}]});
        let key = "0b6f3a8e-1c2d-4e5f-8a9b-0c1d2e3f4a5b";
        let first = write(&mut reporter, "POST", &url, &body, Some(key)).await;
        assert_eq!(first.status, StatusCode::OK, "{}: {}", t.label, first.body);
        let again = write(&mut reporter, "POST", &url, &body, Some(key)).await;
        assert_eq!(again.body, first.body, "{}", t.label);
        assert!(again.headers.get("idempotent-replayed").is_some());
        let follow_ups = format!(
            "SELECT CAST(COUNT(*) AS BIGINT) FROM ibm_action_follow_ups WHERE action_id = {action}"
        );
        assert_eq!(count(&t, follow_ups.clone()).await, 1, "{}", t.label);
        let photos =
            format!("SELECT CAST(COUNT(*) AS BIGINT) FROM ibm_photos WHERE unit_id = {mine}");
        assert_eq!(count(&t, photos.clone()).await, 2, "{}", t.label);
        let changed = json!({"done": true, "note": "lain"});
        let reused = write(&mut reporter, "POST", &url, &changed, Some(key)).await;
        assert_eq!(reused.status, StatusCode::CONFLICT, "{}", t.label);
        // Not a photo, and not base64: refused with the field named.
        for bad in [
            json!([{"content_base64": "JVBERi0xLjc="}]),
            json!([{"content_base64": "%%%"}]),
        ] {
            let r = write(
                &mut reporter,
                "POST",
                &url,
                &json!({"done": true, "photos": bad}),
                None,
            )
            .await;
            assert_eq!(
                r.status,
                StatusCode::UNPROCESSABLE_ENTITY,
                "{}: {}",
                t.label,
                r.body
            );
            assert_eq!(r.json()["field"], "photos", "{}", r.body);
        }
        // The other unit's reporter cannot follow up this unit's action.
        let refused = write(&mut neighbour, "POST", &url, &changed, None).await;
        assert_eq!(refused.status, StatusCode::FORBIDDEN, "{}", t.label);

        // From the unit page: done, with a note and a photo.
        let sent = reporter
            .upload_as(
                &format!("/ibm/{mine}/tindakan/{action}?csrf_token={}", reporter.csrf),
                &[("done", "1"), ("note", "Papan sudah terpasang")],
                "photos",
                "terpasang.jpg",
                JPEG,
            )
            .await;
        assert_eq!(
            sent.status,
            StatusCode::SEE_OTHER,
            "{}: {}",
            t.label,
            sent.body
        );
        assert_eq!(count(&t, follow_ups).await, 2, "{}", t.label);
        assert_eq!(count(&t, photos).await, 3, "{}", t.label);
        let page = reporter.get(&format!("/ibm/{mine}")).await.body;
        assert!(
            page.contains("Papan sudah terpasang") && page.contains("Dilaporkan selesai"),
            "{}",
            t.label
        );

        // The officer's next visit shows it and opens the review on "done".
        let officer_page = bnnk.get(&format!("/ibm/{mine}")).await.body;
        assert!(
            officer_page.contains("Papan sudah terpasang"),
            "{}",
            t.label
        );
        assert!(
            officer_page.contains("<option value=\"selesai\" selected>"),
            "{}: the review does not open on done",
            t.label
        );
        // The API lists the follow-ups beside the visits.
        let listed = bnnk
            .get(&format!("/api/v1/ibm/units/{mine}/visits"))
            .await
            .json();
        assert_eq!(
            listed["follow_ups"].as_array().unwrap().len(),
            2,
            "{}",
            t.label
        );
        assert_eq!(listed["items"][0]["photos"].as_array().unwrap().len(), 1);
        t.finish().await;
    }
}
