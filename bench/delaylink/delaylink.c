// delaylink: a point-to-point link on which every packet waits a fixed time in each direction,
// between the network namespace it is started in (the server side, 10.77.0.1) and a new
// namespace it creates (the client side, 10.77.0.2, loopback up). Benchmarks put their servers
// on 10.77.0.1 and run their clients in the client namespace (`nsenter --net=/proc/PID/ns/net`,
// or setns(2) on that path), so every DNS query, TCP handshake, TLS flight and HTTP exchange
// pays the round trip a real network adds. Nothing leaves the two namespaces.
//
// Two ways to build the link, same addresses and delay:
//   netem  a veth pair with `tc qdisc add dev ... root netem delay D` on both ends (the kernel
//          delays every packet; needs sch_netem);
//   tun    a TUN device in each namespace and this process in between, holding every packet D
//          before writing it to the other side (for kernels built without sch_netem).
// `-m auto` (the default) uses netem when the kernel has it and tun otherwise.
//
// Usage: delaylink [-d ONE_WAY_MS] [-m auto|netem|tun]      (root; default -d 25: 50 ms RTT)
// Prints "ready PID MODE" once the link is up (PID: a process in the client namespace, so
// /proc/PID/ns/net names it), then runs until SIGTERM/SIGINT or, when stdin is a pipe, until
// that pipe closes (a shell coprocess ends with its shell), and
// removes the link and the client namespace on the way out. Exit status 1 if the link cannot be
// built (the reason on stderr).
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/if.h>
#include <linux/if_tun.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define SERVER_ADDRESS "10.77.0.1"
#define CLIENT_ADDRESS "10.77.0.2"
#define SERVER_DEVICE "dl0"
#define CLIENT_DEVICE "dl1"
#define MAX_PACKET 65536
#define MAX_QUEUED 200000 /* per direction, like netem's limit: beyond it packets are dropped */

static volatile sig_atomic_t stop_requested = 0;
static int watched_stdin =
    -1; // STDIN_FILENO when it is a pipe or socket, else -1 (poll ignores it)

static void on_signal(int signal_number)
{
  (void)signal_number;
  stop_requested = 1;
}

// Runs argv to completion, in the namespace ns_fd (or this one when ns_fd < 0), stdout and
// stderr to ours only when `quiet` is 0. Returns 0 when it exited 0.
static int run(int ns_fd, int quiet, const char* const* argv)
{
  const pid_t pid = fork();
  if (pid < 0) {
    return -1;
  }
  if (pid == 0) {
    if (ns_fd >= 0 && setns(ns_fd, CLONE_NEWNET) != 0) {
      _exit(126);
    }
    if (quiet) {
      const int null_fd = open("/dev/null", O_WRONLY);
      dup2(null_fd, STDOUT_FILENO);
      dup2(null_fd, STDERR_FILENO);
    } else {
      dup2(STDERR_FILENO, STDOUT_FILENO);
    }
    execvp(argv[0], (char* const*)argv);
    _exit(127);
  }
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : -1;
}

#define RUN(ns, ...)                                                                               \
  do {                                                                                             \
    const char* const argv_[] = {__VA_ARGS__, NULL};                                               \
    if (run((ns), 0, argv_) != 0) {                                                                \
      fprintf(stderr, "delaylink: failed: %s ...\n", argv_[0]);                                    \
      return -1;                                                                                   \
    }                                                                                              \
  } while (0)

// A process that only holds the client namespace open; it dies with us.
static pid_t start_anchor(void)
{
  int ready[2];
  if (pipe(ready) != 0) {
    return -1;
  }
  const pid_t parent = getpid();
  const pid_t pid = fork();
  if (pid == 0) {
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (getppid() != parent || unshare(CLONE_NEWNET) != 0) {
      _exit(1);
    }
    const char byte = 1;
    if (write(ready[1], &byte, 1) != 1) {
      _exit(1);
    }
    for (;;) {
      pause();
    }
  }
  close(ready[1]);
  char byte = 0;
  const ssize_t got = read(ready[0], &byte, 1);
  close(ready[0]);
  return got == 1 ? pid : -1;
}

static int netem_link(int client_ns, pid_t anchor, const char* delay)
{
  char anchor_text[32];
  snprintf(anchor_text, sizeof anchor_text, "%d", (int)anchor);
  RUN(-1, "ip", "link", "add", SERVER_DEVICE, "type", "veth", "peer", "name", CLIENT_DEVICE,
      "netns", anchor_text);
  const char* const netem_server[] = {"tc",    "qdisc", "add", "dev",   SERVER_DEVICE, "root",
                                      "netem", "delay", delay, "limit", "100000",      NULL};
  if (run(-1, 1, netem_server) != 0) {
    const char* const remove[] = {"ip", "link", "del", SERVER_DEVICE, NULL};
    run(-1, 1, remove);
    return 1; // no netem here
  }
  RUN(client_ns, "tc", "qdisc", "add", "dev", CLIENT_DEVICE, "root", "netem", "delay", delay,
      "limit", "100000");
  RUN(-1, "ip", "addr", "add", SERVER_ADDRESS "/30", "dev", SERVER_DEVICE);
  RUN(-1, "ip", "link", "set", SERVER_DEVICE, "up");
  RUN(client_ns, "ip", "addr", "add", CLIENT_ADDRESS "/30", "dev", CLIENT_DEVICE);
  RUN(client_ns, "ip", "link", "set", CLIENT_DEVICE, "up");
  return 0;
}

