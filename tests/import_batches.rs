//! 取込 (issue 6) reads and writes a received set's recipients in chunks of ids and rows. A set
//! with more recipients than one chunk gives the same preview and leaves the same 予定実績 and
//! history whatever the chunk size, and what it gives is what the preview promised: lines added,
//! changed and removed, unknown recipients and older sets refused, certification warnings.

mod common;
use common::TestDb;
use diesel::prelude::*;
use tsunagi::db::offices::Office;
use tsunagi::db::schedules::{self as sq, LineFields};
use tsunagi::db::schema::{certifications, import_history, recipients, schedule_days};
use tsunagi::db::{self, DbConnection};
use tsunagi::exchange::apply::{self, CHUNK, LineStatus, ReceivedSet, RecipientChange};
use tsunagi::exchange::export::DataKind;

/// `sender` exports `data` for `month`; `receiver` receives the zip. Returns the set's timestamp.
fn send(
    db: &TestDb,
    sender: (&str, &str),
    receiver: &Office,
    data: DataKind,
    month: &str,
) -> String {
    let out = common::export_all(db, sender, data, month, 9);
    let zip = &out.zips[0];
    let inputs = tsunagi::exchange::unpack::read_zip(&zip.name, &zip.bytes).unwrap();
    let mut conn = db.conn();
    tsunagi::exchange::receive::receive(&mut conn, receiver, None, inputs).unwrap();
    db::imports::pending(&mut conn, 1, receiver.id)
        .unwrap()
        .into_iter()
        .find(|(f, _)| f.verdict == db::imports::OK)
        .map(|(f, _)| f.file_timestamp)
        .expect("a set addressed to the receiver")
}

fn office(db: &TestDb, number: &str, service_type: &str) -> Office {
    db::offices::find_by_number(&mut db.conn(), number, service_type)
        .unwrap()
        .unwrap()
}

/// Everything a preview shows, as text.
fn shown(set: &ReceivedSet) -> String {
    format!(
        "{:?} {:?} {} {} {} {} {:?}\n{:#?}",
        set.side,
        set.owner,
        set.deleting,
        set.timestamp,
        set.sender,
        set.sender_type,
        set.files.iter().map(|f| f.id).collect::<Vec<_>>(),
        set.changes
    )
}

/// Compares the set in chunks of 1, 2 and 3 ids and in one chunk: the same preview.
fn compare_alike(conn: &mut DbConnection, office: &Office, ts: &str) -> ReceivedSet {
    let whole = apply::compare_in_chunks(conn, office, ts, CHUNK).unwrap();
    for chunk in [1, 2, 3] {
        let small = apply::compare_in_chunks(conn, office, ts, chunk).unwrap();
        assert_eq!(shown(&small), shown(&whole), "chunks of {chunk}");
    }
    // The 取込 request's check names the same recipients as the preview.
    let mut ids = apply::recipients_of_set(conn, office, ts).unwrap();
    ids.sort_unstable();
    let mut known: Vec<i64> = whole
        .changes
        .iter()
        .filter_map(|c| c.recipient.as_ref().map(|r| r.id))
        .collect();
    known.sort_unstable();
    assert_eq!(ids, known);
    whole
}

/// The 予定実績 of the set's recipient-months, the import history and the files' status, as text
/// (without ids and times, which differ between two runs).
fn state_of(conn: &mut DbConnection, set: &ReceivedSet) -> Vec<String> {
    let mut out = Vec::new();
    for c in &set.changes {
        let Some(r) = &c.recipient else { continue };
        let month = c.month.yyyymm();
        for l in sq::lines_for(conn, r.id, &month).unwrap() {
            let days: Vec<_> = sq::days_for(conn, &[l.id])
                .unwrap()
                .into_iter()
                .map(|d| {
                    (
                        d.day,
                        d.plan_count,
                        d.actual_count,
                        d.actual_start,
                        d.actual_end,
                    )
                })
                .collect();
            out.push(format!(
                "{} {month} #{} {} {} {} {}-{} {} {} {:?}",
                r.code,
                l.position,
                l.provider_number,
                l.provider_type,
                l.service_code,
                l.start_time,
                l.end_time,
                l.service_name,
                l.units,
                days
            ));
        }
    }
    let history: Vec<(i64, String, String, String, String)> = import_history::table
        .order((import_history::recipient_id, import_history::month))
        .select((
            import_history::recipient_id,
            import_history::month,
            import_history::side,
            import_history::file_timestamp,
            import_history::summary,
        ))
        .load(conn)
        .unwrap();
    out.extend(history.iter().map(|h| format!("history {h:?}")));
    let files = db::imports::of_timestamp(conn, 1, set.files[0].office_id, &set.timestamp)
        .unwrap()
        .len();
    out.push(format!("files still to apply: {files}"));
    out
}

