/* Local continuations for protothreads, switch/__LINE__ flavour (Duff's device).
 * A continuation is the source line where the thread last blocked; resuming jumps back into the
 * switch at that case label. Consequence: no switch statements may span a blocking point inside a
 * protothread, and locals do not survive a block (keep state in static variables). */
#ifndef LC_H_
#define LC_H_

typedef unsigned short lc_t;

#define LC_INIT(s)   (s) = 0
#define LC_RESUME(s) switch(s) { case 0:
#define LC_SET(s)    (s) = __LINE__; /* fall through */ case __LINE__:
#define LC_END(s)    }

#endif /* LC_H_ */
