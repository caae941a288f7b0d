/* Block hook for the builtin emulator: exact guest-instruction counting with a budget.
 *
 * Registered with uc_hook_add(UC_HOOK_BLOCK) on the Python Uc's engine. At each translation-block
 * entry it decides whether to stop (budget reached, sync requested, or a pending exception that the
 * current PRIMASK/BASEPRI allow), and otherwise counts the block's Thumb instructions by decoding the
 * halfwords (a 32-bit Thumb-2 instruction starts with 0b11101, 0b11110 or 0b11111).
 * Unicorn functions are passed in as pointers so this file needs no unicorn headers or linking.
 */
#include <stdint.h>
#include <stddef.h>

typedef int (*emu_stop_fn)(void *uc);
typedef int (*reg_read_fn)(void *uc, int regid, void *value);

struct rig_region {
    uint32_t base;
    uint32_t size;
    const uint8_t *mem;
};

struct rig_core {
    uint64_t count;        /* instructions in blocks entered so far */
    uint64_t limit;        /* stop at a block boundary once count >= limit */
    int32_t sync;          /* nonzero: stop at the next block boundary (set by peripherals) */
    int32_t pending_prio;  /* best pending exception priority able to preempt; >= 256: none */
    int32_t stopped;       /* set when this hook stopped the engine */
    int32_t primask_reg;   /* UC_ARM_REG_PRIMASK */
    int32_t basepri_reg;   /* UC_ARM_REG_BASEPRI */
    uint32_t n_regions;
    struct rig_region regions[4];
    emu_stop_fn emu_stop;
    reg_read_fn reg_read;
    uint64_t block_addr;   /* the block entered last, counted whole: a stop inside it (a debugger's */
    uint32_t block_size;   /* breakpoint or step) gives back the instructions it did not run */
    uint32_t cov_base;     /* coverage: one bit per halfword of [cov_base, cov_base + cov_size) */
    uint32_t cov_size;
    uint8_t *cov_bits;     /* NULL: no coverage */
    uint32_t cnt_base;     /* profile: executions of the instruction starting at each halfword of */
    uint32_t cnt_size;     /* [cnt_base, cnt_base + cnt_size), one uint32_t per halfword */
    uint32_t *cnt;         /* NULL: no profile */
};

static int rig_masked(void *uc, struct rig_core *c)
{
    uint32_t primask = 0, basepri = 0;
    c->reg_read(uc, c->primask_reg, &primask);
    if (primask & 1)
        return 1;
    c->reg_read(uc, c->basepri_reg, &basepri);
    basepri &= 0xff;
    return basepri != 0 && c->pending_prio >= (int32_t)basepri;
}

/* Instructions in the block; with a profile (c->cnt) also +1 on the execution count of each
 * instruction start, in the same decoding pass, so a block's counts add up to what it adds to
 * c->count. Counts saturate at UINT32_MAX instead of wrapping. */
static uint32_t rig_count_insns(const struct rig_core *c, uint64_t address, uint32_t size)
{
    for (uint32_t i = 0; i < c->n_regions; i++) {
        const struct rig_region *r = &c->regions[i];
        uint64_t off = address - r->base;
        if (address >= r->base && off + size <= r->size) {
            const uint8_t *p = r->mem + off;
            uint32_t n = 0, pos = 0;
            uint64_t coff = address - c->cnt_base;
            if (c->cnt && address >= c->cnt_base && coff + size <= c->cnt_size) {
                uint32_t *slot = c->cnt + (coff >> 1);
                while (pos < size) {
                    uint16_t hw = (uint16_t)(p[pos] | (p[pos + 1] << 8));
                    slot[pos >> 1] += slot[pos >> 1] != UINT32_MAX;
                    pos += ((hw >> 11) >= 0x1d) ? 4u : 2u;
                    n++;
                }
                return n;
            }
            while (pos < size) {
                uint16_t hw = (uint16_t)(p[pos] | (p[pos + 1] << 8));
                pos += ((hw >> 11) >= 0x1d) ? 4u : 2u;
                n++;
            }
            return n;
        }
    }
    return size / 2 ? size / 2 : 1; /* code outside flash/RAM: approximate */
}

void rig_block_hook(void *uc, uint64_t address, uint32_t size, void *user_data)
{
    struct rig_core *c = (struct rig_core *)user_data;
    if (c->count >= c->limit || c->sync ||
        (c->pending_prio < 256 && !rig_masked(uc, c))) {
        c->stopped = 1;
        c->emu_stop(uc);
        return;
    }
    c->count += rig_count_insns(c, address, size);
    c->block_addr = address;
    c->block_size = size;
    if (c->cov_bits) {
        uint64_t off = address - c->cov_base;
        if (address >= c->cov_base && off + size <= c->cov_size) {
            for (uint64_t h = off >> 1; h < (off + size) >> 1; h++)
                c->cov_bits[h >> 3] |= (uint8_t)(1u << (h & 7));
        }
    }
}

size_t rig_core_size(void) { return sizeof(struct rig_core); }
