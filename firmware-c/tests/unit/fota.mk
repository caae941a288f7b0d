# Firmware update (issue 7): SHA-256, image header, bootloader core with power-cut injection.
UNIT_TESTS += test-sha256 test-bootloader
test-sha256_SRCS = tests/unit/test-sha256.c os/lib/sha256.c
test-bootloader_SRCS = tests/unit/test-bootloader.c bootloader/bl-core.c bootloader/bootstate.c \
  bootloader/fw-image.c os/lib/sha256.c
UNIT_TESTS += test-fwobj
test-fwobj_SRCS = tests/unit/test-fwobj.c os/net/app-layer/lwm2m/lwm2m-obj-fw.c \
  bootloader/bl-flash-ram.c bootloader/bootstate.c bootloader/fw-image.c os/lib/sha256.c \
  $(LWM2M_CORE_SRCS) $(LWM2M_SENML_SRCS) $(COAP_SRCS)
