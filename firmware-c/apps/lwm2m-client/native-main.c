/* LwM2M client as a Linux process: POSIX UDP socket + poll loop around the portable engine.
 * CLI and status lines are documented in README.md (tests and the Python server rely on them). */
#include "apps/lwm2m-client/lwm2m-client.h"
#include "net/app-layer/lwm2m/lwm2m.h"
#include "net/app-layer/lwm2m/lwm2m-plat.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#ifndef FIRMWARE_VERSION
#define FIRMWARE_VERSION "1.0.0"
#endif
#define DEREG_WAIT_MS 5000 /* on SIGINT/SIGTERM: wait this long for the deregistration answer */

static lwm2m_ctx_t ctx;
static int sock = -1, verbose;
static volatile sig_atomic_t stop_requested;
static const char *ep_name;
static char **saved_argv;
static struct timespec t0;
/* --clock-fd: the rig's virtual clock drives this process (lockstep, see README.md); -1: real time */
static int clock_fd = -1;
static uint32_t vnow, tx_count;
#define VCLOCK_TIME_BASE 1767225600 /* /3/0/13 on the virtual clock: 2026-01-01 00:00:00 UTC + now */

/* Your own objects, as in the CC2538 images: LWM2M_CLIENT_EXTRA_OBJECTS='X(obj_a) X(obj_b)' names
 * their tables (LWM2M_CLIENT_EXTRA_SRCS their sources), or LWM2M_CLIENT_APP_OBJECTS (lwm2m-client.h) */
#ifdef LWM2M_CLIENT_EXTRA_OBJECTS
#define X(obj) extern const lwm2m_object_t obj;
LWM2M_CLIENT_EXTRA_OBJECTS
#undef X
#endif
static const lwm2m_object_t *const objects[] = {
  &lwm2m_obj_security, &lwm2m_obj_server, &lwm2m_obj_device, &lwm2m_obj_connmon,
  &lwm2m_obj_temperature, &lwm2m_obj_light,
#ifdef LWM2M_CLIENT_EXTRA_OBJECTS
#define X(obj) &obj,
  LWM2M_CLIENT_EXTRA_OBJECTS
#undef X
#endif
};

static uint32_t
now_ms(void)
{
  struct timespec t;
  if(clock_fd >= 0) {
    return vnow;
  }
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (uint32_t)((t.tv_sec - t0.tv_sec) * 1000 + (t.tv_nsec - t0.tv_nsec) / 1000000);
}

static const char *
ep_text(const coap_ep_t *ep, char *buf, size_t n)
{
  char a[INET6_ADDRSTRLEN];
  inet_ntop(AF_INET6, ep->addr, a, sizeof(a));
  snprintf(buf, n, "[%s]:%u", a, ep->port);
  return buf;
}

static void
log_msg(const char *dir, const coap_ep_t *ep, const uint8_t *buf, uint16_t len)
{
  static const char *const types[] = { "CON", "NON", "ACK", "RST" };
  char e[64];
  coap_msg_t m;
  int r = coap_parse(&m, buf, len);
  if(r < 0) {
    printf("coap: %s %u bytes %s: malformed (%s)\n", dir, len, ep_text(ep, e, sizeof(e)),
           coap_strerror(r));
  } else {
    printf("coap: %s %s %s %u.%02u mid=%u len=%u\n", dir, ep_text(ep, e, sizeof(e)), types[m.type],
           m.code >> 5, m.code & 31, m.mid, len);
  }
}