/// Applies the set in chunks of 2 (rolled back), then in one chunk: the same result. Returns
/// (recipients applied, lines touched).
fn apply_alike(conn: &mut DbConnection, office: &Office, set: &ReceivedSet) -> (usize, usize) {
    let mut small = None;
    let _ = db::dialect::write_transaction(conn, |c| -> db::DbResult<()> {
        let n = apply::apply_in_chunks(c, office, set, &[], None, 2)?;
        small = Some((n, state_of(c, set)));
        Err(diesel::result::Error::RollbackTransaction.into())
    });
    let before = state_of(conn, set);
    let n =
        db::dialect::write_transaction(conn, |c| apply::apply(c, office, set, &[], None)).unwrap();
    let after = state_of(conn, set);
    let (small_n, small_state) = small.unwrap();
    assert_ne!(before, after, "the set changed something");
    assert_eq!(
        small_state, after,
        "chunks of 2 leave what one chunk leaves"
    );
    assert_eq!(small_n, n);
    n
}

fn change<'a>(set: &'a ReceivedSet, code: &str) -> &'a RecipientChange {
    set.changes
        .iter()
        .find(|c| c.recipient.as_ref().is_some_and(|r| r.code == code))
        .unwrap_or_else(|| panic!("{code} in the set"))
}

fn statuses(c: &RecipientChange) -> Vec<LineStatus> {
    c.lines.iter().map(|l| l.status).collect()
}

fn only_other_than_same(c: &RecipientChange) -> Vec<LineStatus> {
    statuses(c)
        .into_iter()
        .filter(|s| *s != LineStatus::Same)
        .collect()
}

/// The provider's (訪問介護) lines of a recipient's month.
fn homon_lines(conn: &mut DbConnection, rid: i64, month: &str) -> Vec<sq::ScheduleLine> {
    sq::lines_for(conn, rid, month)
        .unwrap()
        .into_iter()
        .filter(|l| l.is_provider("1310100001", "11"))
        .collect()
}

fn counts(conn: &mut DbConnection, line: i64) -> ([i32; 31], [i32; 31]) {
    let (mut plan, mut actual) = ([0; 31], [0; 31]);
    for d in sq::days_for(conn, &[line]).unwrap() {
        plan[(d.day - 1) as usize] = d.plan_count;
        actual[(d.day - 1) as usize] = d.actual_count;
    }
    (plan, actual)
}

