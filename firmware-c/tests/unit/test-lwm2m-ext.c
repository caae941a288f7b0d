/* An application's own object table (apps/lwm2m-client/lwm2m-client.h): LWM2M_CLIENT_APP_OBJECTS
 * appends it to the client's built-in table, the engine registers and serves it, and a host build
 * aborts on an object ID that is in the table twice. */
#include "apps/lwm2m-client/lwm2m-client.h"
#include "lwm2m-harness.h"

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

/* An application's object: /3300/0/5701 "units" (what the engine serves from this table) */
static uint16_t app_iids[1] = { 0 };
static const lwm2m_res_t app_res[] = { { 5701, LWM2M_T_STR | LWM2M_R } };
static uint8_t
app_handler(lwm2m_op_t *op)
{
  if(op->op != LWM2M_OP_READ) {
    return COAP_METHOD_NOT_ALLOWED;
  }
  op->v.p = (const uint8_t *)"units";
  op->v.len = 5;
  return 0;
}
static const lwm2m_object_t app_obj = { 3300, 0, 1, app_res, app_iids, 1, 0, app_handler };

LWM2M_CLIENT_APP_OBJECTS(&app_obj);

static const lwm2m_object_t *const builtin[] = {
  &lwm2m_obj_security, &lwm2m_obj_server, &lwm2m_obj_device,
};

static int
contains(const uint8_t *p, uint16_t n, const char *s)
{
  size_t l = strlen(s);
  for(size_t i = 0; i + l <= n; i++) {
    if(!memcmp(p + i, s, l)) {
      return 1;
    }
  }
  return 0;
}

UNIT_TEST(the_hook_appends_the_application_table)
{
  uint8_t n = 3, got;
  const lwm2m_object_t *const *objs = lwm2m_client_objects_hook(builtin, &n);
  const lwm2m_object_t *const *reg;
  coap_msg_t m;
  UNIT_CHECK_EQ(n, 4);
  UNIT_CHECK(objs[0] == &lwm2m_obj_security && objs[2] == &lwm2m_obj_device);
  UNIT_CHECK(objs[3] == &app_obj);
  h_reset_servers();
  lwm2m_init(&ctx, "node-1", objs, n, h_send, h_rand, NULL, h_now);
  ctx.event = h_event;
  reg = lwm2m_client_objects(&ctx, &got); /* the accessor: what the client registered */
  UNIT_CHECK(reg == objs);
  UNIT_CHECK_EQ(got, 4);
  UNIT_CHECK_EQ(lwm2m_add_server("coap://[::1]:5683", 0, 101, 300), 0);
  lwm2m_start(&ctx);
  lwm2m_step(&ctx, h_now);
  m = h_last_request(); /* the Register names the application's object */
  UNIT_CHECK(contains(m.payload, m.payload_len, "</3300/0>"));
  h_answer(COAP_CREATED, "rd/5a3f", NULL);
  lwm2m_step(&ctx, h_now);
  m = h_do(REQ(.code = COAP_GET, .path = "/3300/0/5701"));
  UNIT_CHECK_EQ(m.code, COAP_CONTENT);
  UNIT_CHECK(h_payload_is(&m, "units"));
}

UNIT_TEST(extend_keeps_what_fits_and_checks)
{
  const lwm2m_object_t *out[4];
  const lwm2m_object_t *const app[] = { &app_obj };
  UNIT_CHECK_EQ(lwm2m_client_extend(out, 4, builtin, 3, app, 1), 4);
  UNIT_CHECK(out[3] == &app_obj);
  UNIT_CHECK_EQ(lwm2m_client_extend(out, 4, builtin, 3, NULL, 0), 3); /* no application table */
}

/* Runs fn in a child: its exit status, and what it printed on stderr in err */
static int
in_child(void (*fn)(void), char *err, size_t cap)
{
  int p[2], status = 0;
  ssize_t got;
  pid_t pid;
  fflush(stdout);
  if(pipe(p) < 0 || (pid = fork()) < 0) {
    return -1;
  }
  if(pid == 0) {
    dup2(p[1], 2);
    fn();
    _exit(0);
  }
  close(p[1]);
  got = read(p[0], err, cap - 1);
  err[got > 0 ? got : 0] = 0;
  close(p[0]);
  waitpid(pid, &status, 0);
  return status;
}

static void
table_with_a_duplicate(void)
{
  static const lwm2m_object_t *out[5];
  const lwm2m_object_t *const app[] = { &app_obj, &lwm2m_obj_device }; /* /3 a second time */
  lwm2m_client_extend(out, 5, builtin, 3, app, 2);
}

static void
table_too_small(void)
{
  static const lwm2m_object_t *out[3];
  const lwm2m_object_t *const app[] = { &app_obj };
  lwm2m_client_extend(out, 3, builtin, 3, app, 1);
}

static void
check_a_duplicate(void)
{
  const lwm2m_object_t *const objs[] = { &lwm2m_obj_security, &app_obj, &app_obj };
  lwm2m_client_check(objs, 3);
}

UNIT_TEST(host_builds_abort_on_a_duplicate_object_id)
{
  char err[256];
  int st = in_child(table_with_a_duplicate, err, sizeof(err));
  UNIT_CHECK(WIFSIGNALED(st) && WTERMSIG(st) == SIGABRT);
  UNIT_CHECK(strstr(err, "object /3 is in the table twice (entries 2 and 4)") != NULL);
  st = in_child(check_a_duplicate, err, sizeof(err));
  UNIT_CHECK(WIFSIGNALED(st) && WTERMSIG(st) == SIGABRT);
  UNIT_CHECK(strstr(err, "object /3300 is in the table twice") != NULL);
  st = in_child(table_too_small, err, sizeof(err));
  UNIT_CHECK(WIFSIGNALED(st) && WTERMSIG(st) == SIGABRT);
  UNIT_CHECK(strstr(err, "object table full: 3 of 4 objects fit") != NULL);
}

int
main(void)
{
  UNIT_RUN(the_hook_appends_the_application_table);
  UNIT_RUN(extend_keeps_what_fits_and_checks);
  UNIT_RUN(host_builds_abort_on_a_duplicate_object_id);
  return UNIT_DONE();
}
