#!/usr/bin/env bash
# Builds the request-parser fuzz target with clang's libFuzzer (ASan + UBSan) and runs it for
# SECONDS (default 20) from the seed corpus. CI runs it briefly (ctest -L serve, serve.fuzz);
# bench/serve/run_fuzz_long.sh runs it for longer. Usage: run_fuzz.sh [SECONDS] [WORKDIR]
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../../.." && pwd)
seconds=${1:-20}
work=${2:-$(mktemp -d /tmp/slipway-fuzz-XXXXXX)}
mkdir -p "$work/corpus"
cp -n "$here"/corpus/* "$work/corpus/" 2>/dev/null || true
command -v clang++ >/dev/null || { echo "run_fuzz.sh: clang++ not found (Debian package clang)" >&2; exit 1; }

binary="$work/request_parsers_fuzzer"
sources=("$here/request_parsers_fuzzer.cc" "$root/serve/http/request_parser.cc")
for file in json_error json_number_parse json_numbers json_reader json_text predict_request infer_body infer_request route; do
  sources+=("$root/serve/protocol/$file.cc")
done
if [[ ! -x "$binary" || -n "$(find "${sources[@]}" "$root"/serve/protocol/*.h "$root"/serve/http/request_parser.h -newer "$binary")" ]]; then
  echo "run_fuzz.sh: building $binary" >&2
  clang++ -std=c++20 -O1 -g -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined \
    -I"$root" "${sources[@]}" -o "$binary"
fi
echo "run_fuzz.sh: fuzzing for ${seconds} s (corpus $work/corpus)" >&2
cd "$work"
"$binary" -max_total_time="$seconds" -max_len=4096 -timeout=5 -rss_limit_mb=2048 \
  -print_final_stats=1 "$work/corpus"
