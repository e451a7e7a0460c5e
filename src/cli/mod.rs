//! The command line: `serve` (default), `worker`, `migrate`, `admin`, `csv`.
//! Messages here are English (the screens are Japanese).

pub mod backup;
pub mod csv;
pub mod export;
pub mod import;
pub mod retention;

use crate::config::{DEFAULT_DATABASE_URL, DEFAULT_JOB_LEASE_SECONDS, Settings};
use crate::db::{self, Db};
use crate::{AppState, auth, demo, jobs};
use clap::{Args, Parser, Subcommand};
use std::sync::Arc;

#[derive(Parser, Debug)]
#[command(
    name = "tsunagi",
    version,
    about = "Tsunagi (つなぎ): care-plan data exchange for home-care offices"
)]
#[command(args_conflicts_with_subcommands = true)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,
    /// Without a subcommand, `tsunagi [FLAGS]` is `tsunagi serve [FLAGS]`.
    #[command(flatten)]
    pub serve: ServeArgs,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Run the web application (the default).
    Serve(ServeArgs),
    /// Run background jobs only (for setups with several servers on one PostgreSQL).
    Worker(WorkerArgs),
    /// Apply pending database migrations and exit.
    Migrate(DbArgs),
    /// Administration: staff accounts, service codes, backups, retention.
    Admin(AdminArgs),
    /// Write the exchange's files for a month into a folder (利用票 from a 居宅, 実績 from a provider).
    Export(export::ExportArgs),
    /// Receive ケアプランデータ連携 files for an office (checked and kept), and with --apply
    /// apply the complete sets to 予定実績.
    Import(import::ImportArgs),
    /// Check and show ケアプランデータ連携 CSV files (no database needed).
    Csv {
        #[command(subcommand)]
        command: csv::CsvCommand,
    },
}

#[derive(Args, Debug, Clone)]
pub struct DbArgs {
    /// Database URL: sqlite://FILE (default: ./tsunagi.sqlite3) or postgres://USER@HOST:PORT/DB.
    #[arg(long, env = "TSUNAGI_DATABASE_URL", default_value = DEFAULT_DATABASE_URL)]
    pub database_url: String,
}

#[derive(Args, Debug, Clone)]
pub struct ServeArgs {
    /// Address to listen on.
    #[arg(long, env = "TSUNAGI_BIND", default_value = "127.0.0.1:8080")]
    pub bind: String,
    #[command(flatten)]
    pub db: DbArgs,
    /// Background workers inside this server.
    #[arg(long, env = "TSUNAGI_WORKERS", default_value_t = 2)]
    pub workers: usize,
    /// Run no background workers here (use `tsunagi worker` elsewhere).
    #[arg(long)]
    pub no_worker: bool,
    /// On an empty database, load the demonstration offices, staff and recipients.
    #[arg(long)]
    pub demo: bool,
    /// Minutes without a request before a session ends.
    #[arg(long, env = "TSUNAGI_SESSION_IDLE_MINUTES", default_value_t = 30)]
    pub session_idle_minutes: i64,
    /// Hours after login when a session ends whatever happens.
    #[arg(long, env = "TSUNAGI_SESSION_MAX_HOURS", default_value_t = 12)]
    pub session_max_hours: i64,
    /// Mark cookies Secure (set when the app is served over https).
    #[arg(long, env = "TSUNAGI_SECURE_COOKIES")]
    pub secure_cookies: bool,
    /// HTTP worker threads (default: one per core).
    #[arg(long, env = "TSUNAGI_HTTP_THREADS")]
    pub http_threads: Option<usize>,
    /// Threads per HTTP thread for database work and other blocking work; further requests
    /// wait their turn.
    #[arg(long, env = "TSUNAGI_BLOCKING_THREADS", default_value_t = 4)]
    pub blocking_threads: usize,
    #[command(flatten)]
    pub retention: retention::RetentionArgs,
    #[command(flatten)]
    pub lease: LeaseArgs,
}

#[derive(Args, Debug, Clone)]
pub struct WorkerArgs {
    #[command(flatten)]
    pub db: DbArgs,
    /// Worker threads.
    #[arg(long, default_value_t = 2)]
    pub workers: usize,
    #[command(flatten)]
    pub retention: retention::RetentionArgs,
    #[command(flatten)]
    pub lease: LeaseArgs,
}

