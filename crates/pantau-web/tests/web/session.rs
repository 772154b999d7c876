//! Signing in and out, the throttle, CSRF, and API tokens.

use crate::harness::*;
use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use pantau_core::org::AreaLevel;
use pantau_db::testing;
use pantau_db::{offices, seed};
use pantau_web::WebConfig;
use serde_json::Value;

#[tokio::test]
async fn bad_login_attempts_are_throttled() {
    for t in testing::all().await {
        seeded(&t, AreaLevel::Province).await;
        let mut c = Client::with_config(
            &t,
            WebConfig {
                login: pantau_db::throttle::Rule {
                    max_failures: 3,
                    ..Default::default()
                },
                ..WebConfig::default()
            },
        );
        for _ in 0..3 {
            let r = c.try_login("bnnk.bandung", "salah-sandi-123").await;
            assert_eq!(r.status, StatusCode::UNAUTHORIZED, "{}", t.label);
            assert!(r.body.contains("Nama pengguna atau kata sandi salah"));
        }
        // Now even the right password is refused until the window passes.
        let r = c.try_login("bnnk.bandung", seed::DEMO_PASSWORD).await;
        assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS, "{}", t.label);
        assert!(r.body.contains("Terlalu banyak percobaan"), "{}", r.body);
        assert!(!c.cookies.contains_key("pantau_session"));
        // Another user is unaffected.
        let r = c.try_login("bnnk.bogor", seed::DEMO_PASSWORD).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER);
        t.finish().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn fifty_wrong_passwords_at_once_are_counted_before_any_is_checked() {
    for t in testing::all().await {
        seeded(&t, AreaLevel::Province).await;
        let mut c = Client::new(&t);
        c.get("/login").await;
        let token = c.cookies["pantau_login_csrf"].clone();
        let mut attempts = tokio::task::JoinSet::new();
        for _ in 0..50 {
            let (mut c, token) = (c.clone(), token.clone());
            attempts.spawn(async move {
                c.post_form(
                    "/login",
                    &[
                        ("username", "bnnk.bandung"),
                        ("password", "salah-sandi-123"),
                        ("csrf_token", &token),
                    ],
                )
                .await
                .status
            });
        }
        let mut checked = 0;
        while let Some(status) = attempts.join_next().await {
            match status.unwrap() {
                StatusCode::UNAUTHORIZED => checked += 1,
                StatusCode::TOO_MANY_REQUESTS => {}
                other => panic!("{}: {other}", t.label),
            }
        }
        assert_eq!(checked, 5, "{}: passwords checked", t.label);
        t.finish().await;
    }
}

/// A client behind a trusted proxy, at `address`.
fn behind_proxy(c: &Client, address: &str) -> Client {
    let mut c = c.clone();
    c.cookies.clear();
    c.peer = Some("10.0.0.1:40000".parse().unwrap());
    c.forwarded_for = Some(address.into());
    c
}

