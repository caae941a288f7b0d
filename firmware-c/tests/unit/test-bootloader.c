/* Bootloader core against a RAM flash model with a power cut injected at every flash operation
 * (erase of a page, program of a word). Two cut models:
 *   clean: the interrupted operation does not happen (the builtin emulator's model);
 *   torn:  the interrupted erase leaves the page half erased (random words reset to 0xFF), the
 *          interrupted word program clears only a random subset of the bits it should clear.
 * After each cut the node "reboots" (bl_run again, as the bootloader would on power-up), the
 * simulated app confirms when it finds itself on trial, and the final flash must hold exactly
 * the expected image in slot A (new one, or the old one after a rollback / an abort) with the
 * other one in slot B: no bricked state at any cut point. */
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>

#include "bootloader/bl-core.h"
#include "bootloader/bl-flash.h"
#include "bootloader/fw-image.h"
#include "sha256.h"
#include "unit.h"

static uint8_t flash[FW_FLASH_SIZE];
static long ops, cut_at = -1;
static int torn;
static int torn_erase_bits; /* torn erase: every word gets a random subset of its bits set */
static jmp_buf cut_env;
static uint32_t rng = 1;

static uint32_t
rnd(void)
{
  rng ^= rng << 13;
  rng ^= rng >> 17;
  rng ^= rng << 5;
  return rng;
}

/* ---- flash model (bl-flash.h) ---- */
const uint8_t *
bl_flash_map(uint32_t addr)
{
  return &flash[addr - FW_FLASH_BASE];
}

static void
maybe_cut(uint32_t addr, int erase, uint32_t value)
{
  if(++ops != cut_at) {
    return;
  }
  if(torn) {
    uint8_t *p = &flash[addr - FW_FLASH_BASE];
    if(erase && torn_erase_bits) {
      for(uint32_t i = 0; i < FW_PAGE_SIZE; i += 4) {
        uint32_t w;
        memcpy(&w, p + i, 4);
        w |= rnd() & rnd(); /* a quarter of the bits on average: mostly old content left */
        memcpy(p + i, &w, 4);
      }
    } else if(erase) {
      for(uint32_t i = 0; i < FW_PAGE_SIZE; i += 4) {
        if(rnd() & 1) {
          memset(p + i, 0xFF, 4);
        }
      }
    } else {
      uint32_t old, part = value | rnd(); /* only some of the bits to clear get cleared */
      memcpy(&old, p, 4);
      old &= part;
      memcpy(p, &old, 4);
    }
  }
  longjmp(cut_env, 1);
}

int
bl_flash_erase(uint32_t addr)
{
  addr &= ~(FW_PAGE_SIZE - 1u);
  UNIT_CHECK(addr >= FW_SLOT_A && addr < FW_BOOTSTATE + FW_PAGE_SIZE);
  maybe_cut(addr, 1, 0);
  memset(&flash[addr - FW_FLASH_BASE], 0xFF, FW_PAGE_SIZE);
  return 0;
}

int
bl_flash_program(uint32_t addr, const void *src, uint32_t len)
{
  const uint8_t *s = src;
  UNIT_CHECK(addr >= FW_SLOT_A && addr + len <= FW_BOOTSTATE + FW_PAGE_SIZE && !(len & 3));
  for(uint32_t i = 0; i < len; i += 4) {
    uint32_t v, old;
    memcpy(&v, s + i, 4); /* read before the write: src may be flash */
    maybe_cut(addr + i, 0, v);
    memcpy(&old, &flash[addr + i - FW_FLASH_BASE], 4);
    old &= v;
    memcpy(&flash[addr + i - FW_FLASH_BASE], &old, 4);
  }
  return 0;
}

void
bl_log(const char *msg)
{
  (void)msg;
}

static unsigned trial_boots; /* bl_trial_boot calls: the CC2538 arms its watchdog there */

void
bl_trial_boot(void)
{
  trial_boots++;
}

/* ---- packages ---- */
static void
put32(uint8_t *p, uint32_t v)
{
  p[0] = (uint8_t)v;
  p[1] = (uint8_t)(v >> 8);
  p[2] = (uint8_t)(v >> 16);
  p[3] = (uint8_t)(v >> 24);
}

