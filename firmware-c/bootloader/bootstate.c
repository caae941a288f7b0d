/* Boot state journal: decoding and idempotent writes (see bootstate.h). */
#include "bootloader/bootstate.h"

#include "bootloader/bl-flash.h"

static uint32_t
bs_word(uint16_t w)
{
  return fw_le32(bl_flash_map(FW_BOOTSTATE + 4u * w));
}

static int
bs_is(uint16_t w, uint8_t type)
{
  uint32_t v = bs_word(w);
  return (uint16_t)v == (uint16_t)~(v >> 16) && (v >> 8 & 0xFFu) == type;
}

/* Steps complete at the start of a swap journal: stops at the first step not marked. */
static uint16_t
bs_progress(uint16_t base, uint16_t npages)
{
  uint16_t step = 0;
  while(step < 3u * npages) {
    uint32_t v = bs_word((uint16_t)(base + step / 3u));
    if((v >> (8u * (step % 3u)) & 0xFFu) != BS_STEP_DONE) {
      break;
    }
    step++;
  }
  return step;
}

void
bs_read(bs_state_t *s)
{
  uint32_t begin = bs_word(BS_W_BEGIN);

  s->trials = 0;
  s->reason = 0;
  s->progress = 0;
  s->npages = 0;
  if(bs_is(BS_W_BEGIN, BS_REC_BEGIN)) {
    s->npages = (uint16_t)(begin & 0xFFu);
    if(s->npages == 0 || s->npages > FW_SLOT_PAGES) {
      s->npages = FW_SLOT_PAGES; /* cannot happen with our own records: stay safe anyway */
    }
  }
  if(bs_is(BS_W_ABORT, BS_REC_ABORT)) {
    s->phase = BS_ABORTED;
    s->reason = (uint8_t)bs_word(BS_W_ABORT);
  } else if(s->npages && bs_is(BS_W_RB_DONE, BS_REC_RB_DONE)) {
    s->phase = BS_ROLLED_BACK;
  } else if(s->npages && bs_is(BS_W_RB_BEGIN, BS_REC_RB_BEGIN)) {
    s->phase = BS_ROLLING_BACK;
    s->progress = bs_progress(BS_W_RB, s->npages);
  } else if(s->npages && bs_is(BS_W_DONE, BS_REC_DONE)) {
    s->phase = bs_is(BS_W_CONFIRM, BS_REC_CONFIRM) ? BS_CONFIRMED : BS_SWAPPED;
  } else if(s->npages) {
    s->phase = BS_SWAPPING;
    s->progress = bs_progress(BS_W_SWAP, s->npages);
  } else if(bs_is(BS_W_REQ, BS_REC_REQ)) {
    s->phase = BS_REQUESTED;
  } else {
    s->phase = BS_IDLE;
  }
  while(s->trials < BS_MAX_TRIALS && bs_word((uint16_t)(BS_W_TRIAL + s->trials)) != 0xFFFFFFFFu) {
    s->trials++;
  }
}

int
bs_put(uint16_t word, uint32_t value)
{
  return bl_flash_program(FW_BOOTSTATE + 4u * word, &value, 4);
}

int
bs_mark_step(uint16_t base, uint16_t step)
{
  /* Bytes of the steps done so far on this page and this one: 0x5A; later steps stay 0xFF. */
  uint32_t v = 0xFFFFFFFFu;
  for(uint16_t k = 0; k <= step % 3u; k++) {
    v &= ~(0xFFu << (8u * k)) | (uint32_t)BS_STEP_DONE << (8u * k);
  }
  return bs_put((uint16_t)(base + step / 3u), v);
}

int
bs_request_swap(void)
{
  return bs_put(BS_W_REQ, BS_RECORD(BS_REC_REQ, 0));
}

int
bs_confirm(void)
{
  return bs_put(BS_W_CONFIRM, BS_RECORD(BS_REC_CONFIRM, 0));
}

int
bs_clear(void)
{
  /* An erase cut short may leave any mix of old and erased bits. Before erasing, void the two
   * records every other one depends on, in this order: without REQ and BEGIN no state of the
   * journal can start or resume a swap, whatever a torn erase leaves of the rest (only a
   * 32-bit pattern appearing by chance could). Voiding REQ first keeps each step safe: with
   * BEGIN still there the journal reads as before (terminal), never as a fresh request. */
  static const uint32_t zero = 0;
  bl_flash_program(FW_BOOTSTATE + 4u * BS_W_REQ, &zero, 4);
  bl_flash_program(FW_BOOTSTATE + 4u * BS_W_BEGIN, &zero, 4);
  return bl_flash_erase(FW_BOOTSTATE);
}

const char *
bs_phase_name(uint8_t phase)
{
  static const char *const names[] = {
    "idle", "requested", "swapping", "swapped", "confirmed", "rolling-back", "rolled-back", "aborted"
  };
  return phase < sizeof(names) / sizeof(names[0]) ? names[phase] : "?";
}
