//! 照合: a received set names a recipient by 保険者番号 + 被保険者番号 that we do not hold under
//! those numbers, yet we may know the person under others (they moved and have a new insurer, or a
//! number was mistyped). The set's 利用者補足情報 (UPHOSOKU) gives their name, kana and birth date;
//! the corporation's recipients that the office may see (as its recipient list shows them), born
//! on that day and with the same kana or the same name (spaces ignored), are the candidates.
//! Matching one gives it the file's numbers, after which the set applies to it as to any other.

use crate::auth::session::Actor;
use crate::db::audit::Action;
use crate::db::imports as iq;
use crate::db::offices::Office;
use crate::db::recipients::{self as rq, Recipient};
use crate::db::{DbConnection, DbResult};
use crate::standard::{self, Supplement};
use crate::web::AppError;
use chrono::NaiveDate;
use std::collections::BTreeMap;

/// The 利用者補足情報 of a received set of the office (not yet applied), by (保険者番号,
/// 被保険者番号); the last record wins when a person has several.
pub fn supplements(
    conn: &mut DbConnection,
    office: &Office,
    timestamp: &str,
) -> DbResult<BTreeMap<(String, String), Supplement>> {
    let mut out = BTreeMap::new();
    for (f, data) in iq::of_timestamp(conn, office.corporation_id, office.id, timestamp)? {
        if f.kind != "UPHOSOKU" {
            continue;
        }
        crate::exchange::apply::add_supplements(
            &standard::read_file(&f.file_name, &data),
            &mut out,
        );
    }
    Ok(out)
}

fn without_spaces(s: &str) -> String {
    s.chars().filter(|c| !c.is_whitespace()).collect()
}

/// Kana as compared: normalised to hiragana, spaces ignored.
fn kana_key(s: &str) -> String {
    without_spaces(&crate::domain::kana::normalize(s))
}

/// Who a received 利用者補足情報 says the person is.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Person {
    pub name: String,
    pub kana: String,
    pub birth_date: Option<NaiveDate>,
}

impl Person {
    pub fn of(s: &Supplement) -> Person {
        Person {
            name: s.name.clone(),
            kana: s.name_kana.clone(),
            birth_date: s.birth_date,
        }
    }

    /// Whether our recipient is this person: the same birth date and the same kana or the same
    /// name (spaces ignored). Without a birth date in the file, nobody is.
    pub fn is(&self, r: &Recipient) -> bool {
        let same = |a: String, b: String| !a.is_empty() && a == b;
        self.birth_date.is_some()
            && r.birth_date == self.birth_date
            && (same(kana_key(&self.kana), kana_key(&r.kana))
                || same(without_spaces(&self.name), without_spaces(&r.name)))
    }
}

/// Our recipients who may be `person`: of the office's corporation, related to the office (as
/// its recipient list shows them), and `Person::is`.
pub fn candidates(
    conn: &mut DbConnection,
    office: &Office,
    person: &Person,
) -> DbResult<Vec<Recipient>> {
    let Some(birth) = person.birth_date else {
        return Ok(Vec::new());
    };
    let mut out = Vec::new();
    // Few people share a birth date: the office's view of each is checked one by one.
    for r in rq::born_on(conn, office.corporation_id, birth)? {
        if person.is(&r)
            && rq::find_visible(conn, office.corporation_id, office.id, r.id)?.is_some()
        {
            out.push(r);
        }
    }
    Ok(out)
}

/// What a match changed.
#[derive(Debug, Clone)]
pub struct Matched {
    /// The recipient as it was before.
    pub before: Recipient,
    pub insurer: String,
    pub insured: String,
}

fn refused(message: impl Into<String>) -> AppError {
    AppError::BadRequest(message.into())
}