/// How long a job stays with the worker that took it.
#[derive(Args, Debug, Clone)]
pub struct LeaseArgs {
    /// Seconds a job worker holds a job before another worker may take it over; the worker
    /// renews its hold every third of this while the job runs, so this is how long a job whose
    /// worker died (crash, kill -9, lost machine) waits before it is run again.
    #[arg(long, env = "TSUNAGI_JOB_LEASE_SECONDS", default_value_t = DEFAULT_JOB_LEASE_SECONDS,
          value_parser = clap::value_parser!(u32).range(1..))]
    pub job_lease_seconds: u32,
}

impl LeaseArgs {
    pub fn lease(&self) -> chrono::Duration {
        chrono::Duration::seconds(self.job_lease_seconds.into())
    }
}

#[derive(Args, Debug)]
pub struct AdminArgs {
    #[command(flatten)]
    pub db: DbArgs,
    #[command(subcommand)]
    pub command: AdminCommand,
}

#[derive(Subcommand, Debug)]
pub enum AdminCommand {
    /// Create a staff account in an office (prints the password when none is given).
    CreateStaff {
        /// Login id of the new account.
        login_id: String,
        /// Name as shown on screen.
        #[arg(long)]
        name: String,
        /// ふりがな.
        #[arg(long, default_value = "")]
        kana: String,
        /// Office number (10 digits) and optionally the service type: 1310100001 or 1310100001:43.
        #[arg(long)]
        office: String,
        /// Make the account a manager with every permission in that office.
        #[arg(long)]
        manager: bool,
        /// Password (at least 10 characters); generated and printed when omitted.
        #[arg(long, env = "TSUNAGI_NEW_PASSWORD")]
        password: Option<String>,
    },
    /// Replace the installation's service-code table with a CSV in our layout
    /// (docs/service-code-csv.md; UTF-8 or MS932). Corporations that imported their own keep it.
    ImportServiceCodes {
        /// The CSV file.
        file: std::path::PathBuf,
    },
    /// Write a consistent backup of the database while Tsunagi runs (SQLite: a copy of the
    /// database file; PostgreSQL: pg_dump's custom format). See docs/operations.md.
    Backup(backup::BackupArgs),
    /// Remove now the contents of job results and received originals older than the retention
    /// period (the workers do it daily); their records and the audit log are kept.
    Retention(retention::RetentionArgs),
    /// Add a large corporation for load tests and query plans (docs/performance.md): offices
    /// 1390000001…, staff vol01-1… and vol-admin (password: the demo's), recipients with a
    /// certification and providers, and months of 予定実績. The same sizes give the same data.
    DemoVolume {
        /// Offices: the first half 居宅介護支援, the rest 訪問介護, 通所介護, 訪問看護, 福祉用具貸与.
        #[arg(long, default_value_t = 20)]
        offices: usize,
        #[arg(long, default_value_t = 10_000)]
        recipients: usize,
        /// Months of schedules, ending with --last-month.
        #[arg(long, default_value_t = 12)]
        months: u32,
        /// The last month with schedules, YYYYMM (default: this month); the months before it
        /// have 実績 too.
        #[arg(long)]
        last_month: Option<String>,
        #[arg(long, default_value_t = 3)]
        staff_per_office: usize,
    },
    /// Set a new password for an account, unlock it and end its sessions.
    ResetPassword {
        login_id: String,
        /// The new password; generated and printed when omitted.
        #[arg(long, env = "TSUNAGI_NEW_PASSWORD")]
        password: Option<String>,
    },
}

pub fn main() -> i32 {
    env_logger::Builder::from_env(
        env_logger::Env::default().default_filter_or("info,actix_server=warn"),
    )
    .init();
    let cli = Cli::parse();
    let command = cli.command.unwrap_or(Command::Serve(cli.serve));
    let result = match command {
        Command::Serve(args) => serve(args),
        Command::Worker(args) => worker(args),
        Command::Migrate(args) => migrate(args),
        Command::Admin(args) => admin(args),
        Command::Export(args) => export::run(args),
        Command::Import(args) => import::run(args),
        Command::Csv { command } => return csv::run(command),
    };
    match result {
        Ok(()) => 0,
        Err(message) => {
            eprintln!("error: {message}");
            1
        }
    }
}

fn open_db(url: &str, connections: u32) -> Result<Db, String> {
    Db::open(url, connections).map_err(|e| format!("{e} (database URL: {})", redact(url)))
}

/// The URL without a password, for messages.
pub fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(s), Some(at)) if at > s => {
            let creds = &url[s + 3..at];
            match creds.split_once(':') {
                Some((user, _)) => format!("{}{}:***{}", &url[..s + 3], user, &url[at..]),
                None => url.to_string(),
            }
        }
        _ => url.to_string(),
    }
}

