# slip-radio: border node, 802.15.4 radio <-> SLIP on UART0 (protocol: apps/slip-radio/PROTOCOL.md).
CC2538_APPS += slip-radio
slip-radio_SRCS = apps/slip-radio/slip-radio.c $(CC2538_BASE_SRCS) $(RF_CORE_SRCS) \
  os/net/mac/mac.c os/net/mac/mac-frame.c
# More RX slots than a node: the UART (11 ms per frame at 115200 baud) is slower than the radio.
slip-radio_CFLAGS = -DRF_CORE_CONF_RXQ=6
