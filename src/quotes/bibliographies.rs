//! The bibliographies a draft names for itself, so its keys are known without `--bibliography`.
//!
//! Markdown: front matter `bibliography:` (one path or a list) and `references:` (inline CSL
//! items, Pandoc's convention). LaTeX: `\addbibresource{refs.bib}` and `\bibliography{a,b}` (a
//! name without extension means `.bib`). Typst: `#bibliography("refs.bib")` or a tuple of paths.
//! Org: `#+bibliography:` lines. reStructuredText names none (Sphinx's `bibtex_bibfiles` lives
//! in `conf.py`). Paths are returned as written; the shell resolves them against the draft's
//! folder and reads them.

use std::path::Path;

use super::DraftFormat;
use crate::corpus::Reference;

/// What a draft says about its own bibliography.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DraftBibliographies {
    /// Bibliography files as written in the draft.
    pub files: Vec<String>,
    /// Entries written in the draft itself.
    pub references: Vec<Reference>,
}

/// Reads the draft's bibliography declarations. Malformed declarations are ignored: a draft's
/// metadata never stops its quotes from being checked.
pub fn draft_bibliographies(text: &str, format: DraftFormat) -> DraftBibliographies {
    match format {
        DraftFormat::Markdown => markdown(text),
        DraftFormat::Latex => DraftBibliographies { files: latex(text), references: Vec::new() },
        DraftFormat::Typst => DraftBibliographies { files: typst(text), references: Vec::new() },
        DraftFormat::Org => DraftBibliographies { files: super::org::org_bibliographies(text), references: Vec::new() },
        DraftFormat::Plain | DraftFormat::Rst => DraftBibliographies::default(),
    }
}

#[derive(serde::Deserialize, Default)]
#[serde(default)]
struct FrontMatter {
    bibliography: Option<OneOrMany>,
    references: Option<serde_json::Value>,
}

#[derive(serde::Deserialize)]
#[serde(untagged)]
enum OneOrMany {
    One(String),
    Many(Vec<String>),
}

fn markdown(text: &str) -> DraftBibliographies {
    let Some((front, _)) = crate::corpus::split_front_matter(text) else {
        return DraftBibliographies::default();
    };
    let Ok(front) = serde_yaml_ng::from_str::<FrontMatter>(&text[front]) else {
        return DraftBibliographies::default();
    };
    let files = match front.bibliography {
        Some(OneOrMany::One(file)) => vec![file],
        Some(OneOrMany::Many(files)) => files,
        None => Vec::new(),
    };
    // Inline entries have no folder of their own: their `file` fields stay relative and the
    // shell resolves them like the draft's other paths.
    let references = front
        .references
        .and_then(|value| crate::bibliography::csl_items(value, Path::new("")).ok())
        .unwrap_or_default();
    DraftBibliographies { files, references }
}

fn latex(text: &str) -> Vec<String> {
    let mut files = Vec::new();
    for (command, default_ext) in [("\\addbibresource", ""), ("\\bibliography", ".bib")] {
        for (at, _) in text.match_indices(command) {
            let line_start = text[..at].rfind('\n').map_or(0, |n| n + 1);
            if text[line_start..at].contains('%') {
                continue; // commented out
            }
            let mut rest = &text[at + command.len()..];
            if rest.starts_with(|c: char| c.is_ascii_alphabetic()) {
                continue; // \bibliographystyle
            }
            if let Some(options) = rest.strip_prefix('[') {
                rest = options.split_once(']').map_or("", |(_, after)| after);
            }
            let Some(arg) = rest.trim_start().strip_prefix('{').and_then(|r| r.split_once('}')).map(|(a, _)| a) else {
                continue;
            };
            for name in arg.split(',').map(str::trim).filter(|n| !n.is_empty()) {
                let has_ext = Path::new(name).extension().is_some();
                files.push(if has_ext { name.to_owned() } else { format!("{name}{default_ext}") });
            }
        }
    }
    files
}

fn typst(text: &str) -> Vec<String> {
    let mut files = Vec::new();
    for (at, _) in text.match_indices("#bibliography(") {
        let args = &text[at + "#bibliography(".len()..];
        let args = &args[..args.find('\n').unwrap_or(args.len())];
        // The first argument: a string or a tuple of strings, before any named argument.
        let first = if args.trim_start().starts_with('(') {
            args.trim_start()[1..].split(')').next().unwrap_or_default()
        } else {
            args.split([',', ')']).next().unwrap_or_default()
        };
        files.extend(
            first.split(',').map(str::trim).filter_map(|s| s.strip_prefix('"')?.strip_suffix('"')).map(str::to_owned),
        );
    }
    files
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markdown_front_matter_bibliography_and_references() {
        let text = "---\ntitle: Draft\nbibliography: [refs.bib, more/extra.yaml]\nreferences:\n- id: memo\n  title: A Memo\n---\nBody.\n";
        let found = draft_bibliographies(text, DraftFormat::Markdown);
        assert_eq!(found.files, ["refs.bib", "more/extra.yaml"]);
        assert_eq!(found.references.len(), 1);
        assert_eq!(found.references[0].key, "memo");
        assert_eq!(found.references[0].meta.title.as_deref(), Some("A Memo"));
        let one = draft_bibliographies("---\nbibliography: refs.json\n---\n", DraftFormat::Markdown);
        assert_eq!(one.files, ["refs.json"]);
    }

    #[test]
    fn latex_bibliography_commands() {
        let text = "\\addbibresource[location=local]{refs.bib}\n% \\addbibresource{old.bib}\n\\bibliographystyle{plain}\n\\bibliography{a, b.bib}\n";
        assert_eq!(draft_bibliographies(text, DraftFormat::Latex).files, ["refs.bib", "a.bib", "b.bib"]);
    }

    #[test]
    fn typst_bibliography_calls() {
        let text = "#bibliography(\"refs.bib\", style: \"apa\")\n#bibliography((\"a.yml\", \"b.bib\"))\n";
        assert_eq!(draft_bibliographies(text, DraftFormat::Typst).files, ["refs.bib", "a.yml", "b.bib"]);
    }
}
