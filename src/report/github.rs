//! GitHub Actions workflow commands: one `::warning file=…::message` line per finding, so
//! findings appear as annotations on the pull request.

use std::io::{self, Write};

use super::FileReport;
use crate::check::{IndexedCorpus, Severity};

pub fn render(files: &[FileReport], _corpus: &IndexedCorpus, out: &mut dyn Write) -> io::Result<()> {
    for file in files {
        for finding in &file.check.findings {
            let command = match finding.severity {
                Severity::Error => "error",
                Severity::Warning => "warning",
                Severity::Information | Severity::Hint => "notice",
            };
            let (line, col) = file.position(finding.span.start);
            let (end_line, end_col) = file.position(finding.span.end);
            writeln!(
                out,
                "::{command} file={},line={line},col={col},endLine={end_line},endColumn={end_col},title={}::{}",
                escape_property(&file.path),
                escape_property(&format!("quoteline {}", finding.code.as_str())),
                escape_data(&finding.message)
            )?;
        }
    }
    Ok(())
}

/// Escapes a command's message (GitHub's `escapeData`).
fn escape_data(s: &str) -> String {
    s.replace('%', "%25").replace('\r', "%0D").replace('\n', "%0A")
}

/// Escapes a command property (GitHub's `escapeProperty`).
fn escape_property(s: &str) -> String {
    escape_data(s).replace(':', "%3A").replace(',', "%2C")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn properties_escape_separators() {
        assert_eq!(escape_property("a,b:c%"), "a%2Cb%3Ac%25");
        assert_eq!(escape_data("line\nnext: 100%"), "line%0Anext: 100%25");
    }
}
