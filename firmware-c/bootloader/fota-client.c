/* The CC2538 LwM2M client (apps/lwm2m-client/cc2538-main.c) built for slot A with
 * Object 5. The client's source is compiled here unchanged; its calls to lwm2m_start and
 * lwm2m_step are routed through two hooks that add what a firmware update needs (and
 * lwm2m_plat_str is wrapped so that /3/0/3 reports the version sealed into the image):
 *   - start: read the boot journal (update outcome, trial state), watch for registration to
 *     confirm a trial image (the bootloader rolls back an image that never confirms);
 *   - step: after an accepted Execute /5/0/2, let the 2.04 and the State=3 notification leave,
 *     write the swap request and restart into the bootloader (soft restart: Renode erases flash
 *     on a machine reset); restart too when a trial image fails to register in time. */
#include "net/app-layer/lwm2m/lwm2m.h"

static void fota_hook_start(lwm2m_ctx_t *c);
static uint32_t fota_hook_step(lwm2m_ctx_t *c, uint32_t now);

#define LWM2M_WITH_FW 1
#define lwm2m_start(c) fota_hook_start(c)
#define lwm2m_step(c, now) fota_hook_step(c, now)
#define lwm2m_plat_str fota_client_plat_str /* wrapped below: /3/0/3 from the sealed header */
#include "apps/lwm2m-client/cc2538-main.c"
#undef lwm2m_start
#undef lwm2m_step
#undef lwm2m_plat_str

#include "bootloader/fw-image.h"
#include "net/app-layer/lwm2m/lwm2m-obj-fw.h"

#ifndef FOTA_RESTART_DELAY_MS
#define FOTA_RESTART_DELAY_MS 500u /* the Execute response and notifications go out first */
#endif

#ifndef FOTA_DOWNLOAD_TICK_MS
#define FOTA_DOWNLOAD_TICK_MS 10000u
#endif

const char *lwm2m_plat_str(uint8_t which);

/* Firmware Version (/3/0/3): the version sealed into the running image's header (what the
 * package said), the compiled-in one for an unsealed image. */
const char *
lwm2m_plat_str(uint8_t which)
{
  return which == LWM2M_PLAT_FW_VERSION ? lwm2m_fw_running_version(FIRMWARE_VERSION)
                                        : fota_client_plat_str(which);
}

static lwm2m_event_fn fota_app_event;
static uint32_t fota_restart_at;
static uint8_t fota_started, fota_restart;

static void
fota_event(lwm2m_ctx_t *c, uint8_t ev, const char *detail)
{
  if(fota_app_event) {
    fota_app_event(c, ev, detail);
  }
  if(ev == LWM2M_EV_REGISTERED) {
    lwm2m_fw_registered();
  }
}

static void
fota_hook_start(lwm2m_ctx_t *c)
{
  if(!fota_started) {
    fota_started = 1;
    lwm2m_fw_init(c, c->now);
    fmt_printf("fw: running %s, update result %u\n", lwm2m_fw_running_version(FIRMWARE_VERSION),
               (unsigned)lwm2m_fw_result());
  }
  if(c->event != fota_event) {
    fota_app_event = c->event;
    c->event = fota_event;
  }
  lwm2m_start(c);
}

static uint32_t
fota_hook_step(lwm2m_ctx_t *c, uint32_t now)
{
  uint32_t wait = lwm2m_step(c, now);
  switch(lwm2m_fw_poll(now)) {
  case LWM2M_FW_APPLY:
    fmt_printf("fw: update requested, restarting into the bootloader\n");
    fota_restart = 1;
    fota_restart_at = now + FOTA_RESTART_DELAY_MS;
    break;
  case LWM2M_FW_TRIAL_EXPIRED:
    fmt_printf("fw: trial image did not register, restarting\n");
    fota_restart = 1;
    fota_restart_at = now;
    break;
  }
  if(lwm2m_fw_state() == LWM2M_FW_DOWNLOADING && wait > FOTA_DOWNLOAD_TICK_MS) {
    wait = FOTA_DOWNLOAD_TICK_MS; /* lwm2m_fw_poll watches for an abandoned push */
  }
  if(fota_restart) {
    int32_t left = (int32_t)(fota_restart_at - now);
    if(left <= 0) {
      platform_soft_restart(FW_BOOT_ADDR);
    }
    if((uint32_t)left < wait) {
      wait = (uint32_t)left;
    }
  }
  return wait;
}
