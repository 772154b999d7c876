//! One client and one seeded world for every web test.
#![allow(dead_code)]

use axum::Router;
use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use pantau_core::org::AreaLevel;
use pantau_db::testing::TestDb;
use pantau_db::{Actor, offices, seed};
use pantau_web::{AppState, WebConfig};
use serde_json::Value;
use std::collections::HashMap;
use tower::ServiceExt;

pub fn no_progress(_: AreaLevel, _: u64, _: u64) {}

pub async fn seeded(t: &TestDb, depth: AreaLevel) {
    seed::bundled_wilayah(&t.db, depth, &no_progress)
        .await
        .unwrap();
    seed::offices_from_csv(&t.db, Actor::System("test"), seed::bundled::OFFICES)
        .await
        .unwrap();
    seed::demo_users(&t.db).await.unwrap();
}

pub struct Resp {
    pub status: StatusCode,
    pub headers: axum::http::HeaderMap,
    pub body: String,
    /// The body as sent, for binary downloads (XLSX, PDF).
    pub bytes: Vec<u8>,
}

impl Resp {
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.body))
    }
    pub fn location(&self) -> &str {
        self.headers
            .get(header::LOCATION)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
    }
}

/// A browser-like client: keeps cookies, knows its CSRF token once signed in.
#[derive(Clone)]
pub struct Client {
    pub app: Router,
    pub cookies: HashMap<String, String>,
    pub csrf: String,
    /// The connection's peer address, as a real server would know it.
    pub peer: Option<std::net::SocketAddr>,
    /// An `X-Forwarded-For` header sent with every request.
    pub forwarded_for: Option<String>,
}

impl Client {
    pub fn new(t: &TestDb) -> Self {
        Self::with_config(t, WebConfig::default())
    }

    pub fn with_config(t: &TestDb, mut config: WebConfig) -> Self {
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
            peer: None,
            forwarded_for: None,
        }
    }

    /// A browser on a server of its own that follows the other servers' changes on the same
    /// database (as `pantau serve` does); the task stops when the handle is aborted.
    pub fn on_following_server(t: &TestDb) -> (Self, tokio::task::JoinHandle<()>) {
        let mut config = WebConfig::default();
        config.data_dir = std::env::temp_dir().join(format!("pantau_web_test_{}", t.label));
        let state = AppState::new(t.db.clone(), config);
        let following = state.follow_other_servers();
        let client = Client {
            app: pantau_web::router(state),
            cookies: HashMap::new(),
            csrf: String::new(),
            peer: None,
            forwarded_for: None,
        };
        (client, following)
    }

    /// Another browser on the same server (same caches), signed out.
    pub fn sibling(&self) -> Self {
        let mut c = self.clone();
        c.cookies.clear();
        c.csrf.clear();
        c
    }

    pub async fn upload(&mut self, uri: &str, file_name: &str, bytes: &[u8]) -> Resp {
        self.upload_with(uri, &[], file_name, bytes).await
    }

    pub async fn upload_with(
        &mut self,
        uri: &str,
        fields: &[(&str, &str)],
        file_name: &str,
        bytes: &[u8],
    ) -> Resp {
        self.upload_as(uri, fields, "file", file_name, bytes).await
    }

    /// A multipart form with `fields` and one file in the input `field`.
    pub async fn upload_as(
        &mut self,
        uri: &str,
        fields: &[(&str, &str)],
        field: &str,
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
            "--{boundary}\r\nContent-Disposition: form-data; name=\"{field}\"; filename=\"{file_name}\"\r\n\
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

    pub async fn send(&mut self, mut req: Request<Body>) -> Resp {
        let jar: Vec<String> = self
            .cookies
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect();
        if !jar.is_empty() {
            req.headers_mut()
                .insert(header::COOKIE, jar.join("; ").parse().unwrap());
        }
        if let Some(address) = &self.forwarded_for {
            req.headers_mut()
                .insert("x-forwarded-for", address.parse().unwrap());
        }
        if let Some(peer) = self.peer {
            req.extensions_mut()
                .insert(axum::extract::ConnectInfo(peer));
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
            bytes: bytes.to_vec(),
        }
    }

    pub async fn get(&mut self, uri: &str) -> Resp {
        self.send(Request::get(uri).body(Body::empty()).unwrap())
            .await
    }

    pub async fn post_form(&mut self, uri: &str, fields: &[(&str, &str)]) -> Resp {
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
    pub async fn submit(&mut self, uri: &str, fields: &[(&str, &str)]) -> Resp {
        let token = self.csrf.clone();
        let mut all = fields.to_vec();
        all.push(("csrf_token", &token));
        self.post_form(uri, &all).await
    }

    pub async fn put_json(&mut self, uri: &str, body: Value, csrf: Option<&str>) -> Resp {
        self.json("PUT", uri, body, csrf).await
    }

    /// A POST of a raw body (an XML or JSON payload as another system sends it).
    pub async fn post_raw(&mut self, uri: &str, body: String) -> Resp {
        let req = Request::builder()
            .method("POST")
            .uri(uri)
            .header("x-csrf-token", self.csrf.clone())
            .body(Body::from(body))
            .unwrap();
        self.send(req).await
    }

    /// A JSON request carrying this session's CSRF token.
    pub async fn api(&mut self, method: &str, uri: &str, body: Value) -> Resp {
        let token = self.csrf.clone();
        self.json(method, uri, body, Some(&token)).await
    }

    pub async fn json(&mut self, method: &str, uri: &str, body: Value, csrf: Option<&str>) -> Resp {
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

    pub async fn try_login(&mut self, username: &str, password: &str) -> Resp {
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

    pub async fn login(&mut self, username: &str) {
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

pub fn enc(s: &str) -> String {
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

pub async fn office_id(t: &TestDb, code: &str) -> i64 {
    offices::by_code(&t.db, code).await.unwrap().id
}

/// A JSON write with this session's CSRF token and, if given, an idempotency key.
pub async fn write(
    c: &mut Client,
    method: &str,
    uri: &str,
    body: &Value,
    key: Option<&str>,
) -> Resp {
    let mut req = Request::builder()
        .method(method)
        .uri(uri)
        .header(header::CONTENT_TYPE, "application/json")
        .header("x-csrf-token", c.csrf.clone());
    if let Some(k) = key {
        req = req.header("idempotency-key", k);
    }
    c.send(req.body(Body::from(body.to_string())).unwrap())
        .await
}

/// Operating units of BNNK Kota Bandung (in a village of Bandung), one per code, made directly
/// in storage; their ids in the order given.
pub async fn bandung_units(t: &TestDb, codes: &[&str]) -> Vec<i64> {
    let bandung = office_id(t, "BNNK-32.73").await;
    let mut units = Vec::new();
    for code in codes {
        let input = pantau_db::ibm::units::UnitInput {
            code: code.to_string(),
            name: format!("Unit {code}"),
            village_code: "32.73.01.1002".into(),
            office_id: bandung,
            year_formed: 2025,
            decree_number: String::new(),
            funding_source: "apbn".into(),
            desa_bersinar: false,
            priority_area: false,
        };
        let made = pantau_db::ibm::units::create(&t.db, Actor::System("test"), &input, 2026)
            .await
            .unwrap();
        units.push(made.id);
    }
    units
}
