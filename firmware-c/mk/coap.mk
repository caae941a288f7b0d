# CoAP (RFC 7252 + 7959 block-wise + 7641 observe), heap-free.
COAP_SRCS := os/net/app-layer/coap/coap-msg.c os/net/app-layer/coap/coap-engine.c \
  os/net/app-layer/coap/coap-uri.c
