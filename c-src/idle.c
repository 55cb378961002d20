/* idle [--show FILE]...
 * The containers' PID 1: prints each FILE it is asked to show (e.g. the
 * kernel.shmmax it started with), then sleeps until SIGTERM or SIGINT and exits
 * at once, so a stop takes milliseconds, not the engine's grace period.
 * As PID 1 it also reaps orphans. */
#include "common.h"

#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static volatile sig_atomic_t stopping;

static void on_stop(int sig) { (void)sig; stopping = 1; }
static void on_child(int sig) { (void)sig; while (waitpid(-1, NULL, WNOHANG) > 0) {} }

int main(int argc, char **argv) {
    program_name = "idle";
    for (int i = 1; i + 1 < argc; i++) {
        if (strcmp(argv[i], "--show") != 0) continue;
        char value[256] = "";
        FILE *f = fopen(argv[++i], "r");
        if (f && fgets(value, sizeof value, f)) value[strcspn(value, "\n")] = '\0';
        if (f) fclose(f);
        printf("idle: %s = %s\n", argv[i], f ? value : "(unreadable)");
    }
    printf("idle: ready\n");
    fflush(stdout);

    struct sigaction stop = {0}, child = {0};
    stop.sa_handler = on_stop;
    child.sa_handler = on_child;
    sigaction(SIGTERM, &stop, NULL);
    sigaction(SIGINT, &stop, NULL);
    sigaction(SIGCHLD, &child, NULL);
    while (!stopping) pause();
    return 0;
}
