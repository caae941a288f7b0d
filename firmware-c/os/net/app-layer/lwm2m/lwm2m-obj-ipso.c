/* IPSO objects 3303 (Temperature: a deterministic emulated sensor, a function of time) and
 * 3311 (Light Control: on/off and dimmer drive the LED through lwm2m_plat_light). */
#include "lwm2m.h"
#include "lwm2m-plat.h"

#include <string.h>

#ifndef LWM2M_TEMP_INST
#define LWM2M_TEMP_INST 2
#endif

/* ---- 3303 ---- */
static uint16_t temp_iids[LWM2M_TEMP_INST] = { 0
#if LWM2M_TEMP_INST > 1
                                               , LWM2M_NO_ID
#endif
};
static int32_t temp_min[LWM2M_TEMP_INST], temp_max[LWM2M_TEMP_INST];
static uint8_t temp_seen[LWM2M_TEMP_INST];

static const lwm2m_res_t temp_res[] = {
  { 5700, LWM2M_T_FLOAT | LWM2M_R }, /* Sensor Value */
  { 5701, LWM2M_T_STR | LWM2M_R },   /* Sensor Units */
  { 5601, LWM2M_T_FLOAT | LWM2M_R }, /* Min Measured Value */
  { 5602, LWM2M_T_FLOAT | LWM2M_R }, /* Max Measured Value */
  { 5603, LWM2M_T_FLOAT | LWM2M_R }, /* Min Range Value */
  { 5604, LWM2M_T_FLOAT | LWM2M_R }, /* Max Range Value */
  { 5605, LWM2M_E },                 /* Reset Min and Max Measured Values */
};

/* Triangle wave between 20.000 and 26.000 Cel with a 120 s period, stepping every second;
 * instance n reads n degrees higher. */
int32_t
lwm2m_temperature_at(uint32_t now_ms, uint16_t iid)
{
  uint32_t t = (now_ms / 1000) % 120;
  int32_t tri = t < 60 ? (int32_t)t : (int32_t)(120 - t);
  return 20000 + tri * 100 + iid * 1000;
}

static uint8_t
temp_handler(lwm2m_op_t *op)
{
  uint8_t s = op->slot;
  int32_t v = lwm2m_temperature_at(op->ctx->now, op->iid);
  if(!temp_seen[s] || v < temp_min[s]) {
    temp_min[s] = v;
  }
  if(!temp_seen[s] || v > temp_max[s]) {
    temp_max[s] = v;
  }
  temp_seen[s] = 1;
  switch(op->op) {
  case LWM2M_OP_CREATE:
  case LWM2M_OP_DELETE:
    temp_seen[s] = 0;
    return 0;
  case LWM2M_OP_EXECUTE:
    temp_min[s] = temp_max[s] = v;
    return 0;
  case LWM2M_OP_READ:
    switch(op->rid) {
    case 5700: op->v.i = v; return 0;
    case 5701: op->v.p = (const uint8_t *)"Cel"; op->v.len = 3; return 0;
    case 5601: op->v.i = temp_min[s]; return 0;
    case 5602: op->v.i = temp_max[s]; return 0;
    case 5603: op->v.i = -40000; return 0;
    case 5604: op->v.i = 85000; return 0;
    }
    return COAP_NOT_FOUND;
  }
  return COAP_METHOD_NOT_ALLOWED;
}

const lwm2m_object_t lwm2m_obj_temperature = {
  3303, 0x11, sizeof(temp_res) / sizeof(temp_res[0]), temp_res, temp_iids, LWM2M_TEMP_INST,
  LWM2M_OBJ_CREATE, temp_handler
};

/* ---- 3311 ---- */
static uint16_t light_iids[1] = { 0 };
static uint8_t light_on, light_dim = 100;
static uint32_t light_since; /* ms when switched on */

static const lwm2m_res_t light_res[] = {
  { 5850, LWM2M_T_BOOL | LWM2M_R | LWM2M_W }, /* On/Off */
  { 5851, LWM2M_T_INT | LWM2M_R | LWM2M_W },  /* Dimmer 0..100 */
  { 5852, LWM2M_T_INT | LWM2M_R | LWM2M_W },  /* On Time (s) */
};

static uint8_t
light_handler(lwm2m_op_t *op)
{
  uint32_t now = op->ctx->now;
  if(op->op == LWM2M_OP_READ) {
    op->v.i = op->rid == 5850 ? light_on : op->rid == 5851 ? light_dim
            : light_on ? (int32_t)((now - light_since) / 1000) : 0;
    return 0;
  }
  if(op->op != LWM2M_OP_WRITE) {
    return COAP_METHOD_NOT_ALLOWED;
  }
  if(op->v.i < 0 || (op->rid == 5851 && op->v.i > 100)) {
    return COAP_BAD_REQUEST;
  }
  if(op->check) {
    return 0;
  }
  switch(op->rid) {
  case 5850:
    if(op->v.i && !light_on) {
      light_since = now;
    }
    light_on = (uint8_t)op->v.i;
    break;
  case 5851:
    light_dim = (uint8_t)op->v.i;
    break;
  default: /* writing On Time resets the counter (to the given value) */
    light_since = now - (uint32_t)op->v.i * 1000u;
    return 0;
  }
  lwm2m_plat_light(light_on, light_dim);
  return 0;
}

const lwm2m_object_t lwm2m_obj_light = {
  3311, 0x11, sizeof(light_res) / sizeof(light_res[0]), light_res, light_iids, 1, 0, light_handler
};
