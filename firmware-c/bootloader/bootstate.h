/* The boot state page (FW_BOOTSTATE): the journal of one update, shared by bootloader and app.
 *
 * Fixed word positions, each programmed at most once from 0xFFFFFFFF (1 -> 0 only), so writing
 * a word again with the same value is harmless and completes a write torn by a power cut:
 *   W_REQ        app: swap requested (Execute /5/0/2)
 *   W_BEGIN      bootloader: slot B verified, swap of n pages started (n in the record)
 *   W_SWAP+i     progress of page i: byte k = 0x5A once step k (0 A->scratch, 1 B->A,
 *                2 scratch->B) is complete; any other value = not done (torn)
 *   W_DONE       swap complete: the new image is in slot A, on trial
 *   W_TRIAL+j    one word per trial boot (any non-erased value counts, torn ones too)
 *   W_CONFIRM    app: the new image registered, keep it
 *   W_RB_BEGIN, W_RB+i, W_RB_DONE   the same for the rollback swap
 *   W_ABORT      bootloader: slot B failed verification (reason in the record)
 * Records are 16-bit codes stored with their complement in the upper half: a torn write (a
 * subset of the zero bits cleared) can never read as another valid record.
 * The page is erased only by the app, when a new download starts (the outcome of the previous
 * update has been reported by then), after voiding REQ and BEGIN (bs_clear: a torn erase then
 * cannot leave a journal that starts or resumes a swap). */
#ifndef BOOTSTATE_H_
#define BOOTSTATE_H_

#include <stdint.h>

#include "bootloader/fw-image.h"

#define BS_W_REQ      0
#define BS_W_BEGIN    1
#define BS_W_SWAP     2
#define BS_W_DONE     (BS_W_SWAP + FW_SLOT_PAGES)
#define BS_W_TRIAL    (BS_W_DONE + 1)
#define BS_MAX_TRIALS 3
#define BS_W_CONFIRM  (BS_W_TRIAL + BS_MAX_TRIALS)
#define BS_W_RB_BEGIN (BS_W_CONFIRM + 1)
#define BS_W_RB       (BS_W_RB_BEGIN + 1)
#define BS_W_RB_DONE  (BS_W_RB + FW_SLOT_PAGES)
#define BS_W_ABORT    (BS_W_RB_DONE + 1)
#define BS_WORDS_USED (BS_W_ABORT + 1)

#define BS_STEP_DONE 0x5Au

enum {
  BS_REC_REQ = 1, BS_REC_BEGIN, BS_REC_DONE, BS_REC_TRIAL, BS_REC_CONFIRM, BS_REC_RB_BEGIN,
  BS_REC_RB_DONE, BS_REC_ABORT
};
#define BS_RECORD(type, arg) \
  ((uint32_t)(((type) << 8) | (arg)) | (uint32_t)(uint16_t)~(((type) << 8) | (arg)) << 16)

enum {
  BS_IDLE,         /* nothing pending: boot slot A */
  BS_REQUESTED,    /* verify slot B, then swap */
  BS_SWAPPING,     /* swap in progress: resume at `progress` */
  BS_SWAPPED,      /* new image in A on trial (`trials` boots so far) */
  BS_CONFIRMED,    /* update succeeded */
  BS_ROLLING_BACK, /* swap back in progress */
  BS_ROLLED_BACK,  /* update failed, old image back in A */
  BS_ABORTED       /* slot B was rejected before anything moved (`reason`: FW_ERR_*) */
};

typedef struct bs_state {
  uint8_t phase, trials, reason;
  uint16_t npages;   /* pages swapped */
  uint16_t progress; /* steps (3 per page) complete in the current swap */
} bs_state_t;

/* Decodes the journal page (mapped through bl_flash_map). */
void bs_read(bs_state_t *s);
/* Programs a record word (idempotent). 0 ok. */
int bs_put(uint16_t word, uint32_t value);
/* Marks step `step` (page step/3, step%3) of the swap whose progress words start at `base`. */
int bs_mark_step(uint16_t base, uint16_t step);
/* App side: request a swap / confirm the running trial image / start a new journal. */
int bs_request_swap(void);
int bs_confirm(void);
int bs_clear(void);
const char *bs_phase_name(uint8_t phase);

#endif /* BOOTSTATE_H_ */
