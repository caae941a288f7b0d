/* Compiler abstraction: the few attributes and helpers the portable code needs.
 * Kept in one place so a new toolchain only touches this file. */
#ifndef CC_H_
#define CC_H_

#include <stddef.h>
#include <stdint.h>

#define CC_INLINE       inline
#define CC_WEAK         __attribute__((weak))
#define CC_USED         __attribute__((used))
#define CC_NORETURN     __attribute__((noreturn))
#define CC_ALIGN(n)     __attribute__((aligned(n)))
#define CC_PACKED       __attribute__((packed))
#define CC_SECTION(s)   __attribute__((section(s)))
#define CC_NOINLINE     __attribute__((noinline))
#define CC_UNUSED       __attribute__((unused))
#define CC_PRINTF(f, a) __attribute__((format(printf, f, a)))

#define CC_CONCAT2(a, b) a##b
#define CC_CONCAT(a, b)  CC_CONCAT2(a, b)

#define CC_ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

/* Compile-time check (C11). */
#define CC_STATIC_ASSERT(cond, msg) _Static_assert(cond, msg)

#ifndef MIN
#define MIN(a, b) ((a) < (b) ? (a) : (b))
#endif
#ifndef MAX
#define MAX(a, b) ((a) > (b) ? (a) : (b))
#endif

#endif /* CC_H_ */
