/*
 * merezha_icmp: many ICMP echo requests in flight on one socket, like fping,
 * for Merezha's ping probe (collector/probes/icmp.ts).
 *
 * One socket per address family. It is an unprivileged ICMP datagram socket
 * where the kernel allows it (net.ipv4.ping_group_range), else a raw socket
 * (needs CAP_NET_RAW, as the system ping does). Replies are read by a libuv
 * poll handle on Node's own event loop: no threads.
 *
 * Every echo request carries, in its payload, the time it was sent, the
 * address it was sent to and a random cookie of its socket; a reply is handed
 * to JavaScript only if it is an echo reply with our identifier and cookie,
 * from the address its request went to, as (sequence, rtt in ms). The RTT is
 * the kernel's receive timestamp minus the send time, so a busy event loop
 * does not inflate it. Which reply belongs to which probe is JavaScript's
 * business: sequence numbers are unique among the requests it waits for.
 *
 * Under load the receive path is what loses replies, so it is sized and
 * drained: a large receive buffer (SO_RCVBUFFORCE where allowed, else
 * SO_RCVBUF up to net.core.rmem_max; the size obtained is reported), every
 * wakeup reads until the socket is empty with recvmmsg batches, replies go to
 * JavaScript in batches through a shared Float64Array (one call per batch, not
 * per reply), and the kernel's count of datagrams it dropped on the socket
 * (SO_MEMINFO's SK_MEMINFO_DROPS) is kept in that array for JavaScript to tell
 * a reply lost by us from a host that did not answer. `drain` reads the same
 * way synchronously, for a probe about to be declared without reply while the
 * event loop was too busy to read.
 *
 * JS API:
 *   open(family: 4 | 6, replies: Float64Array, onReplies(n)) -> { handle, kind: 'dgram' | 'raw', ident, rcvbuf }
 *     replies[0] is the socket's drop count, replies[1 + 2i], replies[2 + 2i] the
 *     sequence and rtt of the i-th reply of a batch of n;
 *     throws an Error with .code = errno name when no socket can be opened
 *   send(handle, address: Uint8Array (4 or 16 bytes), seq: number) -> 0 | -errno
 *   drain(handle) -> n, the replies read into the array (call again while n is its capacity)
 *   close(handle)
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <linux/filter.h>
#include <linux/sock_diag.h>
#include <netinet/icmp6.h>
#include <netinet/in.h>
#include <netinet/ip.h>
#include <netinet/ip_icmp.h>
#include <node_api.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include <uv.h>

#ifndef ICMP_FILTER
#define ICMP_FILTER 1
struct icmp_filter {
  uint32_t data;
};
#endif

#define PAYLOAD_LEN 56 /* like ping: 64-byte ICMP message */
/* Enough that one wakeup reads the replies of a whole burst without leaving the socket to fill. */
#define MAX_REPLIES_PER_WAKEUP 65536
/* About 80,000 queued replies at the ~400 B the kernel charges for each on loopback. */
#define RCVBUF_BYTES (32 * 1024 * 1024)
#define SNDBUF_BYTES (8 * 1024 * 1024)
#define MMSG_BATCH 64
/* A reply is 84 bytes with its IPv4 header; anything longer is not ours or needs no more than this. */
#define RECV_BYTES 256

typedef struct {
  uint64_t mono_ns;
  uint64_t real_ns;
  uint32_t cookie;
  uint32_t pad;
  /* Where the request went, so that a reply is taken only from there. */
  uint8_t to[16];
} stamp_t;
_Static_assert(sizeof(stamp_t) <= PAYLOAD_LEN, "the stamp must fit in the payload");

typedef struct sock_s {
  int fd;
  int family;
  int raw;
  uint16_t ident;
  uint32_t cookie;
  int closing;
  uv_poll_t poll;
  napi_env env;
  napi_ref callback;
  napi_ref replies_ref;
  napi_async_context async;
  /* The shared Float64Array, kept alive by replies_ref. */
  double *replies;
  size_t capacity;
} sock_t;

