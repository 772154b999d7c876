//! The home page: "Tugas saya" — what the reader must do next — and the offices they work for.

use super::render;
use crate::AppState;
use crate::auth::CurrentUser;
use crate::error::AppError;
use crate::page::Page;
use askama::Template;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Response};
use pantau_db::tasks::{self, TaskCount, TaskItem, TaskKind};
use pantau_db::users;
use pantau_db::users::GrantView;

#[derive(Template)]
#[template(path = "home.html")]
struct HomePage {
    page: Page,
    welcome: String,
    grants: Vec<GrantView>,
    /// Kinds of task that apply to the reader, with how many wait now.
    tasks: Vec<TaskCount>,
}

impl HomePage {
    fn pending(&self) -> i64 {
        self.tasks.iter().map(|t| t.count).sum()
    }
}

pub async fn show(
    State(state): State<AppState>,
    user: CurrentUser,
    page: Page,
    uri: axum::http::Uri,
) -> Result<Response, AppError> {
    // A unit reporter has one unit and nothing else: that is home.
    if let Some(unit) = page.own_unit() {
        return Ok(axum::response::Redirect::to(&format!("/ibm/{unit}")).into_response());
    }
    // The task counts read every open record in scope: kept until the next write.
    let keeping = match super::Keeping::begin(&state, &user, &page, &uri) {
        Ok(k) => k,
        Err(kept) => return Ok(kept),
    };
    let p = user.principal();
    let (_, grants) = users::get(&state.db, p, p.user_id).await?;
    let tasks = tasks::counts(&state.db, p, pantau_db::today()).await?;
    let welcome = page.i18n.t_with(
        page.lang,
        "home-welcome",
        &[("name", page.user_name().into())],
    );
    keeping.render(
        &state,
        HomePage {
            welcome,
            grants,
            tasks,
            page,
        },
    )
}

#[derive(Template)]
#[template(path = "tasks.html")]
struct TaskPage {
    page: Page,
    kind: TaskKind,
    items: Vec<TaskItem>,
}

impl TaskPage {
    /// Where the task is done.
    fn href(&self, item: &TaskItem) -> String {
        item.page(self.kind)
    }
}

/// One kind of task: the records waiting, each linked to where the step is taken.
pub async fn list(
    State(state): State<AppState>,
    user: CurrentUser,
    page: Page,
    Path(kind): Path<String>,
) -> Result<Response, AppError> {
    let kind = TaskKind::parse(&kind).ok_or(AppError::NotFound)?;
    let items = tasks::items(&state.db, user.principal(), kind, pantau_db::today()).await?;
    render(TaskPage { page, kind, items })
}
