# LwM2M client engine, codecs and objects (heap-free). LWM2M_CORE_SRCS: engine with objects
# 0/1/3 and TLV/text/opaque/link; LWM2M_SRCS adds SenML JSON and CBOR (LWM2M_SENML_SRCS) and
# objects 4, 3303, 3311.
LWM2M_DIR := os/net/app-layer/lwm2m
LWM2M_CORE_SRCS := $(LWM2M_DIR)/lwm2m-engine.c $(LWM2M_DIR)/lwm2m-tlv.c $(LWM2M_DIR)/lwm2m-text.c \
  $(LWM2M_DIR)/lwm2m-link.c $(LWM2M_DIR)/lwm2m-obj-security.c $(LWM2M_DIR)/lwm2m-obj-device.c
LWM2M_SENML_SRCS := $(LWM2M_DIR)/lwm2m-senml.c $(LWM2M_DIR)/lwm2m-senml-cbor.c
LWM2M_SRCS := $(LWM2M_CORE_SRCS) $(LWM2M_SENML_SRCS) $(LWM2M_DIR)/lwm2m-obj-connmon.c \
  $(LWM2M_DIR)/lwm2m-obj-ipso.c