both_backends!(
    a_plan_set_larger_than_a_chunk_compares_and_applies_alike,
    |db: TestDb| async move {
        let db = db.with_demo();
        let month = tsunagi::web::schedules::current_month().yyyymm();
        let homon = office(&db, "1310100001", "11");
        let ts = send(&db, ("1310100001", "43"), &homon, DataKind::Plan, &month);
        let mut conn = db.conn();
        let conn = &mut *conn;
        // The provider's recipients in the set, in the set's order.
        let people: Vec<(i64, String)> = apply::compare(conn, &homon, &ts)
            .unwrap()
            .changes
            .iter()
            .filter_map(|c| c.recipient.as_ref().map(|r| (r.id, r.code.clone())))
            .collect();
        assert!(people.len() >= 7, "{people:?}");
        let [a, b, c, d, e, f, g] = std::array::from_fn(|i| people[i].clone());
        // a: the provider lacks the line. b: one day differs. c: the provider holds a line the
        // set does not carry (予定 only). d: the same with 実績 and actual times. e: another
        // 要介護度. f: a newer set was applied. g: the set's 被保険者番号 is unknown here.
        for l in homon_lines(conn, a.0, &month) {
            sq::delete_line(conn, a.0, l.id).unwrap();
        }
        let b_line = homon_lines(conn, b.0, &month)[0].clone();
        let (mut plan, _) = counts(conn, b_line.id);
        let b_day = plan.iter().position(|n| *n > 0).unwrap();
        plan[b_day] += 1;
        sq::set_days(conn, b_line.id, Some(&plan), None).unwrap();
        let extra = |start: &str| LineFields {
            provider_number: "1310100001".into(),
            provider_type: "11".into(),
            provider_name: "つなぎ訪問介護ステーション".into(),
            service_code: "111111".into(),
            service_name: "身体介護１".into(),
            units: 244,
            start_time: start.into(),
            end_time: "2359".into(),
            over_30: "0".into(),
            ..Default::default()
        };
        let c_line = sq::add_line(conn, 1, c.0, &month, &extra("2300")).unwrap();
        let mut two = [0; 31];
        two[1] = 1;
        two[2] = 1;
        sq::set_days(conn, c_line, Some(&two), None).unwrap();
        let d_line = sq::add_line(conn, 1, d.0, &month, &extra("2301")).unwrap();
        sq::set_days(conn, d_line, Some(&two), Some(&two)).unwrap();
        diesel::update(
            schedule_days::table
                .filter(schedule_days::line_id.eq(d_line))
                .filter(schedule_days::day.eq(2)),
        )
        .set((
            schedule_days::actual_start.eq(Some("2305")),
            schedule_days::actual_end.eq(Some("2355")),
        ))
        .execute(conn)
        .unwrap();
        let level = db::recipients::certifications_of(conn, e.0).unwrap()[0]
            .care_level
            .clone();
        let other = if level == "21" { "22" } else { "21" };
        diesel::update(certifications::table.filter(certifications::recipient_id.eq(e.0)))
            .set(certifications::care_level.eq(other))
            .execute(conn)
            .unwrap();
        db::imports::record_applied(
            conn,
            &db::imports::NewImport {
                corporation_id: 1,
                office_id: homon.id,
                recipient_id: f.0,
                month: month.clone(),
                side: "plan".into(),
                sender_number: "1310100001".into(),
                sender_type: "43".into(),
                file_timestamp: "29991231235959".into(),
                summary: "newer".into(),
                applied_by: None,
                applied_at: db::now(),
            },
        )
        .unwrap();
        diesel::update(recipients::table.find(g.0))
            .set(recipients::insured_number.eq("0999999999"))
            .execute(conn)
            .unwrap();

        let set = compare_alike(conn, &homon, &ts);
        let ca = statuses(change(&set, &a.1));
        assert!(
            !ca.is_empty() && ca.iter().all(|s| *s == LineStatus::Added),
            "{ca:?}"
        );
        let cb = change(&set, &b.1);
        assert_eq!(only_other_than_same(cb), [LineStatus::Changed]);
        let line = cb
            .lines
            .iter()
            .find(|l| l.status == LineStatus::Changed)
            .unwrap();
        assert_eq!(
            (
                line.days.len(),
                line.days[0].day,
                line.days[0].before,
                line.days[0].after
            ),
            (1, b_day as u32 + 1, plan[b_day], plan[b_day] - 1)
        );
        for x in [&c, &d] {
            assert_eq!(
                only_other_than_same(change(&set, &x.1)),
                [LineStatus::Removed],
                "{}",
                x.1
            );
        }
        assert!(!change(&set, &e.1).warnings.is_empty());
        let blocked = change(&set, &f.1).blocked.clone().unwrap_or_default();
        assert!(
            blocked.contains("より新しい送信単位（29991231235959）"),
            "{blocked}"
        );
        let unknown: Vec<&RecipientChange> = set
            .changes
            .iter()
            .filter(|c| c.recipient.is_none())
            .collect();
        assert_eq!(unknown.len(), 1);
        assert!(
            unknown[0]
                .blocked
                .as_ref()
                .unwrap()
                .contains("登録されていません")
        );
        for (_, code) in people.iter().skip(7) {
            assert!(!change(&set, code).changed(), "{code}");
        }

        let (applied, _) = apply_alike(conn, &homon, &set);
        assert_eq!(applied, people.len() - 2, "all but the blocked two");
        // Each applied recipient's 予定 is the set's; other sides and actual times stay.
        for ch in set.changes.iter().filter(|c| c.blocked.is_none()) {
            let rid = ch.recipient.as_ref().unwrap().id;
            let mut ours: Vec<(String, String, [i32; 31])> = homon_lines(conn, rid, &month)
                .iter()
                .map(|l| {
                    (
                        l.service_code.clone(),
                        l.start_time.clone(),
                        counts(conn, l.id).0,
                    )
                })
                .filter(|l| l.2 != [0; 31])
                .collect();
            ours.sort();
            let mut received: Vec<(String, String, [i32; 31])> = ch
                .received_lines()
                .into_iter()
                .map(|(f, c)| (f.service_code.clone(), f.start_time.clone(), *c))
                .collect();
            received.sort();
            assert_eq!(ours, received, "{}", ch.recipient.as_ref().unwrap().code);
        }
        // New lines go after the month's other lines, in the set's order.
        let positions: Vec<(bool, i32)> = sq::lines_for(conn, a.0, &month)
            .unwrap()
            .iter()
            .map(|l| (l.is_provider("1310100001", "11"), l.position))
            .collect();
        let first_new = positions.iter().position(|p| p.0).unwrap();
        assert!(positions[first_new..].iter().all(|p| p.0), "{positions:?}");
        assert!(
            positions.windows(2).all(|w| w[0].1 < w[1].1),
            "{positions:?}"
        );
        assert!(
            !homon_lines(conn, c.0, &month)
                .iter()
                .any(|l| l.id == c_line),
            "a line left with neither 予定 nor 実績 goes"
        );
        let (plan_d, actual_d) = counts(conn, d_line);
        assert_eq!((plan_d, actual_d), ([0; 31], two));
        let kept = sq::days_for(conn, &[d_line]).unwrap();
        assert_eq!(kept[0].actual_start.as_deref(), Some("2305"));
        assert_eq!(
            db::imports::applied_count(conn, homon.id).unwrap(),
            applied as i64 + 1
        );
    }
);

