#!/usr/bin/env python3
"""make bench, part 2: policy size and live publication.

Compiled policies of 10, 1,000, 10,000 and 100,000 pin rules (and a
10-rule text policy), interleaved round after round on two workloads: an
exec chain (150 x sh -c "sh -c /bin/true") and a make-like build (30 C
files, xargs -P2 gcc -c). Medians of the rounds, ratios to the compiled
10-rule policy measured in the same run. Then: the private memory of a
process after one launch, the steady-state spawn cost of the compiled
baseline, a signed 64 MiB program re-launched, the time from publishing a
snapshot to the launch that obeys it, and lwcr compile / lwcr lint of
100,000 rules. A copy goes to build/bench-scale.csv.
"""
import csv, hashlib, os, shutil, statistics, subprocess, sys, tempfile, time

root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
build = os.path.join(root, "build")
lib = os.path.join(build, "liblwcr.so")
lwcr = os.path.join(build, "lwcr")
rounds = int(os.environ.get("BENCH_SCALE_ROUNDS", "7"))
bench_dir = os.path.join(build, "bench")
os.makedirs(bench_dir, exist_ok=True)
spawn = os.path.join(bench_dir, "spawn")
empty = os.path.join(bench_dir, "empty.so")
if not os.path.exists(spawn):
    subprocess.run(["cc", "-O2", "-o", spawn, os.path.join(root, "Tests/bench/spawn.c")], check=True)
if not os.path.exists(empty):
    subprocess.run(["cc", "-O2", "-shared", "-fPIC", "-o", empty, os.path.join(root, "Tests/bench/empty.c")], check=True)

# On disk, not in /run: the verification cache keys snapshots on their mount.
work = tempfile.mkdtemp(prefix="lwcr-scale-", dir="/var/tmp" if os.path.isdir("/var/tmp") else None)
os.chmod(work, 0o755)
root_user = os.geteuid() == 0
cache = None
if root_user:
    cache = tempfile.mkdtemp(prefix="lwcr-scale-cache-", dir="/run" if os.path.isdir("/run") else None)
    os.chmod(cache, 0o755)
base_env = {k: v for k, v in os.environ.items() if k not in ("LD_PRELOAD", "LWCR_POLICY", "LWCR_LOG", "LWCR_CACHE")}
if cache:
    base_env["LWCR_CACHE"] = cache
else:
    print("note: not root, so no verification cache: each process checks a snapshot's checksum itself", file=sys.stderr)

def pins(n):
    return "".join(f"require /opt/app{i}/bin/tool{i} sha256={hashlib.sha256(str(i).encode()).hexdigest()}\n" for i in range(n))

def layer(name, text, compiled=True):
    d = os.path.join(work, name)
    os.makedirs(d)
    os.chmod(d, 0o755)
    with open(os.path.join(d, "10-bench.policy"), "w") as f:
        f.write(text)
    if compiled:
        subprocess.run([lwcr, "compile", d], check=True, stdout=subprocess.DEVNULL, env=base_env)
    return d

sizes = [10, 1000, 10000, 100000]
policies = [(f"compiled {n:,}", layer(f"c{n}", pins(n))) for n in sizes]
policies.append(("text 10", layer("t10", pins(10), compiled=False)))
policies.insert(0, ("no preload", None))
reference = "compiled 10"

# The make-like build: 30 small C files.
src = os.path.join(work, "src")
os.makedirs(src)
for i in range(30):
    with open(os.path.join(src, f"f{i}.c"), "w") as f:
        f.write(f"#include <stdio.h>\nint f{i}(int x) {{ return printf(\"%d\\n\", x * {i}); }}\n")
os.chmod(src, 0o755)

def env_for(d):
    return dict(base_env, LD_PRELOAD=lib, LWCR_POLICY=d) if d else base_env

def timed(cmd, env, cwd=None):
    t = time.monotonic()
    r = subprocess.run(cmd, env=env, cwd=cwd, capture_output=True, text=True)
    if r.returncode != 0:
        sys.exit(f"bench: {cmd[:3]}: {r.stderr.strip()[:400]}")
    return time.monotonic() - t