static int open_tun(const char* name)
{
  const int fd = open("/dev/net/tun", O_RDWR | O_NONBLOCK | O_CLOEXEC);
  if (fd < 0) {
    return -1;
  }
  struct ifreq request;
  memset(&request, 0, sizeof request);
  request.ifr_flags = IFF_TUN | IFF_NO_PI;
  strncpy(request.ifr_name, name, IFNAMSIZ - 1);
  if (ioctl(fd, TUNSETIFF, &request) != 0) {
    close(fd);
    return -1;
  }
  return fd;
}

// Opens a TUN device on each side (the client one by entering its namespace for the open) and
// gives both their addresses.
static int tun_link(int server_ns, int client_ns, int* server_tun, int* client_tun)
{
  *server_tun = open_tun(SERVER_DEVICE);
  if (*server_tun < 0) {
    fprintf(stderr, "delaylink: cannot open a TUN device: %s\n", strerror(errno));
    return -1;
  }
  if (setns(client_ns, CLONE_NEWNET) != 0) {
    fprintf(stderr, "delaylink: setns: %s\n", strerror(errno));
    return -1;
  }
  *client_tun = open_tun(CLIENT_DEVICE);
  const int saved = errno;
  if (setns(server_ns, CLONE_NEWNET) != 0 || *client_tun < 0) {
    fprintf(stderr, "delaylink: cannot open the client TUN device: %s\n", strerror(saved));
    return -1;
  }
  RUN(-1, "ip", "addr", "add", SERVER_ADDRESS, "peer", CLIENT_ADDRESS, "dev", SERVER_DEVICE);
  RUN(-1, "ip", "link", "set", SERVER_DEVICE, "txqueuelen", "10000", "up");
  RUN(client_ns, "ip", "addr", "add", CLIENT_ADDRESS, "peer", SERVER_ADDRESS, "dev", CLIENT_DEVICE);
  RUN(client_ns, "ip", "link", "set", CLIENT_DEVICE, "txqueuelen", "10000", "up");
  return 0;
}

struct packet
{
  struct packet* next;
  int64_t due_ns;
  size_t length;
  unsigned char data[];
};

struct queue
{
  struct packet* head;
  struct packet* tail;
  size_t count;
  uint64_t forwarded;
  uint64_t dropped;
};

static int64_t now_ns(void)
{
  struct timespec now;
  clock_gettime(CLOCK_MONOTONIC, &now);
  return (int64_t)now.tv_sec * 1000000000 + now.tv_nsec;
}

// Reads every packet waiting on `from` into `queue`, each due `delay_ns` from now. The delay is
// the same for every packet, so the queue stays in due order.
static void take_packets(int from, struct queue* queue, int64_t delay_ns)
{
  static unsigned char buffer[MAX_PACKET];
  for (;;) {
    const ssize_t length = read(from, buffer, sizeof buffer);
    if (length <= 0) {
      return;
    }
    if (queue->count >= MAX_QUEUED) {
      ++queue->dropped;
      continue;
    }
    struct packet* packet = malloc(sizeof *packet + (size_t)length);
    if (packet == NULL) {
      ++queue->dropped;
      continue;
    }
    packet->next = NULL;
    packet->due_ns = now_ns() + delay_ns;
    packet->length = (size_t)length;
    memcpy(packet->data, buffer, (size_t)length);
    if (queue->tail != NULL) {
      queue->tail->next = packet;
    } else {
      queue->head = packet;
    }
    queue->tail = packet;
    ++queue->count;
  }
}

// Writes every packet of `queue` that is due to `to`; returns the nanoseconds until the next one
// is due, or -1 when the queue is empty.
static int64_t deliver_due(int to, struct queue* queue)
{
  const int64_t now = now_ns();
  while (queue->head != NULL && queue->head->due_ns <= now) {
    struct packet* packet = queue->head;
    if (write(to, packet->data, packet->length) == (ssize_t)packet->length) {
      ++queue->forwarded;
    } else {
      ++queue->dropped;
    }
    queue->head = packet->next;
    if (queue->head == NULL) {
      queue->tail = NULL;
    }
    --queue->count;
    free(packet);
  }
  return queue->head != NULL ? queue->head->due_ns - now : -1;
}

