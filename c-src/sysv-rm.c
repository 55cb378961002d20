/* sysv-rm --key K | --prefix P
 * Removes segment K, or every segment whose key's upper 16 bits equal P
 * (how shmlab finds the host segments its own runs created). Prints each key removed. */
#include "common.h"

#include <errno.h>
#include <stdio.h>
#include <sys/ipc.h>
#include <sys/shm.h>

static int remove_key(key_t key) {
    int id = shmget(key, 0, 0);
    if (id < 0) return errno == ENOENT ? 0 : -1;
    if (shmctl(id, IPC_RMID, NULL) < 0) return -1;
    printf("removed key=%d shmid=%d\n", (int)key, id);
    return 0;
}

int main(int argc, char **argv) {
    program_name = "sysv-rm";
    const char *key_text = opt(argc, argv, "--key", NULL);
    const char *prefix_text = opt(argc, argv, "--prefix", NULL);
    if (key_text) {
        if (remove_key((key_t)parse_size(key_text)) < 0) fail(EXIT_SIZE, "shmctl(IPC_RMID)");
        return 0;
    }
    if (!prefix_text) usage("--key K | --prefix P");
    unsigned prefix = (unsigned)parse_size(prefix_text);
    FILE *list = fopen("/proc/sysvipc/shm", "r");
    if (!list) fail(EXIT_LOOKUP, "open(/proc/sysvipc/shm)");
    char line[512];
    int key;
    if (!fgets(line, sizeof line, list)) return 0; /* header */
    while (fgets(line, sizeof line, list))
        if (sscanf(line, "%d", &key) == 1 && ((unsigned)key >> 16) == prefix && remove_key(key) < 0)
            fail(EXIT_SIZE, "shmctl(IPC_RMID)");
    return 0;
}
