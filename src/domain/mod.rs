//! Care-insurance concepts as types. Pure: no database, no web, no clock.
//!
//! Each type validates when it is parsed, so a value of the type is always well formed.

pub mod area_grade;
pub mod billing;
pub mod calendar;
pub mod care_level;
pub mod care_limit;
pub mod codes;
pub mod ids;
pub mod kana;
pub mod office_number;
pub mod service_codes;
pub mod service_month;
pub mod service_type;
pub mod unit_price;
pub mod wareki;

pub use care_level::CareLevel;
pub use codes::{
    CertificationStatus, DailyLifeReason, InsuranceCoverage, PlanCategory, Sex, Weekday,
};
pub use ids::{CodeRowKind, InsuredNumber, InsurerNumber, ServiceCode};
pub use office_number::OfficeNumber;
pub use service_month::ServiceMonth;
pub use service_type::ServiceType;

/// Why a value could not be parsed into a domain type. The texts are for people:
/// `message_ja` goes on screen, `message_en` to the command line and logs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DomainError {
    pub message_ja: String,
    pub message_en: String,
}

impl DomainError {
    pub fn new(message_ja: impl Into<String>, message_en: impl Into<String>) -> Self {
        Self {
            message_ja: message_ja.into(),
            message_en: message_en.into(),
        }
    }
}

impl std::fmt::Display for DomainError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message_en)
    }
}

impl std::error::Error for DomainError {}
