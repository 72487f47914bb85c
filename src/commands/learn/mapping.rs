//! From a refusal to the narrowest fix, or to why there is none.
//!
//! A path maps to the catalog fragment whose template produces it (`add pdm`), else to the
//! tool's own folder (`~/.local/state/pdm`, never `~/.local/state`). A fragment that is
//! already active is never proposed: if it would produce the path under today's
//! environment and the policy does not have it, the policy is stale (`srt-gen init`). A
//! path denied on purpose (a credential store, the policy itself) is explained. A home, a
//! PATH folder, a start-up file, a tool's configuration, an interpreter's site-packages or
//! start-up folder, a toolchain, a shared temp folder, or anything `check` rejects is never
//! proposed, whatever the output says.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::evidence::{Kind, Seen};
use super::view::{resolve, PolicyView};
use super::LEARNED;
use crate::catalog::{Catalog, Fragment, Kind as FragmentKind, List, Resolved};
use crate::env::Env;
use crate::policy::lint::{self, LintContext, Severity};
use crate::policy::settings::Settings;

/// What to do about one refusal.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(
    tag = "action",
    rename_all = "kebab-case",
    rename_all_fields = "camelCase"
)]
pub enum Proposal {
    /// `srt-gen add NAME`.
    Add {
        fragment: String,
        description: String,
    },
    /// An entry in the project's `learned` fragment: no catalog fragment has it.
    ProjectLocal { list: String, entry: String },
    /// An active fragment gives this under today's environment, and the policy does not
    /// have it: the policy was written for another environment (`srt-gen init`).
    Stale { fragment: String, entry: String },
    /// An active fragment's entry that was taken out of the policy by hand.
    Removed { list: String, entry: String },
    /// The policy (or srt itself) refuses it on purpose; never applied.
    Denied { by: String, why: String },
    /// srt allowed it; the network failed.
    Network { why: String },
    /// `--last`: the policy allows it now.
    Allowed { by: String },
    /// The tool went around srt's proxy.
    Direct { why: String },
    /// Never made writable, whatever the output says.
    Never { why: String },
    /// The policy allows it; the refusal came from elsewhere.
    NotSandbox { why: String },
    /// A rename between two separately mounted folders.
    Move { why: String },
    /// Known to carry data out (exfiltration risk); applied only with --allow-risky.
    Risky { why: String, then: Box<Proposal> },
    /// The command succeeded without it; applied only when confirmed on a terminal.
    Tolerated { why: String, then: Box<Proposal> },
    /// Nothing sensible to add.
    Nothing { why: String },
}

impl Proposal {
    /// The change itself, for the proposals that have one.
    pub fn change(&self) -> Option<&Proposal> {
        match self {
            Proposal::Add { .. } | Proposal::ProjectLocal { .. } => Some(self),
            Proposal::Risky { then, .. } | Proposal::Tolerated { then, .. } => then.change(),
            _ => None,
        }
    }
}

/// Everything a proposal is judged against.
pub struct MapContext<'a> {
    pub env: &'a Env,
    pub root: PathBuf,
    /// `.srt.json`: its record says which fragments are active, and proposals are checked
    /// as entries of it.
    pub settings: &'a Settings,
    /// What srt got (the run policy): what was writable, readable and denied.
    pub ran: &'a Settings,
    pub view: PolicyView,
    pub lint: LintContext<'a>,
    /// Fragments that may be proposed, each resolved for this machine.
    pub candidates: Vec<(&'a Fragment, Vec<Resolved>)>,
    /// The base fragment's entries (for the source of its denies).
    pub base: Vec<Resolved>,
    /// Fragments the project's files show (and those the user removed): the ones a host is
    /// proposed from.
    pub relevant: BTreeSet<String>,
    /// The command's exit status.
    pub exit: u8,
    /// The findings come from the last report (`--last`), not this run: the policy may
    /// have changed since.
    pub from_last: bool,
}

