/* sysv-write --key K [--size N] [--mode OCTAL] [--remove] [--hold SECONDS]
 * Creates (or opens) the System V segment K with permissions OCTAL (default
 * 0600: the probes run as root), attaches it and stores 'a'..'z'.
 * --hold stays attached for SECONDS (or until SIGTERM/SIGINT) after writing and
 * prints "holding" (flushed) first, so a caller knows the segment is attached.
 * --remove marks it for removal afterwards: a probe that must leave nothing. */
#define _GNU_SOURCE
#include "common.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <sys/ipc.h>
#include <sys/shm.h>
#include <time.h>

/* Waits up to seconds for SIGTERM or SIGINT. They are blocked and taken with
 * sigtimedwait, so none is lost between checks, and PID 1 (which ignores
 * signals it has no handler for) still gets them. */
static void hold(unsigned long long seconds) {
    sigset_t stop;
    sigemptyset(&stop);
    sigaddset(&stop, SIGTERM);
    sigaddset(&stop, SIGINT);
    sigprocmask(SIG_BLOCK, &stop, NULL);
    printf("holding\n");
    fflush(stdout);
    struct timespec now, end;
    clock_gettime(CLOCK_MONOTONIC, &end);
    end.tv_sec += (time_t)(seconds < 0x7fffffff ? seconds : 0x7fffffff);
    for (;;) {
        clock_gettime(CLOCK_MONOTONIC, &now);
        struct timespec left = {end.tv_sec - now.tv_sec, end.tv_nsec - now.tv_nsec};
        if (left.tv_nsec < 0) left.tv_sec--, left.tv_nsec += 1000000000L;
        if (left.tv_sec < 0) return;
        if (sigtimedwait(&stop, NULL, &left) >= 0 || errno != EINTR) return;
    }
}

int main(int argc, char **argv) {
    program_name = "sysv-write";
    const char *key_text = opt(argc, argv, "--key", NULL);
    if (!key_text) usage("--key K [--size N] [--mode OCTAL] [--remove] [--hold SECONDS]");
    key_t key = (key_t)parse_size(key_text);
    size_t size = (size_t)parse_size(opt(argc, argv, "--size", "27"));
    unsigned mode = parse_mode(opt(argc, argv, "--mode", "0600"));
    const char *hold_text = opt(argc, argv, "--hold", NULL);
    unsigned long long seconds = hold_text ? parse_size(hold_text) : 0;

    int id = shmget(key, size, IPC_CREAT | (int)mode);
    if (id < 0) fail(EXIT_LOOKUP, "shmget");
    char *mem = shmat(id, NULL, 0);
    if (mem == (char *)-1) fail(EXIT_MAP, "shmat");
    if (size >= ALPHABET_LEN) fill_alphabet(mem);
    if (hold_text) hold(seconds);
    shmdt(mem);
    if (flag(argc, argv, "--remove") && shmctl(id, IPC_RMID, NULL) < 0) fail(EXIT_SIZE, "shmctl(IPC_RMID)");
    printf("wrote segment key=%d shmid=%d size=%zu%s\n", (int)key, id, size,
           flag(argc, argv, "--remove") ? " (removed)" : "");
    return 0;
}
