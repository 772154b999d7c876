#!/usr/bin/env bash
# Runs every importer's fuzz target (cargo fuzz, nightly toolchain) for SECONDS each, starting
# from the seeds in fuzz/seeds/<target>/ (the import templates), and prints the executions each
# reached. A run fails on a crash, and on any process growing past 300 MB or any single
# allocation past it (-rss_limit_mb; no sanitizer, so the figure is the program's own).
# Usage: tools/fuzz.sh [SECONDS] [TARGET...]   Needs: cargo install cargo-fuzz
set -euo pipefail
cd "$(dirname "$0")/../fuzz"
seconds="${1:-60}"
shift || true
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(import_units import_agents import_reports import_institutions import_instrument import_aggregate import_xlsx_structure)
for t in "${targets[@]}"; do
  mkdir -p "corpus/$t"
  cargo +nightly fuzz build -O -s none "$t" >/dev/null 2>&1 || cargo +nightly fuzz build -O -s none "$t"
  log="$(mktemp)"
  mkdir -p "seeds/$t"
  if cargo +nightly fuzz run -O -s none "$t" "corpus/$t" "seeds/$t" -- \
      -max_total_time="$seconds" -max_len=65536 -rss_limit_mb=300 -print_final_stats=1 >"$log" 2>&1; then
    echo "$t: $(grep -m1 'stat::number_of_executed_units' "$log" | awk '{print $2}') executions in ${seconds} s, no crash"
  else
    tail -40 "$log"
    echo "$t: FAILED (artifact in fuzz/artifacts/$t/)"
    exit 1
  fi
  rm -f "$log"
done
