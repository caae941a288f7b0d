# The lwm2m-client application's object table hook (apps/lwm2m-client/lwm2m-client.h), and the
# engine built without floats (LWM2M_WITH_FLOAT=0, as in lwm2m-client-min).
UNIT_TESTS += test-lwm2m-ext test-lwm2m-nofloat
test-lwm2m-ext_SRCS := tests/unit/test-lwm2m-ext.c apps/lwm2m-client/lwm2m-client.c $(LWM2M_SRCS) \
  $(COAP_SRCS)
# (the shared harness has helpers these two do not use)
test-lwm2m-ext_CFLAGS := -Wno-override-init -Wno-unused-function -Wno-unused-variable
test-lwm2m-nofloat_SRCS := tests/unit/test-lwm2m-nofloat.c $(LWM2M_CORE_SRCS) \
  $(LWM2M_DIR)/lwm2m-obj-ipso.c $(COAP_SRCS)
test-lwm2m-nofloat_CFLAGS := -Wno-override-init -Wno-unused-function -Wno-unused-variable -DLWM2M_WITH_FLOAT=0 -DLWM2M_WITH_SENML=0 \
  -DLWM2M_WITH_SENML_CBOR=0
