/* sysctl [-n] KEY... | -w KEY=VALUE... | -p [FILE]
 * A procps-compatible sysctl, because the blog's images (centos6, phusion) had
 * procps's, and what an init does with a hook depends on it: procps exits 255
 * when any key cannot be set, where busybox's `sysctl -p` exits 0. Messages
 * follow procps-ng: `sysctl: setting key "kernel.shmmax": Read-only file system`. */
#include "common.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

static void to_path(const char *key, char *path, size_t size) {
    snprintf(path, size, "/proc/sys/%s", key);
    for (char *p = path + strlen("/proc/sys/"); *p; p++)
        if (*p == '.') *p = '/';
}

static int read_key(const char *key, int value_only) {
    char path[512], value[4096] = "";
    to_path(key, path, sizeof path);
    FILE *f = fopen(path, "r");
    if (!f) {
        fprintf(stderr, "sysctl: cannot stat %s: %s\n", path, strerror(errno));
        return -1;
    }
    if (!fgets(value, sizeof value, f)) value[0] = '\0';
    fclose(f);
    value[strcspn(value, "\n")] = '\0';
    if (value_only) printf("%s\n", value);
    else printf("%s = %s\n", key, value);
    return 0;
}

static int write_key(const char *key, const char *value) {
    char path[512];
    to_path(key, path, sizeof path);
    FILE *f = fopen(path, "w");
    int err = f ? 0 : errno;
    if (f && (fputs(value, f) < 0 || fflush(f) != 0)) err = errno;
    if (f && fclose(f) != 0 && !err) err = errno;
    if (err) {
        if (err == ENOENT) fprintf(stderr, "sysctl: cannot stat %s: No such file or directory\n", path);
        else fprintf(stderr, "sysctl: setting key \"%s\": %s\n", key, strerror(err));
        return -1;
    }
    printf("%s = %s\n", key, value);
    return 0;
}

static char *trim(char *s) {
    while (*s == ' ' || *s == '\t') s++;
    char *end = s + strlen(s);
    while (end > s && (end[-1] == ' ' || end[-1] == '\t' || end[-1] == '\n' || end[-1] == '\r')) *--end = '\0';
    return s;
}

static int assign(char *setting) {
    char *eq = strchr(setting, '=');
    if (!eq) {
        fprintf(stderr, "sysctl: \"%s\" must be of the form name=value\n", setting);
        return -1;
    }
    *eq = '\0';
    return write_key(trim(setting), trim(eq + 1));
}

static int preload(const char *file) {
    FILE *f = fopen(file, "r");
    if (!f) {
        fprintf(stderr, "sysctl: cannot open \"%s\": %s\n", file, strerror(errno));
        return -1;
    }
    char line[4096];
    int rc = 0;
    while (fgets(line, sizeof line, f)) {
        char *s = trim(line);
        if (*s == '\0' || *s == '#' || *s == ';') continue;
        if (assign(s) < 0) rc = -1;
    }
    fclose(f);
    return rc;
}

int main(int argc, char **argv) {
    program_name = "sysctl";
    int rc = 0, value_only = 0;
    if (argc < 2) usage("[-n] KEY... | -w KEY=VALUE... | -p [FILE]");
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "-n") == 0) value_only = 1;
        else if (strcmp(argv[i], "-p") == 0) {
            const char *file = i + 1 < argc && argv[i + 1][0] != '-' ? argv[++i] : "/etc/sysctl.conf";
            if (preload(file) < 0) rc = -1;
        } else if (strcmp(argv[i], "-w") == 0) {
            for (i++; i < argc; i++)
                if (assign(argv[i]) < 0) rc = -1;
        } else if (read_key(argv[i], value_only) < 0) rc = -1;
    }
    return rc < 0 ? 255 : 0;
}
