//! The command line as an administrator uses it: first start, migrate, admin commands, serve.

use std::io::{BufRead, BufReader, Read, Write};
use std::process::{Command, Stdio};

fn tsunagi() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_tsunagi"));
    c.env_remove("TSUNAGI_DATABASE_URL").env("RUST_LOG", "warn");
    c
}

fn run(args: &[&str]) -> (i32, String, String) {
    let out = tsunagi().args(args).output().unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).to_string(),
        String::from_utf8_lossy(&out.stderr).to_string(),
    )
}

fn http_get(addr: &str, path: &str) -> String {
    let mut s = std::net::TcpStream::connect(addr).unwrap();
    write!(
        s,
        "GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut out = String::new();
    s.read_to_string(&mut out).unwrap();
    out
}

#[test]
fn first_start_admin_commands_and_serve() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("t.sqlite3").display());

    let (code, out, _) = run(&["migrate", "--database-url", &url]);
    assert_eq!(code, 0);
    assert!(out.contains("The database is up to date (SQLite)"));

    // serve on an empty database: one manager account, its password printed once.
    let mut child = tsunagi()
        .args([
            "serve",
            "--bind",
            "127.0.0.1:0",
            "--database-url",
            &url,
            "--no-worker",
        ])
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let mut password = String::new();
    let mut addr = String::new();
    for line in lines.by_ref() {
        let line = line.unwrap();
        if let Some(p) = line.trim().strip_prefix("password: ") {
            password = p.to_string();
        }
        if let Some(rest) = line.strip_prefix("Tsunagi is running on http://") {
            addr = rest.split(' ').next().unwrap().to_string();
            break;
        }
    }
    assert_eq!(password.len(), 16, "the first password is printed");
    let health = http_get(&addr, "/healthz");
    assert!(health.starts_with("HTTP/1.1 200"), "{health}");
    let login = http_get(&addr, "/login");
    assert!(login.contains("ログイン"));
    child.kill().unwrap();
    child.wait().unwrap();

    // A second start prints no password.
    let (code, out, _) = run(&[
        "admin",
        "--database-url",
        &url,
        "reset-password",
        "admin",
        "--password",
        "short",
    ]);
    assert_eq!(code, 1, "{out}");
    let (code, out, _) = run(&["admin", "--database-url", &url, "reset-password", "admin"]);
    assert_eq!(code, 0);
    assert!(out.contains("The password of admin was reset"));
    assert!(out.contains("new password: "));
    let (code, _, err) = run(&["admin", "--database-url", &url, "reset-password", "nobody"]);
    assert_eq!(code, 1);
    assert!(err.contains("no account with login id \"nobody\""));

    let (code, out, err) = run(&[
        "admin",
        "--database-url",
        &url,
        "create-staff",
        "yamada",
        "--name",
        "山田 太郎",
        "--kana",
        "やまだ たろう",
        "--office",
        "0000000000:43",
        "--password",
        "yamada-password",
    ]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("Created yamada"));
    let (code, _, err) = run(&[
        "admin",
        "--database-url",
        &url,
        "create-staff",
        "yamada",
        "--name",
        "x",
        "--office",
        "0000000000",
    ]);
    assert_eq!(code, 1);
    assert!(err.contains("already used"));
    let (code, _, err) = run(&[
        "admin",
        "--database-url",
        &url,
        "create-staff",
        "b",
        "--name",
        "x",
        "--office",
        "123",
    ]);
    assert_eq!(code, 1);
    assert!(err.contains("10 digits"));
}

#[test]
fn demo_loads_once() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("d.sqlite3").display());
    for expect in ["Demo data loaded", "already has data"] {
        let mut child = tsunagi()
            .args([
                "--demo",
                "--bind",
                "127.0.0.1:0",
                "--database-url",
                &url,
                "--no-worker",
            ])
            .stdout(Stdio::piped())
            .spawn()
            .unwrap();
        let mut seen = false;
        for line in BufReader::new(child.stdout.take().unwrap()).lines() {
            let line = line.unwrap();
            seen |= line.contains(expect);
            if line.starts_with("Tsunagi is running") {
                break;
            }
        }
        child.kill().unwrap();
        child.wait().unwrap();
        assert!(seen, "{expect}");
    }
}

#[test]
fn unreachable_database_is_a_clear_error() {
    let (code, _, err) = run(&[
        "migrate",
        "--database-url",
        "postgres://nobody@127.0.0.1:1/none",
    ]);
    assert_eq!(code, 1);
    assert!(
        err.starts_with("error: cannot connect to the database"),
        "{err}"
    );
}