/* Builds a package with a plausible vector table (or a bad one) and a pseudo-random body. */
static uint32_t
make_package(uint8_t *out, uint32_t body, const char *version, uint32_t seed, int good_vectors)
{
  uint8_t *b = out + FW_HDR_SIZE;
  memset(out, 0xFF, FW_HDR_SIZE);
  for(uint32_t i = 0; i < body; i++) {
    seed = seed * 1103515245u + 12345u;
    b[i] = (uint8_t)(seed >> 16);
  }
  put32(b, good_vectors ? 0x20000800u : 0xFFFFFFFFu);
  put32(b + 4, FW_LOAD_ADDR + 0x101u);
  put32(out + FW_OFF_MAGIC, FW_HDR_MAGIC);
  out[FW_OFF_HVER] = 1;
  out[FW_OFF_HVER + 1] = 0;
  out[FW_OFF_HSIZE] = 0x00;
  out[FW_OFF_HSIZE + 1] = 0x04;
  put32(out + FW_OFF_TYPE, FW_TYPE_CC2538_APP);
  put32(out + FW_OFF_BODY, body);
  put32(out + FW_OFF_LOAD, FW_LOAD_ADDR);
  memset(out + FW_OFF_VERSION, 0, FW_VERSION_LEN);
  memcpy(out + FW_OFF_VERSION, version, strlen(version));
  sha256(b, body, out + FW_OFF_SHA);
  put32(out + FW_OFF_CRC, fw_crc32(out, FW_OFF_CRC, 0));
  return FW_HDR_SIZE + body;
}

static uint8_t pkg_old[16 * 1024], pkg_new[16 * 1024];
static uint8_t want_a[FW_SLOT_SIZE], want_b[FW_SLOT_SIZE];

static void
flash_setup(uint32_t old_len, uint32_t new_len)
{
  memset(flash, 0xFF, sizeof(flash));
  memcpy(&flash[FW_SLOT_A - FW_FLASH_BASE], pkg_old, old_len);
  memcpy(&flash[FW_SLOT_B - FW_FLASH_BASE], pkg_new, new_len);
}

/* What the simulated application does once started: confirm a trial image if it is a good one
 * (`app_confirms`), never when it is the one that "does not register". */
enum { APP_CONFIRMS, APP_NEVER_CONFIRMS };

/* One complete scenario from the app's swap request to a stable state, with the power cut at
 * operation `cut` (0: none) and optionally a second cut `cut2` operations into the recovery.
 * Returns the number of flash operations the scenario needed. */
static long
scenario(int app, long cut, long cut2, uint32_t *boot_target, bs_state_t *end)
{
  volatile int boots = 0, cuts_left = (cut > 0) + (cut2 > 0);
  volatile long next_cut = cut;
  ops = 0;
  cut_at = next_cut > 0 ? next_cut : -1;
  if(setjmp(cut_env)) {
    /* power is back: the bootloader starts over */
    cuts_left--;
    if(cuts_left > 0) {
      cut_at = ops + cut2;
    } else {
      cut_at = -1;
    }
  } else {
    bs_clear();
    bs_request_swap();
  }
  for(;;) {
    bs_state_t s;
    uint32_t target = bl_run();
    boots++;
    bs_read(&s);
    if(boots > 20) {
      *boot_target = 0xDEAD;
      break;
    }
    if(target && s.phase == BS_SWAPPED) {
      if(app == APP_CONFIRMS) {
        bs_confirm();
      }
      continue; /* the app (or a trial timeout) restarts the node */
    }
    *boot_target = target;
    *end = s;
    break;
  }
  cut_at = -1;
  return ops;
}

static int
slots_are(const uint8_t *a, const uint8_t *b, uint32_t n)
{
  return memcmp(&flash[FW_SLOT_A - FW_FLASH_BASE], a, n) == 0 &&
         memcmp(&flash[FW_SLOT_B - FW_FLASH_BASE], b, n) == 0;
}

/* Expected slots (whole pages) after a completed swap: A gets B's pages and vice versa. */
static uint32_t
expect_swapped(uint32_t old_len, uint32_t new_len, int swapped)
{
  uint32_t n = (old_len > new_len ? old_len : new_len);
  n = (n + FW_PAGE_SIZE - 1u) / FW_PAGE_SIZE * FW_PAGE_SIZE;
  memset(want_a, 0xFF, n);
  memset(want_b, 0xFF, n);
  memcpy(want_a, swapped ? pkg_new : pkg_old, swapped ? new_len : old_len);
  memcpy(want_b, swapped ? pkg_old : pkg_new, swapped ? old_len : new_len);
  return n;
}