fn serve(args: ServeArgs) -> Result<(), String> {
    let settings = Settings {
        session_idle: chrono::Duration::minutes(args.session_idle_minutes.max(1)),
        session_max: chrono::Duration::hours(args.session_max_hours.max(1)),
        secure_cookies: args.secure_cookies,
        retention_years: args.retention.retention_years,
        job_lease: args.lease.lease(),
        ..Settings::default()
    };
    let http_threads = args
        .http_threads
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(2, |n| n.get()));
    // Database work runs on each HTTP thread's blocking threads, at most `blocking_threads` of
    // them: requests beyond that wait in tokio's queue, first come first served, instead of
    // hundreds of threads contending for the pool's connections (and SQLite's locks), which
    // made the slowest requests of a busy server several times slower than the median (issue 7,
    // docs/performance.md). The pool holds a connection for each of them, for the job workers,
    // and two spare.
    let blocking_threads = args.blocking_threads.max(1);
    let db = open_db(
        &args.db.database_url,
        (http_threads * blocking_threads + args.workers + 2) as u32,
    )?;
    prepare_data(&db, args.demo)?;
    let workers = (!args.no_worker && args.workers > 0).then(|| {
        jobs::Workers::start_scheduled(
            db.clone(),
            settings.job_lease,
            args.workers,
            settings.retention_years,
        )
    });
    let state = AppState {
        db: db.clone(),
        settings: Arc::new(settings),
    };
    let worker_note = if workers.is_some() {
        format!(", {} job workers", args.workers)
    } else {
        ", no job workers".to_string()
    };
    let backend = db.backend.label();
    let result = actix_web::rt::System::new().block_on(async move {
        let server = actix_web::HttpServer::new(move || crate::build_app(state.clone()))
            .workers(http_threads)
            .worker_max_blocking_threads(blocking_threads)
            .bind(&args.bind)
            .map_err(|e| format!("cannot listen on {}: {e}", args.bind))?;
        for addr in server.addrs() {
            println!("Tsunagi is running on http://{addr} ({backend} database{worker_note}). Press Ctrl+C to stop.");
        }
        server.run().await.map_err(|e| e.to_string())
    });
    if let Some(w) = workers {
        w.stop();
    }
    result
}

/// On an empty database: the demo (with `--demo`), or one manager account whose password is
/// printed once.
fn prepare_data(db: &Db, with_demo: bool) -> Result<(), String> {
    let mut conn = db.conn().map_err(|e| e.to_string())?;
    let empty = db::offices::count_corporations(&mut conn).map_err(|e| e.to_string())? == 0;
    if !empty {
        if with_demo {
            println!("The database already has data; --demo loads nothing.");
        }
        return Ok(());
    }
    if with_demo {
        demo::load(&mut conn).map_err(|e| format!("could not load the demo data: {e}"))?;
        println!(
            "Demo data loaded. Log in as admin / {} (see README.md for the other accounts).",
            demo::PASSWORD
        );
    } else {
        let password = auth::password::generate();
        demo::first_manager(&mut conn, &password)
            .map_err(|e| format!("could not create the first account: {e}"))?;
        println!("A first manager account was created.");
        println!("  login id: admin");
        println!("  password: {password}");
        println!("This password is shown only now. Change it after logging in (パスワード変更).");
    }
    Ok(())
}

fn worker(args: WorkerArgs) -> Result<(), String> {
    let db = open_db(&args.db.database_url, (args.workers + 2) as u32)?;
    let workers = jobs::Workers::start_scheduled(
        db,
        args.lease.lease(),
        args.workers.max(1),
        args.retention.retention_years,
    );
    println!(
        "Tsunagi worker running with {} threads. Press Ctrl+C to stop.",
        args.workers.max(1)
    );
    // Wait for Ctrl+C / SIGTERM, then let running jobs finish.
    actix_web::rt::System::new().block_on(async {
        let _ = actix_web::rt::signal::ctrl_c().await;
    });
    workers.stop();
    Ok(())
}

fn migrate(args: DbArgs) -> Result<(), String> {
    let db = open_db(&args.database_url, 2)?;
    let applied = db.migrate().map_err(|e| e.to_string())?;
    println!("The database is up to date ({}).", db.backend.label());
    for m in applied {
        println!("  applied {m}");
    }
    Ok(())
}

