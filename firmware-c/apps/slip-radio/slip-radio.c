/* slip-radio: the border node. Bridges the 802.15.4 radio and a host over SLIP on UART0.
 * The protocol (frame types 'T' 'S' 'R' 'L' '!' '?') is specified in PROTOCOL.md next to this file. */
#include <string.h>

#include "dev/console.h"
#include "dev/uart.h"
#include "fmt.h"
#include "mac/mac.h"
#include "platform.h"
#include "process.h"
#include "rf-core.h"

#define SLIP_END     0xC0
#define SLIP_ESC     0xDB
#define SLIP_ESC_END 0xDC
#define SLIP_ESC_ESC 0xDD

#define SLIP_MAX   140 /* largest accepted host frame (decoded) */
#define SLIP_SLOTS 5   /* ring of decoded frames: 4 complete (the host window) + 1 being received */
#define LOG_MAX    100
#define VERSION    "slip-radio 1"

PROCESS(slip_radio_process, "slip-radio");
AUTOSTART_PROCESSES(&slip_radio_process);

static struct {
  uint32_t rx_frames, tx_frames, tx_noack, slip_in, slip_bad, slip_overrun;
} cnt;

/* ---- SLIP input: decoded in the UART interrupt into a ring of frame slots ---- */
static uint8_t in_buf[SLIP_SLOTS][SLIP_MAX];
static uint8_t in_len[SLIP_SLOTS];
static volatile uint8_t in_head, in_tail;
static uint8_t cur_len, in_esc, in_discard;

static int slip_input_byte(unsigned char c)
{
  if(c == SLIP_END) {
    if(!in_discard && cur_len) {
      uint8_t next = (uint8_t)((in_head + 1) % SLIP_SLOTS);
      if(next == in_tail) {
        cnt.slip_overrun++;
      } else {
        in_len[in_head] = cur_len;
        in_head = next;
        cnt.slip_in++;
        process_poll(&slip_radio_process);
      }
    }
    cur_len = 0;
    in_esc = 0;
    in_discard = 0;
    return 1;
  }
  if(in_discard) {
    return 1;
  }
  if(in_esc) {
    in_esc = 0;
    if(c == SLIP_ESC_END) {
      c = SLIP_END;
    } else if(c == SLIP_ESC_ESC) {
      c = SLIP_ESC;
    } else {
      cnt.slip_bad++;
      in_discard = 1;
      return 1;
    }
  } else if(c == SLIP_ESC) {
    in_esc = 1;
    return 1;
  }
  if(cur_len >= SLIP_MAX) {
    cnt.slip_bad++;
    in_discard = 1;
    return 1;
  }
  in_buf[in_head][cur_len++] = c;
  return 1;
}

/* ---- SLIP output ---- */
static void slip_put(const uint8_t *p, uint16_t n)
{
  while(n--) {
    uint8_t c = *p++;
    if(c == SLIP_END) {
      uart_write_byte(SLIP_ESC);
      c = SLIP_ESC_END;
    } else if(c == SLIP_ESC) {
      uart_write_byte(SLIP_ESC);
      c = SLIP_ESC_ESC;
    }
    uart_write_byte(c);
  }
}

/* One frame: head (type and small fields) followed by body. */
static void slip_send(const uint8_t *head, uint8_t hlen, const uint8_t *body, uint16_t blen)
{
  uart_write_byte(SLIP_END);
  slip_put(head, hlen);
  slip_put(body, blen);
  uart_write_byte(SLIP_END);
}

/* Text output (boot banner, kernel messages) goes out as 'L' frames, never raw on the SLIP line. */
static char log_line[LOG_MAX];
static uint8_t log_len;

void console_putc(char c)
{
  if(c != '\n') {
    log_line[log_len++] = c;
  }
  if(c == '\n' || log_len == LOG_MAX) {
    static const uint8_t t = 'L';
    slip_send(&t, 1, (const uint8_t *)log_line, log_len);
    log_len = 0;
  }
}

/* ---- radio ---- */
static void rx_notify(void)
{
  process_poll(&slip_radio_process);
}

