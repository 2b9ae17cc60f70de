//! `serve --config <file>`: the same options as the command line, in a
//! TOML file, one key per flag without its dashes (`listen =
//! "0.0.0.0:8080"`, `secure-cookies = true`, `max-body-bytes = 8388608`,
//! `metrics-token-file = "/etc/trygghetslogg/metrics-token"`). The file's
//! options are put right after `serve`, before those typed on the command
//! line, which therefore win (`args_override_self`); clap checks them as it
//! checks typed ones, so an unknown key is the same clear error as an
//! unknown flag. Written here rather than with a configuration crate: it
//! is a dozen lines over `toml`, and every option keeps exactly one
//! definition, clap's.

use std::ffi::OsString;

use anyhow::{bail, Context};

/// The command line with a `--config` file's options put after `serve`.
pub fn expand(args: Vec<OsString>) -> anyhow::Result<Vec<OsString>> {
    let Some(path) = config_path(&args) else {
        return Ok(args);
    };
    let text = std::fs::read_to_string(&path)
        .with_context(|| format!("reading the configuration file {}", path.display()))?;
    let table: toml::Table = text
        .parse()
        .with_context(|| format!("reading {} as TOML", path.display()))?;
    let mut from_file = Vec::new();
    for (key, value) in table {
        let flag = OsString::from(format!("--{key}"));
        match value {
            toml::Value::Boolean(true) => from_file.push(flag),
            toml::Value::Boolean(false) => {}
            toml::Value::Array(items) => {
                for item in items {
                    from_file.push(flag.clone());
                    from_file.push(scalar(&key, item)?);
                }
            }
            other => {
                from_file.push(flag);
                from_file.push(scalar(&key, other)?);
            }
        }
    }
    let Some(serve) = args.iter().position(|a| a == "serve") else {
        bail!("--config is an option of serve");
    };
    let mut out = args;
    out.splice(serve + 1..serve + 1, from_file);
    Ok(out)
}

fn scalar(key: &str, value: toml::Value) -> anyhow::Result<OsString> {
    Ok(OsString::from(match value {
        toml::Value::String(s) => s,
        toml::Value::Integer(i) => i.to_string(),
        toml::Value::Float(f) => f.to_string(),
        other => bail!("{key}: a text, a number or true/false, not {other}"),
    }))
}

fn config_path(args: &[OsString]) -> Option<std::path::PathBuf> {
    let mut iter = args.iter();
    while let Some(a) = iter.next() {
        let a = a.to_string_lossy();
        if a == "--config" {
            return iter.next().map(std::path::PathBuf::from);
        }
        if let Some(p) = a.strip_prefix("--config=") {
            return Some(p.into());
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_files_options_go_before_the_typed_ones() {
        let dir = tempfile::tempdir().expect("a temporary directory");
        let file = dir.path().join("server.toml");
        std::fs::write(
            &file,
            "listen = \"0.0.0.0:9000\"\nsecure-cookies = true\ndemo = false\nmax-body-bytes = 1024\n",
        )
        .expect("write");
        let args: Vec<OsString> = [
            "s",
            "serve",
            "--config",
            file.to_str().unwrap_or(""),
            "--listen",
            "127.0.0.1:1",
        ]
        .into_iter()
        .map(OsString::from)
        .collect();
        let out: Vec<String> = expand(args)
            .expect("expanded")
            .into_iter()
            .map(|a| a.to_string_lossy().into_owned())
            .collect();
        assert_eq!(&out[..2], ["s", "serve"]);
        let typed = out.iter().rposition(|a| a == "--listen").expect("typed");
        let filed = out
            .iter()
            .position(|a| a == "--listen")
            .expect("from the file");
        assert!(filed < typed, "the typed one comes last and wins: {out:?}");
        assert!(out.contains(&"--secure-cookies".to_string()));
        assert!(!out.contains(&"--demo".to_string()));
        assert!(out.windows(2).any(|w| w == ["--max-body-bytes", "1024"]));
    }

    #[test]
    fn the_example_configuration_is_one_the_server_takes() {
        use clap::Parser as _;
        let example = concat!(env!("CARGO_MANIFEST_DIR"), "/../deploy/server.toml");
        let args = ["trygghetslogg-server", "serve", "--config", example].map(OsString::from);
        let expanded = expand(args.to_vec()).expect("the example reads");
        assert!(
            super::super::Cli::try_parse_from(expanded).is_ok(),
            "deploy/server.toml names only the server's options"
        );
    }
}