/// Matches the person the set names by (`insurer`, `insured`) with our recipient `recipient_id`:
/// gives the recipient the file's numbers (保険者名 is emptied when the insurer changes) and
/// records it in the audit log, in one write transaction. Refused when the set has no 利用者補足
/// 情報 for those numbers, when another recipient already has them, when the recipient is not
/// one the office may see, or when it is no longer the same person.
pub fn match_recipient(
    conn: &mut DbConnection,
    office: &Office,
    actor: &Actor,
    timestamp: &str,
    insurer: &str,
    insured: &str,
    recipient_id: i64,
) -> Result<Matched, AppError> {
    let corp = office.corporation_id;
    crate::db::dialect::write_transaction(conn, |conn| -> Result<Matched, AppError> {
        let key = (insurer.to_string(), insured.to_string());
        let Some(person) = supplements(conn, office, timestamp)?
            .get(&key)
            .map(Person::of)
        else {
            return Err(refused(
                "この送信単位に、この利用者の利用者補足情報がありません。画面を表示し直してください。",
            ));
        };
        if let Some(other) = rq::find_by_numbers(conn, corp, insurer, insured)? {
            let who = if other.id == recipient_id {
                "この利用者".to_string()
            } else if rq::find_visible(conn, corp, office.id, other.id)?.is_some() {
                format!("利用者 {} {}", other.code, other.name)
            } else {
                "この法人の別の事業所の利用者".to_string()
            };
            return Err(refused(format!(
                "保険者番号 {insurer}・被保険者番号 {insured} はすでに{who}に登録されているため、照合できません。"
            )));
        }
        let Some(r) = rq::find_visible(conn, corp, office.id, recipient_id)? else {
            return Err(refused(
                "照合する利用者が見つかりません。画面を表示し直してください。",
            ));
        };
        if !person.is(&r) {
            return Err(refused(format!(
                "利用者 {} {} は、受信した利用者補足情報（{}、生年月日 {}）と氏名・カナ・生年月日が一致しないため、照合できません。画面を表示し直してください。",
                r.code,
                r.name,
                person.name,
                person
                    .birth_date
                    .map(|d| d.format("%Y/%m/%d").to_string())
                    .unwrap_or_else(|| "なし".into())
            )));
        }
        let insurer_name = if r.insurer_number == insurer {
            r.insurer_name.clone()
        } else {
            String::new()
        };
        rq::set_numbers(conn, corp, r.id, insurer, &insurer_name, insured)?;
        actor.record(
            conn,
            Action::RecipientSaved,
            &format!(
                "受信した利用者補足情報で照合：{} {} の保険者番号・被保険者番号を {} {} から {insurer} {insured} に変更（送信単位 {timestamp}）",
                r.code, r.name, r.insurer_number, r.insured_number
            ),
        )?;
        Ok(Matched {
            before: r,
            insurer: insurer.to_string(),
            insured: insured.to_string(),
        })
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn recipient(name: &str, kana: &str, birth: Option<NaiveDate>) -> Recipient {
        let t = chrono::NaiveDate::from_ymd_opt(2026, 1, 1)
            .unwrap()
            .and_hms_opt(0, 0, 0)
            .unwrap();
        Recipient {
            id: 1,
            corporation_id: 1,
            code: "R1".into(),
            name: name.into(),
            kana: kana.into(),
            kana_row: String::new(),
            gender: String::new(),
            birth_date: birth,
            postcode: String::new(),
            address: String::new(),
            phone: String::new(),
            insurer_number: String::new(),
            insurer_name: String::new(),
            insured_number: String::new(),
            care_office_id: None,
            care_manager_id: None,
            created_at: t,
            updated_at: t,
            burden_ratio: 1,
            care_partner_id: None,
        }
    }

    #[test]
    fn same_birth_date_and_kana_or_name() {
        let birth = NaiveDate::from_ymd_opt(1935, 4, 12);
        let file = Person {
            name: "青木　キヨ".into(),
            kana: "ｱｵｷ ｷﾖ".into(),
            birth_date: birth,
        };
        // Kana in another script and spacing; the name differs (a new kanji).
        assert!(file.is(&recipient("青木 清", "あおききよ", birth)));
        // The name with other spaces; no kana here.
        assert!(file.is(&recipient("青木キヨ", "", birth)));
        // Another birth date, or none.
        let other = NaiveDate::from_ymd_opt(1935, 4, 13);
        assert!(!file.is(&recipient("青木 キヨ", "あおき きよ", other)));
        assert!(!file.is(&recipient("青木 キヨ", "あおき きよ", None)));
        // Neither kana nor name.
        assert!(!file.is(&recipient("青木 清子", "あおき きよこ", birth)));
        // A file without a birth date matches nobody; empty names match nothing.
        let no_birth = Person {
            birth_date: None,
            ..file.clone()
        };
        assert!(!no_birth.is(&recipient("青木 キヨ", "あおき きよ", None)));
        let blank = Person {
            name: String::new(),
            kana: String::new(),
            birth_date: birth,
        };
        assert!(!blank.is(&recipient("", "", birth)));
    }
}
