//! Codec throughput: read + decode + validate a generated ~50 MB UPPLAN, write it, and write a
//! month of 5,000 recipients (UPPLAN + UPSIKYU + UPHOSOKU), next to a baseline that only splits
//! the same bytes into fields with the csv crate (ByteRecord).
//!
//! Run: `CARGO_TARGET_DIR=/work/codec-target cargo bench --bench codec`
//!
//! `TSUNAGI_BENCH_SAVE=DIR` also writes the ~50 MB UPPLAN to DIR under its standard name, to
//! read it with `tsunagi csv check` (say under `perf` or `valgrind`).

/// The allocator of the `tsunagi` binary (src/main.rs), so the figures are the app's.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use std::hint::black_box;
use std::path::Path;
use std::time::Duration;
use tsunagi::domain::InsuredNumber;
use tsunagi::standard::{self, CsvVersion, FileName, Record};

fn fixture(prefix: &str) -> (FileName, Vec<Record>) {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/standard/v4");
    let mut v: Vec<_> = std::fs::read_dir(&root)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    v.sort();
    let p = v
        .into_iter()
        .find(|p| {
            let n = p.file_name().unwrap().to_str().unwrap();
            n.starts_with(prefix) && n.ends_with(".CSV")
        })
        .unwrap();
    let f = standard::read_file(p.to_str().unwrap(), &std::fs::read(&p).unwrap());
    (
        f.name.clone().unwrap(),
        f.data().map(|(_, r)| r.clone()).collect(),
    )
}

fn insured(i: usize) -> InsuredNumber {
    InsuredNumber::parse(&format!("{:010}", i + 1)).unwrap()
}

/// `people` recipients, each with the fixture's person-A rows (13 第6表 rows).
fn schedule_rows(people: usize) -> (FileName, Vec<Record>) {
    let (name, base) = fixture("UPPLAN");
    let a: Vec<Record> = base
        .into_iter()
        .filter(|r| matches!(r, Record::Schedule(s) if s.insured.as_str() == "0000012345"))
        .collect();
    let mut out = Vec::with_capacity(people * a.len());
    for p in 0..people {
        for r in &a {
            let mut r = r.clone();
            if let Record::Schedule(s) = &mut r {
                s.insured = insured(p);
                s.care_manager_name = "居宅 花子（主任介護支援専門員）".into();
            }
            out.push(r);
        }
    }
    (name, out)
}

fn per_person(prefix: &str, people: usize, person: &str) -> (FileName, Vec<Record>) {
    let (name, base) = fixture(prefix);
    let mut out = Vec::new();
    for p in 0..people {
        for r in &base {
            let mut r = r.clone();
            match &mut r {
                Record::Benefit(b) if b.insured.as_str() == person => b.insured = insured(p),
                Record::Supplement(h) if h.insured.as_str() == person => h.insured = insured(p),
                _ => continue,
            }
            out.push(r);
        }
    }
    (name, out)
}

fn codec(c: &mut Criterion) {
    // ~50 MB UPPLAN
    let (name, rows) = schedule_rows(26_000);
    let written = standard::write_file(&name, &rows, CsvVersion::V202407);
    assert!(written.findings.is_empty());
    let bytes = written.bytes;
    let fname = written.name;
    eprintln!(
        "UPPLAN: {} records, {:.1} MB",
        rows.len(),
        bytes.len() as f64 / 1e6
    );
    if let Some(dir) = std::env::var_os("TSUNAGI_BENCH_SAVE") {
        // The file the read benchmark reads, for `tsunagi csv check` under a profiler.
        let path = Path::new(&dir).join(&fname);
        std::fs::write(&path, &bytes).unwrap();
        eprintln!("saved {}", path.display());
    }

    let mut g = c.benchmark_group("codec");
    g.sample_size(10)
        .measurement_time(Duration::from_secs(20))
        .warm_up_time(Duration::from_secs(2));
    g.throughput(Throughput::Bytes(bytes.len() as u64));
    g.bench_function("baseline_csv_byterecord_split", |b| {
        b.iter(|| {
            let mut rdr = csv::ReaderBuilder::new()
                .has_headers(false)
                .flexible(true)
                .from_reader(&bytes[..]);
            let mut rec = csv::ByteRecord::new();
            let mut n = 0usize;
            while rdr.read_byte_record(&mut rec).unwrap() {
                n += rec.len();
            }
            black_box(n)
        })
    });
    g.bench_function("read_decode_validate_upplan", |b| {
        b.iter(|| {
            let f = standard::read_file(&fname, black_box(&bytes));
            assert!(f.findings.is_empty());
            black_box(f.records.len())
        })
    });
    g.bench_function("write_upplan", |b| {
        b.iter(|| {
            black_box(
                standard::write_file(&name, &rows, CsvVersion::V202407)
                    .bytes
                    .len(),
            )
        })
    });
    g.finish();

    // A month of 5,000 recipients: all files of the 第6/7表 set.
    let people = 5_000;
    let (n6, r6) = schedule_rows(people);
    let (n7, r7) = per_person("UPSIKYU", people, "0000012345");
    let (nh, rh) = per_person("UPHOSOKU_202504", people, "0000012345");
    let total: usize = [
        standard::write_file(&n6, &r6, CsvVersion::V202407)
            .bytes
            .len(),
        standard::write_file(&n7, &r7, CsvVersion::V202407)
            .bytes
            .len(),
        standard::write_file(&nh, &rh, CsvVersion::V202407)
            .bytes
            .len(),
    ]
    .iter()
    .sum();
    eprintln!(
        "month: {} + {} + {} records, {:.1} MB",
        r6.len(),
        r7.len(),
        rh.len(),
        total as f64 / 1e6
    );
    let mut g = c.benchmark_group("month");
    g.sample_size(10)
        .measurement_time(Duration::from_secs(10))
        .warm_up_time(Duration::from_secs(1));
    g.throughput(Throughput::Bytes(total as u64));
    g.bench_function("write_month_5000_recipients", |b| {
        b.iter(|| {
            let a = standard::write_file(&n6, &r6, CsvVersion::V202407);
            let b2 = standard::write_file(&n7, &r7, CsvVersion::V202407);
            let h = standard::write_file(&nh, &rh, CsvVersion::V202407);
            black_box(a.bytes.len() + b2.bytes.len() + h.bytes.len())
        })
    });
    g.finish();
}

criterion_group!(benches, codec);
criterion_main!(benches);
