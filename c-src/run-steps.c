/* run-steps PROGRAM [ARG...] [';' PROGRAM [ARG...]]...
 * Runs the programs one after another, each as its own process in the caller's namespaces (as an exec of each would),
 * so that one exec of the engine stands for several steps, and prints what each did. For each program, in turn:
 *   "step N exit CODE at START ms TOOK out BYTES err BYTES\n", then its stdout's bytes, then its stderr's.
 * CODE is its exit code, or 128 + the signal that ended it (as the engines report an exec's end); START and TOOK are
 * milliseconds since run-steps began and of the program's own run. A program that could not be started is
 * "step N noexec ERRNO-NAME\n" and ends the list: what follows it is not run.
 * Each program's stdin is /dev/null; its stdout and stderr are anonymous memory files (memfd_create), never pipes, so
 * that a process it leaves running with them (a server it started) holds up nothing, and nothing is written to the
 * container's file systems (/dev/shm is what the experiments measure).
 * Exit 0 when every program was run or one could not be started; 70 when run-steps itself could not go on. */
#define _GNU_SOURCE
#include "common.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

enum { EXIT_SOFTWARE = 70 };

static long long now_ms(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (long long)t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

static void write_all(int fd, const char *buf, size_t len) {
    while (len > 0) {
        ssize_t n = write(fd, buf, len);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) fail(EXIT_SOFTWARE, "write");
        buf += n;
        len -= (size_t)n;
    }
}

/* The whole of an anonymous file, copied to stdout from its start. */
static void copy_out(int fd, off_t size) {
    char buf[65536];
    if (lseek(fd, 0, SEEK_SET) < 0) fail(EXIT_SOFTWARE, "lseek");
    while (size > 0) {
        ssize_t n = read(fd, buf, size < (off_t)sizeof buf ? (size_t)size : sizeof buf);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) fail(EXIT_SOFTWARE, "read");
        write_all(1, buf, (size_t)n);
        size -= n;
    }
}

static int anonymous(const char *name) {
    int fd = memfd_create(name, MFD_CLOEXEC);
    if (fd < 0) fail(EXIT_SOFTWARE, "memfd_create");
    return fd;
}

/* Runs argv[0..] as a child; returns 0 once its frame is printed, -1 (frame printed) when it could not be started. */
static int run_one(int n, char **argv, long long began) {
    int out = anonymous("stdout"), err = anonymous("stderr");
    /* The child says why it could not exec through a pipe closed by a successful exec. */
    int report[2];
    if (pipe2(report, O_CLOEXEC) < 0) fail(EXIT_SOFTWARE, "pipe2");
    long long start = now_ms();
    pid_t pid = fork();
    if (pid < 0) fail(EXIT_SOFTWARE, "fork");
    if (pid == 0) {
        int null = open("/dev/null", O_RDONLY);
        if (null >= 0) dup2(null, 0);
        dup2(out, 1);
        dup2(err, 2);
        execvp(argv[0], argv);
        int e = errno;
        ssize_t ignored = write(report[1], &e, sizeof e);
        (void)ignored;
        _exit(127);
    }
    close(report[1]);
    int e = 0;
    ssize_t got;
    do got = read(report[0], &e, sizeof e);
    while (got < 0 && errno == EINTR);
    close(report[0]);
    int status;
    while (waitpid(pid, &status, 0) < 0)
        if (errno != EINTR) fail(EXIT_SOFTWARE, "waitpid");
    long long took = now_ms() - start;
    char head[160];
    int len;
    if (got == (ssize_t)sizeof e) {
        const char *name = strerrorname_np(e);
        len = snprintf(head, sizeof head, "step %d noexec %s\n", n, name ? name : "E?");
        write_all(1, head, (size_t)len);
        return -1;
    }
    int code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    off_t out_size = lseek(out, 0, SEEK_END), err_size = lseek(err, 0, SEEK_END);
    if (out_size < 0 || err_size < 0) fail(EXIT_SOFTWARE, "lseek");
    len = snprintf(head, sizeof head, "step %d exit %d at %lld ms %lld out %lld err %lld\n", n, code, start - began, took, (long long)out_size,
                   (long long)err_size);
    write_all(1, head, (size_t)len);
    copy_out(out, out_size);
    copy_out(err, err_size);
    close(out);
    close(err);
    return 0;
}

static const char SYNOPSIS[] = "PROGRAM [ARG...] [';' PROGRAM [ARG...]]...";

int main(int argc, char **argv) {
    program_name = "run-steps";
    /* Every program named before any runs: a list it cannot read runs nothing. */
    for (int i = 1; i <= argc; i++)
        if ((i == argc || strcmp(argv[i], ";") == 0) && (i == 1 || strcmp(argv[i - 1], ";") == 0)) usage(SYNOPSIS);
    long long began = now_ms();
    int n = 0;
    for (int i = 1; i < argc;) {
        int end = i;
        while (end < argc && strcmp(argv[end], ";") != 0) end++;
        argv[end] = NULL; /* the ';' (or argv's own NULL at argc) ends this program's arguments */
        if (run_one(n++, argv + i, began) < 0) return 0;
        i = end + 1;
    }
    return 0;
}
