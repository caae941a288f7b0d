/* Minimal unit-test harness shared by all native C tests.
 * Each test binary defines tests with UNIT_TEST(name) and lists them in main() via UNIT_RUN(name);
 * UNIT_DONE() prints "N passed, N failed" (read by tests/unit/run.sh and by CI) and returns the
 * exit status. Checks report file:line and keep going within the test. */
#ifndef UNIT_H_
#define UNIT_H_

#include <stdio.h>
#include <string.h>

static int unit_passed_, unit_failed_, unit_current_failed_;

#define UNIT_TEST(name) static void name(void)

#define UNIT_CHECK(cond)                                                             \
  do {                                                                               \
    if(!(cond)) {                                                                    \
      printf("  %s:%d: check failed: %s\n", __FILE__, __LINE__, #cond);              \
      unit_current_failed_ = 1;                                                      \
    }                                                                                \
  } while(0)

#define UNIT_CHECK_EQ(a, b)                                                          \
  do {                                                                               \
    long long unit_a_ = (long long)(a), unit_b_ = (long long)(b);                    \
    if(unit_a_ != unit_b_) {                                                         \
      printf("  %s:%d: %s == %s failed: %lld != %lld\n", __FILE__, __LINE__, #a, #b, \
             unit_a_, unit_b_);                                                      \
      unit_current_failed_ = 1;                                                      \
    }                                                                                \
  } while(0)

#define UNIT_CHECK_MEM(a, b, n)                                                      \
  do {                                                                               \
    if(memcmp((a), (b), (n)) != 0) {                                                 \
      printf("  %s:%d: memory %s != %s (%d bytes)\n", __FILE__, __LINE__, #a, #b,    \
             (int)(n));                                                              \
      unit_current_failed_ = 1;                                                      \
    }                                                                                \
  } while(0)

#define UNIT_RUN(name)                                                               \
  do {                                                                               \
    unit_current_failed_ = 0;                                                        \
    name();                                                                          \
    if(unit_current_failed_) {                                                       \
      unit_failed_++;                                                                \
      printf("FAIL %s\n", #name);                                                    \
    } else {                                                                         \
      unit_passed_++;                                                                \
    }                                                                                \
  } while(0)

#define UNIT_DONE()                                                                  \
  (printf("%d passed, %d failed\n", unit_passed_, unit_failed_), unit_failed_ ? 1 : 0)

#endif /* UNIT_H_ */
