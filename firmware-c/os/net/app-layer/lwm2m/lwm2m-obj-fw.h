/* Object 5 (Firmware Update, TS 1.1 / object v1.1) over the two-slot bootloader
 * (bootloader/README.md).
 *
 * Push: Block1 PUT/POST of /5/0/0 streams the package into slot B page by page (the engine's
 * LWM2M_STREAM write); the header is checked as soon as it has arrived (type -> Result 6,
 * size -> Result 2), the body's SHA-256 when the last block is in (-> Result 5), then State 2.
 * Pull: a coap:// URI written to /5/0/1 is fetched with Block2 GETs through the engine's CoAP
 * endpoint (LWM2M_FW_PULL_SZX block size); other schemes -> Result 9, bad URI -> Result 7,
 * error response -> Result 7, timeout -> Result 4.
 * Execute /5/0/2 in State 2: State 3; the application then takes lwm2m_fw_poll()'s
 * LWM2M_FW_APPLY, writes the swap request and restarts into the bootloader (after the response
 * is on its way). After the restart, lwm2m_fw_init() derives State/Result from the boot journal
 * and lwm2m_fw_registered() confirms a trial image (Result 1) once the client has registered.
 * '\0' to /5/0/0 or an empty /5/0/1 resets to Idle (Result 0); Execute /5/0/10 cancels a
 * download (Result 10; 4.05 once Updating). */
#ifndef LWM2M_OBJ_FW_H_
#define LWM2M_OBJ_FW_H_

#include "lwm2m.h"

#ifndef LWM2M_FW_URI_MAX
#define LWM2M_FW_URI_MAX 128      /* Package URI incl. NUL (longer: Result 7) */
#endif
#ifndef LWM2M_FW_PULL_SZX
#define LWM2M_FW_PULL_SZX 6       /* Block2 size asked for when pulling: 16 << 6 = 1024 */
#endif
#ifndef LWM2M_FW_BLOCK1_IDLE_MS
/* A push with no block for this long is abandoned: Result 4 (RFC 7959 2.5: a server may drop
 * a partial body after EXCHANGE_LIFETIME, 247 s). Checked by lwm2m_fw_poll. */
#define LWM2M_FW_BLOCK1_IDLE_MS 247000u
#endif
#ifndef LWM2M_FW_TRIAL_MS
#define LWM2M_FW_TRIAL_MS 300000u /* a trial image that has not registered by then restarts */
#endif

enum { LWM2M_FW_IDLE, LWM2M_FW_DOWNLOADING, LWM2M_FW_DOWNLOADED, LWM2M_FW_UPDATING };
enum {
  LWM2M_FW_R_INITIAL, LWM2M_FW_R_SUCCESS, LWM2M_FW_R_NO_FLASH, LWM2M_FW_R_NO_RAM,
  LWM2M_FW_R_CONN_LOST, LWM2M_FW_R_INTEGRITY, LWM2M_FW_R_TYPE, LWM2M_FW_R_BAD_URI,
  LWM2M_FW_R_FAILED, LWM2M_FW_R_PROTOCOL, LWM2M_FW_R_CANCELLED, LWM2M_FW_R_DEFERRED
};
/* lwm2m_fw_poll() actions for the application */
enum { LWM2M_FW_NOTHING, LWM2M_FW_APPLY, LWM2M_FW_TRIAL_EXPIRED };

extern const lwm2m_object_t lwm2m_obj_fw;

/* At start-up, before lwm2m_start: reads the boot journal (update outcome, trial state). */
void lwm2m_fw_init(lwm2m_ctx_t *ctx, uint32_t now);
/* Call on LWM2M_EV_REGISTERED: confirms a trial image (the update succeeded). */
void lwm2m_fw_registered(void);
/* Call after lwm2m_input/lwm2m_step: LWM2M_FW_APPLY (Execute accepted: request the swap and
 * restart into the bootloader) or LWM2M_FW_TRIAL_EXPIRED (restart into the bootloader). */
uint8_t lwm2m_fw_poll(uint32_t now);
/* The version of the running image (its sealed header), else `fallback`. */
const char *lwm2m_fw_running_version(const char *fallback);
uint8_t lwm2m_fw_state(void);
uint8_t lwm2m_fw_result(void);

#endif /* LWM2M_OBJ_FW_H_ */
