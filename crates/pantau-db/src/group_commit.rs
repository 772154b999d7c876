//! Group commit for report submissions: they queue here, and one writer thread runs each batch
//! of queued ones in one transaction, answering every caller only after that transaction has
//! committed. On SQLite, which lets one transaction write at a time, submissions would otherwise
//! queue for the write lock one by one, each paying for its own `BEGIN`/`COMMIT` and each
//! statement waiting for a turn on runtime threads busy with HTTP; the writer has a thread of its
//! own, which the operating system wakes at once. On PostgreSQL concurrent submissions would
//! queue anyway, on the row locks of the office's shared roll-up rows.
//!
//! A batch in which any work fails is rolled back, and each of its works is then run again in a
//! transaction of its own, so one refused submission never takes others with it. Works are
//! therefore functions that can run twice.

use crate::Db;
use crate::error::{DbError, DbResult};
use sqlx::AnyConnection;
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::{mpsc, oneshot};

/// What a batch runs for one caller, inside the batch's transaction; it may run twice.
pub(crate) type Work<T> = Arc<
    dyn for<'c> Fn(&'c mut AnyConnection) -> Pin<Box<dyn Future<Output = DbResult<T>> + Send + 'c>>
        + Send
        + Sync,
>;

/// Most works in one transaction: enough to share the commit, few enough to answer soon.
const MAX_BATCH: usize = 128;
/// The writer thread ends after this long without work (and starts again on demand), so a
/// database handle that is dropped does not leave a thread behind for long.
const IDLE: Duration = Duration::from_secs(2);

/// The queue to the writer thread, if one runs.
#[derive(Debug, Default)]
pub(crate) struct Writer {
    queue: Mutex<Option<mpsc::UnboundedSender<Box<dyn Task>>>>,
}

/// Runs `work` in a write transaction, batched with others on SQLite; answers once committed.
pub(crate) async fn run<T: Send + 'static>(db: &Db, work: Work<T>) -> DbResult<T> {
    let (reply, answer) = oneshot::channel();
    let mut task: Box<dyn Task> = Box::new(Pending {
        work,
        result: None,
        reply: Some(reply),
    });
    loop {
        let sender = db.group_commit.sender(db);
        match sender.send(task) {
            Ok(()) => break,
            // The writer ended between taking the sender and sending: start another.
            Err(mpsc::error::SendError(back)) => {
                task = back;
                db.group_commit.forget(&sender);
            }
        }
    }
    answer
        .await
        .map_err(|_| DbError::Sqlx(sqlx::Error::WorkerCrashed))?
}

impl Writer {
    fn sender(&self, db: &Db) -> mpsc::UnboundedSender<Box<dyn Task>> {
        let mut queue = self.queue.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(q) = queue.as_ref().filter(|q| !q.is_closed()) {
            return q.clone();
        }
        let (tx, rx) = mpsc::unbounded_channel();
        let db = db.clone();
        let started = std::thread::Builder::new()
            .name("pantau-writer".into())
            .spawn(move || {
                let rt = match tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                {
                    Ok(rt) => rt,
                    Err(e) => {
                        return tracing::error!(error = %e, "the writer thread has no runtime");
                    }
                };
                rt.block_on(async move {
                    // A PostgreSQL connection belongs to the runtime that opened it: the writer
                    // opens its own, and closes them when it ends.
                    let own = match &db.postgres {
                        Some(pg) => match Db::connect_in_schema(&pg.0, pg.1.as_deref()).await {
                            Ok(own) => Some(own),
                            Err(e) => {
                                return tracing::error!(error = %e, "the writer could not connect");
                            }
                        },
                        None => None,
                    };
                    let writer_db = own.clone().unwrap_or_else(|| db.clone());
                    write_batches(writer_db, rx).await;
                    if let Some(own) = own {
                        own.close().await;
                    }
                })
            });
        if let Err(e) = started {
            tracing::error!(error = %e, "could not start the writer thread");
        }
        *queue = Some(tx.clone());
        tx
    }

