/* An application's own object, the template of firmware-c/README.md ("Adding an object"): OMA 3300
 * Generic Sensor with the uptime as its value and an Application Type the server may write.
 * Built into the lwm2m-client images only when a fragment names it (tests/test_firmware_extension.py):
 *   LWM2M_CLIENT_EXTRA_SRCS += apps/lwm2m-client/objects/obj-generic-sensor.c
 *   LWM2M_CLIENT_EXTRA_OBJECTS += X(lwm2m_obj_generic_sensor)
 */
#include "net/app-layer/lwm2m/lwm2m.h"

#include <string.h>

static uint16_t sensor_iids[1] = { 0 }; /* one instance, /3300/0 */
static char sensor_type[16] = "uptime";
static uint8_t sensor_type_len = 6;

static const lwm2m_res_t sensor_res[] = {
  { 5700, LWM2M_T_FLOAT | LWM2M_R },          /* Sensor Value: seconds since boot */
  { 5701, LWM2M_T_STR | LWM2M_R },            /* Sensor Units */
  { 5750, LWM2M_T_STR | LWM2M_R | LWM2M_W },  /* Application Type */
};

static uint8_t
sensor_handler(lwm2m_op_t *op)
{
  switch(op->op) {
  case LWM2M_OP_READ:
    switch(op->rid) {
    case 5700: /* floats in thousandths: whole seconds, wrapping before int32_t would overflow */
      op->v.i = (int32_t)(op->ctx->now / 1000u % 2000000u) * 1000;
      return 0;
    case 5701: op->v.p = (const uint8_t *)"s"; op->v.len = 1; return 0;
    default: op->v.p = (const uint8_t *)sensor_type; op->v.len = sensor_type_len; return 0;
    }
  case LWM2M_OP_WRITE: /* only 5750 is writable: the engine refuses the others with 4.05 */
    if(op->v.len > sizeof(sensor_type)) {
      return COAP_BAD_REQUEST;
    }
    if(!op->check) { /* the engine checks a whole write first (check = 1), then applies it */
      memcpy(sensor_type, op->v.p, op->v.len);
      sensor_type_len = (uint8_t)op->v.len;
    }
    return 0;
  }
  return COAP_METHOD_NOT_ALLOWED;
}

const lwm2m_object_t lwm2m_obj_generic_sensor = {
  3300, 0, sizeof(sensor_res) / sizeof(sensor_res[0]), sensor_res, sensor_iids, 1, 0, sensor_handler
};
