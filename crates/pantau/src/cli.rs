//! Command-line interface: serve, migrate, demo, user, import.

use anyhow::{Context, Result, bail};
use clap::{Parser, Subcommand};
use indicatif::{MultiProgress, ProgressBar, ProgressStyle};
use pantau_core::access::Role;
use pantau_core::org::AreaLevel;
use pantau_db::users::{self, NewUser};
use pantau_db::wilayah::{self, WilayahFiles};
use pantau_db::{Actor, Db, migrate, offices, seed, sessions};
use pantau_web::{AppState, WebConfig};
use std::collections::HashMap;
use std::io::Read;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::{Duration, Instant};

const DEFAULT_DATABASE: &str = "sqlite://pantau-data/pantau.db";

#[derive(Parser)]
#[command(
    name = "pantau",
    version,
    about = "Pantau — pemantauan & evaluasi rehabilitasi berbasis masyarakat (BNN)"
)]
pub struct Cli {
    /// Database: `postgres://…` for PostgreSQL, or `sqlite://path` / a file path for SQLite.
    #[arg(long, global = true, env = "PANTAU_DATABASE_URL", default_value = DEFAULT_DATABASE)]
    database_url: String,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Serve the web UI and JSON API (migrates first).
    Serve {
        #[arg(long, env = "PANTAU_ADDR", default_value = "127.0.0.1:8080")]
        addr: SocketAddr,
        /// Load the demo data set first if the database is empty.
        #[arg(long)]
        demo: bool,
        /// Mark cookies Secure (when served behind HTTPS).
        #[arg(long, env = "PANTAU_COOKIE_SECURE")]
        secure_cookies: bool,
        /// Folder for uploaded evidence files.
        #[arg(long, env = "PANTAU_DATA_DIR", default_value = "pantau-data")]
        data_dir: std::path::PathBuf,
        /// Addresses of reverse proxies (comma-separated) whose X-Forwarded-For names the
        /// client; without it the header is ignored.
        #[arg(long, env = "PANTAU_TRUSTED_PROXY", value_delimiter = ',')]
        trusted_proxy: Vec<std::net::IpAddr>,
    },
    /// Apply pending database migrations.
    Migrate,
    /// Back the database up into a new file while it stays in use (SQLite: VACUUM INTO, checked;
    /// PostgreSQL: pg_dump custom format).
    Backup { file: PathBuf },
    /// Restore a backup made by `pantau backup`. Stop the server first. SQLite keeps the replaced
    /// file beside it (`.sebelum-pulih`).
    Restore {
        file: PathBuf,
        /// Needed when the database already exists: it will be replaced.
        #[arg(long)]
        force: bool,
    },
    /// Prepare an empty production database in one step: migrations, all Kemendagri areas, the
    /// bundled office tree and a national admin account (the password is printed unless given on
    /// standard input). Safe to re-run: what exists is kept.
    Init {
        /// Username of the national admin to create.
        #[arg(long)]
        admin: String,
        /// The admin's full name.
        #[arg(long, default_value = "Admin Direktorat PLRKM")]
        name: String,
        #[arg(long, default_value = "")]
        email: String,
        /// Read the password from standard input instead of generating one.
        #[arg(long)]
        password_stdin: bool,
    },
    /// Load the demo data set: all areas, the office tree, one user per role, IBM and SNI data.
    Demo {
        /// Instead of the hand-made IBM set, generate this many synthetic units with five years
        /// of monthly reports (for load tests).
        #[arg(long)]
        scale: Option<u64>,
    },
    /// Measure, on SQLite or PostgreSQL with synthetic units and institutions: load rate, dashboard latency
    /// (roll-ups, computed, plain GROUP BY), HTTP submissions and cached pages, peak memory.
    Bench {
        /// Synthetic IBM units to generate (five years of monthly reports each).
        #[arg(long, default_value_t = 20_000)]
        units: u64,
        /// Runs per dashboard measurement (the median is reported).
        #[arg(long, default_value_t = 5)]
        runs: usize,
        /// Synthetic SNI institutions to register.
        #[arg(long, default_value_t = 1_000)]
        institutions: u64,
        /// Concurrent HTTP clients.
        #[arg(long, default_value_t = 64)]
        clients: usize,
        /// Requests per HTTP measurement.
        #[arg(long, default_value_t = 20_000)]
        requests: usize,
        /// Keep the generated data here and reuse it on the next run: an SQLite file, or a
        /// PostgreSQL database (`postgres://postgres@127.0.0.1:5432/bench`) to measure production.
        #[arg(long)]
        db: Option<String>,
    },
    /// Send today's digest of waiting tasks by email to every account with an address that has
    /// not turned it off (run once a day); nobody gets the same day's digest twice.
    Remind {
        /// Print who would get what; send nothing.
        #[arg(long)]
        dry_run: bool,
        /// SMTP server: smtp://host:25 (a local relay, no TLS), smtp://user:pass@host:587?tls=required
        /// or smtps://user:pass@host:465.
        #[arg(long, env = "PANTAU_SMTP_URL")]
        smtp_url: Option<String>,
        /// The sender.
        #[arg(
            long,
            env = "PANTAU_MAIL_FROM",
            default_value = "Pantau <pantau@localhost>"
        )]
        from: String,
        /// The app's address as its users reach it, for the links in the message.
        #[arg(
            long,
            env = "PANTAU_PUBLIC_URL",
            default_value = "http://127.0.0.1:8080"
        )]
        public_url: String,
        /// The day to remind of (YYYY-MM-DD); today by default.
        #[arg(long)]
        today: Option<pantau_db::chrono::NaiveDate>,
        /// Send again to accounts that already got this day's digest.
        #[arg(long)]
        again: bool,
    },
    /// Manage users.
    #[command(subcommand)]
    User(UserCommand),
    /// Import reference data and IBM units.
    #[command(subcommand)]
    Import(ImportCommand),
    /// Export data to CSV or XLSX.
    #[command(subcommand)]
    Export(ExportCommand),
}