impl<'a> MapContext<'a> {
    pub fn new(
        env: &'a Env,
        root: &Path,
        settings: &'a Settings,
        ran: &'a Settings,
        catalog: &'a Catalog,
        detected: BTreeSet<String>,
        exit: u8,
    ) -> MapContext<'a> {
        let candidates = catalog
            .fragments
            .iter()
            .filter(|f| f.kind != FragmentKind::Base && f.name != LEARNED)
            .map(|f| (f, f.resolve(env, &[env.os])))
            .collect();
        let base = catalog
            .fragments
            .iter()
            .filter(|f| f.kind == FragmentKind::Base)
            .flat_map(|f| f.resolve(env, &[env.os]))
            .collect();
        let mut relevant = detected;
        if let Some(r) = &settings.record {
            relevant.extend(r.excluded.iter().cloned());
        }
        MapContext {
            env,
            root: root.to_path_buf(),
            settings,
            ran,
            view: PolicyView::new(ran, env, root),
            lint: LintContext {
                env,
                project: root.to_path_buf(),
                protected: vec![
                    root.join(crate::detect::project::SETTINGS_FILE),
                    root.join(".srt-gen").join("fragments"),
                ],
                // Proposals are linted for what they add; the floor is the run policy's.
                floor: Vec::new(),
                masked: Vec::new(),
                handled: Vec::new(),
            },
            candidates,
            base,
            relevant,
            exit,
            from_last: false,
        }
    }

    fn active(&self, name: &str) -> Option<&crate::policy::settings::FragmentRecord> {
        self.settings.record.as_ref()?.fragments.get(name)
    }

    fn tilde(&self, p: &Path) -> String {
        match p.strip_prefix(&self.root) {
            Ok(rest) if rest.as_os_str().is_empty() => ".".into(),
            Ok(rest) => format!("./{}", rest.display()),
            Err(_) => self.env.tilde(p),
        }
    }
}

/// The proposal for one refusal, and what `check` says about the entries it would add.
pub fn propose(seen: &Seen, ctx: &MapContext<'_>) -> (Proposal, Vec<String>) {
    let (p, flags) = match seen.kind {
        Kind::Write => write(seen, ctx),
        Kind::Read => (read(seen, ctx), Vec::new()),
        Kind::Move => (moved(seen, ctx), Vec::new()),
        Kind::Host => host(seen, ctx),
        Kind::Unreachable => (
            Proposal::Network {
                why: format!(
                    "the network, not the sandbox: srt allowed {} and could not reach it{}",
                    seen.target,
                    seen.error
                        .as_deref()
                        .map(|e| format!(" ({e})"))
                        .unwrap_or_default()
                ),
            },
            Vec::new(),
        ),
        Kind::Direct => (direct(seen, ctx), Vec::new()),
    };
    if ctx.exit == 0 && p.change().is_some() {
        let why = "the command succeeded (exit 0) without it".to_string();
        return (
            Proposal::Tolerated {
                why,
                then: Box::new(p),
            },
            flags,
        );
    }
    (p, flags)
}