static void forward_radio(void)
{
  const uint8_t *frame;
  int8_t rssi;
  uint8_t lqi, n;
  while((frame = rf_core_peek(&n, &rssi, &lqi)) != NULL) {
    uint8_t head[3] = { 'R', (uint8_t)rssi, lqi };
    slip_send(head, 3, frame, n);
    rf_core_release();
    cnt.rx_frames++;
  }
}

static void put_le32(uint8_t *p, uint32_t v)
{
  p[0] = (uint8_t)v;
  p[1] = (uint8_t)(v >> 8);
  p[2] = (uint8_t)(v >> 16);
  p[3] = (uint8_t)(v >> 24);
}

static void report(uint8_t what)
{
  uint8_t m[2 + 32] = { '!', what };
  uint8_t n = 2;
  if(what == 'M') {
    platform_eui64(m + 2);
    n = 10;
  } else if(what == 'C') {
    m[2] = rf_core_get_channel();
    n = 3;
  } else if(what == 'P') {
    uint16_t pan = rf_core_get_pan_id();
    m[2] = (uint8_t)pan;
    m[3] = (uint8_t)(pan >> 8);
    n = 4;
  } else if(what == 'N') {
    const uint32_t v[8] = { cnt.rx_frames, rf_core_stats.rx_overflow, cnt.tx_frames,
                            cnt.tx_noack, mac_stats.retries, cnt.slip_in, cnt.slip_bad,
                            cnt.slip_overrun };
    for(int i = 0; i < 8; i++) {
      put_le32(m + 2 + 4 * i, v[i]);
    }
    n = 34;
  } else if(what == 'V') {
    slip_send(m, 2, (const uint8_t *)VERSION, sizeof(VERSION) - 1);
    return;
  }
  slip_send(m, n, NULL, 0);
}

static void handle(const uint8_t *f, uint8_t len)
{
  uint8_t type = f[0];
  uint8_t cmd = len > 1 ? f[1] : 0;
  if(type == 'T' && len >= 2) {
    uint8_t count = 0;
    uint8_t status = 2;
    cnt.tx_frames++;
    if(len - 2 >= 3 && len - 2 <= MAC_MAX_FRAME) {
      int r = mac_tx_raw(f + 2, (uint8_t)(len - 2), &count);
      status = r == 0 ? 0 : r == -1 ? 1 : 2;
    }
    if(status == 1) {
      cnt.tx_noack++;
    }
    uint8_t s[4] = { 'S', f[1], status, count };
    slip_send(s, 4, NULL, 0);
    return;
  }
  if(type == '?' && (cmd == 'M' || cmd == 'C' || cmd == 'P' || cmd == 'N' || cmd == 'V') && len == 2) {
    report(cmd);
    return;
  }
  if(type == '!' && cmd == 'C' && len == 3) {
    rf_core_set_channel(f[2]); /* out of range: unchanged; the report tells */
    report('C');
    return;
  }
  if(type == '!' && cmd == 'P' && len == 4) {
    rf_core_set_pan_id((uint16_t)(f[2] | (f[3] << 8)));
    report('P');
    return;
  }
  uint8_t e[4] = { '!', 'E', type, cmd };
  slip_send(e, 4, NULL, 0);
}

PROCESS_THREAD(slip_radio_process, ev, data)
{
  PROCESS_BEGIN();
  {
    uint8_t eui[8];
    char s[24];
    platform_eui64(eui);
    mac_init(eui, MAC_DEFAULT_PAN_ID);
    rf_core_set_queue_acks(1);
    rf_core_set_rx_notify(rx_notify);
    rf_core_init(eui, MAC_DEFAULT_PAN_ID, 0xFFFEu, MAC_DEFAULT_CHANNEL);
    uart_set_input(slip_input_byte);
    fmt_printf("slip-radio up eui64 %s\n", fmt_hex_colon(s, sizeof(s), eui, 8));
    report('M');
  }
  while(1) {
    PROCESS_WAIT_EVENT();
    if(ev != PROCESS_EVENT_POLL) {
      continue;
    }
    forward_radio();
    while(in_tail != in_head) {
      handle(in_buf[in_tail], in_len[in_tail]);
      in_tail = (uint8_t)((in_tail + 1) % SLIP_SLOTS);
      /* Frames received during a transmission (ACKs, replies) go out in order. */
      forward_radio();
    }
  }
  PROCESS_END();
}
