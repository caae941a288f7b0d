# Network stack (helper C): 802.15.4 MAC, 6LoWPAN (IPHC + fragmentation), IPv6/ICMPv6/UDP, glue.
# A node image links $(CC2538_BASE_SRCS) $(CC2538_NET_SRCS) and calls netstack_init() (netstack.h);
# the border node (apps/slip-radio) only needs the radio and the MAC retry logic.
NET_CORE_SRCS := os/net/mac/mac-frame.c os/net/mac/mac.c os/net/sixlo/sixlo-iphc.c \
  os/net/sixlo/sixlo.c os/net/ipv6/ipv6.c os/net/ipv6/icmp6.c os/net/ipv6/udp-socket.c
NET_SRCS := $(NET_CORE_SRCS) os/net/netstack.c
RF_CORE_SRCS := arch/cpu/cc2538/dev/rf-core.c
CC2538_NET_SRCS := $(NET_SRCS) $(RF_CORE_SRCS)
