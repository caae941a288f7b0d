CC2538_APPS += flash-test
flash-test_SRCS = apps/flash-test/flash-test.c $(CC2538_BASE_SRCS)
