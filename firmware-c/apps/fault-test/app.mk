CC2538_APPS += fault-test
fault-test_SRCS = apps/fault-test/fault-test.c $(CC2538_BASE_SRCS)
