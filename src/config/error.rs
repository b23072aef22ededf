//! The errors `config` reports, and how they look on a terminal.
//!
//! A [`ConfigError`] knows the file, the 1-based line and column of the offending text, the
//! dotted key (`optimizer[2].betas`; `[[optimizer]]` tables are counted from 1, as a reader
//! counts them), what was expected, what was found, and for unknown names the valid choices
//! and the closest one. It renders like rustc:
//!
//! ```text
//! error: invalid value for `optimizer[2].lr` in configs/bad.toml:14:6
//!   expected a number > 0, found -0.1
//!    |
//! 14 | lr = -0.1
//!    |      ^^^^
//! ```

use std::fmt;
use std::ops::Range;
use std::path::{Path, PathBuf};

/// What kind of mistake a [`ConfigError`] is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorKind {
    /// The file could not be read (missing, a directory, not UTF-8).
    Read,
    /// Not valid TOML.
    Syntax,
    /// A key the table does not take.
    UnknownKey,
    /// A name (a kind, a format) that is not one of the valid ones.
    UnknownName,
    /// A required key or table is absent.
    Missing,
    /// A value of the wrong TOML type (a string where a number goes, a float for an integer).
    WrongType,
    /// A value of the right type outside its range, or inconsistent with another.
    InvalidValue,
    /// A second run with a label already used.
    Duplicate,
}

/// 1-based line and column; columns count characters, not bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Position {
    pub line: usize,
    pub column: usize,
}

/// The source line of an error and the part of it to underline.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Snippet {
    /// The line as displayed (tabs expanded, no line break).
    text: String,
    /// Display columns before the first caret.
    caret_start: usize,
    /// Number of carets, at least 1.
    caret_len: usize,
}

/// A mistake in an experiment file, with everything needed to find and fix it. Its fields are
/// those of [`ErrorInfo`] (boxed, so a `Result` stays small): `e.key`, `e.position`, ...
#[derive(Debug, Clone, PartialEq)]
pub struct ConfigError(Box<ErrorInfo>);

impl std::ops::Deref for ConfigError {
    type Target = ErrorInfo;
    fn deref(&self) -> &ErrorInfo {
        &self.0
    }
}

impl std::ops::DerefMut for ConfigError {
    fn deref_mut(&mut self) -> &mut ErrorInfo {
        &mut self.0
    }
}

/// What a [`ConfigError`] knows.
#[derive(Debug, Clone, PartialEq)]
pub struct ErrorInfo {
    pub kind: ErrorKind,
    pub file: PathBuf,
    /// What went wrong, without the location: "invalid value for `optimizer[2].lr`".
    pub headline: String,
    /// The dotted key path, when the error is about a key.
    pub key: Option<String>,
    /// Byte range in the source of the offending value (or key, or table header).
    pub span: Option<Range<usize>>,
    pub position: Option<Position>,
    /// "a number > 0".
    pub expected: Option<String>,
    /// "-0.1".
    pub found: Option<String>,
    /// For unknown names and keys: every valid one.
    pub choices: Vec<String>,
    /// For unknown names and keys: the closest valid one, if any is close.
    pub suggestion: Option<String>,
    /// Anything else worth saying, one line each.
    pub notes: Vec<String>,
    /// A description that is not an expected/found pair, e.g. the TOML parser's message.
    pub detail: Option<String>,
    snippet: Option<Snippet>,
}

impl ConfigError {
    /// An error with no position in the file (it could not be read, or a whole table is missing).
    pub(crate) fn whole_file(kind: ErrorKind, file: &Path, headline: impl Into<String>) -> Self {
        ConfigError(Box::new(ErrorInfo {
            kind,
            file: file.to_path_buf(),
            headline: headline.into(),
            key: None,
            span: None,
            position: None,
            expected: None,
            found: None,
            choices: Vec::new(),
            suggestion: None,
            notes: Vec::new(),
            detail: None,
            snippet: None,
        }))
    }

    /// An error pointing at `span` of `source`.
    pub(crate) fn at(
        kind: ErrorKind,
        file: &Path,
        source: &str,
        span: Range<usize>,
        headline: impl Into<String>,
    ) -> Self {
        let mut e = Self::whole_file(kind, file, headline);
        let (position, snippet) = locate(source, span.clone());
        e.position = Some(position);
        e.snippet = Some(snippet);
        e.span = Some(span);
        e
    }

