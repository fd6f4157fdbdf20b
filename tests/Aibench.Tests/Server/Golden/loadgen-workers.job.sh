#!/bin/bash -l
#SBATCH --job-name=aibench-loadgen-0192f3a45b6c7d8e9f0123456789abcd
#SBATCH --nodes=4
#SBATCH --ntasks=8
#SBATCH --ntasks-per-node=2
#SBATCH --time=13
#SBATCH --partition=cpu
#SBATCH --account=p200000
#SBATCH --output=/project/scratch/p200000/aibench/runs/loadgen-0192f3a4-5b6c-7d8e-9f01-23456789abcd/slurm-%j.out
#SBATCH --error=/project/scratch/p200000/aibench/runs/loadgen-0192f3a4-5b6c-7d8e-9f01-23456789abcd/slurm-%j.err
# Rendered by aibench: load-generator workers of benchmark 0192f3a4-5b6c-7d8e-9f01-23456789abcd.
set -euo pipefail
source '/project/scratch/p200000/aibench/runs/loadgen-0192f3a4-5b6c-7d8e-9f01-23456789abcd/env.sh'
srun --ntasks=8 --ntasks-per-node=2 --kill-on-bad-exit=0 --output='/project/scratch/p200000/aibench/runs/loadgen-0192f3a4-5b6c-7d8e-9f01-23456789abcd/task-%t.out' --error='/project/scratch/p200000/aibench/runs/loadgen-0192f3a4-5b6c-7d8e-9f01-23456789abcd/task-%t.err' bash '/project/scratch/p200000/aibench/runs/loadgen-0192f3a4-5b6c-7d8e-9f01-23456789abcd/task.sh'
