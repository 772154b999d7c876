//! The two hierarchies Pantau navigates: Kemendagri administrative areas (wilayah) and the BNN
//! office tree (satker: BNN RI → BNNP → BNNK).

use serde::{Deserialize, Serialize};
use std::fmt;

/// Level of an administrative area, derived from the shape of its Kemendagri code.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AreaLevel {
    Province,
    Regency,
    District,
    Village,
}

impl AreaLevel {
    pub const ALL: [AreaLevel; 4] = [
        AreaLevel::Province,
        AreaLevel::Regency,
        AreaLevel::District,
        AreaLevel::Village,
    ];

    /// Stored form, also used in URLs and exports.
    pub fn as_str(self) -> &'static str {
        match self {
            AreaLevel::Province => "provinsi",
            AreaLevel::Regency => "kabkota",
            AreaLevel::District => "kecamatan",
            AreaLevel::Village => "desakel",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        AreaLevel::ALL.into_iter().find(|l| l.as_str() == s)
    }

    pub fn depth(self) -> usize {
        self as usize + 1
    }

    pub fn child(self) -> Option<AreaLevel> {
        AreaLevel::ALL.get(self.depth()).copied()
    }
}

/// A Kemendagri area code in its dotted form: `32`, `32.73`, `32.73.01`, `32.73.01.1001`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct AreaCode(String);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("kode wilayah tidak sah: {0:?} (contoh: 32, 32.73, 32.73.01, 32.73.01.1001)")]
pub struct InvalidAreaCode(pub String);

impl AreaCode {
    /// Widths of each dotted segment by level.
    const SEGMENT_WIDTHS: [usize; 4] = [2, 2, 2, 4];

    pub fn parse(raw: &str) -> Result<Self, InvalidAreaCode> {
        let s = raw.trim();
        let segments: Vec<&str> = s.split('.').collect();
        let valid = !segments.is_empty()
            && segments.len() <= Self::SEGMENT_WIDTHS.len()
            && segments
                .iter()
                .zip(Self::SEGMENT_WIDTHS)
                .all(|(seg, width)| seg.len() == width && seg.bytes().all(|b| b.is_ascii_digit()));
        if valid {
            Ok(AreaCode(s.to_string()))
        } else {
            Err(InvalidAreaCode(raw.to_string()))
        }
    }

    pub fn level(&self) -> AreaLevel {
        AreaLevel::ALL[self.0.split('.').count() - 1]
    }

    /// The code of the area one level up, if any.
    pub fn parent(&self) -> Option<AreaCode> {
        self.0.rfind('.').map(|i| AreaCode(self.0[..i].to_string()))
    }

    /// The province this area belongs to (itself for a province).
    pub fn province(&self) -> AreaCode {
        AreaCode(self.0[..2].to_string())
    }

    /// Whether `self` is `other` or lies inside it.
    pub fn is_within(&self, other: &AreaCode) -> bool {
        self.0 == other.0
            || (self.0.starts_with(&other.0) && self.0.as_bytes().get(other.0.len()) == Some(&b'.'))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for AreaCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl TryFrom<String> for AreaCode {
    type Error = InvalidAreaCode;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        AreaCode::parse(&s)
    }
}

impl From<AreaCode> for String {
    fn from(c: AreaCode) -> String {
        c.0
    }
}

/// Level of a BNN office (satuan kerja).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OfficeLevel {
    /// BNN RI, the national headquarters (Direktorat PLRKM sits here).
    Pusat,
    /// Badan Narkotika Nasional Provinsi.
    Bnnp,
    /// Badan Narkotika Nasional Kabupaten/Kota.
    Bnnk,
}

impl OfficeLevel {
    pub const ALL: [OfficeLevel; 3] = [OfficeLevel::Pusat, OfficeLevel::Bnnp, OfficeLevel::Bnnk];

    pub fn as_str(self) -> &'static str {
        match self {
            OfficeLevel::Pusat => "pusat",
            OfficeLevel::Bnnp => "bnnp",
            OfficeLevel::Bnnk => "bnnk",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        OfficeLevel::ALL.into_iter().find(|l| l.as_str() == s)
    }

    /// The level an office's parent must have.
    pub fn parent_level(self) -> Option<OfficeLevel> {
        match self {
            OfficeLevel::Pusat => None,
            OfficeLevel::Bnnp => Some(OfficeLevel::Pusat),
            OfficeLevel::Bnnk => Some(OfficeLevel::Bnnp),
        }
    }

    /// The area level an office of this level covers.
    pub fn covers(self) -> Option<AreaLevel> {
        match self {
            OfficeLevel::Pusat => None,
            OfficeLevel::Bnnp => Some(AreaLevel::Province),
            OfficeLevel::Bnnk => Some(AreaLevel::Regency),
        }
    }
}

/// Materialised path of an office in the tree, e.g. `/1/7/42/`: the ids from the root down.
/// Subtree checks become prefix checks, in Rust and in SQL (`path LIKE '/1/7/%'`).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct OfficePath(String);

impl OfficePath {
    pub fn root(id: i64) -> Self {
        OfficePath(format!("/{id}/"))
    }

    pub fn child(&self, id: i64) -> Self {
        OfficePath(format!("{}{id}/", self.0))
    }

