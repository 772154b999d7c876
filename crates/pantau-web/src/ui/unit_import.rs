//! The national unit list through the browser: a preview of every row as it will be stored
//! (office derived from the village, categories and stages per year, new / changed / unchanged),
//! then "Simpan", which saves exactly what was previewed — the preview's fingerprint must still
//! match, or a new preview is shown. A large file is saved in the background while the page
//! shows its progress.

use super::exchange::{import_errors, read_upload};
use crate::AppState;
use crate::auth::CurrentUser;
use crate::error::AppError;
use crate::page::Page;
use askama::Template;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::response::{Html, IntoResponse, Redirect, Response};
use pantau_core::access::Principal;
use pantau_db::Actor;
use pantau_db::exchange::units::{ImportSummary, RowAction, RowPlan, UnitImport};
use pantau_db::exchange::{self, RowError, pending};
use serde::Deserialize;
use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

/// Rows shown in a preview; the counts cover every row.
const PREVIEW_ROWS: usize = 300;
/// Files with more rows are saved in the background, with a progress bar.
pub const BACKGROUND_ROWS: usize = 2_000;

#[derive(Template)]
#[template(path = "import_preview.html")]
struct PreviewPage {
    page: Page,
    summary: ImportSummary,
    rows: Vec<RowPlan>,
    total_rows: usize,
    token: String,
    fingerprint: String,
    /// Shown when the data changed between an earlier preview and its saving.
    stale: bool,
}

impl PreviewPage {
    fn action_label(&self, a: &RowAction) -> String {
        self.page.t(match a {
            RowAction::New => "xchg-row-new",
            RowAction::Changed => "xchg-row-changed",
            RowAction::Unchanged => "xchg-row-unchanged",
        })
    }

    fn action_class(&self, a: &RowAction) -> &'static str {
        match a {
            RowAction::New => "row-new",
            RowAction::Changed => "row-changed",
            RowAction::Unchanged => "row-unchanged",
        }
    }
}

fn preview_page(
    page: Page,
    done: UnitImport,
    token: String,
    stale: bool,
) -> Result<Response, AppError> {
    let total_rows = done.rows.len();
    let body = PreviewPage {
        page,
        summary: done.summary,
        rows: done.rows.into_iter().take(PREVIEW_ROWS).collect(),
        total_rows,
        token,
        fingerprint: done.fingerprint,
        stale,
    }
    .render()?;
    Ok(Html(body).into_response())
}

/// Checks an uploaded unit file and shows every row as it would be stored; nothing is saved.
pub(crate) async fn preview(
    state: &AppState,
    user: &CurrentUser,
    page: Page,
    file: Vec<u8>,
    year: i64,
) -> Result<Response, AppError> {
    let token = pending::keep(&state.db, user.principal().user_id, "unit", year, &file).await?;
    let table = match read_upload(file).await? {
        Ok(t) => t,
        Err(errors) => return import_errors(page, errors, "/ibm/impor"),
    };
    let actor = Actor::User(user.principal());
    match exchange::units::import_planned(&state.db, actor, &table, year, true, None, &|_| {})
        .await?
    {
        Ok(done) => preview_page(page, done, token, false),
        Err(errors) => import_errors(page, errors, "/ibm/impor"),
    }
}

#[derive(Deserialize)]
pub struct SaveForm {
    token: String,
    fingerprint: String,
}

/// What a background save has done so far, and its outcome when finished.
pub struct Job {
    user_id: i64,
    done: Arc<AtomicUsize>,
    total: usize,
    outcome: Option<Result<ImportSummary, Vec<RowError>>>,
}

/// Background saves of this server, by id.
#[derive(Default)]
pub struct Jobs(Mutex<HashMap<String, Job>>);

