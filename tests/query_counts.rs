//! Issue 7 (load): the number of SQL statements a page runs does not grow with the data on it
//! (no N+1 queries). Each page is requested in a small and in a large corporation made by the
//! volume generator (`tsunagi admin demo-volume`), and the counts must be equal while the large
//! page shows more rows. On SQLite, and on PostgreSQL when configured.

mod common;

use actix_web::http::StatusCode;
use common::{Client, TestDb};
use tsunagi::db::{self, DbConnection};
use tsunagi::demo::volume::{self, Volume, login_id};
use tsunagi::domain::ServiceMonth;

const MONTH: &str = "202612";

/// A corporation of `offices` offices, `recipients` recipients with two months of 予定実績, and
/// `extra` more of everything else a list shows: schedule lines on the first recipient's month,
/// finished jobs, partners, audit entries and care-plan versions.
struct World {
    db: TestDb,
    offices: usize,
    first_recipient: i64,
}

impl World {
    fn build(db: TestDb, offices: usize, recipients: usize, staff: usize, extra: usize) -> World {
        let mut conn = db.conn();
        let summary = volume::load(
            &mut conn,
            &Volume {
                offices,
                recipients,
                months: 2,
                last_month: ServiceMonth::parse(MONTH).unwrap(),
                staff_per_office: staff,
            },
            &mut |_| {},
        )
        .expect("volume loads");
        let corp = summary.corporation_id;
        let office = office_id(&mut conn, 1);
        let first_recipient = db::recipients::search(
            &mut conn,
            &db::recipients::RecipientQuery {
                corporation_id: corp,
                office_id: office,
                search: "V00000".into(),
                kana_row: String::new(),
                care_level: String::new(),
                care_manager_id: None,
                as_of: ServiceMonth::parse(MONTH).unwrap().first_day(),
                page: 1,
                per_page: 1,
            },
        )
        .unwrap()
        .0[0]
            .recipient
            .id;
        grow(&mut conn, &db, corp, first_recipient, extra);
        drop(conn);
        World {
            db,
            offices,
            first_recipient,
        }
    }

    /// The first 訪問介護 office (1-based number in the generator's order).
    fn first_provider(&self) -> usize {
        self.offices.div_ceil(2) + 1
    }
}

fn office_id(conn: &mut DbConnection, n: usize) -> i64 {
    let number = volume::office_number(n);
    let ty = if n == 1 { "43" } else { "11" };
    db::offices::find_by_number(conn, &number, ty)
        .unwrap()
        .unwrap_or_else(|| panic!("office {number}:{ty}"))
        .id
}

/// `extra` schedule lines (with days) on the first recipient's month, finished jobs with files,
/// partners, audit entries and care-plan versions.
fn grow(conn: &mut DbConnection, tdb: &TestDb, corp: i64, recipient: i64, extra: usize) {
    use tsunagi::db::schedules as sq;
    let office = office_id(conn, 1);
    let admin = db::staff::find_by_login_id(conn, "vol-admin")
        .unwrap()
        .unwrap();
    for n in 0..extra {
        let line = sq::add_line(
            conn,
            corp,
            recipient,
            MONTH,
            &sq::LineFields {
                provider_number: volume::office_number(1),
                provider_type: "11".into(),
                provider_name: "追加の事業所".into(),
                service_code: "111111".into(),
                service_name: "身体介護1".into(),
                units: 244,
                start_time: format!("{:02}00", 6 + n % 16),
                end_time: format!("{:02}30", 6 + n % 16),
                over_30: "0".into(),
                ..Default::default()
            },
        )
        .unwrap();
        let mut plan = [0; 31];
        plan[n % 31] = 1;
        sq::set_days(conn, line, Some(&plan), Some(&plan)).unwrap();
        db::partners::create(
            conn,
            corp,
            &db::partners::PartnerFields {
                office_number: format!("13800{n:05}"),
                service_type: "11".into(),
                name: format!("提携訪問介護{n}"),
                kana: "ていけいほうもんかいご".into(),
                exchange_enabled: true,
                csv_version: "v4".into(),
                area_grade: "1".into(),
                ..Default::default()
            },
        )
        .unwrap();
        db::audit::record(
            conn,
            &db::audit::NewEntry {
                corporation_id: Some(corp),
                office_id: Some(office),
                staff_id: Some(admin.id),
                login_id: "vol-admin",
                action: db::audit::Action::LoginSucceeded,
                detail: "",
                client_addr: "127.0.0.1",
            },
        )
        .unwrap();
        let actor = tsunagi::auth::session::Actor {
            corporation_id: corp,
            office_id: office,
            staff_id: admin.id,
            login_id: "vol-admin".into(),
            client_addr: "127.0.0.1".into(),
        };
        tsunagi::jobs::enqueue(
            conn,
            &actor,
            &tsunagi::jobs::staff_csv::Payload { all_offices: false },
        )
        .unwrap();
    }
    tsunagi::jobs::drain(&tdb.db, chrono::Duration::seconds(60)).unwrap();
}

