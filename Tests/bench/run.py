#!/usr/bin/env python3
"""make bench: the cost of launching /bin/true with and without liblwcr.so.

Variants run interleaved, round after round, so that a noisy shared machine
hits all of them alike; each round measures a batch of spawns and keeps its
median, and the table reports the median over rounds and its ratio to the
baseline measured in the same run. A copy goes to build/bench.csv.
"""
import csv, os, shutil, statistics, subprocess, sys, tempfile, hashlib, platform

root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
build = os.path.join(root, "build")
lib = os.path.join(build, "liblwcr.so")
rounds = int(os.environ.get("BENCH_ROUNDS", "15"))
batch = int(os.environ.get("BENCH_BATCH", "200"))

def cc(out, src, *flags):
    subprocess.run(["cc", "-O2", *flags, "-o", out, src], check=True)

bench_dir = os.path.join(build, "bench")
os.makedirs(bench_dir, exist_ok=True)
spawn = os.path.join(bench_dir, "spawn")
empty = os.path.join(bench_dir, "empty.so")
cc(spawn, os.path.join(root, "Tests/bench/spawn.c"))
cc(empty, os.path.join(root, "Tests/bench/empty.c"), "-shared", "-fPIC")

work = tempfile.mkdtemp(prefix="lwcr-bench-")
true = "/bin/true"
real_true = os.path.realpath(true)
with open(real_true, "rb") as f:
    digest = hashlib.sha256(f.read()).hexdigest()

def policy_dir(name, text):
    d = os.path.join(work, name)
    os.makedirs(d)
    with open(os.path.join(d, "10-bench.policy"), "w") as f:
        f.write(text)
    return d

baseline_policy = os.path.join(root, "policy.d")
pin = policy_dir("pin", f"require {real_true} sha256={digest}\n")
def many(n):
    # n rules pinning tools elsewhere, as a large site policy would.
    return "".join(f"require /opt/app{i}/bin/tool{i} sha256={hashlib.sha256(str(i).encode()).hexdigest()}\n" for i in range(n))
# A 64 MiB executable: /bin/true with zeros appended (the loader ignores them).
big = os.path.join(work, "big-true")
with open(real_true, "rb") as f, open(big, "wb") as g:
    g.write(f.read())
    g.write(b"\0" * (64 << 20))
os.chmod(big, 0o755)
with open(big, "rb") as f:
    big_digest = hashlib.sha256(f.read()).hexdigest()
bigpin = policy_dir("bigpin", f"require {big} sha256={big_digest}\n")
cache = None
if os.geteuid() == 0:
    cache = tempfile.mkdtemp(prefix="lwcr-bench-cache-", dir="/run" if os.path.isdir("/run") else None)
    os.chmod(cache, 0o755)
rules10 = policy_dir("rules10", many(10))
rules10k = policy_dir("rules10k", many(10000))
if os.path.isdir("/etc/lwcr/policy.d"):
    print("note: /etc/lwcr/policy.d exists and applies to every lwcr variant", file=sys.stderr)

base_env = {k: v for k, v in os.environ.items() if k not in ("LD_PRELOAD", "LWCR_POLICY", "LWCR_LOG")}
variants = [
    ("no preload", {}),
    ("empty C preload", {"LD_PRELOAD": empty}),
    ("liblwcr.so, no policy", {"LD_PRELOAD": lib}),
    ("liblwcr.so, policy.d baseline", {"LD_PRELOAD": lib, "LWCR_POLICY": baseline_policy}),
    ("liblwcr.so, sha256 pin of /bin/true", {"LD_PRELOAD": lib, "LWCR_POLICY": pin}),
    ("liblwcr.so, 10-rule policy", {"LD_PRELOAD": lib, "LWCR_POLICY": rules10}),
    ("liblwcr.so, 10,000-rule policy", {"LD_PRELOAD": lib, "LWCR_POLICY": rules10k}),
    ("launches nothing: empty C preload", {"BENCH_CHILD_PRELOAD": empty}),
    ("launches nothing: liblwcr.so, baseline", {"BENCH_CHILD_PRELOAD": lib, "BENCH_CHILD_POLICY": baseline_policy}),
]

# The big file: without lwcr, pinned on first launch (nothing remembered),
# and pinned on re-launch (the verification cache, which only root writes).
big_variants = [("64 MiB executable, no preload", {}, big)]
if cache:
    big_variants.append(("64 MiB pinned, re-launch (cached)", {"LD_PRELOAD": lib, "LWCR_POLICY": bigpin, "LWCR_CACHE": cache}, big))
import time
time.sleep(2.1)  # the cache remembers only files whose ctime is 2 s old

samples = {name: [] for name, _ in variants}
for name, _, _ in big_variants:
    samples[name] = []
