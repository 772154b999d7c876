//! Demo data sets for newcomers: realistic, deterministic, loaded through the same storage
//! functions users go through (so every row is validated and audited).

pub mod ibm;
pub mod scale;
pub mod sni;
pub mod story;

/// Deterministic pseudo-random numbers, so every demo database looks the same.
pub(crate) struct Lcg(pub u64);

impl Lcg {
    /// A number in `0..n`.
    pub fn next(&mut self, n: u64) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (self.0 >> 33) % n.max(1)
    }
}
