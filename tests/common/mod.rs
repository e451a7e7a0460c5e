//! Test support: a fresh database per test on either backend, the real App in-process, and a
//! client that keeps cookies and reads CSRF tokens from pages like a browser would.
#![allow(dead_code)]

use actix_http::Request;
use actix_web::body::MessageBody;
use actix_web::dev::{Service, ServiceResponse};
use actix_web::http::{Method, StatusCode, header};
use actix_web::test;
use std::collections::BTreeMap;
use std::sync::Arc;
use tsunagi::config::Settings;
use tsunagi::db::Db;
use tsunagi::{AppState, build_app};

pub const PG_ENV: &str = "TSUNAGI_TEST_DATABASE_URL";

/// A database of its own for one test: an SQLite file in a temporary folder, or a PostgreSQL
/// schema that is dropped afterwards.
pub struct TestDb {
    pub db: Db,
    pub url: String,
    _dir: Option<tempfile::TempDir>,
    pg_schema: Option<(String, String)>,
}

impl TestDb {
    pub fn sqlite() -> TestDb {
        let dir = tempfile::tempdir().expect("temp dir");
        let url = format!("sqlite://{}", dir.path().join("test.sqlite3").display());
        let db = Db::open(&url, 4).expect("open sqlite");
        TestDb {
            db,
            url,
            _dir: Some(dir),
            pg_schema: None,
        }
    }

    /// None (after saying so) when no PostgreSQL is configured.
    pub fn postgres() -> Option<TestDb> {
        let Ok(base) = std::env::var(PG_ENV) else {
            eprintln!("skipped: PostgreSQL variant ({PG_ENV} is not set)");
            return None;
        };
        use diesel::Connection;
        use diesel::connection::SimpleConnection;
        let schema = format!("t_{}", &tsunagi::auth::password::random_token()[..16]);
        let mut admin = diesel::PgConnection::establish(&base).expect("connect to PostgreSQL");
        admin
            .batch_execute(&format!("CREATE SCHEMA {schema}"))
            .expect("create schema");
        let sep = if base.contains('?') { '&' } else { '?' };
        let url = format!("{base}{sep}options=-csearch_path%3D{schema}");
        let db = Db::open(&url, 4).expect("open postgres");
        Some(TestDb {
            db,
            url,
            _dir: None,
            pg_schema: Some((base, schema)),
        })
    }

    /// Another fresh database on the same backend.
    pub fn another(&self) -> TestDb {
        if self.pg_schema.is_some() {
            TestDb::postgres().expect("PostgreSQL is configured")
        } else {
            TestDb::sqlite()
        }
    }

    pub fn with_demo(self) -> TestDb {
        let mut conn = self.db.conn().unwrap();
        tsunagi::demo::load(&mut conn).expect("demo loads");
        drop(conn);
        self
    }

    pub fn conn(&self) -> tsunagi::db::PooledConn {
        self.db.conn().unwrap()
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        if let Some((base, schema)) = &self.pg_schema {
            use diesel::Connection;
            use diesel::connection::SimpleConnection;
            if let Ok(mut c) = diesel::PgConnection::establish(base) {
                let _ = c.batch_execute(&format!("DROP SCHEMA IF EXISTS {schema} CASCADE"));
            }
        }
    }
}

/// Runs a test body once on SQLite and once on PostgreSQL (skipped without the variable).
#[macro_export]
macro_rules! both_backends {
    ($name:ident, $body:expr) => {
        mod $name {
            #[allow(unused_imports)]
            use super::*;
            #[actix_web::test]
            async fn sqlite() {
                let db = common::TestDb::sqlite();
                ($body)(db).await;
            }
            #[actix_web::test]
            async fn postgres() {
                let Some(db) = common::TestDb::postgres() else {
                    return;
                };
                ($body)(db).await;
            }
        }
    };
}

pub fn state(db: &TestDb) -> AppState {
    AppState {
        db: db.db.clone(),
        settings: Arc::new(Settings::default()),
    }
}

pub fn state_with(db: &TestDb, settings: Settings) -> AppState {
    AppState {
        db: db.db.clone(),
        settings: Arc::new(settings),
    }
}

pub struct Resp {
    pub status: StatusCode,
    pub headers: actix_web::http::header::HeaderMap,
    pub body: String,
    pub bytes: Vec<u8>,
}

impl Resp {
    pub fn location(&self) -> String {
        self.headers
            .get(header::LOCATION)
            .map(|v| v.to_str().unwrap().to_string())
            .unwrap_or_default()
    }
    pub fn header(&self, name: &str) -> String {
        self.headers
            .get(name)
            .map(|v| v.to_str().unwrap_or("").to_string())
            .unwrap_or_default()
    }
    /// The CSRF token of the first form on the page.
    pub fn csrf(&self) -> String {
        extract_value(&self.body, "name=\"csrf_token\" value=\"").expect("page has a csrf token")
    }
}

pub fn extract_value(body: &str, marker: &str) -> Option<String> {
    let start = body.find(marker)? + marker.len();
    let end = body[start..].find('"')? + start;
    Some(body[start..end].to_string())
}

