use super::render;
use crate::AppState;
use crate::auth::CurrentUser;
use crate::error::AppError;
use crate::page::Page;
use askama::Template;
use axum::extract::State;
use axum::response::Response;
use pantau_db::users::GrantView;
use pantau_db::wilayah::{self, LevelCounts};
use pantau_db::{offices, users};

#[derive(Template)]
#[template(path = "home.html")]
struct HomePage {
    page: Page,
    welcome: String,
    grants: Vec<GrantView>,
    counts: LevelCounts,
    office_counts: Vec<(String, usize)>,
}

async fn area_counts(state: &AppState) -> Result<wilayah::LevelCounts, AppError> {
    if let Some(c) = state.area_counts.get("") {
        return Ok((*c).clone());
    }
    let generation = state.area_counts.generation();
    let counts = wilayah::counts(&state.db).await?;
    state.area_counts.put(
        String::new(),
        generation,
        std::sync::Arc::new(counts.clone()),
    );
    Ok(counts)
}

pub async fn show(
    State(state): State<AppState>,
    user: CurrentUser,
    page: Page,
) -> Result<Response, AppError> {
    let (_, grants) = users::get(&state.db, user.principal(), user.principal().user_id).await?;
    let in_scope = offices::in_scope(&state.db, user.principal()).await?;
    let office_counts = ["pusat", "bnnp", "bnnk"]
        .iter()
        .map(|l| {
            (
                l.to_string(),
                in_scope.iter().filter(|o| o.level == *l).count(),
            )
        })
        .filter(|(_, n)| *n > 0)
        .collect();
    let welcome = page.i18n.t_with(
        page.lang,
        "home-welcome",
        &[("name", page.user_name().into())],
    );
    render(HomePage {
        welcome,
        grants,
        counts: area_counts(&state).await?,
        office_counts,
        page,
    })
}
