# libFuzzer targets (make fuzz-smoke / make fuzz FUZZ_SECONDS=300); seeds in corpus/<target>/.
FUZZ_TARGETS += fuzz-coap fuzz-tlv fuzz-senml fuzz-link fuzz-lwm2m fuzz-lwm2m-session \
  fuzz-lwm2m-session-fw
fuzz-coap_SRCS := tests/fuzz/fuzz-coap.c $(COAP_SRCS)
fuzz-tlv_SRCS := tests/fuzz/fuzz-tlv.c $(LWM2M_DIR)/lwm2m-tlv.c $(LWM2M_DIR)/lwm2m-text.c \
  os/net/app-layer/coap/coap-msg.c
fuzz-senml_SRCS := tests/fuzz/fuzz-senml.c $(LWM2M_SENML_SRCS) $(LWM2M_DIR)/lwm2m-text.c \
  $(LWM2M_DIR)/lwm2m-link.c $(LWM2M_DIR)/lwm2m-tlv.c os/net/app-layer/coap/coap-msg.c
fuzz-link_SRCS := tests/fuzz/fuzz-link.c $(LWM2M_DIR)/lwm2m-link.c $(LWM2M_DIR)/lwm2m-text.c \
  os/net/app-layer/coap/coap-msg.c
fuzz-lwm2m_SRCS := tests/fuzz/fuzz-lwm2m.c $(LWM2M_SRCS) $(COAP_SRCS)
# a whole session: a script of requests, answers, time steps and API calls
fuzz-lwm2m-session_SRCS := tests/fuzz/fuzz-lwm2m-session.c $(LWM2M_SRCS) $(COAP_SRCS)
# the same with the real Object 5 (firmware update push/pull) on the RAM flash model
fuzz-lwm2m-session-fw_SRCS := tests/fuzz/fuzz-lwm2m-session.c $(LWM2M_SRCS) $(COAP_SRCS) \
  $(LWM2M_DIR)/lwm2m-obj-fw.c bootloader/bl-flash-ram.c bootloader/bootstate.c \
  bootloader/fw-image.c os/lib/sha256.c

# undefined behaviour is a finding too
fuzz-coap_CFLAGS := -fno-sanitize-recover=undefined
fuzz-tlv_CFLAGS := -fno-sanitize-recover=undefined
fuzz-senml_CFLAGS := -fno-sanitize-recover=undefined
fuzz-link_CFLAGS := -fno-sanitize-recover=undefined
fuzz-lwm2m_CFLAGS := -Wno-unused-function -fno-sanitize-recover=undefined
fuzz-lwm2m-session_CFLAGS := -Wno-unused-function -Wno-initializer-overrides -fno-sanitize-recover=undefined
fuzz-lwm2m-session-fw_CFLAGS := $(fuzz-lwm2m-session_CFLAGS) -DFZ_WITH_FW
