# names_library LIB: whether /etc/ld.so.preload makes the loader load the
# file LIB, however it is spelt there: as the loader reads the file
# (blanks, tabs, colons and newlines separate entries; '#' starts a
# comment), a name without '/' looked for in the loader's directories,
# the rest compared with LIB as files (test -ef: the same device and
# inode, whatever the path). POSIX sh; the package's maintainer scripts
# carry a copy, make uninstall runs it (sh names-library.sh LIB).
names_library() {
    [ -r /etc/ld.so.preload ] || return 1
    sed 's/#.*//' /etc/ld.so.preload | tr ' \t:' '\n\n\n' | {
        while read -r entry; do
            [ -n "$entry" ] || continue
            case $entry in
            */*) [ "$entry" -ef "$1" ] && exit 0 ;;
            *) for dir in /lib/*-linux-gnu /usr/lib/*-linux-gnu /lib64 /usr/lib64 /lib /usr/lib; do
                   [ "$dir/$entry" -ef "$1" ] && exit 0
               done ;;
            esac
        done
        exit 1
    }
}

if [ $# -eq 1 ]; then names_library "$1"; exit; fi
