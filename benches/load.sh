#!/usr/bin/env bash
# Load test (issue 7, docs/performance.md): a release `tsunagi serve` on loopback with the
# corporation of `tsunagi admin demo-volume` (20 offices, 10,000 recipients, a year of 予定実績),
# 50 logged-in staff sessions asking for the recipient list, the 予定実績 month grid (第6表) and
# the job status page while export jobs run, measured with wrk (Debian package `wrk`), on SQLite
# and on PostgreSQL, next to the same server answering /healthz.
#
#   benches/load.sh [--backend sqlite|postgres|both] [--duration 20s] [--sessions 50]
#                   [--think "0 1000"] [--exports 1] [--work DIR] [--pg-url URL] [--port 18090]
#                   [--explain]
#
# For each backend: the data is generated once into --work (SQLite file) or --pg-url (a
# PostgreSQL database, created when missing; the volume is added when its offices are missing).
# 50 staff of the generated offices (vol01-1 …; 居宅 and providers) log in once through the login
# form; each session's 第6表 grid is the first recipient of its 予定実績 list, this month.
# Then, for each think time (0 = every connection asks again at once: the saturation point;
# 1000 = a connection waits 0.5–1.5 s between requests, busy people clicking) and each page set
# (healthz, recipients, grid, jobs, mix of the three), the server is started afresh (so its peak
# memory belongs to that run), a background loop keeps --exports 利用票 export jobs of a whole
# 居宅 (1,000 recipients) queued or running, queued through the export screen as a care manager
# does (not for /healthz: that run is the ceiling of our stack on this machine), and wrk runs
# --duration with one connection per session, each request with the next session's cookie.
# Recorded per run: requests/s, p50 / p99 / max latency, socket errors, answers other than 200
# (a 303 to the login page counts), the server's peak memory (VmHWM, and the peak of its
# private memory, RssAnon, sampled), exports finished during the run, `database is locked` lines
# in the server's log, how idle the machine was in the 3 s before the run (other programs show
# here) and the load average. The table is printed and kept in WORK/results-<date>.md.
# --explain then prints the query plans of the pages (benches/explain.py).
#
# Needs: cargo, wrk, curl, sqlite3 and/or psql. Bounded in time: about 12 runs × --duration per
# backend, plus data generation the first time (16 s SQLite, 50 s PostgreSQL on 2 cores).
set -euo pipefail

BACKENDS="both"
DURATION="20s"
SESSIONS=50
THINK="0 1000"
EXPORTS=1
WORK="${TMPDIR:-/tmp}/tsunagi-load"
PG_URL="postgres://postgres@127.0.0.1:5432/tsunagi_load"
PORT=18090
EXPLAIN=0
while [ $# -gt 0 ]; do
  case "$1" in
    --backend) BACKENDS="$2"; shift 2 ;;
    --duration) DURATION="$2"; shift 2 ;;
    --sessions) SESSIONS="$2"; shift 2 ;;
    --think) THINK="$2"; shift 2 ;;
    --exports) EXPORTS="$2"; shift 2 ;;
    --work) WORK="$2"; shift 2 ;;
    --pg-url) PG_URL="$2"; shift 2 ;;
    --port) PORT="$2"; shift 2 ;;
    --explain) EXPLAIN=1; shift ;;
    -h|--help) sed -n '2,31p' "$0"; exit 0 ;;
    *) echo "unknown option $1 (see --help)" >&2; exit 2 ;;
  esac
done
[ "$BACKENDS" = both ] && BACKENDS="sqlite postgres"
for tool in wrk curl; do
  command -v "$tool" >/dev/null || { echo "$tool is needed (apt-get install -y $tool)" >&2; exit 1; }
done

HERE="$(cd "$(dirname "$0")" && pwd)"
REPO="$(cd "$HERE/.." && pwd)"
mkdir -p "$WORK"
BASE="http://127.0.0.1:$PORT"
MONTH="$(TZ=Asia/Tokyo date +%Y%m)"
PASSWORD="tsunagi-demo"

echo "building the release binary …"
(cd "$REPO" && cargo build --release --bin tsunagi 2>&1 | tail -1)
TARGET="$(cd "$REPO" && cargo metadata --format-version 1 --no-deps |
  python3 -c 'import json,sys; print(json.load(sys.stdin)["target_directory"])')"