static long bricked, checked;

static void
sweep(int app, uint32_t old_len, uint32_t new_len, int swapped_at_end, uint8_t end_phase,
      int torn_mode, long step2)
{
  uint32_t target;
  bs_state_t end;
  long total, c;
  uint32_t n;

  torn = torn_mode;
  flash_setup(old_len, new_len);
  total = scenario(app, 0, 0, &target, &end);
  n = expect_swapped(old_len, new_len, swapped_at_end);
  UNIT_CHECK(slots_are(want_a, want_b, n));
  UNIT_CHECK_EQ(end.phase, end_phase);
  for(c = 1; c <= total; c++) {
    long c2 = step2 ? 1 + (long)(rnd() % (unsigned long)step2) : 0;
    flash_setup(old_len, new_len);
    scenario(app, c, c2, &target, &end);
    checked++;
    /* A cut before the request record is complete leaves nothing to do: old image, idle. */
    if(end.phase == BS_IDLE) {
      expect_swapped(old_len, new_len, 0);
      if(!slots_are(want_a, want_b, n) || target != FW_LOAD_ADDR) {
        bricked++;
        printf("  cut at %ld (%s): idle but slots wrong\n", c, torn ? "torn" : "clean");
      }
      expect_swapped(old_len, new_len, swapped_at_end);
      continue;
    }
    if(!slots_are(want_a, want_b, n) || end.phase != end_phase ||
       target != (end_phase == BS_ABORTED || fw_vectors_ok(want_a + FW_HDR_SIZE, 1u << 16)
                    ? FW_LOAD_ADDR : 0u)) {
      bricked++;
      if(bricked < 10) {
        printf("  cut at %ld/%ld (%s, second %ld): phase %s target %x\n", c, total,
               torn ? "torn" : "clean", c2, bs_phase_name(end.phase), (unsigned)target);
      }
    }
  }
}

UNIT_TEST(test_header_parse)
{
  fw_header_t h;
  uint32_t len = make_package(pkg_new, 5000, "2.0.0", 7, 1);
  UNIT_CHECK_EQ(len, 1024 + 5000);
  UNIT_CHECK_EQ(fw_image_parse(pkg_new, &h), FW_OK);
  UNIT_CHECK_EQ(h.body_size, 5000);
  UNIT_CHECK(strcmp(h.version, "2.0.0") == 0);
  UNIT_CHECK_EQ(fw_image_verify(pkg_new, NULL), FW_OK);
  pkg_new[FW_HDR_SIZE + 100] ^= 1;
  UNIT_CHECK_EQ(fw_image_verify(pkg_new, NULL), FW_ERR_HASH);
  pkg_new[FW_HDR_SIZE + 100] ^= 1;
  pkg_new[FW_OFF_VERSION] ^= 1; /* header CRC catches it */
  UNIT_CHECK_EQ(fw_image_parse(pkg_new, NULL), FW_ERR_MAGIC);
  pkg_new[FW_OFF_VERSION] ^= 1;
  put32(pkg_new + FW_OFF_TYPE, 2);
  put32(pkg_new + FW_OFF_CRC, fw_crc32(pkg_new, FW_OFF_CRC, 0));
  UNIT_CHECK_EQ(fw_image_parse(pkg_new, NULL), FW_ERR_TYPE);
  put32(pkg_new + FW_OFF_TYPE, 1);
  put32(pkg_new + FW_OFF_BODY, FW_BODY_MAX + 1);
  put32(pkg_new + FW_OFF_CRC, fw_crc32(pkg_new, FW_OFF_CRC, 0));
  UNIT_CHECK_EQ(fw_image_parse(pkg_new, NULL), FW_ERR_SIZE);
  UNIT_CHECK_EQ(fw_crc32("123456789", 9, 0), 0xCBF43926u);
}

UNIT_TEST(test_journal_records)
{
  /* A torn record (any subset of its zero bits cleared) is never another valid record. */
  for(uint32_t t = 1; t <= BS_REC_ABORT; t++) {
    uint32_t v = BS_RECORD(t, 3);
    for(int k = 0; k < 2000; k++) {
      uint32_t part = v | rnd();
      if(part != v) {
        UNIT_CHECK((uint16_t)part != (uint16_t)~(part >> 16));
      }
    }
  }
  UNIT_CHECK(BS_WORDS_USED <= FW_PAGE_SIZE / 4);
}

