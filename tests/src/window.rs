//! Driving the real app window as a person would: an X server of its own
//! (Xvfb), the app binary in it, the real pointer and keyboard through
//! `xdotool`, and screenshots with ImageMagick's `import`.
//!
//! Where to click and what the screen says comes from the app's window
//! probe (`TRYGGHETSLOGG_UI_PROBE`, see `app/src/ui/probe.rs`): the text and
//! the controls' on-screen centres as the webview laid them out. The
//! clicks and keystrokes themselves go through X11, exactly like a user's.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{bail, Context, Result};
use serde_json::Value;

/// The window's size in CSS pixels: a phone in portrait.
pub const WIDTH: u32 = 360;
pub const HEIGHT: u32 = 800;

/// The tools the driver runs; `scripts/install-system-deps.sh` installs them.
const TOOLS: [&str; 3] = ["Xvfb", "xdotool", "import"];

fn require_tools() -> Result<()> {
    for tool in TOOLS {
        let found = std::env::var_os("PATH")
            .map(|p| std::env::split_paths(&p).any(|d| d.join(tool).is_file()))
            .unwrap_or(false);
        anyhow::ensure!(
            found,
            "`{tool}` is missing: run scripts/install-system-deps.sh (installs xvfb, xdotool, imagemagick)"
        );
    }
    Ok(())
}

/// An X server of the test's own, killed when dropped.
pub struct Xvfb {
    pub display: String,
    child: Child,
}

impl Xvfb {
    pub fn start() -> Result<Xvfb> {
        require_tools()?;
        // A display number nobody uses: no lock file and no socket. Tests
        // of one binary start theirs at the same moment: each takes its own
        // stride, so two never race for the same number.
        static NEXT: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);
        let stride = NEXT.fetch_add(1, std::sync::atomic::Ordering::SeqCst) * 50;
        let base = 100 + (std::process::id() % 400) + stride;
        let n = (base..base + 200)
            .find(|n| {
                !Path::new(&format!("/tmp/.X{n}-lock")).exists()
                    && !Path::new(&format!("/tmp/.X11-unix/X{n}")).exists()
            })
            .context("no free X display number")?;
        let display = format!(":{n}");
        let child = Command::new("Xvfb")
            .args([
                &display,
                "-screen",
                "0",
                &format!("{WIDTH}x{HEIGHT}x24"),
                "-nolisten",
                "tcp",
            ])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .context("starting Xvfb")?;
        let socket = PathBuf::from(format!("/tmp/.X11-unix/X{n}"));
        let deadline = Instant::now() + Duration::from_secs(10);
        while !socket.exists() {
            anyhow::ensure!(Instant::now() < deadline, "Xvfb did not start");
            std::thread::sleep(Duration::from_millis(50));
        }
        Ok(Xvfb { display, child })
    }
}

impl Drop for Xvfb {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// One control on the screen, as the probe saw it.
#[derive(Debug, Clone)]
pub struct Control {
    pub tag: String,
    pub id: String,
    pub text: String,
    pub label: String,
    pub value: String,
    pub x: i64,
    pub y: i64,
    /// Its size in CSS pixels (touch targets are checked against it).
    pub w: i64,
    pub h: i64,
    pub disabled: bool,
    /// Nothing covers its centre: a click there reaches it.
    pub hit: bool,
    /// It has the keyboard focus: typing goes into it.
    pub focused: bool,
}

impl Control {
    fn names(&self, name: &str) -> bool {
        self.text == name || self.label == name || self.id == name
    }
}

/// What the window shows at one moment.
#[derive(Debug, Clone, Default)]
pub struct Screen {
    /// When the page took this reading (milliseconds since it loaded):
    /// two readings with the same stamp are one reading read twice.
    pub at: f64,
    pub text: String,
    pub controls: Vec<Control>,
}

impl Screen {
    fn parse(v: &Value) -> Screen {
        let s = |c: &Value, k: &str| c.get(k).and_then(Value::as_str).unwrap_or("").to_string();
        let n = |c: &Value, k: &str| c.get(k).and_then(Value::as_i64).unwrap_or(-1);
        Screen {
            at: v.get("at").and_then(Value::as_f64).unwrap_or(-1.0),
            text: s(v, "text"),
            controls: v
                .get("els")
                .and_then(Value::as_array)
                .map(|a| {
                    a.iter()
                        .map(|c| Control {
                            tag: s(c, "tag"),
                            id: s(c, "id"),
                            text: s(c, "text"),
                            label: s(c, "label"),
                            value: s(c, "value"),
                            x: n(c, "x"),
                            y: n(c, "y"),
                            w: n(c, "w"),
                            h: n(c, "h"),
                            disabled: c.get("disabled").and_then(Value::as_bool).unwrap_or(false),
                            hit: c.get("hit").and_then(Value::as_bool).unwrap_or(false),
                            focused: c.get("focused").and_then(Value::as_bool).unwrap_or(false),
                        })
                        .collect()
                })
                .unwrap_or_default(),
        }
    }

