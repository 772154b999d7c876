//! Hostile input against the real server process: spreadsheets built to exhaust a reader's
//! memory (a cell at XFD1048576, a zip bomb, shared strings declaring billions of entries, …)
//! and fifty wrong passwords at once. Each upload is refused with a 4xx, and the server's peak
//! memory stays under 300 MB throughout.

mod common;
use common::*;

use pantau_db::testing;
use std::io::Write;
use std::process::{Command, Stdio};

const LIMIT_MB: u64 = 300;

fn multipart(fields: &[(&str, &str)], file_name: &str, file: &[u8]) -> (String, Vec<u8>) {
    let boundary = "pantau-hostile-boundary";
    let mut body = Vec::new();
    for (k, v) in fields {
        body.extend(
            format!("--{boundary}\r\nContent-Disposition: form-data; name=\"{k}\"\r\n\r\n{v}\r\n")
                .into_bytes(),
        );
    }
    body.extend(
        format!(
            "--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{file_name}\"\r\n\
             Content-Type: application/octet-stream\r\n\r\n"
        )
        .into_bytes(),
    );
    body.extend_from_slice(file);
    body.extend(format!("\r\n--{boundary}--\r\n").into_bytes());
    (format!("multipart/form-data; boundary={boundary}"), body)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hostile_uploads_and_a_password_burst_leave_the_server_under_300_mb() {
    let t = testing::sqlite().await;
    let url = url_of(&t);
    let dir = std::env::temp_dir().join(format!("pantau_hostile_{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    must(&url, &["import", "wilayah"]);
    let offices = concat!(env!("CARGO_MANIFEST_DIR"), "/../../data/satker/offices.csv");
    must(&url, &["import", "satker", offices]);
    let password = "Sandi-Uji-2026";
    let mut create = Command::new(BIN)
        .args([
            "user",
            "create",
            "--username",
            "petugas.uji",
            "--name",
            "Petugas",
            "--role",
            "bnnk_officer",
            "--office",
            "BNNK-32.73",
            "--password-stdin",
        ])
        .env("PANTAU_DATABASE_URL", &url)
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .spawn()
        .unwrap();
    create
        .stdin
        .take()
        .unwrap()
        .write_all(format!("{password}\n").as_bytes())
        .unwrap();
    assert!(create.wait().unwrap().success());

    let port = free_port();
    let server = start_server(&url, port, &dir).await;
    let pid = server.0.id();
    let (session, csrf) = sign_in(port, "petugas.uji", password).await;
    let cookie = format!("pantau_session={session}");
    let mut files = pantau_db::testing::xlsx::hostile();
    // A CSV of one row of ten million commas, and one just over the upload limit.
    let mut wide = b"kode\n".to_vec();
    wide.extend(std::iter::repeat_n(b',', 10 * 1024 * 1024 - 64 * 1024));
    files.push(("a CSV row of ten million cells", wide));
    files.push(("a file over the upload limit", vec![b'a'; 11 * 1024 * 1024]));
    for (what, file) in &files {
        assert!(file.len() <= 11 * 1024 * 1024, "{what}");
        for jenis in ["unit", "laporan"] {
            let (content_type, body) =
                multipart(&[("jenis", jenis), ("dry_run", "1")], "serangan.xlsx", file);
            let r = send(
                port,
                "POST",
                &format!("/ibm/impor?csrf_token={csrf}"),
                &[("Content-Type", &content_type), ("Cookie", &cookie)],
                &body,
            )
            .await
            .unwrap_or_else(|e| panic!("{what}: the server is gone ({e})"));
            assert!(
                (400..500).contains(&r.status),
                "{what} as {jenis}: HTTP {}",
                r.status
            );
        }
        let peak = peak_mb(pid);
        assert!(peak < LIMIT_MB, "after {what}: peak {peak} MB");
        eprintln!("after {what}: peak {peak} MB");
    }
    // The server still answers, and serves the signed-in officer.
    let r = send(port, "GET", "/ibm/impor", &[("Cookie", &cookie)], b"")
        .await
        .unwrap();
    assert_eq!(r.status, 200);

    // Fifty wrong passwords at once: counted before checking, checked a few at a time.
    let mut burst = tokio::task::JoinSet::new();
    for _ in 0..50 {
        burst.spawn(async move {
            let form = send(port, "GET", "/login", &[], b"").await.unwrap();
            let token = form.cookie("pantau_login_csrf").unwrap();
            let body = format!("username=petugas.uji&password=salah-sandi-123&csrf_token={token}");
            send(
                port,
                "POST",
                "/login",
                &[
                    ("Content-Type", "application/x-www-form-urlencoded"),
                    ("Cookie", &format!("pantau_login_csrf={token}")),
                ],
                body.as_bytes(),
            )
            .await
            .unwrap()
            .status
        });
    }
    let mut checked = 0;
    while let Some(status) = burst.join_next().await {
        match status.unwrap() {
            401 => checked += 1,
            429 => {}
            other => panic!("a wrong password answered {other}"),
        }
    }
    assert_eq!(checked, 5, "passwords checked");
    let peak = peak_mb(pid);
    assert!(peak < LIMIT_MB, "after the password burst: peak {peak} MB");
    eprintln!("peak memory of the server: {peak} MB");
    drop(server);
    let _ = std::fs::remove_dir_all(&dir);
    t.finish().await;
}
