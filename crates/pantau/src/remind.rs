//! `pantau remind`: today's digest by email (run it once a day, e.g. from cron). Who gets what
//! comes from `pantau_db::reminders`; this module words it in the reader's language and hands
//! it to an SMTP server. `--dry-run` prints who would get what and sends nothing.

use anyhow::{Context, Result, bail};
use lettre::message::Mailbox;
use lettre::message::header::ContentType;
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use pantau_core::message::Message as Text;
use pantau_db::Db;
use pantau_db::chrono::NaiveDate;
use pantau_db::reminders::{self, Digest};
use pantau_web::i18n::{I18n, Lang};

pub struct RemindArgs {
    pub dry_run: bool,
    pub smtp_url: Option<String>,
    pub from: String,
    pub public_url: String,
    pub today: NaiveDate,
    pub again: bool,
}

/// The subject and plain-text body of one digest.
pub fn compose(i18n: &I18n, d: &Digest, public_url: &str, today: NaiveDate) -> (String, String) {
    let lang = Lang::parse(&d.language).unwrap_or_default();
    let base = public_url.trim_end_matches('/');
    let date = today.format("%d/%m/%Y").to_string();
    let total: i64 = d.lines.iter().map(|l| l.count).sum();
    let subject = i18n.render(
        lang,
        &Text::new("remind-subject")
            .with("count", total)
            .with("date", date.clone()),
    );
    let mut body = String::new();
    body.push_str(&i18n.render(
        lang,
        &Text::new("remind-greeting").with("name", d.full_name.clone()),
    ));
    body.push_str("\n\n");
    body.push_str(&i18n.render(lang, &Text::new("remind-intro").with("date", date)));
    body.push_str("\n");
    for line in &d.lines {
        let kind = line.kind.as_str();
        body.push_str(&format!(
            "\n{}: {}\n",
            i18n.t(lang, &format!("task-{kind}")),
            line.count
        ));
        for item in &line.first {
            body.push_str(&format!(
                "  - {} ({}), {} {}\n    {base}{}\n",
                item.title,
                item.office,
                i18n.t(lang, &format!("task-date-{kind}")).to_lowercase(),
                item.date,
                item.page(line.kind)
            ));
        }
        let more = line.count - line.first.len() as i64;
        if more > 0 {
            body.push_str(&format!(
                "  {} {base}/tugas/{kind}\n",
                i18n.render(lang, &Text::new("remind-more").with("count", more))
            ));
        }
    }
    body.push_str(&format!(
        "\n{} {base}/\n{} {base}/akun\n",
        i18n.t(lang, "remind-open"),
        i18n.t(lang, "remind-stop")
    ));
    (subject, body)
}

pub async fn run(db: &Db, args: RemindArgs) -> Result<()> {
    let digests = reminders::digests(db, args.today, args.again).await?;
    let i18n = I18n::new();
    if args.dry_run {
        for d in &digests {
            let kinds: Vec<String> = d
                .lines
                .iter()
                .map(|l| format!("{} {}", l.kind.as_str(), l.count))
                .collect();
            println!("{} <{}>: {}", d.username, d.email, kinds.join(", "));
        }
        println!("{} ringkasan (tidak dikirim: --dry-run)", digests.len());
        return Ok(());
    }
    let Some(url) = args.smtp_url.as_deref() else {
        bail!(
            "PANTAU_SMTP_URL (or --smtp-url) is needed to send; --dry-run shows who would get what"
        );
    };
    let mailer = AsyncSmtpTransport::<Tokio1Executor>::from_url(url)
        .context("PANTAU_SMTP_URL")?
        .build();
    let from: Mailbox = args.from.parse().context("the sender address (--from)")?;
    let (mut sent, mut failed) = (0, 0);
    for d in &digests {
        let (subject, body) = compose(&i18n, d, &args.public_url, args.today);
        let to = match d.email.parse::<Mailbox>() {
            Ok(to) => to,
            Err(e) => {
                eprintln!("{}: alamat email tidak sah ({e})", d.username);
                failed += 1;
                continue;
            }
        };
        let message = Message::builder()
            .from(Clone::clone(&from))
            .to(to)
            .subject(subject)
            .header(ContentType::TEXT_PLAIN)
            .body(body)
            .context("building the message")?;
        match mailer.send(message).await {
            Ok(_) => {
                reminders::mark_sent(db, d.user_id, args.today).await?;
                sent += 1;
            }
            Err(e) => {
                eprintln!("{} <{}>: tidak terkirim: {e}", d.username, d.email);
                failed += 1;
            }
        }
    }
    println!("{sent} ringkasan terkirim, {failed} gagal");
    if failed > 0 {
        bail!("{failed} digest(s) could not be sent");
    }
    Ok(())
}
