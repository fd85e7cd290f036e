//! Reads bibliographies (BibTeX/BibLaTeX with the `biblatex` crate, CSL-JSON and CSL-YAML with
//! serde) into [`Reference`]s: citation keys, metadata, and the files entries point at.
//!
//! Invariant: parsing is pure; paths are resolved against the given folder but never opened.

#![deny(clippy::print_stdout, clippy::print_stderr)]

use std::path::{Path, PathBuf};

use biblatex::{Bibliography, ChunksExt};

use crate::corpus::{Reference, SourceMeta};

/// Why a bibliography could not be read, and where.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BibliographyProblem {
    /// Byte offset of the problem in the bibliography text.
    pub offset: usize,
    pub message: String,
}

/// Parses BibTeX or BibLaTeX.
pub fn parse_bibtex(text: &str, dir: &Path) -> Result<Vec<Reference>, BibliographyProblem> {
    let bibliography = Bibliography::parse(text)
        .map_err(|err| BibliographyProblem { offset: err.span.start, message: err.kind.to_string() })?;
    Ok(bibliography
        .iter()
        .map(|entry| {
            let field = |name: &str| entry.get(name).map(|chunks| chunks.format_verbatim()).filter(|s| !s.is_empty());
            let files = field("file").map(|f| split_file_field(&f, dir)).unwrap_or_default();
            Reference {
                key: entry.key.clone(),
                meta: SourceMeta {
                    title: field("title"),
                    author: field("author").or_else(|| field("organization")).or_else(|| field("editor")),
                    date: field("date").or_else(|| field("year")),
                    url: field("url"),
                    container: field("journaltitle")
                        .or_else(|| field("journal"))
                        .or_else(|| field("booktitle"))
                        .or_else(|| field("publisher"))
                        .or_else(|| field("institution")),
                },
                files,
                origin: PathBuf::new(),
            }
        })
        .collect())
}

/// Parses CSL-JSON: an array of items (or one item).
pub fn parse_csl_json(text: &str, dir: &Path) -> Result<Vec<Reference>, BibliographyProblem> {
    let value: serde_json::Value = serde_json::from_str(text).map_err(|err| BibliographyProblem {
        offset: offset_of_line_col(text, err.line(), err.column()),
        message: err.to_string(),
    })?;
    let items = match value {
        serde_json::Value::Array(items) => items,
        item @ serde_json::Value::Object(_) => vec![item],
        _ => {
            return Err(BibliographyProblem { offset: 0, message: "expected an array of CSL items".into() });
        }
    };
    let mut references = Vec::new();
    for item in items {
        let item: CslItem = serde_json::from_value(item)
            .map_err(|err| BibliographyProblem { offset: 0, message: format!("CSL item: {err}") })?;
        references.push(item.into_reference(dir));
    }
    Ok(references)
}

/// Parses CSL-YAML: a list of items, or Pandoc's `references:` mapping of one.
pub fn parse_csl_yaml(text: &str, dir: &Path) -> Result<Vec<Reference>, BibliographyProblem> {
    let value: serde_json::Value = serde_yaml_ng::from_str(text).map_err(|err| BibliographyProblem {
        offset: err.location().map_or(0, |l| l.index()),
        message: err.to_string(),
    })?;
    csl_items(value, dir)
}

/// References from CSL items already parsed (a list, one item, or a `references:` mapping), such
/// as a Markdown draft's front matter `references:`.
pub fn csl_items(value: serde_json::Value, dir: &Path) -> Result<Vec<Reference>, BibliographyProblem> {
    let items = match value {
        serde_json::Value::Array(items) => items,
        serde_json::Value::Object(mut map) if !map.contains_key("id") => match map.remove("references") {
            Some(serde_json::Value::Array(items)) => items,
            _ => return Err(BibliographyProblem { offset: 0, message: "expected a list of CSL items".into() }),
        },
        item @ serde_json::Value::Object(_) => vec![item],
        serde_json::Value::Null => Vec::new(),
        _ => return Err(BibliographyProblem { offset: 0, message: "expected a list of CSL items".into() }),
    };
    items
        .into_iter()
        .map(|item| {
            serde_json::from_value::<CslItem>(item)
                .map(|item| item.into_reference(dir))
                .map_err(|err| BibliographyProblem { offset: 0, message: format!("CSL item: {err}") })
        })
        .collect()
}