/// Every value of the inputs named `name` on a page, in order.
pub fn values_of(body: &str, name: &str) -> Vec<String> {
    let marker = format!("name=\"{name}\" value=\"");
    body.match_indices(&marker)
        .filter_map(|(i, _)| extract_value(&body[i..], &marker))
        .collect()
}

/// A browser-like client: keeps cookies, sends forms.
pub struct Client<S> {
    pub app: S,
    pub cookies: BTreeMap<String, String>,
    pub peer: std::net::SocketAddr,
}

pub async fn app(
    state: AppState,
) -> impl Service<Request, Response = ServiceResponse<impl MessageBody>, Error = actix_web::Error> {
    test::init_service(build_app(state)).await
}

impl<S, B> Client<S>
where
    S: Service<Request, Response = ServiceResponse<B>, Error = actix_web::Error>,
    B: MessageBody,
{
    pub fn new(app: S) -> Self {
        Client {
            app,
            cookies: BTreeMap::new(),
            peer: "127.0.0.1:50000".parse().unwrap(),
        }
    }

    pub async fn send(
        &mut self,
        method: Method,
        path: &str,
        form: Option<&[(&str, &str)]>,
    ) -> Resp {
        let mut req = test::TestRequest::default()
            .method(method)
            .uri(path)
            .peer_addr(self.peer);
        if !self.cookies.is_empty() {
            req = req.insert_header((header::COOKIE, self.cookie_header()));
        }
        if let Some(form) = form {
            let body = serde_html_form::to_string(form).unwrap();
            req = req
                .insert_header((header::CONTENT_TYPE, "application/x-www-form-urlencoded"))
                .set_payload(body);
        }
        let res = test::call_service(&self.app, req.to_request()).await;
        for c in res.response().cookies() {
            if c.value().is_empty() || c.max_age().is_some_and(|a| a.is_zero()) {
                self.cookies.remove(c.name());
            } else {
                self.cookies
                    .insert(c.name().to_string(), c.value().to_string());
            }
        }
        let status = res.status();
        let headers = res.headers().clone();
        let bytes = test::read_body(res).await.to_vec();
        Resp {
            status,
            headers,
            body: String::from_utf8_lossy(&bytes).to_string(),
            bytes,
        }
    }

    pub async fn get(&mut self, path: &str) -> Resp {
        self.send(Method::GET, path, None).await
    }

    pub async fn post(&mut self, path: &str, form: &[(&str, &str)]) -> Resp {
        self.send(Method::POST, path, Some(form)).await
    }

    /// Posts a form with the CSRF token read from `page_path` (as a browser would).
    pub async fn submit(&mut self, page_path: &str, action: &str, fields: &[(&str, &str)]) -> Resp {
        let token = self.get(page_path).await.csrf();
        let mut form: Vec<(&str, &str)> = vec![("csrf_token", token.as_str())];
        form.extend_from_slice(fields);
        self.post(action, &form).await
    }

    pub async fn login(&mut self, login_id: &str, password: &str) -> Resp {
        let page = self.get("/login").await;
        let token = page.csrf();
        self.post(
            "/login",
            &[
                ("csrf_token", &token),
                ("login_id", login_id),
                ("password", password),
                ("next", "/"),
            ],
        )
        .await
    }

    /// Logs in with the demo password and checks that it worked.
    pub async fn login_demo(&mut self, login_id: &str) {
        let r = self.login(login_id, tsunagi::demo::PASSWORD).await;
        assert_eq!(
            r.status,
            StatusCode::SEE_OTHER,
            "login of {login_id} failed: {}",
            r.body
        );
        assert_eq!(r.location(), "/");
    }

    pub fn logout_cookies(&mut self) {
        self.cookies.clear();
    }

    /// The `Cookie` header this client sends.
    pub fn cookie_header(&self) -> String {
        self.cookies
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join("; ")
    }

    /// Posts files to the 取込 upload with the page's token, as its form does.
    pub async fn upload(&mut self, files: &[(&str, &str, &[u8])]) -> Resp {
        let token = self.get("/careplan/import").await.csrf();
        self.post_files(
            "/careplan/import/upload",
            &[("csrf_token", token.as_str())],
            files,
        )
        .await
    }
}

/// A zip holding `entries` (name, bytes), as a person or another system would make one.
pub fn zip_of(entries: &[(&str, &[u8])]) -> Vec<u8> {
    use std::io::Write;
    let mut z = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    for (name, data) in entries {
        z.start_file(*name, zip::write::SimpleFileOptions::default())
            .unwrap();
        z.write_all(data).unwrap();
    }
    z.finish().unwrap().into_inner()
}

/// The id of a staff member by login id.
pub fn staff_id(db: &TestDb, login_id: &str) -> i64 {
    let mut c = db.conn();
    tsunagi::db::staff::find_by_login_id(&mut c, login_id)
        .unwrap()
        .unwrap()
        .id
}

