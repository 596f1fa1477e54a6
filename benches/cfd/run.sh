#!/usr/bin/env bash
# Reruns the CFD verification: writes, meshes, solves and post-processes each hall, one solver
# process at a time, at low priority. Cases go to benches/cfd/cases/ (not committed); results
# to benches/cfd/results/<case>.json (committed).
#   benches/cfd/run.sh [CELL_M] [CASE...]      e.g. benches/cfd/run.sh 0.15 open-100
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
cell="${1:-0.15}"; shift || true
cases=("$@"); [ ${#cases[@]} -gt 0 ] || cases=(open-100 open-080 doors-100)
# the Debian package puts the executables in /usr/bin; they find etc/ through WM_PROJECT_DIR
export WM_PROJECT_DIR="${WM_PROJECT_DIR:-/usr/share/openfoam}"
command -v buoyantBoussinesqSimpleFoam >/dev/null || { echo "OpenFOAM not found: apt-get install openfoam" >&2; exit 2; }
python3 "$here/halls.py" >/dev/null
for c in "${cases[@]}"; do
    dir="$here/cases/$c-$cell"
    suffix=""; [ "$cell" = "0.15" ] || suffix="-$cell"
    rm -rf "$dir"
    python3 "$here/foam.py" write "$here/halls/$c.json" "$dir" --cell "$cell"
    python3 "$here/foam.py" run "$dir"
    python3 "$here/foam.py" post "$dir" "$here/halls/$c.json" "$here/results/$c$suffix.json"
done
