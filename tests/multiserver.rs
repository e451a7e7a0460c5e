//! Several servers on one database, and crash safety (issue 7), with the real binary: `tsunagi
//! serve` and `tsunagi worker` processes on loopback, driven over HTTP the way a logged-in
//! browser drives them (pages, forms with their CSRF tokens, cookies), and the database read
//! directly to count what the jobs left.
//!
//! - PostgreSQL (`..._postgres`, skipped without `TSUNAGI_TEST_DATABASE_URL`): two servers and a
//!   worker, 200 export jobs queued through both servers; every job done exactly once, its zip
//!   the same from either server, a session of one server valid on the other. Then the worker
//!   is killed (SIGKILL) in the middle of an export and inside the commit of an import apply and
//!   of an export, and restarted.
//! - SQLite (`..._sqlite`): one server with its own job workers, killed and restarted the same
//!   way.
//!
//! "In the middle" is made certain with the test pause (`jobs::test_pause`,
//! `TSUNAGI_TEST_PAUSE_JOB`): the process prints where its job stopped, and is killed there.
//! The lease is 2 seconds (`--job-lease-seconds`), so a dead worker's job is taken over soon.
//! docs/performance.md (Several servers) records what these tests print.

mod common;

use common::TestDb;
use diesel::prelude::*;
use sha2::{Digest, Sha256};
use std::collections::{BTreeMap, BTreeSet};
use std::io::{BufRead, BufReader, Read};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Condvar, Mutex};
use std::time::{Duration, Instant};
use tsunagi::db::jobs::Job;
use tsunagi::db::schema::{audit_log, export_history, import_history, jobs};

const LEASE_SECONDS: &str = "2";
const WAIT: Duration = Duration::from_secs(90);

// ---- processes ---------------------------------------------------------------------------------

/// A `tsunagi` process whose output is collected line by line; killed (SIGKILL) when dropped, so
/// no process outlives a failed assertion.
struct Proc {
    name: String,
    child: Child,
    lines: Arc<(Mutex<Vec<String>>, Condvar)>,
}

impl Proc {
    fn start(name: &str, args: &[&str], pause: Option<&str>) -> Proc {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_tsunagi"));
        cmd.args(args)
            .env_remove("TSUNAGI_DATABASE_URL")
            .env_remove(tsunagi::jobs::test_pause::VAR)
            .env("RUST_LOG", "warn,tsunagi::jobs=info")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        if let Some(p) = pause {
            cmd.env(tsunagi::jobs::test_pause::VAR, p);
        }
        let mut child = cmd.spawn().expect("the tsunagi binary starts");
        let lines = Arc::new((Mutex::new(Vec::new()), Condvar::new()));
        let out: Box<dyn Read + Send> = Box::new(child.stdout.take().unwrap());
        let err: Box<dyn Read + Send> = Box::new(child.stderr.take().unwrap());
        for stream in [out, err] {
            let lines = lines.clone();
            std::thread::spawn(move || {
                for line in BufReader::new(stream).lines().map_while(Result::ok) {
                    let (store, signal) = &*lines;
                    store.lock().unwrap().push(line);
                    signal.notify_all();
                }
            });
        }
        Proc {
            name: name.to_string(),
            child,
            lines,
        }
    }

    /// The first output line satisfying `want`, waiting for it.
    fn wait_for(&self, want: impl Fn(&str) -> bool) -> String {
        let (store, signal) = &*self.lines;
        let deadline = Instant::now() + WAIT;
        let mut lines = store.lock().unwrap();
        loop {
            if let Some(l) = lines.iter().find(|l| want(l)) {
                return l.clone();
            }
            let left = deadline.saturating_duration_since(Instant::now());
            assert!(
                !left.is_zero(),
                "{}: the awaited line did not come; output:\n{}",
                self.name,
                lines.join("\n")
            );
            lines = signal.wait_timeout(lines, left).unwrap().0;
        }
    }

    /// The server's base URL, once it listens.
    fn base(&self) -> String {
        let line = self.wait_for(|l| l.starts_with("Tsunagi is running on http://"));
        let addr = line["Tsunagi is running on http://".len()..]
            .split(' ')
            .next()
            .unwrap();
        addr.to_string()
    }