    fn forget(&self, dead: &mpsc::UnboundedSender<Box<dyn Task>>) {
        let mut queue = self.queue.lock().unwrap_or_else(|e| e.into_inner());
        if queue.as_ref().is_some_and(|q| q.same_channel(dead)) {
            *queue = None;
        }
    }
}

/// The writer thread's loop: a batch of whatever is queued, until idle.
async fn write_batches(db: Db, mut queue: mpsc::UnboundedReceiver<Box<dyn Task>>) {
    loop {
        let first = match tokio::time::timeout(IDLE, queue.recv()).await {
            Ok(Some(task)) => task,
            Ok(None) => return,
            Err(_idle) => {
                // No new work can arrive once closed; what is queued is still done.
                queue.close();
                let mut rest = Vec::new();
                while let Some(task) = queue.recv().await {
                    rest.push(task);
                }
                if !rest.is_empty() {
                    batch(&db, rest).await;
                }
                return;
            }
        };
        let mut tasks = vec![first];
        while tasks.len() < MAX_BATCH {
            match queue.try_recv() {
                Ok(task) => tasks.push(task),
                Err(_) => break,
            }
        }
        batch(&db, tasks).await;
    }
}

/// Runs `tasks` in one transaction; if any fails, rolls back and runs each alone.
async fn batch(db: &Db, mut tasks: Vec<Box<dyn Task>>) {
    let together = tasks.len() > 1;
    match run_together(db, &mut tasks).await {
        Ok(true) => {
            for task in tasks {
                task.answer(None);
            }
        }
        Ok(false) if together => {
            for mut task in tasks {
                let alone = run_together(db, std::slice::from_mut(&mut task)).await;
                task.answer(alone.err());
            }
        }
        // A single task that failed answers with its own error.
        Ok(false) => {
            for task in tasks {
                task.answer(None);
            }
        }
        Err(e) => {
            let why = e.to_string();
            for task in tasks {
                task.answer(Some(DbError::Sqlx(sqlx::Error::Protocol(why.clone()))));
            }
        }
    }
}

/// Ok(true): every task succeeded and the transaction committed. Ok(false): some task failed
/// and the transaction was rolled back. Err: the transaction itself failed.
async fn run_together(db: &Db, tasks: &mut [Box<dyn Task>]) -> DbResult<bool> {
    let mut tx = db.begin().await?;
    for task in tasks.iter_mut() {
        if !task.run(&mut tx).await {
            tx.rollback().await?;
            return Ok(false);
        }
    }
    tx.commit().await?;
    Ok(true)
}

/// A queued work with its caller, its result type erased.
trait Task: Send {
    /// Runs the work and keeps its result; whether it succeeded.
    fn run<'c>(
        &'c mut self,
        conn: &'c mut AnyConnection,
    ) -> Pin<Box<dyn Future<Output = bool> + Send + 'c>>;
    /// Answers the caller with the kept result — or with `failed`, the reason its transaction
    /// did not commit.
    fn answer(self: Box<Self>, failed: Option<DbError>);
}

struct Pending<T> {
    work: Work<T>,
    result: Option<DbResult<T>>,
    reply: Option<oneshot::Sender<DbResult<T>>>,
}

impl<T: Send + 'static> Task for Pending<T> {
    fn run<'c>(
        &'c mut self,
        conn: &'c mut AnyConnection,
    ) -> Pin<Box<dyn Future<Output = bool> + Send + 'c>> {
        Box::pin(async move {
            let result = (self.work)(conn).await;
            let ok = result.is_ok();
            self.result = Some(result);
            ok
        })
    }

    fn answer(mut self: Box<Self>, failed: Option<DbError>) {
        let result = match (failed, self.result.take()) {
            (Some(e), Some(Ok(_))) | (Some(e), None) => Err(e),
            (_, Some(result)) => result,
            (None, None) => Err(DbError::Sqlx(sqlx::Error::WorkerCrashed)),
        };
        if let Some(reply) = self.reply.take() {
            // The caller may have gone (its request was cancelled); the write stands.
            let _ = reply.send(result);
        }
    }
}
