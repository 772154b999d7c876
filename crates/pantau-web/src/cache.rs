//! A short-lived cache of dashboard figures. Any successful write through this server empties it
//! at once (a new generation), and on PostgreSQL so does a write through another server (see
//! [`pantau_db::changes`]); writes from elsewhere (the CLI) show after at most [`MAX_AGE`]. Entries are keyed by everything that decides the figures: the reader's grants,
//! the office, the year and the day.

use pantau_core::access::Principal;
use std::collections::HashMap;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

pub const MAX_AGE: Duration = Duration::from_secs(10);
const MAX_ENTRIES: usize = 512;

pub struct FiguresCache<T> {
    generation: AtomicU64,
    entries: Mutex<HashMap<String, (u64, Instant, std::sync::Arc<T>)>>,
    computing: tokio::sync::Mutex<()>,
}

impl<T> Default for FiguresCache<T> {
    fn default() -> Self {
        FiguresCache {
            generation: AtomicU64::new(0),
            entries: Mutex::new(HashMap::new()),
            computing: tokio::sync::Mutex::new(()),
        }
    }
}

impl<T> FiguresCache<T> {
    /// Called after every successful write.
    pub fn invalidate(&self) {
        self.generation.fetch_add(1, Ordering::SeqCst);
    }

    pub fn key(who: &Principal, parts: &str) -> String {
        let grants: Vec<String> = who
            .grants
            .iter()
            .map(|g| {
                format!(
                    "{}@{}/{:?}/{:?}",
                    g.role.as_str(),
                    g.office_id,
                    g.institution_id,
                    g.unit_id
                )
            })
            .collect();
        format!("{}|{parts}", grants.join(","))
    }

    pub fn get(&self, key: &str) -> Option<std::sync::Arc<T>> {
        let generation = self.generation.load(Ordering::SeqCst);
        let entries = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        entries
            .get(key)
            .filter(|(g, at, _)| *g == generation && at.elapsed() < MAX_AGE)
            .map(|(_, _, v)| v.clone())
    }

    /// Stores a value computed while `generation` was current; a write in between makes it stale.
    pub fn put(&self, key: String, generation: u64, value: std::sync::Arc<T>) {
        let mut entries = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        if entries.len() >= MAX_ENTRIES {
            entries.clear();
        }
        entries.insert(key, (generation, Instant::now(), value));
    }

    /// Held while a missing value is computed (see the dashboard handler).
    pub async fn compute_gate(&self) -> tokio::sync::MutexGuard<'_, ()> {
        self.computing.lock().await
    }

    pub fn generation(&self) -> u64 {
        self.generation.load(Ordering::SeqCst)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_write_empties_the_cache_and_a_value_computed_across_a_write_is_not_served() {
        let c: FiguresCache<i32> = FiguresCache::default();
        let g = c.generation();
        c.put("k".into(), g, std::sync::Arc::new(1));
        assert_eq!(c.get("k").as_deref(), Some(&1));
        c.invalidate();
        assert_eq!(c.get("k"), None);
        // Computed before the write, stored after it: never served.
        c.put("k".into(), g, std::sync::Arc::new(2));
        assert_eq!(c.get("k"), None);
        c.put("k".into(), c.generation(), std::sync::Arc::new(3));
        assert_eq!(c.get("k").as_deref(), Some(&3));
    }
}

/// Route layer: after a write that went through, cached dashboards, pages and area counts are
/// stale (a write that was refused changed nothing).
pub async fn invalidate_after_writes(
    axum::extract::State(state): axum::extract::State<crate::AppState>,
    req: axum::extract::Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    use axum::http::Method;
    let unsafe_method = !matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS);
    let res = next.run(req).await;
    if unsafe_method && !res.status().is_client_error() && !res.status().is_server_error() {
        state.forget_figures();
        // Before answering, so that whoever wrote sees the change on any server next.
        if let Err(e) = pantau_db::changes::announce(&state.db, &state.server_id).await {
            tracing::warn!(error = %e, "could not tell other servers of a change");
        }
    }
    res
}