UNIT_TEST(test_update_no_cut)
{
  uint32_t target, lo = make_package(pkg_old, 3000, "1.0.0", 1, 1),
           ln = make_package(pkg_new, 5000, "2.0.0", 2, 1);
  bs_state_t end;
  flash_setup(lo, ln);
  trial_boots = 0;
  scenario(APP_CONFIRMS, 0, 0, &target, &end);
  UNIT_CHECK_EQ(trial_boots, 1);
  UNIT_CHECK_EQ(target, FW_LOAD_ADDR);
  UNIT_CHECK_EQ(end.phase, BS_CONFIRMED);
  UNIT_CHECK_EQ(end.trials, 1);
  UNIT_CHECK(memcmp(&flash[FW_SLOT_A - FW_FLASH_BASE], pkg_new, ln) == 0);
  UNIT_CHECK(memcmp(&flash[FW_SLOT_B - FW_FLASH_BASE], pkg_old, lo) == 0);
}

UNIT_TEST(test_never_confirms_rolls_back)
{
  uint32_t target, lo = make_package(pkg_old, 3000, "1.0.0", 1, 1),
           ln = make_package(pkg_new, 5000, "2.0.0", 2, 1);
  bs_state_t end;
  flash_setup(lo, ln);
  trial_boots = 0;
  scenario(APP_NEVER_CONFIRMS, 0, 0, &target, &end);
  UNIT_CHECK_EQ(trial_boots, 3); /* each trial boot under the watchdog, none after the rollback */
  UNIT_CHECK_EQ(end.phase, BS_ROLLED_BACK);
  UNIT_CHECK_EQ(target, FW_LOAD_ADDR);
  UNIT_CHECK(memcmp(&flash[FW_SLOT_A - FW_FLASH_BASE], pkg_old, lo) == 0);
}

UNIT_TEST(test_bad_vectors_roll_back)
{
  uint32_t target, lo = make_package(pkg_old, 3000, "1.0.0", 1, 1),
           ln = make_package(pkg_new, 5000, "2.0.0", 2, 0);
  bs_state_t end;
  flash_setup(lo, ln);
  scenario(APP_CONFIRMS, 0, 0, &target, &end);
  UNIT_CHECK_EQ(end.phase, BS_ROLLED_BACK);
  UNIT_CHECK_EQ(end.trials, 0);
  UNIT_CHECK(memcmp(&flash[FW_SLOT_A - FW_FLASH_BASE], pkg_old, lo) == 0);
}

UNIT_TEST(test_corrupt_b_aborts)
{
  uint32_t target, lo = make_package(pkg_old, 3000, "1.0.0", 1, 1),
           ln = make_package(pkg_new, 5000, "2.0.0", 2, 1);
  bs_state_t end;
  pkg_new[FW_HDR_SIZE + 4000] ^= 0x10;
  flash_setup(lo, ln);
  scenario(APP_CONFIRMS, 0, 0, &target, &end);
  UNIT_CHECK_EQ(end.phase, BS_ABORTED);
  UNIT_CHECK_EQ(end.reason, -FW_ERR_HASH);
  UNIT_CHECK_EQ(target, FW_LOAD_ADDR);
  UNIT_CHECK(memcmp(&flash[FW_SLOT_A - FW_FLASH_BASE], pkg_old, lo) == 0);
  pkg_new[FW_HDR_SIZE + 4000] ^= 0x10;
}

/* The exhaustive proof: a cut at every single flash operation of each scenario, both cut
 * models, plus a second cut at a random point of the recovery. */
UNIT_TEST(test_power_cut_everywhere)
{
  uint32_t lo = make_package(pkg_old, 3000, "1.0.0", 1, 1);
  uint32_t ln = make_package(pkg_new, 5000, "2.0.0", 2, 1);
  for(int t = 0; t <= 1; t++) {
    sweep(APP_CONFIRMS, lo, ln, 1, BS_CONFIRMED, t, 0);
    sweep(APP_CONFIRMS, lo, ln, 1, BS_CONFIRMED, t, 3000);
    sweep(APP_NEVER_CONFIRMS, lo, ln, 0, BS_ROLLED_BACK, t, 0);
  }
  ln = make_package(pkg_new, 5000, "2.0.0", 2, 0);
  sweep(APP_CONFIRMS, lo, ln, 0, BS_ROLLED_BACK, 0, 0);
  sweep(APP_CONFIRMS, lo, ln, 0, BS_ROLLED_BACK, 1, 4000);
  ln = make_package(pkg_new, 5000, "2.0.0", 2, 1);
  pkg_new[FW_HDR_SIZE + 4000] ^= 0x10;
  sweep(APP_CONFIRMS, lo, ln, 0, BS_ABORTED, 1, 0);
  printf("power cuts: %ld cut points checked, %ld bricked or wrong states\n", checked, bricked);
  UNIT_CHECK(checked > 10000);
  UNIT_CHECK_EQ(bricked, 0);
}

