/* libFuzzer: CoAP parser, option iterator, the endpoint's input path (server role) and the
 * coap:// URI parser (the input as a string). */
#include "net/app-layer/coap/coap-engine.h"

#include <string.h>

static int
fsend(void *u, const coap_ep_t *to, const uint8_t *b, uint16_t n)
{
  coap_msg_t m;
  (void)u;
  (void)to;
  /* everything we send must parse back */
  if(coap_parse(&m, b, n) < 0) {
    __builtin_trap();
  }
  return 0;
}

static uint32_t
frand(void *u)
{
  (void)u;
  return 4;
}

static void
handler(coap_ctx_t *c, const coap_ep_t *from, const coap_msg_t *req, coap_resp_t *r)
{
  (void)c;
  (void)from;
  r->code = COAP_CONTENT;
  for(int i = 0; i < 40; i++) {
    coap_win_str(&r->win, "0123456789");
  }
  if(req->observe == 0) {
    static coap_observer_t o;
    coap_observe_start(&o, from, req, r);
  }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  static coap_ctx_t c;
  coap_msg_t m;
  coap_ep_t ep = { { 0 }, 5683 };
  uint16_t n = size > 1500 ? 1500 : (uint16_t)size;
  if(coap_parse(&m, data, n) == 0) {
    coap_opt_iter_t it;
    const uint8_t *v;
    uint16_t l;
    coap_opt_iter_init(&it, &m);
    while(coap_opt_next(&it, &v, &l)) {
      (void)coap_uint_decode(v, l > 4 ? 4 : l);
    }
  }
  coap_init(&c, fsend, frand, handler, NULL, 0);
  coap_input(&c, 1, data, n, &ep);
  coap_input(&c, 2, data, n, &ep); /* duplicate path */
  coap_step(&c, 100000);
  {
    static char uri[128];
    size_t k = size < sizeof(uri) - 1 ? size : sizeof(uri) - 1;
    memcpy(uri, data, k);
    uri[k] = 0;
    (void)coap_ep_parse(uri, &ep);
  }
  return 0;
}