fn write(seen: &Seen, ctx: &MapContext<'_>) -> (Proposal, Vec<String>) {
    let path = PathBuf::from(&seen.target);
    if let Some(d) = denied_write(&path, ctx) {
        return (d, Vec::new());
    }
    if let Some(e) = ctx.view.writable(&path) {
        if ctx.from_last {
            return (
                Proposal::Allowed {
                    by: format!("filesystem.allowWrite {}", e.spelled),
                },
                Vec::new(),
            );
        }
        let why = match seen.error.as_deref() {
            Some("EROFS" | "ENOENT") | None => format!(
                "allowWrite `{}` covers it; srt skips a write path that did not exist when it started: create it, then run again",
                e.spelled
            ),
            Some(err) => format!(
                "not the sandbox: allowWrite `{}` covers it, and the file system refused it ({err}: permissions or ownership)",
                e.spelled
            ),
        };
        return (Proposal::NotSandbox { why }, Vec::new());
    }
    if let Some(why) = never(&path, ctx) {
        return (Proposal::Never { why }, Vec::new());
    }
    // The catalog fragment whose template produces the path; or, for a tool's own folder
    // (`mkdir ~/.yarn`), one of the project's fragments whose entry lies inside it
    // (`~/.yarn/berry`: srt-gen creates it before the run, so the folder is there).
    let own_folder = tool_folder(&path, seen, ctx).is_ok_and(|f| f == path);
    let matching: Vec<(&Fragment, String)> = ctx
        .candidates
        .iter()
        .filter_map(|(f, entries)| {
            entries
                .iter()
                .filter(|r| r.list == List::AllowWrite)
                .find(|r| {
                    let e = resolve(&r.value, ctx.env, &ctx.root);
                    path.starts_with(&e)
                        || (own_folder && ctx.relevant.contains(&f.name) && e.starts_with(&path))
                })
                .map(|r| (*f, r.value.clone()))
        })
        .collect();
    if let Some(p) = active_match(&matching, List::AllowWrite, ctx) {
        return (p, Vec::new());
    }
    if let Some((f, _)) = best(&matching, ctx) {
        return add(f, ctx);
    }
    let folder = match tool_folder(&path, seen, ctx) {
        Ok(f) => f,
        Err(why) => return (Proposal::Nothing { why }, Vec::new()),
    };
    if let Some(why) = never(&folder, ctx).or_else(|| outside(&folder, ctx)) {
        return (Proposal::Never { why }, Vec::new());
    }
    local(List::AllowWrite, ctx.tilde(&folder), ctx)
}

fn read(seen: &Seen, ctx: &MapContext<'_>) -> Proposal {
    let path = PathBuf::from(&seen.target);
    match ctx.view.unreadable(&path) {
        Some(e) => Proposal::Denied {
            by: format!("filesystem.denyRead {}", e.spelled),
            why: format!(
                "unreadable on purpose: {}",
                source_of(ctx, List::DenyRead, &e.spelled)
                    .unwrap_or_else(|| "an entry of the policy".into())
            ),
        },
        None => Proposal::NotSandbox {
            why: "not the sandbox: the policy leaves it readable (the file's own permissions refused it)"
                .into(),
        },
    }
}

fn moved(seen: &Seen, ctx: &MapContext<'_>) -> Proposal {
    let to = seen.to.as_deref().map(PathBuf::from);
    let shown = |p: &Path| ctx.tilde(p);
    let toolchain = to
        .as_deref()
        .into_iter()
        .chain(std::iter::once(Path::new(&seen.target)))
        .find_map(|p| toolchain(p, ctx));
    if seen.op.as_deref().is_some_and(|o| o.starts_with("link")) {
        return Proposal::Move {
            why: "a hard link between two separately mounted folders; tools copy instead, so nothing needs to change".into(),
        };
    }
    let mut why = format!(
        "a rename from {}{} between two folders srt mounts separately (each write root is its own mount, so the kernel refuses it with EXDEV); no policy entry fixes that",
        shown(Path::new(&seen.target)),
        to.as_deref().map(|t| format!(" to {}", shown(t))).unwrap_or_default()
    );
    if let Some(t) = toolchain {
        why.push_str(&format!("; the destination is {t}"));
    }
    Proposal::Move { why }
}