#[derive(Subcommand)]
enum UserCommand {
    /// Create a user with one role on one office (by office code, e.g. BNNK-32.73).
    Create {
        #[arg(long)]
        username: String,
        #[arg(long)]
        name: String,
        #[arg(long, value_parser = parse_role)]
        role: Role,
        #[arg(long)]
        office: String,
        #[arg(long, default_value = "")]
        email: String,
        /// For institution_operator: the institution's code (e.g. LR-001).
        #[arg(long)]
        institution: Option<String>,
        /// For unit_reporter: the IBM unit's code; --office is its coaching office.
        #[arg(long)]
        unit: Option<String>,
        /// Read the password from standard input instead of generating one.
        #[arg(long)]
        password_stdin: bool,
    },
    /// Set a new password (generated unless --password-stdin) and end the user's sessions.
    ResetPassword {
        #[arg(long)]
        username: String,
        #[arg(long)]
        password_stdin: bool,
    },
    /// List users with their roles.
    List,
    /// Make an API token for a user (printed once); it acts with that user's rights.
    Token {
        #[arg(long)]
        username: String,
        #[arg(long)]
        name: String,
        /// Days it stays valid (at most the auth.token_max_days setting, 90 by default).
        #[arg(long, default_value_t = 90)]
        days: i64,
    },
    /// Disable an account: every session and API token of it ends at once.
    Disable {
        #[arg(long)]
        username: String,
    },
    /// Enable a disabled account again.
    Enable {
        #[arg(long)]
        username: String,
    },
    /// List a user's API tokens, or revoke one of them.
    Tokens {
        #[arg(long)]
        username: String,
        /// The id of the token to revoke (from the list).
        #[arg(long)]
        revoke: Option<i64>,
    },
}

#[derive(Subcommand)]
enum ImportCommand {
    /// Kemendagri areas from a folder holding provinces.csv, regencies.csv, districts.csv,
    /// villages.csv (idn-area-data layout). Without a folder, the bundled copy is used.
    Wilayah { dir: Option<PathBuf> },
    /// Offices from a CSV with columns code,level,name,parent_code,area_codes. Without a file,
    /// the bundled tree (BNN RI, 34 BNNP, 173 BNNK; see data/satker/README.md).
    Satker { file: Option<PathBuf> },
    /// IBM units from a CSV or XLSX file (columns: `pantau export template FILE`), all or nothing,
    /// matched by unit code: existing units are updated, unchanged rows skipped.
    Unit {
        file: PathBuf,
        /// Check and count what would change, write nothing.
        #[arg(long)]
        dry_run: bool,
        /// The monitoring year new units start in (default: this year).
        #[arg(long)]
        year: Option<i64>,
    },
    /// Periodic IBM reports from a CSV or XLSX file, one row per line (columns: kode_unit,
    /// periode, jenis, kode_item, jumlah, jenis_kelamin, kelompok_umur, tingkat_risiko); all or
    /// nothing, matched by unit and period.
    Laporan {
        file: PathBuf,
        #[arg(long)]
        dry_run: bool,
    },
    /// Agen Pemulihan from a CSV or XLSX file (columns: kode_unit, nama, jenis_kelamin, peran,
    /// tahun_bergabung, aktif, telepon, pelatihan), matched by unit code and name.
    Agen {
        file: PathBuf,
        #[arg(long)]
        dry_run: bool,
    },
    /// Rehabilitation institutions from a CSV or XLSX file, matched by institution code.
    Lembaga {
        file: PathBuf,
        #[arg(long)]
        dry_run: bool,
    },
    /// SNI coaching before Pantau: one row per institution and year (kode, nama, kode_wilayah,
    /// kepemilikan, tahun, jalur, hasil, tanggal_sertifikat); institutions matched by code or
    /// created. All or nothing; importing the same file again changes nothing.
    #[command(name = "riwayat-sni")]
    RiwayatSni {
        file: PathBuf,
        #[arg(long)]
        dry_run: bool,
    },
    /// SNI coaching targets: one row per office, year and track (kode_satker, tahun, jalur,
    /// target). All or nothing; importing the same file again changes nothing.
    #[command(name = "target-sni")]
    TargetSni {
        file: PathBuf,
        #[arg(long)]
        dry_run: bool,
    },
    /// Aggregate values received from another system: DHIS2 dataValueSets JSON (.json) or ADX
    /// XML (.xml), codes translated back by the exchange mapping, kept under `--source` beside
    /// Pantau's own figures (`GET /api/v1/exchange/values`).
    Agregat {
        file: PathBuf,
        /// e.g. dhis2-kemenkes (default: the payload's data set code).
        #[arg(long)]
        source: Option<String>,
        #[arg(long)]
        dry_run: bool,
    },
    /// A new SNI instrument version from a CSV or XLSX file; it becomes the active version.
    Instrumen {
        file: PathBuf,
        /// The version's code, e.g. sni-8807-2022-v2 (a used code with the same content is a no-op).
        #[arg(long)]
        code: String,
        #[arg(long)]
        title: String,
        /// Pass threshold between 0 and 1.
        #[arg(long, default_value_t = 0.8)]
        threshold: f64,
        #[arg(long)]
        dry_run: bool,
    },
}