BIN="$TARGET/release/tsunagi"

EXPORTER=""
stop_exporter() {
  if [ -n "$EXPORTER" ]; then
    kill "$EXPORTER" 2>/dev/null || true
    pkill -P "$EXPORTER" 2>/dev/null || true
    wait "$EXPORTER" 2>/dev/null || true
    EXPORTER=""
  fi
}

SERVER_PID=""
stop_server() {
  if [ -n "$SERVER_PID" ]; then
    kill -INT "$SERVER_PID" 2>/dev/null || true
    for _ in $(seq 50); do kill -0 "$SERVER_PID" 2>/dev/null || break; sleep 0.2; done
    kill -9 "$SERVER_PID" 2>/dev/null || true
    wait "$SERVER_PID" 2>/dev/null || true
    SERVER_PID=""
  fi
}
trap 'stop_exporter; stop_server' EXIT

start_server() { # URL LOG
  "$BIN" serve --database-url "$1" --bind "127.0.0.1:$PORT" >>"$2" 2>&1 &
  SERVER_PID=$!
  for _ in $(seq 100); do
    curl -sf "$BASE/healthz" >/dev/null 2>&1 && return 0
    sleep 0.2
  done
  echo "the server did not start; see $2" >&2
  exit 1
}

# A query on the database, for counting jobs (sqlite3 or psql command-line tools).
dbq() { # URL SQL
  case "$1" in
    postgres*) psql "$1" -X -q -A -t -c "$2" ;;
    *) sqlite3 "${1#sqlite://}" "$2" ;;
  esac
}

# How idle the machine was over 3 s (100 = nothing else running; other programs, e.g. builds,
# show here, unlike the load average, which still counts the previous run for a minute).
idle_percent() {
  local a b
  a=($(head -1 /proc/stat))
  sleep 3
  b=($(head -1 /proc/stat))
  local total=0 i
  for i in 1 2 3 4 5 6 7 8; do total=$((total + b[i] - a[i])); done
  echo $(((b[4] - a[4] + b[5] - a[5]) * 100 / (total > 0 ? total : 1)))
}

# Logs in through the form (CSRF double-submit cookie); leaves the cookies in JAR.
login() { # LOGIN JAR
  local token
  token="$(curl -s -c "$2" -b "$2" "$BASE/login" |
    grep -o 'name="csrf_token" value="[^"]*"' | head -1 | sed 's/.*value="//; s/"$//')"
  curl -s -o /dev/null -w '%{http_code}' -c "$2" -b "$2" -H "Origin: $BASE" \
    --data-urlencode "csrf_token=$token" --data-urlencode "login_id=$1" \
    --data-urlencode "password=$PASSWORD" --data-urlencode "next=/" "$BASE/login"
}