#[tokio::test]
async fn a_lockout_holds_one_address_backs_off_and_leaves_the_person_free_elsewhere() {
    for t in testing::all().await {
        seeded(&t, AreaLevel::Province).await;
        let base = Client::with_config(
            &t,
            WebConfig {
                trusted_proxies: vec!["10.0.0.1".parse().unwrap()],
                ..WebConfig::default()
            },
        );
        let mut attacker = behind_proxy(&base, "203.0.113.5");
        for _ in 0..5 {
            let r = attacker.try_login("bnnk.bandung", "salah-sandi-123").await;
            assert_eq!(r.status, StatusCode::UNAUTHORIZED, "{}", t.label);
        }
        let r = attacker
            .try_login("bnnk.bandung", seed::DEMO_PASSWORD)
            .await;
        assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS, "{}", t.label);
        // The person, at another address, still signs in.
        let mut owner = behind_proxy(&base, "198.51.100.7");
        let r = owner.try_login("bnnk.bandung", seed::DEMO_PASSWORD).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", t.label);
        // A client that is not the proxy cannot name its own address: it stays itself.
        let mut spoofer = behind_proxy(&base, "198.51.100.7");
        spoofer.peer = Some("192.0.2.9:5000".parse().unwrap());
        for _ in 0..5 {
            spoofer.try_login("bnnk.bandung", "salah-sandi-123").await;
        }
        let mut owner = behind_proxy(&base, "198.51.100.7");
        let r = owner.try_login("bnnk.bandung", seed::DEMO_PASSWORD).await;
        assert_eq!(
            r.status,
            StatusCode::SEE_OTHER,
            "{}: owner unaffected",
            t.label
        );

        // Once the lock has run out, the next failure locks twice as long.
        let lock = |key: &'static str| {
            let db = t.db.clone();
            async move {
                sqlx::query_scalar::<_, String>(
                    "SELECT locked_until FROM login_attempts WHERE key = $1",
                )
                .bind(key)
                .fetch_one(db.pool())
                .await
                .unwrap()
            }
        };
        let seconds_left = |until: String| {
            (pantau_db::chrono::DateTime::parse_from_rfc3339(&until)
                .unwrap()
                .with_timezone(&pantau_db::chrono::Utc)
                - pantau_db::chrono::Utc::now())
            .num_seconds()
        };
        let key = "ua:bnnk.bandung@203.0.113.5";
        assert!(
            (50..=60).contains(&seconds_left(lock(key).await)),
            "{}",
            t.label
        );
        sqlx::query(
            "UPDATE login_attempts SET locked_until = '2000-01-01T00:00:00Z' WHERE key = $1",
        )
        .bind(key)
        .execute(t.db.pool())
        .await
        .unwrap();
        let r = attacker.try_login("bnnk.bandung", "salah-sandi-123").await;
        assert_eq!(r.status, StatusCode::UNAUTHORIZED, "{}", t.label);
        assert!(
            (110..=120).contains(&seconds_left(lock(key).await)),
            "{}",
            t.label
        );
        t.finish().await;
    }
}

#[tokio::test]
async fn servers_on_one_database_share_the_throttle() {
    for t in testing::all().await {
        seeded(&t, AreaLevel::Province).await;
        let (mut a, mut b) = (Client::new(&t), Client::new(&t));
        for i in 0..5 {
            let server = if i % 2 == 0 { &mut a } else { &mut b };
            let r = server.try_login("bnnk.bandung", "salah-sandi-123").await;
            assert_eq!(r.status, StatusCode::UNAUTHORIZED, "{}", t.label);
        }
        for server in [&mut a, &mut b] {
            let r = server.try_login("bnnk.bandung", seed::DEMO_PASSWORD).await;
            assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS, "{}", t.label);
        }
        t.finish().await;
    }
}

#[tokio::test]
async fn a_form_post_without_the_csrf_token_is_refused() {
    for t in testing::all().await {
        seeded(&t, AreaLevel::Province).await;
        let bandung = office_id(&t, "BNNK-32.73").await;
        let mut c = Client::new(&t);
        // The login form itself needs its token.
        c.get("/login").await;
        let r = c
            .post_form(
                "/login",
                &[
                    ("username", "bnnk.bandung"),
                    ("password", seed::DEMO_PASSWORD),
                ],
            )
            .await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", t.label);
        assert!(!c.cookies.contains_key("pantau_session"));

        c.login("bnnk.bandung").await;
        let fields = [
            ("head_name", "Diubah"),
            ("address", ""),
            ("phone", ""),
            ("email", ""),
        ];
        let r = c
            .post_form(&format!("/satker/{bandung}/profil"), &fields)
            .await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{}: no token", t.label);
        assert!(r.body.contains("Formulir kedaluwarsa"));
        let mut wrong = fields.to_vec();
        wrong.push((
            "csrf_token",
            "0000000000000000000000000000000000000000000000000000000000000000",
        ));
        assert_eq!(
            c.post_form(&format!("/satker/{bandung}/profil"), &wrong)
                .await
                .status,
            StatusCode::FORBIDDEN
        );
        let r = c
            .put_json(
                &format!("/api/v1/satker/{bandung}/profil"),
                serde_json::json!({"address": "", "phone": "", "email": "", "head_name": "API"}),
                None,
            )
            .await;
        assert_eq!(r.status, StatusCode::FORBIDDEN);
        assert_eq!(r.json()["error"], "csrf");
        let r = c.post_form("/logout", &[]).await;
        assert_eq!(
            r.status,
            StatusCode::FORBIDDEN,
            "logout needs the token too"
        );
        assert_eq!(
            offices::get_unchecked(&t.db, bandung)
                .await
                .unwrap()
                .head_name,
            "",
            "{}",
            t.label
        );
        // With the token it goes through.
        assert_eq!(
            c.submit(&format!("/satker/{bandung}/profil"), &fields)
                .await
                .status,
            StatusCode::SEE_OTHER
        );
        assert_eq!(
            offices::get_unchecked(&t.db, bandung)
                .await
                .unwrap()
                .head_name,
            "Diubah"
        );
        t.finish().await;
    }
}