fn host(seen: &Seen, ctx: &MapContext<'_>) -> (Proposal, Vec<String>) {
    let host = &seen.target;
    let bare = crate::hosts::split_port(host).0.to_string();
    let denied_by = ctx
        .ran
        .strings(List::DeniedDomains)
        .into_iter()
        .find(|p| crate::hosts::matches(p, &bare))
        .map(str::to_string);
    if let Some(by) = denied_by.filter(|_| seen.by_rule) {
        return (
            Proposal::Denied {
                by: format!("network.deniedDomains {by}"),
                why: "the policy denies it on purpose".into(),
            },
            Vec::new(),
        );
    }
    if ctx.from_last {
        let port = crate::hosts::split_port(host).1;
        let allowed = ctx.ran.strings(List::AllowedDomains).into_iter().find(|p| {
            crate::hosts::matches(p, &bare)
                && crate::hosts::split_port(p)
                    .1
                    .is_none_or(|pp| Some(pp) == port)
        });
        if let Some(a) = allowed {
            return (
                Proposal::Allowed {
                    by: format!("network.allowedDomains {a}"),
                },
                Vec::new(),
            );
        }
    }
    let matching: Vec<(&Fragment, String)> = ctx
        .candidates
        .iter()
        .filter_map(|(f, entries)| {
            entries
                .iter()
                .find(|r| r.list == List::AllowedDomains && crate::hosts::matches(&r.value, &bare))
                .map(|r| (*f, r.value.clone()))
        })
        .collect();
    let (base, flags) = if let Some(p) = active_match(&matching, List::AllowedDomains, ctx) {
        (p, Vec::new())
    } else {
        // A host is proposed from a fragment only when the project shows that fragment
        // (npm's registry in a Yarn Berry project is not a reason to add Bun).
        let relevant: Vec<(&Fragment, String)> = matching
            .into_iter()
            .filter(|(f, _)| ctx.relevant.contains(&f.name))
            .collect();
        match best(&relevant, ctx) {
            Some((f, _)) => add(f, ctx),
            None => local(List::AllowedDomains, host.clone(), ctx),
        }
    };
    if base.change().is_none() {
        return (base, flags);
    }
    match lint::exfiltration_risk(&bare) {
        Some(why) => (
            Proposal::Risky {
                why,
                then: Box::new(base),
            },
            flags,
        ),
        None => (base, flags),
    }
}

fn direct(seen: &Seen, ctx: &MapContext<'_>) -> Proposal {
    let who = seen
        .program
        .as_deref()
        .map(|p| format!("`{p}`"))
        .unwrap_or_else(|| "the tool".into());
    let mut why = format!(
        "not a policy entry: {who} connected to {} by itself instead of through srt's proxy (there is no DNS and no route inside the sandbox; the tool ignores HTTP(S)_PROXY); it needs srt's proxy in its own setting",
        seen.target
    );
    let berry = ctx
        .candidates
        .iter()
        .filter(|(f, _)| f.name == "yarn-berry")
        .any(|(f, entries)| {
            ctx.relevant.contains(&f.name)
                || ctx.active(&f.name).is_some()
                || entries
                    .iter()
                    .any(|r| crate::hosts::matches(&r.value, &seen.target))
        });
    if berry {
        why.push_str(": Yarn Berry reads YARN_HTTPS_PROXY and YARN_HTTP_PROXY, not HTTPS_PROXY (set them to srt's HTTPS_PROXY and HTTP_PROXY inside)");
    }
    Proposal::Direct { why }
}

/// A fragment that is already active and gives the entry: the policy lost it (by hand) or
/// was written for another environment.
fn active_match(
    matching: &[(&Fragment, String)],
    list: List,
    ctx: &MapContext<'_>,
) -> Option<Proposal> {
    let (f, entry) = matching
        .iter()
        .find(|(f, _)| ctx.active(&f.name).is_some())?;
    let rec = ctx.active(&f.name)?;
    let recorded = rec
        .entries
        .get(list.key())
        .is_some_and(|e| e.contains(entry));
    Some(if recorded {
        Proposal::Removed {
            list: list.key().into(),
            entry: entry.clone(),
        }
    } else {
        Proposal::Stale {
            fragment: f.name.clone(),
            entry: entry.clone(),
        }
    })
}