chain = ["sh", "-c", 'i=0; while [ $i -lt 150 ]; do sh -c "sh -c /bin/true"; i=$((i + 1)); done']
make = ["sh", "-c", "rm -f *.o; ls *.c | xargs -P2 -n1 gcc -c"]
work_samples = {(w, name): [] for w in ("exec chain", "make-like build") for name, _ in policies}
for r in range(rounds):
    for name, d in policies:
        work_samples[("exec chain", name)].append(timed(chain, env_for(d)))
        work_samples[("make-like build", name)].append(timed(make, env_for(d), cwd=src))
    print(f"scale round {r + 1}/{rounds}", file=sys.stderr, end="\r")
print(file=sys.stderr)

rows = []
m = statistics.median
print(f"policy size: median of {rounds} interleaved rounds, ratio to the compiled 10-rule policy")
print(f"{'policy':18} {'exec chain s':>13} {'ratio':>7} {'make-like s':>12} {'ratio':>7}")
for name, _ in policies:
    e = m(work_samples[("exec chain", name)]); b = m(work_samples[("make-like build", name)])
    er = e / m(work_samples[("exec chain", reference)]); br = b / m(work_samples[("make-like build", reference)])
    print(f"{name:18} {e:13.3f} {er:7.3f} {b:12.3f} {br:7.3f}")
    rows.append((name, e, er, b, br))

# Private memory after one launch: what the process itself holds.
probe = os.path.join(work, "probe.py")
with open(probe, "w") as f:
    f.write("""import os
pid = os.posix_spawn("/bin/true", ["true"], dict(os.environ)); os.waitpid(pid, 0)
r = {}
for l in open("/proc/self/smaps_rollup"):
    p = l.split()
    if len(p) >= 2 and p[0].endswith(":") and p[1].isdigit(): r[p[0][:-1]] = int(p[1])
print(r["Private_Dirty"], r["Anonymous"], r["Rss"])
""")
memory = {}
for name, d in policies:
    if not d:
        continue
    vals = []
    for _ in range(3):
        out = subprocess.run(["/usr/bin/python3", probe], env=env_for(d), capture_output=True, text=True, check=True).stdout.split()
        vals.append([int(x) for x in out])
    memory[name] = [m([v[i] for v in vals]) for i in range(3)]
print()
print("memory of a python3 after one launch (KiB): private dirty, anonymous, resident (shared snapshot pages included)")
for name in memory:
    pd, an, rss = memory[name]
    print(f"{name:18} {pd:8} {an:8} {rss:8}   vs compiled 10: {pd - memory[reference][0]:+6} {an - memory[reference][1]:+6} {rss - memory[reference][2]:+6}")

# Steady state: one process spawning /bin/true, the compiled baseline
# against an empty C preload; and a signed 64 MiB program re-launched.
baseline = os.path.join(work, "baseline")
shutil.copytree(os.path.join(root, "policy.d"), baseline)
os.chmod(baseline, 0o755)
subprocess.run([lwcr, "compile", baseline], check=True, stdout=subprocess.DEVNULL, env=base_env)
big = os.path.join(work, "big-true")
with open(os.path.realpath("/bin/true"), "rb") as f, open(big, "wb") as g:
    g.write(f.read())
    g.write(b"\0" * (64 << 20))
os.chmod(big, 0o755)
signed = None
if shutil.which("ssh-keygen"):
    key = os.path.join(work, "key")
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", key], check=True)
    subprocess.run(["ssh-keygen", "-q", "-Y", "sign", "-f", key, "-n", "lwcr", big], check=True, capture_output=True)
    pub = open(key + ".pub").read().split()
    signed = layer("signed", f"signer bench {pub[0]} {pub[1]}\nrequire {big} signed-by=bench\n")
time.sleep(2.1)  # the cache remembers only files whose ctime is 2 s old
spawn_variants = [("empty C preload", {"LD_PRELOAD": empty}, "/bin/true", 200),
                  ("compiled baseline", {"LD_PRELOAD": lib, "LWCR_POLICY": baseline}, "/bin/true", 200),
                  ("64 MiB, no preload", {}, big, 20),
                  ("64 MiB, empty C preload", {"LD_PRELOAD": empty}, big, 20)]
if signed:
    spawn_variants.append(("64 MiB signed, re-launch", {"LD_PRELOAD": lib, "LWCR_POLICY": signed}, big, 20))
spawn_samples = {name: [] for name, _, _, _ in spawn_variants}
for r in range(15):
    for name, extra, target, count in spawn_variants:
        out = subprocess.run([spawn, target, str(count)], env=dict(base_env, **extra), capture_output=True, text=True)
        if out.returncode != 0:
            sys.exit(f"bench: {name}: {out.stderr.strip()}")
        spawn_samples[name].append(float(out.stdout))
