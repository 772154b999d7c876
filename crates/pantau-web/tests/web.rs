//! The web layer end to end, through the real router (sessions, CSRF, access, audit, rendering),
//! on every configured database backend.

use axum::Router;
use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use pantau_core::org::AreaLevel;
use pantau_db::testing::{self, TestDb};
use pantau_db::{Actor, audit, offices, seed};
use pantau_web::{AppState, WebConfig};
use serde_json::Value;
use std::collections::HashMap;
use tower::ServiceExt;

fn no_progress(_: AreaLevel, _: u64, _: u64) {}

async fn seeded(t: &TestDb, depth: AreaLevel) {
    seed::bundled_wilayah(&t.db, depth, &no_progress)
        .await
        .unwrap();
    seed::offices_from_csv(&t.db, Actor::System("test"), seed::bundled::OFFICES)
        .await
        .unwrap();
    seed::demo_users(&t.db).await.unwrap();
}

struct Resp {
    status: StatusCode,
    headers: axum::http::HeaderMap,
    body: String,
}

impl Resp {
    fn json(&self) -> Value {
        serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.body))
    }
    fn location(&self) -> &str {
        self.headers
            .get(header::LOCATION)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
    }
}

/// A browser-like client: keeps cookies, knows its CSRF token once signed in.
struct Client {
    app: Router,
    cookies: HashMap<String, String>,
    csrf: String,
}

impl Client {
    fn new(t: &TestDb) -> Self {
        Self::with_config(t, WebConfig::default())
    }

    fn with_config(t: &TestDb, mut config: WebConfig) -> Self {
        // A server error in a test prints its cause beside the failing assertion.
        let _ = tracing_subscriber::fmt()
            .with_test_writer()
            .with_max_level(tracing::Level::WARN)
            .try_init();
        // Evidence files of tests go to a temporary folder, never into the source tree.
        config.data_dir = std::env::temp_dir().join(format!("pantau_web_test_{}", t.label));
        Client {
            app: pantau_web::router(AppState::new(t.db.clone(), config)),
            cookies: HashMap::new(),
            csrf: String::new(),
        }
    }

    async fn upload(&mut self, uri: &str, file_name: &str, bytes: &[u8]) -> Resp {
        self.upload_with(uri, &[], file_name, bytes).await
    }

    async fn upload_with(
        &mut self,
        uri: &str,
        fields: &[(&str, &str)],
        file_name: &str,
        bytes: &[u8],
    ) -> Resp {
        let boundary = "pantau-test-boundary";
        let mut body = String::new();
        for (k, v) in fields {
            body.push_str(&format!(
                "--{boundary}\r\nContent-Disposition: form-data; name=\"{k}\"\r\n\r\n{v}\r\n"
            ));
        }
        let mut body = body.into_bytes();
        body.extend(format!(
            "--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{file_name}\"\r\n\
             Content-Type: application/octet-stream\r\n\r\n"
        )
        .into_bytes());
        body.extend_from_slice(bytes);
        body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
        let req = Request::post(uri)
            .header(
                header::CONTENT_TYPE,
                format!("multipart/form-data; boundary={boundary}"),
            )
            .body(Body::from(body))
            .unwrap();
        self.send(req).await
    }

    async fn send(&mut self, mut req: Request<Body>) -> Resp {
        let jar: Vec<String> = self
            .cookies
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect();
        if !jar.is_empty() {
            req.headers_mut()
                .insert(header::COOKIE, jar.join("; ").parse().unwrap());
        }
        let res = self.app.clone().oneshot(req).await.unwrap();
        for c in res.headers().get_all(header::SET_COOKIE) {
            let c = c.to_str().unwrap();
            let (kv, _) = c.split_once(';').unwrap_or((c, ""));
            let (k, v) = kv.split_once('=').unwrap();
            if v.is_empty() {
                self.cookies.remove(k);
            } else {
                self.cookies.insert(k.into(), v.into());
            }
        }
        let status = res.status();
        let headers = res.headers().clone();
        let bytes = axum::body::to_bytes(res.into_body(), 16 * 1024 * 1024)
            .await
            .unwrap();
        Resp {
            status,
            headers,
            body: String::from_utf8_lossy(&bytes).into_owned(),
        }
    }

    async fn get(&mut self, uri: &str) -> Resp {
        self.send(Request::get(uri).body(Body::empty()).unwrap())
            .await
    }

    async fn post_form(&mut self, uri: &str, fields: &[(&str, &str)]) -> Resp {
        let body: Vec<String> = fields
            .iter()
            .map(|(k, v)| format!("{k}={}", enc(v)))
            .collect();
        let req = Request::post(uri)
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(Body::from(body.join("&")))
            .unwrap();
        self.send(req).await
    }

    /// Posts a form with this session's CSRF token added.
    async fn submit(&mut self, uri: &str, fields: &[(&str, &str)]) -> Resp {
        let token = self.csrf.clone();
        let mut all = fields.to_vec();
        all.push(("csrf_token", &token));
        self.post_form(uri, &all).await
    }

    async fn put_json(&mut self, uri: &str, body: Value, csrf: Option<&str>) -> Resp {
        self.json("PUT", uri, body, csrf).await
    }

    /// A POST of a raw body (an XML or JSON payload as another system sends it).
    async fn post_raw(&mut self, uri: &str, body: String) -> Resp {
        let req = Request::builder()
            .method("POST")
            .uri(uri)
            .header("x-csrf-token", self.csrf.clone())
            .body(Body::from(body))
            .unwrap();
        self.send(req).await
    }

    /// A JSON request carrying this session's CSRF token.
    async fn api(&mut self, method: &str, uri: &str, body: Value) -> Resp {
        let token = self.csrf.clone();
        self.json(method, uri, body, Some(&token)).await
    }

    async fn json(&mut self, method: &str, uri: &str, body: Value, csrf: Option<&str>) -> Resp {
        let mut req = Request::builder()
            .method(method)
            .uri(uri)
            .header(header::CONTENT_TYPE, "application/json");
        if let Some(t) = csrf {
            req = req.header("x-csrf-token", t);
        }
        self.send(req.body(Body::from(body.to_string())).unwrap())
            .await
    }

    async fn try_login(&mut self, username: &str, password: &str) -> Resp {
        self.get("/login").await;
        let token = self
            .cookies
            .get("pantau_login_csrf")
            .cloned()
            .expect("login page sets its CSRF cookie");
        self.post_form(
            "/login",
            &[
                ("username", username),
                ("password", password),
                ("csrf_token", &token),
            ],
        )
        .await
    }

    async fn login(&mut self, username: &str) {
        let r = self.try_login(username, seed::DEMO_PASSWORD).await;
        assert_eq!(
            r.status,
            StatusCode::SEE_OTHER,
            "login {username}: {}",
            r.body
        );
        let me = self.get("/api/v1/me").await;
        self.csrf = me.json()["csrf_token"].as_str().unwrap().to_string();
    }
}

