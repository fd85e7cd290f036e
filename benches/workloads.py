#!/usr/bin/env python3
"""Generate the deterministic benchmark workloads for quoteline (issue 5).

One seed gives byte-identical output. The workloads are:

* Corpora S, M and L. S is the bundled `corpus/` (five real documents). M and L
  keep those five documents and add generated "archive" documents whose prose
  comes from a word-level Markov chain (order 2) trained on the five, so common
  phrases repeat the way they do in real archives. Some generated documents are
  wrapped at about 70 columns, and some of those hyphenate words at the line end
  (`Ambassa-\\ndor`). Names in the generated prose are drawn afresh each time a
  paragraph is written, Zipf-distributed from a lexicon of two million, so the
  vocabulary grows with the corpus as a real archive's does (Heaps' law).
  Known passages (fragments of the seed documents and generated unique
  passages) are planted at recorded places; `manifest.json` lists every
  planted passage with its file, offsets, lines and columns.
* Markdown drafts (short, medium, long, and a batch of medium drafts) whose
  quotes use curly quotation marks and Pandoc citations `[@key]`. Each draft has
  an `.expect.json` naming, per quote, the expected verdict, the source span and
  the edits a checker should report.
* A keystroke trace: the LSP `didChange` content changes that type the medium
  draft one event at a time.

Everything is written under `--out` (default `bench-out/workloads`, which git
ignores); nothing generated belongs in the repository.
"""

from __future__ import annotations

import argparse
import bisect
import json
import math
import random
import re
import shutil
import sys
import time
from dataclasses import dataclass, field, replace
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
SEED_CORPUS_DIR = REPO_ROOT / "corpus"

# Sizes are targets for the whole corpus, seed documents included.
CORPUS_TARGET_BYTES = {"M": 10_000_000, "L": 1_000_000_000}
# Mean generated-document size per corpus: about 500 files for M, 5000 for L.
MEAN_DOCUMENT_BYTES = {"M": 20_000, "L": 200_000}
# Above this much generated prose, documents reuse paragraphs from a pool
# instead of running the Markov chain further, which keeps L to under two minutes
# and 2 GB of memory. The README states the resulting repetition (about 4x in L).
PARAGRAPH_POOL_BYTES = 250_000_000
# A real archive's vocabulary keeps growing with its size (Heaps' law: news
# collections have about 44 * tokens^0.49 distinct words, some 460,000 in 1 GB),
# mostly through names, while the seeds have only a few thousand words. So this
# share of the generated prose's mid-sentence capitalised words (15% of the
# seeds' words) is a name drawn afresh for each document from a lexicon of
# NAME_LEXICON synthetic names, Zipf-distributed (exponent 1): a few recur
# everywhere, most are rare. This gives M 31,000 distinct words and L 905,000
# (so L's word ids take three bytes, as a real archive's would).
NAME_SLOT_SHARE = 0.3
NAME_LEXICON = 2_000_000

EULER_GAMMA = 0.5772156649015329

WRAP_COLUMNS = 70
WORDS_PER_PAGE = 500

DRAFT_SHAPES = {
    # name: (pages, quotes)
    "short": (1, 5),
    "medium": (10, 50),
    "long": (100, 500),
}
BATCH_DRAFTS = 100

# What the checker should say for each kind of quote the drafts contain.
CATEGORY_VERDICT = {
    "exact": "exact",
    "typography": "exact",
    "hyphen_break": "exact",
    "drift_replace": "drift",
    "drift_drop": "drift",
    "ocr_noise": "drift",
    "ellipsis": "altered",
    "bracket": "altered",
    "short_verbatim": "exact",
    "short_altered": "unchecked",
    "unsourced": "unsourced",
    "misattributed": "misattributed",
}
# Relative frequency of each kind of quote in a draft.
CATEGORY_WEIGHT = {
    "exact": 18,
    "typography": 10,
    "hyphen_break": 8,
    "drift_replace": 10,
    "drift_drop": 8,
    "ocr_noise": 8,
    "ellipsis": 10,
    "bracket": 8,
    "short_verbatim": 4,
    "short_altered": 4,
    "unsourced": 6,
    "misattributed": 6,
}

# Characters that would turn a quote or a prose token into Markdown syntax, a
# nested quotation or a citation, which would make the expected verdicts wrong.
UNQUOTABLE_CHARS = set('"“”[]*_#@<>|`\\…{}=~^$')
ABBREVIATIONS = {"U.S.", "U.N.", "Mr.", "Mrs.", "Ms.", "Dr.", "St.", "Gen.", "Col.", "No.", "Jr.", "Sr.", "e.g.", "i.e.", "vs."}
PRONOUN_REPLACEMENTS = {
    "it": ["[the MEK]", "[the group]", "[the organization]"],
    "they": ["[the MEK leaders]", "[the residents]", "[the defectors]"],
    "he": ["[Rajavi]", "[the Ambassador]"],
    "she": ["[Maryam Rajavi]"],
    "them": ["[the residents]", "[the members]"],
    "this": ["[this policy]"],
}
BRACKET_INSERTIONS = ["[sic]", "[in Iraq]", "[emphasis added]", "[in 2011]", "[at Camp Ashraf]"]
OCR_CONFUSIONS = [("rn", "m"), ("m", "rn"), ("l", "1"), ("I", "l"), ("O", "0"), ("e", "c"), ("c", "e"), ("h", "li"), ("u", "ii"), ("a", "o")]

# Off-topic vocabulary for quotes that exist nowhere in the corpus.
UNSOURCED_SUBJECTS = ["The municipal orchestra", "Our quarterly budget", "The river ferry service", "A regional bakery chain", "The chess federation", "The tram depot", "The library's lending desk", "A cooperative of beekeepers"]
UNSOURCED_VERBS = ["postponed", "celebrated", "renovated", "audited", "rehearsed", "reopened", "catalogued", "repainted"]
UNSOURCED_OBJECTS = ["its winter concert series", "the lighthouse museum", "every violin in storage", "the almond harvest", "two hundred bicycle racks", "the botanical greenhouse", "the annual pumpkin fair", "the lakeside rowing club"]
UNSOURCED_TAILS = ["after heavy snowfall in February", "because the glaziers were late", "with help from volunteers on Sundays", "to the delight of local schoolchildren", "while the harbour was dredged", "despite complaints about parking"]

DRAFT_LEAD_INS = [
    "As the source puts it,", "One account states that", "In the words of the document,", "The report observes:",
    "According to the record,", "It was later noted that", "A contemporary summary reads", "The text is blunt:",
    "Critics pointed out that", "The authors wrote that", "Elsewhere we read", "The cable records that",
]

