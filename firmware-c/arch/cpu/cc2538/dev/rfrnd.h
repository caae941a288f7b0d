/* Random seed from the radio's RFRND register (noise bits of the RX chain). On the real chip the
 * radio must be clocked and in RX; this powers the RF core, enters RX, waits (bounded) for RSSI to
 * become valid, samples, then turns RX off again and restores FRMCTRL0. Call before the radio driver
 * is initialised. On Renode and our emulator RFRND works at any time. */
#ifndef RFRND_H_
#define RFRND_H_

#include <stdint.h>

uint32_t rfrnd_seed(void);

#endif /* RFRND_H_ */
