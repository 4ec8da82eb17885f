# lwcr — launch code requirements for Linux.
#
#   make          build/liblwcr.so
#   make test     unit tests of the core, then integration tests of the real library
#   make demo     pin a tool, run it, tamper with it, show the denial
#   make bench    spawn cost of /bin/true with and without the library

SWIFT_BIN := $(firstword $(wildcard /opt/swift/usr/bin) $(dir $(shell command -v swiftc 2>/dev/null)))
export PATH := $(SWIFT_BIN):$(PATH)
SWIFTC ?= swiftc
CC ?= cc

BUILD := build
OBJ := $(BUILD)/obj
CORE_SOURCES := $(sort $(wildcard Sources/LwcrCore/*.swift))
PRELOAD_SOURCES := $(sort $(wildcard Sources/LwcrPreload/*.swift))
C_HEADERS := $(wildcard CInterpose/include/*)
CFLAGS_LIB := -O2 -fPIC -Wall -Wextra -ICInterpose/include -fno-stack-protector
EMBEDDED := -enable-experimental-feature Embedded -wmo -parse-as-library -Osize \
            -swift-version 6 -I CInterpose/include -Xcc -fPIC

all: $(BUILD)/liblwcr.so

$(OBJ)/%.o: CInterpose/%.c $(C_HEADERS)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_LIB) -c $< -o $@

$(OBJ)/preload.o: $(CORE_SOURCES) $(PRELOAD_SOURCES) $(C_HEADERS)
	@mkdir -p $(OBJ)
	$(SWIFTC) $(EMBEDDED) -module-name LwcrPreload $(CORE_SOURCES) $(PRELOAD_SOURCES) -c -o $@

# -z defs: a missing symbol fails here, not in the user's program.
# -Bsymbolic: execl* reach our own execve, never another definition.
$(BUILD)/liblwcr.so: $(OBJ)/preload.o $(OBJ)/sys.o $(OBJ)/preload/state.o $(OBJ)/preload/execl.o CInterpose/exports.map
	$(CC) -shared -o $@ $(filter %.o,$^) -Wl,--version-script=CInterpose/exports.map \
	    -Wl,-z,defs -Wl,-Bsymbolic -Wl,--gc-sections -Wl,-z,now -Wl,-z,relro -Wl,--build-id

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

clean:
	rm -rf $(BUILD) .build

.PHONY: all test unit integration demo bench clean
