#!/bin/bash -l
#SBATCH --job-name=aibench-vllm-sim-0192f3a45b6c7d8e9f0123456789abcd
#SBATCH --nodes=1
#SBATCH --ntasks=1
#SBATCH --ntasks-per-node=1
#SBATCH --cpus-per-task=1
#SBATCH --time=02:00:00
#SBATCH --account=p200000
#SBATCH --output=/project/scratch/p200000/aibench/runs/0192f3a4-5b6c-7d8e-9f01-23456789abcd/slurm-%j.out
#SBATCH --error=/project/scratch/p200000/aibench/runs/0192f3a4-5b6c-7d8e-9f01-23456789abcd/slurm-%j.err
# Rendered by aibench from recipe 'vllm-sim' for service 0192f3a4-5b6c-7d8e-9f01-23456789abcd.
set -euo pipefail
source '/project/scratch/p200000/aibench/runs/0192f3a4-5b6c-7d8e-9f01-23456789abcd/env.sh'
srun --ntasks=1 --ntasks-per-node=1 --kill-on-bad-exit=1 --output='/project/scratch/p200000/aibench/runs/0192f3a4-5b6c-7d8e-9f01-23456789abcd/task-%t.out' --error='/project/scratch/p200000/aibench/runs/0192f3a4-5b6c-7d8e-9f01-23456789abcd/task-%t.err' bash '/project/scratch/p200000/aibench/runs/0192f3a4-5b6c-7d8e-9f01-23456789abcd/task.sh'
