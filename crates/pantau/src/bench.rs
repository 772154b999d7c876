//! `pantau bench`: loads synthetic data at national scale and measures, in one run, the
//! dashboard (roll-ups vs. computed vs. a plain GROUP BY), report submissions over HTTP with
//! concurrent clients, a cached dashboard page against a trivial handler, load rate and memory.
//! Figures are printed as a Markdown table with ratios to baselines measured in the same run.

use anyhow::{Context, Result, bail};
use pantau_core::access::{Grant, Principal, Role};
use pantau_core::org::OfficePath;
use pantau_db::{Actor, Db, migrate, offices, seed, sessions, users};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;

pub struct BenchArgs {
    pub units: u64,
    pub runs: usize,
    pub institutions: u64,
    pub clients: usize,
    pub requests: usize,
    /// Reuse (or keep) this SQLite file or PostgreSQL database instead of a temporary file.
    pub db: Option<String>,
}

pub async fn run(args: BenchArgs) -> Result<()> {
    let (url, temporary) = match &args.db {
        Some(p) => (p.clone(), None),
        None => {
            let dir = std::env::temp_dir().join(format!("pantau-bench-{}", std::process::id()));
            std::fs::create_dir_all(&dir)?;
            let path: PathBuf = dir.join("bench.db");
            (path.to_str().context("utf-8 path")?.to_string(), Some(dir))
        }
    };
    let db = crate::cli::open(&url).await?;
    let backend = match db.backend() {
        pantau_db::Backend::Sqlite => "SQLite",
        pantau_db::Backend::Postgres => "PostgreSQL",
    };
    migrate::run(&db).await?;
    let (existing, _, _) = pantau_db::demo::scale::counts(&db).await?;
    let mut load = None;
    if existing == 0 {
        crate::cli::import_areas(&db, seed::bundled::wilayah()).await?;
        seed::offices_from_csv(&db, Actor::System("bench"), seed::bundled::OFFICES).await?;
        let started = Instant::now();
        let summary = crate::cli::generate_scale(&db, args.units).await?;
        let secs = started.elapsed().as_secs_f64();
        let t = Instant::now();
        let made = pantau_db::demo::scale::institutions(&db, args.institutions).await?;
        println!("{made} lembaga dalam {:.1} s", t.elapsed().as_secs_f64());
        load = Some((summary.rows as f64 / secs, summary.units, summary.reports));
    } else {
        println!("memakai basis data yang ada: {existing} unit");
    }
    let (units, reports, institutions) = pantau_db::demo::scale::counts(&db).await?;

    let root = offices::national_root(&db).await?.id;
    let national = Principal {
        user_id: 0,
        username: "bench".into(),
        grants: vec![Grant {
            role: Role::NationalAnalyst,
            office_id: root,
            office_path: OfficePath::root(root),
            institution_id: None,
            unit_id: None,
        }],
    };
    let year = *pantau_db::demo::scale::YEARS.end();
    let today =
        pantau_db::chrono::NaiveDate::from_ymd_opt(year as i32 + 1, 3, 1).context("bench date")?;
    let province = offices::by_code(&db, "BNNP-32").await?.id;
    let runs = args.runs.max(1);
    let baseline = time_ms(runs, || pantau_db::demo::scale::plain_group_by(&db, year)).await?;
    let national_rollup = time_ms(runs, || {
        pantau_db::dashboard::ibm(&db, &national, None, year, today)
    })
    .await?;
    let province_rollup = time_ms(runs, || {
        pantau_db::dashboard::ibm(&db, &national, Some(province), year, today)
    })
    .await?;
    println!(
        "\n| measure ({units} units, {reports} reports, {institutions} institutions; {backend}) | figure | ratio |"
    );
    println!("|---|---|---|");
    if let Some((rate, _, _)) = load {
        println!("| bulk load | {rate:.0} rows/s | |");
    }
    println!(
        "| plain GROUP BY over unit-years and the year's reports (baseline) | {baseline:.1} ms | 1.00 |"
    );
    println!(
        "| national dashboard, roll-ups (median of {runs}) | {national_rollup:.1} ms | {:.3} ({:.0}× faster) |",
        national_rollup / baseline,
        baseline / national_rollup
    );
    println!(
        "| province dashboard (Jawa Barat), roll-ups | {province_rollup:.1} ms | {:.3} |",
        province_rollup / baseline
    );
    let http = http(&db, root, args.clients, args.requests).await?;
    println!(
        "| trivial axum handler, {} clients (baseline) | {:.0} req/s | 1.00 |",
        args.clients, http.trivial_rps
    );
    println!(
        "| national dashboard page, first (uncached) request | {:.1} ms | |",
        http.dashboard_first_ms
    );
    println!(
        "| cached national dashboard page | {:.0} req/s | {:.2} |",
        http.dashboard_rps,
        http.dashboard_rps / http.trivial_rps
    );
    println!(
        "| report submissions over HTTP, {} clients | {:.0} /s, p50 {:.1} ms, p99 {:.1} ms | {:.3} |",
        args.clients,
        http.submit_rps,
        http.submit_p50,
        http.submit_p99,
        http.submit_rps / http.trivial_rps
    );
    if let Some(mb) = crate::cli::peak_rss_mb() {
        println!(
            "| peak memory so far: generator, server and load clients in one process | {mb:.0} MB | |"
        );
    }
    // The computed path scans every unit and report: one run shows the order of magnitude, and
    // its result must equal the roll-ups'. Last, because it is the memory-hungry one.
    let t = Instant::now();
    let b = pantau_db::dashboard::ibm_computed(&db, &national, None, year, today).await?;
    let national_computed = t.elapsed().as_secs_f64() * 1000.0;
    let a = pantau_db::dashboard::ibm(&db, &national, None, year, today).await?;
    if a.total != b.total || a.reporting != b.reporting || a.rows != b.rows {
        bail!("the roll-up and computed dashboards disagree");
    }
    println!(
        "| national dashboard computed from unit and report rows (one run) | {national_computed:.1} ms | {:.2} |",
        national_computed / baseline
    );
    if let Some(mb) = crate::cli::peak_rss_mb() {
        println!("| peak memory after the computed dashboard | {mb:.0} MB | |");
    }
    db.close().await;
    if let Some(dir) = temporary {
        let _ = std::fs::remove_dir_all(dir);
    }
    Ok(())
}

