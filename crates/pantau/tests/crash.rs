//! Crash safety, end to end through the real binary: the server is killed with SIGKILL while
//! clients are submitting reports, and an import process is killed half-way. After a restart,
//! every write the server acknowledged is there, nothing half-written is, the roll-ups still
//! equal a rebuild, and (SQLite) the file passes `PRAGMA integrity_check`. On both databases.

mod common;
use common::*;

use pantau_db::testing;
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::Duration;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn acknowledged_writes_survive_a_killed_server_and_a_killed_import_leaves_nothing() {
    for t in testing::all().await {
        let url = url_of(&t);
        let dir =
            std::env::temp_dir().join(format!("pantau_crash_{}_{}", t.label, std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        must(&url, &["import", "wilayah"]);
        let offices = concat!(env!("CARGO_MANIFEST_DIR"), "/../../data/satker/offices.csv");
        must(&url, &["import", "satker", offices]);
        must(
            &url,
            &[
                "user",
                "create",
                "--username",
                "ops.crash",
                "--name",
                "Ops",
                "--role",
                "national_admin",
                "--office",
                "BNN",
            ],
        );
        let out = must(
            &url,
            &["user", "token", "--username", "ops.crash", "--name", "uji"],
        );
        let token = out.lines().last().unwrap().trim().to_string();
        assert!(token.starts_with("pt_"), "{out}");
        let bandung: i64 = sqlx::query_scalar("SELECT id FROM offices WHERE code = 'BNNK-32.73'")
            .fetch_one(t.db.pool())
            .await
            .unwrap();

        let port = free_port();
        let mut server = start_server(&url, port, &dir).await;
        let mut units = Vec::new();
        for i in 0..12 {
            let body = serde_json::json!({"code": format!("IBM-K{i}"), "name": "Unit", "village_code": "32.73.01.1001",
                "office_id": bandung, "year_formed": 2025, "decree_number": "SK-1", "funding_source": "apbn", "first_year": 2026});
            let (status, body) =
                request(port, "POST", "/api/v1/ibm/units", &token, &body.to_string())
                    .await
                    .unwrap();
            assert_eq!(status, 200, "{}: {body}", t.label);
            let id = serde_json::from_str::<serde_json::Value>(&body).unwrap()["unit"]["id"]
                .as_i64()
                .unwrap();
            for status in ["dibentuk", "ap_dilatih", "operasional"] {
                let b =
                    serde_json::json!({"status": status, "effective": "2026-01-05"}).to_string();
                let r = request(
                    port,
                    "POST",
                    &format!("/api/v1/ibm/units/{id}/status"),
                    &token,
                    &b,
                )
                .await
                .unwrap();
                assert_eq!(r.0, 200, "{}", r.1);
            }
            units.push(id);
        }
        // Clients submit reports; the server is killed while they are still going.
        let jobs: Vec<(i64, String)> = units
            .iter()
            .flat_map(|u| (1..=10).map(move |m| (*u, format!("2026-{m:02}"))))
            .collect();
        let jobs = Arc::new(Mutex::new(jobs));
        let acked: Arc<Mutex<Vec<(i64, String)>>> = Arc::default();
        let mut clients = Vec::new();
        for _ in 0..8 {
            let (jobs, acked, token) = (jobs.clone(), acked.clone(), token.clone());
            clients.push(tokio::spawn(async move {
                loop {
                    let Some((unit, period)) = jobs.lock().unwrap().pop() else {
                        break;
                    };
                    let body = format!(
                        r#"{{"period":"{period}","lines":[{{"kind":"activity","item_code":"sosialisasi","count":1}}]}}"#
                    );
                    match request(port, "POST", &format!("/api/v1/ibm/units/{unit}/reports"), &token, &body).await {
                        Ok((200, _)) => acked.lock().unwrap().push((unit, period)),
                        Ok((status, body)) => panic!("HTTP {status}: {body}"),
                        Err(_) => break, // the server is gone
                    }
                }
            }));
        }
        while acked.lock().unwrap().len() < 40 {
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        server.0.kill().expect("SIGKILL the server");
        server.0.wait().unwrap();
        for c in clients {
            c.await.unwrap();
        }
        let acked = acked.lock().unwrap().clone();
        assert!(
            acked.len() >= 40 && acked.len() < 120,
            "{}: killed mid-way ({})",
            t.label,
            acked.len()
        );

        // An import of many units killed half-way leaves none of them.
        let csv = dir.join("banyak.csv");
        let mut text = String::from("kode,nama,kode_desa,kode_satker,tahun_dibentuk,sumber_dana\n");
        for i in 0..20_000 {
            text.push_str(&format!(
                "IBM-IMP-{i:05},Unit {i},32.73.01.1001,BNNK-32.73,2025,apbn\n"
            ));
        }
        std::fs::write(&csv, text).unwrap();
        let mut import = Command::new(BIN)
            .args(["import", "unit"])
            .arg(&csv)
            .env("PANTAU_DATABASE_URL", &url)
            .env("RUST_LOG", "warn")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        tokio::time::sleep(Duration::from_millis(2500)).await;
        let still_running = import.try_wait().unwrap().is_none();
        import.kill().ok();
        import.wait().unwrap();

        // Restarted, the data holds every acknowledged report and no part of the import.
        let server = start_server(&url, port, &dir).await;
        let db = pantau_db::Db::connect(&url).await.unwrap();
        for (unit, period) in &acked {
            let n: i64 = sqlx::query_scalar(
                "SELECT CAST(COUNT(*) AS BIGINT) FROM ibm_reports WHERE unit_id = $1 AND period = $2",
            )
            .bind(unit)
            .bind(period)
            .fetch_one(db.pool())
            .await
            .unwrap();
            assert_eq!(n, 1, "{}: acknowledged report {unit} {period}", t.label);
        }
        let lines: i64 = sqlx::query_scalar(
            "SELECT CAST(COUNT(*) AS BIGINT) FROM ibm_reports r WHERE NOT EXISTS \
             (SELECT 1 FROM ibm_report_lines l WHERE l.report_id = r.id)",
        )
        .fetch_one(db.pool())
        .await
        .unwrap();
        assert_eq!(lines, 0, "{}: no report without its lines", t.label);
        let imported: i64 = sqlx::query_scalar(
            "SELECT CAST(COUNT(*) AS BIGINT) FROM ibm_units WHERE code LIKE 'IBM-IMP-%'",
        )
        .fetch_one(db.pool())
        .await
        .unwrap();
        assert!(
            imported == 0 || (!still_running && imported == 20_000),
            "{}: all or nothing ({imported})",
            t.label
        );
        {
            use pantau_db::ibm::rollup;
            let mut conn = db.pool().acquire().await.unwrap();
            let maintained = rollup::snapshot(&mut conn).await.unwrap();
            let mut tx = db.begin().await.unwrap();
            rollup::rebuild(&mut tx).await.unwrap();
            let rebuilt = rollup::snapshot(&mut tx).await.unwrap();
            tx.rollback().await.unwrap();
            assert_eq!(maintained, rebuilt, "{}: roll-ups after the crash", t.label);
        }
        if t.postgres_target().is_none() {
            let check: String = sqlx::query_scalar("PRAGMA integrity_check")
                .fetch_one(db.pool())
                .await
                .unwrap();
            assert_eq!(check, "ok");
        }
        drop(server);
        db.close().await;
        let _ = std::fs::remove_dir_all(&dir);
        t.finish().await;
    }
}
