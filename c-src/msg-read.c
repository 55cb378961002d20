/* msg-read --key K [--keep]
 * Opens the existing System V message queue K (never creates it), takes its
 * first message without waiting and prints "message: <text>". --keep leaves it
 * in the queue: a copy with MSG_COPY (index 0; needs CONFIG_CHECKPOINT_RESTORE),
 * else, when the kernel answers ENOSYS, it is received and sent back (to the
 * tail of the queue). Exit 10 with ENOENT when the queue is gone, 13 with
 * ENOMSG when it is empty. */
#define _GNU_SOURCE
#include "common.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/ipc.h>
#include <sys/msg.h>

#if defined(MSG_COPY) && !defined(SHMLAB_NO_MSG_COPY) /* the latter only to test the fallback */
#define TRY_MSG_COPY 1
#else
#define TRY_MSG_COPY 0
#endif

static void receive_failed(void) {
    fail(errno == ENOMSG ? EXIT_EMPTY : EXIT_MAP, "msgrcv");
}

int main(int argc, char **argv) {
    program_name = "msg-read";
    const char *key_text = opt(argc, argv, "--key", NULL);
    if (!key_text) usage("--key K [--keep]");
    key_t key = parse_key(key_text);
    int keep = flag(argc, argv, "--keep");

    int id = msgget(key, 0);
    if (id < 0) fail(EXIT_LOOKUP, "msgget");

    /* Room for the longest message this IPC namespace allows (kernel.msgmax). */
    struct msginfo info;
    size_t max = msgctl(0, IPC_INFO, (struct msqid_ds *)&info) >= 0 && info.msgmax > 0 ? (size_t)info.msgmax : 65536;
    struct msgbuf *msg = malloc(sizeof *msg + max);
    if (!msg) fail(EXIT_MAP, "malloc");

    ssize_t len = -1;
    int copied = 0;
    if (keep && TRY_MSG_COPY) {
#if TRY_MSG_COPY
        len = msgrcv(id, msg, max, 0 /* index */, IPC_NOWAIT | MSG_COPY);
        if (len < 0 && errno != ENOSYS) receive_failed();
        copied = len >= 0;
#endif
    }
    if (!copied) {
        len = msgrcv(id, msg, max, 0 /* first message, any type */, IPC_NOWAIT);
        if (len < 0) receive_failed();
        if (keep && msgsnd(id, msg, (size_t)len, IPC_NOWAIT) < 0) fail(EXIT_SIZE, "msgsnd");
    }
    printf("message: %.*s\n", (int)len, msg->mtext);
    return 0;
}
