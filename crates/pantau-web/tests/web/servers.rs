//! Several servers on one PostgreSQL behave as one: a write through one empties the others'
//! cached dashboards (LISTEN/NOTIFY), and wrong passwords spread over them count together.
//! Each "server" is an application with its own caches, as `pantau serve` builds it.

use crate::harness::*;
use axum::http::StatusCode;
use pantau_core::org::AreaLevel;
use pantau_db::{Backend, seed, testing};
use serde_json::Value;
use std::time::{Duration, Instant};

fn units(v: Value) -> i64 {
    v["dashboard"]["total"]["units"].as_i64().unwrap()
}

#[tokio::test]
async fn a_write_on_one_server_shows_on_another_and_wrong_passwords_count_across_them() {
    for t in testing::all().await {
        if t.db.backend() != Backend::Postgres {
            // One SQLite file belongs to one server process: there is nobody to tell.
            continue;
        }
        seeded(&t, AreaLevel::Village).await;
        let bandung = office_id(&t, "BNNK-32.73").await;
        let (mut a, follow_a) = Client::on_following_server(&t);
        let (mut b, follow_b) = Client::on_following_server(&t);
        // A third server that does not listen: the control, showing the cache is really there.
        let mut deaf = Client::new(&t);
        a.login("bnnk.bandung").await;
        b.login("admin.pusat").await;
        deaf.login("admin.pusat").await;
        let dashboard = "/api/v1/dashboard/ibm?year=2026";
        let before = units(b.get(dashboard).await.json());
        assert_eq!(units(deaf.get(dashboard).await.json()), before);
        // Let the listeners settle on their connections.
        tokio::time::sleep(Duration::from_millis(300)).await;

        let body = serde_json::json!({"code": "IBM-DUA-1", "name": "IBM Dua Server", "village_code": "32.73.01.1001",
            "office_id": bandung, "year_formed": 2026, "decree_number": "SK-2", "funding_source": "apbdes", "first_year": 2026});
        let r = a.api("POST", "/api/v1/ibm/units", body).await;
        assert_eq!(r.status, StatusCode::OK, "{}: {}", t.label, r.body);

        // B hears of it well before its cache would age out (10 s): poll for up to 5 s.
        let start = Instant::now();
        let mut seen = before;
        while seen == before && start.elapsed() < Duration::from_secs(5) {
            tokio::time::sleep(Duration::from_millis(50)).await;
            seen = units(b.get(dashboard).await.json());
        }
        assert_eq!(seen, before + 1, "{}: server B shows A's new unit", t.label);
        // The server that does not listen still serves its cached figure.
        assert_eq!(
            units(deaf.get(dashboard).await.json()),
            before,
            "{}: without the announcement the cache would have held",
            t.label
        );

        // A token revoked on A is refused on B, though B had it cached.
        let made = a
            .submit(
                "/akun/token",
                &[
                    ("name", "dua-server"),
                    ("days", "7"),
                    ("password", seed::DEMO_PASSWORD),
                ],
            )
            .await;
        let at = made.body.rfind("pt_").expect("a new token on the page");
        let token = made.body[at..at + 67].to_string();
        let mut machine = b.sibling();
        assert_eq!(
            with_token(&mut machine, &token).await,
            StatusCode::OK,
            "{}",
            t.label
        );
        assert_eq!(
            with_token(&mut machine, &token).await,
            StatusCode::OK,
            "{}",
            t.label
        );
        let user = pantau_db::users::by_username(&t.db, "bnnk.bandung")
            .await
            .unwrap()
            .id;
        let id = pantau_db::tokens::list_for(&t.db, pantau_db::Actor::System("test"), user)
            .await
            .unwrap()[0]
            .id
            .to_string();
        let r = a.submit("/akun/token/cabut", &[("id", &id)]).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", t.label);
        let start = Instant::now();
        let mut status = StatusCode::OK;
        while status == StatusCode::OK && start.elapsed() < Duration::from_secs(4) {
            status = with_token(&mut machine, &token).await;
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        assert_eq!(
            status,
            StatusCode::UNAUTHORIZED,
            "{}: revoked on A, refused on B",
            t.label
        );

        // Five wrong passwords, three on A and two on B, lock the account on both.
        let mut a2 = a.sibling();
        let mut b2 = b.sibling();
        for i in 0..5 {
            let c = if i % 2 == 0 { &mut a2 } else { &mut b2 };
            let r = c.try_login("bnnk.bogor", "salah-sandi-123").await;
            assert_eq!(
                r.status,
                StatusCode::UNAUTHORIZED,
                "{}: attempt {i}",
                t.label
            );
        }
        for c in [&mut a2, &mut b2] {
            let r = c.try_login("bnnk.bogor", seed::DEMO_PASSWORD).await;
            assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS, "{}", t.label);
        }
        follow_a.abort();
        follow_b.abort();
        t.finish().await;
    }
}

async fn with_token(c: &mut Client, token: &str) -> StatusCode {
    let req = axum::http::Request::get("/api/v1/me")
        .header(axum::http::header::AUTHORIZATION, format!("Bearer {token}"))
        .body(axum::body::Body::empty())
        .unwrap();
    c.send(req).await.status
}