#define CHECK(call)                                             \
  do {                                                          \
    if ((call) != napi_ok) {                                    \
      napi_throw_error(env, NULL, "merezha_icmp: " #call);      \
      return NULL;                                              \
    }                                                           \
  } while (0)

static uint64_t now_ns(clockid_t clock) {
  struct timespec ts;
  clock_gettime(clock, &ts);
  return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static uint16_t checksum(const uint8_t *data, size_t len) {
  uint32_t sum = 0;
  for (size_t i = 0; i + 1 < len; i += 2) sum += (uint32_t)((data[i] << 8) | data[i + 1]);
  if (len & 1) sum += (uint32_t)(data[len - 1] << 8);
  while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
  return htons((uint16_t)~sum);
}

static napi_value throw_errno(napi_env env, const char *what, int err) {
  napi_value msg, code, error;
  char text[256];
  snprintf(text, sizeof text, "%s: %s", what, strerror(err));
  napi_create_string_utf8(env, text, NAPI_AUTO_LENGTH, &msg);
  napi_create_string_utf8(env, uv_err_name(-err), NAPI_AUTO_LENGTH, &code);
  napi_create_error(env, code, msg, &error);
  napi_throw(env, error);
  return NULL;
}

/* Lets only echo replies with our identifier reach a raw socket, so that the
 * replies to every other pinger on the machine are not copied to us. */
static void attach_filter(int fd, int family, uint16_t ident) {
  if (family == 4) {
    struct icmp_filter f = {~(1u << ICMP_ECHOREPLY)};
    setsockopt(fd, SOL_RAW, ICMP_FILTER, &f, sizeof f);
    struct sock_filter code[] = {
        BPF_STMT(BPF_LDX | BPF_B | BPF_MSH, 0),         /* x = IP header length */
        BPF_STMT(BPF_LD | BPF_B | BPF_IND, 0),          /* icmp type */
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, ICMP_ECHOREPLY, 0, 3),
        BPF_STMT(BPF_LD | BPF_H | BPF_IND, 4),          /* icmp identifier */
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, ident, 0, 1),
        BPF_STMT(BPF_RET | BPF_K, 0xffff),
        BPF_STMT(BPF_RET | BPF_K, 0),
    };
    struct sock_fprog prog = {sizeof code / sizeof code[0], code};
    setsockopt(fd, SOL_SOCKET, SO_ATTACH_FILTER, &prog, sizeof prog);
  } else {
    struct icmp6_filter f;
    ICMP6_FILTER_SETBLOCKALL(&f);
    ICMP6_FILTER_SETPASS(ICMP6_ECHO_REPLY, &f);
    setsockopt(fd, IPPROTO_ICMPV6, ICMP6_FILTER, &f, sizeof f);
    struct sock_filter code[] = {
        BPF_STMT(BPF_LD | BPF_B | BPF_ABS, 0),
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, ICMP6_ECHO_REPLY, 0, 3),
        BPF_STMT(BPF_LD | BPF_H | BPF_ABS, 4),
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, ident, 0, 1),
        BPF_STMT(BPF_RET | BPF_K, 0xffff),
        BPF_STMT(BPF_RET | BPF_K, 0),
    };
    struct sock_fprog prog = {sizeof code / sizeof code[0], code};
    setsockopt(fd, SOL_SOCKET, SO_ATTACH_FILTER, &prog, sizeof prog);
  }
}

static void on_closed(uv_handle_t *handle) { free(handle->data); }

static void release_sock(sock_t *s) {
  if (s->closing) return;
  s->closing = 1;
  uv_poll_stop(&s->poll);
  close(s->fd);
  if (s->callback) napi_delete_reference(s->env, s->callback);
  if (s->replies_ref) napi_delete_reference(s->env, s->replies_ref);
  s->replies_ref = NULL;
  s->replies = NULL;
  if (s->async) napi_async_destroy(s->env, s->async);
  s->callback = NULL;
  s->async = NULL;
  s->poll.data = s;
  uv_close((uv_handle_t *)&s->poll, on_closed);
}

