# Portable libraries (os/lib) and device-independent driver layers (os/dev).
LIB_SRCS := os/lib/fmt.c os/lib/random.c os/lib/ringbuf.c os/lib/crc16.c os/lib/log.c \
  os/dev/leds.c os/dev/console.c
