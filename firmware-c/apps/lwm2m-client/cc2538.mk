# LwM2M client on the CC2538 (apps/lwm2m-client/cc2538-main.c): build/cc2538/lwm2m-client.elf and
# the bootstrap variant build/cc2538/lwm2m-client-bs.elf (starts with a bootstrap account only).
# The native program has the same name, hence lwm2m-client_CC2538_SRCS/_CFLAGS (see the Makefile).
# Another object: from any fragment (mk/*.mk, apps/*/*.mk), append its sources to
# LWM2M_CLIENT_EXTRA_SRCS and name its table in LWM2M_CLIENT_EXTRA_OBJECTS, e.g.
#   LWM2M_CLIENT_EXTRA_SRCS += os/net/app-layer/lwm2m/lwm2m-obj-generic.c
#   LWM2M_CLIENT_EXTRA_OBJECTS += X(lwm2m_obj_generic)
# (every lwm2m-client image but -min gets it, the FOTA one and the native client too;
# firmware-c/README.md, "Adding an object"). A table of your own at run time: lwm2m-client.h.
# An image for a bootloader slot sets LWM2M_CLIENT_BASE_SRCS to the no-CCA base (see mk/cc2538.mk)
# and lwm2m-client_LDSCRIPT to its slot's linker script.
FIRMWARE_VERSION ?= 1.0.0
LWM2M_CLIENT_BASE_SRCS ?= $(KERNEL_SRCS) $(KERNEL_MAIN_SRCS) $(LIB_SRCS) $(CC2538_SRCS)
# The core every image has and lwm2m-client-min has alone: the engine with objects 0/1/3 and
# TLV/text/opaque/link, CoAP, the network. No SenML sources, objects 4/3303/3311, application hook
# (lwm2m-client.c) or LWM2M_CLIENT_EXTRA_*: what an application adds never changes the budgeted
# minimal profile.
LWM2M_CLIENT_CORE_SRCS = apps/lwm2m-client/cc2538-main.c $(LWM2M_CORE_SRCS) $(COAP_SRCS) \
  $(LWM2M_CLIENT_BASE_SRCS) $(CC2538_NET_SRCS)
# SenML JSON and CBOR off: plain text, opaque, TLV and link format cover ETS 1.0; it saves flash.
LWM2M_CLIENT_CORE_CFLAGS = -DFIRMWARE_VERSION='"$(FIRMWARE_VERSION)"' -DLWM2M_WITH_SENML=0 \
  -DLWM2M_WITH_SENML_CBOR=0
# Every other image: the core, objects 4/3303/3311, the application's table hook and extras.
LWM2M_CLIENT_CC2538_SRCS = apps/lwm2m-client/cc2538-main.c apps/lwm2m-client/lwm2m-client.c \
  $(LWM2M_SRCS) $(COAP_SRCS) $(LWM2M_CLIENT_EXTRA_SRCS) $(LWM2M_CLIENT_BASE_SRCS) $(CC2538_NET_SRCS)
LWM2M_CLIENT_CC2538_CFLAGS = $(LWM2M_CLIENT_CORE_CFLAGS) \
  $(if $(strip $(LWM2M_CLIENT_EXTRA_OBJECTS)),"-DLWM2M_CLIENT_EXTRA_OBJECTS=$(strip $(LWM2M_CLIENT_EXTRA_OBJECTS))") \
  $(LWM2M_CLIENT_EXTRA_CFLAGS)

CC2538_APPS += lwm2m-client lwm2m-client-bs lwm2m-client-min
lwm2m-client_CC2538_SRCS = $(LWM2M_CLIENT_CC2538_SRCS)
# No Object 5 in these two images: no streamed (Block1-to-handler) writes either. lwm2m-client is
# provisioned with a management server account only and nothing can add a bootstrap account (a
# management server gets 4.01 on /0), so its engine is built without client-initiated bootstrap;
# lwm2m-client-bs has it (budget.toml shows both).
lwm2m-client_CC2538_CFLAGS = $(LWM2M_CLIENT_CC2538_CFLAGS) -DLWM2M_WITH_STREAM=0 \
  -DLWM2M_WITH_BOOTSTRAP=0
lwm2m-client-bs_SRCS = $(LWM2M_CLIENT_CC2538_SRCS)
lwm2m-client-bs_CFLAGS = $(LWM2M_CLIENT_CC2538_CFLAGS) -DLWM2M_WITH_STREAM=0 -DLWM2M_BOOTSTRAP=1
# The smallest profile: objects 0/1/3 only and none of the optional engine features (observe and
# Write-Attributes, Discover, Create/Delete, float, bootstrap, streaming, SenML): registration,
# Read, Write, Execute with TLV, plain text, opaque and link format (tests/test_lwm2m_minimal_profile.py).
# Only the core (LWM2M_CLIENT_CORE_*): no LWM2M_CLIENT_EXTRA_* either.
lwm2m-client-min_SRCS = $(LWM2M_CLIENT_CORE_SRCS)
lwm2m-client-min_CFLAGS = $(LWM2M_CLIENT_CORE_CFLAGS) -DLWM2M_CLIENT_CORE_OBJECTS -DLWM2M_WITH_STREAM=0 \
  -DLWM2M_WITH_BOOTSTRAP=0 -DLWM2M_WITH_OBSERVE=0 -DLWM2M_WITH_DISCOVER=0 -DLWM2M_WITH_CREATE=0 \
  -DLWM2M_WITH_FLOAT=0
