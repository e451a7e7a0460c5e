#!/usr/bin/env python3
"""Query plans of the statements a Tsunagi server ran (issue 7: the list pages use indexes).

Run the server with the statement trace on, open the pages, then give the log to this script:

    RUST_LOG=info,tsunagi::db::sql=trace tsunagi serve --database-url URL 2> sql.log
    (open the pages)
    benches/explain.py --log sql.log --database-url URL [--only recipients,schedule_]

For every distinct SELECT (binds filled in from the log) it prints the plan: SQLite's
EXPLAIN QUERY PLAN (sqlite3 command-line tool) or PostgreSQL's EXPLAIN (psql), and marks
whole-table scans: `SCAN t` without an index on SQLite, `Seq Scan on t` on PostgreSQL.
benches/load.sh runs it at the end of a load run. Needs python3 and sqlite3 / psql.
"""

import argparse
import re
import subprocess
import sys

ENTRY = re.compile(r"^\[[^\]]* TRACE\s+tsunagi::db::sql\] ", re.M)
TIMESTAMP = re.compile(r"^\d{4}-\d{2}-\d{2}(T[\d:.]+)?$")


def statements(log_text):
    """(sql, binds) of each traced statement, in order."""
    parts = ENTRY.split(log_text)[1:]
    for part in parts:
        # The entry ends where the next log line (any level) starts.
        text = re.split(r"\n\[\d{4}-", part, maxsplit=1)[0].strip()
        sql, sep, binds = text.rpartition(" -- binds: ")
        if not sep:
            sql, binds = text, "[]"
        yield sql.strip(), binds.strip()


def split_binds(binds):
    """The items of diesel's debug list of binds: ["a, b", 1, 2026-11-01, None, ["x", "y"]]."""
    inner = binds.strip()[1:-1]
    items, current, quoted, escaped, depth = [], "", False, False, 0
    for ch in inner:
        if quoted:
            current += ch
            if escaped:
                escaped = False
            elif ch == "\\":
                escaped = True
            elif ch == '"':
                quoted = False
        elif ch == '"':
            quoted = True
            current += ch
        elif ch in "[(":
            depth += 1
            current += ch
        elif ch in "])":
            depth -= 1
            current += ch
        elif ch == "," and depth == 0:
            items.append(current.strip())
            current = ""
        else:
            current += ch
    if current.strip():
        items.append(current.strip())
    return items


def literal(item, postgres):
    while item.startswith("Some(") and item.endswith(")"):
        item = item[5:-1]
    if item == "None":
        return "NULL"
    if item.startswith("["):
        values = [literal(i, postgres) for i in split_binds(item)]
        return ("ARRAY[" if postgres else "(") + ", ".join(values) + ("]" if postgres else ")")
    if item.startswith('"'):
        text = bytes(item[1:-1], "utf-8").decode("unicode_escape").encode("latin-1").decode("utf-8")
        return "'" + text.replace("'", "''") + "'"
    if item in ("true", "false"):
        return item if postgres else ("1" if item == "true" else "0")
    if TIMESTAMP.match(item):
        return "'" + (item if postgres else item.replace("T", " ")) + "'"
    return item


def fill(sql, binds, postgres):
    values = [literal(b, postgres) for b in split_binds(binds)]
    if postgres:
        for n in range(len(values), 0, -1):
            sql = sql.replace(f"${n}", values[n - 1])
        return sql
    out, n = [], 0
    for piece in re.split(r"(\?)", sql):
        if piece == "?" and n < len(values):
            out.append(values[n])
            n += 1
        else:
            out.append(piece)
    return "".join(out)


def explain(url, sql):
    postgres = url.startswith(("postgres://", "postgresql://"))
    if postgres:
        cmd = ["psql", url, "-X", "-q", "-A", "-t", "-c", "EXPLAIN " + sql]
    else:
        path = re.sub(r"^sqlite:(//)?", "", url)
        cmd = ["sqlite3", "-readonly", path, "EXPLAIN QUERY PLAN " + sql]
    done = subprocess.run(cmd, capture_output=True, text=True)
    return (done.stdout + done.stderr).rstrip()


def full_scans(plan, postgres):
    if postgres:
        return re.findall(r"Seq Scan on (\w+)", plan)
    return [m for m in re.findall(r"SCAN (\w+)(?! USING)", plan) if not m.startswith("CONSTANT")]


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--log", required=True)
    ap.add_argument("--database-url", required=True)
    ap.add_argument("--only", default="", help="comma-separated table names: only statements naming one")
    args = ap.parse_args()
    postgres = args.database_url.startswith(("postgres://", "postgresql://"))
    only = [t for t in args.only.split(",") if t]
    seen = set()
    flagged = []
    with open(args.log, encoding="utf-8", errors="replace") as f:
        text = f.read()
    for sql, binds in statements(text):
        if not sql.upper().startswith("SELECT") or sql.strip() == "SELECT 1":
            continue
        if "__diesel_schema_migrations" in sql or sql in seen:
            continue
        if only and not any(t in sql for t in only):
            continue
        seen.add(sql)
        plan = explain(args.database_url, fill(sql, binds, postgres))
        scans = full_scans(plan, postgres)
        print("-" * 100)
        print(sql[:600] + (" …" if len(sql) > 600 else ""))
        print(plan)
        if scans:
            print("  => whole-table scan of: " + ", ".join(sorted(set(scans))))
            flagged.append((sql, scans))
    print("=" * 100)
    print(f"{len(seen)} distinct statements, {len(flagged)} with a whole-table scan")
    for sql, scans in flagged:
        print(f"  {', '.join(sorted(set(scans)))}: {sql[:140]}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