/// Among the fragments that would allow it, the one the project's files point at, else
/// the smallest.
fn best<'f>(
    matching: &[(&'f Fragment, String)],
    ctx: &MapContext<'_>,
) -> Option<(&'f Fragment, String)> {
    matching
        .iter()
        .min_by_key(|(f, _)| {
            let size = ctx
                .candidates
                .iter()
                .find(|(c, _)| c.name == f.name)
                .map_or(usize::MAX, |(_, e)| e.len());
            (!ctx.relevant.contains(&f.name), size, f.name.clone())
        })
        .map(|(f, e)| (*f, e.clone()))
}

/// `add F`, unless `check` rejects what F would give on this machine; with the warnings
/// `check` has for it.
fn add(f: &Fragment, ctx: &MapContext<'_>) -> (Proposal, Vec<String>) {
    let entries = ctx
        .candidates
        .iter()
        .find(|(c, _)| c.name == f.name)
        .map(|(_, e)| e.clone())
        .unwrap_or_default();
    let mut flags = Vec::new();
    for r in entries.iter().filter(|r| {
        matches!(r.list, List::AllowWrite | List::AllowedDomains)
            && !ctx.settings.strings(r.list).contains(&r.value.as_str())
    }) {
        for finding in check_entry(ctx, r.list, &r.value) {
            if finding.severity == Severity::Error {
                return (
                    Proposal::Never {
                        why: format!(
                            "`srt-gen add {}` would give {} {}, which `srt-gen check` rejects: {}",
                            f.name,
                            r.list.key(),
                            r.value,
                            finding.message
                        ),
                    },
                    Vec::new(),
                );
            }
            flags.push(format!("{}: {}", r.value, finding.message));
        }
    }
    (
        Proposal::Add {
            fragment: f.name.clone(),
            description: f.description.clone(),
        },
        flags,
    )
}

/// A project-local entry, unless `check` rejects it.
fn local(list: List, entry: String, ctx: &MapContext<'_>) -> (Proposal, Vec<String>) {
    let findings = check_entry(ctx, list, &entry);
    if let Some(e) = findings.iter().find(|f| f.severity == Severity::Error) {
        return (
            Proposal::Never {
                why: format!("`srt-gen check` rejects {entry}: {}", e.message),
            },
            Vec::new(),
        );
    }
    let flags = findings
        .into_iter()
        .map(|f| format!("{entry}: {}", f.message))
        .collect();
    (
        Proposal::ProjectLocal {
            list: list.key().into(),
            entry,
        },
        flags,
    )
}

/// What `check` says about `entry` added to `list` of the policy that ran.
pub fn check_entry(ctx: &MapContext<'_>, list: List, entry: &str) -> Vec<lint::Finding> {
    let mut s = ctx.settings.clone();
    s.list_mut(list)
        .push(serde_json::Value::String(entry.to_string()));
    let key = format!("{}[{}]", list.key(), s.list(list).len() - 1);
    let value = serde_json::to_value(&s).expect("settings serialize");
    lint::lint(&value, &ctx.lint)
        .into_iter()
        .filter(|f| f.key == key)
        .collect()
}

/// Write-protected on purpose: a denyWrite entry, or what srt protects by itself in the
/// project (its shell and git files, `.git/hooks`, editor folders).
fn denied_write(path: &Path, ctx: &MapContext<'_>) -> Option<Proposal> {
    if let Some(e) = ctx.view.write_protected(path) {
        return Some(Proposal::Denied {
            by: format!("filesystem.denyWrite {}", e.spelled),
            why: format!(
                "write-protected on purpose: {}",
                source_of(ctx, List::DenyWrite, &e.spelled)
                    .unwrap_or_else(|| "an entry of the policy".into())
            ),
        });
    }
    let root = crate::env::resolve_symlinks(&ctx.root);
    let rel = path.strip_prefix(&root).ok()?;
    let protected = crate::sandbox::placeholders::PROTECTED_FILES
        .iter()
        .chain(crate::sandbox::placeholders::PROTECTED_DIRS.iter())
        .chain([".git/hooks", ".git/config"].iter())
        .find(|n| rel.starts_with(n))?;
    Some(Proposal::Denied {
        by: format!("srt's own protection of ./{protected}"),
        why: "srt write-protects it in the folder it starts in, always: what the sandbox writes there, git, your shell or your editor would run outside it".into(),
    })
}

/// Why `path` must never be writable from inside, if it must not.
fn never(path: &Path, ctx: &MapContext<'_>) -> Option<String> {
    let env = ctx.env;
    let home = crate::env::resolve_symlinks(&env.home);
    let shown = ctx.tilde(path);
    if path.parent().is_none() {
        return Some("`/` is the whole machine".into());
    }
    if home.starts_with(path) {
        return Some(format!(
            "`{shown}` is or holds the home folder: shell start-up files, PATH folders and credentials are all in it"
        ));
    }
    for (dir, why, tree) in lint::paths::executable_dirs(&ctx.lint) {
        if dir.starts_with(path) || path.starts_with(&dir) {
            return Some(if tree {
                format!("`{shown}` is in a toolchain folder: {why}; install the toolchain outside the sandbox")
            } else {
                why
            });
        }
    }
    if let Some(t) = toolchain(path, ctx) {
        return Some(format!("`{shown}` is in {t}"));
    }
    for f in lint::paths::STARTUP_FILES {
        let f = home.join(f);
        if f.starts_with(path) || path.starts_with(&f) {
            return Some(format!(
                "`{shown}` is or holds `{}`, which a shell, git or ssh runs or trusts outside the sandbox",
                env.tilde(&f)
            ));
        }
    }
    if let Some(why) = interpreter_startup(path, &home, env) {
        return Some(format!(
            "`{shown}` is {why}: code there runs in your own interpreter outside the sandbox"
        ));
    }
    let config = crate::env::resolve_symlinks(&env.config_dir());
    if config.starts_with(path) || path.starts_with(&config) {
        return Some(format!(
            "`{shown}` is a tool's configuration, which the tool obeys outside the sandbox too: never made writable; point the tool at a configuration file of its own (its variable), or create the file outside the sandbox"
        ));
    }
    for shared in ["/tmp", "/var/tmp", "/dev/shm"] {
        let shared = Path::new(shared);
        if path == shared || path.parent() == Some(shared) {
            return Some(format!(
                "`{shown}` is in a temp folder shared with the whole machine; the sandbox has its own (TMPDIR, ./.srt-gen/tmp): a tool that writes {} itself ignores TMPDIR",
                shared.display()
            ));
        }
    }
    let own = crate::sandbox::placeholders::record_file(env);
    if let Some(srt_gen) = own.parent() {
        let srt_gen = crate::env::resolve_symlinks(srt_gen);
        for sub in ["placeholders", "runs", "config"] {
            if path.starts_with(srt_gen.join(sub)) {
                return Some(format!(
                    "`{shown}` is srt-gen's own record, which it trusts"
                ));
            }
        }
    }
    None
}

/// A project-local entry stays in the home folder or the project: elsewhere is a system
/// folder that every program on the machine shares (`/var/lib/gems`, `/usr/local/share`).
fn outside(path: &Path, ctx: &MapContext<'_>) -> Option<String> {
    let home = crate::env::resolve_symlinks(&ctx.env.home);
    let root = crate::env::resolve_symlinks(&ctx.root);
    (!path.starts_with(&home) && !path.starts_with(&root)).then(|| {
        format!(
            "`{}` is outside your home folder and the project: a system folder that every program on the machine shares",
            ctx.tilde(path)
        )
    })
}

/// A folder whose programs run outside later: RUSTUP_HOME and corepack's home as wholes
/// (check's list has their program folders).
fn toolchain(path: &Path, ctx: &MapContext<'_>) -> Option<String> {
    let env = ctx.env;

    let cache = env.folder("XDG_CACHE_HOME", ".cache");
    let data = env.folder("XDG_DATA_HOME", ".local/share");
    let var_or = |var: &str, default: PathBuf| -> PathBuf {
        env.var(var)
            .filter(|v| Path::new(v).is_absolute())
            .map_or(default, PathBuf::from)
    };
    // Each holds programs that run outside later (rustup book "Environment variables";
    // corepack's README; uv's docs "Storage"; pipx's docs), with how to fill it outside.
    let homes = [
        (
            env.folder("RUSTUP_HOME", ".rustup"),
            "rustup's toolchains",
            "`rustup toolchain install` in the project",
        ),
        (
            var_or("COREPACK_HOME", cache.join("node/corepack")),
            "corepack's package managers",
            "`corepack install` in the project",
        ),
        (
            var_or("UV_TOOL_DIR", data.join("uv/tools")),
            "uv's installed tools (their programs are linked onto PATH)",
            "`uv tool install`",
        ),
        (
            var_or("UV_PYTHON_INSTALL_DIR", data.join("uv/python")),
            "uv's managed Python interpreters",
            "`uv python install`",
        ),
        (
            var_or("PIPX_HOME", data.join("pipx")),
            "pipx's installed tools",
            "`pipx install`",
        ),
        (
            var_or("VIRTUALENV_OVERRIDE_APP_DATA", data.join("virtualenv")),
            "virtualenv's app data (the pip and setuptools it seeds every new environment with)",
            "virtualenv run outside; inside, VIRTUALENV_OVERRIDE_APP_DATA gives it a folder of the sandbox's own, and without one it uses a temporary one",
        ),
        (
            cache.join("virtualenv"),
            "virtualenv's app data (the pip and setuptools it seeds every new environment with)",
            "virtualenv run outside; inside, VIRTUALENV_OVERRIDE_APP_DATA gives it a folder of the sandbox's own, and without one it uses a temporary one",
        ),
    ];
    homes
        .into_iter()
        .find(|(h, _, _)| path.starts_with(crate::env::resolve_symlinks(h)) || path.starts_with(h))
        .map(|(_, what, how)| {
            format!("{what}: fill it outside the sandbox ({how}), never from inside")
        })
}

/// Site-packages, `.pth` files, Python's user base and start-up file, Node's global module
/// folders.
fn interpreter_startup(path: &Path, home: &Path, env: &Env) -> Option<String> {
    let names: Vec<String> = path
        .components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect();
    if names
        .iter()
        .any(|n| n == "site-packages" || n == "dist-packages")
    {
        return Some("an interpreter's site-packages".into());
    }
    let file = names.last().cloned().unwrap_or_default();
    if file.ends_with(".pth") || file == "sitecustomize.py" || file == "usercustomize.py" {
        return Some("a Python start-up file".into());
    }
    if names
        .windows(2)
        .any(|w| w[0] == "lib" && (w[1].starts_with("python2") || w[1].starts_with("python3")))
    {
        return Some("an interpreter's library folder".into());
    }
    let user_base = env
        .var("PYTHONUSERBASE")
        .map_or_else(|| home.join(".local"), PathBuf::from);
    if path.starts_with(user_base.join("lib")) {
        return Some("Python's user site (`pip install --user`)".into());
    }
    if let Some(startup) = env.var("PYTHONSTARTUP") {
        if path == Path::new(startup) {
            return Some("PYTHONSTARTUP".into());
        }
    }
    for node in [".node_modules", ".node_libraries"] {
        if path.starts_with(home.join(node)) {
            return Some("a folder Node loads modules from".into());
        }
    }
    None
}

/// The tool's own folder for a refused path: one name below a per-user cache, state or
/// data folder (`~/.local/state/pdm`), a tool's dot folder in the home (`~/.tool`), else
/// the folder itself (a file's folder); never a top-level folder.
fn tool_folder(path: &Path, seen: &Seen, ctx: &MapContext<'_>) -> Result<PathBuf, String> {
    let env = ctx.env;
    let home = crate::env::resolve_symlinks(&env.home);
    let xdg = |var: &str, default: &str| -> PathBuf {
        env.var(var)
            .filter(|v| Path::new(v).is_absolute())
            .map_or_else(|| home.join(default), PathBuf::from)
    };
    let containers = [
        xdg("XDG_CACHE_HOME", ".cache"),
        xdg("XDG_STATE_HOME", ".local/state"),
        xdg("XDG_DATA_HOME", ".local/share"),
        home.join("Library/Caches"),
        home.join("Library/Application Support"),
        home.join("Library/Logs"),
    ];
    for c in &containers {
        if let Ok(rest) = path.strip_prefix(c) {
            return match rest.components().next() {
                // A file right in it (a lock or a probe) belongs to no one tool.
                Some(_) if rest.components().count() == 1 && names_a_file(path, seen) => {
                    Err(format!(
                        "a file right in {}, every tool's folder (a lock or a probe): too wide",
                        ctx.tilde(c)
                    ))
                }
                Some(first) => Ok(c.join(first)),
                None => Err(format!("{} is every tool's folder; too wide", ctx.tilde(c))),
            };
        }
    }
    // A tool's dot folder holds its configuration too: the folder below it that the call
    // was in (`~/.gradle/workers`), or the dot folder itself for a file directly in it.
    if let Ok(rest) = path.strip_prefix(&home) {
        let mut parts = rest.components();
        if let Some(first) = parts.next() {
            let first = first.as_os_str().to_string_lossy();
            if first.starts_with('.') && first != ".local" {
                let tool = home.join(&*first);
                return Ok(match (parts.next(), parts.next()) {
                    (Some(sub), Some(_)) => tool.join(sub),
                    (Some(sub), None) if !names_a_file(&tool.join(sub), seen) => tool.join(sub),
                    _ => tool,
                });
            }
        }
    }
    // A folder the call made or named, or the folder of a file.
    let folder = if names_a_file(path, seen) {
        path.parent().unwrap_or(path).to_path_buf()
    } else {
        path.to_path_buf()
    };
    if folder.components().count() <= 2 || home.starts_with(&folder) {
        return Err(format!(
            "{} is too wide to make writable",
            ctx.tilde(&folder)
        ));
    }
    Ok(folder)
}

/// Whether the refused path is a file (its folder is the entry) or a folder.
fn names_a_file(path: &Path, seen: &Seen) -> bool {
    match seen.op.as_deref() {
        Some("mkdir" | "mkdirat" | "rmdir") => false,
        Some(
            "open" | "openat" | "openat2" | "creat" | "truncate" | "unlink" | "symlink"
            | "symlinkat" | "link" | "linkat" | "rename" | "renameat" | "renameat2",
        ) if Some(path) == Some(Path::new(&seen.target)) => true,
        _ => {
            if path.exists() {
                !path.is_dir()
            } else {
                crate::sandbox::preflight::names_a_file(path)
            }
        }
    }
}

/// The `source` of the catalog entry that gives `spelled` in `list`: the base fragment's,
/// or that of a fragment the policy records as giving it.
fn source_of(ctx: &MapContext<'_>, list: List, spelled: &str) -> Option<String> {
    if let Some(r) = ctx
        .base
        .iter()
        .find(|r| r.list == list && r.value == spelled)
    {
        return Some(r.source.clone());
    }
    let record = ctx.settings.record.as_ref()?;
    let name = record
        .fragments
        .iter()
        .find(|(_, r)| {
            r.entries
                .get(list.key())
                .is_some_and(|e| e.contains(spelled))
        })
        .map(|(n, _)| n.clone())?;
    let source = ctx
        .candidates
        .iter()
        .filter(|(f, _)| f.name == name)
        .flat_map(|(_, e)| e.iter())
        .find(|r| r.list == list && r.value == spelled)
        .map(|r| r.source.clone());
    Some(match source {
        Some(s) => format!("{s} (fragment `{name}`)"),
        None => format!("fragment `{name}`"),
    })
}
