UNIT_TESTS += test-kernel test-fmt test-kernel-lib
test-kernel_SRCS = tests/unit/test-kernel.c $(NATIVE_BASE_SRCS)
test-fmt_SRCS = tests/unit/test-fmt.c $(NATIVE_BASE_SRCS)
test-kernel-lib_SRCS = tests/unit/test-kernel-lib.c $(NATIVE_BASE_SRCS)
# the CC2538 images' small memcpy & co. (os/lib/mem-small.c, included under other names)
UNIT_TESTS += test-mem-small
test-mem-small_SRCS = tests/unit/test-mem-small.c
