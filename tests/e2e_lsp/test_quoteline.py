"""`quoteline lsp` over stdio, driven by pytest-lsp (pygls + lsprotocol).

Every message is decoded into lsprotocol types, so a malformed payload fails here; the
assertions check the payloads themselves. Each wait has a hard timeout.
"""

import asyncio
import os
import pathlib

import pytest
import pytest_lsp
from lsprotocol import types
from pytest_lsp import ClientServerConfig, LanguageClient
from pytest_lsp.client import make_test_lsp_client

BIN = os.environ["QUOTELINE_BIN"]
CORPUS = pathlib.Path(os.environ["QUOTELINE_CORPUS"]).resolve()
WAIT = 20.0

DRAFT = (
    "# Notes — سازمان مجاهدین 😀\n"
    "\n"
    "Emoji 😀: ordinary Iranians were “almost entirely dismissive of the MEK, reacting with "
    "either disdain or apathy” [@state-dept-cable-2011].\n"
    "\n"
    "See [@wiki\n"
)


def utf16_position(text: str, needle: str, delta: int = 0) -> types.Position:
    offset = text.index(needle) + delta
    line = text.count("\n", 0, offset)
    line_start = text.rfind("\n", 0, offset) + 1
    column = len(text[line_start:offset].encode("utf-16-le")) // 2
    return types.Position(line=line, character=column)


def make_client() -> LanguageClient:
    client = make_test_lsp_client()
    client.statuses = []

    @client.feature("quoteline/status")
    def status(ls: LanguageClient, params):
        state = params.get("state") if isinstance(params, dict) else getattr(params, "state", None)
        ls.statuses.append(state)

    return client


@pytest_lsp.fixture(config=ClientServerConfig(server_command=[BIN, "lsp"], client_factory=make_client))
async def client(lsp_client: LanguageClient):
    params = types.InitializeParams(
        capabilities=types.ClientCapabilities(
            window=types.WindowClientCapabilities(work_done_progress=True),
            text_document=types.TextDocumentClientCapabilities(
                hover=types.HoverClientCapabilities(content_format=[types.MarkupKind.Markdown]),
                completion=types.CompletionClientCapabilities(
                    completion_item=types.ClientCompletionItemOptions(
                        documentation_format=[types.MarkupKind.Markdown, types.MarkupKind.PlainText]
                    )
                ),
            ),
        ),
        root_uri=CORPUS.parent.as_uri(),
        initialization_options={"quoteline": {"corpus": [str(CORPUS)]}},
    )
    result = await asyncio.wait_for(lsp_client.initialize_session(params), WAIT)
    lsp_client.init_result = result
    yield
    # Shutdown, exit, and wait for the process: a server that lingers after `exit` fails here.
    await asyncio.wait_for(lsp_client.shutdown_session(), 5.0)


async def until(predicate, what: str):
    async def poll():
        while not predicate():
            await asyncio.sleep(0.02)

    try:
        await asyncio.wait_for(poll(), WAIT)
    except asyncio.TimeoutError:
        pytest.fail(f"timed out waiting for {what}")


async def open_draft(client: LanguageClient, name: str = "draft.md") -> str:
    uri = (CORPUS.parent / "e2e-drafts" / name).as_uri()
    client.text_document_did_open(
        types.DidOpenTextDocumentParams(
            text_document=types.TextDocumentItem(uri=uri, language_id="markdown", version=1, text=DRAFT)
        )
    )
    await until(lambda: any(d.code == "drift" for d in client.diagnostics.get(uri, [])), "drift diagnostics")
    return uri


async def test_initialize_advertises_the_contract(client: LanguageClient):
    caps = client.init_result.capabilities
    assert caps.position_encoding == types.PositionEncodingKind.Utf16
    assert list(caps.completion_provider.trigger_characters) == ["@", "{", '"', "“", " "]
    assert list(caps.execute_command_provider.commands) == ["quoteline.reindex"]
    assert client.init_result.server_info.name == "quoteline"


