//! The language server: a thin tower-lsp shell over the core (being built; see issue 3).

/// Serves LSP over stdio until the client exits.
pub fn run_stdio() -> anyhow::Result<()> {
    anyhow::bail!("the language server is not built yet")
}