#[tokio::test]
async fn signing_out_and_idle_expiry_end_the_session() {
    for t in testing::all().await {
        seeded(&t, AreaLevel::Province).await;
        let mut c = Client::new(&t);
        assert_eq!(c.get("/").await.location(), "/login?next=%2F");
        assert_eq!(c.get("/api/v1/me").await.status, StatusCode::UNAUTHORIZED);
        c.login("analis.pusat").await;
        assert_eq!(c.get("/").await.status, StatusCode::OK);
        let r = c.submit("/logout", &[]).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER);
        assert_eq!(
            c.get("/api/v1/me").await.status,
            StatusCode::UNAUTHORIZED,
            "{}",
            t.label
        );

        // The stored session is aged behind the server's back, so this server must not reuse
        // a resolved session (it would for up to `session_cache_secs`).
        let mut c = Client::with_config(
            &t,
            WebConfig {
                session_cache_secs: 0,
                ..WebConfig::default()
            },
        );
        c.login("analis.pusat").await;
        let token = c.cookies["pantau_session"].clone();
        pantau_db::sessions::age_for_test(
            &t.db,
            &token,
            pantau_db::sessions::IDLE_LIFETIME_SECS + 1,
        )
        .await
        .unwrap();
        assert_eq!(
            c.get("/api/v1/me").await.status,
            StatusCode::UNAUTHORIZED,
            "{}",
            t.label
        );
        t.finish().await;
    }
}

