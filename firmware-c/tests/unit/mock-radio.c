/* Mock radio (see mock-radio.h). */
#include "mock-radio.h"

#include <string.h>

#include "mac/radio.h"

uint8_t mock_radio_frames[MOCK_RADIO_MAX][128];
uint8_t mock_radio_lens[MOCK_RADIO_MAX];
int mock_radio_count;
int mock_radio_no_ack;
int mock_radio_tx_fail;
int mock_radio_arms;
uint8_t mock_radio_arm_seq;

void mock_radio_reset(void)
{
  mock_radio_count = 0;
  mock_radio_no_ack = 0;
  mock_radio_tx_fail = 0;
  mock_radio_arms = 0;
}

int radio_tx(const uint8_t *frame, uint8_t len)
{
  if(mock_radio_tx_fail) {
    return mock_radio_tx_fail; /* any non-zero value is a failure (radio.h) */
  }
  if(len > 125) {
    return -1;
  }
  if(mock_radio_count < MOCK_RADIO_MAX) {
    memcpy(mock_radio_frames[mock_radio_count], frame, len);
    mock_radio_lens[mock_radio_count] = len;
  }
  mock_radio_count++;
  return 0;
}

void radio_ack_arm(uint8_t seq)
{
  mock_radio_arms++;
  mock_radio_arm_seq = seq;
}

int radio_wait_ack(uint8_t seq, uint32_t timeout_us)
{
  (void)seq;
  (void)timeout_us;
  if(mock_radio_no_ack < 0) {
    return 0;
  }
  if(mock_radio_no_ack > 0) {
    mock_radio_no_ack--;
    return 0;
  }
  return 1;
}
