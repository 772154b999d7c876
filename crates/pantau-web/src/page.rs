//! What every page template receives: language, the signed-in user, the CSRF token, and helpers
//! to translate and to ask what the user may do.

use crate::AppState;
use crate::auth::Auth;
use crate::i18n::{I18n, Lang};
use askama::Template;
use axum::extract::{FromRequestParts, OptionalFromRequestParts};
use axum::http::request::Parts;
use pantau_core::access::Permission;
use pantau_core::org::OfficePath;
use std::sync::Arc;

#[derive(Clone)]
pub struct Page {
    pub i18n: Arc<I18n>,
    pub lang: Lang,
    pub auth: Option<Arc<Auth>>,
    pub csrf: String,
    pub path: String,
    /// The path with its query: where to come back to.
    pub here: String,
    /// A confirmation shown once after a redirect (`?ok=<message id>`).
    pub flash: Option<String>,
    /// Why the save just tried was refused, when the page is shown again instead of an error.
    pub alert: Option<String>,
}

impl Page {
    pub fn t(&self, id: &str) -> String {
        self.i18n.t(self.lang, id)
    }

    /// A message raised below the web layer (a row error's reason, a refusal), in the
    /// reader's language.
    pub fn msg(&self, m: &pantau_core::message::Message) -> String {
        self.i18n.render(self.lang, m)
    }

    /// The page again, saying why the save just tried was refused.
    pub fn with_error(mut self, e: &pantau_db::DbError) -> Self {
        let mut m = e.message();
        if let Some(at) = m.args.get("at").cloned() {
            m.args.insert("at".into(), self.when(&at));
        }
        self.alert = Some(self.msg(&m));
        self.flash = None;
        self
    }

    /// A stored time (RFC 3339, UTC) as the reader reads it: in their province's zone, day
    /// first — "30/11/2026 19.05 WIB", or "30 Nov 2026 19:05 WIB" in English. Text that is not
    /// a time is shown as it is.
    pub fn when(&self, stored: &str) -> String {
        let zone = self.auth.as_ref().map(|a| a.zone).unwrap_or_default();
        let Ok(t) = chrono::DateTime::parse_from_rfc3339(stored) else {
            return stored.to_string();
        };
        let local = t.with_timezone(&chrono::Utc) + chrono::Duration::hours(zone.offset_hours());
        let shown = match self.lang {
            Lang::En => local.format("%-d %b %Y %H:%M"),
            _ => local.format("%d/%m/%Y %H.%M"),
        };
        format!("{shown} {}", zone.name())
    }

