/* SPSC byte ring: the producer only writes put_ptr, the consumer only get_ptr; indices run freely
 * modulo 256 and are masked on access, so full and empty are distinguishable without a flag. */
#include "ringbuf.h"

void
ringbuf_init(struct ringbuf *r, uint8_t *buf, uint8_t size)
{
  r->data = buf;
  r->mask = (uint8_t)(size - 1u);
  r->put_ptr = 0;
  r->get_ptr = 0;
}

int
ringbuf_put(struct ringbuf *r, uint8_t c)
{
  if((uint8_t)(r->put_ptr - r->get_ptr) > r->mask) {
    return 0;
  }
  r->data[r->put_ptr & r->mask] = c;
  r->put_ptr = (uint8_t)(r->put_ptr + 1u);
  return 1;
}

int
ringbuf_get(struct ringbuf *r)
{
  uint8_t c;

  if(r->put_ptr == r->get_ptr) {
    return -1;
  }
  c = r->data[r->get_ptr & r->mask];
  r->get_ptr = (uint8_t)(r->get_ptr + 1u);
  return c;
}

int
ringbuf_size(const struct ringbuf *r)
{
  return r->mask + 1;
}

int
ringbuf_elements(const struct ringbuf *r)
{
  return (uint8_t)(r->put_ptr - r->get_ptr);
}
