//! Small code tables of the standard as enums (コード表 and item notes).

use super::DomainError;
use std::fmt;

macro_rules! code_enum {
    ($(#[$meta:meta])* $name:ident, $what_ja:literal, $what_en:literal { $($(#[$vmeta:meta])* $variant:ident = $code:literal, $ja:literal;)* }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum $name {
            $($(#[$vmeta])* $variant,)*
        }

        impl $name {
            /// The codes, in table order.
            pub const CODES: &'static [&'static str] = &[$($code,)*];

            /// Every value, in table order.
            pub const ALL: &'static [$name] = &[$($name::$variant,)*];

            /// The standard's code.
            pub fn code(self) -> &'static str {
                match self {
                    $($name::$variant => $code,)*
                }
            }

            /// The Japanese name.
            pub fn name(self) -> &'static str {
                match self {
                    $($name::$variant => $ja,)*
                }
            }

            /// Exact code lookup.
            pub fn from_code(code: &str) -> Option<Self> {
                match code {
                    $($code => Some($name::$variant),)*
                    _ => None,
                }
            }

            pub fn parse(code: &str) -> Result<Self, DomainError> {
                Self::from_code(code.trim()).ok_or_else(|| {
                    DomainError::new(
                        format!("{}のコード「{}」は使えません（{}）。", $what_ja, code.trim(), Self::CODES.join(", ")),
                        format!("unknown {} code {:?} ({})", $what_en, code.trim(), Self::CODES.join(", ")),
                    )
                })
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.name())
            }
        }

        impl serde::Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(self.code())
            }
        }

        impl<'de> serde::Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let s = String::deserialize(d)?;
                Self::parse(&s).map_err(serde::de::Error::custom)
            }
        }
    };
}

code_enum! {
    /// 利用者性別.
    Sex, "性別", "sex" {
        Male = "1", "男性";
        Female = "2", "女性";
    }
}

code_enum! {
    /// 認定状況区分 (コード表 (2)).
    CertificationStatus, "認定状況区分", "certification status" {
        Applying = "1", "申請中";
        Certified = "2", "認定済";
    }
}

code_enum! {
    /// 計画書区分 (コード表 (1)); the combined codes exist because several boxes can be circled.
    PlanCategory, "計画書区分", "plan category" {
        First = "11", "初回";
        Referral = "12", "紹介";
        Continuation = "21", "継続";
        FirstAndReferral = "51", "初回＆紹介";
        FirstAndContinuation = "52", "初回＆継続";
        ReferralAndContinuation = "53", "紹介＆継続";
        All = "54", "初回＆紹介＆継続";
    }
}

code_enum! {
    /// 生活援助中心型の算定理由 (コード表 (4)).
    DailyLifeReason, "生活援助中心型の算定理由", "daily-life support reason" {
        LivesAlone = "1", "一人暮らし";
        FamilyDisabledOrIll = "2", "家族等が障害、疾病等";
        Other = "3", "その他";
    }
}

code_enum! {
    /// 保険対象区分 (コード表 (5)).
    InsuranceCoverage, "保険対象区分", "insurance coverage" {
        Covered = "Y", "対象";
        NotCovered = "N", "対象外";
    }
}

code_enum! {
    /// 曜日 (第3表).
    Weekday, "曜日", "weekday" {
        Monday = "1", "月";
        Tuesday = "2", "火";
        Wednesday = "3", "水";
        Thursday = "4", "木";
        Friday = "5", "金";
        Saturday = "6", "土";
        Sunday = "7", "日";
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_round_trip() {
        for w in Weekday::ALL {
            assert_eq!(Weekday::parse(w.code()).unwrap(), *w);
        }
        assert_eq!(
            PlanCategory::parse("54").unwrap().name(),
            "初回＆紹介＆継続"
        );
        assert_eq!(Sex::from_code("2"), Some(Sex::Female));
        assert_eq!(InsuranceCoverage::CODES, &["Y", "N"]);
        assert!(CertificationStatus::parse("3").is_err());
        assert!(DailyLifeReason::parse("").is_err());
    }
}