/// Office id by number and type.
pub fn office_id(db: &TestDb, number: &str, service_type: &str) -> i64 {
    let mut c = db.conn();
    tsunagi::db::offices::find_by_number(&mut c, number, service_type)
        .unwrap()
        .unwrap()
        .id
}

impl<S, B> Client<S>
where
    S: Service<Request, Response = ServiceResponse<B>, Error = actix_web::Error>,
    B: MessageBody,
{
    /// Posts a multipart form (text fields and one file), as a browser's file upload does.
    pub async fn post_multipart(
        &mut self,
        path: &str,
        fields: &[(&str, &str)],
        file: (&str, &str, &[u8]),
    ) -> Resp {
        self.post_files(path, fields, &[file]).await
    }

    /// Posts a multipart form with text fields and any number of files.
    pub async fn post_files(
        &mut self,
        path: &str,
        fields: &[(&str, &str)],
        files: &[(&str, &str, &[u8])],
    ) -> Resp {
        let boundary = "----tsunagi-test-boundary";
        let mut body: Vec<u8> = Vec::new();
        for (k, v) in fields {
            body.extend_from_slice(
                format!(
                    "--{boundary}\r\nContent-Disposition: form-data; name=\"{k}\"\r\n\r\n{v}\r\n"
                )
                .as_bytes(),
            );
        }
        for (name, file_name, data) in files {
            body.extend_from_slice(
                format!("--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"; filename=\"{file_name}\"\r\nContent-Type: application/octet-stream\r\n\r\n").as_bytes(),
            );
            body.extend_from_slice(data);
            body.extend_from_slice(b"\r\n");
        }
        body.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
        let req = test::TestRequest::post()
            .uri(path)
            .peer_addr(self.peer)
            .insert_header((header::COOKIE, self.cookie_header()))
            .insert_header((
                header::CONTENT_TYPE,
                format!("multipart/form-data; boundary={boundary}"),
            ))
            .set_payload(body)
            .to_request();
        let res = test::call_service(&self.app, req).await;
        let status = res.status();
        let headers = res.headers().clone();
        let bytes = test::read_body(res).await.to_vec();
        Resp {
            status,
            headers,
            body: String::from_utf8_lossy(&bytes).to_string(),
            bytes,
        }
    }
}

/// A recipient of the demo 居宅 with a 要介護1 certification over December 2026, using the
/// demo's own 訪問介護 and 通所介護 (both 1級地), and no schedules yet.
pub fn fresh_recipient(db: &TestDb) -> i64 {
    use tsunagi::db::recipients as rq;
    let mut c = db.conn();
    let kyotaku = office_id(db, "1310100001", "43");
    let homon = office_id(db, "1310100001", "11");
    let day = office_id(db, "1310200002", "15");
    let id = rq::create(
        &mut c,
        1,
        &rq::RecipientFields {
            code: "T0001".into(),
            name: "試験 花子".into(),
            kana: "しけん　はなこ".into(),
            kana_row: "さ".into(),
            gender: "2".into(),
            birth_date: chrono::NaiveDate::from_ymd_opt(1940, 1, 1),
            insurer_number: "131016".into(),
            insurer_name: "千代田区".into(),
            insured_number: "0000099999".into(),
            burden_ratio: 1,
            care_office_id: Some(kyotaku),
            care_manager_id: Some(staff_id(db, "kyotaku")),
            ..Default::default()
        },
    )
    .unwrap();
    rq::add_certification(
        &mut c,
        id,
        &rq::CertificationFields {
            status: "certified".into(),
            care_level: "21".into(),
            certified_on: chrono::NaiveDate::from_ymd_opt(2026, 11, 20),
            valid_from: chrono::NaiveDate::from_ymd_opt(2026, 12, 1).unwrap(),
            valid_to: chrono::NaiveDate::from_ymd_opt(2027, 11, 30).unwrap(),
            limit_units: Some(16765),
        },
    )
    .unwrap();
    rq::add_provider(&mut c, id, Some(homon), None, "11").unwrap();
    rq::add_provider(&mut c, id, Some(day), None, "15").unwrap();
    id
}

/// The export of `data` for `month` by `office` (number, type) of corporation 1 to every
/// recipient and destination, as made on 2026-11-21 at `hour`:00.
pub fn export_all(
    db: &TestDb,
    office: (&str, &str),
    data: tsunagi::exchange::export::DataKind,
    month: &str,
    hour: u32,
) -> tsunagi::exchange::export::ExportOutcome {
    use tsunagi::exchange::export::{ExportRequest, SpecChoice, no_progress, run};
    let req = ExportRequest {
        office_id: office_id(db, office.0, office.1),
        month: month.to_string(),
        data,
        delete: false,
        recipients: Vec::new(),
        destinations: Vec::new(),
        spec: SpecChoice::Partner,
        split: false,
    };
    let now = chrono::NaiveDate::from_ymd_opt(2026, 11, 21)
        .unwrap()
        .and_hms_opt(hour, 0, 0)
        .unwrap();
    run(&mut db.conn(), 1, &req, now, None, None, &mut no_progress).unwrap()
}
