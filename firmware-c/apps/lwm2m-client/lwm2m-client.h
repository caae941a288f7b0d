/* The lwm2m-client application's object table, for applications that add objects of their own
 * without editing the client or the engine (firmware-c/README.md, "Adding an object"). Shared by
 * the CC2538 images (but lwm2m-client-min, which has objects 0/1/3 only) and the native client.
 *
 * The client registers its built-in table (objects 0/1/3/4/3303/3311, 5 in the FOTA image, then
 * LWM2M_CLIENT_EXTRA_OBJECTS) as lwm2m_client_objects_hook returns it. An application appends its
 * own table with one line in one of its sources (built in with LWM2M_CLIENT_EXTRA_SRCS):
 *
 *   LWM2M_CLIENT_APP_OBJECTS(&my_obj_a, &my_obj_b);
 *
 * which defines the hook with a static table of exactly the room needed (no heap; its RAM counts
 * in your file). Host builds abort naming an object ID that is in the table twice (a second /3
 * would be shadowed silently on the device). */
#ifndef LWM2M_CLIENT_H_
#define LWM2M_CLIENT_H_

#include "net/app-layer/lwm2m/lwm2m.h"

/* Entries of the built-in table at most: 0, 1, 3, 4, 5, 3303, 3311 and each X(...) of
 * LWM2M_CLIENT_EXTRA_OBJECTS (the same -D reaches every source of the image) */
#ifdef LWM2M_CLIENT_EXTRA_OBJECTS
#define X(obj) +1
enum { LWM2M_CLIENT_BUILTIN_MAX = 7 LWM2M_CLIENT_EXTRA_OBJECTS };
#undef X
#else
enum { LWM2M_CLIENT_BUILTIN_MAX = 7 };
#endif

/* Hook: the table the client registers, given the built-in one (base, *n entries); returns it or a
 * table that extends it, with *n its length. The default (weak) returns base. */
const lwm2m_object_t *const *lwm2m_client_objects_hook(const lwm2m_object_t *const *base,
                                                      uint8_t *n);

/* out[0..max) = base[0..nbase) then app[0..napp); returns the length (what fits; at most 255).
 * Host builds: lwm2m_client_check on the result. */
uint8_t lwm2m_client_extend(const lwm2m_object_t **out, unsigned max,
                            const lwm2m_object_t *const *base, uint8_t nbase,
                            const lwm2m_object_t *const *app, unsigned napp);

/* Host builds (CONTIKI_TARGET_NATIVE): aborts, naming it on stderr, if an object ID is in objs
 * twice or an entry is NULL; nothing on the device (flash). */
void lwm2m_client_check(const lwm2m_object_t *const *objs, uint8_t n);

/* Accessor: the table the client registered (after lwm2m_init), its length in *n */
const lwm2m_object_t *const *lwm2m_client_objects(const lwm2m_ctx_t *ctx, uint8_t *n);

#define LWM2M_CLIENT_APP_OBJECTS(...)                                                          \
  static const lwm2m_object_t *const lwm2m_client_app_[] = { __VA_ARGS__ };                     \
  const lwm2m_object_t *const *lwm2m_client_objects_hook(const lwm2m_object_t *const *base,    \
                                                        uint8_t *n)                           \
  {                                                                                           \
    static const lwm2m_object_t *table[LWM2M_CLIENT_BUILTIN_MAX + sizeof(lwm2m_client_app_) /  \
                                                                  sizeof(lwm2m_client_app_[0])]; \
    *n = lwm2m_client_extend(table, sizeof(table) / sizeof(table[0]), base, *n,               \
                             lwm2m_client_app_,                                               \
                             sizeof(lwm2m_client_app_) / sizeof(lwm2m_client_app_[0]));       \
    return (const lwm2m_object_t *const *)table;                                              \
  }                                                                                           \
  extern const lwm2m_object_t *const lwm2m_client_app_[] /* swallows the caller's ';' */

#endif /* LWM2M_CLIENT_H_ */