/* The kernel's count of datagrams it dropped on the socket (receive buffer full). */
static double drops_of(int fd) {
  uint32_t mem[SK_MEMINFO_VARS];
  socklen_t len = sizeof mem;
  if (getsockopt(fd, SOL_SOCKET, SO_MEMINFO, mem, &len) != 0 || len <= SK_MEMINFO_DROPS * sizeof(uint32_t)) return 0;
  return (double)mem[SK_MEMINFO_DROPS];
}

/* Reads pending replies into the shared array until it is full or the socket empty; returns how many. */
static size_t read_batch(sock_t *s, int *empty) {
  uint8_t bufs[MMSG_BATCH][RECV_BYTES];
  char controls[MMSG_BATCH][128];
  struct sockaddr_storage froms[MMSG_BATCH];
  struct mmsghdr msgs[MMSG_BATCH];
  struct iovec iovs[MMSG_BATCH];
  size_t n = 0;
  *empty = 0;
  while (n < s->capacity) {
    size_t want = s->capacity - n < MMSG_BATCH ? s->capacity - n : MMSG_BATCH;
    for (size_t i = 0; i < want; i++) {
      iovs[i].iov_base = bufs[i];
      iovs[i].iov_len = RECV_BYTES;
      memset(&msgs[i], 0, sizeof msgs[i]);
      msgs[i].msg_hdr.msg_name = &froms[i];
      msgs[i].msg_hdr.msg_namelen = sizeof froms[i];
      msgs[i].msg_hdr.msg_iov = &iovs[i];
      msgs[i].msg_hdr.msg_iovlen = 1;
      msgs[i].msg_hdr.msg_control = controls[i];
      msgs[i].msg_hdr.msg_controllen = sizeof controls[i];
    }
    int got = recvmmsg(s->fd, msgs, (unsigned)want, MSG_DONTWAIT, NULL);
    if (got <= 0) {
      /* EAGAIN: drained; other errors: try again on the next wakeup. */
      *empty = 1;
      break;
    }
    uint64_t mono_now = now_ns(CLOCK_MONOTONIC);
    for (int m = 0; m < got; m++) {
      struct msghdr *msg = &msgs[m].msg_hdr;
      const uint8_t *icmp = bufs[m];
      size_t icmp_len = msgs[m].msg_len < RECV_BYTES ? msgs[m].msg_len : RECV_BYTES;
      if (s->family == 4 && s->raw) {
        size_t ihl = (size_t)(icmp[0] & 0x0f) * 4;
        if (icmp_len < ihl) continue;
        icmp += ihl;
        icmp_len -= ihl;
      }
      if (icmp_len < 8 + sizeof(stamp_t)) continue;
      uint8_t want_type = s->family == 4 ? ICMP_ECHOREPLY : ICMP6_ECHO_REPLY;
      if (icmp[0] != want_type) continue;
      /* A datagram socket's identifier is its local port, chosen and matched by the kernel. */
      if (s->raw && ((icmp[4] << 8) | icmp[5]) != s->ident) continue;
      stamp_t stamp;
      memcpy(&stamp, icmp + 8, sizeof stamp);
      if (stamp.cookie != s->cookie) continue;
      const struct sockaddr_storage *from = &froms[m];
      if (from->ss_family == AF_INET) {
        if (memcmp(&((const struct sockaddr_in *)from)->sin_addr, stamp.to, 4) != 0) continue;
      } else if (from->ss_family == AF_INET6) {
        if (memcmp(&((const struct sockaddr_in6 *)from)->sin6_addr, stamp.to, 16) != 0) continue;
      } else {
        continue;
      }
      uint16_t seq = (uint16_t)((icmp[6] << 8) | icmp[7]);

      double rtt_ms = -1;
      for (struct cmsghdr *c = CMSG_FIRSTHDR(msg); c; c = CMSG_NXTHDR(msg, c)) {
        if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_TIMESTAMPNS) {
          struct timespec ts;
          memcpy(&ts, CMSG_DATA(c), sizeof ts);
          uint64_t rx = (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
          if (rx >= stamp.real_ns && rx - stamp.real_ns < 600000000000ull) rtt_ms = (double)(rx - stamp.real_ns) / 1e6;
        }
      }
      /* No kernel timestamp, or the wall clock stepped: the monotonic clock, read on arrival. */
      if (rtt_ms < 0) rtt_ms = mono_now >= stamp.mono_ns ? (double)(mono_now - stamp.mono_ns) / 1e6 : 0;
      s->replies[1 + 2 * n] = seq;
      s->replies[2 + 2 * n] = rtt_ms;
      n++;
    }
    if ((size_t)got < want) {
      *empty = 1;
      break;
    }
  }
  s->replies[0] = drops_of(s->fd);
  return n;
}

