/* Bootloader core: see bl-core.h. Every step below is idempotent: it is repeated after a power
 * cut until its journal mark is complete, and its source is never touched before that. */
#include "bootloader/bl-core.h"

#include "bootloader/bl-flash.h"

static uint16_t
bl_pages(uint32_t body_size)
{
  return (uint16_t)((FW_HDR_SIZE + body_size + FW_PAGE_SIZE - 1u) / FW_PAGE_SIZE);
}

static void
bl_copy(uint32_t dst, uint32_t src)
{
  bl_flash_erase(dst);
  bl_flash_program(dst, bl_flash_map(src), FW_PAGE_SIZE);
}

void
bl_swap(uint16_t npages, uint16_t done, uint16_t base)
{
  for(uint16_t step = done; step < 3u * npages; step++) {
    uint32_t off = (uint32_t)(step / 3u) * FW_PAGE_SIZE;
    switch(step % 3u) {
    case 0: bl_copy(FW_SCRATCH, FW_SLOT_A + off); break;
    case 1: bl_copy(FW_SLOT_A + off, FW_SLOT_B + off); break;
    default: bl_copy(FW_SLOT_B + off, FW_SCRATCH); break;
    }
    bs_mark_step(base, step);
  }
}

static int
bl_slot_a_bootable(void)
{
  fw_header_t h;
  /* Without a valid header (e.g. a factory image flashed raw) only the vector table is checked,
   * against the whole slot. */
  uint32_t body = fw_image_parse(bl_flash_map(FW_SLOT_A), &h) == FW_OK ? h.body_size : FW_BODY_MAX;
  return fw_vectors_ok(bl_flash_map(FW_LOAD_ADDR), body);
}

static uint32_t
bl_boot_a(void)
{
  if(bl_slot_a_bootable()) {
    return FW_LOAD_ADDR;
  }
  bl_log("BOOT: no bootable image in slot A");
  return 0;
}

uint32_t
bl_run(void)
{
  bs_state_t s;
  fw_header_t h;
  int rc;

  bs_read(&s);
  switch(s.phase) {
  case BS_REQUESTED:
    rc = fw_image_verify(bl_flash_map(FW_SLOT_B), &h);
    if(rc != FW_OK) {
      bs_put(BS_W_ABORT, BS_RECORD(BS_REC_ABORT, (uint8_t)-rc));
      bl_log("BOOT: slot B rejected, update aborted");
      return bl_boot_a();
    }
    {
      fw_header_t a;
      uint16_t n = bl_pages(h.body_size);
      uint16_t na = fw_image_parse(bl_flash_map(FW_SLOT_A), &a) == FW_OK
                      ? bl_pages(a.body_size) : (uint16_t)FW_SLOT_PAGES;
      s.npages = n > na ? n : na;
    }
    bs_put(BS_W_BEGIN, BS_RECORD(BS_REC_BEGIN, s.npages));
    s.progress = 0;
    /* fall through */
  case BS_SWAPPING:
    bl_log("BOOT: swapping slots");
    bl_swap(s.npages, s.progress, BS_W_SWAP);
    bs_put(BS_W_DONE, BS_RECORD(BS_REC_DONE, 0));
    s.trials = 0;
    /* fall through */
  case BS_SWAPPED:
    if(s.trials < BS_MAX_TRIALS && bl_slot_a_bootable()) {
      bs_put((uint16_t)(BS_W_TRIAL + s.trials), BS_RECORD(BS_REC_TRIAL, s.trials));
      bl_log("BOOT: trial boot of the new image");
      bl_trial_boot();
      return FW_LOAD_ADDR;
    }
    bl_log("BOOT: new image failed, rolling back");
    bs_put(BS_W_RB_BEGIN, BS_RECORD(BS_REC_RB_BEGIN, 0));
    s.progress = 0;
    /* fall through */
  case BS_ROLLING_BACK:
    bl_swap(s.npages, s.progress, BS_W_RB);
    bs_put(BS_W_RB_DONE, BS_RECORD(BS_REC_RB_DONE, 0));
    bl_log("BOOT: rolled back");
    return bl_boot_a();
  default:
    return bl_boot_a();
  }
}