# Queues one 利用票 export of every recipient of the session's 居宅, through the export screen.
queue_export() { # JAR
  local token confirm sel dest
  token="$(curl -s -b "$1" "$BASE/careplan/export" |
    grep -o 'name="csrf_token" value="[^"]*"' | head -1 | sed 's/.*value="//; s/"$//')"
  confirm="$(curl -s -b "$1" -H "Origin: $BASE" --data-urlencode "csrf_token=$token" \
    -d "data=plan&delete=0&month=$MONTH&all=1" "$BASE/careplan/export/confirm")"
  # Values are OFFICE:RECIPIENT and OFFICE/NUMBER:TYPE (the office choice may be 全ての事業所).
  sel="$({ grep -o 'name="sel" value="[^"]*"' <<<"$confirm" || true; } | sed 's/.*value="/sel=/; s/"$//' | paste -sd '&')"
  dest="$({ grep -o 'name="dest" value="[^"]*"' <<<"$confirm" || true; } | sed 's/.*value="/dest=/; s/"$//' | paste -sd '&')"
  if [ -z "$sel" ] || [ -z "$dest" ]; then
    echo "could not prepare an export (no recipients or destinations)" >&2
    return 1
  fi
  curl -s -o /dev/null -b "$1" -H "Origin: $BASE" --data-urlencode "csrf_token=$token" \
    -d "data=plan&delete=0&month=$MONTH&split=0&spec=partner&$sel&$dest" "$BASE/careplan/export/run"
}

# Keeps EXPORTS export jobs queued or running.
top_up_exports() { # URL
  local unfinished i=0
  unfinished="$(dbq "$1" "SELECT COUNT(*) FROM jobs WHERE kind = 'careplan_export' AND status IN ('queued', 'running')")"
  while [ "$unfinished" -lt "$EXPORTS" ]; do
    queue_export "$WORK/jar-care-$((i % 10 + 1))"
    unfinished=$((unfinished + 1))
    i=$((i + 1))
  done
}

RESULTS="$WORK/results-$(date +%Y%m%d-%H%M%S).md"
{
  echo "| backend | think ms | pages | req/s | p50 ms | p99 ms | max ms | errors | non-200 | peak MB | peak private MB | exports done | locked | idle before | load before |"
  echo "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|"
} >"$RESULTS"

for backend in $BACKENDS; do
  case "$backend" in
    sqlite) URL="sqlite://$WORK/load.sqlite3" ;;
    postgres)
      URL="$PG_URL"
      if ! psql "$URL" -X -q -c 'SELECT 1' >/dev/null 2>&1; then
        psql "${URL%/*}/postgres" -X -q -c "CREATE DATABASE ${URL##*/}"
      fi
      ;;
    *) echo "unknown backend $backend" >&2; exit 2 ;;
  esac
  LOG="$WORK/serve-$backend.log"
  : >"$LOG"
  echo "== $backend: data"
  if ! out="$("$BIN" admin --database-url "$URL" demo-volume 2>&1)"; then
    grep -q "already loaded" <<<"$out" || { echo "$out" >&2; exit 1; }
    echo "the volume is already there"
  else
    tail -2 <<<"$out"
  fi
  [ "$backend" = postgres ] && psql "$URL" -X -q -c "VACUUM ANALYZE" >/dev/null

  echo "== $backend: $SESSIONS sessions"
  start_server "$URL" "$LOG"
  SESSION_FILE="$WORK/sessions-$backend.tsv"
  : >"$SESSION_FILE"
  n=0
  for office in $(seq 1 20); do
    for s in 1 2 3; do
      [ "$n" -ge "$SESSIONS" ] && break 2
      login_id="$(printf 'vol%02d-%d' "$office" "$s")"
      jar="$WORK/jar-$backend-$login_id"
      rm -f "$jar"
      code="$(login "$login_id" "$jar")"
      [ "$code" = 303 ] || { echo "login of $login_id failed ($code)" >&2; exit 1; }
      grid="$(curl -s -b "$jar" "$BASE/schedules?month=$MONTH" |
        grep -o "href=\"/schedules/[0-9]*/$MONTH\"" | head -1 | sed 's/href="//; s/"$//')"
      cookie="$(awk '$6 == "tsunagi_session" { print $7 }' "$jar")"
      printf '%s\t%s\t%s\n' "$cookie" "$grid" "$login_id" >>"$SESSION_FILE"
      # The first staff of each 居宅 (offices 1–10) queues the exports.
      [ "$s" = 1 ] && [ "$office" -le 10 ] && cp "$jar" "$WORK/jar-care-$office"
      n=$((n + 1))
    done
  done
  stop_server

  for think in $THINK; do
    for pages in healthz recipients grid jobs mix; do
      PAGE_FILE="$WORK/pages-$backend-$pages.tsv"
      while IFS=$'\t' read -r cookie grid _login; do
        case "$pages" in
          healthz) printf '%s\t/healthz\n' "$cookie" ;;
          recipients) printf '%s\t/recipients\n' "$cookie" ;;
          grid) printf '%s\t%s\n' "$cookie" "$grid" ;;
          jobs) printf '%s\t/jobs\n' "$cookie" ;;
          mix) printf '%s\t/recipients\t%s\t/jobs\n' "$cookie" "$grid" ;;
        esac
      done <"$SESSION_FILE" >"$PAGE_FILE"
      idle="$(idle_percent)"
      load="$(cut -d' ' -f1 /proc/loadavg)"
      start_server "$URL" "$LOG"
      started="$(date -u '+%Y-%m-%d %H:%M:%S')"
      if [ "$pages" != healthz ] && [ "$EXPORTS" -gt 0 ]; then
        top_up_exports "$URL"
        (while true; do top_up_exports "$URL"; sleep 0.5; done) &
        EXPORTER=$!
      fi
      locked_before="$(grep -c 'database is locked' "$LOG" || true)"
      echo "== $backend, think $think ms, $pages (load average $load, machine idle $idle % before the run)"
      # The peak of the server's private memory (RssAnon), sampled every 0.2 s: VmHWM also
      # counts the SQLite database file's pages that each connection maps (PRAGMA mmap_size),
      # once per connection, although they are the kernel's page cache, shared and reclaimable.
      ANON_FILE="$WORK/anon-peak"
      (peak=0; while kill -0 "$SERVER_PID" 2>/dev/null; do
        kb="$(awk '/^RssAnon/ { print $2 }' "/proc/$SERVER_PID/status" 2>/dev/null || echo 0)"
        [ "${kb:-0}" -gt "$peak" ] && { peak=$kb; echo "$peak" >"$ANON_FILE"; }
        sleep 0.2
      done) &
      SAMPLER=$!
      out="$(LOAD_SESSIONS="$PAGE_FILE" LOAD_THINK_MS="$think" \
        wrk -t2 -c"$SESSIONS" -d"$DURATION" --timeout 10s -s "$HERE/load.lua" "$BASE/")"
      stop_exporter
      result="$(grep '^RESULT' <<<"$out" | tail -1)"
      peak_kb="$(awk '/^VmHWM/ { print $2 }' "/proc/$SERVER_PID/status")"
      kill "$SAMPLER" 2>/dev/null || true
      wait "$SAMPLER" 2>/dev/null || true
      anon_kb="$(cat "$ANON_FILE" 2>/dev/null || echo 0)"
      rm -f "$ANON_FILE"
      exports="$(dbq "$URL" "SELECT COUNT(*) FROM jobs WHERE kind = 'careplan_export' AND status = 'done' AND finished_at >= '$started'")"
      stop_server
      locked=$(($(grep -c 'database is locked' "$LOG" || true) - locked_before))
      IFS=$'\t' read -r _ requests rps p50 p99 max errors not_ok <<<"$result"
      echo "   $requests requests, $rps/s, p50 $p50 ms, p99 $p99 ms, max $max ms, errors $errors, non-200 $not_ok, peak $((peak_kb / 1024)) MB (private $((anon_kb / 1024)) MB), exports done $exports, locked $locked"
      echo "| $backend | $think | $pages | $rps | $p50 | $p99 | $max | $errors | $not_ok | $((peak_kb / 1024)) | $((anon_kb / 1024)) | $exports | $locked | $idle % | $load |" >>"$RESULTS"
    done
  done

  if [ "$EXPLAIN" = 1 ]; then
    echo "== $backend: query plans of the pages"
    : >"$WORK/sql-$backend.log"
    RUST_LOG=info,tsunagi::db::sql=trace "$BIN" serve --database-url "$URL" \
      --bind "127.0.0.1:$PORT" >>"$WORK/sql-$backend.log" 2>&1 &
    SERVER_PID=$!
    for _ in $(seq 100); do curl -sf "$BASE/healthz" >/dev/null 2>&1 && break; sleep 0.2; done
    while IFS=$'\t' read -r cookie grid _login; do
      for p in /recipients "/recipients?page=30" "/schedules?month=$MONTH" "$grid" /jobs; do
        curl -s -o /dev/null -H "Cookie: tsunagi_session=$cookie" "$BASE$p"
      done
    done < <(head -n 12 "$SESSION_FILE")
    stop_server
    python3 "$HERE/explain.py" --log "$WORK/sql-$backend.log" --database-url "$URL" |
      tee "$WORK/explain-$backend.txt" | tail -n 12
  fi
done

echo
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $(free -g | awk '/^Mem/ { print $2 }') GB; wrk -t2 -c$SESSIONS -d$DURATION"
cat "$RESULTS"
echo "(kept in $RESULTS)"