DOCUMENT_KINDS = ["cable", "newsletter", "report", "profile", "transcript", "memo", "bulletin", "testimony"]
MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"]


# ---------------------------------------------------------------------------
# Tokens with offsets


@dataclass
class Token:
    """One whitespace-delimited word as a quoter would type it.

    `start`/`end` are code-point offsets into the file. A word split by a soft
    hyphen at a line end is one token whose text has the hyphen removed and
    whose span covers both halves.
    """

    text: str
    start: int
    end: int
    soft_break: bool = False
    hard_break: bool = False


@dataclass
class Block:
    """A paragraph of tokens, the unit within which quotes are chosen."""

    tokens: list[Token]


@dataclass
class SourceDocument:
    key: str
    path: Path
    text: str  # empty for generated documents; see full_text
    blocks: list[Block]
    origin: str  # "seed" or "generated"
    style: str  # "original", "plain", "wrapped" or "hyphenated"

    def full_text(self) -> str:
        return self.text or self.path.read_text(encoding="utf-8")


WORD_RE = re.compile(r"\S+")


def core_word(token: str) -> str:
    return re.sub(r"^[^\w]+|[^\w]+$", "", token)


def is_sentence_end(token: str) -> bool:
    stripped = token.rstrip("”’\"')")
    if not stripped or stripped[-1] not in ".!?":
        return False
    if stripped in ABBREVIATIONS or re.fullmatch(r"[A-Z]\.", stripped):
        return False
    return True