static int
udp_send(void *user, const coap_ep_t *to, const uint8_t *buf, uint16_t len)
{
  struct sockaddr_in6 sa;
  (void)user;
  memset(&sa, 0, sizeof(sa));
  sa.sin6_family = AF_INET6;
  memcpy(&sa.sin6_addr, to->addr, 16);
  sa.sin6_port = htons(to->port);
  if(verbose) {
    log_msg("tx", to, buf, len);
  }
  if(sendto(sock, buf, len, 0, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
    printf("lwm2m: send failed: %s\n", strerror(errno));
    return -1;
  }
  tx_count++;
  return 0;
}

static uint32_t
rnd(void *user)
{
  (void)user;
  return (uint32_t)random();
}

static void
restart_self(const char *why)
{
  printf("lwm2m: %s: restarting\n", why);
  fflush(stdout);
  if(clock_fd >= 0) { /* this instant is over; the new image takes the rig's next "t" */
    dprintf(clock_fd, "idle 0 %u\n", (unsigned)tx_count);
  }
  close(sock);
  execv("/proc/self/exe", saved_argv);
  printf("lwm2m: restart failed: %s\n", strerror(errno));
  exit(1);
}

static void
on_event(lwm2m_ctx_t *c, uint8_t ev, const char *detail)
{
  char e[64];
  switch(ev) {
  case LWM2M_EV_BOOTSTRAP_REQ:
    printf("lwm2m: bootstrap requested from %s\n", ep_text(&c->server, e, sizeof(e)));
    break;
  case LWM2M_EV_BOOTSTRAPPED:
    printf("lwm2m: bootstrap finished, server %s\n", detail);
    break;
  case LWM2M_EV_BOOTSTRAP_FAILED:
    printf("lwm2m: bootstrap failed: %s\n", detail ? detail : "?");
    break;
  case LWM2M_EV_REGISTERED:
    printf("lwm2m: registered /%s\n", detail);
    break;
  case LWM2M_EV_UPDATED:
    printf("lwm2m: updated /%s\n", detail);
    break;
  case LWM2M_EV_REG_FAILED:
    printf("lwm2m: registration failed: %s\n", detail ? detail : "?");
    break;
  case LWM2M_EV_DEREGISTERED:
    printf("lwm2m: deregistered\n");
    break;
  case LWM2M_EV_REBOOT:
    restart_self("reboot (Execute /3/0/4)");
    break;
  case LWM2M_EV_FACTORY_RESET:
    restart_self("factory reset (Execute /3/0/5)");
    break;
  case LWM2M_EV_SENT:
    printf("lwm2m: sent\n");
    break;
  case LWM2M_EV_SEND_FAILED:
    printf("lwm2m: send failed: %s\n", detail);
    break;
  }
  fflush(stdout);
}

/* ---- platform hooks ---- */
const char *
lwm2m_plat_str(uint8_t which)
{
  return which == LWM2M_PLAT_MANUFACTURER ? "lwm2m-rig"
       : which == LWM2M_PLAT_MODEL ? "native" : FIRMWARE_VERSION;
}

void
lwm2m_plat_eui64(uint8_t eui[8])
{
  /* stable per endpoint name: FNV-1a, locally administered */
  uint64_t h = 1469598103934665603ull;
  for(const char *p = ep_name; *p; p++) {
    h = (h ^ (uint8_t)*p) * 1099511628211ull;
  }
  for(int i = 0; i < 8; i++) {
    eui[i] = (uint8_t)(h >> (56 - 8 * i));
  }
  eui[0] = (uint8_t)((eui[0] & 0xFC) | 0x02);
}

uint32_t
lwm2m_plat_free_memory_kb(void)
{
  return 64;
}

int32_t
lwm2m_plat_time_base(void)
{
  static int32_t base;
  if(!base) {
    base = clock_fd >= 0 ? VCLOCK_TIME_BASE : (int32_t)(time(NULL) - now_ms() / 1000);
  }
  return base;
}

int16_t
lwm2m_plat_rssi(void)
{
  return -40;
}

uint8_t
lwm2m_plat_bearer(void)
{
  return 41; /* Ethernet */
}

uint8_t
lwm2m_plat_ip_count(void)
{
  return 1;
}

void
lwm2m_plat_ip(uint8_t idx, uint8_t addr[16])
{
  (void)idx;
  memset(addr, 0, 16);
  addr[15] = 1; /* ::1 */
}

void
lwm2m_plat_light(uint8_t on, uint8_t dimmer)
{
  printf("lwm2m: light on=%u dimmer=%u\n", on, dimmer);
  fflush(stdout);
}

/* ---- main ---- */
static void
on_signal(int sig)
{
  (void)sig;
  stop_requested = 1;
}

static void
usage(FILE *f)
{
  fprintf(f, "usage: lwm2m-client --server coap://[ADDR]:PORT --ep NAME [--bootstrap] "
             "[--lifetime S] [--port LOCAL] [--queue] [--send PATH[,PATH...] [--send-period S]] "
             "[--clock-fd FD] [--verbose]\n");
}

/* Virtual clock (--clock-fd): the rig writes "t MS" (virtual ms since start: take in what arrived
 * and run the timers up to then) or "q" (stop: deregister, as on SIGTERM); after each "t" the
 * client answers "idle WAIT TX" once it has nothing left to do at that instant: WAIT ms until it
 * needs the next "t", TX datagrams sent so far. Returns -1 when the rig has gone; a bad command
 * ends the process (status 1). */
static int
clock_command(void)
{
  static char line[64];
  static size_t have;
  for(;;) {
    char *nl = memchr(line, '\n', have);
    if(nl) {
      char cmd[sizeof(line)], *end;
      unsigned long ms;
      size_t n = (size_t)(nl - line) + 1; /* the command and its newline, taken off the buffer */
      memcpy(cmd, line, n - 1);
      cmd[n - 1] = 0;
      memmove(line, line + n, have - n);
      have -= n;
      if(!strcmp(cmd, "q")) {
        if(!stop_requested) {
          stop_requested = 1;
        }
        continue;
      }
      if(cmd[0] != 't' || cmd[1] != ' ' || (ms = strtoul(cmd + 2, &end, 10), *end) ||
         ms > 0xFFFFFFFFul || (uint32_t)ms < vnow) {
        fprintf(stderr, "lwm2m-client: bad clock command '%s' (want \"t MS\", MS not going back, "
                        "or \"q\")\n", cmd);
        exit(1);
      }
      vnow = (uint32_t)ms;
      return 0;
    }
    if(have == sizeof(line)) {
      fprintf(stderr, "lwm2m-client: clock command too long\n");
      exit(1);
    }
    {
      ssize_t r = read(clock_fd, line + have, sizeof(line) - have);
      if(r < 0 && errno == EINTR) {
        continue;
      }
      if(r <= 0) {
        return -1;
      }
      have += (size_t)r;
    }
  }
}

/* Every datagram waiting on the socket into the engine at now; the number taken in */
static int
drain_socket(void)
{
  int taken = 0;
  uint8_t buf[1500];
  struct sockaddr_in6 from;
  socklen_t sl;
  ssize_t n;
  while(sl = sizeof(from),
        (n = recvfrom(sock, buf, sizeof(buf), 0, (struct sockaddr *)&from, &sl)) >= 0) {
    coap_ep_t ep;
    if(from.sin6_family != AF_INET6) {
      continue;
    }
    memcpy(ep.addr, &from.sin6_addr, 16);
    ep.port = ntohs(from.sin6_port);
    if(verbose) {
      log_msg("rx", &ep, buf, (uint16_t)n);
    }
    lwm2m_input(&ctx, now_ms(), buf, (uint16_t)(n > 0xFFFF ? 0xFFFF : n), &ep);
    taken++;
  }
  return taken;
}

int
main(int argc, char **argv)
{
  const char *server = NULL;
  long lifetime = 300, port = 0;
  int bootstrap = 0, queue = 0;
  struct sockaddr_in6 sa;
  socklen_t sl = sizeof(sa);
  uint32_t stop_at = 0, send_ms = 0, next_send = 0;
  lwm2m_path_t send_paths[LWM2M_COMPOSITE_MAX];
  uint8_t nsend = 0, muted = 0;
  int i, zero = 0;

  saved_argv = argv;
  clock_gettime(CLOCK_MONOTONIC, &t0);
  for(i = 1; i < argc; i++) {
    const char *a = argv[i];
    const char *v = i + 1 < argc ? argv[i + 1] : NULL;
    if(!strcmp(a, "--server") && v) {
      server = v;
      i++;
    } else if(!strcmp(a, "--ep") && v) {
      ep_name = v;
      i++;
    } else if(!strcmp(a, "--lifetime") && v) {
      char *end;
      lifetime = strtol(v, &end, 10);
      if(*end || lifetime < 1 || lifetime > 2147483) {
        fprintf(stderr, "lwm2m-client: bad --lifetime '%s' (1..2147483 seconds)\n", v);
        return 2;
      }
      i++;
    } else if(!strcmp(a, "--port") && v) {
      char *end;
      port = strtol(v, &end, 10);
      if(*end || port < 0 || port > 65535) {
        fprintf(stderr, "lwm2m-client: bad --port '%s'\n", v);
        return 2;
      }
      i++;
    } else if(!strcmp(a, "--send") && v) {
      /* comma-separated paths, e.g. /3303/0/5700,/3/0/13 */
      const char *s = v;
      while(*s) {
        const char *e = strchr(s, ',');
        size_t n = e ? (size_t)(e - s) : strlen(s);
        if(nsend == LWM2M_COMPOSITE_MAX ||
           lwm2m_path_parse(s, (uint16_t)n, &send_paths[nsend]) < 0 || !send_paths[nsend].len) {
          fprintf(stderr, "lwm2m-client: bad --send '%s' (up to %d paths like /3303/0/5700, "
                          "comma-separated)\n", v, LWM2M_COMPOSITE_MAX);
          return 2;
        }
        nsend++;
        s += n + (e != NULL);
      }
      i++;
    } else if(!strcmp(a, "--send-period") && v) {
      char *end;
      long sp = strtol(v, &end, 10);
      if(*end || sp < 1 || sp > 86400) {
        fprintf(stderr, "lwm2m-client: bad --send-period '%s' (1..86400 seconds)\n", v);
        return 2;
      }
      send_ms = (uint32_t)sp * 1000u;
      i++;
    } else if(!strcmp(a, "--clock-fd") && v) {
      char *end;
      long fd = strtol(v, &end, 10);
      if(*end || fd < 3 || fd > 1023 || fcntl((int)fd, F_GETFD) < 0) {
        fprintf(stderr, "lwm2m-client: bad --clock-fd '%s' (an open descriptor from the rig, 3..1023)\n",
                v);
        return 2;
      }
      clock_fd = (int)fd;
      i++;
    } else if(!strcmp(a, "--bootstrap")) {
      bootstrap = 1;
    } else if(!strcmp(a, "--queue")) {
      queue = 1;
    } else if(!strcmp(a, "--verbose") || !strcmp(a, "-v")) {
      verbose = 1;
    } else if(!strcmp(a, "--help") || !strcmp(a, "-h")) {
      usage(stdout);
      return 0;
    } else {
      fprintf(stderr, "lwm2m-client: unknown or incomplete argument '%s'\n", a);
      usage(stderr);
      return 2;
    }
  }
  if(nsend && !send_ms) {
    send_ms = 10000;
  }
  if(!server || !ep_name) {
    fprintf(stderr, "lwm2m-client: --server and --ep are required\n");
    usage(stderr);
    return 2;
  }
  if(!*ep_name || strlen(ep_name) > 40) {
    fprintf(stderr, "lwm2m-client: --ep must be 1..40 characters\n");
    return 2;
  }
  {
    coap_ep_t tmp;
    if(coap_ep_parse(server, &tmp) < 0) {
      fprintf(stderr, "lwm2m-client: unsupported server URI '%s' (want coap://[IPv6]:port or "
                      "coap://a.b.c.d:port)\n", server);
      return 2;
    }
  }
  sock = socket(AF_INET6, SOCK_DGRAM, 0);
  if(sock < 0) {
    perror("lwm2m-client: socket");
    return 1;
  }
  setsockopt(sock, IPPROTO_IPV6, IPV6_V6ONLY, &zero, sizeof(zero));
  memset(&sa, 0, sizeof(sa));
  sa.sin6_family = AF_INET6;
  sa.sin6_addr = in6addr_any;
  sa.sin6_port = htons((uint16_t)port);
  if(bind(sock, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
    fprintf(stderr, "lwm2m-client: cannot bind UDP port %ld: %s\n", port, strerror(errno));
    return 1;
  }
  getsockname(sock, (struct sockaddr *)&sa, &sl);
  fcntl(sock, F_SETFL, O_NONBLOCK);
  if(clock_fd >= 0) {
    /* the same run twice: message IDs, tokens and retransmission timeouts seeded by the name */
    uint8_t eui[8];
    lwm2m_plat_eui64(eui);
    srandom((unsigned)eui[4] << 24 | (unsigned)eui[5] << 16 | (unsigned)eui[6] << 8 | eui[7]);
  } else {
    srandom((unsigned)(time(NULL) ^ getpid()));
  }
  signal(SIGINT, on_signal);
  signal(SIGTERM, on_signal);
  setvbuf(stdout, NULL, _IOLBF, 0);
  if(clock_fd >= 0 && clock_command() < 0) { /* the first "t": the start instant */
    return 1;
  }

  {
    uint8_t n = (uint8_t)(sizeof(objects) / sizeof(objects[0]));
    const lwm2m_object_t *const *objs = lwm2m_client_objects_hook(objects, &n);
    lwm2m_client_check(objs, n); /* aborts on an object ID twice: the second would be shadowed */
    lwm2m_init(&ctx, ep_name, objs, n, udp_send, rnd, NULL, now_ms());
  }
  ctx.event = on_event;
  if(lwm2m_add_server(server, (uint8_t)bootstrap, 1, (uint32_t)lifetime) < 0) {
    fprintf(stderr, "lwm2m-client: server URI too long (max %d)\n", LWM2M_URI_MAX - 1);
    return 2;
  }
  lwm2m_set_queue_mode(&ctx, (uint8_t)queue);
  printf("lwm2m: endpoint %s, %s server %s, lifetime %ld s, local port %u%s\n", ep_name,
         bootstrap ? "bootstrap" : "management", server, lifetime, ntohs(sa.sin6_port),
         queue ? ", queue mode" : "");
  lwm2m_start(&ctx);

  for(;;) {
    uint32_t now = now_ms(), wait;
    struct pollfd pfd = { sock, POLLIN, 0 };
    if(stop_requested == 1) {
      stop_requested = 2;
      stop_at = now + DEREG_WAIT_MS;
      if(ctx.state != LWM2M_ST_REGISTERED && ctx.state != LWM2M_ST_UPDATE) {
        /* never registered (nothing listening, still bootstrapping) or no longer: nothing to
         * deregister, and no "deregistered" to claim */
        printf("lwm2m: not registered, exiting\n");
        break;
      }
      printf("lwm2m: stopping, deregistering\n");
      lwm2m_deregister(&ctx);
    }
    /* Send (POST /dp, SenML CBOR) of the --send paths every --send-period while registered */
    if(nsend && !stop_requested && ctx.state == LWM2M_ST_REGISTERED &&
       (int32_t)(now - next_send) >= 0) {
      next_send = now + send_ms;
      if(lwm2m_srv[0].mute_send != muted) { /* said once per change */
        muted = lwm2m_srv[0].mute_send;
        printf("lwm2m: send %s by the server (/1/0/23)\n", muted ? "muted" : "unmuted");
      }
      if(!muted && lwm2m_send(&ctx, send_paths, nsend, LWM2M_CF_SENML_CBOR) < 0) {
        printf("lwm2m: send skipped (the last one is still in flight)\n");
      }
    }
    wait = lwm2m_step(&ctx, now);
    if(nsend && wait > send_ms) {
      wait = send_ms;
    }
    if(stop_requested && (ctx.state == LWM2M_ST_DEREGISTERED || (int32_t)(now - stop_at) >= 0)) {
      if(ctx.state != LWM2M_ST_DEREGISTERED) {
        printf("lwm2m: no answer to deregistration, exiting anyway\n");
      }
      break;
    }
    if(stop_requested == 2 && wait > stop_at - now) {
      wait = stop_at - now; /* the deregistration's deadline */
    }
    if(clock_fd < 0 && wait > 1000) {
      wait = 1000; /* a signal is noticed within a second */
    }
    if(clock_fd >= 0) {
      if(drain_socket()) {
        continue; /* answers and timers at this same instant before saying idle */
      }
      fflush(stdout);
      if(dprintf(clock_fd, "idle %u %u\n", (unsigned)wait, (unsigned)tx_count) < 0 ||
         clock_command() < 0) {
        break; /* the rig has gone: nobody to deregister for */
      }
    } else if(poll(&pfd, 1, (int)wait) > 0 && (pfd.revents & POLLIN)) {
      drain_socket();
    }
  }
  close(sock);
  printf("lwm2m: exit\n");
  return 0;
}
