//! Export benchmark (issue 5 "Measured"): a 居宅 with 2,000 recipients, 4 providers each and
//! 25 days of service a month; times building and checking the month's 利用票 sets and the zip,
//! and the whole export job; then (issue 6) the provider receiving that zip: ingest, preview,
//! apply.
//! Prints figures; fails nothing.
//!
//!   cargo bench --bench export                      # SQLite
//!   TSUNAGI_BENCH_DATABASE_URL=postgres://… cargo bench --bench export
//!   TSUNAGI_BENCH_EXPORT_ONLY=1 cargo bench --bench export   # stop before the import

/// The allocator of the `tsunagi` binary (src/main.rs), so the figures are the app's.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

use std::time::Instant;
use tsunagi::db::{self, Db, recipients as rq, schedules as sq};

const RECIPIENTS: usize = 2_000;

fn peak_rss_mb() -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines().find(|l| l.starts_with("VmHWM:")).map(|l| {
                l.split_whitespace()
                    .nth(1)
                    .unwrap_or("0")
                    .parse::<f64>()
                    .unwrap_or(0.0)
            })
        })
        .unwrap_or(0.0)
        / 1024.0
}

/// CPU seconds the process has used (all threads, user + system), from /proc/self/stat: on a
/// shared machine the wall times vary with the other work, the CPU time much less.
fn cpu_seconds() -> f64 {
    std::fs::read_to_string("/proc/self/stat")
        .ok()
        .and_then(|s| {
            // Fields after the command name (which is in parentheses): utime and stime are the
            // 12th and 13th of them, in clock ticks (100 a second on Linux).
            let rest = &s[s.rfind(')')? + 2..];
            let f: Vec<&str> = rest.split_whitespace().collect();
            Some((f.get(11)?.parse::<f64>().ok()? + f.get(12)?.parse::<f64>().ok()?) / 100.0)
        })
        .unwrap_or(0.0)
}

