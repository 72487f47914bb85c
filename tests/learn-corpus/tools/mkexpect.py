#!/usr/bin/env python3
"""The diagnosis each corpus case must yield, reviewed case by case (h16). Written to expect/."""
import json, os
E = {}
def case(name, cause, fix, traced=(), guess=None):
    E[name] = (cause, fix, list(traced), list(traced) if guess is None else list(guess))
def x(value, action, **kw):
    d = dict(value=value, action=action); d.update(kw); return d

case("npm-cache-readonly", "mkdir ~/.npm: EROFS (npm reports ENOENT: Node's recursive mkdir under a read-only tree); ~/.npmrc unreadable on purpose",
     "npm's cache writable: `srt-gen add node` (its template gives ${npm_config_cache:-~/.npm})",
     [x("~/.npm", "add", fragment="node"), x("~/.npmrc", "denied")],
     [x("~/.npm", "add", fragment="node")])
case("npm-gyp-headers-host-refused", "srt refused nodejs.org:443 (node-gyp's headers download); the client says only 'Request was cancelled'",
     "nodedir back through the user's npmrc (no download), or allow nodejs.org; no catalog fragment has it: a project-local host",
     [x("nodejs.org", "project-local", entry="nodejs.org"), x("~/.npmrc", "denied")],
     [x("nodejs.org", "project-local", entry="nodejs.org")])
case("npm-gyp-headers-host-unreachable", "srt allowed nodejs.org:443 and could not reach it (ENOTFOUND): this machine's network",
     "nothing in the policy: the network, not the sandbox",
     [x("nodejs.org", "network", says="the network, not the sandbox"), x("~/.npmrc", "denied")],
     [x("nodejs.org", "network", says="the network, not the sandbox")])
case("yarn1-yarnrc-denied", "open ~/.yarnrc: EACCES (denyRead); Yarn 1 aborts on it",
     "explained, never proposed: the file is unreadable on purpose (a mask instead of a deny is the policy's choice, not learn's)",
     [x("~/.yarnrc", "denied")])
case("yarn1-cache-fallback-tmp", "mkdir /usr/local/share/.cache: EROFS (root's Yarn cache); Yarn falls back to $TMPDIR, exit 0",
     "nothing to apply (the command succeeded); never a system folder (YARN_CACHE_FOLDER moves the cache)",
     [x("/usr/local/share/.cache", "never", says="outside your home folder")], [])
case("yarn1-self-update-check-refused", "srt refused yarnpkg.com:443 (Yarn 1's self-update check on a terminal); exit 0",
     "nothing by -y: the command succeeded without it (YARN_DISABLE_SELF_UPDATE_CHECK=true is the fix); on a terminal it is only asked",
     [x("yarnpkg.com", "tolerated", entry="yarnpkg.com")])
case("yarn-berry-proxy-ignored", "Yarn Berry ignores HTTP(S)_PROXY and resolves registry.yarnpkg.com itself: getaddrinfo EAI_AGAIN; srt saw no host",
     "no policy entry: Berry's own proxy variables (YARN_HTTPS_PROXY, YARN_HTTP_PROXY)",
     [x("registry.yarnpkg.com", "direct", says="YARN_HTTPS_PROXY")])
case("yarn-berry-global-folder-readonly", "mkdir ~/.yarn: EROFS (reported as ENOENT); the yarn-berry fragment's global folder ~/.yarn/berry is not in the policy",
     "`srt-gen add yarn-berry` (srt-gen creates ~/.yarn/berry before the run)",
     [x("~/.yarn", "add", fragment="yarn-berry")])
case("yarn-berry-yarnrc-denied-outside-home", "open ~/.yarnrc.yml: EACCES (denyRead); Berry aborts",
     "explained, never proposed (unreadable on purpose)", [x("~/.yarnrc.yml", "denied")])
case("pnpm-store-lock-tmp", "mkdir /tmp/pnpm-store-operation-locks-0: EROFS; the message names only 'pnpm-store-operation-locks'",
     "never /tmp (shared with the machine): pnpm's locks go to XDG_RUNTIME_DIR when it is set",
     [x("/tmp/pnpm-store-operation-locks-0", "never", says="temp folder shared")], [])
case("pnpm-store-exdev-copy", "linkat store -> node_modules: EXDEV; pnpm copies instead; exit 0",
     "nothing: not a failure", [], [])
case("corepack-not-preinstalled", "mkdir COREPACK_HOME/v1/corepack-<pid>: EROFS (Node crash)",
     "never COREPACK_HOME (it holds the package managers that run outside): `corepack install` outside first",
     [x("~/.cache/node/corepack/v1/corepack-5-20b7b4d1.75aa9", "never", says="corepack install")])
