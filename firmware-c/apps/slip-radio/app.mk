# slip-radio: border node, 802.15.4 radio <-> SLIP on UART0 (protocol: apps/slip-radio/PROTOCOL.md).
CC2538_APPS += slip-radio
slip-radio_SRCS = apps/slip-radio/slip-radio.c $(CC2538_BASE_SRCS) $(RF_CORE_SRCS) \
  os/net/mac/mac.c os/net/mac/mac-frame.c
# 460800 baud (IBRD 4, FBRD 22: 0.08% off): a full frame crosses the UART in ~2.9 ms, under its
# 4.3 ms of air time, so the radio, not the SLIP link, limits the border. Hosts: rig.net.transport
# SLIP_RADIO_BAUD. More RX slots than a node: bursts still arrive faster than the UART drains them.
slip-radio_CFLAGS = -DRF_CORE_CONF_RXQ=6 -DUART_CONF_BAUD=460800u