/// Times `runs` calls of `f`, returning the median in milliseconds.
async fn time_ms<F, Fut, T>(runs: usize, mut f: F) -> Result<f64>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = pantau_db::DbResult<T>>,
{
    let mut samples = Vec::new();
    for _ in 0..runs.max(1) {
        let t = Instant::now();
        f().await?;
        samples.push(t.elapsed().as_secs_f64() * 1000.0);
    }
    Ok(percentile(&mut samples, 0.5))
}

fn percentile(xs: &mut [f64], p: f64) -> f64 {
    xs.sort_by(|a, b| a.partial_cmp(b).unwrap_or(std::cmp::Ordering::Equal));
    xs[((xs.len() as f64 - 1.0) * p).round() as usize]
}

struct HttpFigures {
    trivial_rps: f64,
    dashboard_first_ms: f64,
    dashboard_rps: f64,
    submit_rps: f64,
    submit_p50: f64,
    submit_p99: f64,
}

/// Serves Pantau and a trivial handler on loopback and drives both with `clients` keep-alive
/// connections from this process.
async fn http(db: &Db, root: i64, clients: usize, requests: usize) -> Result<HttpFigures> {
    let data_dir = std::env::temp_dir().join(format!("pantau-bench-web-{}", std::process::id()));
    let config = pantau_web::WebConfig {
        data_dir: data_dir.clone(),
        ..Default::default()
    };
    let state = pantau_web::AppState::new(db.clone(), config);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let app_addr = listener.local_addr()?;
    let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(pantau_web::serve(listener, state, async {
        let _ = stop_rx.await;
    }));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let trivial_addr = listener.local_addr()?;
    let trivial = axum::Router::new().route("/", axum::routing::get(|| async { "ok" }));
    let trivial_server = tokio::spawn(async move { axum::serve(listener, trivial).await });

    // A national administrator's session, made directly (the login form is not what is measured).
    let username = format!("bench.{}", std::process::id());
    let user = users::create(
        db,
        Actor::System("bench"),
        users::NewUser {
            username: username.clone(),
            full_name: "Bench".into(),
            email: String::new(),
            password: format!("Bench-{}-2026", sessions::random_token()),
            grants: vec![(Role::NationalAdmin, root)],
            institution_id: None,
            unit_id: None,
        },
    )
    .await?;
    let (token, session) = sessions::create(db, user.id, "127.0.0.1", "pantau-bench").await?;
    let cookie = format!("{}={token}", pantau_web::auth::SESSION_COOKIE);

    let trivial_req: Arc<dyn Fn(usize) -> Vec<u8> + Send + Sync> =
        Arc::new(|_| b"GET / HTTP/1.1\r\nHost: bench\r\n\r\n".to_vec());
    let (secs, _) = drive(trivial_addr, clients, requests, trivial_req).await?;
    let trivial_rps = requests as f64 / secs;

    let c = cookie.clone();
    let dashboard_req: Arc<dyn Fn(usize) -> Vec<u8> + Send + Sync> = Arc::new(move |_| {
        format!("GET /dasbor?year=2025 HTTP/1.1\r\nHost: bench\r\nCookie: {c}\r\n\r\n").into_bytes()
    });
    // One request fills the cache; the measurement is of the cached page.
    let t = Instant::now();
    drive(app_addr, 1, 1, dashboard_req.clone()).await?;
    let dashboard_first_ms = t.elapsed().as_secs_f64() * 1000.0;
    let (secs, _) = drive(app_addr, clients, requests, dashboard_req).await?;
    let dashboard_rps = requests as f64 / secs;

    // New reports for the months of this year so far, one (unit, month) per request.
    let today = pantau_db::today();
    let months = (pantau_db::chrono::Datelike::month(&today) - 1).max(1) as usize;
    let year = pantau_db::chrono::Datelike::year(&today);
    let need = requests.div_ceil(months);
    let unit_ids =
        pantau_db::demo::scale::units_without_reports_since(db, &format!("{year}-01"), need)
            .await?;
    if unit_ids.len() < need {
        bail!(
            "need {need} operating units without reports this year, found {}",
            unit_ids.len()
        );
    }
    let csrf = session.csrf_token.clone();
    let submit_req: Arc<dyn Fn(usize) -> Vec<u8> + Send + Sync> = Arc::new(move |i| {
        let unit = unit_ids[i / months];
        let period = format!("{year}-{:02}", i % months + 1);
        let body = format!(
            r#"{{"period":"{period}","lines":[{{"kind":"activity","item_code":"sosialisasi","count":2}},{{"kind":"service","item_code":"skrining","sex":"l","age_band":"18_25","count":3}}]}}"#
        );
        format!(
            "POST /api/v1/ibm/units/{unit}/reports HTTP/1.1\r\nHost: bench\r\nCookie: {cookie}\r\n\
             {}: {csrf}\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
            pantau_web::auth::CSRF_HEADER,
            body.len()
        )
        .into_bytes()
    });
    let (secs, mut latencies) = drive(app_addr, clients, requests, submit_req).await?;
    let submit_rps = requests as f64 / secs;
    let submit_p50 = percentile(&mut latencies, 0.5);
    let submit_p99 = percentile(&mut latencies, 0.99);

    let _ = stop_tx.send(());
    let _ = server.await;
    trivial_server.abort();
    let _ = std::fs::remove_dir_all(data_dir);
    Ok(HttpFigures {
        trivial_rps,
        dashboard_first_ms,
        dashboard_rps,
        submit_rps,
        submit_p50,
        submit_p99,
    })
}

