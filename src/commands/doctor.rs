//! `srt-gen doctor`: is this machine, and this project's policy, ready for `srt-gen run`?
//! One line per check; each failing check says its fix.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use serde::Serialize;

use crate::catalog::List;
use crate::detect::project::{Chosen, Found, Project, SETTINGS_FILE};
use crate::env::{Env, Os};
use crate::error::Error;
use crate::sandbox::plan;
use crate::sandbox::preflight::{self, WritePath};
use crate::sandbox::srt;
use crate::ui;

#[derive(Debug, Clone, Default)]
pub struct DoctorOptions {
    pub json: bool,
    pub srt: Option<PathBuf>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    Ok,
    /// Worth knowing, not a failure.
    Warn,
    Fail,
    /// Not applicable here (another platform, no project).
    Skip,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Check {
    pub name: &'static str,
    pub status: Status,
    pub detail: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fix: Option<String>,
}

fn check(name: &'static str, status: Status, detail: impl Into<String>) -> Check {
    Check {
        name,
        status,
        detail: detail.into(),
        fix: None,
    }
}

fn fail(name: &'static str, detail: impl Into<String>, fix: impl Into<String>) -> Check {
    Check {
        name,
        status: Status::Fail,
        detail: detail.into(),
        fix: Some(fix.into()),
    }
}

/// `doctor --json`.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct DoctorReport {
    /// No check failed.
    pub ok: bool,
    pub checks: Vec<Check>,
}

/// `srt-gen doctor`: exit 1 when a check failed (the checks say why and how to fix it).
pub fn doctor(cwd: &Path, env: &Env, opts: &DoctorOptions) -> Result<u8, Error> {
    let checks = checks(cwd, env, opts);
    let failed = checks.iter().filter(|c| c.status == Status::Fail).count();
    if opts.json {
        ui::json::print(
            "doctor",
            &DoctorReport {
                ok: failed == 0,
                checks,
            },
        );
    } else {
        ui::out(&render(&checks));
    }
    if failed > 0 {
        ui::always(&format!(
            "{} {}; the fix is under each\n",
            ui::style::error_label(),
            if failed == 1 {
                "1 check failed".to_string()
            } else {
                format!("{failed} checks failed")
            }
        ));
        return Ok(1);
    }
    Ok(0)
}

pub fn render(checks: &[Check]) -> String {
    let mut s = String::new();
    for c in checks {
        let tag = match c.status {
            Status::Ok => ui::style::paint(ui::style::GOOD, "ok  "),
            Status::Warn => ui::style::paint(ui::style::WARNING, "warn"),
            Status::Fail => ui::style::paint(ui::style::ERROR, "FAIL"),
            Status::Skip => ui::style::paint(ui::style::DIM, "skip"),
        };
        s.push_str(&format!("{tag}  {:<11} {}\n", c.name, c.detail));
        if let Some(fix) = &c.fix {
            s.push_str(&format!("      {:<11} fix: {fix}\n", ""));
        }
    }
    s
}

