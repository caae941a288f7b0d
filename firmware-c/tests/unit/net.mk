# Native unit tests of the network stack (helper C): MAC, 6LoWPAN, IPv6/ICMPv6/UDP.
NET_TEST_CORE := os/net/mac/mac-frame.c os/net/mac/mac.c tests/unit/mock-radio.c
NET_TEST_SIXLO := $(NET_TEST_CORE) os/net/sixlo/sixlo-iphc.c os/net/sixlo/sixlo.c
NET_TEST_IPV6 := $(NET_TEST_SIXLO) os/net/ipv6/ipv6.c os/net/ipv6/icmp6.c os/net/ipv6/udp-socket.c

UNIT_TESTS += test-mac test-sixlo test-ipv6
test-mac_SRCS := tests/unit/test-mac.c $(NET_TEST_CORE)
test-mac_CFLAGS := -Itests/unit
test-sixlo_SRCS := tests/unit/test-sixlo.c $(NET_TEST_SIXLO)
test-sixlo_CFLAGS := -Itests/unit -DNET_VECTORS_DIR='"$(CURDIR)/tests/vectors"'
test-ipv6_SRCS := tests/unit/test-ipv6.c $(NET_TEST_IPV6)
test-ipv6_CFLAGS := -Itests/unit
# The net process on the native kernel (fake clock) with the mock radio.
UNIT_TESTS += test-netstack
test-netstack_SRCS = tests/unit/test-netstack.c os/net/netstack.c $(NET_TEST_IPV6) $(NATIVE_BASE_SRCS)
test-netstack_CFLAGS := -Itests/unit
# The IPHC codec as a filter for differential tests against the host codec (pytest).
NATIVE_PROGS += sixlo-tool
sixlo-tool_SRCS := tests/unit/sixlo-tool.c os/net/mac/mac-frame.c os/net/mac/mac.c \
  tests/unit/mock-radio.c os/net/sixlo/sixlo-iphc.c os/net/sixlo/sixlo.c
