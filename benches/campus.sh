#!/usr/bin/env bash
# Times `dcplan rank sites/` with each shipped facility (the 20 MW air hall, the 100 MW liquid
# campus, the 1 GW build-out) on the CPU backend and, when an adapter is present, on the GPU
# backend; prints one line per run with wall seconds and peak resident memory.
# Usage: benches/campus.sh [RUNS] (default 3). Run on a quiet machine.
set -euo pipefail
cd "$(dirname "$0")/.."
runs="${1:-3}"
bin=target/release/dcplan
[ -x "$bin" ] || cargo build --release
out="$(mktemp -d)"
trap 'rm -rf "$out"' EXIT
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs); load $(cut -d' ' -f1-3 /proc/loadavg)"
echo "dcplan $("$bin" --version 2>/dev/null || echo '?') at $(git rev-parse --short HEAD 2>/dev/null || echo '?')"
backends=(cpu)
"$bin" adapters >/dev/null 2>&1 && backends+=(gpu)
for backend in "${backends[@]}"; do
    for facility in ai-hall-20mw ai-campus-100mw ai-campus-1gw; do
        for run in $(seq "$runs"); do
            /usr/bin/time -f "%e %M" -o "$out/time" "$bin" -q --backend "$backend" rank sites/ \
                --facility "sites/facilities/$facility.json" --out "$out/r" --format csv \
                >/dev/null 2>"$out/err" || [ $? -eq 3 ]
            read -r wall rss <"$out/time"
            echo "$backend $facility run $run: ${wall} s, peak ${rss} kB"
        done
    done
done
