#!/usr/bin/env python3
"""Builds srt-gen's learn corpus (tests/learn-corpus/*.toml) from the research captures in
/work/scratch/pm (real tools run inside srt 0.0.83 with strace) and from h16's own captures.

Each case keeps the capture's own paths (its throwaway HOME and project), the policy the
run used, srt's debug lines, the failed calls of the trace, and the command's output.
Expectations are kept in expect/<case>.toml and appended as they are.
"""
import json, os, re, sys

PM = "/work/scratch/pm"
OUT = sys.argv[1] if len(sys.argv) > 1 else "/work/wt/h16/tests/learn-corpus"
EXPECT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "expect")
UH = "/work/scratch/pm/lab/user-home"


def read(p):
    with open(p, encoding="utf-8", errors="replace") as f:
        return f.read()


def sections_a(text):
    """JS format: 'key: value' header, '--- name ---' sections."""
    head, secs, cur = {}, {}, None
    for line in text.splitlines():
        m = re.match(r"^--- (.*) ---$", line)
        if m:
            cur = m.group(1)
            secs[cur] = []
            continue
        if cur is None:
            if ": " in line:
                k, v = line.split(": ", 1)
                head[k.split(" (")[0]] = v
        else:
            secs[cur].append(line)
    return head, secs


def sec(secs, prefix):
    for k, v in secs.items():
        if k.startswith(prefix):
            return v
    return []


def strip_blank(lines):
    while lines and not lines[-1].strip():
        lines = lines[:-1]
    while lines and not lines[0].strip():
        lines = lines[1:]
    return lines


DECISIONS = re.compile(r"\[SandboxDebug\] (No matching rule|Denied by config rule|Allowed by config rule|CONNECT tunnel failed|Proxy request failed|Connection blocked|HTTP request blocked|\[tls-terminate\] upstream)")


def fmt_a(src):
    head, secs = sections_a(read(src))
    srt = [l.strip() for l in sec(secs, "srt --debug") if l.strip() and not l.startswith("(")]
    srt = [l if l.startswith("[SandboxDebug]") else "[SandboxDebug] " + l for l in srt]
    # The summary sorts and merges srt's lines; the run's own stderr has them in order.
    spec = {c["file"]: c for c in json.loads(read(PM + "/bin/corpus-spec.json"))}
    run = spec.get(os.path.basename(src)[:-4], {}).get("run")
    if run and os.path.exists(f"{PM}/runs/{run}.err"):
        srt = [l for l in read(f"{PM}/runs/{run}.err").splitlines() if DECISIONS.match(l)]
    trace = [l for l in sec(secs, "strace") if l.strip() and not l.startswith("(")]
    out = strip_blank(sec(secs, "stdout")) + strip_blank(sec(secs, "stderr"))
    return dict(
        tool=head.get("tool", ""),
        command=head.get("command", "").split("): ", 1)[-1] if "command" in head else "",
        exit=int(head.get("exit status", "1").split()[0]),
        cause=head.get("refusal that caused it", ""),
        fix=head.get("right fix", ""),
        srt=srt, trace=trace, output=out, trace_note="strace -f inside the sandbox: the failed calls, as strace printed them",
    )


def synth(op, path, err):
    desc = {"EROFS": "Read-only file system", "EACCES": "Permission denied",
            "EPERM": "Operation not permitted", "EXDEV": "Invalid cross-device link"}[err]
    if op == "mkdir":
        call = f'mkdir("{path}", 0777)'
    elif op == "openat":
        flags = "O_RDONLY|O_CLOEXEC" if err == "EACCES" else "O_WRONLY|O_CREAT|O_CLOEXEC"
        call = f'openat(AT_FDCWD, "{path}", {flags}, 0666)'
    elif op == "access":
        call = f'access("{path}", W_OK)'
    elif op == "chmod":
        call = f'chmod("{path}", 0755)'
    elif op == "symlink":
        call = f'symlink("{path}", "{path}")'
    else:
        call = f'{op}("{path}")'
    return f"{call} = -1 {err} ({desc})"