#[derive(serde::Deserialize)]
struct CslItem {
    id: serde_json::Value,
    title: Option<String>,
    #[serde(default)]
    author: Vec<CslName>,
    issued: Option<CslIssued>,
    #[serde(rename = "URL")]
    url: Option<String>,
    #[serde(rename = "container-title")]
    container_title: Option<String>,
    publisher: Option<String>,
    file: Option<String>,
}

#[derive(serde::Deserialize)]
struct CslName {
    family: Option<String>,
    given: Option<String>,
    literal: Option<String>,
}

/// A CSL date: the structured form, or (in CSL-YAML as Pandoc writes it) a plain string or year.
#[derive(serde::Deserialize)]
#[serde(untagged)]
enum CslIssued {
    Structured(CslDate),
    Plain(serde_json::Value),
}

#[derive(serde::Deserialize)]
struct CslDate {
    #[serde(rename = "date-parts")]
    date_parts: Option<Vec<Vec<serde_json::Value>>>,
    raw: Option<String>,
    literal: Option<String>,
}

impl CslItem {
    fn into_reference(self, dir: &Path) -> Reference {
        let key = match self.id {
            serde_json::Value::String(s) => s,
            other => other.to_string(),
        };
        let author = self
            .author
            .iter()
            .map(|n| match (&n.literal, &n.family, &n.given) {
                (Some(literal), _, _) => literal.clone(),
                (None, Some(family), Some(given)) => format!("{given} {family}"),
                (None, Some(family), None) => family.clone(),
                (None, None, Some(given)) => given.clone(),
                (None, None, None) => String::new(),
            })
            .filter(|s| !s.is_empty())
            .collect::<Vec<_>>()
            .join(" and ");
        let date = self.issued.and_then(|issued| {
            let d = match issued {
                CslIssued::Structured(d) => d,
                CslIssued::Plain(serde_json::Value::String(s)) => return Some(s),
                CslIssued::Plain(serde_json::Value::Number(n)) => return Some(n.to_string()),
                CslIssued::Plain(_) => return None,
            };
            d.date_parts
                .and_then(|parts| parts.into_iter().next())
                .map(|parts| {
                    parts
                        .iter()
                        .map(|p| {
                            p.as_i64().map_or_else(|| p.as_str().unwrap_or_default().to_owned(), |n| format!("{n:02}"))
                        })
                        .collect::<Vec<_>>()
                        .join("-")
                })
                .or(d.raw)
                .or(d.literal)
        });
        Reference {
            key,
            meta: SourceMeta {
                title: self.title,
                author: (!author.is_empty()).then_some(author),
                date,
                url: self.url,
                container: self.container_title.or(self.publisher),
            },
            files: self.file.map(|f| split_file_field(&f, dir)).unwrap_or_default(),
            origin: PathBuf::new(),
        }
    }
}

/// Splits a `file` field into paths. Better BibTeX writes `a.pdf;b.txt`; JabRef and Mendeley
/// write `description:path:type`.
fn split_file_field(field: &str, dir: &Path) -> Vec<PathBuf> {
    field
        .split(';')
        .map(str::trim)
        .filter(|part| !part.is_empty())
        .map(|part| {
            let parts: Vec<&str> = part.split(':').collect();
            let path = if parts.len() == 3 && !looks_like_drive(part) { parts[1] } else { part };
            let path = Path::new(path);
            if path.is_absolute() {
                path.to_path_buf()
            } else {
                dir.join(path)
            }
        })
        .collect()
}

fn looks_like_drive(part: &str) -> bool {
    let bytes = part.as_bytes();
    bytes.len() > 2 && bytes[0].is_ascii_alphabetic() && bytes[1] == b':' && (bytes[2] == b'\\' || bytes[2] == b'/')
}