static void on_readable(uv_poll_t *handle, int status, int events) {
  sock_t *s = handle->data;
  if (s->closing || status < 0) return;
  napi_env env = s->env;
  napi_handle_scope scope;
  if (napi_open_handle_scope(env, &scope) != napi_ok) return;
  napi_value callback, recv;
  napi_get_reference_value(env, s->callback, &callback);
  napi_get_global(env, &recv);

  size_t total = 0;
  int empty = 0;
  while (!empty && !s->closing && total < MAX_REPLIES_PER_WAKEUP) {
    size_t n = read_batch(s, &empty);
    total += n;
    if (n == 0) continue;
    napi_value argv[1], result;
    napi_create_uint32(env, (uint32_t)n, &argv[0]);
    if (napi_make_callback(env, s->async, recv, callback, 1, argv, &result) != napi_ok) {
      /* The callback threw: leave it to Node's uncaught-exception handling. */
      bool pending = false;
      napi_is_exception_pending(env, &pending);
      if (pending) {
        napi_value err;
        napi_get_and_clear_last_exception(env, &err);
        napi_fatal_exception(env, err);
      }
      break;
    }
  }
  napi_close_handle_scope(env, scope);
}

static void finalize_sock(napi_env env, void *data, void *hint) { release_sock(data); }

static int open_socket(int family, int *raw) {
  int domain = family == 4 ? AF_INET : AF_INET6;
  int proto = family == 4 ? IPPROTO_ICMP : IPPROTO_ICMPV6;
  int fd = socket(domain, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, proto);
  if (fd >= 0) {
    *raw = 0;
    return fd;
  }
  int dgram_errno = errno;
  fd = socket(domain, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, proto);
  if (fd >= 0) {
    *raw = 1;
    return fd;
  }
  /* EPERM from raw says more than EACCES from the datagram socket only if neither works. */
  if (errno != EPERM && errno != EACCES) return -errno;
  return -(dgram_errno == EACCES ? EPERM : dgram_errno);
}