    pub(crate) fn key(mut self, key: impl Into<String>) -> Self {
        self.key = Some(key.into());
        self
    }

    pub(crate) fn expected(mut self, expected: impl Into<String>) -> Self {
        self.expected = Some(expected.into());
        self
    }

    pub(crate) fn found(mut self, found: impl Into<String>) -> Self {
        self.found = Some(found.into());
        self
    }

    pub(crate) fn detail(mut self, detail: impl Into<String>) -> Self {
        self.detail = Some(detail.into());
        self
    }

    pub(crate) fn note(mut self, note: impl Into<String>) -> Self {
        self.notes.push(note.into());
        self
    }

    /// Lists the valid names and suggests the closest to `given`.
    pub(crate) fn choices<S: AsRef<str>>(mut self, given: &str, choices: &[S]) -> Self {
        self.suggestion = closest(given, choices).map(str::to_string);
        self.choices = choices.iter().map(|c| c.as_ref().to_string()).collect();
        self
    }
}

impl ErrorInfo {
    /// The line of the error, 1-based, if it has one.
    pub fn line(&self) -> Option<usize> {
        self.position.map(|p| p.line)
    }

    /// The column of the error, 1-based, if it has one.
    pub fn column(&self) -> Option<usize> {
        self.position.map(|p| p.column)
    }
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

// Rendered by hand, not by annotate-snippets or miette (weighed for issue 12). annotate-snippets
// 0.12 (3 small crates) keeps every fact, but in its own layout: the position moves to a
// ` --> configs/bad.toml:3:6` line under the headline, "expected …, found …" becomes the label
// after the carets, and a blank `|` line comes before the help. The tests pin this layout
// character for character (src/config/tests.rs, `renders_like_rustc_…` below), so switching
// would change pinned text for a saving of about 80 lines (`Snippet`, `locate`, `window`).
// miette's graphical report draws a box around the snippet instead, and its `fancy` feature
// brings about 70 crates.
impl fmt::Display for ErrorInfo {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let file = self.file.display();
        match self.position {
            Some(Position { line, column }) => {
                write!(f, "error: {} in {file}:{line}:{column}", self.headline)?
            }
            None if self.kind == ErrorKind::Read => write!(f, "error: {}", self.headline)?,
            None => write!(f, "error: {} in {file}", self.headline)?,
        }
        match (&self.expected, &self.found) {
            (Some(e), Some(found)) => write!(f, "\n  expected {e}, found {found}")?,
            (Some(e), None) => write!(f, "\n  expected {e}")?,
            (None, Some(found)) => write!(f, "\n  found {found}")?,
            (None, None) => {}
        }
        if let Some(detail) = &self.detail {
            write!(f, "\n  {detail}")?;
        }
        let gutter = self.position.map_or(1, |p| p.line.to_string().len()).max(1);
        let pad = " ".repeat(gutter);
        if let (Some(snippet), Some(position)) = (&self.snippet, self.position) {
            write!(f, "\n{pad} |")?;
            write!(f, "\n{} | {}", position.line, snippet.text)?;
            write!(
                f,
                "\n{pad} | {}{}",
                " ".repeat(snippet.caret_start),
                "^".repeat(snippet.caret_len)
            )?;
        }
        if let Some(s) = &self.suggestion {
            write!(f, "\n{pad} = help: did you mean `{s}`?")?;
        }
        if !self.choices.is_empty() {
            write!(f, "\n{pad} = valid: {}", self.choices.join(", "))?;
        }
        for note in &self.notes {
            write!(f, "\n{pad} = note: {note}")?;
        }
        Ok(())
    }
}

impl std::error::Error for ConfigError {}

/// A bad `compare` command line: the option and a one-paragraph message. Exit code 2.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid {option}: {message}")]
pub struct UsageError {
    /// The option at fault, as typed: `--opt`, `--lr`, `--steps`.
    pub option: String,
    pub message: String,
}

impl UsageError {
    pub(crate) fn new(option: &str, message: impl Into<String>) -> Self {
        UsageError {
            option: option.to_string(),
            message: message.into(),
        }
    }
}