#[derive(Subcommand)]
enum ExportCommand {
    /// IBM units, in the import columns; the format follows the file's extension (.csv, .xlsx).
    Unit { file: PathBuf },
    /// An empty import template with one example row (.csv or .xlsx).
    Template {
        file: PathBuf,
        /// unit, agen, laporan, lembaga, riwayat-sni, target-sni or instrumen.
        #[arg(long, default_value = "unit")]
        jenis: String,
    },
    /// Agen Pemulihan with their trainings, in the import columns (.csv or .xlsx).
    Agen { file: PathBuf },
    /// Rehabilitation institutions, in the import columns (.csv or .xlsx).
    Lembaga { file: PathBuf },
    /// SNI coaching targets (of one year, or all), in the import columns (.csv or .xlsx).
    #[command(name = "target-sni")]
    TargetSni {
        file: PathBuf,
        #[arg(long)]
        year: Option<i64>,
    },
    /// An SNI instrument version (default: the active one), in the import columns.
    Instrumen {
        file: PathBuf,
        #[arg(long)]
        id: Option<i64>,
    },
    /// Periodic report lines of a year, in the import columns (.csv or .xlsx).
    Laporan {
        file: PathBuf,
        #[arg(long)]
        year: i64,
    },
    /// The API's OpenAPI document (JSON), as served at /api/openapi.json.
    Openapi { file: PathBuf },
    /// National and per-BNNP indicator values of a year as DHIS2 dataValueSets JSON (.json) or
    /// ADX XML (.xml), codes translated by the exchange mapping.
    Aggregate {
        file: PathBuf,
        #[arg(long)]
        year: i64,
    },
}

fn parse_role(s: &str) -> Result<Role, String> {
    Role::parse(s).ok_or_else(|| {
        let all: Vec<&str> = Role::ALL.iter().map(|r| r.as_str()).collect();
        format!("unknown role {s:?}; one of: {}", all.join(", "))
    })
}

pub async fn run(cli: Cli) -> Result<()> {
    // A restore replaces the database, so it must not hold it open.
    if let Command::Restore { file, force } = &cli.command {
        let url = &cli.database_url;
        let is_pg = url.starts_with("postgres://") || url.starts_with("postgresql://");
        if !is_pg && pantau_db::backup::sqlite_path(url).exists() && !force {
            bail!(
                "the database {url} exists; add --force to replace it (it is kept as .sebelum-pulih)"
            );
        }
        if is_pg && !force {
            bail!("restoring drops and recreates the dumped objects in {url}; add --force");
        }
        pantau_db::backup::restore(url, file).await?;
        println!("dipulihkan dari {}", file.display());
        return Ok(());
    }
    let db = open(&cli.database_url).await?;
    match cli.command {
        Command::Backup { file } => {
            let info = pantau_db::backup::backup(&db, &cli.database_url, None, &file).await?;
            println!(
                "cadangan {} ({} bytes, {} migrasi), diperiksa utuh",
                info.path.display(),
                info.bytes,
                info.migrations
            );
        }
        Command::Restore { .. } => unreachable!("handled before the database is opened"),
        Command::Migrate => {
            println!("{} migration(s) applied", migrate::run(&db).await?);
        }
        Command::Serve {
            addr,
            demo,
            secure_cookies,
            data_dir,
            trusted_proxy,
        } => {
            migrate::run(&db).await?;
            if demo && seed::is_empty(&db).await? {
                load_demo(&db).await?;
            }
            serve(
                db,
                addr,
                WebConfig {
                    secure_cookies,
                    data_dir,
                    trusted_proxies: trusted_proxy,
                    ..WebConfig::default()
                },
            )
            .await?;
        }
        Command::Init {
            admin,
            name,
            email,
            password_stdin,
        } => {
            let applied = migrate::run(&db).await?;
            println!("{applied} migrasi diterapkan");
            import_areas(&db, seed::bundled::wilayah()).await?;
            let created =
                seed::offices_from_csv(&db, Actor::System("init"), seed::bundled::OFFICES).await?;
            println!("satker: {created} baru");
            if users::by_username(&db, &admin).await.is_ok() {
                println!("pengguna {admin} sudah ada; tidak diubah");
            } else {
                let root = pantau_db::offices::national_root(&db).await?;
                let (password, generated) = read_password(password_stdin)?;
                users::create(
                    &db,
                    Actor::System("init"),
                    NewUser {
                        username: admin.clone(),
                        full_name: name,
                        email,
                        password: password.clone(),
                        grants: vec![(Role::NationalAdmin, root.id)],
                        institution_id: None,
                        unit_id: None,
                    },
                )
                .await?;
                println!("admin nasional {admin} dibuat");
                if generated {
                    println!("kata sandi: {password}");
                }
            }
        }
        Command::Demo { scale: None } => {
            migrate::run(&db).await?;
            load_demo(&db).await?;
        }
        Command::Demo { scale: Some(n) } => {
            migrate::run(&db).await?;
            import_areas(&db, seed::bundled::wilayah()).await?;
            seed::offices_from_csv(&db, Actor::System("demo"), seed::bundled::OFFICES).await?;
            seed::demo_users(&db).await?;
            generate_scale(&db, n).await?;
        }
        Command::Bench {
            units,
            runs,
            institutions,
            clients,
            requests,
            db: bench_db,
        } => {
            crate::bench::run(crate::bench::BenchArgs {
                units,
                runs,
                institutions,
                clients,
                requests,
                db: bench_db,
            })
            .await?
        }
        Command::Remind {
            dry_run,
            smtp_url,
            from,
            public_url,
            today,
            again,
        } => {
            migrate::run(&db).await?;
            crate::remind::run(
                &db,
                crate::remind::RemindArgs {
                    dry_run,
                    smtp_url,
                    from,
                    public_url,
                    today: today.unwrap_or_else(pantau_db::today),
                    again,
                },
            )
            .await?;
        }
        Command::User(cmd) => {
            migrate::run(&db).await?;
            user_command(&db, cmd).await?;
        }
        Command::Import(cmd) => {
            migrate::run(&db).await?;
            import_command(&db, cmd).await?;
        }
        Command::Export(cmd) => {
            migrate::run(&db).await?;
            export_command(&db, cmd).await?;
        }
    }
    Ok(())
}

