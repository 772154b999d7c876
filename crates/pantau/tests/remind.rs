//! The daily digest through a real SMTP server (issue 17): two people with an address get their
//! own waiting tasks in their own language — the unit's reporter only its unit's — one who turned
//! the digest off gets nothing, `--dry-run` sends nothing, and a second run on the same day sends
//! nothing more. Both databases.

mod common;
use common::*;

use mailin_embedded::{Handler, Response, Server, SslConfig, response};
use pantau_db::testing;
use std::sync::{Arc, Mutex};

/// What arrived: the recipients and the raw message.
type Mailbox = Arc<Mutex<Vec<(Vec<String>, String)>>>;

#[derive(Clone, Default)]
struct Inbox {
    mail: Mailbox,
    to: Vec<String>,
    data: Vec<u8>,
}

impl Handler for Inbox {
    fn data_start(&mut self, _domain: &str, _from: &str, _is8bit: bool, to: &[String]) -> Response {
        self.to = to.to_vec();
        self.data.clear();
        response::OK
    }
    fn data(&mut self, buf: &[u8]) -> std::io::Result<()> {
        self.data.extend_from_slice(buf);
        Ok(())
    }
    fn data_end(&mut self) -> Response {
        let text = String::from_utf8_lossy(&self.data).into_owned();
        self.mail.lock().unwrap().push((self.to.clone(), text));
        response::OK
    }
}

/// An SMTP server on a free port, for the rest of the test process.
fn smtp_server() -> (u16, Mailbox) {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let inbox = Inbox::default();
    let mail = inbox.mail.clone();
    let mut server = Server::new(inbox);
    server
        .with_name("smtp.pantau.test")
        .with_ssl(SslConfig::None)
        .unwrap()
        .with_tcp_listener(listener);
    std::thread::spawn(move || {
        let _ = server.serve();
    });
    (port, mail)
}

/// The message as read: quoted-printable soft breaks joined, `=XX` decoded.
fn readable(raw: &str) -> String {
    let joined = raw.replace("=\r\n", "").replace("=\n", "");
    let bytes = joined.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'=' && i + 2 < bytes.len() {
            if let Ok(b) = u8::from_str_radix(&joined[i + 1..i + 3], 16) {
                out.push(b);
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// The unit ids the message links to.
fn unit_links(text: &str) -> Vec<i64> {
    text.split("/ibm/")
        .skip(1)
        .filter_map(|rest| {
            let digits: String = rest.chars().take_while(|c| c.is_ascii_digit()).collect();
            digits.parse().ok()
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_daily_digest_reaches_each_person_by_smtp_with_their_own_tasks_and_none_who_turned_it_off()
 {
    let (port, mail) = smtp_server();
    for t in testing::all().await {
        mail.lock().unwrap().clear();
        let url = url_of(&t);
        must(&url, &["demo"]);
        for (username, email, language, on) in [
            ("bnnk.bandung", "bnnk.bandung@bnn.test", "id", true),
            ("pelapor.unit", "pelapor@desa.test", "en", true),
            ("bnnp.jabar", "bnnp.jabar@bnn.test", "id", false),
        ] {
            sqlx::query(
                "UPDATE users SET email = $1, language = $2, reminders = $3 WHERE username = $4",
            )
            .bind(email)
            .bind(language)
            .bind(on)
            .bind(username)
            .execute(t.db.pool())
            .await
            .unwrap();
        }
        let reporter_unit: i64 = sqlx::query_scalar(
            "SELECT g.unit_id FROM grants g JOIN users u ON u.id = g.user_id WHERE u.username = 'pelapor.unit'",
        )
        .fetch_one(t.db.pool())
        .await
        .unwrap();
        let smtp = format!("smtp://127.0.0.1:{port}");
        let args = |extra: &[&str]| -> Vec<String> {
            let mut a: Vec<String> = [
                "remind",
                "--today",
                "2026-12-01",
                "--public-url",
                "https://pantau.bnn.test",
            ]
            .map(String::from)
            .to_vec();
            a.extend(extra.iter().map(|s| s.to_string()));
            a
        };

        // Who would get what; nothing is sent.
        let run = |a: Vec<String>| must(&url, &a.iter().map(String::as_str).collect::<Vec<_>>());
        let dry = run(args(&["--dry-run"]));
        assert!(
            dry.contains("bnnk.bandung <bnnk.bandung@bnn.test>"),
            "{}: {dry}",
            t.label
        );
        assert!(
            dry.contains("pelapor.unit <pelapor@desa.test>"),
            "{}: {dry}",
            t.label
        );
        assert!(
            !dry.contains("bnnp.jabar"),
            "{}: the one who turned it off: {dry}",
            t.label
        );
        std::thread::sleep(std::time::Duration::from_millis(200));
        assert!(
            mail.lock().unwrap().is_empty(),
            "{}: a dry run sent mail",
            t.label
        );

        // Sent through the SMTP server: one message each.
        let out = run(args(&["--smtp-url", &smtp]));
        assert!(
            out.contains("2 ringkasan terkirim, 0 gagal"),
            "{}: {out}",
            t.label
        );
        let got = mail.lock().unwrap().clone();
        assert_eq!(got.len(), 2, "{}: {got:#?}", t.label);
        let to = |address: &str| {
            got.iter()
                .find(|(rcpt, _)| rcpt.iter().any(|r| r.contains(address)))
                .map(|(_, m)| readable(m))
                .unwrap_or_else(|| panic!("{}: nothing for {address}", t.label))
        };
        let officer = to("bnnk.bandung@bnn.test");
        assert!(officer.contains("Subject: Pantau:"), "{officer}");
        assert!(
            officer.contains("Laporan terlambat"),
            "{}: {officer}",
            t.label
        );
        assert!(
            officer.contains("https://pantau.bnn.test/ibm/"),
            "{officer}"
        );
        assert!(
            officer.contains("https://pantau.bnn.test/akun"),
            "the way to turn it off"
        );
        let reporter = to("pelapor@desa.test");
        assert!(
            reporter.contains("IBM follow-up actions overdue"),
            "{}: {reporter}",
            t.label
        );
        assert!(
            reporter.contains(&format!(
                "https://pantau.bnn.test/ibm/{reporter_unit}#kunjungan"
            )),
            "{}: {reporter}",
            t.label
        );
        let links = unit_links(&reporter);
        assert!(
            !links.is_empty() && links.iter().all(|u| *u == reporter_unit),
            "{}: the reporter is told of its own unit only: {links:?}",
            t.label
        );
        // The officer's units are Bandung's.
        for unit in unit_links(&officer) {
            let office: String = sqlx::query_scalar(
                "SELECT o.code FROM ibm_units u JOIN offices o ON o.id = u.office_id WHERE u.id = $1",
            )
            .bind(unit)
            .fetch_one(t.db.pool())
            .await
            .unwrap();
            assert_eq!(office, "BNNK-32.73", "{}", t.label);
        }

        // The same day again: nothing more.
        let again = run(args(&["--smtp-url", &smtp]));
        assert!(
            again.contains("0 ringkasan terkirim"),
            "{}: {again}",
            t.label
        );
        assert_eq!(mail.lock().unwrap().len(), 2, "{}", t.label);
        t.finish().await;
    }
}
