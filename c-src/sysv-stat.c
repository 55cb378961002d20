/* sysv-stat --key K | --id ID
 * Prints "key=K shmid=ID nattch=N size=S" for the existing System V segment under key K, or of id ID
 * (shmctl IPC_STAT; never creates it). Exit 10 with ENOENT when it is gone, as an unattached segment is
 * when its creator exits under kernel.shm_rmid_forced=1 (by id: EINVAL or EIDRM, said as ENOENT's exit). */
#include "common.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/ipc.h>
#include <sys/shm.h>

int main(int argc, char **argv) {
    program_name = "sysv-stat";
    const char *key_text = opt(argc, argv, "--key", NULL);
    const char *id_text = opt(argc, argv, "--id", NULL);
    if (!key_text == !id_text) usage("--key K | --id ID");
    int id;
    if (key_text) {
        id = shmget(parse_key(key_text), 0, 0);
        if (id < 0) fail(EXIT_LOOKUP, "shmget");
    } else {
        char *end;
        long n = strtol(id_text, &end, 10);
        if (*id_text == '\0' || *end != '\0' || n < 0) usage("--key K | --id ID");
        id = (int)n;
    }
    struct shmid_ds ds;
    if (shmctl(id, IPC_STAT, &ds) < 0) {
        // No segment of that id (any more): the kernel says EINVAL (or EIDRM while it is being removed).
        if (id_text && (errno == EINVAL || errno == EIDRM)) fail(EXIT_LOOKUP, "shmctl(IPC_STAT)");
        fail(EXIT_MAP, "shmctl(IPC_STAT)");
    }
    printf("key=%d shmid=%d nattch=%lu size=%zu\n", (int)ds.shm_perm.__key, id, (unsigned long)ds.shm_nattch, (size_t)ds.shm_segsz);
    return 0;
}
