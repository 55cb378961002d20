/* mq-write --name /N [--text T] [--mode 0600]
 * mq_open(/N, O_CREAT|O_WRONLY) and send one message holding T (default
 * "shmlab", no trailing NUL, priority 0). O_NONBLOCK: a full queue is an error
 * (exit 12, EAGAIN), not a hang. */
#include "common.h"

#include <fcntl.h>
#include <mqueue.h>
#include <stdio.h>
#include <string.h>

int main(int argc, char **argv) {
    program_name = "mq-write";
    const char *name = opt(argc, argv, "--name", NULL);
    if (!name) usage("--name /N [--text T] [--mode 0600]");
    const char *text = opt(argc, argv, "--text", "shmlab");
    unsigned mode = parse_mode(opt(argc, argv, "--mode", "0600"));

    mqd_t mq = mq_open(name, O_CREAT | O_WRONLY | O_NONBLOCK, (mode_t)mode, NULL);
    if (mq == (mqd_t)-1) fail(EXIT_LOOKUP, "mq_open");
    if (mq_send(mq, text, strlen(text), 0) < 0) fail(EXIT_SIZE, "mq_send");
    mq_close(mq);
    printf("wrote POSIX queue %s\n", name);
    return 0;
}
