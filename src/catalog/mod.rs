//! The catalog, the second stage: ecosystem and preset fragments, embedded from
//! `ecosystems/` and `presets/` at build time, plus the user's own fragment files, each parsed
//! into one typed shape; and the agent's command line with the MCP servers they define.

pub mod agent;
pub mod fragment;
pub mod secrets;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use crate::detect::{MarkerSet, Markers};
use crate::env::Env;
use crate::error::Error;

pub use fragment::{
    parse_fragment, ConfigEntry, ConfigFormat, Fragment, HostEntry, InsideEntry, Kind, List,
    PathEntry, Resolved,
};

/// Every built-in catalog file, as `(relative path, text)`; the list is written by build.rs.
const BUILTIN: &[(&str, &str)] = include!(concat!(env!("OUT_DIR"), "/catalog_files.rs"));

/// All fragments known to this run: built-ins first, then the user's.
#[derive(Debug, Clone)]
pub struct Catalog {
    pub fragments: Vec<Fragment>,
}

impl Catalog {
    /// The built-in catalog only.
    pub fn builtin() -> Result<Catalog, Error> {
        let mut fragments = Vec::with_capacity(BUILTIN.len());
        for (origin, text) in BUILTIN {
            fragments.push(parse_fragment(text, origin)?);
        }
        let catalog = Catalog { fragments };
        catalog.check_names()?;
        Ok(catalog)
    }

    /// The built-in catalog, parsed once per process (for readers that need no user
    /// fragment: the linter's floor).
    pub fn builtin_ref() -> &'static Catalog {
        static BUILTIN_CATALOG: std::sync::OnceLock<Catalog> = std::sync::OnceLock::new();
        BUILTIN_CATALOG
            .get_or_init(|| Catalog::builtin().expect("the built-in catalog parses (tested)"))
    }

    /// Built-ins plus the fragment files of the user (`$XDG_CONFIG_HOME/srt-gen/fragments`)
    /// and of the project (`.srt-gen/fragments`). A user file may not take a built-in's name:
    /// a repository must not be able to redefine what `rust` means.
    pub fn load(project: &Path, env: &Env) -> Result<Catalog, Error> {
        let mut catalog = Catalog::builtin()?;
        // The user's own folder may hold links (dotfile managers make them); the
        // project's is the repository's, where a link could lead anywhere: refused.
        let dirs = [
            (env.config_dir().join("srt-gen").join("fragments"), true),
            (project.join(".srt-gen").join("fragments"), false),
        ];
        for (dir, follow) in dirs {
            for file in toml_files(&dir, follow)? {
                let text = read_fragment(&file, follow)?;
                let frag = parse_fragment(&text, &file.display().to_string())?;
                if frag.kind == Kind::Base || frag.default {
                    return Err(Error::Catalog {
                        file: file.display().to_string(),
                        message: "a user fragment cannot be of kind \"base\" or applied by default (`default = true`): only the built-in catalog decides what every project gets".into(),
                    });
                }
                // Which of the user's own files the sandbox may read, copied or masked,
                // is the built-in catalog's call: a repository's fragment naming
                // `~/.git-credentials` with a mask that matches one letter would otherwise
                // trade the floor's deny for a nearly clear file.
                // An agent fragment sets srt's own environment, seeds files from the home
                // and names the keys srt puts on its endpoint: a repository's must not.
                if !follow && frag.kind == Kind::Agent {
                    return Err(Error::Catalog {
                        file: file.display().to_string(),
                        message: "a project fragment cannot be of kind \"agent\": an agent's fragment sets srt's environment, copies files from your home and chooses where your keys go; put it in your own fragments folder (`$XDG_CONFIG_HOME/srt-gen/fragments`) instead".into(),
                    });
                }
                if !frag.config.is_empty() {
                    return Err(Error::Catalog {
                        file: file.display().to_string(),
                        message: "a user fragment cannot have [[config]] entries: only the built-in catalog decides which of your files the sandbox reads (copied or masked) in place of a deny".into(),
                    });
                }
                catalog.fragments.push(frag);
            }
        }
        catalog.check_names()?;
        Ok(catalog)
    }

    fn check_names(&self) -> Result<(), Error> {
        let mut seen: BTreeMap<String, &str> = BTreeMap::new();
        for f in &self.fragments {
            for n in std::iter::once(&f.name).chain(&f.aliases) {
                if let Some(prev) = seen.insert(n.to_ascii_lowercase(), &f.origin) {
                    return Err(Error::Catalog {
                        file: f.origin.clone(),
                        message: format!("the name `{n}` is already used by {prev}"),
                    });
                }
            }
        }
        Ok(())
    }

    pub fn get(&self, name: &str) -> Option<&Fragment> {
        self.fragments.iter().find(|f| f.answers_to(name))
    }

    /// Catalog names closest to a misspelt one, best first.
    pub fn closest(&self, name: &str) -> Vec<String> {
        let name = name.to_ascii_lowercase();
        let mut scored: Vec<(f64, &str)> = self
            .fragments
            .iter()
            .filter(|f| f.kind != Kind::Base)
            .flat_map(|f| {
                std::iter::once(&f.name)
                    .chain(&f.aliases)
                    .map(move |n| (n, f))
            })
            .map(|(n, f)| {
                let s = strsim::jaro_winkler(&name, &n.to_ascii_lowercase());
                let s = if n.contains(&name) || name.contains(n.as_str()) {
                    s.max(0.85)
                } else {
                    s
                };
                (s, f.name.as_str())
            })
            .filter(|(s, _)| *s >= 0.8)
            .collect();
        scored.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(b.1)));
        // Only the names about as close as the closest one: a clear best match alone.
        let best = scored.first().map_or(0.0, |s| s.0);
        let mut out: Vec<String> = Vec::new();
        for (_, n) in scored.into_iter().filter(|(s, _)| *s >= best - 0.04) {
            if !out.iter().any(|o| o == n) {
                out.push(n.to_string());
            }
        }
        out.truncate(3);
        out
    }

    /// What detection matches: the markers of every fragment that can be detected (never
    /// base or the agent), and the folders the walk skips.
    pub fn markers(&self) -> Markers<'_> {
        let sets = self
            .fragments
            .iter()
            .filter(|f| {
                matches!(
                    f.kind,
                    Kind::Language | Kind::Tool | Kind::Preset | Kind::Mcp
                )
            })
            .map(|f| MarkerSet {
                name: &f.name,
                rules: &f.detect,
                replaces: &f.replaces,
            })
            .collect();
        Markers {
            sets,
            skip_dirs: self.skip_dirs(),
            fixture_dirs: self.fixture_dirs(),
            side_dirs: self
                .fragments
                .iter()
                .flat_map(|f| f.detect.side_dirs.iter().map(|d| d.name.as_str()))
                .collect(),
            origins: self
                .fragments
                .iter()
                .flat_map(|f| &f.detect.origins)
                .collect(),
        }
    }

    /// Test-fixture and sample folder names the walk never enters (union over the
    /// catalog; the list and its evidence are in base.toml).
    pub fn fixture_dirs(&self) -> Vec<&str> {
        let mut dirs: Vec<&str> = self
            .fragments
            .iter()
            .flat_map(|f| f.detect.fixture_dirs.iter().map(|d| d.name.as_str()))
            .collect();
        dirs.sort_unstable();
        dirs.dedup();
        dirs
    }

    /// Directory names the project walk never enters (union over the catalog).
    pub fn skip_dirs(&self) -> Vec<&str> {
        let mut dirs: Vec<&str> = self
            .fragments
            .iter()
            .flat_map(|f| f.detect.skip_dirs.iter().map(String::as_str))
            .collect();
        dirs.sort_unstable();
        dirs.dedup();
        dirs
    }
}

