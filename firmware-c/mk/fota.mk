# Firmware update: bootloader, SHA-256, package header, slot-A images and test packages.
# See bootloader/fw-image.h (layout, header) and bootloader/bootstate.h (swap journal).
#
#   make fota-images            build/fota/: factory ELFs (bootloader + sealed app + lock page) and
#                               packages (*.img): v1, v2 (FIRMWARE_VERSION=2.0.0 in $(BUILD)/v2),
#                               corrupt / oversized / wrong-type / no-start / never-confirms / hang
FOTA_SRCS := os/lib/sha256.c bootloader/fw-image.c bootloader/bootstate.c
include bootloader/app.mk

PYTHON ?= ../.venv/bin/python
FIRMWARE_VERSION ?= 1.0.0
FOTA_V2_VERSION ?= 2.0.0
FOTA_SEAL = PYTHONPATH=.. $(PYTHON) -m rig.fota.image

# The bootloader's flash bytes only (its lock-page record is linked separately: cca-boot.c).
BL_BIN := $(BUILD)/cc2538/bootloader-code.bin
$(BL_BIN): $(BUILD)/cc2538/bootloader.elf
	$(ARM_OBJCOPY) -O binary -R .flashcca $< $@

# An application for slot A: header placeholder, bootloader blob, lock page pointing at it.
FOTA_SLOT_SRCS = bootloader/fw-header.c bootloader/bl-blob.S bootloader/cca-boot.c $(FOTA_SRCS) \
  bootloader/bl-flash-cc2538.c \
  $(KERNEL_SRCS) $(KERNEL_MAIN_SRCS) $(LIB_SRCS) $(CC2538_NOCCA_SRCS)
FOTA_PULL_SZX ?= 5
FOTA_SLOT_CFLAGS = -DFIRMWARE_VERSION='"$(FIRMWARE_VERSION)"' -DBL_BIN='"$(BL_BIN)"' -DLWM2M_FW_PULL_SZX=$(FOTA_PULL_SZX)

CC2538_APPS += fota-demo fota-demo-noconfirm fota-demo-hang
fota-demo_SRCS = bootloader/fota-demo.c $(FOTA_SLOT_SRCS)
fota-demo_LDSCRIPT = bootloader/slot-a.ld
fota-demo_CFLAGS = $(FOTA_SLOT_CFLAGS)
fota-demo-noconfirm_SRCS = bootloader/fota-demo.c $(FOTA_SLOT_SRCS)
fota-demo-noconfirm_LDSCRIPT = bootloader/slot-a.ld
fota-demo-noconfirm_CFLAGS = $(FOTA_SLOT_CFLAGS) -DFOTA_DEMO_NO_CONFIRM=1
fota-demo-hang_SRCS = bootloader/fota-demo.c $(FOTA_SLOT_SRCS)
fota-demo-hang_LDSCRIPT = bootloader/slot-a.ld
fota-demo-hang_CFLAGS = $(FOTA_SLOT_CFLAGS) -DFOTA_DEMO_HANG=1
$(BUILD)/cc2538/obj/fota-demo-hang/bootloader/bl-blob.o: $(BL_BIN)
$(BUILD)/cc2538/obj/fota-demo/bootloader/bl-blob.o: $(BL_BIN)
$(BUILD)/cc2538/obj/fota-demo-noconfirm/bootloader/bl-blob.o: $(BL_BIN)

FOTA_OUT := $(BUILD)/fota
FOTA_IMAGES := fota-demo lwm2m-client-fota
.PHONY: fota-images fota-v2
fota-v2:
	$(MAKE) BUILD=$(BUILD)/v2 FIRMWARE_VERSION=$(FOTA_V2_VERSION) \
	  $(foreach i,$(FOTA_IMAGES),$(BUILD)/v2/cc2538/$(i).elf)

fota-images: $(foreach i,$(FOTA_IMAGES),$(BUILD)/cc2538/$(i).elf) $(BUILD)/cc2538/fota-demo-noconfirm.elf \
  $(BUILD)/cc2538/fota-demo-hang.elf fota-v2
	@mkdir -p $(FOTA_OUT)
	@set -e; for i in $(FOTA_IMAGES); do \
	  $(FOTA_SEAL) seal $(BUILD)/cc2538/$$i.elf $(FOTA_OUT)/$$i-$(FIRMWARE_VERSION).img \
	    --version $(FIRMWARE_VERSION) --elf-out $(FOTA_OUT)/$$i-factory.elf; \
	  $(FOTA_SEAL) seal $(BUILD)/v2/cc2538/$$i.elf $(FOTA_OUT)/$$i-$(FOTA_V2_VERSION).img \
	    --version $(FOTA_V2_VERSION); \
	  for k in corrupt oversized wrong-type no-start truncated; do \
	    $(FOTA_SEAL) bad $$k $(FOTA_OUT)/$$i-$(FOTA_V2_VERSION).img $(FOTA_OUT)/$$i-$$k.img; \
	  done; \
	done
	$(FOTA_SEAL) seal $(BUILD)/cc2538/fota-demo-noconfirm.elf $(FOTA_OUT)/fota-demo-noconfirm.img \
	  --version $(FOTA_V2_VERSION)-noconfirm
	$(FOTA_SEAL) seal $(BUILD)/cc2538/fota-demo-hang.elf $(FOTA_OUT)/fota-demo-hang.img \
	  --version $(FOTA_V2_VERSION)-hang

# Host checker of packages with the C header code (cross-test of the Python builder).
NATIVE_PROGS += fw-image-check
fw-image-check_SRCS = bootloader/fw-image-check.c bootloader/fw-image.c os/lib/sha256.c

# The LwM2M client with Object 5 for slot A (build/cc2538/lwm2m-client-fota.elf): the client's
# cc2538-main.c compiled through bootloader/fota-client.c (start/step hooks), factory image in
# build/fota/lwm2m-client-fota-factory.elf, packages lwm2m-client-fota-<version>.img.
CC2538_APPS += lwm2m-client-fota
lwm2m-client-fota_SRCS = bootloader/fota-client.c apps/lwm2m-client/lwm2m-client.c os/net/app-layer/lwm2m/lwm2m-obj-fw.c \
  $(LWM2M_SRCS) $(COAP_SRCS) $(LWM2M_CLIENT_EXTRA_SRCS) $(CC2538_NET_SRCS) $(FOTA_SLOT_SRCS)
lwm2m-client-fota_LDSCRIPT = bootloader/slot-a.ld
lwm2m-client-fota_CFLAGS = $(LWM2M_CLIENT_CC2538_CFLAGS) $(FOTA_SLOT_CFLAGS)
$(BUILD)/cc2538/obj/lwm2m-client-fota/bootloader/bl-blob.o: $(BL_BIN)
