/* run-steps PROGRAM [ARG...] [';' PROGRAM [ARG...]]...
 * Runs the programs one after another, each as its own process in the caller's namespaces (as an exec of each would),
 * so that one exec of the engine stands for several steps, and prints what each did. For each program, in turn:
 *   "step N exit CODE at START ms TOOK out BYTES err BYTES\n", then its stdout's bytes, then its stderr's.
 * CODE is its exit code, or 128 + the signal that ended it (as the engines report an exec's end); START and TOOK are
 * milliseconds since run-steps began and of the program's own run. A program that could not be started is
 * "step N noexec ERRNO-NAME\n" and ends the list: what follows it is not run.
 * Each program runs in a session of its own (as runc and crun start an exec), found by the PATH as they find it (no
 * shell for a file that is not a program), with stdin /dev/null; its stdout and stderr are anonymous memory files (memfd_create), never pipes, so
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
#include <sys/stat.h>
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

/* The first `size` bytes of an anonymous file, copied to stdout; pread leaves alone the file position that a process
 * the step left running may still write at. */
static void copy_out(int fd, off_t size) {
    char buf[65536];
    for (off_t at = 0; at < size;) {
        ssize_t n = pread(fd, buf, size - at < (off_t)sizeof buf ? (size_t)(size - at) : sizeof buf, at);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) fail(EXIT_SOFTWARE, "pread");
        write_all(1, buf, (size_t)n);
        at += n;
    }
}

/* The program by its name, as the runtimes start an exec's (the PATH searched for a file, then execv): a file the kernel
 * cannot run is an error (ENOEXEC), not a shell script, as execvp would take it. Returns only on failure, errno set. */
static void start_program(char **argv) {
    if (strchr(argv[0], '/')) {
        execv(argv[0], argv);
        return;
    }
    const char *path = getenv("PATH");
    if (!path || !*path) path = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
    int err = ENOENT;
    for (const char *dir = path;;) {
        const char *end = strchrnul(dir, ':');
        char full[4096];
        if (snprintf(full, sizeof full, "%.*s/%s", (int)(end - dir), end == dir ? "." : dir, argv[0]) < (int)sizeof full) {
            execv(full, argv);
            if (errno == EACCES) err = EACCES;
            else if (errno != ENOENT && errno != ENOTDIR) err = errno;
            if (err != ENOENT && err != EACCES) break;
        }
        if (!*end) break;
        dir = end + 1;
    }
    errno = err;
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
        /* A session of its own, as the runtimes give each exec: a step that signals its process group reaches only its own. */
        setsid();
        int null = open("/dev/null", O_RDONLY | O_CLOEXEC);
        if (null >= 0) dup2(null, 0);
        dup2(out, 1);
        dup2(err, 2);
        start_program(argv);
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
    struct stat out_st, err_st;
    if (fstat(out, &out_st) < 0 || fstat(err, &err_st) < 0) fail(EXIT_SOFTWARE, "fstat");
    off_t out_size = out_st.st_size, err_size = err_st.st_size;
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
