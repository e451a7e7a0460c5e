//! `tsunagi csv check` and `tsunagi csv show`: the command-line checker for the
//! ケアプランデータ連携 files. I/O lives here (files, folders, zips); the codec is pure.

pub use crate::exchange::unpack::{
    Input, MAX_ZIP_ENTRIES, MAX_ZIP_TOTAL, read_zip, zip_entry_name,
};
use crate::standard::{self, FileKind, Finding, ParsedFile, SetReport, Severity};
use std::io::Write;
use std::path::{Path, PathBuf};

#[derive(clap::Subcommand, Debug, Clone)]
pub enum CsvCommand {
    /// Check files of the standard: each file's kind, version, sender, receiver, month,
    /// timestamp, record count and findings, then each set's findings. Exit 0 = no errors
    /// (warnings allowed), 1 = errors, 2 = a path could not be read.
    Check(CheckArgs),
    /// Show one parsed file: its records (fields in spec order and the typed record) and findings.
    Show(ShowArgs),
}

#[derive(clap::Args, Debug, Clone)]
pub struct CheckArgs {
    /// Print JSON instead of text.
    #[arg(long)]
    pub json: bool,
    /// CSV files, folders (searched recursively for .csv and .zip) or zip files.
    #[arg(required = true)]
    pub paths: Vec<PathBuf>,
}

#[derive(clap::Args, Debug, Clone)]
pub struct ShowArgs {
    /// Print JSON instead of text.
    #[arg(long)]
    pub json: bool,
    /// One CSV file.
    pub file: PathBuf,
}

/// Runs a `csv` subcommand on stdout/stderr and returns the exit code.
pub fn run(cmd: CsvCommand) -> i32 {
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    let mut err = std::io::stderr();
    match cmd {
        CsvCommand::Check(a) => check(&a, &mut out, &mut err),
        CsvCommand::Show(a) => show(&a, &mut out, &mut err),
    }
}

fn is_ext(p: &Path, ext: &str) -> bool {
    p.extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| e.eq_ignore_ascii_case(ext))
}

/// Collects the inputs of one path: a file (a zip is opened), or a folder searched recursively
/// for .csv and .zip files (in name order).
pub fn collect(path: &Path) -> Result<Vec<Input>, String> {
    let display = path.display().to_string();
    let meta = std::fs::metadata(path).map_err(|e| format!("{display}: {e}"))?;
    if meta.is_dir() {
        let mut entries: Vec<PathBuf> = std::fs::read_dir(path)
            .map_err(|e| format!("{display}: {e}"))?
            .filter_map(|e| e.ok().map(|e| e.path()))
            .collect();
        entries.sort();
        let mut out = Vec::new();
        for p in entries {
            if p.is_dir() || is_ext(&p, "csv") || is_ext(&p, "zip") {
                out.extend(collect(&p)?);
            }
        }
        return Ok(out);
    }
    let bytes = std::fs::read(path).map_err(|e| format!("{display}: {e}"))?;
    if is_ext(path, "zip") {
        return read_zip(&display, &bytes);
    }
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    Ok(vec![Input {
        display,
        name,
        bytes,
    }])
}

fn summary_json(input: &Input, f: &ParsedFile) -> serde_json::Value {
    let n = f.name.as_ref();
    serde_json::json!({
        "path": input.display,
        "file": f.file_name,
        "kind": f.kind,
        "version": f.version,
        "layout": f.layout(),
        "sender": n.map(|n| n.sender.to_string()),
        "sender_type": n.and_then(|n| n.sender_type.clone()),
        "receiver": n.map(|n| n.receiver.to_string()),
        "receiver_type": n.and_then(|n| n.receiver_type.clone()),
        "month": n.map(|n| n.month.map(|m| m.yyyymm()).unwrap_or_else(|| if n.kind.has_month() { "000000".into() } else { String::new() })),
        "timestamp": n.map(|n| n.timestamp.clone()),
        "record_count": f.records.len(),
        "findings": f.findings,
    })
}

fn or_dash(s: Option<String>) -> String {
    s.filter(|s| !s.is_empty()).unwrap_or_else(|| "-".into())
}

fn write_file_text(out: &mut dyn Write, input: &Input, f: &ParsedFile) -> std::io::Result<()> {
    writeln!(out, "{}", input.display)?;
    let n = f.name.as_ref();
    let with_type = |o: Option<String>, t: Option<String>| match (o, t) {
        (Some(o), Some(t)) => format!("{o} ({t})"),
        (o, _) => or_dash(o),
    };
    writeln!(
        out,
        "  kind {}  version {}  sender {}  receiver {}  month {}  timestamp {}  records {}",
        or_dash(f.kind.map(|k| k.prefix().to_string())),
        or_dash(f.version.map(|v| v.code().to_string())),
        with_type(
            n.map(|n| n.sender.to_string()),
            n.and_then(|n| n.sender_type.clone())
        ),
        with_type(
            n.map(|n| n.receiver.to_string()),
            n.and_then(|n| n.receiver_type.clone())
        ),
        or_dash(n.and_then(|n| if n.kind.has_month() {
            Some(
                n.month
                    .map(|m| m.yyyymm())
                    .unwrap_or_else(|| "000000".into()),
            )
        } else {
            None
        })),
        or_dash(n.map(|n| n.timestamp.clone())),
        f.records.len()
    )?;
    if f.findings.is_empty() {
        writeln!(out, "  ok: no findings")?;
    }
    for x in &f.findings {
        writeln!(out, "  {}", x.to_line_en())?;
    }
    Ok(())
}

fn set_label(s: &SetReport) -> String {
    s.kind
        .map(|k| format!("{k:?}").to_lowercase())
        .unwrap_or_else(|| "unknown".into())
}