impl Jobs {
    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, Job>> {
        self.0.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// Saves the previewed file: exactly what the preview showed, or — when the data changed since
/// — a new preview.
pub async fn save(
    State(state): State<AppState>,
    user: CurrentUser,
    page: Page,
    Form(f): Form<SaveForm>,
) -> Result<Response, AppError> {
    let who = user.principal().clone();
    let kept = pending::get(&state.db, who.user_id, &f.token).await?;
    let table = match read_upload(kept.file).await? {
        Ok(t) => t,
        Err(errors) => return import_errors(page, errors, "/ibm/impor"),
    };
    if table.rows.len() > BACKGROUND_ROWS {
        let id = pantau_db::sessions::random_token();
        let done = Arc::new(AtomicUsize::new(0));
        state.jobs.lock().insert(
            id.clone(),
            Job {
                user_id: who.user_id,
                done: done.clone(),
                total: table.rows.len(),
                outcome: None,
            },
        );
        let (state2, id2) = (state.clone(), id.clone());
        tokio::spawn(async move {
            let outcome = save_now(&state2, &who, &table, kept.year, &f, &|n| {
                done.store(n, Ordering::Relaxed)
            })
            .await;
            let outcome = match outcome {
                Ok(r) => r,
                Err(e) => {
                    tracing::error!(error = %e, "background unit import failed");
                    Err(vec![RowError::file(e.message())])
                }
            };
            if let Some(job) = state2.jobs.lock().get_mut(&id2) {
                job.outcome = Some(outcome);
            }
        });
        return Ok(Redirect::to(&format!("/ibm/impor/proses/{id}")).into_response());
    }
    match save_now(&state, &who, &table, kept.year, &f, &|_| {}).await? {
        Ok(summary) => done_page(page, summary),
        Err(errors) if is_stale(&errors) => {
            // Show what would be stored now; the same file is kept for the next "Simpan".
            let actor = Actor::User(&who);
            match exchange::units::import_planned(
                &state.db,
                actor,
                &table,
                kept.year,
                true,
                None,
                &|_| {},
            )
            .await?
            {
                Ok(done) => preview_page(page, done, f.token, true),
                Err(errors) => import_errors(page, errors, "/ibm/impor"),
            }
        }
        Err(errors) => import_errors(page, errors, "/ibm/impor"),
    }
}

fn is_stale(errors: &[RowError]) -> bool {
    errors.iter().any(|e| e.reason.key == "xchg-preview-stale")
}

async fn save_now(
    state: &AppState,
    who: &Principal,
    table: &exchange::Table,
    year: i64,
    f: &SaveForm,
    progress: &(dyn Fn(usize) + Sync),
) -> pantau_db::DbResult<Result<ImportSummary, Vec<RowError>>> {
    let actor = Actor::User(who);
    let result = exchange::units::import_planned(
        &state.db,
        actor,
        table,
        year,
        false,
        Some(&f.fingerprint),
        progress,
    )
    .await?;
    if result.is_ok() {
        pending::forget(&state.db, who.user_id, &f.token).await?;
        state.dashboards.invalidate();
        state.pages.invalidate();
    }
    Ok(result.map(|done| done.summary))
}

#[derive(Template)]
#[template(path = "import_progress.html")]
struct ProgressPage {
    page: Page,
    id: String,
    done: usize,
    total: usize,
}

#[derive(Template)]
#[template(path = "import_progress_bar.html")]
struct ProgressBar {
    id: String,
    done: usize,
    total: usize,
}

#[derive(Deserialize)]
pub struct ProgressQuery {
    #[serde(default)]
    fragment: bool,
}

/// A background save: its progress (the page polls `?fragment=true` every second) or, once
/// finished, its outcome (the poll then sends the browser to it).
pub async fn progress(
    State(state): State<AppState>,
    user: CurrentUser,
    page: Page,
    Path(id): Path<String>,
    Query(q): Query<ProgressQuery>,
) -> Result<Response, AppError> {
    user.office_wide()?;
    let mut jobs = state.jobs.lock();
    let Some(job) = jobs
        .get(&id)
        .filter(|j| j.user_id == user.principal().user_id)
    else {
        // Finished and shown already, from another server, or never this user's.
        drop(jobs);
        return Ok(Html(
            ProgressPage {
                page,
                id,
                done: 0,
                total: 0,
            }
            .render()?,
        )
        .into_response());
    };
    let (done, total, finished) = (
        job.done.load(Ordering::Relaxed),
        job.total,
        job.outcome.is_some(),
    );
    if finished && q.fragment {
        let mut res = Html(String::new()).into_response();
        res.headers_mut().insert(
            "HX-Redirect",
            axum::http::HeaderValue::from_str(&format!("/ibm/impor/proses/{id}"))
                .map_err(|e| AppError::Internal(e.to_string()))?,
        );
        return Ok(res);
    }
    if finished {
        let outcome = jobs.remove(&id).and_then(|j| j.outcome);
        drop(jobs);
        return match outcome {
            Some(Ok(summary)) => done_page(page, summary),
            Some(Err(errors)) => import_errors(page, errors, "/ibm/impor"),
            None => Err(AppError::NotFound),
        };
    }
    drop(jobs);
    let html = if q.fragment {
        ProgressBar { id, done, total }.render()?
    } else {
        ProgressPage {
            page,
            id,
            done,
            total,
        }
        .render()?
    };
    Ok(Html(html).into_response())
}

fn done_page(page: Page, summary: ImportSummary) -> Result<Response, AppError> {
    let year = chrono::Datelike::year(&chrono::Utc::now()) as i64;
    super::exchange::summary_page(page, year, "xchg-units", summary)
}
