//! An empty production install, as the README describes it: four commands, or `pantau init`.
//! Both leave all areas, the office tree and a national admin who can sign in; both are safe to
//! run again. On both databases.

mod common;
use common::*;

use pantau_db::testing;
use std::io::Write;
use std::process::{Command, Stdio};

fn with_password(url: &str, args: &[&str], password: &str) -> std::process::Output {
    let mut child = Command::new(BIN)
        .args(args)
        .env("PANTAU_DATABASE_URL", url)
        .env("RUST_LOG", "warn")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(format!("{password}\n").as_bytes())
        .unwrap();
    child.wait_with_output().unwrap()
}

async fn counts(t: &testing::TestDb) -> (i64, i64, i64) {
    let one = |sql: &'static str| async move {
        sqlx::query_scalar::<_, i64>(sql)
            .fetch_one(t.db.pool())
            .await
            .unwrap()
    };
    (
        one("SELECT CAST(COUNT(*) AS BIGINT) FROM areas").await,
        one("SELECT CAST(COUNT(*) AS BIGINT) FROM offices").await,
        one("SELECT CAST(COUNT(*) AS BIGINT) FROM users").await,
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_empty_install_takes_four_commands_or_one() {
    for t in testing::all().await {
        let url = url_of(&t);
        must(&url, &["migrate"]);
        must(&url, &["import", "wilayah"]);
        let out = must(&url, &["import", "satker"]);
        assert!(out.contains("satker: 208 baru"), "{}: {out}", t.label);
        let out = with_password(
            &url,
            &[
                "user",
                "create",
                "--username",
                "admin.baru",
                "--name",
                "Admin",
                "--role",
                "national_admin",
                "--office",
                "BNN",
                "--password-stdin",
            ],
            "Sandi-Admin-2026",
        );
        assert!(
            out.status.success(),
            "{}: {}",
            t.label,
            String::from_utf8_lossy(&out.stderr)
        );
        let four = counts(&t).await;
        assert!(
            four.0 > 90_000 && four.1 == 208 && four.2 == 1,
            "{}: {four:?}",
            t.label
        );
        // `init` on the same database adds nothing but its own admin.
        let out = with_password(
            &url,
            &["init", "--admin", "admin.kedua", "--password-stdin"],
            "Sandi-Kedua-2026",
        );
        assert!(
            out.status.success(),
            "{}: {}",
            t.label,
            String::from_utf8_lossy(&out.stderr)
        );
        let again = with_password(
            &url,
            &["init", "--admin", "admin.kedua", "--password-stdin"],
            "x",
        );
        assert!(again.status.success());
        assert!(String::from_utf8_lossy(&again.stdout).contains("sudah ada"));
        assert_eq!(counts(&t).await, (four.0, four.1, 2), "{}", t.label);
        t.finish().await;
    }
    for t in testing::all().await {
        let url = url_of(&t);
        let out = with_password(&url, &["init", "--admin", "admin.pusat"], "");
        assert!(
            out.status.success(),
            "{}: {}",
            t.label,
            String::from_utf8_lossy(&out.stderr)
        );
        let printed = String::from_utf8_lossy(&out.stdout);
        let password = printed
            .lines()
            .find_map(|l| l.strip_prefix("kata sandi: "))
            .expect("a generated password is printed")
            .to_string();
        let (areas, offices, users) = counts(&t).await;
        assert!(
            areas > 90_000 && offices == 208 && users == 1,
            "{}",
            t.label
        );
        // The admin signs in.
        let dir =
            std::env::temp_dir().join(format!("pantau_install_{}_{}", t.label, std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let port = free_port();
        let server = start_server(&url, port, &dir).await;
        let (session, _) = sign_in(port, "admin.pusat", &password).await;
        assert!(!session.is_empty());
        drop(server);
        let _ = std::fs::remove_dir_all(&dir);
        t.finish().await;
    }
}
