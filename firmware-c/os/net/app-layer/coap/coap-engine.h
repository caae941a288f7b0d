/* CoAP endpoint over an abstract datagram API: confirmable transactions with randomised
 * exponential back-off, duplicate detection, client and server roles, block-wise transfers
 * (RFC 7959, re-rendering one block at a time) and observe notifications (RFC 7641).
 * All state lives in one caller-owned coap_ctx_t; time is passed in (milliseconds, wrapping). */
#ifndef COAP_ENGINE_H_
#define COAP_ENGINE_H_

#include "coap.h"

#ifndef COAP_MAX_PDU
#define COAP_MAX_PDU 256         /* largest datagram we build */
#endif
#ifndef COAP_PREF_SZX
#define COAP_PREF_SZX 3          /* our block size: 16 << 3 = 128 bytes */
#endif
#ifndef COAP_MAX_TRANS
#define COAP_MAX_TRANS 3         /* outstanding confirmable messages we sent */
#endif
#ifndef COAP_DEDUP_N
#define COAP_DEDUP_N 4           /* remembered incoming confirmable message IDs */
#endif
#ifndef COAP_ACK_TIMEOUT_MS
#define COAP_ACK_TIMEOUT_MS 2000
#endif
#ifndef COAP_MAX_RETRANSMIT
#define COAP_MAX_RETRANSMIT 4
#endif
#ifndef COAP_SEPARATE_TIMEOUT_MS
#define COAP_SEPARATE_TIMEOUT_MS 60000 /* wait for a separate response after an empty ACK */
#endif
#ifndef COAP_DEDUP_LIFETIME_MS
#define COAP_DEDUP_LIFETIME_MS 247000  /* EXCHANGE_LIFETIME */
#endif
#ifndef COAP_OBS_CON_EVERY
#define COAP_OBS_CON_EVERY 8     /* at least every N-th notification is confirmable */
#endif
#define COAP_RESP_HEADROOM 48    /* room kept for header+options before a response payload */

/* 16-byte IPv6 address (IPv4 as ::ffff:a.b.c.d) + port, host byte order */
typedef struct coap_ep {
  uint8_t addr[16];
  uint16_t port;
} coap_ep_t;

typedef struct coap_ctx coap_ctx_t;
typedef struct coap_trans coap_trans_t;
struct coap_observer;

/* Writes the options of an outgoing request/notification (the header is already in b), then
 * usually coap_build_body(). Called again for every retransmission and every block. */
typedef void (*coap_build_fn)(coap_ctx_t *c, coap_trans_t *t, coap_build_t *b);
/* A response arrived (msg), or the exchange failed: msg == NULL (timeout / no room to send) or
 * msg->type == COAP_RST. For a Block2 response with more blocks to come the engine fetches the
 * next block after this returns, unless it returns non-zero. */
typedef int (*coap_resp_fn)(coap_ctx_t *c, coap_trans_t *t, const coap_msg_t *msg);
/* Renders a whole representation into a window (see coap_win_t). */
typedef void (*coap_render_fn)(void *arg, coap_win_t *w);

#define COAP_T_FREE 0
#define COAP_T_WAIT_ACK 1   /* confirmable sent, retransmitting */
#define COAP_T_WAIT_RESP 2  /* empty ACK (or NON sent): waiting for the response */
#define COAP_T_IN_CB 3      /* its response callback is running */

struct coap_trans {
  coap_ep_t ep;
  uint32_t deadline, timeout;
  coap_build_fn build;
  coap_resp_fn resp;
  void *arg;
  uint32_t b1num, b2num;     /* current Block1 / Block2 numbers (Block2 used when b2szx != 7) */
  uint16_t mid;
  struct coap_observer *obs; /* confirmable notification of this observer */
  uint8_t state, retries, code, type, tkl;
  uint8_t b1szx, b2szx, b1used, b1more, b1force;
  uint8_t token[COAP_MAX_TKL];
};

/* A handler's r->code that sends nothing at all (no response, no ACK, no RST): the request is
 * ignored, as LwM2M asks of a client whose server account is disabled. */
#define COAP_IGNORE 0xFF
/* Server-side request handling: fill r. Payload goes into r->win (already positioned on the
 * requested Block2 block); the engine adds Block2 if the body is larger than one block. */
typedef struct coap_resp {
  coap_win_t win;
  const char *location;      /* Location-Path, '/'-separated, or NULL */
  uint32_t observe, block1, size1; /* options to send, COAP_NONE if absent */
  uint16_t cf;
  uint8_t code;              /* 0: send no response at all */
  uint8_t szx;               /* Block2 size used for win */
} coap_resp_t;
typedef void (*coap_handler_fn)(coap_ctx_t *c, const coap_ep_t *from, const coap_msg_t *req,
                                coap_resp_t *r);