fn enc(s: &str) -> String {
    s.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

async fn office_id(t: &TestDb, code: &str) -> i64 {
    offices::by_code(&t.db, code).await.unwrap().id
}

#[tokio::test]
async fn a_bnnk_officer_cannot_read_or_change_another_district_but_its_bnnp_can() {
    for t in testing::all().await {
        seeded(&t, AreaLevel::Regency).await;
        let bandung = office_id(&t, "BNNK-32.73").await;
        let bogor = office_id(&t, "BNNK-32.71").await;
        let surabaya = office_id(&t, "BNNK-35.78").await;
        let profile = [
            ("head_name", "Kepala"),
            ("address", "Jl. Uji 1"),
            ("phone", ""),
            ("email", ""),
        ];

        let mut bnnk = Client::new(&t);
        bnnk.login("bnnk.bandung").await;
        assert_eq!(
            bnnk.get(&format!("/satker/{bandung}")).await.status,
            StatusCode::OK,
            "{}",
            t.label
        );
        assert_eq!(
            bnnk.get(&format!("/satker/{bogor}")).await.status,
            StatusCode::FORBIDDEN,
            "{}",
            t.label
        );
        assert_eq!(
            bnnk.get(&format!("/api/v1/satker/{bogor}")).await.status,
            StatusCode::FORBIDDEN
        );
        assert_eq!(
            bnnk.submit(&format!("/satker/{bogor}/profil"), &profile)
                .await
                .status,
            StatusCode::FORBIDDEN
        );
        let csrf = bnnk.csrf.clone();
        let r = bnnk
            .put_json(
                &format!("/api/v1/satker/{bogor}/profil"),
                serde_json::json!({"address": "x", "phone": "", "email": "", "head_name": ""}),
                Some(&csrf),
            )
            .await;
        assert_eq!(r.status, StatusCode::FORBIDDEN);
        assert_eq!(r.json()["error"], "forbidden");
        assert_eq!(
            offices::get_unchecked(&t.db, bogor).await.unwrap().address,
            "",
            "{}: nothing changed",
            t.label
        );
        // Its own district is writable.
        let r = bnnk
            .submit(&format!("/satker/{bandung}/profil"), &profile)
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);

        let mut bnnp = Client::new(&t);
        bnnp.login("bnnp.jabar").await;
        assert_eq!(
            bnnp.get(&format!("/satker/{bogor}")).await.status,
            StatusCode::OK
        );
        assert_eq!(
            bnnp.get(&format!("/api/v1/satker/{bogor}")).await.status,
            StatusCode::OK
        );
        assert_eq!(
            bnnp.submit(&format!("/satker/{bogor}/profil"), &profile)
                .await
                .status,
            StatusCode::SEE_OTHER
        );
        let csrf = bnnp.csrf.clone();
        let r = bnnp.put_json(&format!("/api/v1/satker/{bogor}/profil"), serde_json::json!({"address": "Jl. API", "phone": "", "email": "", "head_name": ""}), Some(&csrf)).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        assert_eq!(
            offices::get_unchecked(&t.db, bogor).await.unwrap().address,
            "Jl. API"
        );
        // …but not another province's districts.
        assert_eq!(
            bnnp.get(&format!("/satker/{surabaya}")).await.status,
            StatusCode::FORBIDDEN
        );
        assert_eq!(
            bnnp.submit(&format!("/satker/{surabaya}/profil"), &profile)
                .await
                .status,
            StatusCode::FORBIDDEN
        );
        t.finish().await;
    }
}

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
            StatusCode::FORBIDDEN
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

