"""Why a quote that looks right is not in its seed: a look-alike character (#13).

Matching stays exact on the seed's code points (after whitespace is collapsed): a Cyrillic 'а'
is not a Latin 'a', a straight apostrophe is not the seed's curly one, 'é' written as 'e' plus
a combining accent (NFD) is not the seed's 'é' (NFC), and a zero-width space or soft hyphen is
not nothing. When a quote is not found, both texts are reduced to a skeleton (each character's
compatibility decomposition, NFKD, with look-alike letters and punctuation mapped to one
character and invisible characters dropped); if the quote's skeleton occurs in the seed's, the
message names the first character that differs, so a look-alike never passes and never puzzles.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence

from ..terminal import INVISIBLE, character_name

#: Characters that look like another one in most fonts, mapped to it.
LOOK_ALIKES = str.maketrans({
    **dict(zip("аеорсухѕіјԁԛԝһӏ", "aeopcyxsijdqwhl", strict=True)),  # Cyrillic small letters
    **dict(zip("АВЕКМНОРСТХЅІЈУ", "ABEKMHOPCTXSIJY", strict=True)),  # Cyrillic capital letters
    **dict(zip("οναιρκ", "ovaipk", strict=True)),  # Greek small letters
    **dict(zip("ΑΒΕΖΗΙΚΜΝΟΡΤΥΧ", "ABEZHIKMNOPTYX", strict=True)),  # Greek capital letters
    **dict.fromkeys("‘’‚‛′ʼ`´", "'"), **dict.fromkeys("“”„‟″", '"'),
    **dict.fromkeys("‐‑‒–—―−", "-"), "ı": "i",
})

#: LOOK_ALIKES of the ASCII characters (see _skeleton).
ASCII_LOOK_ALIKES = {code: LOOK_ALIKES[code] for code in range(128) if code in LOOK_ALIKES}


def _skeleton(text: str) -> tuple[str, Sequence[int]]:
    """The skeleton of text, and for each of its characters the position in text it comes from.

    An ASCII text is its own skeleton but for the backtick (every ASCII character is its own NFKD
    form, none is invisible, and the backtick is the only one LOOK_ALIKES maps: a test checks all
    128), so it is made without a step per character: 100,000 quotes not found in their seeds took
    20 s a character at a time (#22)."""
    if text.isascii():
        return text.translate(ASCII_LOOK_ALIKES), range(len(text))
    return _skeleton_by_character(text)


def _skeleton_by_character(text: str) -> tuple[str, list[int]]:
    """_skeleton of any text, a character at a time."""
    pieces: list[str] = []
    origin: list[int] = []
    for i, char in enumerate(text):
        piece = "".join(c for c in unicodedata.normalize("NFKD", char).translate(LOOK_ALIKES) if c not in INVISIBLE)
        pieces.append(piece)
        origin += [i] * len(piece)
    return "".join(pieces), origin


class Skeletons:
    """The skeletons of the seeds, each made once, when a quote of it is first not found."""

    def __init__(self, seeds: dict[str, str]) -> None:
        self.seeds = seeds
        self.made: dict[str, tuple[str, Sequence[int]]] = {}

    def difference(self, quote: str, source_id: str) -> str | None:
        """'character 12 of the quote is U+0430 … where the seed has U+0061 …', or None when the skeletons differ too."""
        if source_id not in self.made:
            self.made[source_id] = _skeleton(self.seeds[source_id])
        return look_alike(quote, self.seeds[source_id], *self.made[source_id])


def look_alike(quote: str, seed: str, seed_skeleton: str, seed_origin: Sequence[int]) -> str | None:
    ours, origin = _skeleton(quote)
    at = seed_skeleton.find(ours) if ours else -1
    if at < 0:
        return None
    hidden = next((i for i, c in enumerate(quote) if c in INVISIBLE), len(quote))
    for k, i in enumerate(origin):
        if i > hidden:
            break
        theirs = seed[seed_origin[at + k]]
        if quote[i] != theirs:
            form = " (the same text in another Unicode form: copy the passage from the seed)" if _same_nfc(quote, seed) else ""
            return f"character {i + 1} of the quote is {character_name(quote[i])} where the seed has {character_name(theirs)}{form}"
    if hidden < len(quote):
        return f"character {hidden + 1} of the quote is {character_name(quote[hidden])}, which does not show and is not in the seed"
    span = seed[seed_origin[at]:seed_origin[at + len(ours) - 1] + 1]
    extra = next((c for c in span if c in INVISIBLE), None)
    if extra is not None:
        return f"the seed's passage holds {character_name(extra)}, which does not show: copy the passage from the seed"
    return None


def _same_nfc(quote: str, seed: str) -> bool:
    return unicodedata.normalize("NFC", quote) in unicodedata.normalize("NFC", seed)
