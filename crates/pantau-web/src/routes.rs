//! Every route is declared once, here in shape and in its module in substance: method, path,
//! handler, what a write needs (see [`Need`]) and, for the API, its documentation. The router,
//! the write guard, the OpenAPI document and the tests' access table are all read off
//! [`all`], so none of them can list a route the others do not know.

use crate::AppState;
use crate::api::doc::{Doc, Input, Output, Param};
pub use crate::guard::Need;
use axum::extract::DefaultBodyLimit;
use axum::handler::Handler;
use axum::http::Method;
use axum::routing::{MethodFilter, MethodRouter, on};
use std::collections::HashMap;
use std::sync::LazyLock;

pub use pantau_db::guard::Target;

/// One method on one path.
pub struct Route {
    pub method: Method,
    /// As registered, with `{name}` parameters (API paths include `/api/v1`).
    pub path: &'static str,
    /// What an unsafe request needs (`None` for reads, which check access in storage).
    pub need: Option<Need>,
    /// The API reference entry (every `/api/v1` route has one).
    pub doc: Option<Doc>,
    pub(crate) handler: MethodRouter<AppState>,
}

fn route<H, T>(method: Method, path: &'static str, need: Option<Need>, handler: H) -> Route
where
    H: Handler<T, AppState>,
    T: 'static,
{
    let filter = MethodFilter::try_from(method.clone()).expect("a standard method");
    Route {
        method,
        path,
        need,
        doc: None,
        handler: on(filter, handler),
    }
}

/// A read.
pub fn get<H: Handler<T, AppState>, T: 'static>(path: &'static str, handler: H) -> Route {
    route(Method::GET, path, None, handler)
}

/// A write that needs `need`.
pub fn post<H: Handler<T, AppState>, T: 'static>(
    path: &'static str,
    need: Need,
    handler: H,
) -> Route {
    route(Method::POST, path, Some(need), handler)
}

/// A write that needs `need`.
pub fn put<H: Handler<T, AppState>, T: 'static>(
    path: &'static str,
    need: Need,
    handler: H,
) -> Route {
    route(Method::PUT, path, Some(need), handler)
}

impl Route {
    /// Accepts bodies up to `bytes` (uploads) instead of the general limit.
    pub fn body_limit(mut self, bytes: usize) -> Self {
        self.handler = self.handler.layer(DefaultBodyLimit::max(bytes));
        self
    }

    /// Documents the route in the API reference under `tag`.
    pub fn doc(mut self, tag: &'static str, summary: &'static str) -> Self {
        self.doc = Some(Doc::new(&self.method, tag, summary));
        self
    }

    fn with_doc(mut self, change: impl FnOnce(&mut Doc)) -> Self {
        change(self.doc.as_mut().expect(".doc(…) comes first"));
        self
    }

    pub fn query(self, params: &'static [Param]) -> Self {
        self.with_doc(|d| d.query = params)
    }

    pub fn input(self, input: Input) -> Self {
        self.with_doc(|d| d.input = input)
    }

    /// The JSON body is a `T`; its schema documents it.
    pub fn body<T: schemars::JsonSchema>(self) -> Self {
        self.with_doc(|d| d.input = Input::Body(|g| g.subschema_for::<T>()))
    }

    pub fn output(self, output: Output) -> Self {
        self.with_doc(|d| d.output = output)
    }
}

/// Every route of the application.
pub fn all() -> Vec<Route> {
    let mut routes = vec![
        get("/healthz", crate::ui::healthz),
        get("/api/openapi.json", crate::api::doc::openapi_json),
        get("/api/docs", crate::api::doc::docs_page),
        get("/static/{*path}", crate::static_files::serve),
    ];
    routes.extend(crate::ui::routes());
    routes.extend(crate::api::routes());
    routes
}

/// The router of [`all`].
pub fn router() -> axum::Router<AppState> {
    all().into_iter().fold(axum::Router::new(), |router, r| {
        router.route(r.path, r.handler)
    })
}

static NEEDS: LazyLock<HashMap<(Method, String), Need>> = LazyLock::new(|| {
    all()
        .into_iter()
        .filter_map(|r| Some(((r.method, r.path.to_string()), r.need?)))
        .collect()
});

/// What an unsafe request to the route `path` (as registered) needs. A write not declared with
/// a need cannot be reached (the router does not know it), so the default refuses everything.
pub fn need(method: &Method, path: &str) -> Need {
    NEEDS
        .get(&(method.clone(), path.to_string()))
        .copied()
        .unwrap_or(Need::Nobody)
}

/// Method and path of every route, e.g. for the access-table test.
pub fn table() -> Vec<(String, String)> {
    all()
        .into_iter()
        .map(|r| (r.method.to_string(), r.path.to_string()))
        .collect()
}