    /// A stored date (`2026-11-30`, or the date of a stored time) day first: "30/11/2026", or
    /// "30 Nov 2026" in English. Text that is not a date is shown as it is.
    pub fn date(&self, stored: &str) -> String {
        let Some(d) = stored
            .get(..10)
            .and_then(|s| chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d").ok())
        else {
            return stored.to_string();
        };
        match self.lang {
            Lang::En => d.format("%-d %b %Y").to_string(),
            _ => d.format("%d/%m/%Y").to_string(),
        }
    }

    /// A report period (`2026-03`) as its month and year: "Maret 2026" / "March 2026".
    pub fn period(&self, stored: &str) -> String {
        let month = stored
            .split_once('-')
            .and_then(|(y, m)| Some((y, m.parse::<u8>().ok().filter(|m| (1..=12).contains(m))?)));
        match month {
            Some((year, m)) => format!("{} {year}", self.t(&format!("month-{m}"))),
            None => stored.to_string(),
        }
    }

    /// Like [`Page::tv`], but the value itself where the catalogue has no message for it (codes
    /// recorded by an older version, say).
    pub fn tv_or_code(&self, prefix: &str, value: &str) -> String {
        let id = format!("{prefix}{value}");
        if self.i18n.has(self.lang, &id) {
            self.t(&id)
        } else {
            value.to_string()
        }
    }

    /// The message `prefix` + `value`, for coded values such as statuses and categories.
    pub fn tv(&self, prefix: &str, value: &str) -> String {
        self.t(&format!("{prefix}{value}"))
    }

    /// A share as `12.3%`, or a dash when there is nothing to divide.
    pub fn pct(&self, v: Option<f64>) -> String {
        v.map(|p| format!("{p:.1}%")).unwrap_or_else(|| "—".into())
    }

    pub fn role_name(&self, role: &str) -> String {
        self.t(&format!("role-{role}"))
    }

    pub fn level_name(&self, level: &str) -> String {
        self.t(&format!("level-{level}"))
    }

    pub fn user_name(&self) -> String {
        self.auth
            .as_ref()
            .map(|a| a.full_name.clone())
            .unwrap_or_default()
    }

    /// Whether the user holds any office-wide grant: institution operators (one institution
    /// only) and unit reporters (one unit) have no dashboard to open.
    pub fn sees_offices(&self) -> bool {
        self.auth
            .as_ref()
            .is_some_and(|a| a.principal.grants.iter().any(|g| !g.is_narrowed()))
    }

    pub fn signed_in(&self) -> bool {
        self.auth.is_some()
    }

    pub fn can_manage_reference(&self) -> bool {
        self.auth
            .as_ref()
            .is_some_and(|a| a.principal.is_national(Permission::ManageReference))
    }

    pub fn can_manage_users(&self) -> bool {
        self.auth
            .as_ref()
            .is_some_and(|a| !a.principal.scope_roots(Permission::ManageUsers).is_empty())
    }

    pub fn can_read_audit(&self) -> bool {
        self.auth
            .as_ref()
            .is_some_and(|a| !a.principal.scope_roots(Permission::ReadAudit).is_empty())
    }

    pub fn can_write(&self, office_path: &str) -> bool {
        self.can(Permission::WriteData, office_path)
    }

    /// `permission` on one IBM unit: office-wide, or a unit reporter's own unit.
    pub fn can_unit(&self, permission: Permission, office_path: &str, unit_id: i64) -> bool {
        match (&self.auth, OfficePath::parse(office_path)) {
            (Some(a), Some(p)) => a.principal.can_unit(permission, &p, unit_id),
            _ => false,
        }
    }

    /// A unit reporter's one unit, when that is all the user reaches (where they land).
    pub fn own_unit(&self) -> Option<i64> {
        let a = self.auth.as_ref()?;
        match a.principal.unit_grants(Permission::ReadData).as_slice() {
            [unit] if !self.sees_offices() => Some(*unit),
            _ => None,
        }
    }

    pub fn can(&self, permission: Permission, office_path: &str) -> bool {
        match (&self.auth, OfficePath::parse(office_path)) {
            (Some(a), Some(p)) => a.principal.can(permission, &p),
            _ => false,
        }
    }

    /// Where the language switch posts to.
    pub fn lang_switch_action(&self) -> String {
        format!("/bahasa/{}", self.lang.other().code())
    }

    pub fn is_current(&self, prefix: &str) -> bool {
        if prefix == "/" {
            self.path == "/"
        } else {
            self.path.starts_with(prefix)
        }
    }
}

/// Pull the flash message id from the query string; only known catalogue ids are shown.
fn flash_from(parts: &Parts, i18n: &I18n, lang: Lang) -> Option<String> {
    let query = parts.uri.query()?;
    query.split('&').find_map(|kv| {
        let v = kv.strip_prefix("ok=")?;
        i18n.has(lang, v).then(|| i18n.t(lang, v))
    })
}

impl FromRequestParts<AppState> for Page {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        Ok(page_from_parts(parts, state))
    }
}

impl OptionalFromRequestParts<AppState> for Page {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Option<Self>, Self::Rejection> {
        Ok(Some(page_from_parts(parts, state)))
    }
}

pub fn page_from_parts(parts: &Parts, state: &AppState) -> Page {
    let lang = parts.extensions.get::<Lang>().copied().unwrap_or_default();
    let auth = parts.extensions.get::<Arc<Auth>>().cloned();
    let csrf = match &auth {
        Some(a) => a.csrf_token.clone(),
        None => parts
            .extensions
            .get::<crate::auth::LoginCsrf>()
            .map(|c| c.0.clone())
            .unwrap_or_default(),
    };
    Page {
        i18n: state.i18n.clone(),
        lang,
        flash: flash_from(parts, &state.i18n, lang),
        alert: None,
        auth,
        csrf,
        path: parts.uri.path().to_string(),
        here: parts
            .uri
            .path_and_query()
            .map(|p| p.as_str().to_string())
            .unwrap_or_else(|| "/".into()),
    }
}

#[derive(Template)]
#[template(path = "error.html")]
pub struct ErrorPage<'a> {
    pub page: &'a Page,
    pub status: u16,
    pub message: String,
}
