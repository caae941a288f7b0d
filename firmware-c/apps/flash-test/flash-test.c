/* flash-test: a boot counter in the flash page just below the lock page (0x0027F000).
 * Prints the page's first words, erases it, writes magic + counter + 1, prints
 * "flash counter=N". On our emulator (and a real chip) N grows across resets; Renode erases
 * flash on reset, so there it is always 1. */
#include <stdint.h>

#include "dev/flash.h"
#include "fmt.h"
#include "process.h"

#define FLASH_TEST_PAGE  (FLASH_CCA_PAGE - FLASH_PAGE_SIZE)
#define FLASH_TEST_MAGIC 0xB007C0DEu

PROCESS(flash_test_process, "flash-test");
AUTOSTART_PROCESSES(&flash_test_process);

PROCESS_THREAD(flash_test_process, ev, data)
{
  const volatile uint32_t *page = (const volatile uint32_t *)FLASH_TEST_PAGE;
  uint32_t words[2];
  uint32_t counter;
  int err;

  PROCESS_BEGIN();

  fmt_printf("lwm2m-rig flash-test page=0x%08lx: %08lx %08lx\n", (unsigned long)FLASH_TEST_PAGE,
             (unsigned long)page[0], (unsigned long)page[1]);
  counter = page[0] == FLASH_TEST_MAGIC ? page[1] : 0;

  err = flash_erase_page(FLASH_TEST_PAGE);
  if(err == FLASH_OK) {
    words[0] = FLASH_TEST_MAGIC;
    words[1] = counter + 1u;
    err = flash_write(FLASH_TEST_PAGE, words, sizeof(words));
  }
  if(err != FLASH_OK) {
    fmt_printf("flash error %d\n", err);
  } else {
    fmt_printf("flash counter=%lu\n", (unsigned long)page[1]);
  }

  PROCESS_END();
}