case("pip-user-site", "pip install --user: mkdir ~/.local/lib: EROFS",
     "never the user site (code that runs in the user's own Python): install into a virtualenv in the project",
     [x("~/.local/lib", "never", says="user site"), x("~/.netrc", "denied"), x("~/.rustup", "never")],
     [x("~/.local/lib", "never", says="user site")])
case("pip-fileshost-refused", "srt refused files.pythonhosted.org:443 (the policy allowed only pypi.org)",
     "`srt-gen add python` (PyPI's file host)",
     [x("files.pythonhosted.org", "add", fragment="python"), x("~/.netrc", "denied")],
     [x("files.pythonhosted.org", "add", fragment="python")])
case("pip-allowed-unreachable", "srt allowed github.com:443 and could not reach it (ENOTFOUND)", "nothing: the network, not the sandbox",
     [x("github.com", "network")])
case("pip-usercache-ro", "mkdir ~/.cache/pip/wheels: EROFS (sdist build)", "pip's cache: `srt-gen add python`",
     [x("~/.cache/pip/wheels", "add", fragment="python")])
case("virtualenv-dest-readonly", "virtualenv ~/.virtualenvs/myenv: 'the destination . is not write-able at ~' (access(~, W_OK): EROFS)",
     "never the home: make the environment in the project (virtualenv .venv)", [x("~", "never", says="home folder")])
case("virtualenv-appdata-ro", "virtualenv's app data ~/.local/share/virtualenv and ~/.cache/virtualenv read-only; it uses a temporary one, exit 0",
     "nothing: never virtualenv's app data (the seed wheels of every new environment)",
     [x("~/.local/share/virtualenv", "never", says="virtualenv's app data")],
     [x("~/.local/share/virtualenv", "never"), x("~/.cache/virtualenv", "never")])
case("uv-usercache-ro", "open ~/.cache/uv/.tmp*: EROFS (uv's lock)", "uv's cache: `srt-gen add uv`",
     [x("~/.cache/uv/.tmpqUFL9M", "add", fragment="uv")])
case("uv-tool-install-ro", "mkdir ~/.local/share/uv/tools: EROFS", "never uv's tool folder (its programs go on PATH): `uv tool install` outside",
     [x("~/.local/share/uv/tools", "never", says="uv tool install")])
case("uv-tool-install-bin-ro", "symlink ~/.local/bin/pycowsay: EROFS", "never a PATH folder",
     [x("~/.local/bin/pycowsay", "never", says="~/.local/bin")])
case("uv-python-install-refused", "mkdir ~/.local/share/uv/python: EROFS", "never uv's managed interpreters: `uv python install` outside",
     [x("~/.local/share/uv/python", "never", says="uv python install")])
case("poetry-usercache-ro", "virtualenv: 'the destination . is not write-able at ~/.cache/pypoetry' (Poetry's cache and virtualenvs)",
     "`srt-gen add poetry` (its cache); the virtualenv app data and ~/.cache probes stay out",
     [x("~/.cache/pypoetry", "add", fragment="poetry"), x("~/.local/share/virtualenv", "never"), x("~/.cache", "nothing")],
     [x("~/.cache/pypoetry", "add", fragment="poetry")])
case("poetry-userconf-files-denied", "open ~/.config/pypoetry/config.toml: EACCES (denyRead)", "explained, never proposed",
     [x("~/.config/pypoetry/config.toml", "denied")])
case("pdm-logdir-ro", "mkdir ~/.local/state/pdm/log: EROFS (PDM's log folder)",
     "PDM's own folder, not all of ~/.local/state: project-local ~/.local/state/pdm",
     [x("~/.local/state/pdm/log", "project-local", entry="~/.local/state/pdm"), x("~/.local/share/virtualenv", "never"),
      x("~/.cache/.filelock-probe-a140476add78e25478c6caff5a883423", "nothing")],
     [x("~/.local/state/pdm/log", "project-local", entry="~/.local/state/pdm")])
case("pdm-usercache-ro", "mkdir ~/.cache/pdm/{http,hashes,metadata}: EROFS", "`srt-gen add pdm` (its cache)",
     [x("~/.cache/pdm/http", "add", fragment="pdm"), x("~/.cache/pdm/hashes", "tolerated", fragment="pdm"),
      x("~/.cache/pdm/metadata", "tolerated", fragment="pdm")], [])
case("hatch-config-absent", "Hatch: 'Unable to create config file located at ~/.config/hatch/config.toml' (EROFS)",
     "never a tool's configuration: give Hatch a config file of its own (HATCH_CONFIG)",
     [x("~/.config/hatch/tmprtqfubue", "never", says="configuration")],
     [x("~/.config/hatch/config.toml", "never", says="configuration")])
