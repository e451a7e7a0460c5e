//! 介護保険事業所番号: ten half-width digits (the first two are the prefecture).

use super::DomainError;
use std::fmt;

/// Stored inline (ten ASCII digits): no allocation per record when reading large files.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct OfficeNumber([u8; 10]);

impl OfficeNumber {
    /// Accepts exactly ten ASCII digits. Full-width digits typed in an IME are normalised
    /// first (care staff often type them), surrounding blanks are ignored.
    pub fn parse(input: &str) -> Result<Self, DomainError> {
        let normalised: String = input
            .trim()
            .chars()
            .map(|c| match c {
                '０'..='９' => char::from_u32(c as u32 - '０' as u32 + '0' as u32).unwrap_or(c),
                _ => c,
            })
            .collect();
        if normalised.is_empty() {
            return Err(DomainError::new(
                "事業所番号を入力してください。",
                "the office number is empty",
            ));
        }
        if normalised.len() != 10 || !normalised.bytes().all(|b| b.is_ascii_digit()) {
            return Err(DomainError::new(
                "事業所番号は半角数字10桁で入力してください。",
                format!("the office number must be 10 digits, got {input:?}"),
            ));
        }
        Ok(Self::from_checked(&normalised))
    }

    fn from_checked(digits: &str) -> Self {
        let mut a = [0u8; 10];
        a.copy_from_slice(digits.as_bytes());
        Self(a)
    }

    /// Strict fast path for bulk reading: exactly ten ASCII digits, no normalisation.
    pub fn from_ascii(input: &str) -> Option<Self> {
        (input.len() == 10 && input.bytes().all(|b| b.is_ascii_digit()))
            .then(|| Self::from_checked(input))
    }

    pub fn as_str(&self) -> &str {
        std::str::from_utf8(&self.0).unwrap_or("")
    }
}

impl fmt::Display for OfficeNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl fmt::Debug for OfficeNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "OfficeNumber({:?})", self.as_str())
    }
}

impl TryFrom<String> for OfficeNumber {
    type Error = DomainError;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::parse(&value)
    }
}

impl From<OfficeNumber> for String {
    fn from(value: OfficeNumber) -> Self {
        value.as_str().to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_ten_digits_and_full_width() {
        assert_eq!(
            OfficeNumber::parse("1310100001").unwrap().as_str(),
            "1310100001"
        );
        assert_eq!(
            OfficeNumber::parse(" １３１０１０００１０ ")
                .unwrap()
                .as_str(),
            "1310100010"
        );
    }

    #[test]
    fn refuses_wrong_length_and_letters() {
        assert!(OfficeNumber::parse("131010000").is_err());
        assert!(OfficeNumber::parse("13101000012").is_err());
        assert!(OfficeNumber::parse("13101A0001").is_err());
        assert!(OfficeNumber::parse("").is_err());
    }
}
