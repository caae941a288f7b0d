# udp-echo: node that joins via RS/RA, echoes UDP port 7 and answers ping.
CC2538_APPS += udp-echo
udp-echo_SRCS = apps/udp-echo/udp-echo.c $(CC2538_BASE_SRCS) $(CC2538_NET_SRCS)