/* The app clears the journal when the next download starts. A cut anywhere in that clear, any
 * torn erase included, must leave a journal that boots the installed image and swaps nothing. */
static void
clear_sweep(int app, int swapped, uint8_t end_phase, int good_vectors)
{
  uint32_t target, lo = make_package(pkg_old, 3000, "1.0.0", 1, 1),
           ln = make_package(pkg_new, 5000, "2.0.0", 2, good_vectors);
  static uint8_t before[FW_FLASH_SIZE];
  bs_state_t end;
  uint32_t n;
  flash_setup(lo, ln);
  scenario(app, 0, 0, &target, &end);
  UNIT_CHECK_EQ(end.phase, end_phase);
  n = expect_swapped(lo, ln, swapped);
  memcpy(before, flash, sizeof(flash));
  for(int model = 0; model < 3; model++) {
    for(long cut = 1; cut <= 3; cut++) {
      for(int rep = 0; rep < (model == 2 ? 3000 : 1); rep++) {
        long used;
        memcpy(flash, before, sizeof(flash));
        torn = model > 0;
        torn_erase_bits = model == 2;
        ops = 0;
        cut_at = cut;
        if(!setjmp(cut_env)) {
          bs_clear();
        }
        cut_at = -1;
        used = ops;
        target = bl_run();
        checked++;
        if(!slots_are(want_a, want_b, n) || target != (good_vectors || !swapped ? FW_LOAD_ADDR : 0u) ||
           ops != used) {
          bricked++;
          printf("  clear cut %ld model %d rep %d: slots changed or wrong boot\n", cut, model, rep);
        }
      }
    }
  }
  torn = torn_erase_bits = 0;
}

UNIT_TEST(test_journal_clear_power_cut)
{
  long before = bricked;
  clear_sweep(APP_CONFIRMS, 1, BS_CONFIRMED, 1);
  clear_sweep(APP_NEVER_CONFIRMS, 0, BS_ROLLED_BACK, 1);
  clear_sweep(APP_CONFIRMS, 0, BS_ROLLED_BACK, 0);
  UNIT_CHECK_EQ(bricked, before);
}

/* Header fields and vector-table checks at their boundaries (found by the mutation audit): each
 * field is changed with the header CRC made right again, so the field's own check must catch it. */
static int
parse_resealed(uint8_t *pkg)
{
  put32(pkg + FW_OFF_CRC, fw_crc32(pkg, FW_OFF_CRC, 0));
  return fw_image_parse(pkg, NULL);
}

