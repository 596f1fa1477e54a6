#!/usr/bin/env bash
# The national parcel study end to end (BENCHMARKS.md, "National parcel study"): `dcplan parcels`
# on a quarter, a half and all of sites-national/parcels-10km.geojson (every 4th, every 2nd,
# every feature, so each subset spans the country), then `rank --shard 0/1` of the quarter and
# the half and the full study as 7 shards run one after another plus `merge`. Prints one line
# per run with wall seconds and peak resident memory (/usr/bin/time).
# Usage: benches/national.sh [WORK] (default: a temporary folder). CPU backend.
set -euo pipefail
cd "$(dirname "$0")/.."
bin="${DCPLAN_BIN:-target/release/dcplan}"
[ -x "$bin" ] || cargo build --release
work="${1:-$(mktemp -d)}"
mkdir -p "$work"
shards=7
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs); load $(cut -d' ' -f1-3 /proc/loadavg)"
echo "dcplan $("$bin" --version 2>/dev/null || echo '?') at $(git rev-parse --short HEAD 2>/dev/null || echo '?'); $(date -u +%FT%TZ)"

python3 - "$work" <<'EOF'
import json, sys
doc = json.load(open("sites-national/parcels-10km.geojson", encoding="utf-8"))
for name, step in (("quarter", 4), ("half", 2), ("all", 1)):
    part = dict(doc, features=doc["features"][::step])
    json.dump(part, open(f"{sys.argv[1]}/{name}.geojson", "w", encoding="utf-8"), ensure_ascii=False)
EOF

timed() { # label, command...: runs it and prints wall s and peak kB
    local label="$1"
    shift
    /usr/bin/time -f "%e %M" -o "$work/time" "$@" >/dev/null 2>"$work/err" || {
        rc=$?
        [ "$rc" -eq 3 ] || { cat "$work/err" >&2; exit "$rc"; }
    }
    read -r wall rss <"$work/time"
    echo "$label: ${wall} s, peak ${rss} kB; load $(cut -d' ' -f1 /proc/loadavg)"
}

for name in quarter half all; do
    n=$(python3 -c "import json,sys; print(len(json.load(open(sys.argv[1]))['features']))" "$work/$name.geojson")
    rm -rf "$work/sites-$name"
    timed "parcels $name ($n parcels)" "$bin" -q parcels "$work/$name.geojson" --out "$work/sites-$name"
done
for name in quarter half; do
    rm -rf "$work/part-$name"
    timed "rank --shard 0/1 $name" "$bin" -q --backend cpu rank "$work/sites-$name" --shard 0/1 --out "$work/part-$name"
done
parts=()
for i in $(seq 0 $((shards - 1))); do
    rm -rf "$work/part-all-$i"
    timed "rank --shard $i/$shards all" "$bin" -q --backend cpu rank "$work/sites-all" --shard "$i/$shards" --out "$work/part-all-$i"
    parts+=("$work/part-all-$i")
done
rm -rf "$work/report-all"
timed "merge $shards parts" "$bin" -q merge "${parts[@]}" --out "$work/report-all"
