#!/usr/bin/env bash
# make deb: build/lwcr_VERSION_ARCH.deb with dpkg-deb, from a build for the
# packaged paths (its own build directory, build/deb, so the tree's build
# for tests is left alone). Nothing is downloaded.
# Usage: deb.sh VERSION
set -euo pipefail
version=$1
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
cd "$top"
for tool in dpkg-deb dpkg gzip strip objdump; do
    command -v $tool > /dev/null || { echo "deb: $tool is missing (apt-get install dpkg binutils)" >&2; exit 2; }
done
arch=$(dpkg --print-architecture)
multiarch=$(${CC:-cc} -print-multiarch)
libdir=/usr/lib/$multiarch
stage=$top/build/deb/root
rm -rf "$stage"
make -s BUILD=build/deb PREFIX=/usr SYSCONFDIR=/etc CACHEDIR=/var/cache/lwcr LIBDIR="$libdir" \
    DESTDIR="$stage" install > /dev/null

# What Debian's policy asks of a binary package.
strip --strip-unneeded --remove-section=.comment --remove-section=.note "$stage/usr/bin/lwcr" "$stage$libdir/liblwcr.so"
chmod 644 "$stage$libdir/liblwcr.so"  # a library, not a program
find "$stage/usr/share/man" -type f -exec gzip -9n {} +
doc=$stage/usr/share/doc/lwcr
install -d "$doc"
install -m 644 "$here/debian/copyright" "$doc/copyright"
gzip -9n < README.md > "$doc/README.md.gz"
# One source for the version: the changelog is made from it, dated by the
# last commit (a rebuild of one commit gives the same bytes).
date=$(git log -1 --format=%aD 2> /dev/null || date -R)
printf 'lwcr (%s) unstable; urgency=medium\n\n  * Built from the lwcr source tree at version %s (README.md.gz says\n    what it does and what it does not defend against).\n\n -- lwcr developers <lwcr@example.org>  %s\n' \
    "$version" "$version" "$date" | gzip -9n > "$doc/changelog.gz"
install -m 644 "$here/lwcr.conf" "$stage/etc/lwcr/lwcr.conf"

control=$stage/DEBIAN
install -d "$control"
glibc=$(objdump -T "$stage/usr/bin/lwcr" "$stage$libdir/liblwcr.so" | grep -o 'GLIBC_[0-9.]*' | sed 's/GLIBC_//' | sort -uV | tail -1)
size=$(du -sk --exclude=DEBIAN "$stage" | cut -f1)
sed -e "s/@VERSION@/$version/" -e "s/@ARCH@/$arch/" -e "s/@SIZE@/$size/" -e "s/@GLIBC@/$glibc/" \
    "$here/debian/control.in" > "$control/control"
helper=$top/build/deb/names-library.sh
sed '/^if \[ \$# -eq 1 \]/,$d' "$here/names-library.sh" > "$helper"
for script in preinst postinst prerm postrm; do
    # One copy of names_library (names-library.sh) in each script that needs it.
    sed "s|@LIBDIR@|$libdir|g" "$here/debian/$script" \
        | awk -v f="$helper" '/^@NAMES_LIBRARY@$/ { while ((getline l < f) > 0) print l; close(f); next } { print }' \
        > "$control/$script"
    chmod 755 "$control/$script"
done
# The library sits in the loader's directory (liblwcr.so, its SONAME): the
# loader's cache learns of it, as of any library there.
echo "activate-noawait ldconfig" > "$control/triggers"
(cd "$stage" && find etc -type f | sed 's|^|/|' | LC_ALL=C sort) > "$control/conffiles"
(cd "$stage" && find . -path ./DEBIAN -prune -o -type f -printf '%P\0' | LC_ALL=C sort -z | xargs -0 md5sum) > "$control/md5sums"
chmod 644 "$control/control" "$control/conffiles" "$control/md5sums" "$control/triggers"
out=$top/build/lwcr_${version}_${arch}.deb
dpkg-deb --root-owner-group -Zxz --build "$stage" "$out" > /dev/null
echo "$out"
