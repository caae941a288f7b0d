/* IEEE 802.15.4-2006 frame build/parse (pure functions, no radio or kernel dependency).
 * Addresses are kept in canonical order (MSB first, as printed); on air they are little-endian. */
#ifndef MAC_FRAME_H_
#define MAC_FRAME_H_

#include <stdint.h>

#define MAC_FT_BEACON 0
#define MAC_FT_DATA   1
#define MAC_FT_ACK    2
#define MAC_FT_CMD    3

#define MAC_AM_NONE  0
#define MAC_AM_SHORT 2
#define MAC_AM_EXT   3

#define MAC_MAX_FRAME 125 /* 127-byte PSDU minus the 2-byte FCS the radio appends */
#define MAC_BROADCAST 0xFFFFu

typedef struct {
  uint8_t mode; /* MAC_AM_NONE / MAC_AM_SHORT / MAC_AM_EXT */
  uint8_t a[8]; /* short: a[0..1] big-endian; ext: a[0..7] canonical */
} mac_addr_t;

typedef struct {
  uint8_t type;
  uint8_t seq;
  uint8_t ack_req;
  uint8_t pan_compress;
  uint8_t version;
  uint16_t dst_pan;
  uint16_t src_pan;
  mac_addr_t dst;
  mac_addr_t src;
  const uint8_t *payload;
  uint8_t payload_len;
} mac_frame_t;

/* Parses a frame without FCS. Returns 0, or -1 if malformed/unsupported (security, reserved modes,
 * truncated). */
int mac_frame_parse(const uint8_t *buf, uint8_t len, mac_frame_t *f);

/* Writes the header of f (not the payload) to buf; returns its length, or -1 if it would not fit. */
int mac_frame_header(uint8_t *buf, uint8_t size, const mac_frame_t *f);

/* Helpers. */
int mac_addr_eq(const mac_addr_t *x, const mac_addr_t *y);
int mac_addr_is_broadcast(const mac_addr_t *x);

#endif /* MAC_FRAME_H_ */
