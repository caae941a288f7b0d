UNIT_TESTS += test-lwm2m test-tlv test-senml test-link test-objs
test-lwm2m_SRCS := tests/unit/test-lwm2m.c $(LWM2M_SRCS) $(COAP_SRCS)
test-tlv_SRCS := tests/unit/test-tlv.c $(LWM2M_DIR)/lwm2m-tlv.c $(LWM2M_DIR)/lwm2m-text.c \
  os/net/app-layer/coap/coap-msg.c
test-senml_SRCS := tests/unit/test-senml.c $(LWM2M_SENML_SRCS) $(LWM2M_DIR)/lwm2m-text.c \
  $(LWM2M_DIR)/lwm2m-link.c os/net/app-layer/coap/coap-msg.c
test-link_SRCS := tests/unit/test-link.c $(LWM2M_DIR)/lwm2m-link.c $(LWM2M_DIR)/lwm2m-text.c \
  os/net/app-layer/coap/coap-msg.c
test-lwm2m_CFLAGS := -Wno-override-init
test-objs_SRCS := tests/unit/test-objs.c $(LWM2M_DIR)/lwm2m-obj-security.c $(LWM2M_DIR)/lwm2m-obj-device.c \
  $(LWM2M_DIR)/lwm2m-obj-connmon.c
test-tlv_LDLIBS := -lm
test-senml_SRCS += $(LWM2M_DIR)/lwm2m-tlv.c
