# hello: banner, 1 Hz LED blink, UART echo. `make FIRMWARE_VERSION=2.0.0 BUILD=build/v2` builds
# another version (objects do not track -D changes: use a separate BUILD directory).
FIRMWARE_VERSION ?= 1.0.0
CC2538_APPS += hello
hello_SRCS = apps/hello/hello.c $(CC2538_BASE_SRCS)
hello_CFLAGS = -DFIRMWARE_VERSION='"$(FIRMWARE_VERSION)"'
# The same app on the native port (kernel main loop, stdin/stdout console):
# build/native/hello-native.
NATIVE_PROGS += hello-native
hello-native_SRCS = apps/hello/hello.c $(NATIVE_BASE_SRCS) $(KERNEL_MAIN_SRCS)
hello-native_CFLAGS = -DFIRMWARE_VERSION='"$(FIRMWARE_VERSION)"'