    /// The job this process stopped at the test pause.
    fn paused_job(&self) -> i64 {
        let line = self.wait_for(|l| l.starts_with("test pause: job "));
        line["test pause: job ".len()..]
            .split(' ')
            .next()
            .unwrap()
            .parse()
            .unwrap()
    }

    /// Ids of the jobs this process finished (its log lines `job N (kind) done by …`).
    fn jobs_done(&self) -> Vec<i64> {
        let lines = self.lines.0.lock().unwrap();
        lines
            .iter()
            .filter_map(|l| {
                let rest = &l[l.find("job ")? + 4..];
                let (id, tail) = rest.split_once(' ')?;
                tail.contains(") done by ").then(|| id.parse().ok())?
            })
            .collect()
    }

    /// kill -9.
    fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Proc {
    fn drop(&mut self) {
        self.kill();
        if std::thread::panicking() {
            let lines = self.lines.0.lock().unwrap();
            let from = lines.len().saturating_sub(40);
            eprintln!(
                "--- {} (last lines) ---\n{}",
                self.name,
                lines[from..].join("\n")
            );
        }
    }
}

fn serve(name: &str, url: &str, workers: &str, pause: Option<&str>) -> Proc {
    let mut args = vec![
        "serve",
        "--bind",
        "127.0.0.1:0",
        "--database-url",
        url,
        "--http-threads",
        "2",
        "--job-lease-seconds",
        LEASE_SECONDS,
    ];
    if workers == "0" {
        args.push("--no-worker");
    } else {
        args.extend(["--workers", workers]);
    }
    Proc::start(name, &args, pause)
}

fn worker(name: &str, url: &str, workers: &str, pause: Option<&str>) -> Proc {
    let p = Proc::start(
        name,
        &[
            "worker",
            "--database-url",
            url,
            "--workers",
            workers,
            "--job-lease-seconds",
            LEASE_SECONDS,
        ],
        pause,
    );
    p.wait_for(|l| l.starts_with("Tsunagi worker running"));
    p
}

// ---- a browser ---------------------------------------------------------------------------------

/// What a browser keeps for one logged-in person: cookies. Requests name their server, so one
/// session can be used on any of them.
struct Browser {
    agent: ureq::Agent,
    cookies: BTreeMap<String, String>,
}

struct Page {
    status: u16,
    location: String,
    body: String,
    bytes: Vec<u8>,
}

impl Browser {
    fn new() -> Browser {
        let agent = ureq::Agent::config_builder()
            .max_redirects(0)
            .http_status_as_error(false)
            .proxy(None)
            .timeout_global(Some(Duration::from_secs(60)))
            .build()
            .into();
        Browser {
            agent,
            cookies: BTreeMap::new(),
        }
    }

    fn cookie_header(&self) -> String {
        self.cookies
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join("; ")
    }

    fn read(&mut self, r: Result<ureq::http::Response<ureq::Body>, ureq::Error>) -> Page {
        let mut r = r.expect("the server answers");
        for c in r.headers().get_all("set-cookie") {
            let c = c.to_str().unwrap();
            let pair = c.split(';').next().unwrap();
            let (name, value) = pair.split_once('=').unwrap();
            let expired = c.to_ascii_lowercase().contains("max-age=0");
            if value.is_empty() || expired {
                self.cookies.remove(name.trim());
            } else {
                self.cookies
                    .insert(name.trim().to_string(), value.to_string());
            }
        }
        let status = r.status().as_u16();
        let location = r
            .headers()
            .get("location")
            .map(|v| v.to_str().unwrap().to_string())
            .unwrap_or_default();
        let bytes = r.body_mut().read_to_vec().expect("a body");
        Page {
            status,
            location,
            body: String::from_utf8_lossy(&bytes).to_string(),
            bytes,
        }
    }

    fn get(&mut self, base: &str, path: &str) -> Page {
        let r = self
            .agent
            .get(format!("http://{base}{path}"))
            .header("Cookie", self.cookie_header())
            .call();
        self.read(r)
    }

