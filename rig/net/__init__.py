"""Host side of the 6LoWPAN network: codecs, the slip-radio bridge, pcap.

- slip: RFC 1055 framing (streaming, garbage-tolerant decoder)
- ieee802154: MAC frame build/parse, CRC-16/KERMIT FCS
- sixlowpan: RFC 6282 IPHC + UDP NHC with contexts, RFC 4944 fragmentation and reassembly
- ipv6, nd: IPv6/UDP/ICMPv6 helpers, Neighbor Discovery messages (RA with PIO + 6CO, NA)
- bridge: the nodes' router; node UDP ports as loopback endpoints (see its docstring for the mapping)
- transport: the border node's UART in-process, over TCP (Renode) or a serial port (real dongle)
- medium_radio: the slip-radio protocol played in Python on the builtin medium (no border firmware)
- pcap: tiny pcap writer/reader; testbed: a ready network for tests and benchmarks
"""
