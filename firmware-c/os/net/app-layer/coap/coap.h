/* CoAP (RFC 7252) message codec: parse a datagram in place, build one into a bounded buffer.
 * Block-wise (RFC 7959) and Observe (RFC 7641) option helpers. No heap, no stdio. */
#ifndef COAP_H_
#define COAP_H_

#include <stddef.h>
#include <stdint.h>

#define COAP_NONE 0xFFFFFFFFu /* option absent (observe, block1, block2, size1) */
#define COAP_NO_CF 0xFFFFu    /* Content-Format / Accept absent */
#define COAP_MAX_TKL 8

enum { COAP_CON = 0, COAP_NON = 1, COAP_ACK = 2, COAP_RST = 3 };

#define COAP_CODE(c, d) ((uint8_t)(((c) << 5) | (d)))
enum {
  COAP_EMPTY = 0,
  COAP_GET = 1, COAP_POST = 2, COAP_PUT = 3, COAP_DELETE = 4, COAP_FETCH = 5, COAP_IPATCH = 7,
  COAP_CREATED = 0x41, COAP_DELETED = 0x42, COAP_VALID = 0x43, COAP_CHANGED = 0x44,
  COAP_CONTENT = 0x45, COAP_CONTINUE = 0x5F,
  COAP_BAD_REQUEST = 0x80, COAP_UNAUTHORIZED = 0x81, COAP_BAD_OPTION = 0x82,
  COAP_FORBIDDEN = 0x83, COAP_NOT_FOUND = 0x84, COAP_METHOD_NOT_ALLOWED = 0x85,
  COAP_NOT_ACCEPTABLE = 0x86, COAP_INCOMPLETE = 0x88, COAP_TOO_LARGE = 0x8D,
  COAP_UNSUPPORTED_CF = 0x8F, COAP_INTERNAL_ERROR = 0xA0, COAP_NOT_IMPLEMENTED = 0xA1,
  COAP_UNAVAILABLE = 0xA3, COAP_PROXYING_NOT_SUPPORTED = 0xA5
};

enum {
  COAP_OPT_IF_MATCH = 1, COAP_OPT_URI_HOST = 3, COAP_OPT_ETAG = 4, COAP_OPT_IF_NONE_MATCH = 5,
  COAP_OPT_OBSERVE = 6, COAP_OPT_URI_PORT = 7, COAP_OPT_LOCATION_PATH = 8, COAP_OPT_URI_PATH = 11,
  COAP_OPT_CONTENT_FORMAT = 12, COAP_OPT_MAX_AGE = 14, COAP_OPT_URI_QUERY = 15,
  COAP_OPT_ACCEPT = 17, COAP_OPT_LOCATION_QUERY = 20, COAP_OPT_BLOCK2 = 23, COAP_OPT_BLOCK1 = 27,
  COAP_OPT_SIZE2 = 28, COAP_OPT_PROXY_URI = 35, COAP_OPT_PROXY_SCHEME = 39, COAP_OPT_SIZE1 = 60
};

/* A parsed message. Pointers refer into the caller's datagram buffer. */
typedef struct coap_msg {
  uint8_t type, code, tkl, bad_option; /* bad_option: first unrecognised critical option (0: none) */
  uint16_t mid;
  uint16_t content_format, accept;     /* COAP_NO_CF if absent */
  uint8_t token[COAP_MAX_TKL];
  const uint8_t *opts;                 /* validated option region, iterate with coap_opt_next */
  const uint8_t *payload;
  uint16_t opts_len, payload_len;
  uint32_t observe, block1, block2, size1; /* COAP_NONE if absent; blocks as raw option value */
} coap_msg_t;

/* Parse errors (negative) */
#define COAP_ERR_SHORT -1     /* shorter than the 4-byte header */
#define COAP_ERR_VERSION -2   /* version is not 1 */
#define COAP_ERR_TKL -3       /* token length 9..15 or truncated token */
#define COAP_ERR_OPTION -4    /* option delta/length nibble 15, or option runs past the end */
#define COAP_ERR_PAYLOAD -5   /* payload marker followed by nothing */
#define COAP_ERR_EMPTY -6     /* code 0.00 with token, options or payload */
#define COAP_ERR_CLASS -7     /* reserved code class 1, 6 or 7 */

