# Values of this worker job, as data. Sourced by job.sh and task.sh.
export AIBENCH_BENCHMARK_ID='0192f3a4-5b6c-7d8e-9f01-23456789abcd'
export AIBENCH_RUN_DIR='/project/scratch/p200000/aibench/runs/loadgen-0192f3a4-5b6c-7d8e-9f01-23456789abcd'
export AIBENCH_TASKS='8'
export AIBENCH_BIN='/project/home/u100000/bin/aibench'
