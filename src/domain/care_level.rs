//! 要介護状態区分 as coded in the standard (コード表 (3)): 06, 12, 13, 21–25.

use super::DomainError;
use std::fmt;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum CareLevel {
    /// 06 事業対象者
    ProgramEligible,
    /// 12 要支援１
    Support1,
    /// 13 要支援２
    Support2,
    /// 21 要介護１
    Care1,
    /// 22 要介護２
    Care2,
    /// 23 要介護３
    Care3,
    /// 24 要介護４
    Care4,
    /// 25 要介護５
    Care5,
}

static TABLE: &[(CareLevel, &str, &str)] = &[
    (CareLevel::ProgramEligible, "06", "事業対象者"),
    (CareLevel::Support1, "12", "要支援１"),
    (CareLevel::Support2, "13", "要支援２"),
    (CareLevel::Care1, "21", "要介護１"),
    (CareLevel::Care2, "22", "要介護２"),
    (CareLevel::Care3, "23", "要介護３"),
    (CareLevel::Care4, "24", "要介護４"),
    (CareLevel::Care5, "25", "要介護５"),
];

impl CareLevel {
    /// Parses the standard's two-digit code (the leading zero of `06` is required).
    pub fn parse(code: &str) -> Result<Self, DomainError> {
        let code = code.trim();
        TABLE
            .iter()
            .find(|(_, c, _)| *c == code)
            .map(|(l, _, _)| *l)
            .ok_or_else(|| {
                DomainError::new(
                    format!("要介護状態区分コード「{code}」は使えません（06, 12, 13, 21〜25）。"),
                    format!("unknown care level code {code:?} (06, 12, 13, 21-25)"),
                )
            })
    }

    pub fn all() -> impl Iterator<Item = CareLevel> {
        TABLE.iter().map(|(l, _, _)| *l)
    }

    fn entry(self) -> &'static (CareLevel, &'static str, &'static str) {
        TABLE
            .iter()
            .find(|(l, _, _)| *l == self)
            .expect("every level is in the table")
    }

    /// The standard's code, e.g. `"21"`.
    pub fn code(self) -> &'static str {
        self.entry().1
    }

    /// The Japanese name, e.g. `"要介護１"`.
    pub fn name(self) -> &'static str {
        self.entry().2
    }

    /// 要支援 and 事業対象者 are served by 介護予防 / 総合事業 services.
    pub fn is_prevention(self) -> bool {
        matches!(
            self,
            Self::ProgramEligible | Self::Support1 | Self::Support2
        )
    }
}

impl fmt::Display for CareLevel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl serde::Serialize for CareLevel {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.code())
    }
}

impl<'de> serde::Deserialize<'de> for CareLevel {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        CareLevel::parse(&s).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_round_trip() {
        for l in CareLevel::all() {
            assert_eq!(CareLevel::parse(l.code()).unwrap(), l);
        }
        assert_eq!(CareLevel::parse("06").unwrap().name(), "事業対象者");
        assert_eq!(CareLevel::parse("25").unwrap().name(), "要介護５");
        assert!(CareLevel::parse("6").is_err());
        assert!(CareLevel::parse("01").is_err());
        assert!(CareLevel::parse("26").is_err());
    }
}