def fmt_b(src):
    text = read(src)
    lines = text.splitlines()
    d = dict(tool="", command="", exit=1, cause="", fix="", srt=[], trace=[], output=[], env={},
             trace_note="rewritten from the capture's strace summary (the call, its path and its error, once per count)")
    first = lines[0]
    m = re.match(r"^# (?:case: )?\S+ — (.*?), srt", first)
    if m:
        d["tool"] = m.group(1)
    settings, in_settings, cur = [], False, None
    expanded = []
    for line in lines[1:]:
        i = line.find("# exit:")
        if i > 0:
            expanded.extend([line[:i], line[i:]])
        else:
            expanded.append(line)
    for line in expanded:
        if line.startswith("# command"):
            d["command"] = line.split("): ", 1)[-1] if "): " in line else line.split(": ", 1)[1]
            m = re.search(r"cwd (\S+), HOME=(\S+)\)", line)
            if m:
                d["project"], d["home"] = m.group(1), m.group(2)
            continue
        if line.startswith("# env"):
            for kv in line.split(": ", 1)[1].split():
                if "=" in kv:
                    k, v = kv.split("=", 1)
                    if k != "CLAUDE_CODE_TMPDIR":
                        d["env"][k] = v
            continue
        if line.startswith("# settings:"):
            in_settings = True
            continue
        if line.startswith("# exit:"):
            in_settings = False
            m = re.search(r"rc=(\d+)", line)
            if m:
                d["exit"] = int(m.group(1))
            continue
        if line.startswith("# ---"):
            in_settings = False
            cur = "out" if "stdout" in line else "srt" if "srt debug" in line else "trace" if "strace" in line else None
            continue
        if in_settings:
            settings.append(line)
            continue
        if cur == "out":
            d["output"].append(line)
        elif cur == "srt" and line.strip():
            m = re.match(r"^\s*(\d+)\s+(.*)$", line)
            n, l = (int(m.group(1)), m.group(2)) if m else (1, line.strip())
            d["srt"].extend([l] * min(n, 3))
        elif cur == "trace" and line.strip():
            m = re.match(r"^\s*(\d+)\s+(\S+)\s+(.*)\s+(E[A-Z]+)$", line)
            if m:
                n, op, path, err = int(m.group(1)), m.group(2), m.group(3), m.group(4)
                d["trace"].extend([synth(op, path, err)] * min(n, 3))
    if settings:
        try:
            d["policy"] = json.loads("\n".join(settings))
        except json.JSONDecodeError:
            pass
    d["output"] = strip_blank(d["output"])
    return d


def fmt_c(src):
    """Rust format: '# key: value' header, '# ---- output' then text with '# strace refusals:'
    and '# srt --debug:' blocks."""
    d = dict(tool="", command="", exit=101, cause="", fix="", srt=[], trace=[], output=[],
             trace_note="strace -f inside the sandbox: the failed calls, as strace printed them")
    cur = None
    for line in read(src).splitlines():
        if cur is None:
            for k, key in [("# tool: ", "tool"), ("# refusal that caused it: ", "cause"), ("# right fix: ", "fix")]:
                if line.startswith(k):
                    d[key] = line[len(k):]
            if line.startswith("# command"):
                d["command"] = line.split("): ", 1)[-1]
            if line.startswith("# ---- output"):
                cur = "out"
            continue
        if line.startswith("# strace refusals"):
            cur = "trace"
            continue
        if line.startswith("# srt --debug"):
            cur = "srt"
            continue
        if cur == "out":
            m = re.match(r"^exit=(\d+)$", line)
            if m:
                d["exit"] = int(m.group(1))
                continue
            d["output"].append(line)
        elif cur == "trace" and line.strip():
            m = re.match(r"^\s*(\d+)\s+(.*)$", line)
            if m:
                d["trace"].extend([m.group(2)] * min(int(m.group(1)), 3))
        elif cur == "srt" and line.strip():
            d["srt"].append(line.strip())
    d["output"] = strip_blank(d["output"])
    return d


def fmt_d(src):
    """R3d format: 'key: value' header, '--- name ---' sections; counts before lines."""
    head, secs = sections_a(read(src))
    out, exit_ = [], 1
    for l in sec(secs, "command output"):
        m = re.match(r"^rc=(\d+)$", l)
        if m:
            exit_ = int(m.group(1))
        elif not l.startswith("[SandboxDebug]"):
            out.append(l)
    srt, trace = [], []
    for l in sec(secs, "srt debug"):
        m = re.match(r"^\s*(\d+)\s+(.*)$", l)
        if m:
            srt.extend(["[SandboxDebug] " + m.group(2)] * min(int(m.group(1)), 3))
    for l in sec(secs, "strace"):
        m = re.match(r"^\s*(\d+)\s+(.*)$", l)
        if m and not m.group(2).startswith("<..."):
            trace.extend([m.group(2)] * min(int(m.group(1)), 3))
    return dict(tool=head.get("tool", ""), command=head.get("command", "").split("): ", 1)[-1],
                exit=exit_, cause=head.get("cause", ""), fix=head.get("fix", ""),
                srt=srt, trace=trace, output=strip_blank(out),
                trace_note="strace -f inside the sandbox: the failed calls, as strace printed them")


