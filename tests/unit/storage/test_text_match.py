"""What a reader types is matched literally: their % and _ are not wildcards."""

from receivables.storage.queries.text_match import containing, literal, starting_with


def test_wildcards_and_the_escape_character_are_escaped() -> None:
    assert literal(r"50%_a\b") == r"50\%\_a\\b"


def test_containing_and_starting_with_add_only_their_own_wildcards() -> None:
    assert (containing("D_1"), starting_with("letter.")) == (r"%D\_1%", "letter.%")
