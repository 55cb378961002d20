#define _GNU_SOURCE
#include "common.h"

#include <ctype.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *program_name = "shmlab";

void fail(int code, const char *call) {
    int err = errno;
    const char *name = strerrorname_np(err);
    fprintf(stderr, "%s: %s: %s (%s)\n", program_name, call, name ? name : "E?", strerror(err));
    exit(code);
}

void usage(const char *synopsis) {
    fprintf(stderr, "usage: %s %s\n", program_name, synopsis);
    exit(EXIT_USAGE);
}

const char *opt(int argc, char **argv, const char *name, const char *fallback) {
    for (int i = 1; i + 1 < argc; i++)
        if (strcmp(argv[i], name) == 0) return argv[i + 1];
    return fallback;
}

int flag(int argc, char **argv, const char *name) {
    for (int i = 1; i < argc; i++)
        if (strcmp(argv[i], name) == 0) return 1;
    return 0;
}

unsigned long long parse_size(const char *text) {
    char *end = NULL;
    errno = 0;
    unsigned long long value = strtoull(text, &end, 0);
    if (errno != 0 || end == text || *end != '\0') {
        fprintf(stderr, "%s: not a number: %s\n", program_name, text);
        exit(EXIT_USAGE);
    }
    return value;
}

int parse_key(const char *text) {
    char *end = NULL;
    errno = 0;
    long long value = strtoll(text, &end, 0);
    if (errno != 0 || end == text || *end != '\0' || value < INT32_MIN || value > (long long)UINT32_MAX) {
        fprintf(stderr, "%s: not a key: %s\n", program_name, text);
        exit(EXIT_USAGE);
    }
    if (value == 0) {
        fprintf(stderr, "%s: key 0 is IPC_PRIVATE, which always makes a new object\n", program_name);
        exit(EXIT_USAGE);
    }
    return (int)(unsigned)value;
}

unsigned parse_mode(const char *text) {
    char *end = NULL;
    errno = 0;
    unsigned long value = strtoul(text, &end, 8);
    if (errno != 0 || end == text || *end != '\0' || text[0] == '-' || value > 0777) {
        fprintf(stderr, "%s: not a mode (octal, at most 0777): %s\n", program_name, text);
        exit(EXIT_USAGE);
    }
    return (unsigned)value;
}

void fill_alphabet(char *dst) {
    for (int i = 0; i < ALPHABET_LEN; i++) dst[i] = (char)('a' + i);
}

void print_bytes(const char *src) {
    for (int i = 0; i < ALPHABET_LEN; i++) {
        unsigned char c = (unsigned char)src[i];
        printf("%c%c", isprint(c) ? c : '.', i + 1 < ALPHABET_LEN ? ' ' : '\n');
    }
}