static napi_value js_open(napi_env env, napi_callback_info info) {
  size_t argc = 3;
  napi_value argv[3];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  int32_t family = 0;
  CHECK(napi_get_value_int32(env, argv[0], &family));
  if (family != 4 && family != 6) {
    napi_throw_range_error(env, NULL, "family must be 4 or 6");
    return NULL;
  }
  napi_typedarray_type type;
  size_t length = 0;
  void *data = NULL;
  if (napi_get_typedarray_info(env, argv[1], &type, &length, &data, NULL, NULL) != napi_ok || type != napi_float64_array ||
      length < 3) {
    napi_throw_type_error(env, NULL, "replies must be a Float64Array of at least 3");
    return NULL;
  }
  int raw = 0;
  int fd = open_socket(family, &raw);
  if (fd < 0) return throw_errno(env, "cannot open an ICMP socket", -fd);

  int size = RCVBUF_BYTES;
  /* FORCE needs CAP_NET_ADMIN; without it the plain option caps at net.core.rmem_max. */
  if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &size, sizeof size) < 0) setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof size);
  size = SNDBUF_BYTES;
  if (setsockopt(fd, SOL_SOCKET, SO_SNDBUFFORCE, &size, sizeof size) < 0) setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &size, sizeof size);
  int rcvbuf = 0;
  socklen_t rcvbuf_len = sizeof rcvbuf;
  getsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, &rcvbuf_len);
  int on = 1;
  setsockopt(fd, SOL_SOCKET, SO_TIMESTAMPNS, &on, sizeof on);

  sock_t *s = calloc(1, sizeof *s);
  if (!s) {
    close(fd);
    return throw_errno(env, "cannot open an ICMP socket", ENOMEM);
  }
  s->fd = fd;
  s->family = family;
  s->raw = raw;
  s->env = env;
  s->replies = data;
  s->capacity = (length - 1) / 2;
  uint32_t rnd[2];
  if (getrandom(rnd, sizeof rnd, 0) != sizeof rnd) {
    rnd[0] = (uint32_t)now_ns(CLOCK_REALTIME) ^ (uint32_t)getpid();
    rnd[1] = (uint32_t)(now_ns(CLOCK_MONOTONIC) >> 7);
  }
  s->cookie = rnd[0];
  if (raw) {
    s->ident = (uint16_t)(rnd[1] & 0xffff);
    attach_filter(fd, family, s->ident);
  } else {
    /* The kernel puts the socket's local "port" in every request as its identifier. */
    struct sockaddr_storage local;
    socklen_t len = sizeof local;
    memset(&local, 0, sizeof local);
    local.ss_family = family == 4 ? AF_INET : AF_INET6;
    bind(fd, (struct sockaddr *)&local, family == 4 ? sizeof(struct sockaddr_in) : sizeof(struct sockaddr_in6));
    if (getsockname(fd, (struct sockaddr *)&local, &len) == 0)
      s->ident = ntohs(family == 4 ? ((struct sockaddr_in *)&local)->sin_port : ((struct sockaddr_in6 *)&local)->sin6_port);
  }

  uv_loop_t *loop;
  napi_value resource_name;
  if (napi_get_uv_event_loop(env, &loop) != napi_ok || napi_create_reference(env, argv[2], 1, &s->callback) != napi_ok ||
      napi_create_reference(env, argv[1], 1, &s->replies_ref) != napi_ok ||
      napi_create_string_utf8(env, "merezha_icmp", NAPI_AUTO_LENGTH, &resource_name) != napi_ok ||
      napi_async_init(env, NULL, resource_name, &s->async) != napi_ok || uv_poll_init(loop, &s->poll, fd) != 0) {
    close(fd);
    free(s);
    napi_throw_error(env, NULL, "merezha_icmp: cannot set up the poll handle");
    return NULL;
  }
  s->poll.data = s;
  uv_poll_start(&s->poll, UV_READABLE, on_readable);
  /* An idle socket does not keep Node alive: pending probes keep their own timers. */
  uv_unref((uv_handle_t *)&s->poll);

  napi_value result, handle, kind, ident, rcvbuf_value;
  CHECK(napi_create_object(env, &result));
  CHECK(napi_create_object(env, &handle));
  CHECK(napi_wrap(env, handle, s, finalize_sock, NULL, NULL));
  CHECK(napi_create_string_utf8(env, raw ? "raw" : "dgram", NAPI_AUTO_LENGTH, &kind));
  CHECK(napi_create_uint32(env, s->ident, &ident));
  CHECK(napi_set_named_property(env, result, "handle", handle));
  CHECK(napi_set_named_property(env, result, "kind", kind));
  CHECK(napi_set_named_property(env, result, "ident", ident));
  /* What the kernel granted, doubled for its bookkeeping as it reports it. */
  CHECK(napi_create_int32(env, rcvbuf, &rcvbuf_value));
  CHECK(napi_set_named_property(env, result, "rcvbuf", rcvbuf_value));
  return result;
}

static sock_t *unwrap(napi_env env, napi_value handle) {
  void *data = NULL;
  if (napi_unwrap(env, handle, &data) != napi_ok || !data) {
    napi_throw_type_error(env, NULL, "not an ICMP socket handle");
    return NULL;
  }
  return data;
}

