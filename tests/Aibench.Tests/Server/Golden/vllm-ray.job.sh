#!/bin/bash -l
#SBATCH --job-name=aibench-vllm-ray-0192f3a45b6c7d8e9f0123456789abcd
#SBATCH --nodes=2
#SBATCH --ntasks=2
#SBATCH --ntasks-per-node=1
#SBATCH --cpus-per-task=32
#SBATCH --gpus-per-node=4
#SBATCH --time=02:00:00
#SBATCH --partition=gpu
#SBATCH --account=p200000
#SBATCH --qos=default
#SBATCH --output=/project/scratch/p200000/aibench/runs/0192f3a4-5b6c-7d8e-9f01-23456789abcd/slurm-%j.out
#SBATCH --error=/project/scratch/p200000/aibench/runs/0192f3a4-5b6c-7d8e-9f01-23456789abcd/slurm-%j.err
# Rendered by aibench from recipe 'vllm-ray' for service 0192f3a4-5b6c-7d8e-9f01-23456789abcd.
set -euo pipefail
source '/project/scratch/p200000/aibench/runs/0192f3a4-5b6c-7d8e-9f01-23456789abcd/env.sh'
module load 'env/release/2024.1'
module load 'Apptainer/1.3.6-GCCcore-13.3.0'
srun --ntasks=2 --ntasks-per-node=1 --kill-on-bad-exit=1 --output='/project/scratch/p200000/aibench/runs/0192f3a4-5b6c-7d8e-9f01-23456789abcd/task-%t.out' --error='/project/scratch/p200000/aibench/runs/0192f3a4-5b6c-7d8e-9f01-23456789abcd/task-%t.err' bash '/project/scratch/p200000/aibench/runs/0192f3a4-5b6c-7d8e-9f01-23456789abcd/task.sh'
