/* msg-write --key K [--text T] [--mode 0600]
 * Creates (or opens) the System V message queue K and sends one message of
 * type 1 holding T (default "shmlab", no trailing NUL). IPC_NOWAIT: a full
 * queue is an error (exit 12, EAGAIN), not a hang. */
#define _GNU_SOURCE
#include "common.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/msg.h>

int main(int argc, char **argv) {
    program_name = "msg-write";
    const char *key_text = opt(argc, argv, "--key", NULL);
    if (!key_text) usage("--key K [--text T] [--mode 0600]");
    key_t key = parse_key(key_text);
    const char *text = opt(argc, argv, "--text", "shmlab");
    unsigned mode = parse_mode(opt(argc, argv, "--mode", "0600"));

    size_t len = strlen(text);
    struct msgbuf *msg = malloc(sizeof *msg + len);
    if (!msg) fail(EXIT_SIZE, "malloc");
    msg->mtype = 1;
    memcpy(msg->mtext, text, len);

    int id = msgget(key, IPC_CREAT | (int)mode);
    if (id < 0) fail(EXIT_LOOKUP, "msgget");
    if (msgsnd(id, msg, len, IPC_NOWAIT) < 0) fail(EXIT_SIZE, "msgsnd");
    printf("wrote message queue key=%d msqid=%d\n", (int)key, id);
    return 0;
}