    /// The buttons smaller than `min` CSS pixels either way (gloves): their
    /// text and size.
    pub fn small_buttons(&self, min: i64) -> Vec<(String, i64, i64)> {
        self.controls
            .iter()
            .filter(|c| c.tag == "button" && (c.w < min || c.h < min))
            .map(|c| (c.text.clone(), c.w, c.h))
            .collect()
    }

    /// The first clickable control named `name` (its text, its label, or
    /// its id), buttons and inputs before list items.
    pub fn control(&self, name: &str) -> Option<&Control> {
        let clickable = |c: &&Control| c.tag != "label" && c.tag != "li";
        self.controls
            .iter()
            .filter(clickable)
            .find(|c| c.names(name))
            .or_else(|| {
                self.controls
                    .iter()
                    .filter(clickable)
                    .find(|c| c.text.starts_with(name))
            })
    }
}

/// The app binary running in an X display, with its data folder.
pub struct AppWindow {
    display: String,
    probe: PathBuf,
    artifacts: PathBuf,
    child: Child,
    shots: usize,
}

impl AppWindow {
    /// Starts the app with its data in `data_dir`, pointing the enrolment
    /// screen at `server_url`, waits for its first screen and gives it the
    /// focus; screenshots go to `artifacts`.
    pub fn launch(
        x: &Xvfb,
        data_dir: &Path,
        server_url: &str,
        artifacts: &Path,
    ) -> Result<AppWindow> {
        let mut w = Self::spawn(x, data_dir, server_url, artifacts, 250)?;
        w.wait_for(|s| !s.text.is_empty(), Duration::from_secs(60))
            .context("the app window never showed anything")?;
        // Without a window manager the first click only gives the window
        // the focus: spend it on the title bar.
        w.xdotool(&["mousemove", "180", "10", "click", "1"])?;
        std::thread::sleep(Duration::from_millis(300));
        Ok(w)
    }

    /// Starts the app binary of this profile (debug for tests, release
    /// for benchmarks) and returns at once; the probe writes every
    /// `probe_ms` milliseconds.
    pub fn spawn(
        x: &Xvfb,
        data_dir: &Path,
        server_url: &str,
        artifacts: &Path,
        probe_ms: u64,
    ) -> Result<AppWindow> {
        let bin = crate::workspace_binary("trygghetslogg-app")?;
        std::fs::create_dir_all(artifacts)?;
        let probe = data_dir.with_extension("probe.json");
        let _ = std::fs::remove_file(&probe);
        let log = std::fs::File::create(artifacts.join("app.log"))?;
        let child = Command::new(bin)
            .env("DISPLAY", &x.display)
            .env("TRYGGHETSLOGG_APP_DIR", data_dir)
            .env("TRYGGHETSLOGG_SERVER", server_url)
            .env("TRYGGHETSLOGG_UI_PROBE", &probe)
            .env("TRYGGHETSLOGG_UI_PROBE_MS", probe_ms.to_string())
            // No GPU under Xvfb: software rendering.
            .env("WEBKIT_DISABLE_COMPOSITING_MODE", "1")
            .env("LIBGL_ALWAYS_SOFTWARE", "1")
            .stdout(log.try_clone()?)
            .stderr(log)
            .spawn()
            .context("starting the app")?;
        let shots = std::fs::read_dir(artifacts).map(|d| d.count()).unwrap_or(0);
        Ok(AppWindow {
            display: x.display.clone(),
            probe,
            artifacts: artifacts.to_path_buf(),
            child,
            shots,
        })
    }