pub(crate) async fn open(url: &str) -> Result<Db> {
    if let Some(path) = url
        .strip_prefix("sqlite://")
        .or_else(|| url.strip_prefix("sqlite:"))
    {
        let file = Path::new(path.split('?').next().unwrap_or(path));
        if let Some(dir) = file.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
        }
    }
    Db::connect(url)
        .await
        .with_context(|| format!("opening database {url}"))
}

async fn serve(db: Db, addr: SocketAddr, config: WebConfig) -> Result<()> {
    let login = config.login;
    let state = AppState::new(db.clone(), config);
    // Expired sessions, forgotten sign-in failures and week-old idempotency keys are removed in
    // the background; lookups refuse expired sessions anyway.
    let purge_db = db.clone();
    tokio::spawn(async move {
        loop {
            tokio::time::sleep(Duration::from_secs(600)).await;
            if let Err(e) = sessions::purge_expired(&purge_db).await {
                tracing::warn!(error = %e, "session purge failed");
            }
            if let Err(e) = pantau_db::throttle::purge(&purge_db, &login).await {
                tracing::warn!(error = %e, "sign-in throttle purge failed");
            }
            if let Err(e) = pantau_db::idempotency::forget_old(&purge_db).await {
                tracing::warn!(error = %e, "idempotency key purge failed");
            }
        }
    });
    let listener = tokio::net::TcpListener::bind(addr)
        .await
        .with_context(|| format!("binding {addr}"))?;
    let local = listener.local_addr()?;
    println!(
        "Pantau berjalan di http://{local}  (database: {})",
        db.backend().name()
    );
    pantau_web::serve(listener, state, async {
        let _ = tokio::signal::ctrl_c().await;
    })
    .await?;
    Ok(())
}

fn bar_style() -> ProgressStyle {
    ProgressStyle::with_template("{prefix:>16} [{bar:40}] {pos:>6}/{len:6} {per_sec}")
        .expect("valid progress template")
        .progress_chars("=> ")
}

/// Imports areas with one progress bar per level.
pub(crate) async fn import_areas<R: Read>(
    db: &Db,
    files: WilayahFiles<R>,
) -> Result<wilayah::LevelCounts> {
    let multi = MultiProgress::new();
    let bars: Mutex<HashMap<&'static str, ProgressBar>> = Mutex::new(HashMap::new());
    let started = Instant::now();
    let progress = |level: AreaLevel, done: u64, total: u64| {
        let mut bars = bars.lock().expect("progress lock");
        let bar = bars.entry(level.as_str()).or_insert_with(|| {
            let b = multi.add(ProgressBar::new(total));
            b.set_style(bar_style());
            b.set_prefix(level.as_str());
            b
        });
        bar.set_position(done);
        if done >= total {
            bar.finish();
        }
    };
    let inserted = wilayah::import(db, files, AreaLevel::Village, &progress).await?;
    println!(
        "wilayah: {} baru ({} provinsi, {} kab/kota, {} kecamatan, {} desa/kelurahan) dalam {:.1} s",
        inserted.total(),
        inserted.provinces,
        inserted.regencies,
        inserted.districts,
        inserted.villages,
        started.elapsed().as_secs_f64()
    );
    Ok(inserted)
}