def paragraph_ranges(text: str) -> list[tuple[int, int]]:
    """Paragraphs of a real document as (start, end) offsets.

    In a document with one paragraph per line every line is a paragraph. In a
    hard-wrapped one, a blank line or a line much shorter than the wrap width
    (a heading, a list entry, a paragraph's last line) ends the paragraph, so
    quotes never run from one paragraph into the next.
    """
    lines = [(m.start(), m.end()) for m in re.finditer(r"[^\n]*", text) if text[m.start():m.end()].strip()]
    lengths = sorted(end - start for start, end in lines)
    if not lengths:
        return []
    wrapped = lengths[len(lengths) // 2] < 100
    if not wrapped:
        return lines
    width = lengths[int(len(lengths) * 0.9)]
    ranges: list[tuple[int, int]] = []
    current: tuple[int, int] | None = None
    for start, end in lines:
        if current is not None and text.count("\n", current[1], start) == 1:
            current = (current[0], end)
        else:
            if current is not None:
                ranges.append(current)
            current = (start, end)
        if end - start < 0.65 * width:
            ranges.append(current)
            current = None
    if current is not None:
        ranges.append(current)
    return ranges


def tokenize_original(text: str, vocabulary: set[str], hyphenated_vocabulary: set[str]) -> list[Block]:
    """Split a real document into blocks of tokens, rejoining line-end hyphenation.

    A `-` at a line end is taken as a soft hyphen only when the joined word is
    attested elsewhere, and as a hard hyphen only when the hyphenated compound
    is; the rest are ambiguous, and quotes are never chosen across them.
    """
    blocks: list[Block] = []
    for block_start, block_end in paragraph_ranges(text):
        raw = [(m.group(), m.start() + block_start, m.end() + block_start) for m in WORD_RE.finditer(text[block_start:block_end])]
        tokens: list[Token] = []
        i = 0
        while i < len(raw):
            word, start, end = raw[i]
            at_line_end = end < len(text) and text[end] == "\n"
            if word.endswith("-") and len(word) > 1 and word[-2].isalpha() and at_line_end and i + 1 < len(raw):
                next_word, _, next_end = raw[i + 1]
                joined = word[:-1] + next_word
                joined_core = core_word(joined).lower()
                compound_core = core_word(word + next_word).lower()
                if next_word[:1].islower() and joined_core in vocabulary:
                    tokens.append(Token(joined, start, next_end, soft_break=True))
                elif compound_core in hyphenated_vocabulary:
                    tokens.append(Token(word + next_word, start, next_end, hard_break=True))
                else:
                    tokens.append(Token(word + next_word, start, next_end, hard_break=True))
                i += 2
                continue
            tokens.append(Token(word, start, end))
            i += 1
        if tokens:
            blocks.append(Block(tokens))
    return blocks


# ---------------------------------------------------------------------------
# Markov prose


class MarkovProse:
    """Order-2 word chain over the seed documents, with an order-1 fallback.

    When a two-word state has a single continuation the chain would copy the
    seed text verbatim for long runs; taking the order-1 step half of those
    times keeps shared phrases short-to-medium, like quotations in an archive.
    """

    def __init__(self, token_lists: list[list[str]], rng: random.Random):
        self.rng = rng
        self.order2: dict[tuple[str, str], list[str]] = {}
        self.order1: dict[str, list[str]] = {}
        self.starts: list[tuple[str, str]] = []
        for tokens in token_lists:
            for i in range(len(tokens) - 2):
                a, b, c = tokens[i], tokens[i + 1], tokens[i + 2]
                self.order2.setdefault((a, b), []).append(c)
                self.order1.setdefault(b, []).append(c)
                if (i == 0 or is_sentence_end(tokens[i - 1])) and a[:1].isupper():
                    self.starts.append((a, b))
        self.single_continuation = {state for state, nexts in self.order2.items() if len(set(nexts)) == 1}
        self.words = sorted({core_word(t) for tokens in token_lists for t in tokens if core_word(t).isalpha() and len(core_word(t)) >= 4})

    def sentence(self, max_words: int = 45) -> list[str]:
        rng = self.rng
        a, b = rng.choice(self.starts)
        words = [a, b]
        while len(words) < max_words:
            if is_sentence_end(words[-1]) and len(words) >= 6:
                break
            state = (words[-2], words[-1])
            nexts = self.order2.get(state)
            if nexts is None or (state in self.single_continuation and rng.random() < 0.5):
                nexts = self.order1.get(words[-1])
                if not nexts:
                    break
            words.append(nexts[int(rng.random() * len(nexts))])
        if not is_sentence_end(words[-1]):
            words[-1] = words[-1].rstrip(",;:") + "."
        # A word ending in "-" (as in "hit-and -run") that lands at a line end reads as
        # soft hyphenation, which would make the ground truth ambiguous; leave such words out.
        return [w for w in words if not w.endswith("-")] or words[-1:]

    def paragraph(self, min_words: int, max_words: int) -> list[str]:
        target = self.rng.randint(min_words, max_words)
        words: list[str] = []
        while len(words) < target:
            words.extend(self.sentence())
        return words


class NameLexicon:
    """Synthetic proper names ("Bazemi", "Tokiran"), drawn with Zipf's law over ranks.

    A name is three consonant-vowel syllables and a vowel-initial ending (or
    none), so no two ranks spell the same name.
    """

    SYLLABLES = [c + v for c in "bdfghjklmnprstvz" for v in "aeiou"]
    ENDINGS = ["", "i", "an", "ani", "ov", "ez", "ar", "en"]
    # Every name there is: three syllables and an ending.
    CAPACITY = len(SYLLABLES) ** 3 * len(ENDINGS)
    # Placeholder for a name in a pooled paragraph: it has no vowel, so
    # `hyphenation_point` never breaks it, and the seeds never contain it.
    SLOT = "QQQQQQ"
    SLOT_RE = re.compile(SLOT)

    def __init__(self, rng: random.Random, size: int = NAME_LEXICON):
        self.rng = rng
        self.size = size
        # The continuous approximation of the harmonic numbers inverts the CDF of
        # Zipf's law with exponent 1 in closed form: H(r) ~ ln r + gamma.
        self.log_span = math.log(size) + EULER_GAMMA

    def name(self, rank: int) -> str:
        # Ranks are spread over the name space (the multiplier is prime to its size,
        # 80^3 * 8), so the common names do not all begin "Baba".
        index = (rank - 1) * 2654435761 % self.CAPACITY
        ending = self.ENDINGS[index % len(self.ENDINGS)]
        index //= len(self.ENDINGS)
        base = len(self.SYLLABLES)
        syllables = [self.SYLLABLES[(index // base**k) % base] for k in range(3)]
        return "".join(syllables).capitalize() + ending

    def draw(self) -> str:
        rank = int(math.exp(self.rng.random() * self.log_span - EULER_GAMMA))
        return self.name(min(max(rank, 1), self.size))

    def mark_slots(self, words: list[str]) -> list[str]:
        """`words` with a share of its mid-sentence capitalised words made name slots."""
        marked = []
        for i, word in enumerate(words):
            core = core_word(word)
            mid_sentence = i > 0 and not is_sentence_end(words[i - 1])
            if mid_sentence and len(core) >= 3 and core.isalpha() and core[0].isupper() and self.rng.random() < NAME_SLOT_SHARE:
                word = word.replace(core, self.SLOT, 1)
            marked.append(word)
        return marked

    def fill(self, text: str) -> str:
        """`text` with each slot a freshly drawn name."""
        return self.SLOT_RE.sub(lambda _: self.draw(), text)


def clean_prose_token(token: str) -> str:
    """Strip characters that would read as quotation, citation or Markdown in a draft."""
    token = "".join(ch for ch in token if ch not in UNQUOTABLE_CHARS)
    token = token.lstrip("‘'(").rstrip("’')")
    return token


# ---------------------------------------------------------------------------
# Rendering generated documents


VOWELS = set("aeiouyAEIOUY")


def hyphenation_point(word: str, room: int) -> int:
    """Where to break `word` so that at most `room` letters stay on the line; 0 for nowhere.

    A rough syllable rule (break before a consonant that starts a syllable, with
    a vowel on both sides of the break) keeps the breaks looking like a typesetter's.
    """
    for k in range(min(room, len(word) - 3), 2, -1):
        if word[k] not in VOWELS and word[k + 1] in VOWELS and any(ch in VOWELS for ch in word[:k]):
            return k
    return 0


def render_paragraph(words: list[str], style: str, base_offset: int) -> tuple[str, list[tuple[int, int, bool]]]:
    """Lay out one paragraph; return its text and each word's (start, end, crosses_soft_hyphen).

    Offsets are absolute (base_offset + position). Only hyphenated style splits
    words, and only purely alphabetic ones, so every `-\\n` it writes is soft.
    """
    spans: list[tuple[int, int, bool]] = []
    if style == "plain":
        parts: list[str] = []
        pos = base_offset
        for i, w in enumerate(words):
            if i:
                parts.append(" ")
                pos += 1
            spans.append((pos, pos + len(w), False))
            parts.append(w)
            pos += len(w)
        return "".join(parts), spans
    out: list[str] = []
    pos = base_offset
    line_len = 0
    for w in words:
        if line_len == 0:
            pass
        # A word ending in a hyphen ("MEK- a.k.a.") never ends a line: `-\n` after a letter
        # reads as a word broken across the line, which the ground truth could not tell apart.
        elif line_len + 1 + len(w) <= WRAP_COLUMNS or out[-1].endswith("-"):
            out.append(" ")
            pos += 1
            line_len += 1
        else:
            room = WRAP_COLUMNS - line_len - 2  # a space and the hyphen
            if style == "hyphenated" and w.isalpha() and len(w) >= 7 and room >= 3:
                split = hyphenation_point(w, room)
                if split:
                    first, rest = w[:split] + "-", w[split:]
                    out.append(" " + first + "\n" + rest)
                    spans.append((pos + 1, pos + 1 + len(first) + 1 + len(rest), True))
                    pos += 1 + len(first) + 1 + len(rest)
                    line_len = len(rest)
                    continue
            out.append("\n")
            pos += 1
            line_len = 0
        spans.append((pos, pos + len(w), False))
        out.append(w)
        pos += len(w)
        line_len += len(w)
    return "".join(out), spans


@dataclass
class PlantedPassage:
    passage_id: str
    origin: str  # "seed-copy" or "unique"
    seed_key: str | None
    key: str
    words: list[str]
    spans: list[tuple[int, int, bool]] = field(default_factory=list)
    block: Block | None = None


class LineIndex:
    """Code-point offset to 1-based (line, column) for one text."""

    def __init__(self, text: str):
        self.line_starts = [0] + [m.end() for m in re.finditer("\n", text)]

    def position(self, offset: int) -> dict:
        line = bisect.bisect_right(self.line_starts, offset) - 1
        return {"line": line + 1, "column": offset - self.line_starts[line] + 1}


# ---------------------------------------------------------------------------
# Corpora


def seed_documents() -> list[tuple[str, str]]:
    files = sorted(SEED_CORPUS_DIR.glob("*.txt"))
    if not files:
        sys.exit(f"no seed documents in {SEED_CORPUS_DIR}")
    return [(f.stem, f.read_text(encoding="utf-8")) for f in files]


def seed_vocabularies(seeds: list[tuple[str, str]]) -> tuple[set[str], set[str]]:
    plain: set[str] = set()
    hyphenated: set[str] = set()
    for _, text in seeds:
        for m in WORD_RE.finditer(text):
            w = core_word(m.group()).lower()
            if "-" in w:
                hyphenated.add(w)
            if not m.group().endswith("-"):
                plain.add(w)
    return plain, hyphenated


def document_header(rng: random.Random, kind: str, year: int, number: int) -> str:
    day = rng.randint(1, 28)
    month = rng.choice(MONTHS)
    title = {
        "cable": f"CABLE {year}-{number:04d}\nSUBJECT: CONDITIONS AT CAMP ASHRAF",
        "newsletter": f"Newsletter No. {number}, {month} {year}",
        "report": f"Report {number}: The Mojahedin and Their Critics",
        "profile": f"Profile {number}",
        "transcript": f"Transcript of proceedings, session {number}",
        "memo": f"MEMORANDUM {number}",
        "bulletin": f"Bulletin {year}/{number}",
        "testimony": f"Testimony before the committee, hearing {number}",
    }[kind]
    return f"{title}\n{day} {month} {year}\n\n"


class CorpusBuilder:
    def __init__(self, name: str, out_dir: Path, seed: int, target_bytes: int | None):
        self.name = name
        self.out_dir = out_dir
        self.rng = random.Random(f"{seed}-corpus-{name}")
        self.target_bytes = target_bytes
        self.documents: list[SourceDocument] = []
        self.planted: list[PlantedPassage] = []
        # Its own generator, so names do not shift any other choice.
        self.names = NameLexicon(random.Random(f"{seed}-names-{name}"))

    def build(self, seeds: list[tuple[str, str]], prose: MarkovProse, vocab: tuple[set[str], set[str]]) -> list[SourceDocument]:
        corpus_dir = self.out_dir / "corpora" / self.name
        if corpus_dir.exists():
            shutil.rmtree(corpus_dir)
        corpus_dir.mkdir(parents=True)
        for key, text in seeds:
            path = corpus_dir / f"{key}.txt"
            path.write_text(text, encoding="utf-8")
            self.documents.append(SourceDocument(key, path, text, tokenize_original(text, *vocab), "seed", "original"))
        if self.target_bytes is None:
            return self.documents
        self._generate(corpus_dir, prose, seed_sentences(self.documents))
        return self.documents

    def _generate(self, corpus_dir: Path, prose: MarkovProse, sentences: list[tuple[str, list[str]]]) -> None:
        rng = self.rng
        written = sum(len(d.text.encode("utf-8")) for d in self.documents)
        mean = MEAN_DOCUMENT_BYTES[self.name]
        pool: list[tuple[list[str], dict[str, tuple[str, int]]]] = []
        pool_bytes = 0
        number = 0
        started = time.monotonic()
        next_report = 50_000_000
        while written < self.target_bytes:
            number += 1
            kind = rng.choice(DOCUMENT_KINDS)
            year = rng.randint(1981, 2012)
            key = f"{kind}-{year}-{number:05d}"
            style = rng.choices(["plain", "wrapped", "hyphenated"], weights=[4, 3, 3])[0]
            doc_target = max(2_000, int(rng.expovariate(1 / mean)) if rng.random() < 0.3 else int(rng.uniform(0.4, 1.6) * mean))
            doc_target = min(doc_target, self.target_bytes - written + 2_000)
            parts = [document_header(rng, kind, year, number)]
            length = len(parts[0])
            planted_here = self._choose_plants(key, prose, sentences)
            plant_after = sorted(rng.randrange(0, max(1, doc_target // 600)) for _ in planted_here)
            paragraph_index = 0
            doc_passages: list[PlantedPassage] = []
            while length < doc_target or planted_here:
                if planted_here and (not plant_after or plant_after[0] <= paragraph_index or length >= doc_target):
                    plant_after.pop(0) if plant_after else None
                    passage = planted_here.pop(0)
                    # The passage sits inside fresh prose so that it does not start a paragraph.
                    before = prose.paragraph(10, 40)
                    after = prose.paragraph(10, 40)
                    text, spans = render_paragraph(before + passage.words + after, style, length)
                    passage.spans = spans[len(before): len(before) + len(passage.words)]
                    passage.block = Block([Token(w, s, e, soft_break=soft) for w, (s, e, soft) in zip(passage.words, passage.spans)])
                    doc_passages.append(passage)
                else:
                    if pool_bytes < PARAGRAPH_POOL_BYTES:
                        words = self.names.mark_slots(prose.paragraph(40, 160))
                        entry = (words, {})
                        pool.append(entry)
                        pool_bytes += sum(len(w) + 1 for w in words)
                    else:
                        entry = pool[int(rng.random() * len(pool))]
                    words, rendered = entry
                    if style not in rendered:
                        rendered[style] = render_paragraph(words, style, 0)[0]
                    text = self.names.fill(rendered[style])
                parts.append(text)
                parts.append("\n\n")
                length += len(text) + 2
                paragraph_index += 1
            doc_text = "".join(parts)
            path = corpus_dir / f"{key}.txt"
            path.write_text(doc_text, encoding="utf-8")
            written += len(doc_text.encode("utf-8"))
            self.planted.extend(doc_passages)
            # Generated text is read back from disk when a quote needs it, so L never sits in memory.
            self.documents.append(SourceDocument(key, path, "", [p.block for p in doc_passages], "generated", style))
            if written > next_report:
                print(f"  {self.name}: {written / 1e6:.0f} MB in {time.monotonic() - started:.0f} s", file=sys.stderr)
                next_report += 50_000_000

    def _choose_plants(self, key: str, prose: MarkovProse, sentences: list[tuple[str, list[str]]]) -> list[PlantedPassage]:
        rng = self.rng
        plants = []
        for _ in range(rng.choice([1, 2, 2, 3])):
            pid = f"{self.name}-p{len(self.planted) + len(plants):06d}"
            if rng.random() < 0.35:
                start = rng.randrange(len(sentences))
                seed_key = sentences[start][0]
                words = [w for k, s in sentences[start: start + rng.randint(1, 2)] if k == seed_key for w in s]
                plants.append(PlantedPassage(pid, "seed-copy", seed_key, key, list(words)))
            else:
                words = [clean_prose_token(w) for w in prose.paragraph(25, 60)]
                words = [w for w in words if w]
                plants.append(PlantedPassage(pid, "unique", None, key, words))
        return plants


def seed_sentences(documents: list[SourceDocument]) -> list[tuple[str, list[str]]]:
    """Clean seed sentences (8-50 words, no quotation or markup characters) to plant as copies, with their key."""
    sentences: list[tuple[str, list[str]]] = []
    for doc in documents:
        if doc.origin != "seed":
            continue
        for block in doc.blocks:
            current: list[Token] = []
            for tok in block.tokens:
                current.append(tok)
                if is_sentence_end(tok.text):
                    words = [t.text for t in current]
                    if 8 <= len(words) <= 50 and not any(ch in UNQUOTABLE_CHARS for w in words for ch in w) and not any(t.hard_break for t in current):
                        sentences.append((doc.key, words))
                    current = []
    return sentences


# ---------------------------------------------------------------------------
# Quote spans and their alterations


@dataclass
class QuoteSource:
    document: SourceDocument
    tokens: list[Token]
    origin: str  # "seed", "seed-copy" or "unique"

    @property
    def text(self) -> str:
        return " ".join(t.text for t in self.tokens)


def clean_span(tokens: list[Token]) -> bool:
    return all(not t.hard_break and not any(ch in UNQUOTABLE_CHARS for ch in t.text) for t in tokens)


def trim_edges(tokens: list[Token]) -> list[Token]:
    """Drop edge punctuation a writer would not quote (leading '(' or a trailing comma)."""
    if not tokens:
        return tokens
    first, last = tokens[0], tokens[-1]
    lead = len(first.text) - len(first.text.lstrip("(‘'"))
    trail = len(last.text) - len(last.text.rstrip(",;:)’'"))
    if first is last:
        if lead + trail >= len(first.text):
            return []
        return [replace(first, text=first.text[lead: len(first.text) - trail], start=first.start + lead, end=first.end - trail)]
    first = replace(first, text=first.text[lead:], start=first.start + lead)
    last = replace(last, text=last.text[: len(last.text) - trail], end=last.end - trail)
    if not first.text or not last.text:
        return []
    return [first] + tokens[1:-1] + [last]


class SpanPicker:
    """Draws quotable token windows from a corpus, honouring what a category needs."""

    def __init__(self, documents: list[SourceDocument], planted: list[PlantedPassage], rng: random.Random):
        self.rng = rng
        self.seed_blocks = [(d, b) for d in documents if d.origin == "seed" for b in d.blocks if len(b.tokens) >= 12]
        by_key = {d.key: d for d in documents}
        self.planted_blocks = [(by_key[p.key], p.block, p) for p in planted]
        self.unique_blocks = [(d, b) for d, b, p in self.planted_blocks if p.origin == "unique"]
        self.copy_blocks = [(d, b) for d, b, p in self.planted_blocks if p.origin == "seed-copy"]
        self.copied_text = {}  # seed sentence text -> keys holding a copy
        for d, b, p in self.planted_blocks:
            if p.origin == "seed-copy":
                self.copied_text.setdefault(" ".join(p.words), set()).add(d.key)

    def pick(self, min_words: int, max_words: int, want=lambda toks: True, unique_only=False, attempts=400) -> QuoteSource | None:
        rng = self.rng
        for _ in range(attempts):
            roll = rng.random()
            if unique_only:
                pool, origin = (self.unique_blocks, "unique") if self.unique_blocks else (self.seed_blocks, "seed")
            elif self.planted_blocks and roll < 0.5:
                pool, origin = self.unique_blocks, "unique"
            elif self.copy_blocks and roll < 0.6:
                pool, origin = self.copy_blocks, "seed-copy"
            else:
                pool, origin = self.seed_blocks, "seed"
            if not pool:
                continue
            doc, block = pool[int(rng.random() * len(pool))]
            n = len(block.tokens)
            length = rng.randint(min_words, max_words)
            if n < length:
                continue
            start = rng.randint(0, n - length)
            tokens = trim_edges(block.tokens[start: start + length])
            if len(tokens) < min_words or not clean_span(tokens) or not want(tokens):
                continue
            if any(not core_word(t.text) for t in (tokens[0], tokens[-1])):
                continue
            return QuoteSource(doc, tokens, origin)
        return None


def swap_case_first(word: str) -> str:
    for i, ch in enumerate(word):
        if ch.isalpha():
            return word[:i] + (ch.lower() if ch.isupper() else ch.upper()) + word[i + 1:]
    return word


def typography_variant(words: list[str]) -> list[str]:
    """Change case, apostrophe style and dash style: all differences a checker must forgive."""
    out = [swap_case_first(words[0])] + words[1:]
    out = [w.replace("’", "'") if "’" in w else w.replace("'", "’") for w in out]
    out = [w.replace("—", "–") if "—" in w else w.replace("–", "—") for w in out]
    return [w.replace("--", "—") for w in out]


def interior_indexes(words: list[str], rng: random.Random, count: int, predicate) -> list[int]:
    candidates = [i for i in range(1, len(words) - 1) if predicate(words[i])]
    rng.shuffle(candidates)
    chosen: list[int] = []
    for i in candidates:
        if all(abs(i - j) > 1 for j in chosen):
            chosen.append(i)
        if len(chosen) == count:
            break
    return sorted(chosen)


def alter_quote(category: str, source_words: list[str], rng: random.Random, vocabulary: list[str]) -> tuple[list[str], list[dict]] | None:
    """Apply one category's change to a quote; return the draft words and the expected edits."""
    words = list(source_words)
    if category in ("exact", "hyphen_break", "misattributed", "short_verbatim"):
        return words, []
    if category == "typography":
        return typography_variant(words), []
    if category == "drift_replace":
        idx = interior_indexes(words, rng, rng.randint(1, 2), lambda w: core_word(w).isalpha() and len(core_word(w)) >= 4)
        if not idx:
            return None
        edits = []
        for i in idx:
            old = core_word(words[i])
            new = old
            while new.lower() == old.lower():
                new = rng.choice(vocabulary)
            new = new.capitalize() if old[:1].isupper() else new.lower()
            words[i] = words[i].replace(old, new, 1)
            edits.append({"op": "replace", "draft": new, "source": old})
        return words, edits
    if category == "drift_drop":
        idx = interior_indexes(words, rng, rng.randint(1, 2), lambda w: core_word(w) == w and w.isalpha())
        if not idx:
            return None
        edits = [{"op": "omit", "draft": "", "source": words[i]} for i in idx]
        return [w for i, w in enumerate(words) if i not in idx], edits
    if category == "ellipsis":
        if len(words) < 12:
            return None
        run = rng.randint(3, min(8, len(words) - 6))
        start = rng.randint(2, len(words) - run - 2)
        omitted = words[start: start + run]
        return words[:start] + ["…"] + words[start + run:], [{"op": "omit", "draft": "…", "source": " ".join(omitted)}]
    if category == "bracket":
        idx = interior_indexes(words, rng, 1, lambda w: core_word(w).lower() in PRONOUN_REPLACEMENTS and core_word(w) == w)
        if idx:
            i = idx[0]
            bracket = rng.choice(PRONOUN_REPLACEMENTS[words[i].lower()])
            edits = [{"op": "replace", "draft": bracket, "source": words[i]}]
            words[i] = bracket
            return words, edits
        i = rng.randint(1, len(words) - 2)
        if not words[i].isalpha():
            return None
        bracket = rng.choice(BRACKET_INSERTIONS)
        return words[: i + 1] + [bracket] + words[i + 1:], [{"op": "insert", "draft": bracket, "source": ""}]
    if category == "ocr_noise":
        edits = []
        for i in interior_indexes(words, rng, rng.randint(1, 3), lambda w: len(w) >= 4):
            for old, new in rng.sample(OCR_CONFUSIONS, len(OCR_CONFUSIONS)):
                if old in words[i]:
                    noisy = words[i].replace(old, new, 1)
                    edits.append({"op": "replace", "draft": noisy, "source": words[i]})
                    words[i] = noisy
                    break
        return (words, edits) if edits else None
    raise ValueError(category)


def unsourced_sentence(rng: random.Random) -> list[str]:
    text = f"{rng.choice(UNSOURCED_SUBJECTS)} {rng.choice(UNSOURCED_VERBS)} {rng.choice(UNSOURCED_OBJECTS)} {rng.choice(UNSOURCED_TAILS)}"
    return text.split()


# ---------------------------------------------------------------------------
# Drafts


@dataclass
class PlannedQuote:
    category: str
    draft_words: list[str]
    cited: str
    source: QuoteSource | None
    edits: list[dict]
    check_location: bool


class DraftWriter:
    def __init__(self, corpus: str, documents: list[SourceDocument], picker: SpanPicker, prose: MarkovProse, rng: random.Random):
        self.corpus = corpus
        self.documents = documents
        self.keys = [d.key for d in documents]
        self.picker = picker
        self.prose = prose
        self.rng = rng
        self.has_hyphen_breaks = any(t.soft_break for _, b in picker.seed_blocks + picker.unique_blocks for t in b.tokens)
        self.line_indexes: dict[str, tuple[str, LineIndex]] = {}

    def category_deck(self, count: int) -> list[str]:
        """Quote kinds for `count` quotes in proportion to CATEGORY_WEIGHT, shuffled."""
        weights = dict(CATEGORY_WEIGHT)
        if not self.has_hyphen_breaks:
            weights.pop("hyphen_break")
        total = sum(weights.values())
        exact_counts = {c: count * w / total for c, w in weights.items()}
        counts = {c: int(v) for c, v in exact_counts.items()}
        by_remainder = sorted(weights, key=lambda c: (-(exact_counts[c] - counts[c]), -weights[c], c))
        for c in by_remainder[: count - sum(counts.values())]:
            counts[c] += 1
        deck = [c for c in weights for _ in range(counts[c])]
        self.rng.shuffle(deck)
        return deck

    def plan_quote(self, category: str) -> PlannedQuote:
        rng = self.rng
        while True:
            planned = self._try_plan(category)
            if planned is not None:
                return planned
            category = rng.choice(["exact", "drift_replace", "ellipsis"])

    def _try_plan(self, category: str) -> PlannedQuote | None:
        rng, picker = self.rng, self.picker
        if category == "unsourced":
            return PlannedQuote(category, unsourced_sentence(rng), rng.choice(self.keys), None, [], False)
        if category in ("short_verbatim", "short_altered"):
            source = picker.pick(3, 3, want=lambda ts: all(core_word(t.text) == t.text and t.text.isalpha() and not t.soft_break for t in ts))
            if source is None:
                return None
            words = [t.text for t in source.tokens]
            if category == "short_verbatim":
                return PlannedQuote(category, words, source.document.key, source, [], False)
            # Reordered words read as a paraphrase in scare quotes, found nowhere verbatim.
            altered = [words[1], words[0], words[2]]
            cited_text = re.sub(r"\s+", " ", self.document_text(source.document)[0])
            if words[0].lower() == words[1].lower() or " ".join(altered) in cited_text:
                return None
            return PlannedQuote(category, altered, source.document.key, None, [], False)
        want = lambda ts: True
        min_words, max_words = 8, 35
        if category == "hyphen_break":
            want = lambda ts: any(t.soft_break for t in ts[1:-1])
        elif category == "typography":
            want = lambda ts: any(ch in t.text for t in ts for ch in "’'—–") or rng.random() < 0.3
        elif category == "ellipsis":
            min_words = 14
        elif category == "misattributed":
            min_words = 10
        source = picker.pick(min_words, max_words, want, unique_only=(category == "misattributed"))
        if source is None:
            return None
        altered = alter_quote(category, [t.text for t in source.tokens], rng, self.prose.words)
        if altered is None:
            return None
        words, edits = altered
        cited = source.document.key
        if category == "misattributed":
            # The wrongly cited file must not hold the words itself: planted copies are known,
            # and real documents reprint each other (the newsletter reprints the cable), so look.
            holders = picker.copied_text.get(source.text, set()) | {cited}
            by_key = {d.key: d for d in self.documents}
            for _ in range(50):
                candidate = rng.choice([k for k in self.keys if k not in holders])
                if source.text not in normalize_with_offsets(self.document_text(by_key[candidate])[0])[0]:
                    cited = candidate
                    break
                holders.add(candidate)
            else:
                return None
        return PlannedQuote(category, words, cited, source, edits, True)

    def document_text(self, doc: SourceDocument) -> tuple[str, LineIndex]:
        """Text and line index of a document; only the small seed documents are cached."""
        cached = self.line_indexes.get(doc.key)
        if cached is not None:
            return cached
        text = doc.full_text()
        entry = (text, LineIndex(text))
        if doc.origin == "seed":
            self.line_indexes[doc.key] = entry
        return entry

    def source_record(self, source: QuoteSource) -> dict:
        doc = source.document
        text, index = self.document_text(doc)
        start, end = source.tokens[0].start, source.tokens[-1].end
        # The expectations are the accuracy ground truth, so prove the span holds the quoted words.
        spelled = re.sub(r"\s+", " ", re.sub(r"(?<=\w)-\n", "", text[start:end]))
        if spelled != source.text:
            raise AssertionError(f"{doc.key}[{start}:{end}] reads {spelled!r}, expected {source.text!r}")
        return {
            "key": doc.key,
            "path": doc.path.name,
            "origin": source.origin,
            "start_offset": start,
            "end_offset": end,
            "start": index.position(start),
            "end": index.position(end),
            "text": text[start:end],
            "normalized_text": source.text,
            "crosses_soft_hyphen": any(t.soft_break for t in source.tokens),
        }

    def write(self, path: Path, pages: int, quote_count: int, title: str) -> dict:
        rng = self.rng
        quotes = [self.plan_quote(c) for c in self.category_deck(quote_count)]
        words_budget = pages * WORDS_PER_PAGE
        paragraphs = max(quote_count // 2 + 1, words_budget // 90)
        # Spread quotes over paragraphs as evenly as the counts allow.
        slots = sorted(rng.randrange(paragraphs) for _ in quotes)
        lines = [f"# {title}", ""]
        records = []
        q = 0
        for p in range(paragraphs):
            if p % 8 == 0:
                lines += [f"## Part {p // 8 + 1}", ""]
            here = []
            while q < len(quotes) and slots[q] == p:
                here.append(quotes[q])
                q += 1
            n_sentences = max(2, (words_budget // paragraphs) // 22)
            pieces: list[tuple[str, PlannedQuote | None]] = []
            for s in range(n_sentences):
                sentence = " ".join(w for w in (clean_prose_token(t) for t in self.prose.sentence(30)) if w)
                pieces.append((sentence, None))
            for quote in here:
                pieces.insert(rng.randint(0, len(pieces)), ("", quote))
            line = ""
            line_no = len(lines) + 1
            for sentence, quote in pieces:
                if line:
                    line += " "
                if quote is None:
                    line += sentence
                    continue
                lead = rng.choice(DRAFT_LEAD_INS)
                content = " ".join(quote.draft_words)
                line += f"{lead} “"
                start_col = len(line) + 1
                line += content
                end_col = len(line) + 1
                line += f"” [@{quote.cited}]."
                records.append({
                    "index": len(records),
                    "category": quote.category,
                    "expected_verdict": CATEGORY_VERDICT[quote.category],
                    "cited": quote.cited,
                    "text": content,
                    # Columns of the quote's content (inside the quotation marks), 1-based code points; end is exclusive.
                    "draft_start": {"line": line_no, "column": start_col},
                    "draft_end": {"line": line_no, "column": end_col},
                    "source": self.source_record(quote.source) if quote.source else None,
                    "check_location": quote.check_location,
                    "expected_edits": quote.edits,
                })
            lines += [line, ""]
        text = "\n".join(lines)
        path.write_text(text, encoding="utf-8")
        expectations = {"version": 1, "corpus": self.corpus, "draft": path.name, "quotes": records}
        path.with_suffix(".expect.json").write_text(json.dumps(expectations, indent=1, ensure_ascii=False), encoding="utf-8")
        return expectations


# ---------------------------------------------------------------------------
# Keystroke trace


def utf16_len(s: str) -> int:
    return len(s.encode("utf-16-le")) // 2


def keystroke_trace(text: str, rng: random.Random) -> list[dict]:
    """LSP incremental changes that type `text` from an empty document, one change per event.

    Positions are 0-based with `character` in UTF-16 code units, the LSP default
    encoding. About one keystroke in 80 is a wrong letter followed by a backspace.
    """
    events: list[dict] = []
    line, character = 0, 0
    for ch in text:
        if ch.isalpha() and rng.random() < 1 / 80:
            typo = rng.choice("etaoinshrdlu")
            events.append({"range": {"start": {"line": line, "character": character}, "end": {"line": line, "character": character}}, "text": typo})
            events.append({"range": {"start": {"line": line, "character": character}, "end": {"line": line, "character": character + 1}}, "text": ""})
        events.append({"range": {"start": {"line": line, "character": character}, "end": {"line": line, "character": character}}, "text": ch})
        if ch == "\n":
            line, character = line + 1, 0
        else:
            character += utf16_len(ch)
    return events


def replay_trace(events: list[dict]) -> str:
    """Apply a trace to an empty document; used to prove the trace types the draft."""
    lines = [""]
    for event in events:
        start, end = event["range"]["start"], event["range"]["end"]
        assert start["line"] == end["line"]
        encoded = lines[start["line"]].encode("utf-16-le")
        before = encoded[: 2 * start["character"]].decode("utf-16-le")
        after = encoded[2 * end["character"]:].decode("utf-16-le")
        new = (before + event["text"] + after).split("\n")
        lines[start["line"]: start["line"] + 1] = new
    return "\n".join(lines)


# ---------------------------------------------------------------------------
# Cross-checks


SOFT_BREAK_OR_SPACE = re.compile(r"(?<=[a-z])-\n(?=[a-z])|\s+")


def normalize_with_offsets(text: str) -> tuple[str, list[int]]:
    """Whitespace-collapsed text with soft hyphens rejoined, and each of its characters' offset in `text`."""
    pieces: list[str] = []
    offsets: list[int] = []
    last = 0
    for m in SOFT_BREAK_OR_SPACE.finditer(text):
        pieces.append(text[last:m.start()])
        offsets.extend(range(last, m.start()))
        if m.group() != "-\n":
            pieces.append(" ")
            offsets.append(m.start())
        last = m.end()
    pieces.append(text[last:])
    offsets.extend(range(last, len(text)))
    return "".join(pieces), offsets


def record_occurrences(corpus_dir: Path, expectation_sets: list[dict], only_keys: set[str] | None = None) -> None:
    """List every place that holds a located quote's source text verbatim.

    The seed documents repeat passages (the newsletter reprints the cable), and
    generated prose can reproduce seed phrases, so the same words may sit in
    several places, even twice in one file. A checker or competitor that lands
    on any of them has found a true occurrence; compare.py accepts them all.
    With `only_keys`, only those files are searched, and the planted place
    itself is always listed.
    """
    keys, texts = [], []
    for path in sorted(corpus_dir.glob("*.txt")):
        if only_keys is not None and path.stem not in only_keys:
            continue
        texts.append(path.read_text(encoding="utf-8"))
        keys.append(path.stem)
    normalized = [normalize_with_offsets(t)[0] for t in texts]
    starts, pos = [], 0
    for t in normalized:
        starts.append(pos)
        pos += len(t) + 1
    joined = "\x00".join(normalized)
    offset_maps: dict[int, list[int]] = {}
    for expectations in expectation_sets:
        for quote in expectations["quotes"]:
            source = quote["source"]
            if source is None:
                continue
            needle = source["normalized_text"]
            occurrences = []
            at = joined.find(needle)
            while at != -1 and len(occurrences) < 50:
                file_index = bisect.bisect_right(starts, at) - 1
                if file_index not in offset_maps:
                    offset_maps[file_index] = normalize_with_offsets(texts[file_index])[1]
                offsets = offset_maps[file_index]
                local = at - starts[file_index]
                occurrences.append({"key": keys[file_index], "start_offset": offsets[local], "end_offset": offsets[local + len(needle) - 1] + 1})
                at = joined.find(needle, at + 1)
            if not any(o["key"] == source["key"] and o["start_offset"] == source["start_offset"] for o in occurrences):
                occurrences.insert(0, {"key": source["key"], "start_offset": source["start_offset"], "end_offset": source["end_offset"]})
            source["occurrences"] = occurrences
            source["also_in"] = sorted({o["key"] for o in occurrences} - {source["key"]})


# ---------------------------------------------------------------------------
# Entry point


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=REPO_ROOT / "bench-out" / "workloads")
    parser.add_argument("--sizes", default="S,M", help="comma-separated corpora to generate: S, M, L")
    parser.add_argument("--seed", type=int, default=5)
    parser.add_argument("--m-bytes", type=int, default=CORPUS_TARGET_BYTES["M"], help="target size of corpus M (CI smoke uses about 1 MB)")
    parser.add_argument("--l-bytes", type=int, default=CORPUS_TARGET_BYTES["L"])
    parser.add_argument("--drafts", default="short,medium,long,batch", help="comma-separated draft kinds: short, medium, long, batch")
    parser.add_argument("--short-drafts", type=int, default=1, help="how many short drafts per corpus (CI uses several to make accuracy meaningful)")
    parser.add_argument("--batch-size", type=int, default=BATCH_DRAFTS)
    args = parser.parse_args(argv)

    sizes = [s.strip().upper() for s in args.sizes.split(",") if s.strip()]
    draft_kinds = [d.strip() for d in args.drafts.split(",") if d.strip()]
    targets = {"S": None, "M": args.m_bytes, "L": args.l_bytes}
    seeds = seed_documents()
    vocab = seed_vocabularies(seeds)
    seed_docs = [SourceDocument(k, SEED_CORPUS_DIR / f"{k}.txt", t, tokenize_original(t, *vocab), "seed", "original") for k, t in seeds]
    training = [[t.text for t in b.tokens] for d in seed_docs for b in d.blocks]
    summary_path = args.out / "workloads.json"
    summary = {"version": 1, "seed": args.seed, "corpora": {}}
    if summary_path.exists():
        previous = json.loads(summary_path.read_text(encoding="utf-8"))
        if previous.get("seed") == args.seed:
            # Corpora generated by an earlier run (say L, alone) stay listed.
            summary["corpora"] = previous.get("corpora", {})

    for size in sizes:
        began = time.monotonic()
        prose = MarkovProse(training, random.Random(f"{args.seed}-prose-{size}"))
        builder = CorpusBuilder(size, args.out, args.seed, targets[size])
        documents = builder.build(seeds, prose, vocab)
        corpus_dir = args.out / "corpora" / size
        manifest = {
            "version": 1,
            "corpus": size,
            "seed": args.seed,
            "directory": str(corpus_dir),
            "files": [{"key": d.key, "path": d.path.name, "origin": d.origin, "style": d.style, "bytes": d.path.stat().st_size} for d in documents],
            "planted": [],
        }
        by_key = {d.key: d for d in documents}
        index, index_key = None, None
        for p in builder.planted:
            doc = by_key[p.key]
            if index_key != p.key:
                index, index_key = LineIndex(doc.full_text()), p.key
            start, end = p.spans[0][0], p.spans[-1][1]
            manifest["planted"].append({
                "id": p.passage_id, "origin": p.origin, "seed_key": p.seed_key, "key": p.key, "path": doc.path.name,
                "start_offset": start, "end_offset": end, "start": index.position(start), "end": index.position(end),
                "text": " ".join(p.words), "crosses_soft_hyphen": any(s[2] for s in p.spans),
            })
        manifest["total_bytes"] = sum(f["bytes"] for f in manifest["files"])
        (args.out / "manifests").mkdir(parents=True, exist_ok=True)
        (args.out / "manifests" / f"{size}.json").write_text(json.dumps(manifest, indent=1, ensure_ascii=False), encoding="utf-8")

        draft_dir = args.out / "drafts" / size
        if draft_dir.exists():
            shutil.rmtree(draft_dir)
        draft_dir.mkdir(parents=True)
        drafts_rng = random.Random(f"{args.seed}-drafts-{size}")
        picker = SpanPicker(documents, builder.planted, drafts_rng)
        writer = DraftWriter(size, documents, picker, prose, drafts_rng)
        expectation_sets = []
        written = []
        for kind in draft_kinds:
            if kind == "batch":
                (draft_dir / "batch").mkdir()
                pages, quotes = DRAFT_SHAPES["medium"]
                for i in range(args.batch_size):
                    path = draft_dir / "batch" / f"medium-{i:03d}.md"
                    expectation_sets.append(writer.write(path, pages, quotes, f"Batch draft {i} on the {size} corpus"))
                written.append(f"batch/ ({args.batch_size} drafts)")
                continue
            pages, quotes = DRAFT_SHAPES[kind]
            copies = args.short_drafts if kind == "short" else 1
            for i in range(copies):
                name = f"{kind}.md" if copies == 1 else f"{kind}-{i}.md"
                path = draft_dir / name
                expectation_sets.append(writer.write(path, pages, quotes, f"A {kind} draft on the {size} corpus"))
                written.append(name)
            if kind == "medium":
                trace_text = (draft_dir / "medium.md").read_text(encoding="utf-8")
                events = keystroke_trace(trace_text, random.Random(f"{args.seed}-trace-{size}"))
                assert replay_trace(events) == trace_text, "keystroke trace does not reproduce the draft"
                (draft_dir / "medium.keystrokes.json").write_text(json.dumps(events, separators=(",", ":"), ensure_ascii=False), encoding="utf-8")
        # Searching L's gigabyte for every quote would take minutes; its copies that matter
        # are the seeds' own repeats (a checker reads the cited source first, and a seed
        # document may hold the quoted paragraph twice), so there only the seeds are searched.
        record_occurrences(corpus_dir, expectation_sets, {k for k, _ in seeds} if size == "L" else None)
        for exp in expectation_sets:
            sub = "batch/" if exp["draft"].startswith("medium-") else ""
            (draft_dir / f"{sub}{exp['draft']}").with_suffix(".expect.json").write_text(json.dumps(exp, indent=1, ensure_ascii=False), encoding="utf-8")
        summary["corpora"][size] = {
            "files": len(manifest["files"]),
            "bytes": manifest["total_bytes"],
            "planted": len(manifest["planted"]),
            "drafts": written,
            "seconds": round(time.monotonic() - began, 1),
        }
        print(f"{size}: {len(manifest['files'])} files, {manifest['total_bytes'] / 1e6:.1f} MB, {len(manifest['planted'])} planted passages, drafts {', '.join(written)} ({time.monotonic() - began:.1f} s)", file=sys.stderr)
    summary_path.write_text(json.dumps(summary, indent=1), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
