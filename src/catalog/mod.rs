//! The catalog, the second stage: ecosystem and preset fragments, embedded from
//! `ecosystems/` and `presets/` at build time, plus the user's own fragment files, each parsed
//! into one typed shape; and the agent's command line with the MCP servers they define.

pub mod agent;
pub mod fragment;

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

    /// Built-ins plus the fragment files of the user (`$XDG_CONFIG_HOME/srt-gen/fragments`)
    /// and of the project (`.srt-gen/fragments`). A user file may not take a built-in's name:
    /// a repository must not be able to redefine what `rust` means.
    pub fn load(project: &Path, env: &Env) -> Result<Catalog, Error> {
        let mut catalog = Catalog::builtin()?;
        let dirs = [
            env.config_dir().join("srt-gen").join("fragments"),
            project.join(".srt-gen").join("fragments"),
        ];
        for dir in dirs {
            for file in toml_files(&dir)? {
                let text = std::fs::read_to_string(&file).map_err(|e| {
                    Error::io(format!("cannot read fragment {}", file.display()), e)
                })?;
                let frag = parse_fragment(&text, &file.display().to_string())?;
                if frag.kind == Kind::Base {
                    return Err(Error::Catalog {
                        file: file.display().to_string(),
                        message: "a user fragment cannot be of kind \"base\"".into(),
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

fn toml_files(dir: &Path) -> Result<Vec<PathBuf>, Error> {
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
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "toml") && p.is_file())
        .collect();
    files.sort();
    Ok(files)
}