async fn load_demo(db: &Db) -> Result<()> {
    println!("Memuat data demo…");
    import_areas(db, seed::bundled::wilayah()).await?;
    let created = seed::offices_from_csv(db, Actor::System("demo"), seed::bundled::OFFICES).await?;
    println!("satker: {created} baru");
    let mut existed = Vec::new();
    for (username, ..) in seed::DEMO_USERS {
        if users::by_username(db, username).await.is_ok() {
            existed.push(*username);
        }
    }
    seed::demo_users(db).await?;
    let started = Instant::now();
    let ibm = pantau_db::demo::ibm::load(db, pantau_db::today()).await?;
    if ibm.units > 0 {
        println!(
            "IBM: {} unit, {} laporan ({:.1} s)",
            ibm.units,
            ibm.reports,
            started.elapsed().as_secs_f64()
        );
    }
    let started = Instant::now();
    let sni = pantau_db::demo::sni::load(db).await?;
    if sni.institutions > 0 {
        println!(
            "SNI: {} lembaga, {} kohort ({:.1} s)",
            sni.institutions,
            sni.cohorts,
            started.elapsed().as_secs_f64()
        );
    }
    let started = Instant::now();
    let story = pantau_db::demo::story::load(db).await?;
    if story.rows > 0 {
        println!(
            "cerita program: riwayat SNI 2020–2024 {} lembaga ({} baris), {} lembaga dibina 2025, {} unit-tahun IBM sebelum 2025 ({:.1} s)",
            story.institutions,
            story.rows,
            story.coached,
            story.unit_years,
            started.elapsed().as_secs_f64()
        );
    }
    println!("\nAkun demo (kata sandi semua: {}):", seed::DEMO_PASSWORD);
    for (username, _, role, office) in seed::DEMO_USERS {
        let note = if existed.contains(username) {
            " (sudah ada)"
        } else {
            ""
        };
        println!("  {username:<18} {:<22} {office}{note}", role.as_str());
    }
    Ok(())
}

pub(crate) async fn generate_scale(
    db: &Db,
    n: u64,
) -> Result<pantau_db::demo::scale::ScaleSummary> {
    let bar = ProgressBar::new(n);
    bar.set_style(bar_style());
    bar.set_prefix("unit sintetis");
    let started = Instant::now();
    let summary = pantau_db::demo::scale::generate(db, n, &|done| bar.set_position(done)).await?;
    bar.finish();
    let secs = started.elapsed().as_secs_f64();
    println!(
        "{} unit, {} laporan, {} baris dalam {secs:.1} s ({:.0} baris/s)",
        summary.units,
        summary.reports,
        summary.rows,
        summary.rows as f64 / secs
    );
    Ok(summary)
}

pub(crate) fn peak_rss_mb() -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let kb: f64 = status
        .lines()
        .find(|l| l.starts_with("VmHWM:"))?
        .split_whitespace()
        .nth(1)?
        .parse()
        .ok()?;
    Some(kb / 1024.0)
}

fn read_password(from_stdin: bool) -> Result<(String, bool)> {
    if from_stdin {
        let mut s = String::new();
        std::io::stdin().read_to_string(&mut s)?;
        let p = s.trim_end_matches(['\n', '\r']).to_string();
        if p.is_empty() {
            bail!("no password on standard input");
        }
        Ok((p, false))
    } else {
        // Letters and digits both present, as the password rules require.
        let t = sessions::random_token();
        Ok((format!("Pt{}9", &t[..14]), true))
    }
}

async fn set_active(db: &Db, username: &str, active: bool) -> Result<()> {
    let user = users::by_username(db, username).await?;
    users::set_active(db, Actor::System("cli"), user.id, active).await?;
    if active {
        println!("akun {username} aktif kembali");
    } else {
        println!("akun {username} dinonaktifkan; semua sesi dan token API-nya diakhiri");
    }
    Ok(())
}

