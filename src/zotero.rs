//! Live citation keys from Zotero through Better BibTeX's pull export (optional, off by
//! default): `GET http://127.0.0.1:23119/better-bibtex/export/library?/1/library.csljson`
//! returns the library as CSL-JSON, read with the same parser as CSL-JSON files.
//!
//! Only loopback plain HTTP is expected (Better BibTeX listens on 127.0.0.1), so the client is
//! built without TLS. When Zotero is not running the caller says so in one line and keeps the
//! file-based bibliographies.

use std::path::Path;
use std::time::Duration;

use crate::corpus::{Corpus, CorpusWarning, Reference};

/// Better BibTeX's pull-export address for the whole library as CSL-JSON.
pub const DEFAULT_URL: &str = "http://127.0.0.1:23119/better-bibtex/export/library?/1/library.csljson";

/// Fetches and parses the library; the error is one line for the user.
pub fn fetch_references(url: &str, timeout: Duration) -> Result<Vec<Reference>, String> {
    let agent: ureq::Agent = ureq::Agent::config_builder().timeout_global(Some(timeout)).build().into();
    let mut response =
        agent.get(url).call().map_err(|err| format!("Zotero (Better BibTeX) not reachable at {url}: {err}"))?;
    let body = response
        .body_mut()
        .with_config()
        .limit(256 * 1024 * 1024)
        .read_to_string()
        .map_err(|err| format!("Zotero (Better BibTeX) at {url}: cannot read the export: {err}"))?;
    let mut references = crate::bibliography::parse_csl_json(&body, Path::new("."))
        .map_err(|problem| format!("Zotero (Better BibTeX) at {url}: not CSL-JSON: {}", problem.message))?;
    for reference in &mut references {
        reference.origin = url.into();
    }
    Ok(references)
}

/// Adds the live library's keys to `corpus`; when Zotero cannot be read, a corpus warning says
/// so in one line and the bibliography files keep working.
pub fn add_live_references(corpus: &mut Corpus, url: &str) {
    match fetch_references(url, Duration::from_secs(3)) {
        Ok(live) => corpus.add_references(live),
        Err(message) => corpus
            .warnings
            .push(CorpusWarning { path: url.into(), message: format!("{message}; using the bibliography files") }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::{Read, Write};
    use std::net::TcpListener;

    /// A stub of Better BibTeX's pull export: answers one request with `body`.
    fn stub(body: &'static str, status: &'static str) -> String {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        std::thread::spawn(move || {
            if let Ok((mut stream, _)) = listener.accept() {
                let mut request = [0u8; 4096];
                let _ = stream.read(&mut request);
                let request = String::from_utf8_lossy(&request);
                assert!(request.starts_with("GET /better-bibtex/export/library?/1/library.csljson "), "{request}");
                let _ = write!(
                    stream,
                    "HTTP/1.1 {status}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                    body.len()
                );
            }
        });
        format!("http://127.0.0.1:{port}/better-bibtex/export/library?/1/library.csljson")
    }

    #[test]
    fn keys_and_metadata_come_from_the_pull_export() {
        let url = stub(
            r#"[{"id": "labott2012clinton", "type": "article-newspaper", "title": "Clinton to remove Iranian exile group from terror list",
                "author": [{"family": "Labott", "given": "Elise"}], "container-title": "CNN.com", "issued": {"date-parts": [[2012, 9, 21]]}}]"#,
            "200 OK",
        );
        let refs = fetch_references(&url, Duration::from_secs(5)).unwrap();
        assert_eq!(refs.len(), 1);
        assert_eq!(refs[0].key, "labott2012clinton");
        assert_eq!(refs[0].meta.author.as_deref(), Some("Elise Labott"));
        assert_eq!(refs[0].meta.date.as_deref(), Some("2012-09-21"));
    }

    #[test]
    fn unreachable_zotero_is_one_clear_line() {
        // Bind then drop: nothing listens on this port any more.
        let port = TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let err = fetch_references(
            &format!("http://127.0.0.1:{port}/better-bibtex/export/library?/1/library.csljson"),
            Duration::from_secs(2),
        )
        .unwrap_err();
        assert!(err.starts_with("Zotero (Better BibTeX) not reachable at http://127.0.0.1:"), "{err}");
        assert!(!err.contains('\n'));
    }

    #[test]
    fn an_error_page_is_reported_not_parsed() {
        let url = stub("No such library", "404 Not Found");
        let err = fetch_references(&url, Duration::from_secs(5)).unwrap_err();
        assert!(err.contains("404"), "{err}");
    }
}
