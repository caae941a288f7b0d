UNIT_TESTS += test-kernel test-fmt test-kernel-lib
test-kernel_SRCS = tests/unit/test-kernel.c $(NATIVE_BASE_SRCS)
test-fmt_SRCS = tests/unit/test-fmt.c $(NATIVE_BASE_SRCS)
test-kernel-lib_SRCS = tests/unit/test-kernel-lib.c $(NATIVE_BASE_SRCS)