async fn user_command(db: &Db, cmd: UserCommand) -> Result<()> {
    match cmd {
        UserCommand::Create {
            username,
            name,
            role,
            office,
            email,
            institution,
            unit,
            password_stdin,
        } => {
            let office = offices::by_code(db, &office).await?;
            let institution_id = match institution {
                Some(code) => Some(pantau_db::sni::institutions::by_code(db, &code).await?.id),
                None => None,
            };
            let unit_id = match unit {
                Some(code) => Some(pantau_db::ibm::units::by_code(db, &code).await?.id),
                None => None,
            };
            let (password, generated) = read_password(password_stdin)?;
            let user = users::create(
                db,
                Actor::System("cli"),
                NewUser {
                    username,
                    full_name: name,
                    email,
                    password: password.clone(),
                    grants: vec![(role, office.id)],
                    institution_id,
                    unit_id,
                },
            )
            .await?;
            println!(
                "pengguna {} dibuat ({} di {})",
                user.username,
                role.as_str(),
                office.name
            );
            if generated {
                println!("kata sandi: {password}");
            }
        }
        UserCommand::Token {
            username,
            name,
            days,
        } => {
            let user = users::by_username(db, &username).await?;
            let (token, t) =
                pantau_db::tokens::create(db, Actor::System("cli"), user.id, &name, days, "")
                    .await?;
            println!(
                "token {} untuk {username}, berlaku sampai {}:",
                t.name,
                t.expires_at.unwrap_or_default()
            );
            println!("{token}");
        }
        UserCommand::Disable { username } => set_active(db, &username, false).await?,
        UserCommand::Enable { username } => set_active(db, &username, true).await?,
        UserCommand::Tokens { username, revoke } => {
            let user = users::by_username(db, &username).await?;
            let cli = Actor::System("cli");
            if let Some(id) = revoke {
                pantau_db::tokens::revoke(db, cli, user.id, id).await?;
                println!("token {id} milik {username} dicabut");
            }
            for t in pantau_db::tokens::list_for(db, cli, user.id).await? {
                let state = if t.revoked { "dicabut" } else { "berlaku" };
                println!(
                    "{:>6}  {:<30}  {state:<8}  dibuat {}  sampai {}  terakhir dipakai {}",
                    t.id,
                    t.name,
                    t.created_at,
                    t.expires_at.as_deref().unwrap_or("-"),
                    t.last_used_at.as_deref().unwrap_or("-")
                );
            }
        }
        UserCommand::ResetPassword {
            username,
            password_stdin,
        } => {
            let user = users::by_username(db, &username).await?;
            let (password, generated) = read_password(password_stdin)?;
            users::set_password(db, Actor::System("cli"), user.id, &password).await?;
            println!("kata sandi {} diganti; sesinya diakhiri", user.username);
            if generated {
                println!("kata sandi baru: {password}");
            }
        }
        UserCommand::List => {
            let admin = pantau_core::access::Principal {
                user_id: 0,
                username: "cli".into(),
                grants: vec![pantau_core::access::Grant {
                    role: Role::NationalAdmin,
                    office_id: 0,
                    office_path: pantau_core::org::OfficePath::root(0),
                    institution_id: None,
                    unit_id: None,
                }],
            };
            for (u, grants) in users::list(db, &admin).await? {
                let roles: Vec<String> = grants
                    .iter()
                    .map(|g| format!("{}@{}", g.role, g.office_name))
                    .collect();
                println!(
                    "{:<20} {:<40} {}",
                    u.username,
                    u.full_name,
                    roles.join(", ")
                );
            }
        }
    }
    Ok(())
}

async fn import_command(db: &Db, cmd: ImportCommand) -> Result<()> {
    match cmd {
        ImportCommand::Wilayah { dir: None } => {
            import_areas(db, seed::bundled::wilayah()).await?;
        }
        ImportCommand::Wilayah { dir: Some(dir) } => {
            let open = |name: &str| -> Result<Box<dyn Read>> {
                let p = dir.join(name);
                Ok(Box::new(
                    std::fs::File::open(&p).with_context(|| format!("opening {}", p.display()))?,
                ))
            };
            let files = WilayahFiles {
                provinces: open("provinces.csv")?,
                regencies: open("regencies.csv")?,
                districts: open("districts.csv")?,
                villages: open("villages.csv")?,
            };
            import_areas(db, files).await?;
        }
        ImportCommand::Satker { file } => {
            let n = match file {
                Some(file) => {
                    let f = std::fs::File::open(&file)
                        .with_context(|| format!("opening {}", file.display()))?;
                    seed::offices_from_csv(db, Actor::System("cli"), f).await?
                }
                None => {
                    seed::offices_from_csv(db, Actor::System("cli"), seed::bundled::OFFICES).await?
                }
            };
            println!("satker: {n} baru");
        }
        ImportCommand::Laporan { file, dry_run } => import_reports(db, &file, dry_run).await?,
        ImportCommand::Agen { file, dry_run } => {
            import_sheet(db, Sheet::Agents, &file, dry_run).await?
        }
        ImportCommand::RiwayatSni { file, dry_run } => {
            import_sheet(db, Sheet::History, &file, dry_run).await?
        }
        ImportCommand::TargetSni { file, dry_run } => {
            import_sheet(db, Sheet::Targets, &file, dry_run).await?
        }
        ImportCommand::Lembaga { file, dry_run } => {
            import_sheet(db, Sheet::Institutions, &file, dry_run).await?
        }
        ImportCommand::Agregat {
            file,
            source,
            dry_run,
        } => {
            use pantau_core::aggregate::{parse_adx_xml, parse_dhis2_json};
            let bytes =
                std::fs::read(&file).with_context(|| format!("reading {}", file.display()))?;
            let parsed = match file.extension().and_then(|e| e.to_str()) {
                Some("json") => parse_dhis2_json(&bytes),
                Some("xml") => parse_adx_xml(&bytes),
                _ => bail!("the file name must end in .json (DHIS2) or .xml (ADX)"),
            };
            let incoming = match parsed {
                Ok(set) => set,
                Err(errors) => {
                    let errors: Vec<pantau_db::exchange::RowError> =
                        errors.into_iter().map(Into::into).collect();
                    return report_row_errors(&errors);
                }
            };
            let source = source
                .or_else(|| incoming.data_set.clone())
                .unwrap_or_default()
                .to_lowercase();
            let result = pantau_db::exchange::aggregate::import_values(
                db,
                Actor::System("cli"),
                &source,
                &incoming,
                dry_run,
            )
            .await?;
            print_import(result, &format!("nilai agregat ({source})"))?;
        }
        ImportCommand::Instrumen {
            file,
            code,
            title,
            threshold,
            dry_run,
        } => {
            let Some(table) = table_or_errors(&file)? else {
                return Ok(());
            };
            match pantau_db::sni::instrument::import(
                db,
                Actor::System("cli"),
                &code,
                &title,
                threshold,
                &table,
                dry_run,
            )
            .await?
            {
                Ok(done) => {
                    let what = if done.dry_run {
                        "uji coba (tidak disimpan)"
                    } else if done.unchanged {
                        "versi yang sama sudah ada; tidak ada yang diubah"
                    } else {
                        "tersimpan dan aktif"
                    };
                    println!(
                        "instrumen {code}: {} aspek, {} butir — {what}",
                        done.aspects, done.requirements
                    );
                }
                Err(errors) => report_row_errors(&errors)?,
            }
        }
        ImportCommand::Unit {
            file,
            dry_run,
            year,
        } => {
            let table = match read_table(&file)? {
                Ok(t) => t,
                Err(errors) => return report_row_errors(&errors),
            };
            let bar = progress_bar(table.rows.len(), "unit IBM");
            let year = year.unwrap_or_else(|| {
                pantau_db::chrono::Datelike::year(&pantau_db::chrono::Utc::now()) as i64
            });
            let result = pantau_db::exchange::units::import(
                db,
                Actor::System("cli"),
                &table,
                year,
                dry_run,
                &|done| bar.set_position(done as u64),
            )
            .await?;
            bar.finish_and_clear();
            print_import(result, "unit")?;
        }
    }
    Ok(())
}