    fn xdotool(&self, args: &[&str]) -> Result<()> {
        self.x11("xdotool", args)
    }

    /// Runs an X11 tool against this window's display.
    fn x11(&self, program: &str, args: &[&str]) -> Result<()> {
        let out = Command::new(program)
            .args(args)
            .env("DISPLAY", &self.display)
            .output()
            .with_context(|| format!("running {program}"))?;
        anyhow::ensure!(
            out.status.success(),
            "{program} {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        Ok(())
    }

    /// What the window shows now.
    pub fn screen(&self) -> Result<Screen> {
        let bytes = std::fs::read(&self.probe).context("the window probe has not written yet")?;
        let v: Value = serde_json::from_slice(&bytes).context("reading the window probe")?;
        Ok(Screen::parse(&v))
    }

    /// The screen once it satisfies `ok`, or `None` after `timeout`.
    fn poll(&mut self, ok: &impl Fn(&Screen) -> bool, timeout: Duration) -> Result<Option<Screen>> {
        let deadline = Instant::now() + timeout;
        loop {
            if let Some(status) = self.child.try_wait()? {
                bail!("the app exited ({status}); see app.log in the artifacts");
            }
            if let Ok(s) = self.screen() {
                if ok(&s) {
                    return Ok(Some(s));
                }
            }
            if Instant::now() > deadline {
                return Ok(None);
            }
            std::thread::sleep(Duration::from_millis(150));
        }
    }

    /// Waits until the screen satisfies `ok`.
    pub fn wait_for(&mut self, ok: impl Fn(&Screen) -> bool, timeout: Duration) -> Result<Screen> {
        let deadline = Instant::now() + timeout;
        loop {
            if let Some(s) = self.poll(&ok, Duration::ZERO)? {
                return Ok(s);
            }
            if Instant::now() > deadline {
                let last = self.screen().unwrap_or_default();
                let fields: Vec<String> = last
                    .controls
                    .iter()
                    .filter(|c| c.tag == "input" || c.tag == "textarea")
                    .map(|c| format!("{} = {:?}", c.id, c.value))
                    .collect();
                let _ = self.screenshot("timeout");
                bail!(
                    "timed out; the screen said:\n{}\nits fields held: {fields:?}",
                    last.text
                );
            }
            std::thread::sleep(Duration::from_millis(150));
        }
    }

    /// Waits until the screen's text contains `text`.
    pub fn wait_for_text(&mut self, text: &str) -> Result<Screen> {
        self.wait_for(|s| s.text.contains(text), Duration::from_secs(30))
            .with_context(|| format!("waiting for {text:?}"))
    }

    /// Scrolls with the mouse wheel until the control named `name` is in
    /// view and still, moves the pointer there and clicks.
    pub fn click(&mut self, name: &str) -> Result<()> {
        let mut last: Option<(i64, i64, f64)> = None;
        for _ in 0..60 {
            let s = self
                .wait_for(|s| s.control(name).is_some(), Duration::from_secs(30))
                .with_context(|| format!("looking for a control named {name:?}"))?;
            let c = s.control(name).cloned().context("vanished")?;
            anyhow::ensure!(!c.disabled, "{name:?} is disabled");
            if !c.hit {
                // Off screen or under the sticky header: scroll towards it.
                let wheel = if c.y < HEIGHT as i64 / 2 { "4" } else { "5" };
                self.xdotool(&["mousemove", "180", "450", "click", wheel])?;
                last = None;
            } else if last.is_some_and(|(x, y, at)| (x, y) == (c.x, c.y) && at != s.at) {
                self.xdotool(&[
                    "mousemove",
                    &c.x.to_string(),
                    &c.y.to_string(),
                    "click",
                    "1",
                ])?;
                std::thread::sleep(Duration::from_millis(300));
                return Ok(());
            } else {
                // Wait for the layout to settle before pointing at it: the
                // same place in two fresh readings, not one stale reading.
                last = Some((c.x, c.y, s.at));
            }
            std::thread::sleep(Duration::from_millis(300));
        }
        bail!("could not bring {name:?} into view")
    }

    /// Taps `name` until the screen shows `text`, as a person taps again
    /// when nothing happened: a tap can miss when the layout moves just as
    /// the pointer lands (the sync banner grows or shrinks when the server
    /// goes or comes back). Taps again only while `name` is still on the
    /// screen, so it is for going somewhere, not for toggles or counters.
    pub fn tap_to(&mut self, name: &str, text: &str) -> Result<Screen> {
        let shows = |s: &Screen| s.text.contains(text);
        for _ in 0..5 {
            if self.screen().is_ok_and(|s| s.control(name).is_some()) {
                self.click(name)?;
            }
            if let Some(s) = self.poll(&shows, Duration::from_secs(10))? {
                return Ok(s);
            }
        }
        self.wait_for(shows, Duration::ZERO)
            .with_context(|| format!("tapping {name:?} never showed {text:?}"))
    }

    /// Types `text` into the field named `name` as a person would: taps
    /// it, waits until it has the focus (a webview under load can take the
    /// tap after the first keystrokes, which would land elsewhere), types,
    /// and waits until the field holds all of it.
    pub fn fill(&mut self, name: &str, text: &str) -> Result<()> {
        for _ in 0..5 {
            self.click(name)?;
            let focused = self.poll(
                &|s: &Screen| s.control(name).is_some_and(|c| c.focused),
                Duration::from_secs(5),
            )?;
            if focused.is_some() {
                self.type_text(text)?;
                let typed = self.wait_for(
                    |s| s.control(name).is_some_and(|c| c.value.contains(text)),
                    Duration::from_secs(30),
                );
                if typed.is_err() {
                    let _ = self.screenshot("typing-failed");
                }
                typed.with_context(|| format!("typing {text:?} into {name:?}"))?;
                return Ok(());
            }
        }
        let _ = self.screenshot("no-focus");
        bail!("{name:?} never took the keyboard focus")
    }

    /// Types on the keyboard, into whatever has the focus.
    pub fn type_text(&self, text: &str) -> Result<()> {
        self.xdotool(&["type", "--delay", "30", text])?;
        std::thread::sleep(Duration::from_millis(200));
        Ok(())
    }

    /// Presses a key, e.g. `Return`.
    pub fn key(&self, key: &str) -> Result<()> {
        self.xdotool(&["key", key])?;
        std::thread::sleep(Duration::from_millis(200));
        Ok(())
    }

    /// Saves a PNG of the whole screen as `NN-name.png` in the artifacts.
    pub fn screenshot(&mut self, name: &str) -> Result<PathBuf> {
        self.shots += 1;
        let path = self.artifacts.join(format!("{:02}-{name}.png", self.shots));
        let target = path.to_string_lossy().into_owned();
        self.x11("import", &["-window", "root", &target])?;
        Ok(path)
    }

    /// Enrols with a one-time code as an officer would, and waits for the
    /// first sync to bring the demo's reference data.
    pub fn enrol(&mut self, code: &str) -> Result<Screen> {
        self.wait_for_text("Koppla telefonen")?;
        self.fill("Engångskod", code)?;
        self.click("Koppla")?;
        self.wait_for(
            |s| s.text.contains("Allt synkat") && s.text.contains("Demo – Torget"),
            Duration::from_secs(60),
        )
    }

    /// From any screen with a back button: to the settings, "Synka nu",
    /// and waits until the screen shows `text`.
    pub fn sync_now_until(&mut self, text: &str, timeout: Duration) -> Result<Screen> {
        self.tap_to("Tillbaka", "Inställningar")?;
        self.tap_to("Inställningar", "Synka nu")?;
        self.click("Synka nu")?;
        self.wait_for(|s| s.text.contains(text), timeout)
    }

    /// Kills the app outright (SIGKILL), as a dead battery or the OS would.
    pub fn kill(mut self) -> Result<()> {
        self.child.kill()?;
        self.child.wait()?;
        Ok(())
    }
}

impl Drop for AppWindow {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
