# lwcr — launch code requirements for Linux.
#
#   make          build/liblwcr.so and build/lwcr
#   make test     unit tests of the core, then integration tests of the real library
#   make demo     pin a tool, run it, tamper with it, show the denial
#   make bench    spawn cost of /bin/true with and without the library
#   make install  PREFIX=/usr/local DESTDIR= SYSCONFDIR=/etc CACHEDIR=/var/cache/lwcr
#   make uninstall  the same settings: what install put there, but the policy
#   make deb      build/lwcr_VERSION_ARCH.deb (Sources/Packaging)

SWIFT_BIN := $(firstword $(wildcard /opt/swift/usr/bin) $(dir $(shell command -v swiftc 2>/dev/null)))
export PATH := $(SWIFT_BIN):$(PATH)
SWIFTC ?= swiftc
CC ?= cc

# The one source of the version: lwcr --version, the library's
# "@(#)lwcr VERSION" string, the man pages and the package.
VERSION := 0.13.0

PREFIX ?= /usr/local
SYSCONFDIR ?= /etc
CACHEDIR ?= /var/cache/lwcr
BINDIR ?= $(PREFIX)/bin
LIBDIR ?= $(PREFIX)/lib
INCLUDEDIR ?= $(PREFIX)/include
MANDIR ?= $(PREFIX)/share/man
COMPLETIONDIR ?= $(PREFIX)/share/bash-completion/completions
DESTDIR ?=

