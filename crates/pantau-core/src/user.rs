//! Users as the domain sees them: names and password rules.

use serde::{Deserialize, Serialize};

/// How long a sign-in key stays locked after `failures` failed attempts, once `max` is reached:
/// a minute at `max`, doubling with each further failure, at most `cap_secs`. Below `max`, not
/// at all. Backing off per key (a username at one address, one address, a username) means one
/// attacker cannot lock a person out from everywhere with five guesses.
pub fn lockout_secs(failures: u64, max: u64, cap_secs: u64) -> Option<u64> {
    if max == 0 || failures < max {
        return None;
    }
    let doublings = (failures - max).min(20) as u32;
    Some(60u64.saturating_mul(1 << doublings).min(cap_secs).max(1))
}

/// A login name: 3–64 characters of lowercase letters, digits, `.`, `_`, `-`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Username(String);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum UserError {
    #[error(
        "nama pengguna harus 3–64 karakter: huruf kecil, angka, titik, garis bawah atau tanda hubung"
    )]
    InvalidUsername,
    #[error("kata sandi minimal {min} karakter")]
    PasswordTooShort { min: usize },
    #[error("kata sandi maksimal {max} karakter")]
    PasswordTooLong { max: usize },
    #[error("kata sandi harus memuat huruf dan angka")]
    PasswordTooSimple,
    #[error("kata sandi tidak boleh memuat nama pengguna")]
    PasswordContainsUsername,
}

impl UserError {
    /// What a person is told, in their language (keys in the web layer's catalogues).
    pub fn message(&self) -> crate::message::Message {
        use crate::message::Message;
        match self {
            UserError::InvalidUsername => Message::new("err-username").with("field", "username"),
            UserError::PasswordTooShort { min } => Message::new("err-password-short")
                .with("field", "password")
                .with("min", min),
            UserError::PasswordTooLong { max } => Message::new("err-password-long")
                .with("field", "password")
                .with("max", max),
            UserError::PasswordTooSimple => {
                Message::new("err-password-simple").with("field", "password")
            }
            UserError::PasswordContainsUsername => {
                Message::new("err-password-username").with("field", "password")
            }
        }
    }
}

impl Username {
    pub fn parse(raw: &str) -> Result<Self, UserError> {
        let s = raw.trim().to_lowercase();
        let ok = (3..=64).contains(&s.len())
            && s.bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b"._-".contains(&b));
        if ok {
            Ok(Username(s))
        } else {
            Err(UserError::InvalidUsername)
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

pub const PASSWORD_MIN_LEN: usize = 10;
/// Argon2 takes any length; the cap stops a huge body from costing hashing time.
pub const PASSWORD_MAX_LEN: usize = 256;

/// Password rules: length, letters and digits, not built around the username.
pub fn check_password(username: &Username, password: &str) -> Result<(), UserError> {
    let len = password.chars().count();
    if len < PASSWORD_MIN_LEN {
        return Err(UserError::PasswordTooShort {
            min: PASSWORD_MIN_LEN,
        });
    }
    if len > PASSWORD_MAX_LEN {
        return Err(UserError::PasswordTooLong {
            max: PASSWORD_MAX_LEN,
        });
    }
    let has_letter = password.chars().any(char::is_alphabetic);
    let has_digit = password.chars().any(|c| c.is_ascii_digit());
    if !(has_letter && has_digit) {
        return Err(UserError::PasswordTooSimple);
    }
    if password.to_lowercase().contains(username.as_str()) {
        return Err(UserError::PasswordContainsUsername);
    }
    Ok(())
}

#[cfg(test)]
mod tests {

    #[test]
    fn lockouts_start_at_the_limit_and_double_up_to_the_cap() {
        assert_eq!(lockout_secs(4, 5, 900), None);
        assert_eq!(lockout_secs(5, 5, 900), Some(60));
        assert_eq!(lockout_secs(6, 5, 900), Some(120));
        assert_eq!(lockout_secs(8, 5, 900), Some(480));
        assert_eq!(lockout_secs(9, 5, 900), Some(900));
        assert_eq!(lockout_secs(10_000, 5, 900), Some(900));
        assert_eq!(lockout_secs(3, 0, 900), None);
    }

    use super::*;

    #[test]
    fn usernames_are_normalised_and_checked() {
        assert_eq!(
            Username::parse(" BNNK.Bandung ").unwrap().as_str(),
            "bnnk.bandung"
        );
        assert!(Username::parse("ab").is_err());
        assert!(Username::parse("a b c").is_err());
        assert!(Username::parse("<script>").is_err());
    }

    #[test]
    fn weak_passwords_are_refused() {
        let u = Username::parse("bnnk.bandung").unwrap();
        assert_eq!(
            check_password(&u, "short1"),
            Err(UserError::PasswordTooShort { min: 10 })
        );
        assert_eq!(
            check_password(&u, "onlyletters"),
            Err(UserError::PasswordTooSimple)
        );
        assert_eq!(
            check_password(&u, "1234567890"),
            Err(UserError::PasswordTooSimple)
        );
        assert_eq!(
            check_password(&u, "xBNNK.bandung1"),
            Err(UserError::PasswordContainsUsername)
        );
        assert!(check_password(&u, &"a1".repeat(200)).is_err());
        assert!(check_password(&u, "Rehab-Jabar-2026").is_ok());
    }
}
