/* mq-read --name /N [--keep]
 * mq_open(/N) without O_CREAT (O_RDONLY, or O_RDWR for --keep), takes the
 * first message without waiting (O_NONBLOCK) and prints "message: <text>".
 * --keep sends it back with its priority (behind any others of that priority).
 * Exit 10 with ENOENT when the queue is gone, 13 with EAGAIN when it is empty. */
#include "common.h"

#include <errno.h>
#include <fcntl.h>
#include <mqueue.h>
#include <stdio.h>
#include <stdlib.h>

int main(int argc, char **argv) {
    program_name = "mq-read";
    const char *name = opt(argc, argv, "--name", NULL);
    if (!name) usage("--name /N [--keep]");
    int keep = flag(argc, argv, "--keep");

    mqd_t mq = mq_open(name, (keep ? O_RDWR : O_RDONLY) | O_NONBLOCK);
    if (mq == (mqd_t)-1) fail(EXIT_LOOKUP, "mq_open");
    struct mq_attr attr;
    if (mq_getattr(mq, &attr) < 0) fail(EXIT_MAP, "mq_getattr");
    char *text = malloc((size_t)attr.mq_msgsize);
    if (!text) fail(EXIT_MAP, "malloc");
    unsigned priority;
    ssize_t len = mq_receive(mq, text, (size_t)attr.mq_msgsize, &priority);
    if (len < 0) fail(errno == EAGAIN ? EXIT_EMPTY : EXIT_MAP, "mq_receive");
    if (keep && mq_send(mq, text, (size_t)len, priority) < 0) fail(EXIT_SIZE, "mq_send");
    mq_close(mq);
    printf("message: %.*s\n", (int)len, text);
    return 0;
}
