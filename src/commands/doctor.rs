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

pub fn doctor(cwd: &Path, env: &Env, opts: &DoctorOptions) -> Result<u8, Error> {
    let checks = checks(cwd, env, opts);
    if opts.json {
        let ok = !checks.iter().any(|c| c.status == Status::Fail);
        let v = serde_json::json!({ "ok": ok, "checks": checks });
        println!("{}", serde_json::to_string_pretty(&v).expect("json"));
    } else {
        print!("{}", render(&checks));
    }
    let failed = checks.iter().filter(|c| c.status == Status::Fail).count();
    if failed > 0 {
        return Err(Error::Findings(format!(
            "{failed} check{} failed; the fix is under each",
            if failed == 1 { "" } else { "s" }
        )));
    }
    Ok(0)
}

pub fn render(checks: &[Check]) -> String {
    let mut s = String::new();
    for c in checks {
        let tag = match c.status {
            Status::Ok => "ok  ",
            Status::Warn => "warn",
            Status::Fail => "FAIL",
            Status::Skip => "skip",
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
        Err(e) => fail(
            "srt",
            "not found",
            e.to_string()
                .split_once("; ")
                .map_or(e.to_string(), |x| x.1.to_string()),
        ),
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
