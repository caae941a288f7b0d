/* Mock of mac/radio.h for native tests: records every transmitted frame, scripted ACKs. */
#ifndef MOCK_RADIO_H_
#define MOCK_RADIO_H_

#include <stdint.h>

#define MOCK_RADIO_MAX 64

extern uint8_t mock_radio_frames[MOCK_RADIO_MAX][128];
extern uint8_t mock_radio_lens[MOCK_RADIO_MAX];
extern int mock_radio_count;  /* frames sent (only the first MOCK_RADIO_MAX are kept) */
extern int mock_radio_no_ack; /* the next N ACK waits time out; -1 = every one */
extern int mock_radio_tx_fail; /* radio_tx fails (returning this value) when non-zero */
extern int mock_radio_arms;    /* radio_ack_arm calls since the reset */
extern uint8_t mock_radio_arm_seq; /* the sequence number last armed */

void mock_radio_reset(void);

#endif /* MOCK_RADIO_H_ */
