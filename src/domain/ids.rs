//! Identifiers carried by the standard's files: 保険者番号, 被保険者番号, サービスコード.

use super::{DomainError, ServiceType};
use std::fmt;

fn half_width(input: &str) -> String {
    input
        .trim()
        .chars()
        .map(|c| match c {
            '０'..='９' | 'Ａ'..='Ｚ' | 'ａ'..='ｚ' => {
                char::from_u32(c as u32 - 0xFEE0).unwrap_or(c)
            }
            _ => c,
        })
        .collect()
}

/// Fixed-width ASCII identifiers are stored inline (no allocation per record when reading
/// large files).
macro_rules! ascii_newtype {
    ($name:ident, $n:expr) => {
        impl $name {
            fn from_checked(s: &str) -> Self {
                let mut a = [0u8; $n];
                a.copy_from_slice(s.as_bytes());
                Self(a)
            }

            pub fn as_str(&self) -> &str {
                std::str::from_utf8(&self.0).unwrap_or("")
            }
        }
        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }
        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "{}({:?})", stringify!($name), self.as_str())
            }
        }
        impl TryFrom<String> for $name {
            type Error = DomainError;
            fn try_from(value: String) -> Result<Self, Self::Error> {
                Self::parse(&value)
            }
        }
        impl From<$name> for String {
            fn from(value: $name) -> Self {
                value.as_str().to_string()
            }
        }
    };
}

/// 保険者番号: six half-width digits (the municipality acting as insurer).
///
/// The standard's files carry 6 digits only. (The 8-digit numbers seen on 公費 certificates are
/// 公費負担者番号, a different item that these files do not carry.)
#[derive(
    Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
#[serde(try_from = "String", into = "String")]
pub struct InsurerNumber([u8; 6]);

impl InsurerNumber {
    /// Strict fast path for bulk reading: exactly six ASCII digits.
    pub fn from_ascii(input: &str) -> Option<Self> {
        (input.len() == 6 && input.bytes().all(|b| b.is_ascii_digit()))
            .then(|| Self::from_checked(input))
    }

    pub fn parse(input: &str) -> Result<Self, DomainError> {
        let s = half_width(input);
        if s.len() == 6 && s.bytes().all(|b| b.is_ascii_digit()) {
            Ok(Self::from_checked(&s))
        } else {
            Err(DomainError::new(
                "保険者番号は半角数字6桁で入力してください。",
                format!("the insurer number must be 6 digits, got {input:?}"),
            ))
        }
    }
}
ascii_newtype!(InsurerNumber, 6);

/// 被保険者番号: ten characters, either ten digits or `H` + nine digits (生保単独, public
/// assistance only).
#[derive(
    Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
#[serde(try_from = "String", into = "String")]
pub struct InsuredNumber([u8; 10]);

impl InsuredNumber {
    /// Strict fast path for bulk reading: ten ASCII digits, or `H` + nine digits.
    pub fn from_ascii(input: &str) -> Option<Self> {
        let b = input.as_bytes();
        (b.len() == 10
            && (b[0].is_ascii_digit() || b[0] == b'H')
            && b[1..].iter().all(u8::is_ascii_digit))
        .then(|| Self::from_checked(input))
    }

    pub fn parse(input: &str) -> Result<Self, DomainError> {
        let s = half_width(input);
        let b = s.as_bytes();
        let digits = b.len() == 10 && b.iter().all(u8::is_ascii_digit);
        let seiho = b.len() == 10
            && (b[0] == b'H' || b[0] == b'h')
            && b[1..].iter().all(u8::is_ascii_digit);
        if digits {
            Ok(Self::from_checked(&s))
        } else if seiho {
            Ok(Self::from_checked(&s.to_ascii_uppercase()))
        } else {
            Err(DomainError::new(
                "被保険者番号は半角数字10桁（生保単独の方は H＋数字9桁）で入力してください。",
                format!(
                    "the insured number must be 10 digits or H followed by 9 digits, got {input:?}"
                ),
            ))
        }
    }

    /// 生保単独: a public-assistance-only person (`H` + 9 digits).
    pub fn is_public_assistance_only(&self) -> bool {
        self.0[0] == b'H'
    }
}
ascii_newtype!(InsuredNumber, 10);

/// サービスコード: 2-character サービス種類コード + 4-character サービス項目コード.
///
/// Parsing checks the shape only (six half-width letters or digits), so the special values of
/// 第7表 (`11AAAA`, `11EEEE`, `11ZZZZ`, `999999`) are also service codes; see
/// [`ServiceCode::row_kind`].
#[derive(
    Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