print()
print("spawn+wait, median of 15 interleaved rounds (µs)")
for name in spawn_samples:
    print(f"{name:28} {m(spawn_samples[name]):10.1f}")
steady = m(spawn_samples["compiled baseline"]) / m(spawn_samples["empty C preload"])
print(f"compiled baseline / empty C preload: {steady:.3f}")
signed_ratio = None
if signed:
    signed_ratio = m(spawn_samples["64 MiB signed, re-launch"]) / m(spawn_samples["64 MiB, no preload"])
    print(f"64 MiB signed re-launch / no preload: {signed_ratio:.3f}; / empty C preload (the floor of any preload): "
          f"{m(spawn_samples['64 MiB signed, re-launch']) / m(spawn_samples['64 MiB, empty C preload']):.3f}")

# From publishing to the launch that obeys it, in one running process.
live = os.path.join(work, "live")
os.makedirs(live)
os.chmod(live, 0o755)
probe_live = os.path.join(work, "live.py")
with open(probe_live, "w") as f:
    f.write(f"""import os, subprocess, time
def launch():
    try:
        pid = os.posix_spawn("/bin/true", ["true"], dict(os.environ)); os.waitpid(pid, 0); return True
    except PermissionError:
        return False
def publish(text):
    open("{live}/10.policy.t", "w").write(text); os.rename("{live}/10.policy.t", "{live}/10.policy")
    subprocess.run(["{lwcr}", "compile", "{live}"], check=True, stdout=subprocess.DEVNULL)
steady, first, later = [], [], 0
for i in range(20):
    publish("allow /**\\n")
    for _ in range(5): launch()
    t = time.monotonic(); launch(); steady.append(time.monotonic() - t)
    publish("allow /**\\ndeny /usr/bin/true\\n")
    t = time.monotonic(); ok = launch(); first.append(time.monotonic() - t)
    if ok: later += 1
steady.sort(); first.sort()
print(steady[10] * 1e6, first[10] * 1e6, later)
""")
with open(os.path.join(live, "10.policy"), "w") as f:
    f.write("allow /**\n")
subprocess.run([lwcr, "compile", live], check=True, stdout=subprocess.DEVNULL, env=base_env)
out = subprocess.run(["/usr/bin/python3", probe_live], env=dict(base_env, LD_PRELOAD=lib, LWCR_POLICY=live),
                     capture_output=True, text=True)
steady_us, first_us, missed = out.stdout.split()
print()
print(f"live publication: the first launch after lwcr compile obeyed the new snapshot in {20 - int(missed)} of 20 publications;")
print(f"  that launch took {float(first_us):.0f} µs (maps the new snapshot), a steady launch {float(steady_us):.0f} µs (medians)")

# lwcr compile and lwcr lint of 100,000 rules.
big_text = policies[4][1]
comp, lint = [], []
for _ in range(3):
    comp.append(timed([lwcr, "compile", big_text], base_env))
    lint.append(timed([lwcr, "lint", big_text], base_env))
print()
print(f"100,000 rules: lwcr compile {m(comp):.2f} s, lwcr lint {m(lint):.2f} s (medians of 3); "
      f"snapshot {os.path.getsize(os.path.join(big_text, '.lwcr-snapshot')):,} bytes, text {os.path.getsize(os.path.join(big_text, '10-bench.policy')):,}")

shutil.rmtree(work)
if cache:
    shutil.rmtree(cache)
with open(os.path.join(build, "bench-scale.csv"), "w", newline="") as f:
    w = csv.writer(f)
    w.writerow(["policy", "exec_chain_s", "exec_chain_ratio", "make_like_s", "make_like_ratio", "private_dirty_kib", "anonymous_kib", "rss_kib"])
    for name, e, er, b, br in rows:
        pd, an, rss = memory.get(name, ["", "", ""])
        w.writerow([name, f"{e:.3f}", f"{er:.3f}", f"{b:.3f}", f"{br:.3f}", pd, an, rss])
    w.writerow(["compiled baseline / empty C", "", f"{steady:.3f}"])
    if signed_ratio:
        w.writerow(["64 MiB signed re-launch / no preload", "", f"{signed_ratio:.3f}"])
    w.writerow(["compile 100k s", f"{m(comp):.3f}"])
    w.writerow(["lint 100k s", f"{m(lint):.3f}"])
