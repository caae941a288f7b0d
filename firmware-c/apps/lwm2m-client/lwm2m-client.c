/* The lwm2m-client application's object table hook and its helpers (lwm2m-client.h). */
#include "apps/lwm2m-client/lwm2m-client.h"

#ifdef CONTIKI_TARGET_NATIVE
#include <stdio.h>
#include <stdlib.h>
#endif

__attribute__((weak)) const lwm2m_object_t *const *
lwm2m_client_objects_hook(const lwm2m_object_t *const *base, uint8_t *n)
{
  (void)n;
  return base;
}

uint8_t
lwm2m_client_extend(const lwm2m_object_t **out, unsigned max, const lwm2m_object_t *const *base,
                    uint8_t nbase, const lwm2m_object_t *const *app, unsigned napp)
{
  unsigned n = 0;
  if(max > 255) {
    max = 255; /* the engine counts objects in a uint8_t */
  }
  for(unsigned i = 0; i < nbase && n < max; i++) {
    out[n++] = base[i];
  }
  for(unsigned i = 0; i < napp && n < max; i++) {
    out[n++] = app[i];
  }
#ifdef CONTIKI_TARGET_NATIVE
  if(n < (unsigned)nbase + napp) {
    fprintf(stderr, "lwm2m-client: object table full: %u of %u objects fit\n", n, nbase + napp);
    abort();
  }
#endif
  lwm2m_client_check((const lwm2m_object_t *const *)out, (uint8_t)n);
  return (uint8_t)n;
}

void
lwm2m_client_check(const lwm2m_object_t *const *objs, uint8_t n)
{
#ifdef CONTIKI_TARGET_NATIVE
  for(unsigned i = 0; i < n; i++) {
    if(!objs[i]) {
      fprintf(stderr, "lwm2m-client: object table entry %u is NULL\n", i);
      abort();
    }
    for(unsigned j = 0; j < i; j++) {
      if(objs[j]->id == objs[i]->id) {
        fprintf(stderr, "lwm2m-client: object /%u is in the table twice (entries %u and %u)\n",
                objs[i]->id, j, i);
        abort();
      }
    }
  }
#else
  (void)objs;
  (void)n;
#endif
}

const lwm2m_object_t *const *
lwm2m_client_objects(const lwm2m_ctx_t *ctx, uint8_t *n)
{
  *n = ctx->nobjs;
  return ctx->objs;
}
