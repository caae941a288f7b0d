/* Byte ring buffer, single producer / single consumer, safe between one interrupt handler and the
 * main loop without locking (each side writes only its own index). Size: power of two <= 128. */
#ifndef RINGBUF_H_
#define RINGBUF_H_

#include <stdint.h>

struct ringbuf {
  uint8_t *data;
  uint8_t mask;
  volatile uint8_t put_ptr;
  volatile uint8_t get_ptr;
};

void ringbuf_init(struct ringbuf *r, uint8_t *buf, uint8_t size);
/* 1 if stored, 0 if full. */
int ringbuf_put(struct ringbuf *r, uint8_t c);
/* The byte, or -1 if empty. */
int ringbuf_get(struct ringbuf *r);
int ringbuf_size(const struct ringbuf *r);
int ringbuf_elements(const struct ringbuf *r);

#endif /* RINGBUF_H_ */
