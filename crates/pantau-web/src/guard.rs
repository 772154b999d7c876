//! Writes are refused for who may not make them before the request body is read: the route's
//! declaration says what a write needs (see [`crate::routes`]), and a caller without it gets 403 (or 404 for a
//! record that does not exist) whatever it sent. Storage checks every write again; this layer
//! makes the answer to an outsider independent of the body, so it reveals nothing about the form.

use crate::AppState;
use crate::auth::Auth;
use crate::error::AppError;
use axum::extract::{MatchedPath, RawPathParams, Request, State};
use axum::http::Method;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use pantau_core::access::{Permission, Principal};
use pantau_db::guard::{self, Target};
use std::sync::Arc;

/// What an unsafe request to a route needs.
#[derive(Debug, Clone, Copy)]
pub enum Need {
    /// The caller's own account (signing out, password, API tokens).
    SelfService,
    /// Reference data, areas and the office tree: managed nationally.
    National,
    /// User accounts: a role that manages users.
    Users,
    /// A new record or an import: a role that writes office data.
    OfficeWriter,
    /// A change to the record the path names.
    Record(fn(i64) -> Target),
    /// A report, or a follow-up of an action, for the unit the path names: its officers, or its
    /// own unit reporter.
    UnitReport,
    /// A change to the record that only office staff make (registry, certification, sessions,
    /// recommendations, cohorts): an institution's own operator may not.
    StaffRecord(fn(i64) -> Target),
    /// A method no route declares on this path: no handler runs, so nothing is needed.
    Nobody,
}

/// Whether any office-level grant (not one limited to an institution) allows `permission`.
fn holds_anywhere(who: &Principal, permission: Permission) -> bool {
    who.grants
        .iter()
        .any(|g| !g.is_narrowed() && g.role.permits(permission))
}

fn refuse_unless(ok: bool) -> Result<(), AppError> {
    if ok { Ok(()) } else { Err(AppError::Forbidden) }
}

/// Write access to the record the path's `{id}` names.
async fn record(
    state: &AppState,
    who: &Principal,
    params: &RawPathParams,
    permission: Permission,
    target: fn(i64) -> Target,
) -> Result<(), AppError> {
    let id = params
        .iter()
        .find(|(name, _)| *name == "id")
        .and_then(|(_, v)| v.parse::<i64>().ok())
        .ok_or(AppError::NotFound)?;
    Ok(guard::authorize(&state.db, who, permission, target(id)).await?)
}

/// Route layer: applies [`need`] to every unsafe request of a signed-in caller.
pub async fn writes(
    State(state): State<AppState>,
    matched: Option<MatchedPath>,
    params: RawPathParams,
    req: Request,
    next: Next,
) -> Response {
    let unsafe_method = !matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS);
    let auth = req.extensions().get::<Arc<Auth>>().cloned();
    let (Some(auth), Some(matched), true) = (auth, matched, unsafe_method) else {
        return next.run(req).await;
    };
    let who = &auth.principal;
    let allowed = match crate::routes::need(req.method(), matched.as_str()) {
        // No route takes this method here: the router answers 405 without running a handler.
        Need::Nobody => Ok(()),
        Need::SelfService => Ok(()),
        Need::National => refuse_unless(who.is_national(Permission::ManageReference)),
        Need::Users => refuse_unless(holds_anywhere(who, Permission::ManageUsers)),
        Need::OfficeWriter => refuse_unless(holds_anywhere(who, Permission::WriteData)),
        Need::Record(target) => record(&state, who, &params, Permission::WriteData, target).await,
        Need::UnitReport => {
            record(
                &state,
                who,
                &params,
                Permission::SubmitReports,
                Target::Unit,
            )
            .await
        }
        Need::StaffRecord(target) => {
            match refuse_unless(holds_anywhere(who, Permission::WriteData)) {
                Ok(()) => record(&state, who, &params, Permission::WriteData, target).await,
                refused => refused,
            }
        }
    };
    match allowed {
        Ok(()) => next.run(req).await,
        Err(e) => e.into_response(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::routes::need;

    #[test]
    fn routes_get_the_need_their_records_call_for() {
        let post = Method::POST;
        let put = Method::PUT;
        assert!(matches!(need(&post, "/logout"), Need::SelfService));
        assert!(matches!(
            need(&post, "/akun/token/cabut"),
            Need::SelfService
        ));
        assert!(matches!(need(&post, "/referensi/tahap"), Need::National));
        assert!(matches!(
            need(&put, "/api/v1/ibm/stages/{code}"),
            Need::National
        ));
        assert!(matches!(need(&post, "/satker"), Need::National));
        assert!(matches!(need(&post, "/pengguna/{id}/sandi"), Need::Users));
        assert!(matches!(need(&post, "/ibm"), Need::OfficeWriter));
        assert!(matches!(
            need(&post, "/api/v1/exchange/dhis2"),
            Need::OfficeWriter
        ));
        assert!(
            matches!(need(&post, "/ibm/{id}/agen"), Need::Record(t) if t(5) == Target::Unit(5))
        );
        assert!(
            matches!(need(&post, "/api/v1/sni/actions/{id}/status"), Need::Record(t) if t(5) == Target::Action(5))
        );
        assert!(
            matches!(need(&post, "/satker/{id}/profil"), Need::Record(t) if t(5) == Target::Office(5))
        );
        // A read has no write need, and a write nobody declared is refused.
        assert!(matches!(need(&Method::GET, "/ibm"), Need::Nobody));
        assert!(matches!(need(&post, "/nowhere"), Need::Nobody));
    }
}
