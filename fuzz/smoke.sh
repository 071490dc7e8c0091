#!/usr/bin/env bash
# Builds every fuzz target and runs each for FUZZ_SECONDS (default 20); fails on any crash.
set -euo pipefail
cd "$(dirname "$0")"
if ! rustup toolchain list | grep -q '^nightly'; then
  echo "error: the nightly toolchain is needed for cargo-fuzz (rustup toolchain install nightly)" >&2
  exit 1
fi
if ! cargo +nightly fuzz --version >/dev/null 2>&1; then
  echo "installing cargo-fuzz"
  cargo install cargo-fuzz --locked
fi
bash seed.sh
seconds="${FUZZ_SECONDS:-20}"
mkdir -p logs
for target in payload_decode presentation_decode verify_full status_list_decode bundle_parse; do
  echo "==> fuzz $target for ${seconds}s"
  log="logs/$target.log"
  if ! cargo +nightly fuzz run "$target" -- -max_total_time="$seconds" -rss_limit_mb=2048 -max_len=16384 \
      -print_final_stats=1 >"$log" 2>&1; then
    tail -60 "$log" >&2
    echo "error: fuzz target $target failed; inputs in fuzz/artifacts/$target" >&2
    exit 1
  fi
  grep -E '^stat::(number_of_executed_units|peak_rss_mb)' "$log" || true
done
echo "fuzz smoke: no crashes"