case("cargo-registry-erofs", "mkdir ~/.cargo/registry: EROFS (plain srt, no CARGO_HOME); lock files in ~/.cargo refused",
     "today's catalog: `srt-gen add rust` (its registry entry); never ~/.cargo itself (bin/ is on PATH)",
     [x("~/.cargo/registry", "add", fragment="rust"), x("~/.cargo/.package-cache", "never", says="~/.cargo/bin")],
     [x("~/.cargo/registry/cache/index.crates.io-6f17d22bba15001f", "add", fragment="rust")])
case("cargo-config-eacces", "read ~/.cargo/config.toml: EACCES (denyRead); cargo fails hard", "explained, never proposed",
     [x("~/.cargo/config.toml", "denied")])
case("cargo-403-index", "srt refused index.crates.io:443", "`srt-gen add rust`", [x("index.crates.io", "add", fragment="rust")])
case("cargo-git-unreachable", "github.com allowed, unreachable (ENOTFOUND); api.github.com refused (cargo's fast path, optional)",
     "github.com: the network, not the sandbox; api.github.com is a real refusal, proposed project-local (optional for cargo)",
     [x("github.com", "network"), x("api.github.com", "project-local", entry="api.github.com")])
case("cargo-install-bin-erofs", "open ~/.cargo/.crates.toml: EROFS (cargo install)", "never ~/.cargo (its bin/ is on PATH): a sandbox-owned CARGO_HOME",
     [x("~/.cargo/.crates.toml", "never", says="~/.cargo/bin")])
case("rustup-exdev", "rename ~/.rustup/tmp/... -> ~/.rustup/toolchains/...: EXDEV (separate mounts)",
     "nothing inside: install the toolchain outside (rustup toolchain install)", [],
     [x("~/.rustup/tmp/mmd9hn_lul8ayca5_dir/cargo/bin/cargo", "move", says="rustup toolchain install")])
case("rustup-settings-erofs", "open ~/.rustup/settings.toml: EROFS", "never RUSTUP_HOME: install outside",
     [x("~/.rustup/settings.toml", "never", says="rustup toolchain install")])
case("go-unreachable", "proxy.golang.org allowed, unreachable (ENOTFOUND)", "nothing: the network, not the sandbox",
     [x("proxy.golang.org", "network")])
case("go-telemetry-erofs", "mkdir ~/.config/go/telemetry: EROFS (ignored); EXDEV rename of the linked binary (Go copies); exit 0",
     "nothing (never ~/.config/go)", [x("~/.config/go/telemetry", "never")], [])
case("gradle-workers", "mkdir ~/.gradle/workers: EROFS", "the one folder, not all of ~/.gradle: project-local ~/.gradle/workers",
     [x("~/.gradle/workers", "project-local", entry="~/.gradle/workers")], [])
case("bundler-home-unwritable", "Bundler: '`~` is not writable' (access(~, W_OK)); /var/lib/gems/bundler.lock EROFS; rubygems.org allowed but unreachable",
     "never the home or a system gem folder (BUNDLE_USER_HOME, BUNDLE_PATH); the failure is the network",
     [x("rubygems.org", "network"), x("/var/lib/gems/3.1.0/bundler.lock", "never")],
     [x("rubygems.org", "network"), x("~", "never")])
case("node-mkdir-recursive", "Node's recursive mkdir of ~/.cache/mytool/db: the parent is refused (EROFS), Node reports ENOENT",
     "the tool's folder: project-local ~/.cache/mytool",
     [x("~/.cache/mytool", "project-local", entry="~/.cache/mytool")],
     [x("~/.cache/mytool/db", "project-local", entry="~/.cache/mytool")])
case("npm-stale-cache-variable", "npm_config_cache moved since `srt-gen init`: mkdir ~/.npm-b EROFS; the policy has ~/.npm-a",
     "the policy is stale: `srt-gen init` (never `add node`, which is active)",
     [x("~/.npm-b", "stale", fragment="node", entry="~/.npm-b"), x("~/.npmrc", "denied")],
     [x("~/.npm-b", "stale", fragment="node")])

os.makedirs("expect", exist_ok=True)
def t(v): return json.dumps(v, ensure_ascii=False)
for name, (cause, fix, traced, guess) in E.items():
    lines = ["[diagnosis]", f"cause = {t(cause)}", f"fix = {t(fix)}"]
    for mode, items in (("traced", traced), ("guess", guess)):
        for i in items:
            lines += ["", f"[[{mode}]]"] + [f"{k} = {t(v)}" for k, v in i.items()]
    open(f"expect/{name}.toml", "w").write("\n".join(lines) + "\n")
print(len(E))
