/* Object 3 (Device). Strings, EUI-64 and platform actions come from lwm2m-plat.h hooks. */
#include "lwm2m.h"
#include "lwm2m-plat.h"

#include <string.h>

#if defined(__GNUC__) && !defined(__clang__) && defined(__OPTIMIZE_SIZE__)
/* -Os size trade-off measured on this file (arm-none-eabi-gcc 12, Cortex-M3): 4 B less */
#pragma GCC optimize("no-tree-forwprop")
#endif

static uint16_t dev_iids[1] = { 0 };
/* Manufacturer, Model, Firmware Version (/3/0/0, 1, 3) read lwm2m_plat_str(rid - rid / 2) */
_Static_assert(LWM2M_PLAT_MODEL == 1 - (1 >> 1) && LWM2M_PLAT_FW_VERSION == 3 - (3 >> 1),
               "Device string resources map onto the LWM2M_PLAT_* order");
_Static_assert(LWM2M_EV_FACTORY_RESET == LWM2M_EV_REBOOT + 1, "Execute /3/0/4, 5: events in order");
/* Current Time = plat base + offset + uptime, modulo 2^32 (unsigned: a far-off time written by a
 * server wraps instead of overflowing a signed int) */
static uint32_t time_offset;
/* Error Code (/3/0/11) is always 0 ("no error"): nothing in this client raises one, so there is
 * no state to keep and Reset Error Code (/3/0/12) has nothing to clear. */

static const lwm2m_res_t dev_res[] = {
  { 0, LWM2M_T_STR | LWM2M_R },                  /* Manufacturer */
  { 1, LWM2M_T_STR | LWM2M_R },                  /* Model Number */
  { 2, LWM2M_T_STR | LWM2M_R },                  /* Serial Number: EUI-64 */
  { 3, LWM2M_T_STR | LWM2M_R },                  /* Firmware Version */
  { 4, LWM2M_E },                                /* Reboot */
  { 5, LWM2M_E },                                /* Factory Reset */
  { 10, LWM2M_T_INT | LWM2M_R },                 /* Memory Free (KiB) */
  { 11, LWM2M_T_INT | LWM2M_R | LWM2M_MULTI },   /* Error Code */
  { 12, LWM2M_E },                               /* Reset Error Code */
  { 13, LWM2M_T_TIME | LWM2M_R | LWM2M_W },      /* Current Time */
  { 16, LWM2M_T_STR | LWM2M_R },                 /* Supported Binding and Modes */
};

static void
reboot(lwm2m_ctx_t *ctx, uint8_t ev)
{
  ctx->pending_ev = ev; /* acted upon in lwm2m_step, after the response went out */
}

static uint8_t
dev_handler(lwm2m_op_t *op)
{
  uint32_t now_s = (uint32_t)lwm2m_plat_time_base() + op->ctx->now / 1000;
  switch(op->op) {
  case LWM2M_OP_COUNT:
    op->v.i = 1;
    return 0;
  case LWM2M_OP_READ: {
    const char *s;
    switch(op->rid) {
    case 0:
    case 1:
    case 3: /* LWM2M_PLAT_MANUFACTURER, _MODEL, _FW_VERSION */
      s = lwm2m_plat_str((uint8_t)(op->rid - (op->rid >> 1)));
      break;
    case 2: {
      uint8_t eui[8];
      char *q = op->scratch; /* 16 hex digits and a NUL: scratch_len is larger */
      lwm2m_plat_eui64(eui);
      for(int i = 0; i < 16; i++) {
        uint8_t d = (uint8_t)(eui[i / 2] << (i & 1) * 4) >> 4;
        q[i] = (char)(d + (d > 9 ? 'A' - 10 : '0')); /* upper-case hex */
      }
      q[16] = 0;
      s = q;
      break;
    }
    case 16: s = "U"; break;
    case 10: op->v.i = (int32_t)lwm2m_plat_free_memory_kb(); return 0;
    case 11: op->v.i = 0; return 0;
    case 13: op->v.i = (int32_t)(now_s + time_offset); return 0;
    default: return COAP_NOT_FOUND;
    }
    op->v.p = (const uint8_t *)s;
    op->v.len = (uint16_t)strlen(s);
    return 0;
  }
  case LWM2M_OP_WRITE: /* only Current Time is writable */
    if(!op->check) {
      time_offset = (uint32_t)op->v.i - now_s;
    }
    return 0;
  case LWM2M_OP_EXECUTE:
    if(op->rid != 12) { /* Reboot (4) or Factory Reset (5): the events follow in that order */
      reboot(op->ctx, (uint8_t)(op->rid - 4 + LWM2M_EV_REBOOT));
    }
    return 0;
  }
  return COAP_METHOD_NOT_ALLOWED;
}

const lwm2m_object_t lwm2m_obj_device = {
  3, 0x11, sizeof(dev_res) / sizeof(dev_res[0]), dev_res, dev_iids, 1, 0, dev_handler
};