pub fn checks(cwd: &Path, env: &Env, opts: &DoctorOptions) -> Vec<Check> {
    let mut out = Vec::new();
    let found = Project::find_root(cwd, env);
    let project = found
        .as_ref()
        .ok()
        .filter(|f| f.has_policy)
        .map(|f| f.project.clone());
    let os = Os::current();
    out.push(match os {
        Some(o) => check("platform", Status::Ok, o.name()),
        None => fail(
            "platform",
            std::env::consts::OS,
            "srt runs on Linux (bubblewrap) and macOS (sandbox-exec) only",
        ),
    });

    let srt = srt::find_srt(
        opts.srt.as_deref(),
        env,
        cwd,
        project.as_ref().map(|p| p.root.as_path()),
    );
    out.push(match &srt {
        Ok(s) => match first_line(&s.path, &["--version"]) {
            Ok(v) => check(
                "srt",
                Status::Ok,
                format!("{} (from {}), version {v}", s.path.display(), s.how),
            ),
            Err(e) => fail(
                "srt",
                format!("{} does not run: {e}", s.path.display()),
                format!("reinstall it: `{}`", srt::INSTALL_SRT),
            ),
        },
        Err(e) => {
            let (what, tip) = e.parts();
            fail("srt", "not found", tip.unwrap_or(what))
        }
    });

    // srt from npm is a Node script; a bundled srt does not need Node.
    out.push(match &srt {
        Ok(s) if !srt::needs_node(&s.path) => check(
            "node",
            Status::Skip,
            format!("{} does not run on Node", s.path.display()),
        ),
        _ => node_check(env),
    });

    if env.os == Os::Linux {
        let mut bwrap = None;
        for (tool, package) in srt::LINUX_TOOLS {
            out.push(match srt::which(tool, env) {
                Some(p) => {
                    if tool == "bwrap" {
                        bwrap = Some(p.clone());
                    }
                    check(tool, Status::Ok, p.display().to_string())
                }
                None => fail(
                    tool,
                    "not found on PATH",
                    format!("`sudo apt-get install -y {package}` (Debian, Ubuntu)"),
                ),
            });
        }
        out.push(match bwrap {
            None => check("userns", Status::Skip, "needs bwrap"),
            Some(b) => userns_check(&b),
        });
        out.push(strace_check(env));
    }

    out.extend(project_checks(&found));
    match &project {
        None => out.push(check(
            "config",
            Status::Skip,
            format!(
                "no {SETTINGS_FILE} in {} or above in this project (run `srt-gen init` in a project)",
                cwd.display()
            ),
        )),
        Some(p) => match crate::policy::load::load_policy(p, env, false) {
            Err(e) => out.push(fail(
                "config",
                e.to_string(),
                format!(
                    "edit {} (or run `srt-gen init` to rewrite srt-gen's entries)",
                    p.settings.display()
                ),
            )),
            Ok(settings) => {
                out.push(check(
                    "config",
                    Status::Ok,
                    format!("{} is valid", p.settings.display()),
                ));
                // What a run would hand srt: the paths to check are that policy's.
                match run_policy(p, &settings, env) {
                    Err(e) => out.push(fail(
                        "run-policy",
                        e.to_string(),
                        format!("fix what it names, or run `{}`", plan::REFRESH),
                    )),
                    Ok(policy) => {
                        out.push(run_policy_check(&policy));
                        out.push(write_paths_check(p, &policy.settings, env));
                        out.push(tmp_check(p, &policy.settings, env));
                    }
                }
                out.extend(agent_checks(p, &settings, env));
                out.extend(just_check(p, env));
            }
        },
    }
    out
}

/// Which policy a run started here uses, and every policy or justfile on the way up that
/// it passes over (a sandboxed run could have written them), each with why.
fn project_checks(found: &Result<Found, Error>) -> Vec<Check> {
    let f = match found {
        Err(e) => {
            return vec![fail(
                "project",
                e.to_string(),
                "fix the file named (srt-gen reads the root's policy to find its subprojects)",
            )]
        }
        Ok(f) if !f.has_policy => return Vec::new(),
        Ok(f) => f,
    };
    let how = match &f.chosen {
        Chosen::Subproject { root } => {
            format!(
                "a subproject declared by {}",
                root.join(SETTINGS_FILE).display()
            )
        }
        _ => "the outermost policy in this project".to_string(),
    };
    let mut out = vec![check(
        "project",
        Status::Ok,
        format!("{} ({how})", f.project.root.display()),
    )];
    for i in &f.ignored {
        out.push(Check {
            name: "project",
            status: Status::Warn,
            detail: format!("{} is not used: {}", i.path.display(), i.reason),
            fix: Some(format!(
                "if you did not write it, delete it: {}",
                i.path.display()
            )),
        });
    }
    out
}

fn warn(name: &'static str, detail: impl Into<String>, fix: impl Into<String>) -> Check {
    Check {
        name,
        status: Status::Warn,
        detail: detail.into(),
        fix: Some(fix.into()),
    }
}