first = []
for r in range(rounds):
    for name, extra in variants:
        env = dict(base_env, **extra)
        out = subprocess.run([spawn, true, str(batch)], env=env, capture_output=True, text=True)
        if out.returncode != 0:
            sys.exit(f"bench: {name}: {out.stderr.strip()}")
        samples[name].append(float(out.stdout))
    for name, extra, target in big_variants:
        env = dict(base_env, **extra)
        out = subprocess.run([spawn, target, str(max(batch // 10, 5))], env=env, capture_output=True, text=True)
        if out.returncode != 0:
            sys.exit(f"bench: {name}: {out.stderr.strip()}")
        samples[name].append(float(out.stdout))
    # First launch: an empty cache each time, one launch.
    env = dict(base_env, LD_PRELOAD=lib, LWCR_POLICY=bigpin, LWCR_CACHE="/nonexistent")
    out = subprocess.run([spawn, big, "1"], env=env, capture_output=True, text=True)
    first.append(float(out.stdout))
    print(f"round {r + 1}/{rounds}", file=sys.stderr, end="\r")
print(file=sys.stderr)

base = statistics.median(samples["no preload"])
floor = statistics.median(samples["empty C preload"])
rows = []
print(f"spawn+wait of {true}: median of {rounds} interleaved rounds x {batch} spawns")
print(f"machine: {platform.node()} {os.cpu_count()} cores, {platform.platform()}")
print(f"{'variant':42} {'median µs':>10} {'/ no preload':>13} {'/ empty C':>10}")
samples["64 MiB pinned, first launch (hashing)"] = first
for name in list(samples):
    m = statistics.median(samples[name])
    rows.append((name, m, m / base, m / floor))
    print(f"{name:42} {m:10.1f} {m / base:13.3f} {m / floor:10.3f}")
def ratio(a, b):
    return statistics.median(samples[a]) / statistics.median(samples[b])
print()
print(f"10,000-rule / 10-rule policy: {ratio('liblwcr.so, 10,000-rule policy', 'liblwcr.so, 10-rule policy'):.3f}")
print(f"launches nothing, liblwcr.so / empty C: {ratio('launches nothing: liblwcr.so, baseline', 'launches nothing: empty C preload'):.3f}")
if cache:
    print(f"64 MiB pinned re-launch / without lwcr: {ratio('64 MiB pinned, re-launch (cached)', '64 MiB executable, no preload'):.3f}")
    shutil.rmtree(cache)
else:
    print("64 MiB pinned re-launch: not measured (the verification cache needs root)")
# Hashing as users see it: lwcr pin (SHA-256) and lwcr check of an SSH
# signature (SHA-512) on a 1 GiB file, against openssl dgst, interleaved.
def timed(cmd):
    t = time.monotonic()
    subprocess.run(cmd, check=True, capture_output=True, env=base_env)
    return time.monotonic() - t

hash_rows = []
if shutil.which("openssl"):
    gib = os.path.join(build, "bench", "1GiB")
    # Random content, not a sparse file: reading holes is not what users hash.
    with open(gib, "wb") as f:
        for _ in range(16):
            f.write(os.urandom(64 << 20))
    # Executable: lwcr check ends, as a launch would, by asking the kernel.
    os.chmod(gib, 0o755)
    lwcr = os.path.join(build, "lwcr")
    ours256, theirs256, ours512, theirs512 = [], [], [], []
    signed = None
    if shutil.which("ssh-keygen"):
        keydir = tempfile.mkdtemp(prefix="lwcr-bench-key-")
        key = os.path.join(keydir, "k")
        subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", key], check=True)
        if os.path.exists(gib + ".sig"):  # left by an interrupted run; ssh-keygen would not replace it
            os.unlink(gib + ".sig")
        subprocess.run(["ssh-keygen", "-q", "-Y", "sign", "-f", key, "-n", "lwcr", gib], check=True, capture_output=True)
        pub = open(key + ".pub").read().split()
        signed = os.path.join(keydir, "policy.d")
        os.makedirs(signed)
        with open(os.path.join(signed, "10.policy"), "w") as f:
            f.write(f"signer bench {pub[0]} {pub[1]}\nrequire {os.path.realpath(gib)} signed-by=bench\n")
    for _ in range(3):
        ours256.append(timed([lwcr, "pin", gib]))
        theirs256.append(timed(["openssl", "dgst", "-sha256", gib]))
        if signed:
            ours512.append(timed([lwcr, "check", "--policy", signed, gib]))
            theirs512.append(timed(["openssl", "dgst", "-sha512", gib]))
    m = statistics.median
    hash_rows.append(("SHA-256, 1 GiB: lwcr pin / openssl dgst -sha256", m(ours256), m(theirs256)))
    if signed:
        hash_rows.append(("SHA-512, 1 GiB: lwcr check (signed-by) / openssl dgst -sha512", m(ours512), m(theirs512)))
        shutil.rmtree(os.path.dirname(signed))
        os.unlink(gib + ".sig")
    os.unlink(gib)
    print()
    for name, a, b in hash_rows:
        print(f"{name}: {a:.3f} s / {b:.3f} s = {b / a:.2f} x openssl's throughput")
else:
    print("hashing: not measured (openssl is not installed)")
size = os.path.getsize(lib)
needed = subprocess.run(["sh", "-c", f"readelf -d {lib} | sed -n 's/.*(NEEDED).*\\[\\(.*\\)\\]/\\1/p'"],
                        capture_output=True, text=True).stdout.split()
print(f"liblwcr.so: {size} bytes, needs {', '.join(needed)}")
shutil.rmtree(work)
with open(os.path.join(build, "bench.csv"), "w", newline="") as f:
    w = csv.writer(f)
    w.writerow(["variant", "median_us", "ratio_no_preload", "ratio_empty_c_preload", "rounds", "batch"])
    for name, m, a, b in rows:
        w.writerow([name, f"{m:.1f}", f"{a:.3f}", f"{b:.3f}", rounds, batch])
    for name, a, b in hash_rows:
        w.writerow([name, f"{a * 1e6:.0f}", "", f"{b / a:.3f}", 3, 1])