#[tokio::test]
async fn api_tokens_act_as_their_user_on_the_api_only_until_revoked() {
    for t in testing::all().await {
        seeded(&t, AreaLevel::Village).await;
        let mut bnnk = Client::new(&t);
        bnnk.login("bnnk.bandung").await;
        // A session alone does not mint a token: the password is asked again.
        for password in ["", "salah-sandi-123"] {
            let refused = bnnk
                .submit(
                    "/akun/token",
                    &[("name", "x"), ("days", "30"), ("password", password)],
                )
                .await;
            assert_eq!(
                refused.status,
                StatusCode::UNPROCESSABLE_ENTITY,
                "{}",
                t.label
            );
            assert!(!refused.body.contains("pt_"));
        }
        let too_long = bnnk
            .submit(
                "/akun/token",
                &[
                    ("name", "x"),
                    ("days", "366"),
                    ("password", seed::DEMO_PASSWORD),
                ],
            )
            .await;
        assert_eq!(
            too_long.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{}: 90 days at most",
            t.label
        );
        let made = bnnk
            .submit(
                "/akun/token",
                &[
                    ("name", "SIMRS kota"),
                    ("days", "30"),
                    ("password", seed::DEMO_PASSWORD),
                ],
            )
            .await;
        assert_eq!(made.status, StatusCode::OK, "{}", made.body);
        let title_end = made.body.find("</title>").unwrap();
        assert!(
            !made.body[..title_end].contains("pt_"),
            "the token is shown in the page, not in its title"
        );
        let start = made.body.find("pt_").expect("the new token is shown once");
        assert!(start > title_end);
        let token = made.body[start..start + 67].to_string();
        assert!(
            !bnnk.get("/akun").await.body.contains(&token),
            "{}: shown only once",
            t.label
        );
        let bearer = |method: &str, uri: &str, token: &str, body: Option<Value>| {
            let mut req = Request::builder()
                .method(method)
                .uri(uri)
                .header(header::AUTHORIZATION, format!("Bearer {token}"));
            if body.is_some() {
                req = req.header(header::CONTENT_TYPE, "application/json");
            }
            req.body(Body::from(body.map(|b| b.to_string()).unwrap_or_default()))
                .unwrap()
        };
        // A machine client: no cookies, no CSRF token.
        let mut machine = Client::new(&t);
        let bandung = office_id(&t, "BNNK-32.73").await;
        let bogor = office_id(&t, "BNNK-32.71").await;
        let unit = |code: &str, village: &str, office: i64| {
            serde_json::json!({"code": code, "name": "Unit Token", "village_code": village, "office_id": office,
                "year_formed": 2026, "funding_source": "apbn", "first_year": 2026})
        };
        let r = machine
            .send(bearer(
                "POST",
                "/api/v1/ibm/units",
                &token,
                Some(unit("IBM-TOK-1", "32.73.01.1001", bandung)),
            ))
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}: {}", t.label, r.body);
        let r = machine
            .send(bearer(
                "POST",
                "/api/v1/ibm/units",
                &token,
                Some(unit("IBM-TOK-2", "32.71.01.1001", bogor)),
            ))
            .await;
        assert_eq!(
            r.status,
            StatusCode::NOT_FOUND,
            "{}: the user's scope",
            t.label
        );
        let r = machine
            .send(bearer("GET", "/api/v1/ibm/units", &token, None))
            .await;
        assert!(r.body.contains("IBM-TOK-1"));
        // Not a way into the web pages, and a wrong token is nobody.
        let r = machine.send(bearer("GET", "/ibm", &token, None)).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", t.label);
        let wrong = format!("pt_{}", "0".repeat(64));
        let r = machine
            .send(bearer("GET", "/api/v1/ibm/units", &wrong, None))
            .await;
        assert_eq!(r.status, StatusCode::UNAUTHORIZED);
        // Revoked: refused at once.
        let id = pantau_db::users::by_username(&t.db, "bnnk.bandung")
            .await
            .unwrap()
            .id;
        let list = pantau_db::tokens::list_for(&t.db, pantau_db::Actor::System("test"), id)
            .await
            .unwrap();
        let id = list[0].id.to_string();
        let r = bnnk.submit("/akun/token/cabut", &[("id", &id)]).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER);
        let r = machine
            .send(bearer("GET", "/api/v1/ibm/units", &token, None))
            .await;
        assert_eq!(r.status, StatusCode::UNAUTHORIZED, "{}", t.label);
        t.finish().await;
    }
}

/// Makes an API token on the account page and returns it.
async fn new_token(c: &mut Client, days: &str) -> Resp {
    c.submit(
        "/akun/token",
        &[
            ("name", "uji"),
            ("days", days),
            ("password", seed::DEMO_PASSWORD),
        ],
    )
    .await
}

fn token_in(r: &Resp) -> String {
    let start = r.body.rfind("pt_").expect("a new token on the page");
    r.body[start..start + 67].to_string()
}

async fn api_with(c: &mut Client, token: &str) -> StatusCode {
    let req = Request::get("/api/v1/me")
        .header(header::AUTHORIZATION, format!("Bearer {token}"))
        .body(Body::empty())
        .unwrap();
    let mut anonymous = c.clone();
    anonymous.cookies.clear();
    anonymous.send(req).await.status
}