/// The project's agent: its program, where its API is, and how its key gets in.
fn agent_checks(
    p: &Project,
    settings: &crate::policy::settings::Settings,
    env: &Env,
) -> Vec<Check> {
    use crate::catalog::agent::{self, endpoint, Auth};
    let catalog = match crate::catalog::Catalog::load(&p.root, env) {
        Ok(c) => c,
        Err(e) => {
            return vec![fail(
                "agent",
                e.to_string(),
                "fix the fragment file it names",
            )]
        }
    };
    let frag = match agent::chosen(&catalog, settings.agent_name()) {
        Ok(f) => f,
        Err(e) => {
            return vec![fail(
                "agent",
                e.to_string(),
                "`srt-gen init --agent NAME` with one of the names above",
            )]
        }
    };
    let spec = frag
        .agent
        .as_ref()
        .expect("an agent fragment has its table");
    let mut out = Vec::new();
    let root = if crate::sandbox::is_root() {
        "; as root, srt-gen sets IS_SANDBOX=1 inside (Claude Code requires it for --dangerously-skip-permissions)"
    } else {
        ""
    };
    out.push(match srt::which(&spec.program, env) {
        None => warn(
            "agent",
            format!(
                "{} is not on PATH: the recipes and `srt-gen run -p` start it",
                spec.program
            ),
            format!("`{}`", spec.install),
        ),
        Some(path) => match first_line(&path, &["--version"]) {
            Ok(v) => check(
                "agent",
                Status::Ok,
                format!("{v} ({}){root}", path.display()),
            ),
            Err(e) => fail(
                "agent",
                format!("{} does not run: {e}", path.display()),
                format!("reinstall it: `{}`", spec.install),
            ),
        },
    });
    match endpoint::resolve(spec, env) {
        Err(e) => out.push(fail(
            "agent-api",
            e.to_string(),
            "fix or unset the variable it names",
        )),
        Ok(ep) => {
            out.push(check("agent-api", Status::Ok, ep.label()));
            let plain = if ep.plaintext {
                "; the endpoint is plain HTTP, so srt puts the real value in without TLS (allowPlaintextInject)"
            } else {
                ""
            };
            out.push(match agent::auth(spec, &ep, env) {
                Auth::Keys(keys) => check(
                    "agent-key",
                    Status::Ok,
                    format!(
                        "{} masked: the sandbox sees a stand-in, srt's proxy puts the real value on requests to {} only{plain}",
                        keys.join(", "),
                        ep.inject_hosts().join(", ")
                    ),
                ),
                Auth::Login(file) => check(
                    "agent-key",
                    Status::Ok,
                    format!(
                        "subscription login {} masked (a read-only copy with stand-in tokens; a refresh inside is not saved){plain}",
                        env.tilde(&file)
                    ),
                ),
                Auth::None => warn(
                    "agent-key",
                    format!("no key ({}) and no login for {}", spec.keys.join(", "), frag.name),
                    format!("set one of {} in the environment srt-gen runs in", spec.keys.join(", ")),
                ),
            });
        }
    }
    out
}

/// `just`, when the project's justfile holds srt-gen's recipes.
fn just_check(p: &Project, env: &Env) -> Option<Check> {
    let text = crate::files::read_text(&p.justfile).ok().flatten()?;
    if !crate::output::justfile::has_block(&text) {
        return None;
    }
    const INSTALL: &str = "install just: `cargo install just`, `pipx install rust-just`, or your package manager (`apt-get install just` on Debian 13+)";
    Some(match srt::which("just", env) {
        None => fail(
            "just",
            format!(
                "not found on PATH; {} has srt-gen's recipes",
                p.justfile.display()
            ),
            INSTALL,
        ),
        Some(path) => match first_line(&path, &["--version"]) {
            Ok(v) => check("just", Status::Ok, format!("{v} ({})", path.display())),
            Err(e) => fail(
                "just",
                format!("{} does not run: {e}", path.display()),
                INSTALL,
            ),
        },
    })
}

