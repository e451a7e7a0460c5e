//! 取込, first step: receive uploaded files for an office, check them, and keep the originals.
//!
//! Every file is read with the codec; the verdict is `refused` when the file is not addressed to
//! the office (送信先 number and type), when the checker finds errors in it, or when its set
//! (送信単位: files sharing a ファイル連番, from this upload and earlier ones) is incomplete or
//! inconsistent. Warnings flag what the user should look at before importing: a sender unknown
//! to 他社情報, recipients not registered, a file already received. A file received before
//! (same name, same bytes) is not stored twice. Nothing here changes schedules.

use crate::db::imports::{self as q, NewReceivedFile, REFUSED};
use crate::db::offices::Office;
use crate::db::{self, DbConnection};
use crate::exchange::unpack::{self, Input, NotText};
use crate::standard::{self, FileKind, ParsedFile, Record, Severity};
use crate::web::AppError;
use sha2::{Digest, Sha256};

/// What one upload did.
#[derive(Debug, Default)]
pub struct ReceiveReport {
    /// Files stored (new bytes).
    pub stored: Vec<i64>,
    /// Files whose exact bytes were received before: (name, first received at).
    pub duplicates: Vec<(String, chrono::NaiveDateTime)>,
    /// How many stored files were refused.
    pub refused: usize,
}

/// A message of the preview list: (エ) when it refuses the file, (警) when it only warns.
fn line(error: bool, text: String) -> String {
    format!("{}{text}", if error { "(エ) " } else { "(警) " })
}

fn finding_text(f: &standard::Finding) -> String {
    let mut s = String::new();
    if let Some(l) = f.line {
        s.push_str(&format!("{l}行目 "));
    }
    if let Some(item) = &f.item {
        s.push_str(&format!("{item}："));
    }
    s.push_str(&f.message_ja);
    s
}

/// How many lines of one problem are named before the rest is counted.
const LINES_SHOWN: usize = 3;

/// The checker's findings, one message per distinct problem (same severity, item and text):
/// the same problem on many lines is shown once with its first lines and how many more. A file
/// with one wrong column on every line would otherwise list it hundreds of times.
fn finding_messages(findings: &[standard::Finding]) -> Vec<(bool, String)> {
    let mut groups: Vec<(&standard::Finding, Vec<usize>)> = Vec::new();
    for f in findings {
        let same = |g: &&mut (&standard::Finding, Vec<usize>)| {
            g.0.severity == f.severity && g.0.item == f.item && g.0.message_ja == f.message_ja
        };
        match (f.line, groups.iter_mut().find(same)) {
            (Some(l), Some(g)) if g.0.line.is_some() => g.1.push(l),
            _ => groups.push((f, f.line.into_iter().collect())),
        }
    }
    groups
        .into_iter()
        .map(|(f, lines)| {
            let error = f.severity == Severity::Error;
            if lines.len() <= 1 {
                return (error, finding_text(f));
            }
            let shown: Vec<String> = lines
                .iter()
                .take(LINES_SHOWN)
                .map(|l| format!("{l}行目"))
                .collect();
            let more = lines.len().saturating_sub(LINES_SHOWN);
            let mut s = shown.join("、");
            if more > 0 {
                s.push_str(&format!(" ほか{more}行"));
            }
            s.push(' ');
            if let Some(item) = &f.item {
                s.push_str(&format!("{item}："));
            }
            s.push_str(&f.message_ja);
            (error, s)
        })
        .collect()
}

