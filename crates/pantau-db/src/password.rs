//! Argon2id password hashing, run off the async threads because each hash costs real CPU time,
//! and a few at a time: each takes 19 MiB, so a burst of sign-ins waits for a slot instead of
//! taking the process's memory with it.

use argon2::Argon2;
use argon2::password_hash::phc::PasswordHash;
use argon2::password_hash::{PasswordHasher, PasswordVerifier};

/// Password hashes computed at once, process-wide: one per core (more would not be faster), at
/// most eight.
fn slots() -> &'static tokio::sync::Semaphore {
    static SLOTS: std::sync::OnceLock<tokio::sync::Semaphore> = std::sync::OnceLock::new();
    SLOTS.get_or_init(|| {
        let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
        tokio::sync::Semaphore::new(cores.clamp(1, 8))
    })
}

pub async fn hash(password: String) -> String {
    let _slot = slots()
        .acquire()
        .await
        .expect("the semaphore is never closed");
    tokio::task::spawn_blocking(move || {
        Argon2::default()
            .hash_password(password.as_bytes())
            .expect("argon2 hashing with default parameters cannot fail")
            .to_string()
    })
    .await
    .expect("hashing task panicked")
}

/// Verifies `password` against a stored PHC string; a malformed hash never verifies.
pub async fn verify(password: String, stored: String) -> bool {
    let _slot = slots()
        .acquire()
        .await
        .expect("the semaphore is never closed");
    tokio::task::spawn_blocking(move || {
        PasswordHash::new(&stored)
            .map(|h| {
                Argon2::default()
                    .verify_password(password.as_bytes(), &h)
                    .is_ok()
            })
            .unwrap_or(false)
    })
    .await
    .unwrap_or(false)
}

/// Hash used when the user does not exist, so a wrong username costs the same time as a wrong
/// password and does not reveal which usernames exist.
pub(crate) const DUMMY_HASH: &str = "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$8VdEXaw2U1VYd1Ad5VdmZ+wT2RUXExvxrp1JjR9F9iI";