/// The run policy `srt-gen run` would build here (for the agent, as the recipes start it).
fn run_policy(
    p: &Project,
    settings: &crate::policy::settings::Settings,
    env: &Env,
) -> Result<plan::RunPolicy, Error> {
    let catalog = crate::catalog::Catalog::load(&p.root, env)?;
    plan::build(
        &plan::Context {
            project: p,
            committed: settings,
            catalog: &catalog,
            env,
            state: crate::sandbox::state::StateDirs::for_env(env),
            agent: true,
        },
        false,
    )
}

/// Whether `.srt.json` still fits this machine, and what a run changes in it.
fn run_policy_check(policy: &plan::RunPolicy) -> Check {
    if policy.drift.is_empty() {
        let notes = policy.notes.len();
        return check(
            "run-policy",
            Status::Ok,
            if notes == 0 {
                "the policy fits this machine".to_string()
            } else {
                format!(
                    "the policy fits this machine; a run changes {notes} thing{} (`srt-gen run --dry-run` lists them)",
                    if notes == 1 { "" } else { "s" }
                )
            },
        );
    }
    let what: Vec<String> = policy.drift.iter().map(plan::Drift::describe).collect();
    Check {
        name: "run-policy",
        status: Status::Warn,
        detail: format!(
            "the policy was written for another environment (runs use this machine's paths): {}",
            what.join("; ")
        ),
        fix: Some(format!(
            "`{}` writes this machine's paths into the file",
            plan::REFRESH
        )),
    }
}

fn node_check(env: &Env) -> Check {
    let Some(node) = srt::which("node", env) else {
        return fail(
            "node",
            "not found on PATH",
            "install Node.js 22.12 or later (srt's own requirement; 20 has been seen to work) from nodejs.org or your package manager",
        );
    };
    match first_line(&node, &["--version"]) {
        Err(e) => fail(
            "node",
            format!("{} does not run: {e}", node.display()),
            "reinstall Node.js",
        ),
        Ok(v) => {
            let nums: Vec<u32> = v
                .trim_start_matches('v')
                .split('.')
                .map(|x| x.parse().unwrap_or(0))
                .collect();
            let ver = (
                nums.first().copied().unwrap_or(0),
                nums.get(1).copied().unwrap_or(0),
            );
            if ver < (20, 0) {
                fail(
                    "node",
                    format!("{v} is too old for srt"),
                    "install Node.js 22.12 or later",
                )
            } else if ver < (22, 12) {
                check(
                    "node",
                    Status::Warn,
                    format!("{v}: srt asks for 22.12 or later; 20 has been seen to work"),
                )
            } else {
                check("node", Status::Ok, v)
            }
        }
    }
}

/// strace lets `learn` see what the sandbox refused from outside it; without it, learn
/// reads the command's messages (a guess). Not a failure: `run` does not need it.
fn strace_check(env: &Env) -> Check {
    match crate::sandbox::trace::check(env) {
        Ok((path, version)) => check(
            "strace",
            Status::Ok,
            format!(
                "{} ({}): `learn` traces what the sandbox refuses",
                path.display(),
                version.trim()
            ),
        ),
        Err(why) => Check {
            name: "strace",
            status: Status::Warn,
            detail: format!("{why}: `learn` can only guess from the command's messages"),
            fix: Some(
                if why == "not installed" || why.starts_with("SRT_GEN_STRACE") {
                    "`sudo apt-get install -y strace` (Debian, Ubuntu)".into()
                } else {
                    "allow ptrace here (a container needs CAP_SYS_PTRACE or a seccomp profile that permits it)".into()
                },
            ),
        },
    }
}