/// The (insurer, insured) pairs a file is about.
fn people(f: &ParsedFile) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = f
        .data()
        .map(|(_, r)| match r {
            Record::Supplement(x) => (x.insurer.to_string(), x.insured.to_string()),
            Record::Plan1(x) => (x.insurer.to_string(), x.insured.to_string()),
            Record::Plan2(x) => (x.insurer.to_string(), x.insured.to_string()),
            Record::Plan3(x) => (x.insurer.to_string(), x.insured.to_string()),
            Record::Plan1Delete(x) => (x.insurer.to_string(), x.insured.to_string()),
            Record::Schedule(x) => (x.insurer.to_string(), x.insured.to_string()),
            Record::Benefit(x) => (x.insurer.to_string(), x.insured.to_string()),
            Record::PlanDelete(x) => (x.insurer.to_string(), x.insured.to_string()),
            Record::ActualsDelete(x) => (x.insurer.to_string(), x.insured.to_string()),
        })
        .collect();
    out.sort();
    out.dedup();
    out
}

/// What the checks look up, loaded once per upload.
struct Known {
    /// Our own offices and 他社情報.
    directory: db::partners::Directory,
    /// (保険者番号, 被保険者番号) of the corporation's recipients.
    people: std::collections::HashSet<(String, String)>,
}

impl Known {
    fn load(conn: &mut DbConnection, corp: i64) -> Result<Known, AppError> {
        Ok(Known {
            directory: db::partners::Directory::load(conn, corp)?,
            people: db::recipients::numbers_of(conn, corp)?
                .into_iter()
                .collect(),
        })
    }
}

/// The refusal of a file addressed to another office (`None` when it is ours).
fn not_ours(office: &Office, n: &standard::FileName) -> Option<String> {
    let to_us = n.receiver.as_str() == office.office_number
        && n.receiver_type
            .as_deref()
            .is_none_or(|t| t == office.service_type);
    (!to_us).then(|| {
        format!(
            "この事業所（{} {}）宛てのファイルではありません（送信先 {}{}）。",
            office.office_number,
            office.service_type,
            n.receiver.as_str(),
            n.receiver_type
                .as_deref()
                .map(|t| format!(" {t}"))
                .unwrap_or_default()
        )
    })
}

/// The refusal of a file that is no CSV text at all (UTF-16 text, or a picture, PDF or
/// spreadsheet renamed .CSV), said plainly instead of through the codec's byte-level findings.
fn not_text(bytes: &[u8]) -> Option<String> {
    Some(match unpack::not_text(bytes)? {
        NotText::Utf16 => "文字コードが UTF-16（Unicode）のファイルです。ケアプランデータ連携の CSV は Shift_JIS（MS932）で作られます。送信元に確認してください。".into(),
        NotText::Binary => "CSV ファイル（文字だけのファイル）ではありません。画像・PDF・Excel などのファイルの名前を .CSV に変えたものは取り込めません。".into(),
    })
}

/// The file-level messages of a file addressed to us: the checker's findings, sender,
/// recipients.
fn file_messages(known: &Known, f: &ParsedFile) -> Vec<(bool, String)> {
    let mut out = Vec::new();
    if let Some(n) = &f.name {
        let sender = n.sender.as_str();
        if !known.directory.knows(sender) {
            out.push((
                false,
                format!("送信元の事業所 {sender} が他社情報に登録されていません。他社情報に登録してください。"),
            ));
        }
    }
    out.extend(finding_messages(&f.findings));
    let missing: Vec<String> = people(f)
        .into_iter()
        .filter(|p| !known.people.contains(p))
        .map(|(insurer, insured)| format!("{insured}（保険者 {insurer}）"))
        .collect();
    if !missing.is_empty() {
        let shown: Vec<&str> = missing.iter().take(5).map(String::as_str).collect();
        out.push((
            false,
            format!(
                "登録されていない利用者がいます：{}{}",
                shown.join("、"),
                if missing.len() > 5 {
                    format!(" ほか{}人", missing.len() - 5)
                } else {
                    String::new()
                }
            ),
        ));
    }
    out
}

fn join(messages: &[(bool, String)]) -> String {
    let mut sorted: Vec<&(bool, String)> = messages.iter().collect();
    sorted.sort_by_key(|(e, _)| !*e);
    sorted
        .iter()
        .map(|(e, t)| line(*e, t.clone()))
        .collect::<Vec<_>>()
        .join("\n")
}