async def test_indexing_shows_progress_and_status(client: LanguageClient):
    await until(lambda: "ready" in client.statuses, "quoteline/status ready")
    assert client.statuses[0] == "indexing"
    await until(
        lambda: any(isinstance(r, types.WorkDoneProgressEnd) for reports in client.progress_reports.values() for r in reports),
        "the end of indexing progress",
    )
    reports = [r for reports in client.progress_reports.values() for r in reports]
    assert isinstance(reports[0], types.WorkDoneProgressBegin)
    assert reports[0].title == "quoteline: indexing the corpus"
    assert reports[-1].message.startswith("5 sources, ")


async def test_diagnostics_say_what_changed(client: LanguageClient):
    uri = await open_draft(client)
    drift = [d for d in client.diagnostics[uri] if d.code == "drift"][0]
    assert drift.source == "quoteline"
    assert drift.severity == types.DiagnosticSeverity.Warning
    assert drift.message == "quote drifted from [@state-dept-cable-2011]: source says ‘uniformly’, draft says ‘entirely’"
    assert drift.range.start == utf16_position(DRAFT, "“almost")
    related = drift.related_information[0]
    assert related.location.uri == (CORPUS / "state-dept-cable-2011.txt").as_uri()


async def test_hover_shows_the_word_diff(client: LanguageClient):
    uri = await open_draft(client)
    hover = await asyncio.wait_for(
        client.text_document_hover_async(
            types.HoverParams(
                text_document=types.TextDocumentIdentifier(uri=uri),
                position=utf16_position(DRAFT, "dismissive"),
            )
        ),
        WAIT,
    )
    assert hover.contents.kind == types.MarkupKind.Markdown
    assert "almost ~~uniformly~~ **entirely** dismissive" in hover.contents.value
    assert "**[@state-dept-cable-2011]**" in hover.contents.value


async def test_completion_quick_fix_definition_and_symbols(client: LanguageClient):
    uri = await open_draft(client)
    doc = types.TextDocumentIdentifier(uri=uri)
    completion = await asyncio.wait_for(
        client.text_document_completion_async(
            types.CompletionParams(text_document=doc, position=utf16_position(DRAFT, "[@wiki", 6))
        ),
        WAIT,
    )
    assert completion.items[0].label == "wikipedia-pmoi"

    at = utf16_position(DRAFT, "entirely")
    actions = await asyncio.wait_for(
        client.text_document_code_action_async(
            types.CodeActionParams(
                text_document=doc, range=types.Range(start=at, end=at), context=types.CodeActionContext(diagnostics=[])
            )
        ),
        WAIT,
    )
    replace = [a for a in actions if a.title == "Replace with the source wording"][0]
    edit = replace.edit.changes[uri][0]
    assert edit.new_text == "almost uniformly dismissive of the MEK, reacting with either disdain or apathy"

    definition = await asyncio.wait_for(
        client.text_document_definition_async(types.DefinitionParams(text_document=doc, position=at)), WAIT
    )
    assert definition.uri == (CORPUS / "state-dept-cable-2011.txt").as_uri()

    symbols = await asyncio.wait_for(
        client.workspace_symbol_async(types.WorkspaceSymbolParams(query="unanimity rare among Iranians")), WAIT
    )
    assert any(s.location.uri.endswith("state-dept-cable-2011.txt") for s in symbols)


async def test_incremental_edit_rechecks(client: LanguageClient):
    uri = await open_draft(client)
    start = utf16_position(DRAFT, "entirely")
    end = utf16_position(DRAFT, "entirely", len("entirely"))
    client.text_document_did_change(
        types.DidChangeTextDocumentParams(
            text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=2),
            content_changes=[
                types.TextDocumentContentChangePartial(range=types.Range(start=start, end=end), text="uniformly")
            ],
        )
    )
    await until(lambda: not any(d.code == "drift" for d in client.diagnostics.get(uri, [])), "the drift to clear")