static void forward(int server_tun, int client_tun, int64_t delay_ns)
{
  struct queue to_server = {0};
  struct queue to_client = {0};
  while (!stop_requested) {
    const int64_t wait_server = deliver_due(server_tun, &to_server);
    const int64_t wait_client = deliver_due(client_tun, &to_client);
    int64_t wait_ns = wait_server;
    if (wait_ns < 0 || (wait_client >= 0 && wait_client < wait_ns)) {
      wait_ns = wait_client;
    }
    struct pollfd fds[3] = {
        {server_tun, POLLIN, 0}, {client_tun, POLLIN, 0}, {watched_stdin, POLLIN, 0}};
    struct timespec timeout = {wait_ns / 1000000000, wait_ns % 1000000000};
    const int ready = ppoll(fds, 3, wait_ns >= 0 ? &timeout : NULL, NULL);
    if (ready < 0) {
      continue; // EINTR: the loop condition sees the signal
    }
    if (fds[2].revents & (POLLIN | POLLHUP)) {
      char byte;
      if (read(STDIN_FILENO, &byte, 1) <= 0) {
        break;
      }
    }
    if (fds[0].revents & POLLIN) {
      take_packets(server_tun, &to_client, delay_ns);
    }
    if (fds[1].revents & POLLIN) {
      take_packets(client_tun, &to_server, delay_ns);
    }
  }
  fprintf(stderr,
          "delaylink: forwarded %llu packets to the servers, %llu to the clients; dropped %llu\n",
          (unsigned long long)to_server.forwarded, (unsigned long long)to_client.forwarded,
          (unsigned long long)(to_server.dropped + to_client.dropped));
}

static void wait_for_stop(void)
{
  while (!stop_requested) {
    struct pollfd stdin_poll = {watched_stdin, POLLIN, 0};
    if (poll(&stdin_poll, 1, -1) > 0) {
      char byte;
      if (read(STDIN_FILENO, &byte, 1) <= 0) {
        return;
      }
    }
  }
}

static int usage(void)
{
  fprintf(stderr, "usage: delaylink [-d ONE_WAY_MS] [-m auto|netem|tun]\n");
  return 2;
}

int main(int argc, char** argv)
{
  long delay_ms = 25;
  const char* mode = "auto";
  int option;
  while ((option = getopt(argc, argv, "d:m:")) != -1) {
    if (option == 'd') {
      char* end = NULL;
      delay_ms = strtol(optarg, &end, 10);
      if (end == optarg || *end != '\0' || delay_ms < 0 || delay_ms > 10000) {
        return usage();
      }
    } else if (option == 'm' && (strcmp(optarg, "auto") == 0 || strcmp(optarg, "netem") == 0 ||
                                 strcmp(optarg, "tun") == 0)) {
      mode = optarg;
    } else {
      return usage();
    }
  }
  if (optind != argc) {
    return usage();
  }
  struct sigaction action;
  memset(&action, 0, sizeof action);
  action.sa_handler = on_signal;
  sigaction(SIGTERM, &action, NULL);
  sigaction(SIGINT, &action, NULL);
  signal(SIGPIPE, SIG_IGN);
  struct stat stdin_status;
  if (fstat(STDIN_FILENO, &stdin_status) == 0 &&
      (S_ISFIFO(stdin_status.st_mode) || S_ISSOCK(stdin_status.st_mode))) {
    watched_stdin = STDIN_FILENO;
  }

  const int server_ns = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
  const pid_t anchor = start_anchor();
  if (server_ns < 0 || anchor < 0) {
    fprintf(stderr, "delaylink: cannot create the client namespace: %s\n", strerror(errno));
    return 1;
  }
  char client_path[64];
  snprintf(client_path, sizeof client_path, "/proc/%d/ns/net", (int)anchor);
  const int client_ns = open(client_path, O_RDONLY | O_CLOEXEC);
  int status = 1;
  if (client_ns >= 0) {
    const char* const loopback[] = {"ip", "link", "set", "lo", "up", NULL};
    if (run(client_ns, 0, loopback) != 0) {
      fprintf(stderr, "delaylink: cannot bring loopback up in the client namespace\n");
      goto done;
    }
    char delay[32];
    snprintf(delay, sizeof delay, "%ldms", delay_ms);
    int netem = 1; // 1: not available
    if (strcmp(mode, "tun") != 0) {
      netem = netem_link(client_ns, anchor, delay);
      if (netem < 0 || (netem == 1 && strcmp(mode, "netem") == 0)) {
        if (netem == 1) {
          fprintf(stderr, "delaylink: this kernel has no netem qdisc (try -m tun)\n");
        }
        goto done;
      }
    }
    if (netem == 0) {
      printf("ready %d netem\n", (int)anchor);
      fflush(stdout);
      wait_for_stop();
      const char* const remove[] = {"ip", "link", "del", SERVER_DEVICE, NULL};
      run(-1, 1, remove);
    } else {
      int server_tun = -1;
      int client_tun = -1;
      if (tun_link(server_ns, client_ns, &server_tun, &client_tun) != 0) {
        goto done;
      }
      printf("ready %d tun\n", (int)anchor);
      fflush(stdout);
      forward(server_tun, client_tun, (int64_t)delay_ms * 1000000);
      close(server_tun);
      close(client_tun);
    }
    status = 0;
  }
done:
  kill(anchor, SIGKILL);
  waitpid(anchor, NULL, 0);
  return status;
}