def fmt_e(name):
    """h16's own captures (capture.sh): srt --debug, strace -f inside the sandbox."""
    cap = "/work/scratch/h16/cap/" + name
    err = read(cap + ".err").splitlines()
    srt = [l for l in err if DECISIONS.match(l)]
    out, block = [], False
    for l in read(cap + ".out").splitlines() + err:
        if block:
            block = l not in ("}", "]")
            continue
        if l.startswith("[SandboxDebug]"):
            block = l.rstrip().endswith(("{", "["))
            continue
        out.append(l)
    trace = [l for l in read(cap + ".trace").splitlines() if l.strip()]
    return dict(exit=int(read(cap + ".rc").strip()), srt=srt, trace=trace, output=strip_blank(out),
                policy=json.loads(read(cap + ".policy.json")),
                trace_note="strace -f inside the sandbox (h16's capture.sh): the failed calls and every chdir, as strace printed them")


def policy_file(p):
    return json.loads(read(p))


JS_BASE_PROJ = UH + "/src"
CASES = [
    # name, source, format, overrides
    ("npm-cache-readonly", "npm-cache-readonly.txt", fmt_a, dict(home=UH, project=UH + "/src/npm", policy=PM + "/policies/npm-base.json", detected=["node"])),
    ("npm-gyp-headers-host-refused", "npm-gyp-headers-host-refused.txt", fmt_a, dict(home=UH, project="/work/scratch/pm/lab/gyp/proj", policy=PM + "/policies/npm-gyp.json", detected=["node"])),
    ("npm-gyp-headers-host-unreachable", "npm-gyp-headers-host-unreachable.txt", fmt_a, dict(home=UH, project="/work/scratch/pm/lab/gyp/proj", policy=PM + "/policies/npm-gyp-nodejs.json", detected=["node"])),
    ("yarn1-yarnrc-denied", "yarn1-yarnrc-denied.txt", fmt_a, dict(home=UH, project="/work/scratch/pm/lab/outside/yarn1", policy=PM + "/policies/yarn1-yarnrc-only.json", detected=["yarn"])),
    ("yarn1-cache-fallback-tmp", "yarn1-cache-fallback-tmp.txt", fmt_a, dict(home=UH, project=UH + "/src/yarn1", policy=PM + "/policies/yarn1-mask.json", detected=["yarn"])),
    ("yarn1-self-update-check-refused", "yarn1-self-update-check-refused.txt", fmt_a, dict(home=UH, project=UH + "/src/yarn1", policy=PM + "/policies/yarn1-mask.json", detected=["yarn"])),
    ("yarn-berry-proxy-ignored", "yarn-berry-proxy-ignored.txt", fmt_a, dict(home=UH, project=UH + "/src/berry", policy=PM + "/policies/berry-mask.json", detected=["yarn-berry"])),
    ("yarn-berry-global-folder-readonly", "yarn-berry-global-folder-readonly.txt", fmt_a, dict(home=UH, project=UH + "/src/berry", policy=PM + "/policies/berry-mask.json", detected=["yarn-berry"])),
    ("yarn-berry-yarnrc-denied-outside-home", "yarn-berry-yarnrc-denied-outside-home.txt", fmt_a, dict(home=UH, project="/work/scratch/pm/lab/outside/berry", policy=PM + "/policies/berry-base.json", detected=["yarn-berry"])),
    ("pnpm-store-lock-tmp", "pnpm-store-lock-tmp.txt", fmt_a, dict(home=UH, project=UH + "/src/pnpm", policy=PM + "/policies/pnpm-fixed.json", detected=["pnpm"])),
    ("pnpm-store-exdev-copy", "pnpm-store-exdev-copy.txt", fmt_a, dict(home=UH, project=UH + "/src/pnpm", policy=PM + "/policies/pnpm-fixed.json", detected=["pnpm"])),
    ("corepack-not-preinstalled", "corepack-not-preinstalled.txt", fmt_a, dict(home=UH, project=UH + "/src/cp-berry", policy=PM + "/policies/berry-mask.json", detected=["yarn-berry"])),
    ("pip-user-site", "pip-user.txt", fmt_b, dict(detected=["python"])),
    ("pip-fileshost-refused", "pip-fileshost-refused.txt", fmt_b, dict(detected=["python"])),
    ("pip-allowed-unreachable", "pip-allowed-unreachable.txt", fmt_b, dict(detected=["python"])),
    ("pip-usercache-ro", "pip-usercache-ro.txt", fmt_b, dict(home="/tmp/pmh.IOdvfV", project="/tmp/pmh.IOdvfV/proj/pipproj", detected=["python"])),
    ("virtualenv-dest-readonly", "virtualenv-dest-readonly.txt", fmt_b, dict(detected=["python"])),
    ("virtualenv-appdata-ro", "virtualenv-appdata-ro.txt", fmt_b, dict(detected=["python"])),
    ("uv-usercache-ro", "uv-usercache-ro.txt", fmt_b, dict(detected=["uv"])),
    ("uv-tool-install-ro", "uv-tool-install-ro.txt", fmt_b, dict(detected=["uv"])),
    # The summary printed symlink's first argument (the target); the link uv made is the
    # path its message names ("failed to symlink file from <link> to <target>").
    ("uv-tool-install-bin-ro", "uv-tool-install-bin-ro.txt", fmt_b, dict(detected=["uv"], trace=[
        'symlinkat("/tmp/pmh.Qm3qWm/.cache/srt-gen/sandbox/uv-tools/pycowsay/bin/pycowsay", AT_FDCWD, "/tmp/pmh.Qm3qWm/.local/bin/pycowsay") = -1 EROFS (Read-only file system)'])),
    ("uv-python-install-refused", "uv-python-install-refused.txt", fmt_b, dict(detected=["uv"])),
    ("poetry-usercache-ro", "poetry-usercache-ro.txt", fmt_b, dict(detected=["poetry"])),
    ("poetry-userconf-files-denied", "poetry-userconf-files-denied.txt", fmt_b, dict(detected=["poetry"])),
    ("pdm-logdir-ro", "pdm-logdir-ro.txt", fmt_b, dict(detected=["pdm"])),
    ("pdm-usercache-ro", "pdm-usercache-ro.txt", fmt_b, dict(detected=["pdm"])),
    ("hatch-config-absent", "hatch-config-absent.txt", fmt_b, dict(detected=["hatch"])),
    ("cargo-registry-erofs", "cargo-registry-erofs.txt", fmt_c, dict(home="/work/scratch/pm-rust/homeA", project="/work/scratch/pm-rust/proj-a", policy="/work/scratch/pm-rust/pol/owned.json", detected=["rust"])),
    ("cargo-config-eacces", "cargo-config-eacces.txt", fmt_c, dict(home="/work/scratch/pm-rust/homeA", project="/work/scratch/pm-rust/homeA/src/proj-c", policy="/work/scratch/pm-rust/pol/owned.json", detected=["rust"],
        trace=['openat(AT_FDCWD, "/work/scratch/pm-rust/homeA/.cargo/config.toml", O_RDONLY|O_CLOEXEC) = -1 EACCES (Permission denied)'])),
    ("cargo-403-index", "cargo-403-index.txt", fmt_c, dict(home="/work/scratch/pm-rust/homeA", project="/work/scratch/pm-rust/proj-b", policy="/work/scratch/pm-rust/pol/owned-nonet.json", detected=["rust"])),
    ("cargo-git-unreachable", "cargo-git-unreachable.txt", fmt_c, dict(home="/work/scratch/pm-rust/homeA", project="/work/scratch/pm-rust/proj-git", policy="/work/scratch/pm-rust/pol/owned-github.json", detected=["rust"])),
    ("cargo-install-bin-erofs", "cargo-install-bin-erofs.txt", fmt_c, dict(home="/work/scratch/pm-rust/homeA", project="/work/scratch/pm-rust/proj-a", policy="/work/scratch/pm-rust/pol/catalog.json", detected=["rust"])),
    ("rustup-exdev", "rustup-exdev.txt", fmt_c, dict(home="/work/scratch/pm-rust/homeR", project="/work/scratch/pm-rust/proj-pin", policy="/work/scratch/pm-rust/pol/catalog-rustup.json", detected=["rust", "rustup"])),
    ("rustup-settings-erofs", "rustup-settings-erofs.txt", fmt_c, dict(home="/work/scratch/pm-rust/homeR", project="/work/scratch/pm-rust/proj-pin", policy="/work/scratch/pm-rust/pol/catalog-rustup.json", detected=["rust", "rustup"],
        trace=['openat(AT_FDCWD, "/work/scratch/pm-rust/homeR/.rustup/settings.toml", O_WRONLY|O_CREAT|O_TRUNC|O_CLOEXEC, 0666) = -1 EROFS (Read-only file system)'])),
    ("go-unreachable", "go-1.27.3-unreachable.txt", fmt_d, dict(home="/tmp/pmrow/go127/home", project="/tmp/pmrow/go127/proj", policy=PM + "/cap/go127-policy.json", detected=["go"])),
    ("go-telemetry-erofs", "go-1.27.3-telemetry-erofs.txt", fmt_d, dict(home="/tmp/pmrow/goowned/home", project="/tmp/pmrow/goowned/proj", policy=PM + "/cap/goowned-policy.json", detected=["go"])),
    ("gradle-workers", "gradle-4.4.1-workers.txt", fmt_d, dict(home="/tmp/pmrow/gradle/home", project="/tmp/pmrow/gradle/proj", policy=PM + "/cap/gradle-policy.json", detected=["java-gradle"])),
    ("bundler-home-unwritable", "bundler-2.3.15-home-unwritable.txt", fmt_d, dict(home="/tmp/pmrow/bundler/home", project="/tmp/pmrow/bundler/proj", policy=PM + "/cap/bundler-policy.json", detected=["ruby"])),
]