    /// Accepts only the stored shape: `/` followed by one or more `id/`.
    pub fn parse(s: &str) -> Option<Self> {
        let inner = s.strip_prefix('/')?.strip_suffix('/')?;
        let ok = !inner.is_empty()
            && inner
                .split('/')
                .all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()));
        ok.then(|| OfficePath(s.to_string()))
    }

    /// Whether `self` is `ancestor` or inside its subtree.
    pub fn is_within(&self, ancestor: &OfficePath) -> bool {
        self.0.starts_with(&ancestor.0)
    }

    pub fn depth(&self) -> usize {
        self.0.matches('/').count() - 1
    }

    pub fn ids(&self) -> Vec<i64> {
        self.0
            .trim_matches('/')
            .split('/')
            .filter_map(|p| p.parse().ok())
            .collect()
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for OfficePath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Indonesia's three time zones, in which people read the times Pantau shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub enum TimeZone {
    /// Waktu Indonesia Barat, UTC+7: Sumatra, Java, West and Central Kalimantan.
    #[default]
    Wib,
    /// Waktu Indonesia Tengah, UTC+8: Bali, Nusa Tenggara, South, East and North Kalimantan,
    /// Sulawesi.
    Wita,
    /// Waktu Indonesia Timur, UTC+9: Maluku and Papua.
    Wit,
}

impl TimeZone {
    /// The zone of a province, by its two-digit Kemendagri code (WIB when unknown).
    pub fn of_province(code: &str) -> TimeZone {
        match code.get(..2).and_then(|c| c.parse::<u32>().ok()) {
            Some(51..=53 | 63..=65 | 71..=76) => TimeZone::Wita,
            Some(81..=99) => TimeZone::Wit,
            _ => TimeZone::Wib,
        }
    }

    pub fn offset_hours(self) -> i64 {
        match self {
            TimeZone::Wib => 7,
            TimeZone::Wita => 8,
            TimeZone::Wit => 9,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            TimeZone::Wib => "WIB",
            TimeZone::Wita => "WITA",
            TimeZone::Wit => "WIT",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn area_codes_of_every_level_parse_and_know_their_parent() {
        let v = AreaCode::parse("32.73.01.1001").unwrap();
        assert_eq!(v.level(), AreaLevel::Village);
        assert_eq!(v.parent().unwrap().as_str(), "32.73.01");
        assert_eq!(v.province().as_str(), "32");
        assert_eq!(AreaCode::parse("32").unwrap().level(), AreaLevel::Province);
        assert!(AreaCode::parse("32").unwrap().parent().is_none());
    }

    #[test]
    fn malformed_area_codes_are_refused() {
        for bad in [
            "",
            "3",
            "32.7",
            "32.73.1",
            "32.73.01.101",
            "ab",
            "32.73.01.1001.1",
            "32..73",
        ] {
            assert!(AreaCode::parse(bad).is_err(), "{bad} should be refused");
        }
    }

    #[test]
    fn an_area_is_within_its_ancestors_only() {
        let kec = AreaCode::parse("32.73.01").unwrap();
        assert!(kec.is_within(&AreaCode::parse("32").unwrap()));
        assert!(kec.is_within(&AreaCode::parse("32.73").unwrap()));
        assert!(!kec.is_within(&AreaCode::parse("33").unwrap()));
        assert!(!AreaCode::parse("32").unwrap().is_within(&kec));
    }

    #[test]
    fn office_paths_nest_by_prefix() {
        let pusat = OfficePath::root(1);
        let bnnp = pusat.child(12);
        let bnnk = bnnp.child(120);
        let other_bnnk = bnnp.child(12_0_1);
        assert!(bnnk.is_within(&pusat) && bnnk.is_within(&bnnp) && bnnk.is_within(&bnnk));
        assert!(!bnnp.is_within(&bnnk));
        assert!(!other_bnnk.is_within(&bnnk));
        // `/1/12/` must not be taken as inside `/1/1/`.
        assert!(!bnnp.is_within(&pusat.child(1)));
        assert_eq!(bnnk.ids(), vec![1, 12, 120]);
        assert_eq!(bnnk.depth(), 3);
        assert_eq!(OfficePath::parse("/1/12/"), Some(bnnp));
        assert_eq!(OfficePath::parse("/1//"), None);
        assert_eq!(OfficePath::parse("1/"), None);
    }

    #[test]
    fn office_levels_cover_the_matching_area_level() {
        assert_eq!(OfficeLevel::Bnnp.covers(), Some(AreaLevel::Province));
        assert_eq!(OfficeLevel::Bnnk.parent_level(), Some(OfficeLevel::Bnnp));
        assert_eq!(OfficeLevel::parse("bnnk"), Some(OfficeLevel::Bnnk));
    }

    #[test]
    fn provinces_keep_their_own_time() {
        assert_eq!(TimeZone::of_province("32"), TimeZone::Wib);
        assert_eq!(TimeZone::of_province("51"), TimeZone::Wita);
        assert_eq!(TimeZone::of_province("73.71"), TimeZone::Wita);
        assert_eq!(TimeZone::of_province("94"), TimeZone::Wit);
        assert_eq!(TimeZone::of_province(""), TimeZone::Wib);
    }
}