/// `csv check`: writes the report to `out`, problems reading paths to `err`; returns the exit code.
pub fn check(args: &CheckArgs, out: &mut dyn Write, err: &mut dyn Write) -> i32 {
    let mut inputs = Vec::new();
    let mut unreadable = Vec::new();
    for p in &args.paths {
        match collect(p) {
            Ok(v) => inputs.extend(v),
            Err(e) => {
                let _ = writeln!(err, "error: cannot read {e}");
                unreadable.push(e);
            }
        }
    }
    let parsed: Vec<ParsedFile> = inputs
        .iter()
        .map(|i| standard::read_file(&i.name, &i.bytes))
        .collect();
    let sets = standard::check_sets(&parsed);
    let all: Vec<&Finding> = parsed
        .iter()
        .flat_map(|f| &f.findings)
        .chain(sets.iter().flat_map(|s| &s.findings))
        .collect();
    let errors = all.iter().filter(|f| f.severity == Severity::Error).count();
    let warnings = all.len() - errors;
    let result = if args.json {
        let files: Vec<_> = inputs
            .iter()
            .zip(&parsed)
            .map(|(i, f)| summary_json(i, f))
            .collect();
        let v = serde_json::json!({
            "files": files,
            "sets": sets,
            "errors": errors,
            "warnings": warnings,
            "unreadable": unreadable,
        });
        serde_json::to_writer_pretty(&mut *out, &v)
            .map_err(std::io::Error::other)
            .and_then(|_| writeln!(out))
    } else {
        (|| -> std::io::Result<()> {
            for (i, f) in inputs.iter().zip(&parsed) {
                write_file_text(out, i, f)?;
            }
            for s in &sets {
                writeln!(
                    out,
                    "set {} ({}): {}",
                    s.timestamp,
                    set_label(s),
                    s.files.join(", ")
                )?;
                if s.findings.is_empty() {
                    writeln!(out, "  ok: no findings")?;
                }
                for x in &s.findings {
                    writeln!(out, "  {}: {}", x.file, x.to_line_en())?;
                }
            }
            writeln!(
                out,
                "{} files, {} sets: {} errors, {} warnings{}",
                parsed.len(),
                sets.len(),
                errors,
                warnings,
                if unreadable.is_empty() {
                    String::new()
                } else {
                    format!(", {} paths unreadable", unreadable.len())
                }
            )
        })()
    };
    if let Err(e) = result {
        let _ = writeln!(err, "error: cannot write the report: {e}");
        return 2;
    }
    if !unreadable.is_empty() {
        2
    } else if errors > 0 {
        1
    } else {
        0
    }
}

/// `csv show`: the parsed file. Exit codes as for `check` (1 when the file has errors).
pub fn show(args: &ShowArgs, out: &mut dyn Write, err: &mut dyn Write) -> i32 {
    let display = args.file.display().to_string();
    let bytes = match std::fs::read(&args.file) {
        Ok(b) => b,
        Err(e) => {
            let _ = writeln!(err, "error: cannot read {display}: {e}");
            return 2;
        }
    };
    let name = args
        .file
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let f = standard::read_file(&name, &bytes);
    let raws = standard::raw_records(&bytes);
    let result = if args.json {
        let n = f.name.as_ref();
        let v = serde_json::json!({
            "file": f.file_name,
            "kind": f.kind,
            "version": f.version,
            "layout": f.layout(),
            "sender": n.map(|n| n.sender.to_string()),
            "sender_type": n.and_then(|n| n.sender_type.clone()),
            "receiver": n.map(|n| n.receiver.to_string()),
            "receiver_type": n.and_then(|n| n.receiver_type.clone()),
            "month": n.and_then(|n| if n.kind.has_month() { Some(n.month.map(|m| m.yyyymm()).unwrap_or_else(|| "000000".into())) } else { None }),
            "timestamp": n.map(|n| n.timestamp.clone()),
            "records": f.records.iter().enumerate().map(|(i, r)| serde_json::json!({
                "line": r.line,
                "fields": raws.get(i),
                "data": r.data,
            })).collect::<Vec<_>>(),
            "findings": f.findings,
        });
        serde_json::to_writer_pretty(&mut *out, &v)
            .map_err(std::io::Error::other)
            .and_then(|_| writeln!(out))
    } else {
        (|| -> std::io::Result<()> {
            let input = Input {
                display: display.clone(),
                name: name.clone(),
                bytes: Vec::new(),
            };
            write_file_text(out, &input, &f)?;
            let table = f.kind.map(FileKind::table);
            let layout = f.layout().unwrap_or(standard::Layout::V4);
            for (k, r) in f.records.iter().enumerate() {
                writeln!(
                    out,
                    "line {}{}",
                    r.line,
                    if r.data.is_some() {
                        ""
                    } else {
                        " (not converted)"
                    }
                )?;
                let names: Vec<&str> = table
                    .map(|t| {
                        standard::layout::fields_in(t, layout)
                            .map(|(_, _, d)| d.name)
                            .collect()
                    })
                    .unwrap_or_default();
                for (i, v) in raws.get(k).into_iter().flat_map(|r| r.iter()).enumerate() {
                    let item = names.get(i).copied().unwrap_or("?");
                    writeln!(
                        out,
                        "  {:>2} {}: {}",
                        i + 1,
                        item,
                        v.replace("\r\n", "\\r\\n")
                            .replace('\n', "\\n")
                            .replace('\r', "\\r")
                    )?;
                }
            }
            Ok(())
        })()
    };
    if let Err(e) = result {
        let _ = writeln!(err, "error: cannot write: {e}");
        return 2;
    }
    if f.has_errors() { 1 } else { 0 }
}