async fn import_reports(db: &Db, file: &std::path::Path, dry_run: bool) -> Result<()> {
    let table = match read_table(file)? {
        Ok(t) => t,
        Err(errors) => return report_row_errors(&errors),
    };
    let bar = progress_bar(table.rows.len(), "laporan");
    let result =
        pantau_db::exchange::reports::import(db, Actor::System("cli"), &table, dry_run, &|done| {
            bar.set_position(done as u64)
        })
        .await?;
    bar.finish_and_clear();
    print_import(result, "laporan")
}

/// The file as a table; when it cannot be read, its problems are printed and the command fails.
/// The spreadsheet importers that take a table and nothing else.
#[derive(Clone, Copy)]
enum Sheet {
    Agents,
    Institutions,
    History,
    Targets,
}

/// Reads `file` and runs `sheet`'s importer over it with a progress bar.
async fn import_sheet(db: &Db, sheet: Sheet, file: &std::path::Path, dry_run: bool) -> Result<()> {
    use pantau_db::exchange;
    let Some(table) = table_or_errors(file)? else {
        return Ok(());
    };
    let (prefix, what) = match sheet {
        Sheet::Agents => ("agen", "agen"),
        Sheet::Institutions => ("lembaga", "lembaga"),
        Sheet::History => ("riwayat", "riwayat SNI"),
        Sheet::Targets => ("target", "target SNI"),
    };
    let bar = progress_bar(table.rows.len(), prefix);
    let progress = |done: usize| bar.set_position(done as u64);
    let actor = Actor::System("cli");
    let result = match sheet {
        Sheet::Agents => exchange::agents::import(db, actor, &table, dry_run, &progress).await?,
        Sheet::Institutions => {
            exchange::institutions::import(db, actor, &table, dry_run, &progress).await?
        }
        Sheet::History => exchange::history::import(db, actor, &table, dry_run, &progress).await?,
        Sheet::Targets => exchange::targets::import(db, actor, &table, dry_run, &progress).await?,
    };
    bar.finish_and_clear();
    print_import(result, what)
}

fn table_or_errors(file: &std::path::Path) -> Result<Option<pantau_db::exchange::Table>> {
    match read_table(file)? {
        Ok(t) => Ok(Some(t)),
        Err(errors) => report_row_errors(&errors).map(|_| None),
    }
}

fn progress_bar(rows: usize, prefix: &'static str) -> ProgressBar {
    let bar = ProgressBar::new(rows as u64);
    bar.set_style(bar_style());
    bar.set_prefix(prefix);
    bar
}

/// A CSV or XLSX file as a table, or the reasons it cannot be read.
fn read_table(
    file: &std::path::Path,
) -> Result<Result<pantau_db::exchange::Table, Vec<pantau_db::exchange::RowError>>> {
    let bytes = std::fs::read(file).with_context(|| format!("reading {}", file.display()))?;
    Ok(pantau_db::exchange::read(&bytes))
}

/// An import's outcome: the counts, or the row errors (and a failed command).
fn print_import(
    result: Result<pantau_db::exchange::units::ImportSummary, Vec<pantau_db::exchange::RowError>>,
    what: &str,
) -> Result<()> {
    match result {
        Ok(s) => {
            let dry = if s.dry_run {
                "uji coba (tidak disimpan): "
            } else {
                ""
            };
            println!(
                "{dry}{} baris → {what}: {} baru, {} diubah, {} tetap",
                s.rows, s.created, s.updated, s.unchanged
            );
            let catalogue = pantau_web::i18n::I18n::new();
            for w in &s.warnings {
                eprintln!(
                    "peringatan: kolom {}: {}",
                    w.column,
                    catalogue.render(pantau_web::i18n::Lang::Id, &w.reason)
                );
            }
            Ok(())
        }
        Err(errors) => report_row_errors(&errors),
    }
}