fn admin(args: AdminArgs) -> Result<(), String> {
    // A backup reads the database as it is: no migrations, no connection pool.
    if let AdminCommand::Backup(b) = &args.command {
        return backup::run(&args.db.database_url, b);
    }
    let db = open_db(&args.db.database_url, 2)?;
    let mut conn = db.conn().map_err(|e| e.to_string())?;
    match args.command {
        AdminCommand::Backup(_) => unreachable!("handled above"),
        AdminCommand::Retention(r) => retention::run(&mut conn, &r),
        AdminCommand::ImportServiceCodes { file } => {
            let bytes =
                std::fs::read(&file).map_err(|e| format!("cannot read {}: {e}", file.display()))?;
            let text = crate::web::service_codes::decode_text(&bytes);
            let entries =
                crate::domain::service_codes::parse_table_csv(&text).map_err(|errors| {
                    let lines: Vec<String> = errors
                        .iter()
                        .map(|e| {
                            format!(
                                "  line {}{}: {}",
                                e.line,
                                e.column
                                    .as_deref()
                                    .map(|c| format!(" ({c})"))
                                    .unwrap_or_default(),
                                e.message_en
                            )
                        })
                        .collect();
                    format!(
                        "{} has {} problem(s); nothing was imported:\n{}",
                        file.display(),
                        errors.len(),
                        lines.join("\n")
                    )
                })?;
            if entries.is_empty() {
                return Err(format!(
                    "{} has no service-code rows; nothing was imported",
                    file.display()
                ));
            }
            db::service_codes::replace(&mut conn, None, &entries).map_err(|e| e.to_string())?;
            println!(
                "Imported {} service codes from {}.",
                entries.len(),
                file.display()
            );
            Ok(())
        }
        AdminCommand::DemoVolume {
            offices,
            recipients,
            months,
            last_month,
            staff_per_office,
        } => {
            let last_month = match last_month {
                Some(m) => crate::domain::ServiceMonth::parse(&m).map_err(|e| e.message_en)?,
                None => crate::web::schedules::current_month(),
            };
            let started = std::time::Instant::now();
            let summary = demo::volume::load(
                &mut conn,
                &demo::volume::Volume {
                    offices,
                    recipients,
                    months,
                    last_month,
                    staff_per_office,
                },
                &mut |s| {
                    eprint!(
                        "\r{} of {recipients} recipients, {} schedule lines, {} days ({:.0} s)",
                        s.recipients,
                        s.lines,
                        s.days,
                        started.elapsed().as_secs_f64()
                    )
                },
            )?;
            eprintln!();
            println!(
                "Added {} with {} offices, {} staff, {} recipients, {} schedule lines and {} schedule days in {:.1} s.",
                demo::volume::CORPORATION,
                summary.offices,
                summary.staff,
                summary.recipients,
                summary.lines,
                summary.days,
                started.elapsed().as_secs_f64()
            );
            println!(
                "Log in as vol-admin or vol01-1 … with the demo password ({}).",
                demo::PASSWORD
            );
            Ok(())
        }
        AdminCommand::ResetPassword { login_id, password } => {
            let generated = password.is_none();
            let password = password.unwrap_or_else(auth::password::generate);
            auth::password::check_policy(&password)
                .map_err(|_| "the password must have at least 10 characters".to_string())?;
            let staff = db::staff::find_by_login_id(&mut conn, &login_id)
                .map_err(|e| e.to_string())?
                .ok_or_else(|| format!("no account with login id {login_id:?}"))?;
            db::staff::set_password_hash(&mut conn, staff.id, &auth::password::hash(&password))
                .map_err(|e| e.to_string())?;
            let ended = db::sessions::delete_for_staff(&mut conn, staff.id, None)
                .map_err(|e| e.to_string())?;
            db::audit::record(
                &mut conn,
                &db::audit::NewEntry {
                    corporation_id: Some(staff.corporation_id),
                    office_id: None,
                    staff_id: Some(staff.id),
                    login_id: &staff.login_id,
                    action: db::audit::Action::PasswordReset,
                    detail: "コマンドラインから再設定",
                    client_addr: "",
                },
            )
            .map_err(|e| e.to_string())?;
            println!(
                "The password of {login_id} was reset; the account is unlocked and {ended} session(s) ended."
            );
            if generated {
                println!("  new password: {password}");
            }
            Ok(())
        }
        AdminCommand::CreateStaff {
            login_id,
            name,
            kana,
            office,
            manager,
            password,
        } => {
            let generated = password.is_none();
            let password = password.unwrap_or_else(auth::password::generate);
            demo::create_staff_cli(
                &mut conn, &login_id, &name, &kana, &office, manager, &password,
            )?;
            println!(
                "Created {login_id} in office {office}{}.",
                if manager { " as a manager" } else { "" }
            );
            if generated {
                println!("  password: {password}");
            }
            Ok(())
        }
    }
}
