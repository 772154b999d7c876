//! Several servers, one database: a server that changed data announces it, and every other server
//! on the same PostgreSQL empties its caches when it hears it (LISTEN/NOTIFY). A server that
//! loses its listening connection empties its caches once it is back, since announcements made
//! meanwhile are lost; the caches' own age bound stays as the last fallback. SQLite is one
//! process's file: nothing to announce.

use crate::{Backend, Db, DbResult};
use sqlx::postgres::PgListener;
use std::time::Duration;

/// The channel of a database (and, for tests, of one schema in it).
fn channel(schema: Option<&str>) -> String {
    match schema {
        Some(s) => format!("pantau_changes_{s}"),
        None => "pantau_changes".to_string(),
    }
}

/// Announcements of one process, coalesced: under load hundreds of writes a second each need
/// "the others have been told since I wrote", and one NOTIFY sent after a write tells of it and
/// of every write before it. Writers take a ticket, then queue for the sender; whoever finds its
/// ticket already covered returns at once.
#[derive(Debug, Default)]
pub(crate) struct Announcements {
    asked: std::sync::atomic::AtomicU64,
    sent: std::sync::atomic::AtomicU64,
    sender: tokio::sync::Mutex<()>,
}

/// Tells the other servers on this database that data changed; `origin` names this server, so
/// it can skip its own announcements. Returns once a notification sent after the call began has
/// been delivered to PostgreSQL.
pub async fn announce(db: &Db, origin: &str) -> DbResult<()> {
    use std::sync::atomic::Ordering::SeqCst;
    let Some(pg) = &db.postgres else {
        return Ok(());
    };
    if db.backend() != Backend::Postgres {
        return Ok(());
    }
    let a = &db.announcements;
    let ticket = a.asked.fetch_add(1, SeqCst) + 1;
    let _sender = a.sender.lock().await;
    if a.sent.load(SeqCst) >= ticket {
        return Ok(());
    }
    let covers = a.asked.load(SeqCst);
    sqlx::query("SELECT pg_notify($1, $2)")
        .bind(channel(pg.1.as_deref()))
        .bind(origin.to_string())
        .execute(db.pool())
        .await?;
    a.sent.fetch_max(covers, SeqCst);
    Ok(())
}

/// Listens to the other servers' announcements until the task is dropped, calling `changed`
/// for each one not made by `origin`, and once after every reconnection. Returns at once on
/// SQLite.
pub async fn follow(db: Db, origin: String, changed: impl Fn() + Send + Sync + 'static) {
    let Some(pg) = db.postgres.clone() else {
        return;
    };
    let channel = channel(pg.1.as_deref());
    let mut wait = Duration::from_millis(200);
    loop {
        match listen(&pg.0, &channel, &origin, &changed).await {
            Ok(()) => wait = Duration::from_millis(200),
            Err(e) => {
                tracing::warn!(error = %e, "listening to other servers failed; retrying");
                wait = (wait * 2).min(Duration::from_secs(10));
            }
        }
        // Whatever was announced while not listening is unknown: start afresh.
        changed();
        tokio::time::sleep(wait).await;
    }
}

/// One listening connection, until it is lost.
async fn listen(
    url: &str,
    channel: &str,
    origin: &str,
    changed: &(impl Fn() + Send + Sync),
) -> Result<(), sqlx::Error> {
    let mut listener = PgListener::connect(url).await?;
    listener.listen(channel).await?;
    tracing::debug!(channel, "listening to other servers' changes");
    loop {
        // `None`: the connection was lost (and notifications with it).
        let Some(note) = listener.try_recv().await? else {
            return Ok(());
        };
        if note.payload() != origin {
            changed();
        }
    }
}