OWN = [
    ("node-mkdir-recursive", dict(tool="Node 20.20.2", command="node -e 'fs.mkdirSync(path.join(os.homedir(), \".cache/mytool/db\"), {recursive: true})'",
        home="/tmp/h16cap-node", project="/tmp/h16cap-node/proj", detected=["node"])),
    ("npm-stale-cache-variable", dict(tool="npm 11.19.1 (Node 20.20.2)", command="npm install --no-audit --no-fund (npm_config_cache=~/.npm-b; srt-gen init ran with npm_config_cache=~/.npm-a)",
        home="/tmp/h16cap-stale", project="/tmp/h16cap-stale/proj", detected=["node"], env={"npm_config_cache": "/tmp/h16cap-stale/.npm-b"})),
]


def toml_str(s):
    if "'''" not in s and not s.endswith("'") and all(c in "\n\t" or ord(c) >= 32 for c in s):
        return "'''\n" + s + "'''"
    return json.dumps(s, ensure_ascii=False)


def emit(name, d):
    lines = [f"# learn corpus: {name}. Generated by /work/scratch/h16/mkcorpus.py from {d['source']};",
             "# the expectations at the end were reviewed case by case (tests/learn_corpus.rs reads them)."]
    for k in ["tool", "command", "source", "cause", "fix"]:
        lines.append(f"{k} = {json.dumps(d.get(k, ''), ensure_ascii=False)}")
    lines.append(f"exit = {d['exit']}")
    lines.append(f"home = {json.dumps(d['home'])}")
    lines.append(f"project = {json.dumps(d['project'])}")
    lines.append(f"detected = {json.dumps(d.get('detected', []))}")
    lines.append(f"trace-note = {json.dumps(d['trace_note'])}")
    lines.append("policy = " + toml_str(json.dumps(d["policy"], indent=1) + "\n"))
    lines.append("srt = " + toml_str("\n".join(d["srt"]) + ("\n" if d["srt"] else "")))
    lines.append("trace = " + toml_str("\n".join(d["trace"]) + ("\n" if d["trace"] else "")))
    lines.append("output = " + toml_str("\n".join(d["output"]) + ("\n" if d["output"] else "")))
    env = d.get("env", {})
    lines.append("")
    lines.append("[env]")
    for k, v in sorted(env.items()):
        lines.append(f"{k} = {json.dumps(v)}")
    exp = os.path.join(EXPECT, name + ".toml")
    if os.path.exists(exp):
        lines.append("")
        lines.append(read(exp).rstrip("\n"))
    return "\n".join(lines) + "\n"


def main():
    os.makedirs(OUT, exist_ok=True)
    only = set(sys.argv[2:])
    for name, src, fmt, over in CASES:
        if only and name not in only:
            continue
        d = fmt(os.path.join(PM, src))
        d["source"] = f"{PM}/{src}"
        for k, v in over.items():
            if k == "policy":
                d["policy"] = policy_file(v)
            else:
                d[k] = v
        if "policy" not in d:
            raise SystemExit(f"{name}: no policy")
        if "home" not in d or "project" not in d:
            raise SystemExit(f"{name}: no home/project")
        with open(os.path.join(OUT, name + ".toml"), "w") as f:
            f.write(emit(name, d))
    for name, over in OWN:
        if only and name not in only:
            continue
        d = fmt_e(name)
        d["source"] = f"/work/scratch/h16/cap/{name}.{{out,err,trace,policy.json}} (capture.sh)"
        d.update(over)
        with open(os.path.join(OUT, name + ".toml"), "w") as f:
            f.write(emit(name, d))
    print("ok")


main()
