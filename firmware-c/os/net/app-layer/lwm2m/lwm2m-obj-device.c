/* Object 3 (Device). Strings, EUI-64 and platform actions come from lwm2m-plat.h hooks. */
#include "lwm2m.h"
#include "lwm2m-plat.h"

#include <string.h>

static uint16_t dev_iids[1] = { 0 };
static int32_t time_offset; /* Current Time = plat base + offset + uptime */
static uint8_t error_code;

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
  int32_t now_s = lwm2m_plat_time_base() + (int32_t)(op->ctx->now / 1000);
  switch(op->op) {
  case LWM2M_OP_COUNT:
    op->v.i = 1;
    return 0;
  case LWM2M_OP_READ:
    switch(op->rid) {
    case 0:
    case 1:
    case 3: {
      const char *s = lwm2m_plat_str(op->rid == 0 ? LWM2M_PLAT_MANUFACTURER
                                     : op->rid == 1 ? LWM2M_PLAT_MODEL : LWM2M_PLAT_FW_VERSION);
      op->v.p = (const uint8_t *)s;
      op->v.len = (uint16_t)strlen(s);
      return 0;
    }
    case 2: {
      uint8_t eui[8];
      lwm2m_plat_eui64(eui);
      for(int i = 0; i < 16; i++) {
        op->scratch[i] = "0123456789ABCDEF"[(eui[i / 2] >> (i & 1 ? 0 : 4)) & 15];
      }
      op->v.p = (const uint8_t *)op->scratch;
      op->v.len = 16;
      return 0;
    }
    case 10: op->v.i = (int32_t)lwm2m_plat_free_memory_kb(); return 0;
    case 11: op->v.i = error_code; return 0;
    case 13: op->v.i = now_s + time_offset; return 0;
    case 16: op->v.p = (const uint8_t *)"U"; op->v.len = 1; return 0;
    }
    return COAP_NOT_FOUND;
  case LWM2M_OP_WRITE: /* only Current Time is writable */
    if(!op->check) {
      time_offset = op->v.i - now_s;
    }
    return 0;
  case LWM2M_OP_EXECUTE:
    if(op->rid == 12) {
      error_code = 0;
    } else {
      reboot(op->ctx, op->rid == 4 ? LWM2M_EV_REBOOT : LWM2M_EV_FACTORY_RESET);
    }
    return 0;
  }
  return COAP_METHOD_NOT_ALLOWED;
}

const lwm2m_object_t lwm2m_obj_device = {
  3, 0x11, sizeof(dev_res) / sizeof(dev_res[0]), dev_res, dev_iids, 1, 0, dev_handler
};