typedef int (*coap_send_fn)(void *user, const coap_ep_t *to, const uint8_t *buf, uint16_t len);
typedef uint32_t (*coap_rand_fn)(void *user);
/* RST for a message we sent that is not a pending transaction (e.g. a NON notification) */
typedef void (*coap_rst_fn)(coap_ctx_t *c, const coap_ep_t *from, uint16_t mid);

typedef struct coap_dedup {
  uint32_t time;
  uint16_t mid, ep_hash;
} coap_dedup_t;

typedef struct coap_stats {
  uint16_t rx, tx, malformed, dup, retrans, timeouts, unmatched, bad_option;
} coap_stats_t;

struct coap_ctx {
  coap_send_fn send;
  coap_rand_fn rand;
  coap_handler_fn handler;
  coap_rst_fn on_rst;
  void *user;
  uint32_t now;
  coap_trans_t trans[COAP_MAX_TRANS];
  coap_dedup_t dedup[COAP_DEDUP_N];
  coap_stats_t stats;
  uint16_t next_mid, resp_len, resp_mid, resp_ep_hash;
  uint8_t dedup_next;
  uint8_t tx[COAP_MAX_PDU];   /* requests and notifications */
  uint8_t resp[COAP_MAX_PDU]; /* last response, kept to answer duplicates */
};

void coap_init(coap_ctx_t *c, coap_send_fn send, coap_rand_fn rnd, coap_handler_fn handler,
               void *user, uint32_t now);
/* One received datagram. */
void coap_input(coap_ctx_t *c, uint32_t now, const uint8_t *buf, uint16_t len,
                const coap_ep_t *from);
/* Retransmissions and timeouts; returns ms until the next call is needed (0xFFFFFFFF: idle). */
uint32_t coap_step(coap_ctx_t *c, uint32_t now);

/* Starts a request (type COAP_CON or COAP_NON) with a fresh token, or with `token` if given.
 * Returns NULL if all transaction slots are busy or the first send fails to build. */
coap_trans_t *coap_request(coap_ctx_t *c, const coap_ep_t *to, uint8_t type, uint8_t code,
                           const uint8_t *token, uint8_t tkl, coap_build_fn build,
                           coap_resp_fn resp, void *arg);
void coap_trans_cancel(coap_ctx_t *c, coap_trans_t *t);
/* Finishes a request: Block2 continuation, then Block1/Size1 + the payload window of `render`
 * (NULL: no payload). Call after every option below 23. */
void coap_build_body(coap_trans_t *t, coap_build_t *b, coap_render_fn render, void *arg);

uint16_t coap_ep_hash(const coap_ep_t *ep);
int coap_ep_equal(const coap_ep_t *a, const coap_ep_t *b);
/* "coap://[v6]:port..." or "coap://a.b.c.d:port..." (port 5683 if none; a path may follow) to an
 * endpoint: 0, or -1 for another scheme, a host name or a malformed address or port
 * (coap-uri.c) */
int coap_ep_parse(const char *uri, coap_ep_t *ep);

/* ---- Observe, server side ---- */
typedef struct coap_observer {
  coap_ep_t ep;
  uint16_t last_mid;   /* here: fills ep's 18 bytes up to seq's alignment (36 bytes, not 40) */
  uint32_t seq;
  uint8_t tkl, since_con, active, con_pending;
  uint8_t token[COAP_MAX_TKL];
} coap_observer_t;

/* Registers the observer of `req` (Observe=0): sets r->observe. */
void coap_observe_start(coap_observer_t *o, const coap_ep_t *from, const coap_msg_t *req,
                        coap_resp_t *r);
/* Sends a notification: NON, or CON when `con` or when COAP_OBS_CON_EVERY-1 NONs were sent
 * since the last CON (or a CON is already pending: then it is skipped and 1 returned later).
 * build makes the notification with coap_build_notification.
 * Returns 0 on success, -1 when it could not be sent. */
int coap_observe_notify(coap_ctx_t *c, coap_observer_t *o, int con, coap_build_fn build,
                        coap_resp_fn resp, void *arg);
/* A notification's options and body: ETag when it goes block-wise (the one its later blocks carry,
 * RFC 7959 2.6: a first pass of render), Observe, Content-Format `cf`, then coap_build_body. */
void coap_build_notification(coap_trans_t *t, coap_build_t *b, const coap_observer_t *o, uint16_t cf,
                             coap_render_fn render, void *arg);
/* Does a request/RST belong to this observer (same endpoint and token / last MID)? */
int coap_observe_match_token(const coap_observer_t *o, const coap_ep_t *from,
                             const coap_msg_t *m);
/* Ends an observation: no more notifications, and a confirmable one still being retransmitted
 * is dropped (its build callback would otherwise render whatever the slot holds next). */
void coap_observe_stop(coap_ctx_t *c, coap_observer_t *o);
/* The observed resource is gone: ends the observation with a confirmable 4.04 notification
 * (RFC 7641 4.2), sent if a transaction slot is free. Nothing for an inactive observer. */
void coap_observe_gone(coap_ctx_t *c, coap_observer_t *o);

#endif /* COAP_ENGINE_H_ */
