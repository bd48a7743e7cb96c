//! The font every figure's text is measured and drawn with, loaded at run
//! time (plotters' `ab_glyph` backend: no system font library, nothing
//! compiled in). plotters keeps fonts in a process-wide table under the
//! family name `sans-serif`, which every figure uses.

use std::path::{Path, PathBuf};
use std::sync::Mutex;

use plotters::style::{FontStyle, register_font};

use super::FigureError;

/// DejaVu Sans where Debian's `fonts-dejavu-core` installs it (setup.sh
/// installs it).
pub const DEFAULT_FONT: &str = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf";

/// The font registered so far, if any.
static REGISTERED: Mutex<Option<PathBuf>> = Mutex::new(None);

/// Loads the TrueType font at `path` for every figure drawn afterwards by
/// this process. Loading the same file again does nothing.
pub fn use_font(path: &Path) -> Result<(), FigureError> {
    let mut registered = REGISTERED.lock().unwrap_or_else(|e| e.into_inner());
    if registered.as_deref() == Some(path) {
        return Ok(());
    }
    let bytes =
        crate::bounded::read(path, crate::bounded::limit::FONT).map_err(|e| FigureError::Font {
            path: path.to_path_buf(),
            message: e.to_string(),
        })?;
    // plotters keeps fonts for the life of the process; one copy per font
    // file ever loaded.
    let bytes: &'static [u8] = Box::leak(bytes.into_boxed_slice());
    register_font("sans-serif", FontStyle::Normal, bytes).map_err(|_| FigureError::Font {
        path: path.to_path_buf(),
        message: "not a TrueType or OpenType font".into(),
    })?;
    *registered = Some(path.to_path_buf());
    Ok(())
}

/// Makes sure some font is loaded: the default one if none was chosen.
pub(super) fn ensure() -> Result<(), FigureError> {
    let loaded = REGISTERED
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .is_some();
    if loaded {
        Ok(())
    } else {
        use_font(Path::new(DEFAULT_FONT))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_missing_or_bad_font_is_a_one_line_error() {
        let e = use_font(Path::new("/nonexistent/Font.ttf"))
            .unwrap_err()
            .to_string();
        assert!(e.starts_with("font /nonexistent/Font.ttf: "), "{e}");
        assert!(
            e.contains("fonts-dejavu-core") && e.lines().count() == 1,
            "{e}"
        );
        let tmp = tempfile::tempdir().unwrap();
        let bad = tmp.path().join("bad.ttf");
        std::fs::write(&bad, b"not a font").unwrap();
        let e = use_font(&bad).unwrap_err().to_string();
        assert!(e.contains("not a TrueType"), "{e}");
    }
}