/// Sends `total` requests over `clients` keep-alive connections; every answer must be 200.
/// Returns the wall time in seconds and each request's latency in milliseconds.
async fn drive(
    addr: SocketAddr,
    clients: usize,
    total: usize,
    request: Arc<dyn Fn(usize) -> Vec<u8> + Send + Sync>,
) -> Result<(f64, Vec<f64>)> {
    let next = Arc::new(AtomicUsize::new(0));
    let started = Instant::now();
    let mut tasks = Vec::new();
    for _ in 0..clients {
        let next = next.clone();
        let request = request.clone();
        tasks.push(tokio::spawn(async move {
            let stream = TcpStream::connect(addr).await?;
            stream.set_nodelay(true)?;
            let mut stream = BufReader::new(stream);
            let mut latencies = Vec::new();
            loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                if i >= total {
                    break;
                }
                let t = Instant::now();
                stream.get_mut().write_all(&request(i)).await?;
                let (status, body) = read_response(&mut stream).await?;
                if status != 200 {
                    bail!(
                        "request {i}: HTTP {status}: {}",
                        String::from_utf8_lossy(&body)
                    );
                }
                latencies.push(t.elapsed().as_secs_f64() * 1000.0);
            }
            Ok::<_, anyhow::Error>(latencies)
        }));
    }
    let mut all = Vec::new();
    for t in tasks {
        all.extend(t.await??);
    }
    Ok((started.elapsed().as_secs_f64().max(1e-9), all))
}

/// Reads one HTTP/1.1 response (Content-Length or chunked body).
async fn read_response(stream: &mut BufReader<TcpStream>) -> Result<(u16, Vec<u8>)> {
    let mut line = String::new();
    let read = tokio::time::timeout(Duration::from_secs(60), stream.read_line(&mut line)).await??;
    if read == 0 {
        bail!("connection closed");
    }
    let status: u16 = line
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .context("status line")?;
    let (mut length, mut chunked) = (0usize, false);
    loop {
        line.clear();
        stream.read_line(&mut line).await?;
        let l = line.trim_end();
        if l.is_empty() {
            break;
        }
        if let Some((k, v)) = l.split_once(':') {
            let k = k.trim().to_ascii_lowercase();
            if k == "content-length" {
                length = v.trim().parse().context("content-length")?;
            } else if k == "transfer-encoding" && v.trim().eq_ignore_ascii_case("chunked") {
                chunked = true;
            }
        }
    }
    let mut body = Vec::new();
    if chunked {
        loop {
            line.clear();
            stream.read_line(&mut line).await?;
            let size = usize::from_str_radix(line.trim(), 16).context("chunk size")?;
            let mut chunk = vec![0; size + 2];
            stream.read_exact(&mut chunk).await?;
            if size == 0 {
                break;
            }
            body.extend_from_slice(&chunk[..size]);
        }
    } else {
        body.resize(length, 0);
        stream.read_exact(&mut body).await?;
    }
    Ok((status, body))
}