UNIT_TEST(test_header_field_boundaries)
{
  static const char v32[] = "0123456789abcdef0123456789ABCDEF"; /* 32 characters, no NUL room */
  fw_header_t h;
  make_package(pkg_new, 5000, "2.0.0", 7, 1);
  put32(pkg_new + FW_OFF_MAGIC, FW_HDR_MAGIC ^ 0x01000000u);
  UNIT_CHECK_EQ(parse_resealed(pkg_new), FW_ERR_MAGIC);
  put32(pkg_new + FW_OFF_MAGIC, FW_HDR_MAGIC);
  pkg_new[FW_OFF_HVER + 1] = 1; /* header version 0x101 */
  UNIT_CHECK_EQ(parse_resealed(pkg_new), FW_ERR_MAGIC);
  pkg_new[FW_OFF_HVER + 1] = 0;
  pkg_new[FW_OFF_HSIZE + 1] = 0x08; /* header size 0x800 */
  UNIT_CHECK_EQ(parse_resealed(pkg_new), FW_ERR_MAGIC);
  pkg_new[FW_OFF_HSIZE + 1] = 0x04;
  pkg_new[FW_OFF_SHA + 31] ^= 1; /* the last byte the CRC covers */
  UNIT_CHECK_EQ(fw_image_parse(pkg_new, NULL), FW_ERR_MAGIC);
  UNIT_CHECK_EQ(parse_resealed(pkg_new), FW_OK);
  UNIT_CHECK_EQ(fw_image_verify(pkg_new, NULL), FW_ERR_HASH); /* the digest's last byte counts */
  pkg_new[FW_OFF_SHA + 31] ^= 1;
  UNIT_CHECK_EQ(parse_resealed(pkg_new), FW_OK);
  put32(pkg_new + FW_OFF_LOAD, FW_SLOT_B + FW_HDR_SIZE);
  UNIT_CHECK_EQ(parse_resealed(pkg_new), FW_ERR_TYPE);
  put32(pkg_new + FW_OFF_LOAD, FW_LOAD_ADDR);
  put32(pkg_new + FW_OFF_BODY, 0);
  UNIT_CHECK_EQ(parse_resealed(pkg_new), FW_ERR_SIZE);
  put32(pkg_new + FW_OFF_BODY, FW_BODY_MAX); /* a full slot fits */
  UNIT_CHECK_EQ(parse_resealed(pkg_new), FW_OK);
  put32(pkg_new + FW_OFF_BODY, 5000);
  /* A version of the full 32 characters comes out whole and NUL-terminated. */
  memcpy(pkg_new + FW_OFF_VERSION, v32, FW_VERSION_LEN);
  UNIT_CHECK_EQ(parse_resealed(pkg_new), FW_OK);
  memset(&h, 0x5A, sizeof(h));
  UNIT_CHECK_EQ(fw_image_parse(pkg_new, &h), FW_OK);
  UNIT_CHECK(strlen(h.version) == FW_VERSION_LEN && !memcmp(h.version, v32, FW_VERSION_LEN));
  UNIT_CHECK_EQ(h.load_address, FW_LOAD_ADDR);
  UNIT_CHECK_EQ(h.image_type, FW_TYPE_CC2538_APP);
}

UNIT_TEST(test_vector_table_boundaries)
{
  uint8_t v[8];
  /* initial SP: within SRAM (0x20000000, 0x20008000], word aligned */
  static const struct {
    uint32_t sp, pc, body;
    int ok;
  } cases[] = {
    { 0x20000800u, FW_LOAD_ADDR + 0x101u, 5000, 1 },
    { 0x20000000u, FW_LOAD_ADDR + 0x101u, 5000, 0 }, /* empty stack at the SRAM base */
    { 0x20008000u, FW_LOAD_ADDR + 0x101u, 5000, 1 }, /* top of SRAM */
    { 0x20008004u, FW_LOAD_ADDR + 0x101u, 5000, 0 },
    { 0x20000802u, FW_LOAD_ADDR + 0x101u, 5000, 0 }, /* unaligned */
    { 0x20000800u, FW_LOAD_ADDR + 0x100u, 5000, 0 }, /* not a Thumb address */
    { 0x20000800u, FW_LOAD_ADDR + 4999u, 5001, 1 }, /* last halfword of the body */
    { 0x20000800u, FW_LOAD_ADDR + 5001u, 5001, 0 }, /* just past the body */
  };
  for(size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
    put32(v, cases[i].sp);
    put32(v + 4, cases[i].pc);
    if(fw_vectors_ok(v, cases[i].body) != cases[i].ok) {
      printf("  vector case %u\n", (unsigned)i);
      UNIT_CHECK(0);
    }
  }
}

/* Journal decoding of records our own code never writes (a corrupted or foreign page): a begun
 * swap stays a swap within the slot, a record is only the type its word holds, trials stop at
 * their own words (found by the mutation audit). */