/// The largest char boundary at or below `offset` (and within the string).
fn floor_boundary(source: &str, offset: usize) -> usize {
    let mut i = offset.min(source.len());
    while !source.is_char_boundary(i) {
        i -= 1;
    }
    i
}

/// 1-based line and column of a byte offset; columns count characters. Offsets past the end or
/// inside a character are moved back to the nearest character start.
pub fn line_column(source: &str, offset: usize) -> Position {
    let offset = floor_boundary(source, offset);
    let before = &source[..offset];
    let line = before.bytes().filter(|&b| b == b'\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    let column = before[line_start..].chars().count() + 1;
    Position { line, column }
}

/// Width of a character on the snippet line: tabs are shown as four spaces.
fn display_width(c: char) -> usize {
    if c == '\t' { 4 } else { 1 }
}

fn locate(source: &str, span: Range<usize>) -> (Position, Snippet) {
    let start = floor_boundary(source, span.start);
    let end = floor_boundary(source, span.end.max(start));
    let position = line_column(source, start);
    let line_start = source[..start].rfind('\n').map_or(0, |i| i + 1);
    let line_end = source[start..]
        .find('\n')
        .map_or(source.len(), |i| start + i);
    let line = source[line_start..line_end].trim_end_matches('\r');
    let text: String = line
        .chars()
        .flat_map(|c| {
            let shown = if c == '\t' { ' ' } else { c };
            std::iter::repeat_n(shown, display_width(c))
        })
        .collect();
    let caret_start = source[line_start..start].chars().map(display_width).sum();
    let underlined = &source[start..end.min(line_end).max(start)];
    let caret_len = underlined
        .trim_end_matches('\r')
        .chars()
        .map(display_width)
        .sum::<usize>()
        .max(1);
    (position, window(text, caret_start, caret_len))
}

/// Longest snippet line shown; longer lines are cut around the carets, marked with `...`.
const MAX_SNIPPET: usize = 100;

fn window(text: String, caret_start: usize, caret_len: usize) -> Snippet {
    let chars: Vec<char> = text.chars().collect();
    if chars.len() <= MAX_SNIPPET {
        return Snippet {
            text,
            caret_start,
            caret_len,
        };
    }
    let from = caret_start.saturating_sub(MAX_SNIPPET / 3);
    let to = (from + MAX_SNIPPET).min(chars.len());
    let mut shown: String = chars.get(from..to).unwrap_or_default().iter().collect();
    let visible = to.saturating_sub(caret_start).max(1);
    let mut shown_start = caret_start - from;
    if from > 0 {
        shown.insert_str(0, "...");
        shown_start += 3;
    }
    if to < chars.len() {
        shown.push_str("...");
    }
    Snippet {
        text: shown,
        caret_start: shown_start,
        caret_len: caret_len.min(visible),
    }
}

/// Names people try for optplay's keys and kinds, and what they mean here.
const ALIASES: [(&str, &str); 16] = [
    ("learning_rate", "lr"),
    ("beta", "betas"),
    ("beta1", "betas"),
    ("beta2", "betas"),
    ("rho", "alpha"),
    ("decay_rate", "alpha"),
    ("epsilon", "eps"),
    ("iterations", "steps"),
    ("iters", "steps"),
    ("num_steps", "steps"),
    ("type", "kind"),
    ("sgd_momentum", "momentum"),
    ("sgdm", "momentum"),
    ("nag", "nesterov"),
    ("cosineannealing", "cosine"),
    ("sgdr", "cosine_restarts"),
];

/// The valid name closest to `given`, if one is close enough to be what was meant.
pub fn closest<'a, S: AsRef<str>>(given: &str, choices: &'a [S]) -> Option<&'a str> {
    let lower = given.trim().to_lowercase().replace('-', "_");
    let choices_iter = || choices.iter().map(AsRef::as_ref);
    if let Some((_, meant)) = ALIASES.iter().find(|(alias, _)| *alias == lower)
        && let Some(c) = choices_iter().find(|c| c == meant)
    {
        return Some(c);
    }
    // Optimal string alignment: adjacent transpositions count as one edit, so "adma" is one
    // edit from "adam", as a typo is one slip.
    let (best, distance) = choices_iter()
        .map(|c| (c, strsim::osa_distance(&lower, c)))
        .min_by_key(|&(_, d)| d)?;
    let allowed = (lower.chars().count().max(3)) / 3;
    if distance <= allowed {
        return Some(best);
    }
    // A clear prefix: "rms" for "rmsprop", "cosine_restart" for "cosine_restarts".
    if lower.chars().count() >= 3 {
        let mut prefixed = choices_iter().filter(|c| c.starts_with(&lower));
        if let (Some(only), None) = (prefixed.next(), prefixed.next()) {
            return Some(only);
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_column_counts_characters_not_bytes() {
        let src = "a = \"é\"\nbé = 2\n";
        assert_eq!(line_column(src, 0), Position { line: 1, column: 1 });
        // After `é` (2 bytes) on line 1: the closing quote is character 7.
        let quote = src.find("\"\n").unwrap();
        assert_eq!(line_column(src, quote), Position { line: 1, column: 7 });
        let two = src.find('2').unwrap();
        assert_eq!(line_column(src, two), Position { line: 2, column: 6 });
        // Inside a character, or past the end, never panics.
        assert_eq!(line_column(src, 5), Position { line: 1, column: 6 });
        assert_eq!(line_column(src, 999), Position { line: 3, column: 1 });
    }

    #[test]
    fn closest_finds_typos_aliases_and_prefixes_but_not_strangers() {
        let kinds = ["sgd", "momentum", "nesterov", "adam", "adamw", "rmsprop"];
        assert_eq!(closest("adma", &kinds), Some("adam"));
        assert_eq!(closest("Adam", &kinds), Some("adam"));
        assert_eq!(closest("sdg", &kinds), Some("sgd"));
        assert_eq!(closest("rms", &kinds), Some("rmsprop"));
        assert_eq!(closest("nag", &kinds), Some("nesterov"));
        assert_eq!(closest("learning_rate", &["lr", "betas"]), Some("lr"));
        assert_eq!(closest("banana", &kinds), None);
        // A candidate's leading characters count: "xxsgd" is two edits from "sgd", too many
        // for a three-letter name.
        assert_eq!(closest("xxsgd", &["sgd", "lbfgs"]), None);
    }

    #[test]
    fn renders_like_rustc_with_the_source_line_and_carets() {
        let src = "[[optimizer]]\nkind = \"sgd\"\nlr = -0.1\n";
        let span = src.find("-0.1").unwrap()..src.find("-0.1").unwrap() + 4;
        let e = ConfigError::at(
            ErrorKind::InvalidValue,
            Path::new("configs/bad.toml"),
            src,
            span,
            "invalid value for `optimizer[1].lr`",
        )
        .expected("a number > 0")
        .found("-0.1");
        assert_eq!(
            e.to_string(),
            "error: invalid value for `optimizer[1].lr` in configs/bad.toml:3:6\n\
             \x20 expected a number > 0, found -0.1\n\
             \x20 |\n\
             3 | lr = -0.1\n\
             \x20 |      ^^^^"
        );
    }

    #[test]
    fn carets_line_up_after_tabs_and_stop_at_the_line_end() {
        let src = "\tx = [1,\n 2]";
        let e = ConfigError::at(
            ErrorKind::InvalidValue,
            Path::new("f.toml"),
            src,
            5..src.len(),
            "h",
        );
        let text = e.to_string();
        assert!(text.contains("1 |     x = [1,\n  |         ^^^"), "{text}");
    }

    #[test]
    fn long_lines_are_cut_around_the_carets() {
        let src = format!("a = [{}\"x\"]", "1, ".repeat(500));
        let at = src.find("\"x\"").unwrap();
        let e = ConfigError::at(
            ErrorKind::InvalidValue,
            Path::new("f.toml"),
            &src,
            at..at + 3,
            "h",
        );
        let text = e.to_string();
        let lines: Vec<&str> = text.lines().collect();
        let shown = lines[2].strip_prefix("1 | ").unwrap();
        let carets = lines[3].strip_prefix("  | ").unwrap();
        assert!(
            shown.starts_with("...") && shown.chars().count() <= MAX_SNIPPET + 6,
            "{text}"
        );
        let col = carets.find('^').unwrap();
        assert_eq!(shown.get(col..col + 3), Some("\"x\""), "{text}");
        assert_eq!(carets.trim(), "^^^");
    }
}
