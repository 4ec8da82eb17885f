// The command's entry: Embedded Swift has no CommandLine, so main() hands
// argc and argv over.
#include "lwcr_sys.h"

extern int lwcr_main(int argc, char **argv);

int main(int argc, char **argv) { return lwcr_main(argc, argv); }

// lwcr run: the signals a supervisor is sent go on to the program. Only
// those another process sent (si_code <= 0: kill, sigqueue, tgkill): a
// terminal's interrupt, quit and window change go to the whole foreground
// process group, the program included, and must not reach it twice.
#include <signal.h>
#include <string.h>

static volatile pid_t forward_to;

static void forward(int sig, siginfo_t *info, void *context) {
    (void)context;
    pid_t child = forward_to;
    if (child > 0 && info->si_code <= 0 && info->si_pid != child) kill(child, sig);
}

static const int forwarded[] = {SIGTERM, SIGINT, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2, SIGWINCH};
#define FORWARDED (sizeof forwarded / sizeof forwarded[0])
static struct sigaction saved[FORWARDED];

static sigset_t forwarded_set(void) {
    sigset_t set;
    sigemptyset(&set);
    for (size_t i = 0; i < FORWARDED; i++) sigaddset(&set, forwarded[i]);
    return set;
}

// Before fork: a signal that comes before the handlers are in place waits.
void lwcr_forward_signals_hold(void) {
    sigset_t set = forwarded_set();
    sigprocmask(SIG_BLOCK, &set, NULL);
}

// In the child, before it executes the program (exec keeps the mask).
void lwcr_forward_signals_release(void) {
    sigset_t set = forwarded_set();
    sigprocmask(SIG_UNBLOCK, &set, NULL);
}

int lwcr_forward_signals(int child) {
    forward_to = child;
    for (size_t i = 0; i < FORWARDED; i++) {
        struct sigaction a;
        memset(&a, 0, sizeof a);
        a.sa_sigaction = forward;
        a.sa_flags = SA_SIGINFO | SA_RESTART;
        sigfillset(&a.sa_mask);
        if (sigaction(forwarded[i], &a, &saved[i]) != 0) { lwcr_forward_signals_release(); return -1; }
    }
    lwcr_forward_signals_release();
    return 0;
}

void lwcr_forward_signals_stop(void) {
    for (size_t i = 0; i < FORWARDED; i++) sigaction(forwarded[i], &saved[i], NULL);
    forward_to = 0;
}