UNIT_TEST(test_journal_decoding_corners)
{
  bs_state_t s;
  cut_at = -1;
  bs_clear();
  bs_request_swap();
  bs_put(BS_W_BEGIN, BS_RECORD(BS_REC_BEGIN, 0)); /* no page count: the whole slot */
  bs_read(&s);
  UNIT_CHECK_EQ(s.phase, BS_SWAPPING);
  UNIT_CHECK_EQ(s.npages, FW_SLOT_PAGES);
  bs_clear();
  bs_request_swap();
  bs_put(BS_W_BEGIN, BS_RECORD(BS_REC_BEGIN, FW_SLOT_PAGES + 1)); /* beyond the slot */
  bs_read(&s);
  UNIT_CHECK_EQ(s.phase, BS_SWAPPING);
  UNIT_CHECK_EQ(s.npages, FW_SLOT_PAGES);
  /* A valid record of another type in the DONE word is not DONE. */
  bs_clear();
  bs_request_swap();
  bs_put(BS_W_BEGIN, BS_RECORD(BS_REC_BEGIN, 3));
  bs_put(BS_W_DONE, BS_RECORD(BS_REC_CONFIRM, 0));
  bs_read(&s);
  UNIT_CHECK_EQ(s.phase, BS_SWAPPING);
  UNIT_CHECK_EQ(s.npages, 3);
  /* Every trial used, then confirmed: 3 trials (the CONFIRM word after them is no trial). */
  bs_clear();
  bs_request_swap();
  bs_put(BS_W_BEGIN, BS_RECORD(BS_REC_BEGIN, 3));
  bs_put(BS_W_DONE, BS_RECORD(BS_REC_DONE, 0));
  for(uint8_t t = 0; t < BS_MAX_TRIALS; t++) {
    bs_put((uint16_t)(BS_W_TRIAL + t), BS_RECORD(BS_REC_TRIAL, t));
  }
  bs_confirm();
  bs_read(&s);
  UNIT_CHECK_EQ(s.phase, BS_CONFIRMED);
  UNIT_CHECK_EQ(s.trials, BS_MAX_TRIALS);
  UNIT_CHECK(strcmp(bs_phase_name(BS_ABORTED), "aborted") == 0);
  UNIT_CHECK(strcmp(bs_phase_name(BS_ABORTED + 1), "?") == 0);
  bs_clear();
}

/* A new image smaller than the old one: the swap covers the old image's pages too, so slot B
 * holds the whole old image afterwards (and a rollback would restore all of it). */
UNIT_TEST(test_update_to_a_smaller_image)
{
  uint32_t target, lo = make_package(pkg_old, 9000, "1.0.0", 1, 1),
           ln = make_package(pkg_new, 1000, "2.0.0", 2, 1);
  bs_state_t end;
  flash_setup(lo, ln);
  scenario(APP_CONFIRMS, 0, 0, &target, &end);
  UNIT_CHECK_EQ(end.phase, BS_CONFIRMED);
  UNIT_CHECK(memcmp(&flash[FW_SLOT_A - FW_FLASH_BASE], pkg_new, ln) == 0);
  UNIT_CHECK(memcmp(&flash[FW_SLOT_B - FW_FLASH_BASE], pkg_old, lo) == 0);
}

/* An image flashed raw (no package header) boots on its vector table alone. */
UNIT_TEST(test_raw_factory_image_boots)
{
  uint32_t lo = make_package(pkg_old, 3000, "1.0.0", 1, 1);
  flash_setup(lo, 0);
  memset(&flash[FW_SLOT_A - FW_FLASH_BASE], 0xFF, FW_HDR_SIZE);
  cut_at = -1;
  bs_clear();
  UNIT_CHECK_EQ(bl_run(), FW_LOAD_ADDR);
  flash[FW_LOAD_ADDR - FW_FLASH_BASE + 4] = 0xFF; /* reset vector 0xFF..: not in the slot */
  flash[FW_LOAD_ADDR - FW_FLASH_BASE + 5] = 0xFF;
  flash[FW_LOAD_ADDR - FW_FLASH_BASE + 6] = 0xFF;
  flash[FW_LOAD_ADDR - FW_FLASH_BASE + 7] = 0xFF;
  UNIT_CHECK_EQ(bl_run(), 0);
}

int
main(void)
{
  UNIT_RUN(test_header_parse);
  UNIT_RUN(test_header_field_boundaries);
  UNIT_RUN(test_vector_table_boundaries);
  UNIT_RUN(test_journal_records);
  UNIT_RUN(test_journal_decoding_corners);
  UNIT_RUN(test_update_to_a_smaller_image);
  UNIT_RUN(test_raw_factory_image_boots);
  UNIT_RUN(test_update_no_cut);
  UNIT_RUN(test_never_confirms_rolls_back);
  UNIT_RUN(test_bad_vectors_roll_back);
  UNIT_RUN(test_corrupt_b_aborts);
  UNIT_RUN(test_power_cut_everywhere);
  UNIT_RUN(test_journal_clear_power_cut);
  return UNIT_DONE();
}
