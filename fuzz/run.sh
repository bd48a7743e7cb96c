#!/usr/bin/env bash
# Runs every fuzz target (or the ones named) for SECONDS each and prints,
# per target, the executions and the crashes found.
#
#   fuzz/run.sh [SECONDS] [TARGET...]     # SECONDS defaults to 600
#
# Installs cargo-fuzz if missing, writes the seed corpora (seeds/), builds
# the targets on the stable toolchain (`--sanitizer none`: no nightly), then
# fuzzes each into corpus/<target>/ (kept between runs). Crash inputs land
# in artifacts/<target>/; README.md says how one becomes a regression test.
# Exits 1 if any target crashed.
#
# Environment:
#   CARGO_TARGET_DIR          build directory (default: fuzz/target)
#   FUZZ_KEEP_GOING=1         keep fuzzing a target after a crash (libFuzzer
#                             fork mode), for long campaigns
#   FUZZ_TIMEOUT              seconds one input may take (default 10)
#   FUZZ_RSS_LIMIT_MB         memory limit of the fuzzing process (default 2048)
#   ABILAB_FUZZ_ALLOC_CAP_MB  largest single allocation (default 128; see README)
#   FUZZ_ARGS                 more libFuzzer flags, e.g. "-jobs=2 -workers=2"
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cd "$here"

secs="${1:-600}"
if [ $# -gt 0 ]; then shift; fi
all=(trace codec_bytemuck codec_bincode codec_protobuf codec_postcard codec_rkyv)
if [ $# -gt 0 ]; then targets=("$@"); else targets=("${all[@]}"); fi
case "$secs" in
  ''|*[!0-9]*) echo "usage: $0 [SECONDS] [TARGET...]" >&2; exit 2 ;;
esac

export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$here/target}"

if ! cargo fuzz --version >/dev/null 2>&1; then
  echo "== installing cargo-fuzz (crates.io)"
  cargo install cargo-fuzz --version '^0.13' --locked
fi

echo "== seeds"
cargo run --quiet --example seed -- "$here/seeds"

echo "== build (stable toolchain, no sanitizer)"
cargo fuzz build --sanitizer none --fuzz-dir "$here"

mkdir -p logs
flags=(
  "-max_total_time=$secs"
  "-timeout=${FUZZ_TIMEOUT:-10}"
  "-rss_limit_mb=${FUZZ_RSS_LIMIT_MB:-2048}"
  "-max_len=8192"
  "-print_final_stats=1"
)
if [ "${FUZZ_KEEP_GOING:-0}" = 1 ]; then
  flags+=("-fork=1" "-ignore_crashes=1" "-ignore_timeouts=1" "-ignore_ooms=1")
fi
# shellcheck disable=SC2206
extra=(${FUZZ_ARGS:-})

summary=()
failed=0
for t in "${targets[@]}"; do
  mkdir -p "corpus/$t" "artifacts/$t"
  before=$(ls "artifacts/$t" | wc -l)
  tflags=("${flags[@]}")
  [ "$t" = trace ] && tflags+=("-dict=$here/trace.dict")
  echo "== $t: ${secs}s"
  rc=0
  cargo fuzz run --sanitizer none --fuzz-dir "$here" "$t" "corpus/$t" "seeds/$t" -- \
    "${tflags[@]}" "${extra[@]}" >"logs/$t.log" 2>&1 || rc=$?
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "logs/$t.log" | tail -n1)
  if [ -z "$execs" ]; then
    # Fork mode, or a run stopped by a crash: the last status line.
    execs=$(grep -oE '^#[0-9]+' "logs/$t.log" | tail -n1 | tr -d '#')
  fi
  after=$(ls "artifacts/$t" | wc -l)
  new=$((after - before))
  corpus=$(ls "corpus/$t" | wc -l)
  summary+=("$(printf '%-16s %12s %8s %8s' "$t" "${execs:-?}" "$corpus" "$new")")
  if [ "$new" -gt 0 ] || [ "$rc" -ne 0 ]; then
    failed=1
    echo "   CRASH (exit $rc); log: $here/logs/$t.log"
    grep -m1 -A4 -E "panicked at|==abilab-fuzz==|ERROR: libFuzzer" "logs/$t.log" | sed 's/^/   | /' || true
    ls -t "artifacts/$t" | head -n "$((new > 0 ? new : 1))" | sed "s|^|   input: $here/artifacts/$t/|"
  fi
done

echo
printf '%-16s %12s %8s %8s\n' target executions corpus crashes
printf '%s\n' "${summary[@]}"
exit "$failed"