int coap_parse(coap_msg_t *m, const uint8_t *buf, uint16_t len);
const char *coap_strerror(int err);

/* Option iterator over a validated region: *num accumulates deltas (start it at 0).
 * Returns 1 with *val and *len set, 0 at the end. */
typedef struct coap_opt_iter {
  const uint8_t *p, *end;
  uint16_t num;
} coap_opt_iter_t;
void coap_opt_iter_init(coap_opt_iter_t *it, const coap_msg_t *m);
int coap_opt_next(coap_opt_iter_t *it, const uint8_t **val, uint16_t *len);
/* Next occurrence of option `num` (repeatable options: Uri-Path, Uri-Query, Location-Path) */
int coap_opt_find(coap_opt_iter_t *it, uint16_t num, const uint8_t **val, uint16_t *len);
uint32_t coap_uint_decode(const uint8_t *v, uint16_t len);

/* Block option value helpers: NUM(20 bits) | M(1) | SZX(3) */
#define COAP_BLOCK(num, more, szx) (((uint32_t)(num) << 4) | ((more) ? 8u : 0u) | (uint32_t)(szx))
#define COAP_BLOCK_NUM(v) ((v) >> 4)
#define COAP_BLOCK_MORE(v) (((v) >> 3) & 1u)
#define COAP_BLOCK_SZX(v) ((v) & 7u)
#define COAP_BLOCK_SIZE(szx) (16u << (szx))

/* Builder: options must be added in increasing number order; any overflow or misuse makes the
 * builder sticky-failed (b->err) and coap_build_end returns 0. */
typedef struct coap_build {
  uint8_t *buf;
  uint16_t cap, len, last_opt;
  uint8_t err;
} coap_build_t;

void coap_build_init(coap_build_t *b, uint8_t *buf, uint16_t cap, uint8_t type, uint8_t code,
                     uint16_t mid, const uint8_t *token, uint8_t tkl);
void coap_build_opt(coap_build_t *b, uint16_t num, const void *val, uint16_t len);
void coap_build_opt_uint(coap_build_t *b, uint16_t num, uint32_t v);
void coap_build_opt_str(coap_build_t *b, uint16_t num, const char *s);
/* Adds one option per '/'-separated segment of path (leading '/' ignored). */
void coap_build_path(coap_build_t *b, uint16_t num, const char *path);
/* Payload area after the (not yet written) marker: room in *room. Then coap_build_payload_end. */
uint8_t *coap_build_payload_ptr(coap_build_t *b, uint16_t *room);
void coap_build_payload_end(coap_build_t *b, uint16_t n);
void coap_build_payload(coap_build_t *b, const void *data, uint16_t n);
/* Final length, 0 on any error. */
uint16_t coap_build_end(coap_build_t *b);

/* A window onto a representation that is rendered from its start every time: bytes before
 * `skip` and beyond `skip + cap` are counted but not stored. This lets a block-wise (RFC 7959)
 * transfer re-render one block at a time with no buffer for the whole body; `pos` ends as the
 * total length. p == NULL / cap == 0 measures. */
typedef struct coap_win {
  uint8_t *p;
  uint32_t skip, pos;
  uint16_t cap;
  uint16_t sum; /* a hash of every byte put, stored or not: a block-wise answer's ETag (in what
                 * was padding: the engine's recursive encoder keeps windows on its stack) */
} coap_win_t;

void coap_win_init(coap_win_t *w, uint8_t *p, uint16_t cap, uint32_t skip);
void coap_win_put(coap_win_t *w, const void *data, uint16_t n);
void coap_win_str(coap_win_t *w, const char *s);
void coap_win_byte(coap_win_t *w, uint8_t c);
/* Bytes of the window actually filled */
uint16_t coap_win_len(const coap_win_t *w);

#endif /* COAP_H_ */