/// Receives uploaded files for `office`: checks, stores the new ones, re-checks their sets.
/// Runs in one transaction: an upload is stored whole or not at all.
pub fn receive(
    conn: &mut DbConnection,
    office: &Office,
    staff_id: Option<i64>,
    uploads: Vec<Input>,
) -> Result<ReceiveReport, AppError> {
    let corp = office.corporation_id;
    db::dialect::write_transaction(conn, |conn| -> Result<ReceiveReport, AppError> {
        let mut report = ReceiveReport::default();
        let mut timestamps: Vec<String> = Vec::new();
        // (stored id, refused) of this upload's files.
        let mut verdicts: Vec<(i64, bool)> = Vec::new();
        // This upload's files as read (the set check reuses them).
        let mut in_memory: Vec<(i64, ParsedFile)> = Vec::new();
        let known = Known::load(conn, corp)?;
        for u in uploads {
            let sha = hex::encode(Sha256::digest(&u.bytes));
            let base = standard::file_name::base_name(&u.name).to_string();
            if let Some(prev) = q::find_same(conn, corp, office.id, &base, &sha)? {
                report
                    .duplicates
                    .push((u.display.clone(), prev.uploaded_at));
                continue;
            }
            // A file addressed to another office, or no text at all, is refused for that alone
            // (not read further).
            let name = standard::FileName::parse(&base).ok().map(|(n, _)| n);
            let refusal = name
                .as_ref()
                .and_then(|n| not_ours(office, n))
                .or_else(|| not_text(&u.bytes));
            let parsed = match refusal {
                Some(_) => None,
                None => Some(standard::read_file(&u.name, &u.bytes)),
            };
            let messages: Vec<(bool, String)> = match (&refusal, &parsed) {
                (Some(r), _) => vec![(true, r.clone())],
                (None, Some(p)) => file_messages(&known, p),
                (None, None) => Vec::new(),
            };
            let errors = messages.iter().filter(|(e, _)| *e).count();
            let n = parsed
                .as_ref()
                .and_then(|p| p.name.as_ref())
                .or(name.as_ref());
            let timestamp = n.map(|n| n.timestamp.clone()).unwrap_or_default();
            if parsed.is_some() && !timestamp.is_empty() && !timestamps.contains(&timestamp) {
                timestamps.push(timestamp.clone());
            }
            let id = q::store(
                conn,
                &NewReceivedFile {
                    corporation_id: corp,
                    office_id: office.id,
                    uploaded_by: staff_id,
                    uploaded_at: q::received_at(),
                    source_name: u.display,
                    file_name: base.clone(),
                    sha256: sha,
                    size_bytes: u.bytes.len() as i64,
                    kind: n
                        .map(|n| n.kind)
                        .or(parsed.as_ref().and_then(|p| p.kind))
                        .map(|k| k.prefix().to_string())
                        .unwrap_or_default(),
                    csv_version: parsed
                        .as_ref()
                        .and_then(|p| p.version)
                        .map(|v| v.code().to_string())
                        .unwrap_or_default(),
                    sender_number: n.map(|n| n.sender.to_string()).unwrap_or_default(),
                    sender_type: n.and_then(|n| n.sender_type.clone()).unwrap_or_default(),
                    receiver_number: n.map(|n| n.receiver.to_string()).unwrap_or_default(),
                    receiver_type: n.and_then(|n| n.receiver_type.clone()).unwrap_or_default(),
                    month: n
                        .and_then(|n| n.month)
                        .map(|m| m.yyyymm())
                        .unwrap_or_default(),
                    file_timestamp: timestamp,
                    records: match &parsed {
                        Some(p) => p.records.len() as i32,
                        None => u.bytes.iter().filter(|b| **b == b'\n').count() as i32,
                    },
                    errors: errors as i32,
                    warnings: (messages.len() - errors) as i32,
                    verdict: if errors > 0 { REFUSED } else { q::OK }.into(),
                    messages: join(&messages),
                    set_messages: String::new(),
                    status: q::RECEIVED.into(),
                    data: u.bytes,
                },
            )?;
            verdicts.push((id, errors > 0));
            report.stored.push(id);
            if let Some(p) = parsed {
                in_memory.push((id, p));
            }
        }
        // Re-check every set this upload touched, with the files received before.
        for ts in timestamps {
            let stored = q::of_timestamp(conn, corp, office.id, &ts)?;
            let parsed: Vec<ParsedFile> = stored
                .iter()
                .map(
                    |(f, data)| match in_memory.iter().position(|(id, _)| *id == f.id) {
                        Some(i) => in_memory.swap_remove(i).1,
                        None => standard::read_file(&f.file_name, data),
                    },
                )
                .collect();
            for set in standard::check_sets(&parsed) {
                let set_lines: Vec<(bool, String)> = set
                    .findings
                    .iter()
                    .map(|x| (x.severity == Severity::Error, finding_text(x)))
                    .collect();
                let set_error = set_lines.iter().any(|(e, _)| *e);
                for &i in &set.members {
                    let (f, _) = &stored[i];
                    let verdict = if f.errors > 0 || set_error {
                        REFUSED
                    } else {
                        q::OK
                    };
                    if let Some(v) = verdicts.iter_mut().find(|v| v.0 == f.id) {
                        v.1 = verdict == REFUSED;
                    }
                    q::set_verdict(conn, f.id, verdict, &join(&set_lines))?;
                }
            }
        }
        report.refused = verdicts.iter().filter(|v| v.1).count();
        Ok(report)
    })
}