/// Prints row errors as a table (row, column, value, reason) and fails the command.
fn report_row_errors(errors: &[pantau_db::exchange::RowError]) -> Result<()> {
    eprintln!("baris\tkolom\tnilai\talasan");
    let catalogue = pantau_web::i18n::I18n::new();
    for e in errors {
        eprintln!(
            "{}\t{}\t{}\t{}",
            e.row,
            e.column,
            e.value,
            catalogue.render(pantau_web::i18n::Lang::Id, &e.reason)
        );
    }
    bail!("{} kesalahan; tidak ada yang disimpan", errors.len())
}

async fn export_command(db: &Db, cmd: ExportCommand) -> Result<()> {
    use pantau_db::exchange::{self, Format};
    if let ExportCommand::Openapi { file } = &cmd {
        let body = serde_json::to_string_pretty(&pantau_web::api::doc::document())?;
        std::fs::write(file, body).with_context(|| format!("writing {}", file.display()))?;
        println!("OpenAPI ke {}", file.display());
        return Ok(());
    }
    // The unit template's workbook has drop-down lists and notes of its own.
    let cmd_is_unit_template =
        matches!(&cmd, ExportCommand::Template { jenis, .. } if jenis == "unit");
    // Templates need no data; everything else is read as a national reader.
    let root = match &cmd {
        ExportCommand::Template { .. } => 0,
        _ => offices::national_root(db).await?.id,
    };
    let everyone = pantau_core::access::Principal {
        user_id: 0,
        username: "cli".into(),
        grants: vec![pantau_core::access::Grant {
            role: Role::NationalAnalyst,
            office_id: root,
            office_path: pantau_core::org::OfficePath::root(root),
            institution_id: None,
            unit_id: None,
        }],
    };
    let (file, table) = match cmd {
        ExportCommand::Openapi { .. } => unreachable!("answered above"),
        ExportCommand::Unit { file } => (file, exchange::units::export(db, &everyone, None).await?),
        ExportCommand::Aggregate { file, year } => {
            use pantau_core::aggregate;
            let today = pantau_db::today();
            let offices =
                exchange::aggregate::office_values(db, &everyone, None, year, today).await?;
            let mapping = exchange::aggregate::mapping(db).await?;
            let values = aggregate::data_values(year, &offices, &mapping);
            let data_set = mapping.code("data_set", exchange::aggregate::DATA_SET);
            let body = match file.extension().and_then(|e| e.to_str()) {
                Some("json") => {
                    serde_json::to_string_pretty(&aggregate::dhis2_json(data_set, &values))?
                }
                Some("xml") => {
                    aggregate::adx_xml(data_set, year, &values, &pantau_db::now_rfc3339())
                }
                _ => bail!("the file name must end in .json (DHIS2) or .xml (ADX)"),
            };
            std::fs::write(&file, body).with_context(|| format!("writing {}", file.display()))?;
            println!("{} nilai ke {}", values.len(), file.display());
            return Ok(());
        }
        ExportCommand::Template { file, jenis } => (
            file,
            match jenis.as_str() {
                "unit" => exchange::units::template(chrono_year()),
                "agen" => exchange::agents::template(),
                "laporan" => exchange::reports::template(),
                "lembaga" => exchange::institutions::template(),
                "riwayat-sni" => exchange::history::template(),
                "target-sni" => exchange::targets::template(),
                "instrumen" => exchange::Table::new(&pantau_db::sni::instrument::import_columns()),
                other => bail!(
                    "unknown kind {other:?}: unit, agen, laporan, lembaga, riwayat-sni, target-sni, instrumen"
                ),
            },
        ),
        ExportCommand::Agen { file } => (
            file,
            exchange::agents::export(db, Actor::System("cli")).await?,
        ),
        ExportCommand::Lembaga { file } => {
            (file, exchange::institutions::export(db, &everyone).await?)
        }
        ExportCommand::TargetSni { file, year } => {
            (file, exchange::targets::export(db, &everyone, year).await?)
        }
        ExportCommand::Instrumen { file, id } => {
            use pantau_db::sni::instrument;
            let found = match id {
                Some(id) => instrument::load(db, id).await?,
                None => instrument::active(db).await?,
            };
            (file, instrument::export(&found))
        }
        ExportCommand::Laporan { file, year } => {
            (file, exchange::reports::export(db, &everyone, year).await?)
        }
    };
    let format = file
        .extension()
        .and_then(|e| e.to_str())
        .and_then(Format::parse)
        .context("the file name must end in .csv or .xlsx")?;
    let bytes = match (cmd_is_unit_template, format) {
        (true, Format::Xlsx) => exchange::units::template_workbook(db, chrono_year()).await?,
        _ => exchange::write(&table, format, "data")?,
    };
    std::fs::write(&file, bytes).with_context(|| format!("writing {}", file.display()))?;
    println!("{} baris ke {}", table.rows.len(), file.display());
    Ok(())
}

/// This year (the template's per-year columns are for it).
fn chrono_year() -> i64 {
    use pantau_db::chrono::Datelike;
    pantau_db::chrono::Utc::now().year() as i64
}