/// The `*.toml` files of a fragment folder. With `follow` false (the project's folder),
/// the folder itself must not be a link, and a link inside is listed, to be refused by
/// [`read_fragment`] with its name.
fn toml_files(dir: &Path, follow: bool) -> Result<Vec<PathBuf>, Error> {
    if !follow && std::fs::symlink_metadata(dir).is_ok_and(|m| m.file_type().is_symlink()) {
        return Err(Error::Catalog {
            file: dir.display().to_string(),
            message: "is a symbolic link; srt-gen reads a project's fragments only from the project itself".into(),
        });
    }
    // An empty file there is the mount point srt puts over an absent protected folder
    // while a sandbox runs: no fragments.
    if std::fs::symlink_metadata(dir).is_ok_and(|m| m.is_file() && m.len() == 0) {
        return Ok(Vec::new());
    }
    let entries = match std::fs::read_dir(dir) {
        Ok(e) => e,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        // While another sandboxed run is active, an absent write-protected folder is an
        // empty file: the placeholder srt-gen (or srt) mounts over it. No fragments there.
        Err(e)
            if e.kind() == std::io::ErrorKind::NotADirectory
                && std::fs::symlink_metadata(dir).is_ok_and(|m| m.is_file() && m.len() == 0) =>
        {
            return Ok(Vec::new())
        }
        Err(e) => return Err(Error::io(format!("cannot list {}", dir.display()), e)),
    };
    let mut files: Vec<PathBuf> = entries
        .filter_map(Result::ok)
        .filter(|e| {
            let ft = e.file_type().ok();
            follow || ft.is_some_and(|t| !t.is_dir())
        })
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "toml") && (!follow || p.is_file()))
        .collect();
    files.sort();
    Ok(files)
}

/// One fragment file's text, read bounded and never blocking: a FIFO, a device, a file
/// past [`crate::files::MAX_OWN_FILE`] (and, in the project's folder, a link) is an error
/// naming the file.
fn read_fragment(file: &Path, follow: bool) -> Result<String, Error> {
    use crate::files::{read_bounded, read_bounded_following, Bounded, MAX_OWN_FILE};
    let read = if follow {
        read_bounded_following(file, MAX_OWN_FILE)
    } else {
        read_bounded(file, MAX_OWN_FILE)
    };
    let bad = |message: String| Error::Catalog {
        file: file.display().to_string(),
        message,
    };
    match read.map_err(|e| Error::io(format!("cannot read fragment {}", file.display()), e))? {
        Bounded::Bytes(b) => String::from_utf8(b).map_err(|e| bad(crate::error::not_utf8(&e))),
        Bounded::Absent => Err(bad("vanished while srt-gen read it".into())),
        Bounded::NotRegular(what) => Err(bad(format!(
            "is {what}; a fragment must be a regular file{}",
            if follow {
                ""
            } else {
                " inside the project (srt-gen follows no link there)"
            }
        ))),
        Bounded::TooLarge(n) => Err(bad(format!(
            "is {} MiB, larger than any fragment; srt-gen leaves it alone",
            n / (1024 * 1024)
        ))),
    }
}