/// What one page costs: statements run (and their text), status, and how often `marker`
/// appears (the rows shown).
struct Measured {
    statements: Vec<String>,
    rows: usize,
}

async fn measure(w: &World, login: &str, path: &str, marker: &str) -> Measured {
    let app = common::app(common::state(&w.db)).await;
    let mut c = Client::new(app);
    c.login_demo(login).await;
    // Once before counting: the first request of a session may do one-off work.
    let warm = c.get(path).await;
    assert_eq!(warm.status, StatusCode::OK, "{login} {path}: {}", warm.body);
    let log = &w.db.db.statements;
    log.start_recording();
    let before = log.count();
    let page = c.get(path).await;
    let count = log.count() - before;
    let statements = log.take_recorded();
    assert_eq!(page.status, StatusCode::OK, "{login} {path}");
    assert_eq!(statements.len() as u64, count);
    Measured {
        statements,
        rows: page.body.matches(marker).count(),
    }
}

/// The page runs as many statements in the large world as in the small one, and shows more rows.
async fn same_count(
    small: &World,
    large: &World,
    login: impl Fn(&World) -> String,
    path: impl Fn(&World) -> String,
    marker: &str,
) {
    let s = measure(small, &login(small), &path(small), marker).await;
    let l = measure(large, &login(large), &path(large), marker).await;
    let path = path(large);
    assert!(
        l.rows > s.rows,
        "{path}: the large page should show more rows than the small one ({} vs {})",
        l.rows,
        s.rows
    );
    assert_eq!(
        s.statements.len(),
        l.statements.len(),
        "{path}: {} statements with {} rows, {} with {} rows.\nsmall:\n  {}\nlarge:\n  {}",
        s.statements.len(),
        s.rows,
        l.statements.len(),
        l.rows,
        short(&s.statements),
        short(&l.statements)
    );
    eprintln!(
        "{path}: {} statements ({} and {} rows)",
        l.statements.len(),
        s.rows,
        l.rows
    );
    if std::env::var_os("QUERY_COUNTS_SHOW").is_some() {
        // `QUERY_COUNTS_SHOW=1 cargo test --test query_counts -- --nocapture`: the statements.
        eprintln!("  {}", short(&l.statements));
    }
}

/// Statements cut to their first 110 characters, one a line, for a readable failure.
fn short(statements: &[String]) -> String {
    statements
        .iter()
        .map(|s| s.chars().take(110).collect::<String>())
        .collect::<Vec<_>>()
        .join("\n  ")
}

fn care_staff(_: &World) -> String {
    login_id(1, 1)
}

fn provider_staff(w: &World) -> String {
    login_id(w.first_provider(), 1)
}

fn admin(_: &World) -> String {
    "vol-admin".into()
}

/// The rows of the recipient lists.
const CODE: &str = "<td class=\"code\">V";

/// A page: who asks, what, and the text that marks one of its rows.
type Page = (fn(&World) -> String, fn(&World) -> String, &'static str);

const PAGES: &[Page] = &[
    // 利用者基本情報: the 居宅's list (a page of 20) and a provider's.
    (care_staff, |_| "/recipients".into(), CODE),
    (provider_staff, |_| "/recipients".into(), CODE),
    // 予定実績: the month's list of a 居宅 and of a provider, one recipient's 第6表 and 第7表.
    (care_staff, |_| format!("/schedules?month={MONTH}"), CODE),
    (
        provider_staff,
        |_| format!("/schedules?month={MONTH}"),
        CODE,
    ),
    (
        admin,
        |w| format!("/schedules/{}/{MONTH}", w.first_recipient),
        "id=\"del-",
    ),
    (
        admin,
        |w| format!("/schedules/{}/{MONTH}/table7", w.first_recipient),
        "<tr",
    ),
    // 一括処理状況確認, 職員, 自社, 他社, 監査ログ, 事業所選択.
    (admin, |_| "/jobs".into(), "/files/"),
    (admin, |_| "/staff".into(), "<tr"),
    (admin, |_| "/offices".into(), "<tr"),
    (admin, |_| "/partners".into(), "<tr"),
    (admin, |_| "/audit".into(), "<tr"),
    (admin, |_| "/office".into(), "つなぎ広域"),
    // ケアプラン連携: the export screen's list of the 居宅's recipients for the month.
    (
        care_staff,
        |_| format!("/careplan/export?data=plan&month={MONTH}&search=1"),
        "name=\"sel\"",
    ),
];

both_backends!(
    list_pages_run_the_same_statements_whatever_their_rows,
    |db: TestDb| async move {
        let small = World::build(db.another(), 4, 10, 2, 2);
        let large = World::build(db, 20, 400, 4, 30);
        for (login, path, marker) in PAGES {
            same_count(&small, &large, login, path, marker).await;
        }
    }
);