both_backends!(
    an_actuals_set_larger_than_a_chunk_compares_and_applies_alike,
    |db: TestDb| async move {
        let db = db.with_demo();
        let month = tsunagi::web::schedules::current_month().prev().yyyymm();
        let kyotaku = office(&db, "1310100001", "43");
        let ts = send(
            &db,
            ("1310100001", "11"),
            &kyotaku,
            DataKind::Actual,
            &month,
        );
        let mut conn = db.conn();
        let conn = &mut *conn;
        let people: Vec<i64> = apply::compare(conn, &kyotaku, &ts)
            .unwrap()
            .changes
            .iter()
            .filter_map(|c| c.recipient.as_ref().map(|r| r.id))
            .collect();
        assert!(people.len() >= 3, "{people:?}");
        // The 居宅's copy: the first recipient's 実績 is gone, the second's line is gone.
        for l in homon_lines(conn, people[0], &month) {
            sq::set_days(conn, l.id, None, Some(&[0; 31])).unwrap();
        }
        for l in homon_lines(conn, people[1], &month) {
            sq::delete_line(conn, people[1], l.id).unwrap();
        }
        let set = compare_alike(conn, &kyotaku, &ts);
        let first = statuses(&set.changes[0]);
        assert!(first.contains(&LineStatus::Changed), "{first:?}");
        assert!(
            first
                .iter()
                .all(|s| matches!(s, LineStatus::Changed | LineStatus::Same))
        );
        let second = statuses(&set.changes[1]);
        assert!(!second.is_empty() && second.iter().all(|s| *s == LineStatus::Added));
        let plans_before = homon_lines(conn, people[0], &month)
            .iter()
            .map(|l| counts(conn, l.id).0)
            .collect::<Vec<_>>();
        let (applied, _) = apply_alike(conn, &kyotaku, &set);
        assert_eq!(applied, people.len());
        // The 予定 of the 居宅's lines stays.
        let plans_after = homon_lines(conn, people[0], &month)
            .iter()
            .map(|l| counts(conn, l.id).0)
            .collect::<Vec<_>>();
        assert_eq!(plans_before, plans_after);
    }
);
