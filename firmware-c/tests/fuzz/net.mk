# Fuzz targets of the network stack (helper C): the node receive path and the MAC parser.
FUZZ_TARGETS += fuzz-net-input fuzz-mac-frame
fuzz-net-input_SRCS := tests/fuzz/fuzz-net-input.c tests/unit/mock-radio.c os/net/mac/mac-frame.c \
  os/net/mac/mac.c os/net/sixlo/sixlo-iphc.c os/net/sixlo/sixlo.c os/net/ipv6/ipv6.c \
  os/net/ipv6/icmp6.c os/net/ipv6/udp-socket.c
fuzz-net-input_CFLAGS := -Itests/unit
fuzz-mac-frame_SRCS := tests/fuzz/fuzz-mac-frame.c os/net/mac/mac-frame.c
