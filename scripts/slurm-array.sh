#!/bin/bash
# The Slurm job array of docs/cluster.md: one shard of the matrix per array
# task, merged afterwards with `harness merge`. Submit with
#   sbatch scripts/slurm-array.sh
# (more shards: --array=0-7 on the command line). HARNESS, OUT and the
# matrix's arguments (MATRIX_ARGS) can be set in the environment; sbatch
# passes it on.
#SBATCH --job-name=abilab
#SBATCH --array=0-3                 # 4 shards
#SBATCH --nodes=1
#SBATCH --exclusive                 # nothing else on the node while it measures
#SBATCH --cpus-per-task=2
#SBATCH --time=04:00:00
#SBATCH --output=abilab-%A-%a.log
set -euo pipefail
# Built once on the login node:
#   cargo build --release -p harness --features all-backends
HARNESS=${HARNESS:-$HOME/abilab/target/release/harness}
OUT=${OUT:-$HOME/abilab/results/$SLURM_ARRAY_JOB_ID}
mkdir -p "$OUT"
# shellcheck disable=SC2086 # MATRIX_ARGS is a list of arguments.
"$HARNESS" matrix ${MATRIX_ARGS:---scenario micro --runtime all --abi all} \
    --shard auto --quiet --no-report --out "$OUT/shard-$SLURM_ARRAY_TASK_ID"