#[serde(try_from = "String", into = "String")]
pub struct ServiceCode([u8; 6]);

/// What a 第7表 サービスコード value stands for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CodeRowKind {
    /// An ordinary service code: a detail row.
    Detail,
    /// `CDAAAA`: 区分支給対象 種類別小計.
    SubtotalInLimit,
    /// `CDEEEE`: 区分支給対象外 種類別小計.
    SubtotalOutsideLimit,
    /// `CDZZZZ`: 30日超過分 種類別小計.
    SubtotalOver30Days,
    /// `999999`: 全合計.
    Total,
}

impl ServiceCode {
    /// Strict fast path for bulk reading: six ASCII digits or upper-case letters.
    pub fn from_ascii(input: &str) -> Option<Self> {
        (input.len() == 6
            && input
                .bytes()
                .all(|b| b.is_ascii_digit() || b.is_ascii_uppercase()))
        .then(|| Self::from_checked(input))
    }

    pub fn parse(input: &str) -> Result<Self, DomainError> {
        let s = half_width(input).to_ascii_uppercase();
        if s.len() == 6 && s.bytes().all(|b| b.is_ascii_alphanumeric()) {
            Ok(Self::from_checked(&s))
        } else {
            Err(DomainError::new(
                "サービスコードは半角英数字6桁で入力してください。",
                format!("a service code is 6 letters or digits, got {input:?}"),
            ))
        }
    }

    /// The two-character サービス種類コード.
    pub fn type_code(&self) -> &str {
        &self.as_str()[..2]
    }

    /// The four-character サービス項目コード.
    pub fn item_code(&self) -> &str {
        &self.as_str()[2..]
    }

    /// The known service type, if the first two characters name one.
    pub fn service_type(&self) -> Option<ServiceType> {
        ServiceType::from_code(self.type_code())
    }

    pub fn row_kind(&self) -> CodeRowKind {
        match (self.as_str(), self.item_code()) {
            ("999999", _) => CodeRowKind::Total,
            (_, "AAAA") => CodeRowKind::SubtotalInLimit,
            (_, "EEEE") => CodeRowKind::SubtotalOutsideLimit,
            (_, "ZZZZ") => CodeRowKind::SubtotalOver30Days,
            _ => CodeRowKind::Detail,
        }
    }
}
ascii_newtype!(ServiceCode, 6);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn insurer_numbers() {
        assert_eq!(InsurerNumber::parse("131016").unwrap().as_str(), "131016");
        assert_eq!(
            InsurerNumber::parse("１３１０１６").unwrap().as_str(),
            "131016"
        );
        assert!(InsurerNumber::parse("13101").is_err());
        assert!(InsurerNumber::parse("1310161").is_err());
        assert!(InsurerNumber::parse("13101A").is_err());
    }

    #[test]
    fn insured_numbers_and_public_assistance() {
        let n = InsuredNumber::parse("0000012345").unwrap();
        assert!(!n.is_public_assistance_only());
        let h = InsuredNumber::parse("h123456789").unwrap();
        assert_eq!(h.as_str(), "H123456789");
        assert!(h.is_public_assistance_only());
        assert!(InsuredNumber::parse("H12345678").is_err());
        assert!(InsuredNumber::parse("X123456789").is_err());
        assert!(InsuredNumber::parse("12345678901").is_err());
    }

    #[test]
    fn service_codes() {
        let c = ServiceCode::parse("111111").unwrap();
        assert_eq!(c.type_code(), "11");
        assert_eq!(c.item_code(), "1111");
        assert_eq!(c.service_type().unwrap().name(), "訪問介護");
        assert_eq!(c.row_kind(), CodeRowKind::Detail);
        assert_eq!(
            ServiceCode::parse("11aaaa").unwrap().row_kind(),
            CodeRowKind::SubtotalInLimit
        );
        assert_eq!(
            ServiceCode::parse("17EEEE").unwrap().row_kind(),
            CodeRowKind::SubtotalOutsideLimit
        );
        assert_eq!(
            ServiceCode::parse("21ZZZZ").unwrap().row_kind(),
            CodeRowKind::SubtotalOver30Days
        );
        assert_eq!(
            ServiceCode::parse("999999").unwrap().row_kind(),
            CodeRowKind::Total
        );
        assert!(ServiceCode::parse("99999").is_err());
    }
}