/// A real trial: bwrap with the namespaces srt asks for, running `true`.
fn userns_check(bwrap: &Path) -> Check {
    let out = Command::new(bwrap)
        .args([
            "--new-session",
            "--die-with-parent",
            "--unshare-user",
            "--unshare-pid",
            "--unshare-net",
            "--ro-bind",
            "/",
            "/",
            "--dev",
            "/dev",
            "--proc",
            "/proc",
            "--",
            "true",
        ])
        .stdin(Stdio::null())
        .output();
    match out {
        Ok(o) if o.status.success() => check(
            "userns",
            Status::Ok,
            "bwrap can create user, PID and network namespaces",
        ),
        Ok(o) => fail(
            "userns",
            format!(
                "bwrap cannot create namespaces: {}",
                String::from_utf8_lossy(&o.stderr).lines().next().unwrap_or("").trim()
            ),
            "allow unprivileged user namespaces (Ubuntu 23.10+: `sudo sysctl kernel.apparmor_restrict_unprivileged_userns=0`; \
             Debian: `sudo sysctl kernel.unprivileged_userns_clone=1`); in a container, give it the privilege or set \
             `enableWeakerNestedSandbox` in the policy",
        ),
        Err(e) => fail(
            "userns",
            format!("cannot run {}: {e}", bwrap.display()),
            "reinstall bubblewrap",
        ),
    }
}

fn write_paths_check(
    p: &Project,
    settings: &crate::policy::settings::Settings,
    env: &Env,
) -> Check {
    let mut create = Vec::new();
    let mut files = Vec::new();
    let mut elsewhere = Vec::new();
    let entries = settings.strings(List::AllowWrite);
    for entry in &entries {
        match preflight::classify_write(entry, &p.root, env) {
            WritePath::Present(_) => {}
            WritePath::Create(_) => create.push(*entry),
            WritePath::Skip {
                why,
                expected: true,
                ..
            } => files.push(format!("{entry}: {why}")),
            WritePath::Skip { path, .. } => elsewhere.push(path),
        }
    }
    if !elsewhere.is_empty() {
        let list: Vec<String> = elsewhere.iter().map(|p| p.display().to_string()).collect();
        return fail(
            "write-paths",
            format!(
                "absent, and srt-gen creates nothing there (srt skips them): {}",
                list.join(", ")
            ),
            format!(
                "create them (`mkdir -p {}`) or remove them from filesystem.allowWrite",
                list.join(" ")
            ),
        );
    }
    let mut notes = Vec::new();
    if !create.is_empty() {
        notes.push(format!(
            "absent, `srt-gen run` creates them: {}",
            create.join(", ")
        ));
    }
    if !files.is_empty() {
        notes.push(format!("left as they are: {}", files.join("; ")));
    }
    if notes.is_empty() {
        check(
            "write-paths",
            Status::Ok,
            format!("all {} present", entries.len()),
        )
    } else {
        check("write-paths", Status::Warn, notes.join("; "))
    }
}

fn tmp_check(p: &Project, settings: &crate::policy::settings::Settings, env: &Env) -> Check {
    let tmp = p.root.join(preflight::TMP_DIR);
    if !preflight::tmp_writable(&p.root, settings, env) {
        return fail(
            "tmp",
            format!(
                "./{} (the sandbox's TMPDIR) is not writable under the policy",
                preflight::TMP_DIR
            ),
            format!(
                "add \"./{}\" to filesystem.allowWrite in {}",
                preflight::TMP_DIR,
                p.settings.display()
            ),
        );
    }
    if tmp.is_dir() {
        check(
            "tmp",
            Status::Ok,
            format!("{} (TMPDIR inside)", tmp.display()),
        )
    } else {
        check(
            "tmp",
            Status::Warn,
            format!("{} is absent; `srt-gen run` creates it", tmp.display()),
        )
    }
}

/// The first line a program prints (stdout, else stderr) when run with `args`.
fn first_line(program: &Path, args: &[&str]) -> Result<String, String> {
    let o = Command::new(program)
        .args(args)
        .stdin(Stdio::null())
        .output()
        .map_err(|e| e.to_string())?;
    let text = if o.stdout.is_empty() {
        &o.stderr
    } else {
        &o.stdout
    };
    let line = String::from_utf8_lossy(text)
        .lines()
        .next()
        .unwrap_or("")
        .trim()
        .to_string();
    if o.status.success() {
        Ok(line)
    } else {
        Err(format!("exit {}: {line}", o.status.code().unwrap_or(-1)))
    }
}