fn main() {
    tsunagi::allocator::tune();
    let dir = tempfile::tempdir().unwrap();
    let url = std::env::var("TSUNAGI_BENCH_DATABASE_URL")
        .unwrap_or_else(|_| format!("sqlite://{}", dir.path().join("bench.sqlite3").display()));
    let db = Db::open(&url, 4).expect("database");
    let mut conn = db.conn().unwrap();
    if db::offices::count_corporations(&mut conn).unwrap() == 0 {
        tsunagi::demo::load(&mut conn).unwrap();
    }
    let office = db::offices::find_by_number(&mut conn, "1310100001", "43")
        .unwrap()
        .unwrap();
    let homon = db::offices::find_by_number(&mut conn, "1310100001", "11")
        .unwrap()
        .unwrap();
    let day = db::offices::find_by_number(&mut conn, "1310200002", "15")
        .unwrap()
        .unwrap();
    let month = tsunagi::domain::ServiceMonth::parse("202701").unwrap();
    let providers = [
        (
            "1310100001",
            "11",
            "つなぎ訪問介護ステーション",
            "111111",
            244,
            Some(homon.id),
        ),
        (
            "1310200002",
            "15",
            "つなぎデイサービスセンター",
            "151151",
            658,
            Some(day.id),
        ),
        (
            "1310300003",
            "13",
            "みどり訪問看護ステーション",
            "131121",
            471,
            None,
        ),
        ("1310800008", "12", "はなまる訪問入浴", "", 0, None),
    ];
    let started = Instant::now();
    db::dialect::write_transaction(&mut conn, |conn| -> db::DbResult<()> {
        for i in 0..RECIPIENTS {
            let id = rq::create(
                conn,
                office.corporation_id,
                &rq::RecipientFields {
                    code: format!("B{i:05}"),
                    name: format!("試験 {i}"),
                    kana: "しけん".into(),
                    kana_row: "さ".into(),
                    gender: "2".into(),
                    birth_date: chrono::NaiveDate::from_ymd_opt(1940, 1, 1),
                    insurer_number: "131016".into(),
                    insurer_name: "千代田区".into(),
                    insured_number: format!("{:010}", 5_000_000_000u64 + i as u64),
                    burden_ratio: 1,
                    care_office_id: Some(office.id),
                    ..Default::default()
                },
            )?;
            rq::add_certification(
                conn,
                id,
                &rq::CertificationFields {
                    status: "certified".into(),
                    care_level: "25".into(),
                    certified_on: None,
                    valid_from: chrono::NaiveDate::from_ymd_opt(2026, 4, 1).unwrap(),
                    valid_to: chrono::NaiveDate::from_ymd_opt(2027, 3, 31).unwrap(),
                    limit_units: Some(36_217),
                },
            )?;
            // 4 providers; 訪問入浴 has no code in the shipped table, so it reuses 訪問看護's line.
            for (n, (number, stype, name, code, units, own)) in providers.iter().enumerate() {
                let (code, units, stype, number, name) = if code.is_empty() {
                    (
                        "131111",
                        314,
                        "13",
                        "1310300003",
                        "みどり訪問看護ステーション",
                    )
                } else {
                    (*code, *units, *stype, *number, *name)
                };
                rq::add_provider(conn, id, *own, None, stype)?;
                let line = sq::add_line(
                    conn,
                    office.corporation_id,
                    id,
                    &month.yyyymm(),
                    &sq::LineFields {
                        provider_number: number.into(),
                        provider_type: stype.into(),
                        provider_name: name.into(),
                        service_code: code.into(),
                        service_name: "試験".into(),
                        units,
                        start_time: format!("{:02}00", 9 + n),
                        end_time: format!("{:02}30", 9 + n),
                        over_30: "0".into(),
                        ..Default::default()
                    },
                )?;
                let mut plan = [0; 31];
                for d in plan.iter_mut().take(25) {
                    *d = 1;
                }
                sq::set_days(conn, line, Some(&plan), None)?;
            }
        }
        Ok(())
    })
    .unwrap();
    println!(
        "setup: {RECIPIENTS} recipients × 4 lines × 25 days in {:.1} s ({})",
        started.elapsed().as_secs_f64(),
        db.backend.label()
    );
    let now = chrono::NaiveDate::from_ymd_opt(2026, 12, 20)
        .unwrap()
        .and_hms_opt(9, 0, 0)
        .unwrap();
    let request = tsunagi::exchange::export::ExportRequest {
        office_id: office.id,
        month: month.yyyymm(),
        data: tsunagi::exchange::export::DataKind::Plan,
        delete: false,
        recipients: Vec::new(),
        destinations: Vec::new(),
        spec: tsunagi::exchange::export::SpecChoice::Partner,
        split: false,
    };
    // The builder alone (build every set, write, re-check, zip).
    let t = Instant::now();
    let cpu = cpu_seconds();
    let outcome = tsunagi::exchange::export::run(
        &mut conn,
        office.corporation_id,
        &request,
        now,
        None,
        None,
        &mut tsunagi::exchange::export::no_progress,
    )
    .unwrap();
    let records: usize = outcome
        .result
        .sets
        .iter()
        .flat_map(|s| s.files.iter())
        .map(|f| f.lines)
        .sum();
    let elapsed = t.elapsed();
    let cpu = cpu_seconds() - cpu;
    // The zip's hash: the same data and time must give the same bytes, whatever the code does
    // inside.
    let zip_hash = {
        use sha2::Digest;
        let mut h = sha2::Sha256::new();
        for z in &outcome.zips {
            h.update(&z.bytes);
        }
        hex::encode(h.finalize())
    };
    println!(
        "exchange::export::run: {} sets, {records} records, {} recipients, {:.2} s, CPU {cpu:.2} s ({} KB zip, sha256 {}…); peak RSS {:.0} MB",
        outcome.result.sets.len(),
        outcome.recipient_count(),
        elapsed.as_secs_f64(),
        outcome.zips.iter().map(|z| z.bytes.len()).sum::<usize>() / 1024,
        &zip_hash[..12],
        peak_rss_mb()
    );
    drop(outcome);
    // The whole job as the screen queues it: claim, build, zip, store the zip, record the
    // history (one row per recipient × destination) and the audit entry.
    let staff = db::staff::find_by_login_id(&mut conn, "kyotaku")
        .unwrap()
        .unwrap();
    let actor = tsunagi::auth::session::Actor {
        corporation_id: office.corporation_id,
        office_id: office.id,
        staff_id: staff.id,
        login_id: staff.login_id.clone(),
        client_addr: "bench".into(),
    };
    for run in 1..=2 {
        let payload = tsunagi::jobs::export_zip::Payload {
            request: request.clone(),
            login_id: staff.login_id.clone(),
            client_addr: "bench".into(),
        };
        let id = tsunagi::jobs::enqueue(&mut conn, &actor, &payload).unwrap();
        let t = Instant::now();
        let cpu = cpu_seconds();
        tsunagi::jobs::drain(&db, chrono::Duration::seconds(300)).unwrap();
        let elapsed = t.elapsed();
        let cpu = cpu_seconds() - cpu;
        let job = db::jobs::find_any(&mut conn, id).unwrap().unwrap();
        let history = db::exports::count_of_job(&mut conn, id).unwrap();
        println!(
            "job run {run}: {} in {:.2} s, CPU {cpu:.2} s ({}; {history} history rows); peak RSS {:.0} MB ({})",
            job.status,
            elapsed.as_secs_f64(),
            job.result_summary.unwrap_or_default(),
            peak_rss_mb(),
            db.backend.label()
        );
    }

    if std::env::var_os("TSUNAGI_BENCH_EXPORT_ONLY").is_some() {
        return;
    }

    // Import (issue 6): the 訪問介護 office receives the zip of the last export (its own set of
    // 2,000 recipients and the other destinations' sets, refused as not addressed to it),
    // compares its set with 予定実績 and applies it.
    let last = db::jobs::list(&mut conn, office.corporation_id, office.id, None, 1, 0)
        .unwrap()
        .0
        .remove(0);
    let art = &last.artifacts[0];
    let zip = db::jobs::artifact_data(&mut conn, art.id).unwrap();
    let inputs = tsunagi::exchange::unpack::read_zip(&art.file_name, &zip).unwrap();
    // Each step's time and SQL statements.
    let step =
        |t: Instant, before: u64| (t.elapsed().as_secs_f64(), db.statements.count() - before);
    let (t, n) = (Instant::now(), db.statements.count());
    let report = tsunagi::exchange::receive::receive(&mut conn, &homon, None, inputs).unwrap();
    let ingest = step(t, n);
    let stamp = db::imports::pending(&mut conn, office.corporation_id, homon.id)
        .unwrap()
        .into_iter()
        .find(|(f, _)| f.verdict == db::imports::OK && f.kind == "UPPLAN")
        .map(|(f, _)| f.file_timestamp)
        .expect("the provider's own set");
    let (t, n) = (Instant::now(), db.statements.count());
    let set = tsunagi::exchange::apply::compare(&mut conn, &homon, &stamp).unwrap();
    let preview = step(t, n);
    // The 取込 request's check that the chosen recipients are in the set.
    let (t, n) = (Instant::now(), db.statements.count());
    let people = tsunagi::exchange::apply::recipients_of_set(&mut conn, &homon, &stamp).unwrap();
    let check = step(t, n);
    // The same set for a provider that holds none of its lines yet (every line and day is
    // written), in a transaction that is rolled back.
    let mut fresh = None;
    let _ = db::dialect::write_transaction(&mut conn, |c| -> db::DbResult<()> {
        use diesel::prelude::*;
        use tsunagi::db::schema::schedule_lines as sl;
        diesel::delete(
            sl::table
                .filter(sl::provider_number.eq(&homon.office_number))
                .filter(sl::provider_type.eq(&homon.service_type)),
        )
        .execute(c)?;
        let (t, n) = (Instant::now(), db.statements.count());
        let set = tsunagi::exchange::apply::compare(c, &homon, &stamp).unwrap();
        let preview = step(t, n);
        let (t, n) = (Instant::now(), db.statements.count());
        let (_, lines) = tsunagi::exchange::apply::apply(c, &homon, &set, &[], None)?;
        fresh = Some((preview, step(t, n), lines));
        Err(diesel::result::Error::RollbackTransaction.into())
    });
    let (t, n) = (Instant::now(), db.statements.count());
    let (applied, lines) = db::dialect::write_transaction(&mut conn, |c| {
        tsunagi::exchange::apply::apply(c, &homon, &set, &[], None)
    })
    .unwrap();
    let apply_time = step(t, n);
    println!(
        "import: ingest {} files ({} refused) {:.2} s [{} statements]; preview {} recipients {:.2} s [{}]; apply {applied} recipients ({lines} lines) {:.2} s [{}]; peak RSS {:.0} MB ({})",
        report.stored.len(),
        report.refused,
        ingest.0,
        ingest.1,
        set.changes.len(),
        preview.0,
        preview.1,
        apply_time.0,
        apply_time.1,
        peak_rss_mb(),
        db.backend.label()
    );
    println!(
        "import, the 取込 request's check: {} recipients {:.2} s [{} statements] ({})",
        people.len(),
        check.0,
        check.1,
        db.backend.label()
    );
    if let Some((preview, apply, lines)) = fresh {
        println!(
            "import, the provider holding none of the lines: preview {:.2} s [{} statements]; apply ({lines} lines added with their days) {:.2} s [{}] ({})",
            preview.0,
            preview.1,
            apply.0,
            apply.1,
            db.backend.label()
        );
    }
}
