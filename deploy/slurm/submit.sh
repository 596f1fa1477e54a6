#!/bin/bash
# Submits a national study to Slurm: an array of SHARDS tasks (rank-array.sbatch, one shard
# each) and the merge (merge.sbatch), which starts only once every task has succeeded.
#
#   deploy/slurm/submit.sh SHARDS SITES [WORK]
#
# SITES is the site folder as every task will name it (relative to WORK, or absolute), WORK
# the study folder on a shared file system (default: the current folder). DCPLAN, DCPLAN_ARGS,
# RANK_ARGS and SBATCH_ARGS (extra sbatch options for both jobs, e.g. "--partition=cpu")
# are passed through. Prints the two job ids.
set -euo pipefail
if [ $# -lt 2 ]; then
    echo "usage: $0 SHARDS SITES [WORK]" >&2
    exit 2
fi
SHARDS=$1 SITES=$2 WORK=${3:-$PWD}
case $SHARDS in '' | *[!0-9]* | 0) echo "$0: SHARDS must be a positive integer, found '$SHARDS'" >&2; exit 2 ;; esac
here=$(cd "$(dirname "$0")" && pwd)
export SHARDS SITES WORK DCPLAN="${DCPLAN:-dcplan}" DCPLAN_ARGS="${DCPLAN_ARGS:---backend cpu}" RANK_ARGS="${RANK_ARGS:-}"
# shellcheck disable=SC2086
array=$(sbatch --parsable --export=ALL --chdir="$WORK" --array="0-$((SHARDS - 1))" ${SBATCH_ARGS:-} "$here/rank-array.sbatch")
array=${array%%;*}
# shellcheck disable=SC2086
merge=$(sbatch --parsable --export=ALL --chdir="$WORK" --dependency="afterok:$array" --kill-on-invalid-dep=yes ${SBATCH_ARGS:-} "$here/merge.sbatch")
echo "array $array merge ${merge%%;*}"
