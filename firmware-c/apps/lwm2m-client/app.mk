# Native LwM2M client (Linux process): build/native/lwm2m-client, see README.md for the CLI.
NATIVE_PROGS += lwm2m-client
lwm2m-client_SRCS := apps/lwm2m-client/native-main.c $(LWM2M_SRCS) $(COAP_SRCS)
# The same client as CC2538 firmware: build/cc2538/lwm2m-node.elf (the name lwm2m-client belongs
# to the native program). Server and mode are fixed at build time: make LWM2M_SERVER_URI='coap://[fd00::1]:5683' LWM2M_BOOTSTRAP=0 LWM2M_LIFETIME=300
LWM2M_SERVER_URI ?= coap://[fd00::1]:5683
LWM2M_BOOTSTRAP ?= 0
LWM2M_LIFETIME ?= 300
CC2538_APPS += lwm2m-node
lwm2m-node_SRCS = apps/lwm2m-client/lwm2m-client.c $(LWM2M_SRCS) $(COAP_SRCS) \
  $(CC2538_BASE_SRCS) $(CC2538_NET_SRCS)
lwm2m-node_CFLAGS = -DLWM2M_SERVER_URI='"$(LWM2M_SERVER_URI)"' -DLWM2M_BOOTSTRAP=$(LWM2M_BOOTSTRAP) \
  -DLWM2M_LIFETIME=$(LWM2M_LIFETIME)
