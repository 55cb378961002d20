/*
 * pg-like: the user's "database", as far as shared memory goes. PostgreSQL keeps its shared memory in a System V
 * segment whose key comes from its port (port * 1000 + 1), and refuses to start while a segment of its data
 * directory is still there ("pre-existing shared memory block is still in use").
 *
 *   pg-like --create [--key K]   create the segment (it must not exist) and write the database's header in it
 *   pg-like --check  [--key K]   say whether the segment is there, and what it holds
 *
 * Exit codes: 0 created / there; 1 not there; 2 a segment is already there (--create); 3 another failure; 64 usage.
 * Built static by shmlab (cc -static), like its own programs: the images have no C library.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/shm.h>

#define SIZE 4096
#define HEADER "pg-like shared memory for /var/lib/pg-like\n"

static int usage(void) {
    fprintf(stderr, "usage: pg-like --create|--check [--key KEY]\n");
    return 64;
}

static int create(key_t key) {
    int id = shmget(key, SIZE, IPC_CREAT | IPC_EXCL | 0600);
    if (id < 0 && errno == EEXIST) {
        int old = shmget(key, 0, 0);
        fprintf(stderr, "pre-existing shared memory block (key %ld, ID %d) is still in use\n", (long)key, old);
        return 2;
    }
    if (id < 0) {
        fprintf(stderr, "shmget: %s\n", strerror(errno));
        return 3;
    }
    char *mem = shmat(id, NULL, 0);
    if (mem == (char *)-1) {
        fprintf(stderr, "shmat: %s\n", strerror(errno));
        return 3;
    }
    memcpy(mem, HEADER, sizeof HEADER);
    shmdt(mem);
    printf("created segment %ld (shmid %d)\n", (long)key, id);
    return 0;
}

static int check(key_t key) {
    int id = shmget(key, 0, 0);
    if (id < 0 && errno == ENOENT) {
        printf("no segment %ld\n", (long)key);
        return 1;
    }
    if (id < 0) {
        fprintf(stderr, "shmget: %s\n", strerror(errno));
        return 3;
    }
    const char *mem = shmat(id, NULL, SHM_RDONLY);
    if (mem == (const char *)-1) {
        fprintf(stderr, "shmat: %s\n", strerror(errno));
        return 3;
    }
    printf("segment %ld is there: %.*s", (long)key, (int)strnlen(mem, SIZE - 1), mem);
    shmdt(mem);
    return 0;
}

int main(int argc, char **argv) {
    key_t key = 5432001;
    const char *mode = NULL;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--create") == 0 || strcmp(argv[i], "--check") == 0) mode = argv[i];
        else if (strcmp(argv[i], "--key") == 0 && i + 1 < argc) key = (key_t)strtol(argv[++i], NULL, 10);
        else return usage();
    }
    if (!mode) return usage();
    return strcmp(mode, "--create") == 0 ? create(key) : check(key);
}