#[tokio::test]
async fn a_reset_or_a_disabled_account_ends_every_session_and_token_at_once() {
    for t in testing::all().await {
        seeded(&t, AreaLevel::Province).await;
        let target = pantau_db::users::by_username(&t.db, "bnnk.bandung")
            .await
            .unwrap()
            .id;
        let mut admin = Client::new(&t);
        admin.login("admin.pusat").await;
        let mut officer = admin.sibling();
        officer.login("bnnk.bandung").await;
        let token = token_in(&new_token(&mut officer, "30").await);
        assert_eq!(api_with(&mut officer, &token).await, StatusCode::OK);

        // A reset by an admin ends the session and the token.
        let r = admin
            .submit(
                &format!("/pengguna/{target}/sandi"),
                &[("password", "Sandi-Baru-2026")],
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
        assert_eq!(
            officer.get("/api/v1/me").await.status,
            StatusCode::UNAUTHORIZED,
            "{}",
            t.label
        );
        assert_eq!(
            api_with(&mut officer, &token).await,
            StatusCode::UNAUTHORIZED,
            "{}",
            t.label
        );

        // Disabling does the same, and refuses the next sign-in; enabling lets it in again.
        let mut officer = admin.sibling();
        assert_eq!(
            officer
                .try_login("bnnk.bandung", "Sandi-Baru-2026")
                .await
                .status,
            StatusCode::SEE_OTHER
        );
        officer.csrf = officer.get("/api/v1/me").await.json()["csrf_token"]
            .as_str()
            .unwrap()
            .to_string();
        let made = officer
            .submit(
                "/akun/token",
                &[
                    ("name", "uji"),
                    ("days", "30"),
                    ("password", "Sandi-Baru-2026"),
                ],
            )
            .await;
        let token = token_in(&made);
        let mut leader = admin.sibling();
        leader.login("pimpinan.pusat").await;
        let r = leader
            .submit(&format!("/pengguna/{target}/aktif"), &[("active", "0")])
            .await;
        assert_eq!(
            r.status,
            StatusCode::FORBIDDEN,
            "{}: leadership manages no user",
            t.label
        );
        let r = admin
            .submit(&format!("/pengguna/{target}/aktif"), &[("active", "0")])
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
        assert_eq!(
            officer.get("/api/v1/me").await.status,
            StatusCode::UNAUTHORIZED,
            "{}",
            t.label
        );
        assert_eq!(
            api_with(&mut officer, &token).await,
            StatusCode::UNAUTHORIZED
        );
        let mut again = admin.sibling();
        assert_eq!(
            again
                .try_login("bnnk.bandung", "Sandi-Baru-2026")
                .await
                .status,
            StatusCode::UNAUTHORIZED
        );
        let page = admin.get(&format!("/pengguna/{target}")).await;
        assert!(page.body.contains("Nonaktif"), "{}", t.label);
        let r = admin
            .submit(&format!("/pengguna/{target}/aktif"), &[("active", "1")])
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER);
        let mut again = admin.sibling();
        assert_eq!(
            again
                .try_login("bnnk.bandung", "Sandi-Baru-2026")
                .await
                .status,
            StatusCode::SEE_OTHER
        );
        t.finish().await;
    }
}

#[tokio::test]
async fn admins_see_and_revoke_another_users_tokens_and_set_the_longest_lifetime() {
    for t in testing::all().await {
        seeded(&t, AreaLevel::Province).await;
        let target = pantau_db::users::by_username(&t.db, "bnnk.bandung")
            .await
            .unwrap()
            .id;
        let mut officer = Client::new(&t);
        officer.login("bnnk.bandung").await;
        let token = token_in(&new_token(&mut officer, "30").await);
        let mut admin = Client::new(&t);
        admin.login("admin.pusat").await;
        let page = admin.get(&format!("/pengguna/{target}")).await;
        assert!(
            page.body.contains("/token/cabut") && !page.body.contains(&token),
            "{}",
            t.label
        );
        let id = pantau_db::tokens::list_for(&t.db, pantau_db::Actor::System("test"), target)
            .await
            .unwrap()[0]
            .id
            .to_string();
        let mut bogor = Client::new(&t);
        bogor.login("bnnk.bogor").await;
        let r = bogor
            .submit(
                &format!("/pengguna/{target}/token/cabut"),
                &[("token_id", &id)],
            )
            .await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", t.label);
        let r = admin
            .submit(
                &format!("/pengguna/{target}/token/cabut"),
                &[("token_id", &id)],
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
        assert_eq!(
            api_with(&mut officer, &token).await,
            StatusCode::UNAUTHORIZED,
            "{}",
            t.label
        );

        // The longest lifetime is a setting.
        let r = admin
            .submit(
                "/referensi/batas",
                &[("token_max_days", "30"), ("evidence_quota_mb", "100")],
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
        assert_eq!(
            new_token(&mut officer, "31").await.status,
            StatusCode::UNPROCESSABLE_ENTITY
        );
        assert_eq!(
            new_token(&mut officer, "30").await.status,
            StatusCode::OK,
            "{}",
            t.label
        );
        t.finish().await;
    }
}
