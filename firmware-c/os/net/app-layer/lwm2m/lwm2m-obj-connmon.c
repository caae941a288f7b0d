/* Object 4 (Connectivity Monitoring): bearer, signal strength of the last received frame, IP
 * addresses, all from platform hooks. */
#include "lwm2m.h"
#include "lwm2m-plat.h"

static uint16_t cm_iids[1] = { 0 };

static const lwm2m_res_t cm_res[] = {
  { 0, LWM2M_T_INT | LWM2M_R },                 /* Network Bearer */
  { 1, LWM2M_T_INT | LWM2M_R | LWM2M_MULTI },   /* Available Network Bearer */
  { 2, LWM2M_T_INT | LWM2M_R },                 /* Radio Signal Strength (dBm) */
  { 4, LWM2M_T_STR | LWM2M_R | LWM2M_MULTI },   /* IP Addresses */
};

/* IPv6 text in the canonical form of RFC 5952: lowercase hex without leading zeros, the first
 * longest run of two or more zero groups as "::" */
static uint16_t
ip6_text(const uint8_t *a, char *out)
{
  int best = -1, blen = 1, run = 0, sep = 0;
  uint16_t n = 0;
  for(int g = 0; g < 8; g++) {
    run = a[2 * g] | a[2 * g + 1] ? 0 : run + 1;
    if(run > blen) {
      blen = run;
      best = g - run + 1;
    }
  }
  for(int g = 0; g < 8; g++) {
    uint16_t v = (uint16_t)((a[2 * g] << 8) | a[2 * g + 1]);
    int started = 0;
    if(g == best) {
      out[n++] = ':';
      out[n++] = ':';
      g += blen - 1;
      sep = 0;
      continue;
    }
    if(sep) {
      out[n++] = ':';
    }
    sep = 1;
    for(int s = 12; s >= 0; s -= 4) {
      uint8_t d = (v >> s) & 15;
      if(d || started || !s) {
        out[n++] = "0123456789abcdef"[d];
        started = 1;
      }
    }
  }
  return n;
}

static uint8_t
cm_handler(lwm2m_op_t *op)
{
  if(op->op == LWM2M_OP_COUNT) {
    op->v.i = op->rid == 1 ? 1 : lwm2m_plat_ip_count();
    return 0;
  }
  if(op->op != LWM2M_OP_READ) {
    return COAP_METHOD_NOT_ALLOWED;
  }
  switch(op->rid) {
  case 0:
  case 1:
    op->v.i = lwm2m_plat_bearer();
    return 0;
  case 2:
    op->v.i = lwm2m_plat_rssi();
    return 0;
  case 4: {
    uint8_t a[16];
    if(op->riid >= lwm2m_plat_ip_count() || op->scratch_len < 40) {
      return COAP_NOT_FOUND;
    }
    lwm2m_plat_ip((uint8_t)op->riid, a);
    op->v.len = ip6_text(a, op->scratch);
    op->v.p = (const uint8_t *)op->scratch;
    return 0;
  }
  }
  return COAP_NOT_FOUND;
}

const lwm2m_object_t lwm2m_obj_connmon = {
  4, 0x12, sizeof(cm_res) / sizeof(cm_res[0]), cm_res, cm_iids, 1, 0, cm_handler
};