static napi_value js_send(napi_env env, napi_callback_info info) {
  size_t argc = 3;
  napi_value argv[3], result;
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  sock_t *s = unwrap(env, argv[0]);
  if (!s) return NULL;
  napi_typedarray_type type;
  size_t addr_len = 0;
  void *addr = NULL;
  uint32_t seq = 0;
  CHECK(napi_get_typedarray_info(env, argv[1], &type, &addr_len, &addr, NULL, NULL));
  CHECK(napi_get_value_uint32(env, argv[2], &seq));
  if (s->closing) {
    napi_create_int32(env, -EBADF, &result);
    return result;
  }
  if (type != napi_uint8_array || addr_len != (s->family == 4 ? 4u : 16u)) {
    napi_create_int32(env, -EINVAL, &result);
    return result;
  }

  struct sockaddr_storage to;
  socklen_t to_len;
  memset(&to, 0, sizeof to);
  stamp_t stamp;
  memset(&stamp, 0, sizeof stamp);
  memcpy(stamp.to, addr, addr_len);
  if (s->family == 4) {
    struct sockaddr_in *a = (struct sockaddr_in *)&to;
    a->sin_family = AF_INET;
    memcpy(&a->sin_addr, addr, 4);
    to_len = sizeof *a;
  } else {
    struct sockaddr_in6 *a = (struct sockaddr_in6 *)&to;
    a->sin6_family = AF_INET6;
    memcpy(&a->sin6_addr, addr, 16);
    to_len = sizeof *a;
  }

  uint8_t packet[8 + PAYLOAD_LEN];
  memset(packet, 0, sizeof packet);
  packet[0] = s->family == 4 ? ICMP_ECHO : ICMP6_ECHO_REQUEST;
  packet[4] = (uint8_t)(s->ident >> 8);
  packet[5] = (uint8_t)(s->ident & 0xff);
  packet[6] = (uint8_t)((seq >> 8) & 0xff);
  packet[7] = (uint8_t)(seq & 0xff);
  for (size_t i = 8 + sizeof(stamp_t); i < sizeof packet; i++) packet[i] = (uint8_t)i;
  stamp.mono_ns = now_ns(CLOCK_MONOTONIC);
  stamp.real_ns = now_ns(CLOCK_REALTIME);
  stamp.cookie = s->cookie;
  memcpy(packet + 8, &stamp, sizeof stamp);
  /* The kernel checksums ICMPv6 and datagram-socket ICMP itself; raw ICMPv4 is ours to do. */
  if (s->family == 4 && s->raw) {
    uint16_t sum = checksum(packet, sizeof packet);
    memcpy(packet + 2, &sum, 2);
  }
  ssize_t sent = sendto(s->fd, packet, sizeof packet, MSG_DONTWAIT, (struct sockaddr *)&to, to_len);
  napi_create_int32(env, sent < 0 ? -errno : 0, &result);
  return result;
}

static napi_value js_drain(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1], result;
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  sock_t *s = unwrap(env, argv[0]);
  if (!s) return NULL;
  int empty = 0;
  size_t n = s->closing ? 0 : read_batch(s, &empty);
  CHECK(napi_create_uint32(env, (uint32_t)n, &result));
  return result;
}

static napi_value js_close(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  void *data = NULL;
  if (napi_remove_wrap(env, argv[0], &data) == napi_ok && data) release_sock(data);
  return NULL;
}

NAPI_MODULE_INIT() {
  napi_property_descriptor props[] = {
      {"open", NULL, js_open, NULL, NULL, NULL, napi_default, NULL},
      {"send", NULL, js_send, NULL, NULL, NULL, napi_default, NULL},
      {"drain", NULL, js_drain, NULL, NULL, NULL, napi_default, NULL},
      {"close", NULL, js_close, NULL, NULL, NULL, napi_default, NULL},
  };
  if (napi_define_properties(env, exports, sizeof props / sizeof props[0], props) != napi_ok) return NULL;
  return exports;
}
