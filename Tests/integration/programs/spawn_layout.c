// spawn_layout: checks CInterpose's reading of glibc's private
// posix_spawn_file_actions_t layout (struct lwcr_spawn_action in
// lwcr_sys.h) against the running glibc: every action glibc can record is
// added through glibc's own API and read back through our layout.
// Prints one line per action and "layout: ok", or what differs (exit 1).
#define _GNU_SOURCE
#include <dlfcn.h>
#include <fcntl.h>
#include <spawn.h>
#include <stdio.h>
#include <string.h>
#include "../../../CInterpose/include/lwcr_sys.h"

static int failures;
static void expect(int ok, const char *what) {
    printf("%s %s\n", ok ? "ok  " : "FAIL", what);
    if (!ok) failures++;
}

int main(void) {
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addclose(&fa, 7);
    posix_spawn_file_actions_adddup2(&fa, 3, 9);
    posix_spawn_file_actions_addopen(&fa, 5, "/some/path", O_RDONLY | O_CLOEXEC, 0640);
    int n = 3;
    // Added in later glibc versions: looked up, so this builds everywhere.
    int (*addchdir)(posix_spawn_file_actions_t *, const char *) = (int (*)(posix_spawn_file_actions_t *, const char *))dlsym(RTLD_DEFAULT, "posix_spawn_file_actions_addchdir_np");
    int (*addfchdir)(posix_spawn_file_actions_t *, int) = (int (*)(posix_spawn_file_actions_t *, int))dlsym(RTLD_DEFAULT, "posix_spawn_file_actions_addfchdir_np");
    int (*addclosefrom)(posix_spawn_file_actions_t *, int) = (int (*)(posix_spawn_file_actions_t *, int))dlsym(RTLD_DEFAULT, "posix_spawn_file_actions_addclosefrom_np");
    int (*addtcsetpgrp)(posix_spawn_file_actions_t *, int) = (int (*)(posix_spawn_file_actions_t *, int))dlsym(RTLD_DEFAULT, "posix_spawn_file_actions_addtcsetpgrp_np");
    if (addchdir) { addchdir(&fa, "/a/dir"); n++; }
    if (addfchdir) { addfchdir(&fa, 11); n++; }
    if (addclosefrom) { addclosefrom(&fa, 12); n++; }
    if (addtcsetpgrp) { addtcsetpgrp(&fa, 13); n++; }
    expect(lwcr_file_actions_count(&fa) == n, "count");
    const struct lwcr_spawn_action *a = lwcr_file_actions(&fa);
    int i = 0;
    expect(a[i].tag == lwcr_spawn_do_close && a[i].action.close_action.fd == 7, "close"); i++;
    expect(a[i].tag == lwcr_spawn_do_dup2 && a[i].action.dup2_action.fd == 3 && a[i].action.dup2_action.newfd == 9, "dup2"); i++;
    expect(a[i].tag == lwcr_spawn_do_open && a[i].action.open_action.fd == 5 && strcmp(a[i].action.open_action.path, "/some/path") == 0
           && a[i].action.open_action.oflag == (O_RDONLY | O_CLOEXEC) && a[i].action.open_action.mode == 0640, "open"); i++;
    if (addchdir) { expect(a[i].tag == lwcr_spawn_do_chdir && strcmp(a[i].action.chdir_action.path, "/a/dir") == 0, "chdir"); i++; }
    if (addfchdir) { expect(a[i].tag == lwcr_spawn_do_fchdir && a[i].action.fchdir_action.fd == 11, "fchdir"); i++; }
    if (addclosefrom) { expect(a[i].tag == lwcr_spawn_do_closefrom && a[i].action.closefrom_action.from == 12, "closefrom"); i++; }
    if (addtcsetpgrp) { expect(a[i].tag == lwcr_spawn_do_tcsetpgrp && a[i].action.setpgrp_action.fd == 13, "tcsetpgrp"); i++; }
    posix_spawn_file_actions_destroy(&fa);
    if (failures) return 1;
    printf("layout: ok (%d actions)\n", n);
    return 0;
}