BUILD := build
OBJ := $(BUILD)/obj
# The core: crypto, then the policy, facts and files, every subfolder.
CORE_SOURCES := $(sort $(shell find Sources/LwcrCrypto Sources/LwcrCore -name '*.swift'))
# The engine every launch and explanation goes through, then the @_cdecl edge.
LAUNCH_SOURCES := $(sort $(wildcard Sources/LwcrLaunch/*.swift))
PRELOAD_SOURCES := $(LAUNCH_SOURCES) $(sort $(wildcard Sources/LwcrPreload/*.swift))
CLI_SOURCES := $(sort $(wildcard Sources/lwcr/*.swift))
C_HEADERS := $(wildcard CInterpose/include/*)
CFLAGS_LIB := -O2 -fPIC -Wall -Wextra -ICInterpose/include -fno-stack-protector
EMBEDDED := -enable-experimental-feature Embedded -wmo -parse-as-library -Osize \
            -swift-version 6 -I CInterpose/include -Xcc -fPIC

MAN_PAGES := $(BUILD)/man/lwcr.1 $(BUILD)/man/lwcr.policy.5 $(BUILD)/man/liblwcr.8

all: $(BUILD)/liblwcr.so $(BUILD)/lwcr $(MAN_PAGES)

$(BUILD)/man/%: Sources/Packaging/man/% Makefile
	@mkdir -p $(dir $@)
	sed 's/@VERSION@/$(VERSION)/g' $< > $@

# Where the library looks for the system policy, and where lwcr looks for the
# library, are fixed at build time: rebuild when they change.
CONFIG := $(BUILD)/config
CONFIG_TEXT := SYSCONFDIR=$(SYSCONFDIR) LIBDIR=$(LIBDIR) CACHEDIR=$(CACHEDIR) VERSION=$(VERSION)
$(shell mkdir -p $(BUILD); [ "$$(cat $(CONFIG) 2>/dev/null)" = "$(CONFIG_TEXT)" ] || echo "$(CONFIG_TEXT)" > $(CONFIG))

# A compiled snapshot is the policy structures' bytes (Snapshot.swift):
# it is read only by a build whose sources for them are the same.
SNAPSHOT_SOURCES := $(sort $(wildcard Sources/LwcrCore/Policy/*.swift)) Sources/LwcrCore/Text/Bytes.swift Sources/LwcrCrypto/SHA256.swift
SNAPSHOT_LAYOUT := 0x$(shell cat $(SNAPSHOT_SOURCES) | sha256sum | cut -c1-8)u

$(OBJ)/sys.o: CInterpose/sys.c $(C_HEADERS) $(CONFIG) $(SNAPSHOT_SOURCES)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_LIB) -DLWCR_SYSCONFDIR='"$(SYSCONFDIR)"' -DLWCR_LIBDIR='"$(LIBDIR)"' \
	    -DLWCR_CACHEDIR='"$(CACHEDIR)"' -DLWCR_VERSION='"$(VERSION)"' -DLWCR_SNAPSHOT_LAYOUT=$(SNAPSHOT_LAYOUT) -c $< -o $@

$(OBJ)/%.o: CInterpose/%.c $(C_HEADERS)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_LIB) -c $< -o $@

# The command: the same core and Gate as the library, whole-module, plus
# the verbs; it links only libc too (a container image has no Swift).
$(OBJ)/lwcr.o: $(CORE_SOURCES) $(PRELOAD_SOURCES) $(CLI_SOURCES) $(C_HEADERS)
	@mkdir -p $(OBJ)
	$(SWIFTC) $(EMBEDDED) -module-name lwcr $(CORE_SOURCES) $(PRELOAD_SOURCES) $(CLI_SOURCES) -c -o $@
	@touch $@

$(BUILD)/lwcr: $(OBJ)/lwcr.o $(OBJ)/sys.o $(OBJ)/sha256_ni.o $(OBJ)/preload/state.o $(OBJ)/preload/constructor.o $(OBJ)/preload/execl.o $(OBJ)/preload/libc_symbol.o $(OBJ)/cli/main.o
	$(CC) -o $@ $^ -Wl,-z,defs -Wl,--gc-sections -Wl,-z,now -Wl,-z,relro

$(OBJ)/preload.o: $(CORE_SOURCES) $(PRELOAD_SOURCES) $(C_HEADERS)
	@mkdir -p $(OBJ)
	$(SWIFTC) $(EMBEDDED) -module-name LwcrPreload $(CORE_SOURCES) $(PRELOAD_SOURCES) -c -o $@
	@touch $@  # swiftc leaves an unchanged object's time alone

# -z defs: a missing symbol fails here, not in the user's program.
# -Bsymbolic: execl* reach our own execve, never another definition.
# The build fails, and leaves no library, when code of ours can allocate
# (Tests/alloc-guard.sh).
$(BUILD)/liblwcr.so: $(OBJ)/preload.o $(OBJ)/sys.o $(OBJ)/sha256_ni.o $(OBJ)/preload/state.o $(OBJ)/preload/constructor.o $(OBJ)/preload/execl.o $(OBJ)/preload/libc_symbol.o CInterpose/exports.map
	$(CC) -shared -o $@.tmp $(filter %.o,$^) -Wl,--version-script=CInterpose/exports.map \
	    -Wl,-soname,liblwcr.so -Wl,-z,defs -Wl,-Bsymbolic -Wl,--gc-sections -Wl,-z,now -Wl,-z,relro -Wl,--build-id
	bash Tests/alloc-guard.sh $@.tmp || { rm -f $@.tmp; exit 1; }
	mv $@.tmp $@

test: all
	bash Tests/run-all.sh

unit:
	swift build --build-tests
	swift test --skip-build

integration: all
	bash Tests/integration/run.sh

demo: all
	bash Tests/demo.sh

bench: all
	bash Tests/bench/run.sh

install: all
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(LIBDIR) $(DESTDIR)$(SYSCONFDIR)/lwcr/policy.d
	@# The verification cache: root's alone, or it is not used (README).
	install -d -m 755 $(DESTDIR)$(CACHEDIR)
	@if [ -z "$(DESTDIR)" ] && [ "$$(id -u)" = 0 ]; then chown root:root $(CACHEDIR); chmod 755 $(CACHEDIR); fi
	install -m 755 $(BUILD)/lwcr $(DESTDIR)$(BINDIR)/lwcr
	install -m 755 $(BUILD)/liblwcr.so $(DESTDIR)$(LIBDIR)/liblwcr.so
	install -d $(DESTDIR)$(MANDIR)/man1 $(DESTDIR)$(MANDIR)/man5 $(DESTDIR)$(MANDIR)/man8 $(DESTDIR)$(COMPLETIONDIR)
	install -m 644 $(BUILD)/man/lwcr.1 $(DESTDIR)$(MANDIR)/man1/lwcr.1
	install -m 644 $(BUILD)/man/lwcr.policy.5 $(DESTDIR)$(MANDIR)/man5/lwcr.policy.5
	install -m 644 $(BUILD)/man/liblwcr.8 $(DESTDIR)$(MANDIR)/man8/liblwcr.8
	install -m 644 Sources/Packaging/bash-completion/lwcr $(DESTDIR)$(COMPLETIONDIR)/lwcr
	install -d $(DESTDIR)$(INCLUDEDIR)
	install -m 644 CInterpose/include/lwcr.h $(DESTDIR)$(INCLUDEDIR)/lwcr.h
	for f in policy.d/*.policy; do \
	    t=$(DESTDIR)$(SYSCONFDIR)/lwcr/policy.d/$$(basename $$f); \
	    if [ -e "$$t" ]; then echo "install: keeping existing $$t"; else install -m 644 $$f "$$t"; fi; \
	done
	@# Compiled where it will be read: a snapshot names its directory, so
	@# a staged tree (DESTDIR) is compiled on the target.
	@if [ -z "$(DESTDIR)" ]; then $(BINDIR)/lwcr compile $(SYSCONFDIR)/lwcr/policy.d; \
	else echo "install: run 'lwcr compile' on the target to compile $(SYSCONFDIR)/lwcr/policy.d"; fi

# Every program loads what /etc/ld.so.preload names: the library is not
# taken from under them. The policy (SYSCONFDIR/lwcr) is the admin's: kept.
uninstall:
	@if [ -z "$(DESTDIR)" ] && sh Sources/Packaging/names-library.sh "$(LIBDIR)/liblwcr.so"; then \
	    echo "uninstall: /etc/ld.so.preload names $(LIBDIR)/liblwcr.so: remove that line first (liblwcr(8))" >&2; exit 1; fi
	rm -f $(DESTDIR)$(BINDIR)/lwcr $(DESTDIR)$(LIBDIR)/liblwcr.so $(DESTDIR)$(COMPLETIONDIR)/lwcr $(DESTDIR)$(INCLUDEDIR)/lwcr.h
	rm -f $(DESTDIR)$(MANDIR)/man1/lwcr.1 $(DESTDIR)$(MANDIR)/man5/lwcr.policy.5 $(DESTDIR)$(MANDIR)/man8/liblwcr.8
	@# Only the entries lwcr writes (DEV-INODE[.KIND]), then the directory if empty.
	rm -f $(DESTDIR)$(CACHEDIR)/[0-9]*-[0-9]*
	-rmdir $(DESTDIR)$(CACHEDIR) 2> /dev/null
	@echo "uninstall: kept $(DESTDIR)$(SYSCONFDIR)/lwcr (the policy); remove it yourself when it is no longer wanted"

deb:
	bash Sources/Packaging/deb.sh $(VERSION)

clean:
	rm -rf $(BUILD) .build

.PHONY: all test unit integration demo bench install uninstall deb clean