fn offset_of_line_col(text: &str, line: usize, column: usize) -> usize {
    let line_start: usize = text.split_inclusive('\n').take(line.saturating_sub(1)).map(str::len).sum();
    (line_start + column.saturating_sub(1)).min(text.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bibtex_entries_give_keys_metadata_and_files() {
        let bib = r#"@report{cable,
  title = {Iranian Popular Attitudes Towards the {MEK}},
  organization = {U.S. Department of State},
  date = {2011-05},
  url = {https://example.org/cable},
  file = {texts/cable.txt;scans/cable.pdf},
}"#;
        let refs = parse_bibtex(bib, Path::new("/corpus")).unwrap();
        assert_eq!(refs.len(), 1);
        assert_eq!(refs[0].key, "cable");
        assert_eq!(refs[0].meta.title.as_deref(), Some("Iranian Popular Attitudes Towards the MEK"));
        assert_eq!(refs[0].meta.author.as_deref(), Some("U.S. Department of State"));
        assert_eq!(
            refs[0].files,
            vec![PathBuf::from("/corpus/texts/cable.txt"), PathBuf::from("/corpus/scans/cable.pdf")]
        );
    }

    #[test]
    fn malformed_bibtex_reports_where() {
        let bib = "@article{ok, title={Fine}}\n@article{broken, title={Unclosed\n";
        let problem = parse_bibtex(bib, Path::new(".")).unwrap_err();
        assert!(problem.offset > 0, "{problem:?}");
    }

    #[test]
    fn csl_json_items() {
        let json = r#"[{"id": "wiki", "title": "People's Mojahedin Organization of Iran",
            "author": [{"literal": "Wikipedia contributors"}], "issued": {"date-parts": [[2024, 5]]},
            "URL": "https://en.wikipedia.org/wiki/PMOI", "container-title": "Wikipedia"}]"#;
        let refs = parse_csl_json(json, Path::new(".")).unwrap();
        assert_eq!(refs[0].key, "wiki");
        assert_eq!(refs[0].meta.date.as_deref(), Some("2024-05"));
        assert_eq!(refs[0].meta.author.as_deref(), Some("Wikipedia contributors"));
        assert_eq!(refs[0].meta.container.as_deref(), Some("Wikipedia"));
    }

    #[test]
    fn csl_yaml_items_as_pandoc_writes_them() {
        let yaml = "references:\n- id: cable\n  title: Iranian Popular Attitudes Towards the MEK\n  author:\n    - literal: U.S. Department of State\n  issued: 2011-05\n  file: texts/cable.txt\n- id: wiki\n  issued:\n    date-parts: [[2024, 5]]\n";
        let refs = parse_csl_yaml(yaml, Path::new("/corpus")).unwrap();
        assert_eq!(refs.len(), 2);
        assert_eq!(refs[0].key, "cable");
        assert_eq!(refs[0].meta.author.as_deref(), Some("U.S. Department of State"));
        assert_eq!(refs[0].meta.date.as_deref(), Some("2011-05"));
        assert_eq!(refs[0].files, vec![PathBuf::from("/corpus/texts/cable.txt")]);
        assert_eq!(refs[1].meta.date.as_deref(), Some("2024-05"));
        // A bare list works too; a malformed file says where.
        assert_eq!(parse_csl_yaml("- id: a\n", Path::new(".")).unwrap()[0].key, "a");
        assert!(parse_csl_yaml("- id: a\n  title: [unclosed\n", Path::new(".")).unwrap_err().offset > 0);
    }

    #[test]
    fn better_bibtex_file_field_with_several_paths() {
        let bib = "@report{cable, title={Cable}, file={texts/cable.txt; scans/cable.pdf;/abs/notes.md}}";
        let refs = parse_bibtex(bib, Path::new("/corpus")).unwrap();
        assert_eq!(
            refs[0].files,
            vec![
                PathBuf::from("/corpus/texts/cable.txt"),
                PathBuf::from("/corpus/scans/cable.pdf"),
                PathBuf::from("/abs/notes.md")
            ]
        );
    }

    #[test]
    fn jabref_file_fields() {
        let files = split_file_field(":texts/a.txt:Text;Scan:b.pdf:PDF", Path::new("/c"));
        assert_eq!(files, vec![PathBuf::from("/c/texts/a.txt"), PathBuf::from("/c/b.pdf")]);
    }
}
