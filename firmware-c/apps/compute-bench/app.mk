CC2538_APPS += compute-bench
compute-bench_SRCS = apps/compute-bench/compute-bench.c $(CC2538_BASE_SRCS)