/// The label of a file kind on the 取込確認 list (取込データ).
pub fn kind_label(kind: &str) -> &'static str {
    match FileKind::from_prefix(kind) {
        Some(FileKind::Upplan | FileKind::Upsikyu) => "利用票",
        Some(FileKind::Uphosoku) => "利用者補足情報",
        Some(FileKind::Up1kyo | FileKind::Up2kyo | FileKind::Up3kyo) => "計画書",
        Some(FileKind::Upjsk) => "実績票",
        Some(FileKind::Dltplan) => "利用票削除",
        Some(FileKind::Dlt1kyo) => "計画書削除",
        Some(FileKind::Dltjsk) => "実績票削除",
        None => "不明",
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_same_problem_on_many_lines_is_one_message() {
        use crate::standard::{Finding, FindingCode as C};
        let at = |line, field: (usize, &str)| {
            Finding::new(C::OfficeMismatch, "F.CSV", Some(line), Some(field), &[])
        };
        let mut findings: Vec<Finding> = (1..=200)
            .map(|l| at(l, (6, "プラン担当業者コード")))
            .collect();
        findings.push(at(7, (24, "更新業者コード")));
        findings.push(Finding::new(C::NoRecords, "F.CSV", None, None, &[]));
        let m = super::finding_messages(&findings);
        assert_eq!(m.len(), 3, "{m:?}");
        assert!(
            m[0].1
                .starts_with("1行目、2行目、3行目 ほか197行 プラン担当業者コード："),
            "{}",
            m[0].1
        );
        assert!(m[1].1.starts_with("7行目 更新業者コード："), "{}", m[1].1);
        assert!(!m[2].1.contains("行目"));
    }

    use super::*;

    #[test]
    fn files_that_are_no_text_are_named_so() {
        assert_eq!(not_text(b"1,\"202612\"\r\n"), None);
        let le: Vec<u8> = "1,2\r\n"
            .encode_utf16()
            .flat_map(|u| u.to_le_bytes())
            .collect();
        assert!(not_text(&le).unwrap().contains("UTF-16"));
        let png = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR";
        assert!(
            not_text(png)
                .unwrap()
                .contains("CSV ファイル（文字だけのファイル）ではありません")
        );
    }
}
