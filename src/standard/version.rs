//! CSVバージョン (field No.1 of every record) and the layout family it selects.

use std::fmt;

/// A CSV version value met in files.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum CsvVersion {
    /// `201910`: first edition; read with the V3 layout and a warning.
    V201910,
    /// `202003`: second edition; read with the V3 layout and a warning.
    V202003,
    /// `202208`: V3 (3.0–3.2). Written on request.
    V202208,
    /// `202407`: V4.1. Written by default.
    V202407,
    /// `202410`: not a version of the standard, but written by some software in the wild for
    /// V4.1; read as V4 with a warning, never written.
    V202410,
    /// `202504`: V4.0; read as V4.
    V202504,
}

/// Which column layout a version uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
pub enum Layout {
    /// 202208 and older: no TAIS columns, no 第3表, names without service-type elements.
    V3,
    /// 202504 / 202407: TAIS columns, 第3表, names with service-type elements.
    V4,
}

static VERSIONS: &[(CsvVersion, &str)] = &[
    (CsvVersion::V201910, "201910"),
    (CsvVersion::V202003, "202003"),
    (CsvVersion::V202208, "202208"),
    (CsvVersion::V202407, "202407"),
    (CsvVersion::V202410, "202410"),
    (CsvVersion::V202504, "202504"),
];

impl CsvVersion {
    /// The default version for writing (V4.1).
    pub const DEFAULT: CsvVersion = CsvVersion::V202407;

    /// Parses a known value; `None` for anything else.
    pub fn parse(value: &str) -> Option<Self> {
        VERSIONS.iter().find(|(_, s)| *s == value).map(|(v, _)| *v)
    }

    pub fn code(self) -> &'static str {
        VERSIONS
            .iter()
            .find(|(v, _)| *v == self)
            .map(|(_, s)| *s)
            .unwrap_or("")
    }

    pub fn layout(self) -> Layout {
        match self {
            Self::V201910 | Self::V202003 | Self::V202208 => Layout::V3,
            Self::V202407 | Self::V202410 | Self::V202504 => Layout::V4,
        }
    }

    /// Versions we write: `202407` and `202208`.
    pub fn is_writable(self) -> bool {
        matches!(self, Self::V202407 | Self::V202208)
    }

    /// Versions we read but warn about: `201910`, `202003` (old) and `202410` (non-standard).
    pub fn read_warning(self) -> bool {
        matches!(self, Self::V201910 | Self::V202003 | Self::V202410)
    }
}

impl fmt::Display for CsvVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

impl serde::Serialize for CsvVersion {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.code())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_and_layouts() {
        for v in ["201910", "202003", "202208", "202407", "202410", "202504"] {
            assert_eq!(CsvVersion::parse(v).unwrap().code(), v);
        }
        assert_eq!(CsvVersion::parse("202407").unwrap().layout(), Layout::V4);
        assert_eq!(CsvVersion::parse("202504").unwrap().layout(), Layout::V4);
        assert_eq!(CsvVersion::parse("202410").unwrap().layout(), Layout::V4);
        assert_eq!(CsvVersion::parse("202208").unwrap().layout(), Layout::V3);
        assert_eq!(CsvVersion::parse("202003").unwrap().layout(), Layout::V3);
        assert!(CsvVersion::parse("202501").is_none());
        assert!(CsvVersion::V202407.is_writable() && CsvVersion::V202208.is_writable());
        assert!(!CsvVersion::V202410.is_writable());
    }
}