    fn post(&mut self, base: &str, path: &str, form: &[(String, String)]) -> Page {
        let r = self
            .agent
            .post(format!("http://{base}{path}"))
            .header("Cookie", self.cookie_header())
            .send_form(form.iter().map(|(k, v)| (k.as_str(), v.as_str())));
        self.read(r)
    }

    /// Sends a form the way a browser does, with the fields the page's form carries.
    fn submit(&mut self, base: &str, page: &Page, action: &str) -> Page {
        let fields = form_fields(&page.body, action);
        self.post(base, action, &fields)
    }

    fn login(base: &str, login_id: &str) -> Browser {
        let mut b = Browser::new();
        let page = b.get(base, "/login");
        let mut fields = form_fields(&page.body, "/login");
        fields.retain(|(k, _)| k == "csrf_token" || k == "next");
        fields.push(("login_id".into(), login_id.into()));
        fields.push(("password".into(), tsunagi::demo::PASSWORD.into()));
        let r = b.post(base, "/login", &fields);
        assert_eq!(r.status, 303, "login of {login_id}: {}", r.body);
        b
    }

    /// 取込: uploads a zip with the upload form's token (multipart, as the file input sends it).
    fn upload(&mut self, base: &str, zip: &[u8]) -> Page {
        let page = self.get(base, "/careplan/import");
        let token = form_fields(&page.body, "/careplan/import/upload")
            .into_iter()
            .find(|(k, _)| k == "csrf_token")
            .expect("the upload form has a token")
            .1;
        let boundary = "----tsunagi-multiserver";
        let mut body = format!(
            "--{boundary}\r\nContent-Disposition: form-data; name=\"csrf_token\"\r\n\r\n{token}\r\n\
             --{boundary}\r\nContent-Disposition: form-data; name=\"files\"; filename=\"in.zip\"\r\n\
             Content-Type: application/zip\r\n\r\n"
        )
        .into_bytes();
        body.extend_from_slice(zip);
        body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
        let r = self
            .agent
            .post(format!("http://{base}/careplan/import/upload"))
            .header("Cookie", self.cookie_header())
            .content_type(format!("multipart/form-data; boundary={boundary}"))
            .send(&body[..]);
        self.read(r)
    }
}

/// The fields a browser sends for the form with this action: hidden and text inputs, ticked
/// check boxes and radio buttons; disabled ones are left out.
fn form_fields(html: &str, action: &str) -> Vec<(String, String)> {
    let start = html
        .find(&format!("action=\"{action}\""))
        .unwrap_or_else(|| panic!("no form for {action} in:\n{html}"));
    let end = html[start..]
        .find("</form>")
        .map_or(html.len(), |e| start + e);
    let attr = |tag: &str, name: &str| -> Option<String> {
        let marker = format!(" {name}=\"");
        let at = tag.find(&marker)? + marker.len();
        let value = &tag[at..at + tag[at..].find('"')?];
        Some(
            value
                .replace("&quot;", "\"")
                .replace("&#x27;", "'")
                .replace("&#39;", "'")
                .replace("&lt;", "<")
                .replace("&gt;", ">")
                .replace("&amp;", "&"),
        )
    };
    let mut out = Vec::new();
    for (at, _) in html[start..end].match_indices("<input") {
        let tag = &html[start + at..];
        let tag = &tag[..tag.find('>').unwrap()];
        let Some(name) = attr(tag, "name") else {
            continue;
        };
        let kind = attr(tag, "type").unwrap_or_else(|| "text".into());
        let flag = |f: &str| tag.split_whitespace().any(|w| w == f);
        if flag("disabled") || kind == "file" {
            continue;
        }
        if (kind == "checkbox" || kind == "radio") && !flag("checked") {
            continue;
        }
        out.push((name, attr(tag, "value").unwrap_or_default()));
    }
    out
}

/// 利用票 export for `month` through the screens: the list (its first page, everyone ticked, or
/// only the `pick`th recipient ticked), the confirmation (every destination), OK. Returns how
/// long each of the three requests took.
fn request_export(b: &mut Browser, base: &str, month: &str, pick: Option<usize>) -> [Duration; 3] {
    let t = Instant::now();
    let list = b.get(
        base,
        &format!("/careplan/export?data=plan&delete=0&month={month}"),
    );
    assert_eq!(list.status, 200, "{}", list.body);
    let t_list = t.elapsed();
    let mut fields = form_fields(&list.body, "/careplan/export/confirm");
    if let Some(n) = pick {
        let ticked: Vec<String> = fields
            .iter()
            .filter(|(k, _)| k == "sel")
            .map(|(_, v)| v.clone())
            .collect();
        let keep = ticked[n % ticked.len()].clone();
        fields.retain(|(k, v)| k != "sel" || *v == keep);
    }
    let t = Instant::now();
    let confirm = b.post(base, "/careplan/export/confirm", &fields);
    assert_eq!(confirm.status, 200, "{}", confirm.body);
    let t_confirm = t.elapsed();
    let t = Instant::now();
    let run = b.submit(base, &confirm, "/careplan/export/run");
    assert_eq!(run.status, 303, "{}", run.body);
    assert!(run.location.contains("done=queued"), "{}", run.location);
    [t_list, t_confirm, t.elapsed()]
}

fn next_month() -> String {
    tsunagi::web::schedules::current_month().next().yyyymm()
}

// ---- what the database holds -------------------------------------------------------------------

fn jobs_of(db: &TestDb, kind: &str) -> Vec<Job> {
    let mut c = db.conn();
    jobs::table
        .filter(jobs::kind.eq(kind))
        .order(jobs::id)
        .select(Job::as_select())
        .load(&mut *c)
        .unwrap()
}

fn job(db: &TestDb, id: i64) -> Job {
    tsunagi::db::jobs::find_any(&mut db.conn(), id)
        .unwrap()
        .unwrap()
}

/// Waits until every job of `kind` is finished.
fn wait_finished(db: &TestDb, kind: &str, count: usize) -> Vec<Job> {
    let deadline = Instant::now() + WAIT;
    loop {
        let all = jobs_of(db, kind);
        if all.len() == count && all.iter().all(Job::is_finished) {
            return all;
        }
        let left: Vec<String> = all
            .iter()
            .filter(|j| !j.is_finished())
            .map(|j| format!("{} {} attempts {}", j.id, j.status, j.attempts))
            .collect();
        assert!(
            Instant::now() < deadline,
            "{kind}: {} of {count} jobs, unfinished: {left:?}",
            all.len()
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// Audit entries of `action` naming the job (… （受付番号 N）…), per job id.
fn audit_per_job(db: &TestDb, action: &str) -> BTreeMap<i64, usize> {
    let mut c = db.conn();
    let details: Vec<String> = audit_log::table
        .filter(audit_log::action.eq(action))
        .select(audit_log::detail)
        .load(&mut *c)
        .unwrap();
    let mut out = BTreeMap::new();
    for d in details {
        let at = d.find("受付番号 ").expect("the entry names its job") + "受付番号 ".len();
        let id: i64 = d[at..].split('）').next().unwrap().parse().unwrap();
        *out.entry(id).or_insert(0) += 1;
    }
    out
}

/// Export history rows per job; panics on a row written twice (same job, recipient and
/// destination).
fn history_per_job(db: &TestDb) -> BTreeMap<i64, usize> {
    let mut c = db.conn();
    let rows: Vec<(Option<i64>, i64, String, String)> = export_history::table
        .select((
            export_history::job_id,
            export_history::recipient_id,
            export_history::receiver_number,
            export_history::receiver_type,
        ))
        .load(&mut *c)
        .unwrap();
    let mut seen = BTreeSet::new();
    let mut out = BTreeMap::new();
    for (job, recipient, number, kind) in rows {
        let job = job.expect("an export job's row names its job");
        assert!(
            seen.insert((job, recipient, number.clone(), kind.clone())),
            "export history written twice: job {job}, recipient {recipient}, {number}/{kind}"
        );
        *out.entry(job).or_insert(0) += 1;
    }
    out
}

fn artifact_count(db: &TestDb, job: i64) -> usize {
    tsunagi::db::jobs::artifacts_of_job(&mut db.conn(), job)
        .unwrap()
        .len()
}

/// A finished export job: done, one zip, its history rows and one audit entry, each once.
fn assert_export_done_once(db: &TestDb, id: i64, attempts: i32) {
    let j = job(db, id);
    assert_eq!(j.status, "done", "job {id}: {:?}", j.error);
    assert_eq!(j.attempts, attempts, "job {id}: attempts");
    assert_eq!(artifact_count(db, id), 1, "job {id}: one zip");
    assert!(history_per_job(db).get(&id).copied().unwrap_or(0) > 0);
    assert_eq!(audit_per_job(db, "careplan_exported").get(&id), Some(&1));
    assert_eq!(audit_per_job(db, "job_requested").get(&id), Some(&1));
}

/// A job stopped half-way: still running for its worker, and nothing of its result visible.
fn assert_nothing_left(db: &TestDb, id: i64, attempts: i32) {
    let j = job(db, id);
    assert_eq!(j.status, "running", "job {id}");
    assert_eq!(j.attempts, attempts, "job {id}");
    assert!(j.locked_by.is_some() && j.progress_total > 0, "{j:?}");
    assert_eq!(artifact_count(db, id), 0, "job {id}: no zip yet");
    assert_eq!(
        history_per_job(db).get(&id),
        None,
        "job {id}: no history yet"
    );
    assert_eq!(audit_per_job(db, "careplan_exported").get(&id), None);
    assert_eq!(audit_per_job(db, "careplan_imported").get(&id), None);
}

/// The 訪問介護 office's (1310100001/11) 予定 for `month`, recipient by recipient: its lines
/// (service code, times) with their planned days, in a stable order.
type Schedule = BTreeMap<i64, Vec<(String, String, String, Vec<(i32, i32)>)>>;

fn provider_schedule(db: &TestDb, month: &str) -> Schedule {
    use tsunagi::db::schema::{schedule_days, schedule_lines};
    let mut c = db.conn();
    let lines: Vec<(i64, i64, String, String, String)> = schedule_lines::table
        .filter(schedule_lines::month.eq(month))
        .filter(schedule_lines::provider_number.eq("1310100001"))
        .filter(schedule_lines::provider_type.eq("11"))
        .select((
            schedule_lines::id,
            schedule_lines::recipient_id,
            schedule_lines::service_code,
            schedule_lines::start_time,
            schedule_lines::end_time,
        ))
        .load(&mut *c)
        .unwrap();
    let ids: Vec<i64> = lines.iter().map(|l| l.0).collect();
    let days: Vec<(i64, i32, i32)> = schedule_days::table
        .filter(schedule_days::line_id.eq_any(&ids))
        .filter(schedule_days::plan_count.gt(0))
        .order((schedule_days::line_id, schedule_days::day))
        .select((
            schedule_days::line_id,
            schedule_days::day,
            schedule_days::plan_count,
        ))
        .load(&mut *c)
        .unwrap();
    let mut out = Schedule::new();
    for (id, recipient, code, start, end) in lines {
        let planned = days
            .iter()
            .filter(|d| d.0 == id)
            .map(|d| (d.1, d.2))
            .collect();
        out.entry(recipient)
            .or_default()
            .push((code, start, end, planned));
    }
    for lines in out.values_mut() {
        lines.sort();
    }
    out
}

/// Import history rows per (recipient, month, set); panics on one written twice.
fn imports_of_set(db: &TestDb, timestamp: &str) -> usize {
    let mut c = db.conn();
    let rows: Vec<(i64, String)> = import_history::table
        .filter(import_history::file_timestamp.eq(timestamp))
        .select((import_history::recipient_id, import_history::month))
        .load(&mut *c)
        .unwrap();
    let unique: BTreeSet<_> = rows.iter().collect();
    assert_eq!(unique.len(), rows.len(), "import history written twice");
    rows.len()
}

// ---- two servers and a worker on one PostgreSQL -----------------------------------------------

#[test]
fn two_servers_one_worker_200_exports_postgres() {
    let Some(db) = TestDb::postgres() else { return };
    let db = db.with_demo();
    let t0 = Instant::now();
    // Every process runs jobs: the two servers one worker thread each, the worker two; they all
    // compete for the same queue.
    let a = serve("server A", &db.url, "1", None);
    let b = serve("server B", &db.url, "1", None);
    let w = worker("worker", &db.url, "2", None);
    let (base_a, base_b) = (a.base(), b.base());
    let started = t0.elapsed();

    // A session opened on A is a session on B: same person, same menu.
    let mut on_a = Browser::login(&base_a, "kyotaku");
    let home_b = on_a.get(&base_b, "/");
    assert_eq!(home_b.status, 200, "{}", home_b.body);
    assert!(home_b.body.contains("/careplan"), "{}", home_b.body);
    let mut on_b = Browser::login(&base_b, "kyotaku");

    // 200 exports, 100 through each server, two people at once.
    const PER_SERVER: usize = 100;
    let month = next_month();
    let t1 = Instant::now();
    let mut steps = [Duration::ZERO; 3];
    std::thread::scope(|s| {
        let running: Vec<_> = [(&mut on_a, &base_a), (&mut on_b, &base_b)]
            .into_iter()
            .map(|(browser, base)| {
                let month = month.clone();
                s.spawn(move || {
                    let mut took = [Duration::ZERO; 3];
                    for n in 0..PER_SERVER {
                        let t = request_export(browser, base, &month, Some(n));
                        for i in 0..3 {
                            took[i] += t[i];
                        }
                    }
                    took
                })
            })
            .collect();
        for r in running {
            let took = r.join().unwrap();
            for i in 0..3 {
                steps[i] += took[i];
            }
        }
    });
    let enqueued = t1.elapsed();
    let all = wait_finished(&db, "careplan_export", 2 * PER_SERVER);
    let finished = t1.elapsed();

    // Each job done once: one attempt, one zip, its history and audit entries once.
    let history = history_per_job(&db);
    let requested = audit_per_job(&db, "job_requested");
    let exported = audit_per_job(&db, "careplan_exported");
    for j in &all {
        assert_eq!(j.status, "done", "job {}: {:?}", j.id, j.error);
        assert_eq!(j.attempts, 1, "job {} ran more than once", j.id);
        assert_eq!(artifact_count(&db, j.id), 1, "job {}", j.id);
        assert!(history.get(&j.id).is_some_and(|n| *n > 0), "job {}", j.id);
        assert_eq!(requested.get(&j.id), Some(&1), "job {}", j.id);
        assert_eq!(exported.get(&j.id), Some(&1), "job {}", j.id);
    }
    assert_eq!(history.len(), all.len());
    // …by exactly one process: each job's "done" line is in one log only.
    let mut by_process = Vec::new();
    let mut seen = BTreeMap::new();
    for p in [&a, &b, &w] {
        let done = p.jobs_done();
        for id in &done {
            if let Some(other) = seen.insert(*id, p.name.clone()) {
                panic!("job {id} finished by {other} and by {}", p.name);
            }
        }
        by_process.push(format!("{} {}", p.name, done.len()));
    }
    assert_eq!(seen.len(), all.len(), "every job's finish is logged once");

    // Every zip from either server, the same bytes, the stored hash (as each person).
    let t2 = Instant::now();
    for j in &all {
        let info = tsunagi::db::jobs::artifacts_of_job(&mut db.conn(), j.id)
            .unwrap()
            .remove(0);
        let path = format!("/jobs/{}/download", j.id);
        let from_a = on_b.get(&base_a, &path);
        let from_b = on_a.get(&base_b, &path);
        assert_eq!(from_a.status, 200, "{}", from_a.body);
        assert_eq!(from_b.status, 200, "{}", from_b.body);
        assert_eq!(from_a.bytes, from_b.bytes, "job {}", j.id);
        assert_eq!(hex::encode(Sha256::digest(&from_a.bytes)), info.sha256);
    }
    let downloaded = t2.elapsed();

    // Logging out on B ends the session on A too.
    let page = on_a.get(&base_b, "/");
    let out = on_a.submit(&base_b, &page, "/logout");
    assert_eq!(out.status, 303);
    let after = on_a.get(&base_a, "/careplan/export");
    assert_eq!(after.status, 303, "the session ended on A too");
    assert!(after.location.starts_with("/login"), "{}", after.location);

    let mean = |d: Duration| d.as_secs_f64() * 1000.0 / all.len() as f64;
    println!(
        "two servers + one worker on PostgreSQL: started in {:.1} s; {} export jobs queued \
         through the screens of both servers in {:.1} s (per job: list {:.0} ms, confirm {:.0} \
         ms, run {:.0} ms), all done {:.1} s after the first request ({} history rows); jobs \
         finished per process: {}; {} zips downloaded from both servers in {:.1} s",
        started.as_secs_f64(),
        all.len(),
        enqueued.as_secs_f64(),
        mean(steps[0]),
        mean(steps[1]),
        mean(steps[2]),
        finished.as_secs_f64(),
        history.values().sum::<usize>(),
        by_process.join(", "),
        all.len(),
        downloaded.as_secs_f64()
    );
}

// ---- crash safety ------------------------------------------------------------------------------

/// Where the jobs run: a `tsunagi worker` beside a server without workers (PostgreSQL), or the
/// server itself (SQLite: one server, its own workers). The runner is what the test kills.
struct Site {
    db: TestDb,
    web: Option<Proc>,
    runner: Option<Proc>,
    restarts: usize,
}

impl Site {
    fn postgres() -> Option<Site> {
        let db = TestDb::postgres()?.with_demo();
        let web = serve("server", &db.url, "0", None);
        Some(Site {
            db,
            web: Some(web),
            runner: None,
            restarts: 0,
        })
    }

    fn sqlite() -> Site {
        Site {
            db: TestDb::sqlite().with_demo(),
            web: None,
            runner: None,
            restarts: 0,
        }
    }

    /// (Re)starts the runner, stopping at `pause` (`POINT:KIND`, see `jobs::test_pause`).
    fn start(&mut self, pause: Option<&str>) {
        assert!(self.runner.is_none());
        self.restarts += 1;
        let name = format!("runner {}", self.restarts);
        self.runner = Some(match self.web {
            Some(_) => worker(&name, &self.db.url, "2", pause),
            None => serve(&name, &self.db.url, "2", pause),
        });
    }

    /// kill -9 of the runner, once it stopped at its pause; returns the job it held.
    fn kill_at_pause(&mut self) -> i64 {
        let mut runner = self.runner.take().unwrap();
        let id = runner.paused_job();
        runner.kill();
        id
    }

    fn base(&self) -> String {
        self.web.as_ref().or(self.runner.as_ref()).unwrap().base()
    }
}

/// The crash scenario on either backend; prints what it saw.
fn crash_scenario(mut site: Site, label: &str) {
    let t0 = Instant::now();
    let month = next_month();

    // 1. kill -9 in the middle of an export (its progress recorded, no result yet).
    site.start(Some("progress:careplan_export"));
    let mut kyotaku = Browser::login(&site.base(), "kyotaku");
    request_export(&mut kyotaku, &site.base(), &month, None);
    let runner = site.runner.as_ref().unwrap();
    let first = runner.paused_job();
    assert_nothing_left(&site.db, first, 1);
    assert_eq!(site.kill_at_pause(), first);
    assert_nothing_left(&site.db, first, 1);
    // The restarted runner takes the job over when its lease has run out, and finishes it once.
    site.start(Some("commit:import_apply"));
    wait_finished(&site.db, "careplan_export", 1);
    assert_export_done_once(&site.db, first, 2);

    // 2. kill -9 inside the commit of an import apply: the provider receives the 利用票 after
    // losing several recipients' lines here; the apply is killed with every change written but
    // not committed.
    let zip = kyotaku
        .get(&site.base(), &format!("/jobs/{first}/download"))
        .bytes;
    let original = provider_schedule(&site.db, &month);
    assert!(
        original.len() >= 4,
        "the demo has 訪問介護 lines: {original:?}"
    );
    let mut changed = Vec::new();
    {
        let mut c = site.db.conn();
        for (recipient, _) in original.iter().take(4) {
            for l in tsunagi::db::schedules::lines_for(&mut c, *recipient, &month).unwrap() {
                if l.provider_number == "1310100001" && l.provider_type == "11" {
                    tsunagi::db::schedules::delete_line(&mut c, *recipient, l.id).unwrap();
                }
            }
            changed.push(*recipient);
        }
    }
    let before = provider_schedule(&site.db, &month);
    assert_ne!(before, original);
    let mut helper = Browser::login(&site.base(), "helper");
    let up = helper.upload(&site.base(), &zip);
    assert_eq!(up.status, 303, "{}", up.body);
    let list = helper.get(&site.base(), "/careplan/receive");
    let set = {
        let at = list.body.find("href=\"/careplan/receive/").unwrap() + 24;
        list.body[at..at + 14].to_string()
    };
    let page = helper.get(&site.base(), &format!("/careplan/receive/{set}"));
    let action = format!("/careplan/receive/{set}/apply");
    let mut ticked: Vec<i64> = form_fields(&page.body, &action)
        .into_iter()
        .filter(|(k, _)| k == "sel")
        .map(|(_, v)| v.parse().unwrap())
        .collect();
    ticked.sort();
    assert_eq!(ticked, changed, "the changed recipients are ticked");
    let r = helper.submit(&site.base(), &page, &action);
    assert_eq!(r.status, 303, "{}", r.body);
    let import = site.runner.as_ref().unwrap().paused_job();
    assert_eq!(
        provider_schedule(&site.db, &month),
        before,
        "nothing visible yet"
    );
    site.kill_at_pause();
    let j = job(&site.db, import);
    assert_eq!((j.status.as_str(), j.attempts), ("running", 1));
    assert_eq!(
        provider_schedule(&site.db, &month),
        before,
        "no recipient-month half applied"
    );
    assert_eq!(imports_of_set(&site.db, &set), 0);
    assert_eq!(
        audit_per_job(&site.db, "careplan_imported").get(&import),
        None
    );
    site.start(Some("commit:careplan_export"));
    let imports = wait_finished(&site.db, "import_apply", 1);
    assert_eq!(imports[0].status, "done", "{:?}", imports[0].error);
    assert_eq!(imports[0].attempts, 2);
    assert_eq!(
        provider_schedule(&site.db, &month),
        original,
        "every recipient-month applied whole, each line once"
    );
    assert_eq!(imports_of_set(&site.db, &set), changed.len());
    assert_eq!(
        audit_per_job(&site.db, "careplan_imported").get(&import),
        Some(&1)
    );

    // 3. kill -9 inside the commit of an export (zip, history and audit written, not committed).
    request_export(&mut kyotaku, &site.base(), &month, None);
    let second = site.kill_at_pause();
    assert_nothing_left(&site.db, second, 1);
    site.start(None);
    wait_finished(&site.db, "careplan_export", 2);
    assert_export_done_once(&site.db, second, 2);
    assert_export_done_once(&site.db, first, 2);
    // Both exports have the same rows: the rerun wrote neither more nor fewer.
    let history = history_per_job(&site.db);
    assert_eq!(history[&first], history[&second]);

    println!(
        "{label}: 3 kill -9 (export mid-job, import apply and export inside their commit), \
         each job finished once on the restarted {}, in {:.1} s",
        if site.web.is_some() {
            "worker"
        } else {
            "server"
        },
        t0.elapsed().as_secs_f64()
    );
}

#[test]
fn worker_killed_mid_job_postgres() {
    let Some(site) = Site::postgres() else { return };
    crash_scenario(site, "PostgreSQL, one server and a worker");
}

#[test]
fn server_killed_mid_job_sqlite() {
    crash_scenario(Site::sqlite(), "SQLite, one server with its workers");
}