#[tokio::test]
async fn bad_login_attempts_are_throttled() {
    for t in testing::all().await {
        seeded(&t, AreaLevel::Province).await;
        let mut c = Client::with_config(
            &t,
            WebConfig {
                login_max_failures: 3,
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
async fn the_hierarchy_is_browsable_from_nation_to_village_in_both_languages() {
    for t in testing::all().await {
        seeded(&t, AreaLevel::Village).await;
        let mut c = Client::new(&t);
        c.login("bnnk.bandung").await;
        let home = c.get("/").await;
        assert!(
            home.body.contains("Beranda") && home.body.contains("83762"),
            "{}",
            t.label
        );
        let nation = c.get("/wilayah").await;
        assert!(nation.body.contains("Jawa Barat") && nation.body.contains("href=\"/wilayah/32\""));
        let prov = c.get("/wilayah/32").await;
        assert!(prov.body.contains("Kota Bandung") && prov.body.contains("BNNP Jawa Barat"));
        let kab = c.get("/wilayah/32.73").await;
        assert!(
            kab.body.contains("BNN Kota Bandung"),
            "covering office shown"
        );
        let kec = c.get("/wilayah/32.73.01").await;
        assert_eq!(kec.status, StatusCode::OK);
        let villages = c.get("/api/v1/wilayah?parent=32.73.01").await.json();
        let first = villages["items"][0]["name"].as_str().unwrap().to_string();
        assert!(kec.body.contains(&first), "{}: villages listed", t.label);
        let search = c.get("/wilayah?q=papua").await;
        assert!(search.body.contains("Papua Barat Daya") && !search.body.contains("Jawa Barat"));
        assert_eq!(c.get("/wilayah/99.99").await.status, StatusCode::NOT_FOUND);
        assert_eq!(
            c.get("/wilayah/bukan-kode").await.status,
            StatusCode::BAD_REQUEST
        );
        let tree = c.get("/satker").await;
        assert!(tree.body.contains("BNNP Papua") && tree.body.contains("BNN Kota Bandung"));

        let r = c.get("/bahasa/en?next=/wilayah/32").await;
        assert_eq!(r.location(), "/wilayah/32");
        let en = c.get("/wilayah/32").await;
        assert!(
            en.body.contains("Areas below") && en.body.contains("lang=\"en\""),
            "{}",
            t.label
        );
        assert_eq!(
            c.get("/bahasa/en?next=//evil.example").await.location(),
            "/"
        );
        t.finish().await;
    }
}

#[tokio::test]
async fn pages_escape_markup_and_carry_security_headers() {
    for t in testing::all().await {
        seeded(&t, AreaLevel::Province).await;
        let bandung = office_id(&t, "BNNK-32.73").await;
        let mut c = Client::new(&t);
        c.login("bnnk.bandung").await;
        let evil = "<script>alert(1)</script>";
        c.submit(
            &format!("/satker/{bandung}/profil"),
            &[
                ("head_name", evil),
                ("address", ""),
                ("phone", ""),
                ("email", ""),
            ],
        )
        .await;
        let page = c.get(&format!("/satker/{bandung}")).await;
        assert!(
            !page.body.contains(evil),
            "{}: markup must be escaped",
            t.label
        );
        assert!(
            page.body.contains("&#60;script&#62;") || page.body.contains("&lt;script&gt;"),
            "{}",
            t.label
        );
        let csp = page
            .headers
            .get(header::CONTENT_SECURITY_POLICY)
            .unwrap()
            .to_str()
            .unwrap();
        assert!(csp.contains("script-src 'self'") && !csp.contains("unsafe-inline"));
        assert_eq!(page.headers.get(header::X_FRAME_OPTIONS).unwrap(), "DENY");
        assert_eq!(
            page.headers.get(header::X_CONTENT_TYPE_OPTIONS).unwrap(),
            "nosniff"
        );
        let health = c.get("/healthz").await;
        assert_eq!(
            (health.status, health.body.as_str()),
            (StatusCode::OK, "ok")
        );
        assert_eq!(
            c.get("/static/vendor/htmx-2.0.11.min.js").await.status,
            StatusCode::OK
        );
        assert_eq!(
            c.get("/static/../Cargo.toml").await.status,
            StatusCode::NOT_FOUND
        );
        t.finish().await;
    }
}

#[tokio::test]
async fn a_newcomer_runs_the_ibm_flow_in_the_browser_and_the_target_tables_change() {
    for t in testing::all().await {
        seeded(&t, AreaLevel::Village).await;
        let bandung = office_id(&t, "BNNK-32.73").await;
        let jabar = office_id(&t, "BNNP-32").await;
        let year = pantau_db::chrono::Datelike::year(&pantau_db::chrono::Utc::now()).to_string();
        let mut bnnk = Client::new(&t);
        bnnk.login("bnnk.bandung").await;
        assert_eq!(bnnk.get("/ibm/baru").await.status, StatusCode::OK);
        let options = bnnk.get("/ibm/opsi-wilayah?parent=32.73.01").await;
        assert!(options.body.contains("32.73.01.1002"), "{}", t.label);

        let r = bnnk
            .submit(
                "/ibm",
                &[
                    ("code", "IBM-UJI-1"),
                    ("name", "IBM <Uji>"),
                    ("village_code", "32.73.01.1002"),
                    ("office_id", &bandung.to_string()),
                    ("year_formed", &year),
                    ("decree_number", "01/SK/2026"),
                    ("funding_source", "apbn"),
                ],
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}: {}", t.label, r.body);
        let unit_url = r.location().split('?').next().unwrap().to_string();
        let unit = pantau_db::ibm::units::by_code(&t.db, "IBM-UJI-1")
            .await
            .unwrap();
        assert_eq!(unit.village_name, "Gegerkalong");

        for (status, reason) in [("dibentuk", ""), ("ap_dilatih", ""), ("operasional", "")] {
            let r = bnnk
                .submit(
                    &format!("{unit_url}/status"),
                    &[
                        ("status", status),
                        ("reason", reason),
                        ("effective", "2026-01-02"),
                    ],
                )
                .await;
            assert_eq!(r.status, StatusCode::SEE_OTHER, "{status}: {}", r.body);
        }
        let stages = pantau_db::ibm::stages::list(&t.db).await.unwrap();
        let target = stages
            .iter()
            .find(|s| s.ordinal == 2)
            .unwrap()
            .id
            .to_string();
        assert_eq!(
            bnnk.submit(
                &format!("{unit_url}/tahun"),
                &[
                    ("year", &year),
                    ("category", "baru"),
                    ("target_stage_id", &target)
                ]
            )
            .await
            .status,
            StatusCode::SEE_OTHER
        );
        assert_eq!(
            bnnk.submit(
                &format!("{unit_url}/agen"),
                &[
                    ("full_name", "Siti Aminah"),
                    ("sex", "p"),
                    ("role", "ketua"),
                    ("phone", ""),
                    ("joined_year", &year)
                ]
            )
            .await
            .status,
            StatusCode::SEE_OTHER
        );
        let r = bnnk
            .submit(
                &format!("{unit_url}/laporan"),
                &[
                    ("period", "2026-01"),
                    ("n_a:sosialisasi", "2"),
                    ("n_s:skrining:l:18_25", "4"),
                    ("n_r:rujukan:p:26_40:sedang", "1"),
                    ("note", ""),
                ],
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
        let bad = bnnk
            .submit(
                &format!("{unit_url}/laporan"),
                &[("period", "2026-02"), ("n_s:skrining:x:18_25", "4")],
            )
            .await;
        assert_eq!(
            bad.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "bad sex code is refused"
        );
        let r = bnnk
            .submit(
                &format!("{unit_url}/kunjungan"),
                &[
                    ("visit_date", "2026-02-03"),
                    ("mode", "luring"),
                    ("findings", "Posko belum ada"),
                    ("recommendations", ""),
                    ("action_description", "Siapkan posko"),
                    ("action_owner", "Ketua AP"),
                    ("action_due", "2026-03-31"),
                ],
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
        let action = pantau_db::ibm::visits::open_actions(
            &t.db,
            &pantau_db::users::principal(
                &t.db,
                pantau_db::users::by_username(&t.db, "bnnk.bandung")
                    .await
                    .unwrap()
                    .id,
            )
            .await
            .unwrap(),
            unit.id,
        )
        .await
        .unwrap()[0]
            .id;
        let r = bnnk
            .submit(
                &format!("{unit_url}/kunjungan"),
                &[
                    ("visit_date", "2026-04-01"),
                    ("mode", "daring"),
                    (&format!("review_{action}"), "selesai"),
                    ("findings", ""),
                ],
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
        let page = bnnk.get(&unit_url).await;
        assert!(
            page.body.contains("Siti Aminah") && page.body.contains("Siapkan posko"),
            "{}",
            t.label
        );
        assert!(!page.body.contains("IBM <Uji>"), "names are escaped");

        // Assess: stages 1 and 2 met, with evidence; submit; BNNP verifies; national admin finalizes.
        let mut fields: Vec<(String, String)> = Vec::new();
        for s in stages.iter().filter(|s| s.ordinal <= 2) {
            for c in &s.criteria {
                fields.push((format!("met_{}", c.id), "1".into()));
                fields.push((format!("evidence_{}", c.id), "foto kegiatan".into()));
            }
        }
        let f: Vec<(&str, &str)> = fields
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        let assess = format!("{unit_url}/penilaian/{year}");
        assert_eq!(bnnk.submit(&assess, &f).await.status, StatusCode::SEE_OTHER);
        assert_eq!(
            bnnk.submit(&format!("{assess}/aksi"), &[("action", "ajukan")])
                .await
                .status,
            StatusCode::SEE_OTHER
        );
        assert_eq!(
            bnnk.submit(&format!("{assess}/aksi"), &[("action", "verifikasi")])
                .await
                .status,
            StatusCode::FORBIDDEN
        );
        let mut bnnp = Client::new(&t);
        bnnp.login("bnnp.jabar").await;
        assert_eq!(
            bnnp.submit(&format!("{assess}/aksi"), &[("action", "verifikasi")])
                .await
                .status,
            StatusCode::SEE_OTHER
        );
        let mut admin = Client::new(&t);
        admin.login("admin.pusat").await;
        let before = admin
            .get(&format!("/ibm/target?year={year}&office={jabar}"))
            .await;
        assert!(before.body.contains("BNN Kota Bandung"));
        assert_eq!(
            admin
                .submit(&format!("{assess}/aksi"), &[("action", "finalkan")])
                .await
                .status,
            StatusCode::SEE_OTHER
        );
        let district = admin
            .get(&format!("/ibm/target?year={year}&office={bandung}"))
            .await;
        assert!(
            district.body.contains("100.0%"),
            "{}: the district table shows the unit on target",
            t.label
        );
        let nation = admin.get(&format!("/ibm/target?year={year}")).await;
        assert!(
            nation.body.contains("BNNP Jawa Barat") && nation.body.contains("100.0%"),
            "{}",
            t.label
        );

        // Outside the scope: Bogor's officer cannot open the unit or post to it.
        let mut bogor = Client::new(&t);
        bogor.login("bnnk.bogor").await;
        assert_eq!(bogor.get(&unit_url).await.status, StatusCode::FORBIDDEN);
        assert_eq!(
            bogor
                .submit(
                    &format!("{unit_url}/agen"),
                    &[
                        ("full_name", "X"),
                        ("sex", "l"),
                        ("role", "anggota"),
                        ("joined_year", &year)
                    ]
                )
                .await
                .status,
            StatusCode::FORBIDDEN
        );
        assert!(!bogor.get("/ibm").await.body.contains("IBM-UJI-1"));
        assert_eq!(
            bogor
                .get(&format!("/dasbor?year={year}&office={bandung}"))
                .await
                .status,
            StatusCode::FORBIDDEN
        );
        assert!(
            !bogor
                .get(&format!("/dasbor?year={year}"))
                .await
                .body
                .contains("IBM-UJI-1")
        );
        t.finish().await;
    }
}

#[tokio::test]
async fn the_ibm_api_applies_the_same_rules_and_national_admins_edit_the_reference_data() {
    for t in testing::all().await {
        seeded(&t, AreaLevel::Village).await;
        let bandung = office_id(&t, "BNNK-32.73").await;
        let mut bnnk = Client::new(&t);
        bnnk.login("bnnk.bandung").await;
        let body = serde_json::json!({"code": "IBM-API-1", "name": "IBM API", "village_code": "32.73.01.1001", "office_id": bandung,
            "year_formed": 2026, "decree_number": "SK-1", "funding_source": "apbdes", "first_year": 2026});
        // The national dashboard page is cached, but a write empties the cache at once.
        let mut admin = Client::new(&t);
        admin.login("admin.pusat").await;
        let units_on_dashboard = |html: &str| -> i64 {
            let kpis = &html[html.find("class=\"kpis\"").expect("KPI cards")..];
            let start = kpis.find("<strong>").unwrap() + "<strong>".len();
            kpis[start..start + kpis[start..].find('<').unwrap()]
                .trim()
                .parse()
                .unwrap()
        };
        admin.app = bnnk.app.clone();
        let before = units_on_dashboard(&admin.get("/dasbor?year=2026").await.body);
        assert_eq!(
            before,
            units_on_dashboard(&admin.get("/dasbor?year=2026").await.body)
        );
        // The pack's total row: the first number after the total label in its footer.
        let units_in_pack = |html: &str| -> i64 {
            let foot = &html[html.find("<tfoot>").expect("pack total")..];
            let start = foot.find("<td>").unwrap() + "<td>".len();
            foot[start..start + foot[start..].find('<').unwrap()]
                .trim()
                .parse()
                .unwrap()
        };
        let pack_before = units_in_pack(&admin.get("/paket?year=2026").await.body);
        assert_eq!(pack_before, before, "{}", t.label);
        let api_units = |v: Value| v["dashboard"]["total"]["units"].as_i64().unwrap();
        let api_before = api_units(admin.get("/api/v1/dashboard/ibm?year=2026").await.json());
        assert_eq!(
            api_before, before,
            "{}: the API and the page agree",
            t.label
        );
        let r = bnnk.api("POST", "/api/v1/ibm/units", body.clone()).await;
        assert_eq!(r.status, StatusCode::OK, "{}: {}", t.label, r.body);
        assert_eq!(
            units_on_dashboard(&admin.get("/dasbor?year=2026").await.body),
            before + 1,
            "{}: the new unit shows on the next page load",
            t.label
        );
        assert_eq!(
            api_units(admin.get("/api/v1/dashboard/ibm?year=2026").await.json()),
            before + 1,
            "{}: and on the next API read",
            t.label
        );
        assert_eq!(
            units_in_pack(&admin.get("/paket?year=2026").await.body),
            before + 1,
            "{}: and in the pack",
            t.label
        );
        let id = r.json()["unit"]["id"].as_i64().unwrap();
        assert_eq!(
            bnnk.api("POST", "/api/v1/ibm/units", body).await.status,
            StatusCode::CONFLICT,
            "duplicate code"
        );
        let unit = bnnk.get(&format!("/api/v1/ibm/units/{id}")).await.json();
        assert_eq!(
            unit["years"][0]["category"], "baru_mandiri",
            "{}: local funding makes a new unit Mandiri",
            t.label
        );
        for status in ["dibentuk", "ap_dilatih", "operasional"] {
            let r = bnnk
                .api(
                    "POST",
                    &format!("/api/v1/ibm/units/{id}/status"),
                    serde_json::json!({"status": status, "effective": "2026-01-05"}),
                )
                .await;
            assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        }
        let r = bnnk
            .api(
                "POST",
                &format!("/api/v1/ibm/units/{id}/status"),
                serde_json::json!({"status": "tidak_aktif", "effective": "2026-02-01"}),
            )
            .await;
        assert_eq!(
            r.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "a reason is required"
        );
        let r = bnnk.api("POST", &format!("/api/v1/ibm/units/{id}/reports"), serde_json::json!({"period": "2026-01", "lines": [
            {"kind": "activity", "item_code": "pemetaan", "count": 1},
            {"kind": "service", "item_code": "konseling", "sex": "p", "age_band": "gt40", "count": 2}]})).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        assert_eq!(r.json()["report"]["lines"].as_array().unwrap().len(), 2);
        let c = bnnk
            .get(&format!("/api/v1/ibm/units/{id}/compliance"))
            .await
            .json();
        assert!(c["compliance"]["periods"].as_array().unwrap().len() >= 1);
        let targets = bnnk.get("/api/v1/ibm/targets?year=2026").await.json();
        assert_eq!(targets["total"]["baru_mandiri"], 1, "{}", t.label);

        // Out of scope through the API too.
        let mut bogor = Client::new(&t);
        bogor.login("bnnk.bogor").await;
        assert_eq!(
            bogor.get(&format!("/api/v1/ibm/units/{id}")).await.status,
            StatusCode::FORBIDDEN
        );
        assert_eq!(
            bogor
                .get(&format!("/api/v1/ibm/units/{id}/agents"))
                .await
                .status,
            StatusCode::FORBIDDEN
        );
        let r = bogor
            .api(
                "POST",
                &format!("/api/v1/ibm/units/{id}/reports"),
                serde_json::json!({"period": "2026-02", "lines": []}),
            )
            .await;
        assert_eq!(r.status, StatusCode::FORBIDDEN);

        // Reference data: national admins edit stages, lists and the reporting rule; others may not.
        let stage = serde_json::json!({"ordinal": 3, "name_id": "Berkembang Mandiri", "name_en": "Developing"});
        assert_eq!(
            bnnk.api("PUT", "/api/v1/ibm/stages/berkembang", stage.clone())
                .await
                .status,
            StatusCode::FORBIDDEN
        );
        let mut admin = Client::new(&t);
        admin.login("admin.pusat").await;
        assert_eq!(
            admin
                .api("PUT", "/api/v1/ibm/stages/berkembang", stage)
                .await
                .status,
            StatusCode::OK
        );
        let stages = admin.get("/api/v1/ibm/stages").await.json();
        assert!(
            stages["items"]
                .as_array()
                .unwrap()
                .iter()
                .any(|s| s["name_id"] == "Berkembang Mandiri"),
            "{}",
            t.label
        );
        let r = admin.api("PUT", "/api/v1/reference/obstacle/jarak_jauh", serde_json::json!({"name_id": "Jarak layanan jauh", "name_en": "Services far away", "ordinal": 9})).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        assert!(
            r.json()["items"]
                .as_array()
                .unwrap()
                .iter()
                .any(|i| i["code"] == "jarak_jauh")
        );
        assert_eq!(
            admin
                .api(
                    "PUT",
                    "/api/v1/reference/bogus/x",
                    serde_json::json!({"name_id": "x", "name_en": "x"})
                )
                .await
                .status,
            StatusCode::UNPROCESSABLE_ENTITY
        );
        let r = admin
            .api(
                "PUT",
                "/api/v1/settings/reporting",
                serde_json::json!({"period_months": 5, "due_days": 10, "silent_after": 3}),
            )
            .await;
        assert_eq!(
            r.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "5 does not divide the year"
        );
        let r = admin
            .api(
                "PUT",
                "/api/v1/settings/reporting",
                serde_json::json!({"period_months": 3, "due_days": 15, "silent_after": 2}),
            )
            .await;
        assert_eq!(r.status, StatusCode::OK);
        // Now reports are quarterly: a February period is refused, April accepted.
        let r = bnnk
            .api(
                "POST",
                &format!("/api/v1/ibm/units/{id}/reports"),
                serde_json::json!({"period": "2026-02", "lines": []}),
            )
            .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
        let r = bnnk
            .api(
                "POST",
                &format!("/api/v1/ibm/units/{id}/reports"),
                serde_json::json!({"period": "2026-04", "lines": []}),
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        t.finish().await;
    }
}

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
            StatusCode::FORBIDDEN,
            "{}",
            t.label
        );
        assert_eq!(
            bogor
                .get(&format!("/sni/penilaian/{baseline}"))
                .await
                .status,
            StatusCode::FORBIDDEN
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
            StatusCode::FORBIDDEN
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
            StatusCode::FORBIDDEN
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

#[tokio::test]
async fn the_province_map_accounts_for_all_38_provinces() {
    let t = testing::sqlite().await;
    let mut c = Client::new(&t);
    let r = c.get("/static/map/id-provinces.geojson").await;
    assert_eq!(r.status, StatusCode::OK);
    let geo = r.json();
    let mut covered: Vec<String> = geo["features"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|f| {
            f["properties"]["covers"]
                .as_array()
                .unwrap()
                .iter()
                .map(|c| c.as_str().unwrap().to_string())
        })
        .collect();
    covered.sort();
    let provinces: Vec<String> = std::str::from_utf8(seed::bundled::PROVINCES)
        .unwrap()
        .lines()
        .skip(1)
        .map(|l| l.split(',').next().unwrap().to_string())
        .collect();
    assert_eq!(
        covered, provinces,
        "every Kemendagri province is drawn, once"
    );
    t.finish().await;
}

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
async fn api_tokens_act_as_their_user_on_the_api_only_until_revoked() {
    for t in testing::all().await {
        seeded(&t, AreaLevel::Village).await;
        let mut bnnk = Client::new(&t);
        bnnk.login("bnnk.bandung").await;
        let made = bnnk
            .submit("/akun/token", &[("name", "SIMRS kota"), ("days", "30")])
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
            StatusCode::FORBIDDEN,
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
        let list = pantau_db::tokens::list(
            &t.db,
            pantau_db::users::by_username(&t.db, "bnnk.bandung")
                .await
                .unwrap()
                .id,
        )
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
            StatusCode::UNPROCESSABLE_ENTITY
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

/// Hostile input through the web layer: markup in free text is escaped on every page that
/// shows it, SQL metacharacters are plain data, oversized bodies are refused, malformed
/// addresses are client errors, and an uploaded file's name cannot climb out of its folder.
#[tokio::test]
async fn hostile_input_is_refused_or_neutralised() {
    for t in testing::all().await {
        seeded(&t, AreaLevel::Village).await;
        let bandung = office_id(&t, "BNNK-32.73").await;
        let mut c = Client::new(&t);
        c.login("bnnk.bandung").await;
        let evil = "<script>alert(1)</script>\"'&";
        let sql = "x'); DROP TABLE ibm_units; --";
        let body = serde_json::json!({"code": "IBM-HOSTILE", "name": format!("{evil} {sql}"), "village_code": "32.73.01.1001",
            "office_id": bandung, "year_formed": 2026, "decree_number": evil, "funding_source": "apbn", "first_year": 2026});
        let r = c.api("POST", "/api/v1/ibm/units", body).await;
        assert_eq!(r.status, StatusCode::OK, "{}: {}", t.label, r.body);
        let id = r.json()["unit"]["id"].as_i64().unwrap();
        for page in [
            format!("/ibm/{id}"),
            "/ibm".to_string(),
            "/ibm?q=HOSTILE".to_string(),
            format!("/ibm/target?year=2026&office={bandung}"),
            format!("/dasbor?year=2026&office={bandung}"),
            "/audit".to_string(),
        ] {
            let p = c.get(&page).await;
            assert_eq!(p.status, StatusCode::OK, "{}: {page}", t.label);
            assert!(
                !p.body.contains("<script>alert"),
                "{}: raw markup on {page}",
                t.label
            );
        }
        assert!(
            c.get(&format!("/ibm/{id}"))
                .await
                .body
                .contains("&#60;script&#62;alert(1)&#60;/script&#62;")
                || c.get(&format!("/ibm/{id}"))
                    .await
                    .body
                    .contains("&lt;script&gt;alert(1)&lt;/script&gt;")
        );
        // The SQL text is stored as typed, and the table is still there.
        let unit = c.get(&format!("/api/v1/ibm/units/{id}")).await.json();
        assert!(
            unit["unit"]["name"].as_str().unwrap().ends_with(sql),
            "{}",
            t.label
        );
        for q in ["' OR 1=1 --", "%' OR '1'='1", "\\", "%_%"] {
            let enc = percent_encoding::utf8_percent_encode(q, percent_encoding::NON_ALPHANUMERIC);
            let r = c.get(&format!("/api/v1/ibm/units?q={enc}")).await;
            assert_eq!(r.status, StatusCode::OK, "{}: {q}", t.label);
            assert!(
                !r.body.contains("IBM-HOSTILE") || q == "%_%",
                "{}: {q} matched everything",
                t.label
            );
            assert_eq!(
                c.get(&format!("/api/v1/wilayah?q={enc}")).await.status,
                StatusCode::OK
            );
        }
        // Oversized bodies: refused before any handler reads them.
        let big = "a".repeat(pantau_web::MAX_BODY_BYTES + 10);
        let r = c
            .submit(&format!("/satker/{bandung}/profil"), &[("head_name", &big)])
            .await;
        assert_eq!(r.status, StatusCode::PAYLOAD_TOO_LARGE, "{}: form", t.label);
        let r = c
            .api(
                "POST",
                "/api/v1/ibm/units",
                serde_json::json!({"name": big}),
            )
            .await;
        assert_eq!(r.status, StatusCode::PAYLOAD_TOO_LARGE, "{}: JSON", t.label);
        // Malformed addresses and ids are client errors, never server errors.
        for path in [
            "/wilayah/%FF%FE",
            "/ibm/not-a-number",
            "/api/v1/ibm/units/99999999999999999999",
            "/wilayah/32.73.01.1001%00",
        ] {
            let s = c.get(path).await.status;
            assert!(s.is_client_error(), "{}: {path} gave {s}", t.label);
        }
        // A file name cannot climb out of its folder or carry markup.
        use pantau_db::sni::evidence::clean_file_name;
        assert_eq!(clean_file_name("../../etc/passwd"), "passwd");
        assert_eq!(clean_file_name("..\\..\\boot.ini"), "boot.ini");
        assert_eq!(
            clean_file_name("<img src=x onerror=alert(1)>.png"),
            "img src=x onerror=alert(1).png"
        );
        assert_eq!(clean_file_name("..."), "bukti");
        t.finish().await;
    }
}

/// Every route the application registers, read from its own source: (method, path).
fn registered_routes() -> Vec<(String, String)> {
    let sources = [
        ("", include_str!("../src/lib.rs")),
        ("", include_str!("../src/ui/mod.rs")),
        ("/api/v1", include_str!("../src/api/mod.rs")),
        ("/api/v1", include_str!("../src/api/ibm.rs")),
        ("/api/v1", include_str!("../src/api/sni.rs")),
    ];
    let mut out = Vec::new();
    for (prefix, src) in sources {
        let parts: Vec<&str> = src.split(".route(").skip(1).collect();
        for part in parts {
            // Up to the end of the router function: the last route is not followed by another.
            let part = &part[..part.find("\n}").unwrap_or(part.len())];
            let rest = part.trim_start();
            let Some(rest) = rest.strip_prefix('"') else {
                continue;
            };
            let path = &rest[..rest.find('"').unwrap()];
            for (needle, method) in [
                ("get(", "GET"),
                ("post(", "POST"),
                ("put(", "PUT"),
                ("delete(", "DELETE"),
            ] {
                if part.contains(needle) {
                    out.push((method.to_string(), format!("{prefix}{path}")));
                }
            }
        }
    }
    out.sort();
    out.dedup();
    out
}

/// The access table: every route and method, who may use it. Roles in order: national admin,
/// national analyst, leadership, BNNP officer, BNNK officer, institution operator, IKAI
/// facilitator. Only `Public` routes answer an anonymous caller.
/// `Roles` routes do not depend on scope (lists are filtered to the caller's scope instead);
/// `Scoped` routes act on one Bandung entity (a unit, an institution and its coaching records,
/// the BNNK office, an officer's account), allowed for those roles when the entity is in the
/// user's scope — each regional role is tried with a user inside and a user outside it.
#[derive(Clone, Copy, Debug)]
enum Rule {
    /// Anyone, signed in or not.
    Public,
    /// Every signed-in user.
    Signed,
    Roles([bool; 7]),
    Scoped([bool; 7]),
}

use Rule::{Public, Roles, Scoped, Signed};

const T: bool = true;
const F: bool = false;
/// Everyone who works across offices (all but institution operators).
const OFFICE_READERS: [bool; 7] = [T, T, T, T, T, F, T];
const EVERY_ROLE: [bool; 7] = [T; 7];
const AUDIT_READERS: [bool; 7] = [T, T, T, T, T, F, F];
const OFFICE_WRITERS: [bool; 7] = [T, F, F, T, T, F, F];
const COACHING_WRITERS: [bool; 7] = [T, F, F, T, T, T, F];
const ADMIN: [bool; 7] = [T, F, F, F, F, F, F];
const COHORT_RUNNERS: [bool; 7] = [T, F, F, T, F, F, F];

const ACCESS: &[(&str, &str, Rule)] = &[
    ("GET", "/healthz", Public),
    ("GET", "/static/{*path}", Public),
    ("GET", "/login", Public),
    ("POST", "/login", Public),
    ("GET", "/bahasa/{lang}", Public),
    // The API reference describes routes, not data.
    ("GET", "/api/openapi.json", Public),
    ("GET", "/api/docs", Public),
    ("GET", "/", Signed),
    ("GET", "/akun", Signed),
    ("POST", "/akun/sandi", Signed),
    ("POST", "/akun/token", Signed),
    ("POST", "/akun/token/cabut", Signed),
    ("GET", "/audit", Roles(AUDIT_READERS)),
    ("GET", "/dasbor", Roles(OFFICE_READERS)),
    ("GET", "/ibm", Roles(OFFICE_READERS)),
    ("POST", "/ibm", Roles(OFFICE_WRITERS)),
    ("GET", "/ibm/baru", Roles(OFFICE_WRITERS)),
    ("GET", "/ibm/ekspor/{format}", Roles(OFFICE_READERS)),
    ("GET", "/ibm/impor", Roles(OFFICE_READERS)),
    ("POST", "/ibm/impor", Roles(OFFICE_WRITERS)),
    ("GET", "/ibm/impor/templat/{format}", Signed),
    ("GET", "/ibm/kepatuhan", Roles(OFFICE_READERS)),
    ("GET", "/ibm/opsi-wilayah", Signed),
    ("POST", "/ibm/rollover", Roles(ADMIN)),
    ("GET", "/ibm/target", Roles(OFFICE_READERS)),
    ("GET", "/ibm/{id}", Scoped(OFFICE_READERS)),
    ("POST", "/ibm/{id}/agen", Scoped(OFFICE_WRITERS)),
    ("POST", "/ibm/{id}/evaluasi", Scoped(OFFICE_WRITERS)),
    ("POST", "/ibm/{id}/kunjungan", Scoped(OFFICE_WRITERS)),
    ("GET", "/ibm/{id}/laporan", Scoped(OFFICE_READERS)),
    ("POST", "/ibm/{id}/laporan", Scoped(OFFICE_WRITERS)),
    ("POST", "/ibm/{id}/pelatihan", Scoped(OFFICE_WRITERS)),
    ("GET", "/ibm/{id}/penilaian/{year}", Scoped(OFFICE_READERS)),
    ("POST", "/ibm/{id}/penilaian/{year}", Scoped(OFFICE_WRITERS)),
    (
        "POST",
        "/ibm/{id}/penilaian/{year}/aksi",
        Scoped(OFFICE_WRITERS),
    ),
    ("POST", "/ibm/{id}/status", Scoped(OFFICE_WRITERS)),
    ("POST", "/ibm/{id}/tahun", Scoped(OFFICE_WRITERS)),
    ("POST", "/logout", Signed),
    ("GET", "/paket", Roles(OFFICE_READERS)),
    ("GET", "/paket.xlsx", Roles(OFFICE_READERS)),
    ("GET", "/pengguna", Roles(AUDIT_READERS)),
    ("POST", "/pengguna", Roles(ADMIN)),
    ("GET", "/pengguna/{id}", Scoped(AUDIT_READERS)),
    ("POST", "/pengguna/{id}/sandi", Scoped(ADMIN)),
    ("GET", "/referensi", Signed),
    ("POST", "/referensi/daftar", Roles(ADMIN)),
    ("POST", "/referensi/kriteria", Roles(ADMIN)),
    ("POST", "/referensi/pelaporan", Roles(ADMIN)),
    ("POST", "/referensi/sni/butir", Roles(ADMIN)),
    ("POST", "/referensi/sni/impor", Roles(ADMIN)),
    ("GET", "/referensi/sni/{id}/ekspor/{format}", Signed),
    ("POST", "/referensi/tahap", Roles(ADMIN)),
    ("GET", "/satker", Signed),
    ("POST", "/satker", Roles(ADMIN)),
    // An office's page shows its staff: for those who work in its scope.
    ("GET", "/satker/{id}", Scoped(OFFICE_READERS)),
    ("POST", "/satker/{id}/profil", Scoped(OFFICE_WRITERS)),
    ("POST", "/satker/{id}/struktur", Roles(ADMIN)),
    ("POST", "/satker/{id}/wilayah", Roles(ADMIN)),
    ("GET", "/sni", Signed),
    ("GET", "/sni/bukti/{id}", Scoped(EVERY_ROLE)),
    ("POST", "/sni/kohort", Roles(OFFICE_WRITERS)),
    // A cohort is run by a BNNP (or the nation): a BNNK joins its institutions' records, not the
    // cohort itself; operators of a participating institution open its page.
    ("GET", "/sni/kohort/{id}", Scoped(EVERY_ROLE)),
    ("POST", "/sni/kohort/{id}/peserta", Scoped(COHORT_RUNNERS)),
    ("POST", "/sni/lembaga", Roles(OFFICE_WRITERS)),
    ("GET", "/sni/lembaga/baru", Roles(OFFICE_WRITERS)),
    ("GET", "/sni/lembaga/{id}", Scoped(EVERY_ROLE)),
    (
        "POST",
        "/sni/lembaga/{id}/dokumen",
        Scoped(COACHING_WRITERS),
    ),
    (
        "POST",
        "/sni/lembaga/{id}/sertifikasi",
        Scoped(OFFICE_WRITERS),
    ),
    ("GET", "/sni/penilaian/{id}", Scoped(EVERY_ROLE)),
    ("POST", "/sni/penilaian/{id}", Scoped(COACHING_WRITERS)),
    ("POST", "/sni/penilaian/{id}/aksi", Scoped(COACHING_WRITERS)),
    (
        "POST",
        "/sni/penilaian/{id}/bukti/{requirement}",
        Scoped(COACHING_WRITERS),
    ),
    ("GET", "/sni/peserta/{id}", Scoped(EVERY_ROLE)),
    (
        "POST",
        "/sni/peserta/{id}/penilaian",
        Scoped(COACHING_WRITERS),
    ),
    (
        "POST",
        "/sni/peserta/{id}/rekomendasi",
        Scoped(OFFICE_WRITERS),
    ),
    ("POST", "/sni/peserta/{id}/sesi", Scoped(OFFICE_WRITERS)),
    ("POST", "/sni/sertifikasi/{id}", Scoped(OFFICE_WRITERS)),
    (
        "POST",
        "/sni/tindak-lanjut/{id}/status",
        Scoped(COACHING_WRITERS),
    ),
    ("GET", "/wilayah", Signed),
    ("GET", "/wilayah/{code}", Signed),
    ("POST", "/wilayah/{code}/ganti-nama", Roles(ADMIN)),
    ("POST", "/wilayah/{code}/pemekaran", Roles(ADMIN)),
    // The JSON API: the same rules.
    ("GET", "/api/v1/me", Signed),
    ("GET", "/api/v1/users", Roles(AUDIT_READERS)),
    ("GET", "/api/v1/users/{id}", Scoped(AUDIT_READERS)),
    (
        "PUT",
        "/api/v1/ibm/agents/{id}/active",
        Scoped(OFFICE_WRITERS),
    ),
    (
        "POST",
        "/api/v1/ibm/agents/{id}/trainings",
        Scoped(OFFICE_WRITERS),
    ),
    ("GET", "/api/v1/wilayah", Signed),
    ("GET", "/api/v1/wilayah/{code}", Signed),
    ("GET", "/api/v1/satker", Signed),
    ("GET", "/api/v1/satker/{id}", Scoped(OFFICE_READERS)),
    ("PUT", "/api/v1/satker/{id}/profil", Scoped(OFFICE_WRITERS)),
    ("GET", "/api/v1/audit", Roles(AUDIT_READERS)),
    ("GET", "/api/v1/dashboard/ibm", Roles(OFFICE_READERS)),
    ("GET", "/api/v1/dashboard/sni", Roles(OFFICE_READERS)),
    ("GET", "/api/v1/packs", Roles(OFFICE_READERS)),
    ("GET", "/api/v1/exchange/dhis2", Roles(OFFICE_READERS)),
    ("POST", "/api/v1/exchange/dhis2", Roles(OFFICE_WRITERS)),
    ("GET", "/api/v1/exchange/adx", Roles(OFFICE_READERS)),
    ("POST", "/api/v1/exchange/adx", Roles(OFFICE_WRITERS)),
    ("GET", "/api/v1/exchange/values", Roles(OFFICE_READERS)),
    ("GET", "/api/v1/exchange/mapping", Signed),
    ("PUT", "/api/v1/exchange/mapping", Roles(ADMIN)),
    ("GET", "/api/v1/ibm/units", Roles(OFFICE_READERS)),
    ("POST", "/api/v1/ibm/units", Roles(OFFICE_WRITERS)),
    ("GET", "/api/v1/ibm/units/{id}", Scoped(OFFICE_READERS)),
    ("PUT", "/api/v1/ibm/units/{id}", Scoped(OFFICE_WRITERS)),
    (
        "POST",
        "/api/v1/ibm/units/{id}/status",
        Scoped(OFFICE_WRITERS),
    ),
    (
        "PUT",
        "/api/v1/ibm/units/{id}/years/{year}",
        Scoped(OFFICE_WRITERS),
    ),
    (
        "GET",
        "/api/v1/ibm/units/{id}/agents",
        Scoped(OFFICE_READERS),
    ),
    (
        "POST",
        "/api/v1/ibm/units/{id}/agents",
        Scoped(OFFICE_WRITERS),
    ),
    (
        "POST",
        "/api/v1/ibm/units/{id}/reports",
        Scoped(OFFICE_WRITERS),
    ),
    (
        "GET",
        "/api/v1/ibm/units/{id}/reports/{period}",
        Scoped(OFFICE_READERS),
    ),
    (
        "GET",
        "/api/v1/ibm/units/{id}/compliance",
        Scoped(OFFICE_READERS),
    ),
    (
        "GET",
        "/api/v1/ibm/units/{id}/visits",
        Scoped(OFFICE_READERS),
    ),
    (
        "POST",
        "/api/v1/ibm/units/{id}/visits",
        Scoped(OFFICE_WRITERS),
    ),
    (
        "GET",
        "/api/v1/ibm/units/{id}/assessments/{year}",
        Scoped(OFFICE_READERS),
    ),
    (
        "PUT",
        "/api/v1/ibm/units/{id}/assessments/{year}",
        Scoped(OFFICE_WRITERS),
    ),
    (
        "POST",
        "/api/v1/ibm/units/{id}/assessments/{year}/actions",
        Scoped(OFFICE_WRITERS),
    ),
    (
        "GET",
        "/api/v1/ibm/units/{id}/evaluations/{year}",
        Scoped(OFFICE_READERS),
    ),
    (
        "PUT",
        "/api/v1/ibm/units/{id}/evaluations/{year}",
        Scoped(OFFICE_WRITERS),
    ),
    ("GET", "/api/v1/ibm/targets", Roles(OFFICE_READERS)),
    ("GET", "/api/v1/ibm/compliance", Roles(OFFICE_READERS)),
    ("GET", "/api/v1/ibm/factors", Roles(OFFICE_READERS)),
    ("POST", "/api/v1/ibm/roll-over", Roles(ADMIN)),
    ("GET", "/api/v1/ibm/stages", Signed),
    ("PUT", "/api/v1/ibm/stages/{code}", Roles(ADMIN)),
    (
        "PUT",
        "/api/v1/ibm/stages/{code}/criteria/{criterion}",
        Roles(ADMIN),
    ),
    ("GET", "/api/v1/reference/{list}", Signed),
    ("PUT", "/api/v1/reference/{list}/{code}", Roles(ADMIN)),
    ("GET", "/api/v1/settings/reporting", Signed),
    ("PUT", "/api/v1/settings/reporting", Roles(ADMIN)),
    ("GET", "/api/v1/sni/institutions", Signed),
    ("POST", "/api/v1/sni/institutions", Roles(OFFICE_WRITERS)),
    ("GET", "/api/v1/sni/institutions/{id}", Scoped(EVERY_ROLE)),
    (
        "PUT",
        "/api/v1/sni/institutions/{id}",
        Scoped(OFFICE_WRITERS),
    ),
    (
        "POST",
        "/api/v1/sni/institutions/{id}/documents",
        Scoped(COACHING_WRITERS),
    ),
    (
        "GET",
        "/api/v1/sni/institutions/{id}/certifications",
        Scoped(EVERY_ROLE),
    ),
    (
        "POST",
        "/api/v1/sni/institutions/{id}/certifications",
        Scoped(OFFICE_WRITERS),
    ),
    (
        "PUT",
        "/api/v1/sni/certifications/{id}",
        Scoped(OFFICE_WRITERS),
    ),
    ("GET", "/api/v1/sni/certifications/expiring", Signed),
    ("GET", "/api/v1/sni/instrument", Signed),
    (
        "PUT",
        "/api/v1/sni/instrument/{id}/requirements",
        Roles(ADMIN),
    ),
    ("GET", "/api/v1/sni/cohorts", Signed),
    ("POST", "/api/v1/sni/cohorts", Roles(OFFICE_WRITERS)),
    ("GET", "/api/v1/sni/cohorts/{id}", Scoped(EVERY_ROLE)),
    (
        "POST",
        "/api/v1/sni/cohorts/{id}/participants",
        Scoped(COHORT_RUNNERS),
    ),
    (
        "GET",
        "/api/v1/sni/participants/{id}/assessments",
        Scoped(EVERY_ROLE),
    ),
    (
        "POST",
        "/api/v1/sni/participants/{id}/assessments",
        Scoped(COACHING_WRITERS),
    ),
    (
        "GET",
        "/api/v1/sni/participants/{id}/sessions",
        Scoped(EVERY_ROLE),
    ),
    (
        "POST",
        "/api/v1/sni/participants/{id}/sessions",
        Scoped(OFFICE_WRITERS),
    ),
    (
        "GET",
        "/api/v1/sni/participants/{id}/recommendation",
        Scoped(EVERY_ROLE),
    ),
    (
        "POST",
        "/api/v1/sni/participants/{id}/recommendation",
        Scoped(OFFICE_WRITERS),
    ),
    (
        "POST",
        "/api/v1/sni/actions/{id}/status",
        Scoped(COACHING_WRITERS),
    ),
    ("GET", "/api/v1/sni/assessments/{id}", Scoped(EVERY_ROLE)),
    (
        "PUT",
        "/api/v1/sni/assessments/{id}",
        Scoped(COACHING_WRITERS),
    ),
    (
        "POST",
        "/api/v1/sni/assessments/{id}/actions",
        Scoped(COACHING_WRITERS),
    ),
    (
        "POST",
        "/api/v1/sni/assessments/{id}/evidence/{requirement}",
        Scoped(COACHING_WRITERS),
    ),
    (
        "GET",
        "/api/v1/sni/assessments/{id}/evidence",
        Scoped(EVERY_ROLE),
    ),
];

fn is_public(method: &str, path: &str) -> bool {
    ACCESS
        .iter()
        .any(|(m, p, r)| *m == method && *p == path && matches!(r, Public))
}

/// One user per role with the Bandung entities in scope, and (for regional roles) one without.
const ROLE_USERS: [(&str, Option<&str>); 7] = [
    ("admin.pusat", None),
    ("analis.pusat", None),
    ("pimpinan.pusat", None),
    ("bnnp.jabar", Some("bnnp.jatim")),
    ("bnnk.bandung", Some("bnnk.bogor")),
    ("operator.lembaga", Some("operator.lain")),
    ("fasilitator.ikai", Some("fasilitator.jatim")),
];

#[tokio::test]
async fn the_access_table_covers_every_registered_route() {
    let routes = registered_routes();
    assert!(
        routes.len() > 100,
        "the route reader finds the routes ({})",
        routes.len()
    );
    // Every registered route is in the table, once, and the table lists nothing else.
    for (method, path) in &routes {
        let listed = ACCESS.iter().any(|(m, p, _)| m == method && p == path);
        assert!(listed, "{method} {path} is missing from the access table");
    }
    for (m, p, _) in ACCESS {
        assert!(
            routes.iter().any(|(rm, rp)| rm == m && rp == p),
            "{m} {p} is in the access table but not registered"
        );
        assert_eq!(
            ACCESS
                .iter()
                .filter(|(m2, p2, _)| m2 == m && p2 == p)
                .count(),
            1,
            "{m} {p} twice"
        );
    }
    for t in testing::all().await {
        seeded(&t, AreaLevel::Village).await;
        let today = pantau_db::chrono::NaiveDate::from_ymd_opt(2026, 6, 15).unwrap();
        pantau_db::demo::ibm::load(&t.db, today).await.unwrap();
        pantau_db::demo::sni::load(&t.db).await.unwrap();
        // Anonymous callers are turned away from everything not public.
        let mut anon = Client::new(&t);
        for (method, path) in &routes {
            if is_public(method, path) {
                if method == "GET" {
                    let uri = path
                        .replace("{*path}", "css/pantau.css")
                        .replace("{lang}", "en");
                    let r = anon.get(&uri).await;
                    assert!(
                        r.status.is_success()
                            || (r.status.is_redirection() && !r.location().starts_with("/login")),
                        "{}: public GET {uri} gave {} to an anonymous caller",
                        t.label,
                        r.status
                    );
                }
                continue;
            }
            let concrete = path
                .replace("{*path}", "x")
                .replace("{code}", "32")
                .replace("{format}", "csv")
                .replace("{lang}", "id")
                .replace("{year}", "2026")
                .replace("{requirement}", "1")
                .replace("{id}", "1");
            let req = Request::builder()
                .method(method.as_str())
                .uri(&concrete)
                .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
                .body(Body::from("a=1"))
                .unwrap();
            let r = anon.send(req).await;
            let denied = matches!(r.status, StatusCode::UNAUTHORIZED | StatusCode::FORBIDDEN)
                || (r.status == StatusCode::SEE_OTHER && r.location().starts_with("/login"));
            assert!(
                denied,
                "{}: anonymous {method} {concrete} gave {}",
                t.label, r.status
            );
        }

        // The Bandung entities every scoped route acts on, and the users outside their scope.
        let one = |sql: String| {
            let db = t.db.clone();
            async move {
                sqlx::query_scalar::<_, i64>(sqlx::AssertSqlSafe(sql.clone()))
                    .fetch_one(db.pool())
                    .await
                    .unwrap_or_else(|e| panic!("{sql}: {e}"))
            }
        };
        let bandung = office_id(&t, "BNNK-32.73").await;
        // A Bandung unit with a yearly evaluation, so that reading it finds one.
        let unit = one(format!(
            "SELECT COALESCE(MIN(e.unit_id), MIN(u.id)) FROM ibm_units u \
             LEFT JOIN ibm_evaluations e ON e.unit_id = u.id WHERE u.office_id = {bandung}"
        ))
        .await;
        let evaluation_year = one(format!(
            "SELECT COALESCE(MAX(CAST(year AS BIGINT)), 2026) FROM ibm_evaluations WHERE unit_id = {unit}"
        ))
        .await;
        let institution = one(format!(
            "SELECT MIN(id) FROM institutions WHERE office_id = {bandung}"
        ))
        .await;
        let participant = one(format!(
            "SELECT MAX(id) FROM sni_participants WHERE institution_id = {institution}"
        ))
        .await;
        let cohort = one(format!(
            "SELECT cohort_id FROM sni_participants WHERE id = {participant}"
        ))
        .await;
        let assessment = one(format!(
            "SELECT MIN(id) FROM sni_assessments WHERE participant_id = {participant}"
        ))
        .await;
        let requirement = one(format!(
            "SELECT MIN(r.id) FROM sni_requirements r JOIN sni_cohorts c ON c.instrument_id = r.instrument_id WHERE c.id = {cohort}"
        ))
        .await;
        let action = one(format!(
            "SELECT MIN(id) FROM sni_actions WHERE participant_id = {participant}"
        ))
        .await;
        let agent = one(format!(
            "SELECT MIN(id) FROM ibm_agents WHERE unit_id = {unit}"
        ))
        .await;
        let officer = pantau_db::users::by_username(&t.db, "bnnk.bandung")
            .await
            .unwrap()
            .id;
        let sys = Actor::System("test");
        let certification = pantau_db::sni::outcomes::apply_certification(
            &t.db,
            sys,
            institution,
            "sucofindo",
            "2026-05-01",
        )
        .await
        .unwrap();
        let mut admin = Client::new(&t);
        admin.login("admin.pusat").await;
        let up = admin
            .upload(
                &format!(
                    "/sni/penilaian/{assessment}/bukti/{requirement}?csrf_token={}",
                    admin.csrf
                ),
                "bukti.pdf",
                b"%PDF-1.7 bukti",
            )
            .await;
        assert!(
            up.status.is_redirection() || up.status.is_success(),
            "{}",
            up.body
        );
        let evidence = one(format!(
            "SELECT MAX(id) FROM sni_evidence WHERE assessment_id = {assessment}"
        ))
        .await;
        // The other operator's institution is outside Bandung and outside the cohort.
        let other_institution = one(format!(
            "SELECT MIN(id) FROM institutions WHERE office_id <> {bandung} AND id NOT IN \
             (SELECT institution_id FROM sni_participants WHERE cohort_id = {cohort})"
        ))
        .await;
        let other_office = one(format!(
            "SELECT office_id FROM institutions WHERE id = {other_institution}"
        ))
        .await;
        let jatim = office_id(&t, "BNNP-35").await;
        for (username, role, office, institution_id) in [
            (
                "operator.lain",
                pantau_core::access::Role::InstitutionOperator,
                other_office,
                Some(other_institution),
            ),
            (
                "fasilitator.jatim",
                pantau_core::access::Role::IkaiFacilitator,
                jatim,
                None,
            ),
        ] {
            pantau_db::users::create(
                &t.db,
                sys,
                pantau_db::users::NewUser {
                    username: username.into(),
                    full_name: username.into(),
                    email: String::new(),
                    password: seed::DEMO_PASSWORD.into(),
                    grants: vec![(role, office)],
                    institution_id,
                },
            )
            .await
            .unwrap();
        }
        let concrete = |path: &str| -> String {
            let id = if path.contains("/ibm/")
                && path.contains("{id}")
                && !path.contains("agents/{id}")
            {
                unit
            } else if path.contains("lembaga/{id}") || path.contains("institutions/{id}") {
                institution
            } else if path.contains("peserta/{id}") || path.contains("participants/{id}") {
                participant
            } else if path.contains("kohort/{id}") || path.contains("cohorts/{id}") {
                cohort
            } else if path.contains("penilaian/{id}") || path.contains("assessments/{id}") {
                assessment
            } else if path.contains("tindak-lanjut/{id}") || path.contains("actions/{id}") {
                action
            } else if path.contains("sertifikasi/{id}") || path.contains("certifications/{id}") {
                certification
            } else if path.contains("bukti/{id}") {
                evidence
            } else if path.contains("pengguna/{id}") || path.contains("users/{id}") {
                officer
            } else if path.contains("agents/{id}") {
                agent
            } else if path.contains("satker/{id}") {
                bandung
            } else {
                1
            };
            let year = if path.contains("evaluations") {
                evaluation_year
            } else {
                2026
            };
            path.replace("{id}", &id.to_string())
                .replace("{year}", &year.to_string())
                .replace("{requirement}", &requirement.to_string())
                .replace("/wilayah/{code}", "/wilayah/32.73")
                .replace("/reference/{list}/{code}", "/reference/obstacle/uji")
                .replace("{list}", "obstacle")
                .replace("/stages/{code}", "/stages/uji")
                .replace("{criterion}", "uji")
                .replace("{period}", "2026-01")
                .replace("{format}", "csv")
        };
        let mut wrong = Vec::new();
        let mut checked = 0;
        for (role, (inside, outside)) in ROLE_USERS.iter().enumerate() {
            for (username, in_scope) in [(*inside, true)]
                .into_iter()
                .chain(outside.map(|o| (o, false)))
            {
                let mut c = Client::new(&t);
                c.login(username).await;
                // Signing out ends the session: tried last.
                let mut order: Vec<&(&str, &str, Rule)> =
                    ACCESS.iter().filter(|(_, p, _)| *p != "/logout").collect();
                order.extend(ACCESS.iter().filter(|(_, p, _)| *p == "/logout"));
                for (method, path, rule) in order {
                    let expected = match rule {
                        // Reachable without signing in: checked below, anonymously.
                        Public => continue,
                        Signed => true,
                        Roles(r) => r[role],
                        Scoped(r) => r[role] && in_scope,
                    };
                    let mut uri = concrete(path);
                    if path.ends_with("/ibm/targets") || path.ends_with("/ibm/factors") {
                        uri.push_str("?year=2026");
                    }
                    let r = match (*method, path.starts_with("/api/")) {
                        ("GET", _) => c.get(&uri).await,
                        (m, true) => c.api(m, &uri, serde_json::json!({})).await,
                        (_, false) => c.submit(&uri, &[]).await,
                    };
                    checked += 1;
                    if *path == "/logout" {
                        // Signing out answers like a refusal (to the login page): check that the
                        // session is gone instead.
                        let gone = c.get("/akun").await;
                        if !(r.status == StatusCode::SEE_OTHER
                            && gone.location().starts_with("/login"))
                        {
                            wrong.push(format!("{username} could not sign out ({})", r.status));
                        }
                        continue;
                    }

                    let denied = matches!(
                        r.status,
                        StatusCode::UNAUTHORIZED | StatusCode::FORBIDDEN | StatusCode::NOT_FOUND
                    ) || (r.status == StatusCode::SEE_OTHER
                        && r.location().starts_with("/login"));
                    if r.status.is_server_error() || denied == expected {
                        wrong.push(format!(
                            "{username} {method} {uri} gave {} (table: {})",
                            r.status,
                            if expected { "allow" } else { "deny" }
                        ));
                    }
                }
            }
        }
        assert!(checked > 1500, "{checked}");
        assert!(
            wrong.is_empty(),
            "{}: {} wrong: {wrong:#?}",
            t.label,
            wrong.len()
        );
        t.finish().await;
    }
}

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
                .replace("{requirement}", "1");
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
