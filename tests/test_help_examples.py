"""Every example the help shows is a command that parses, in both languages."""

import re
import string
from datetime import date

import pytest

from handlers import grammar as g
from handlers.i18n import LANGUAGES, catalog


def examples(lang: str) -> list[tuple[str, str]]:
    found = []
    for key, template in sorted(catalog(lang).items()):
        if key.startswith("examples."):
            names = {name for _, name, _, _ in string.Formatter().parse(template) if name}
            text = template.format(**dict.fromkeys(names, "#12"))
            found += [(key, example) for example in re.split(r" · |\n", text)]
    return found


@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_help_example_parses(lang: str) -> None:
    shown = examples(lang)
    assert len(shown) > 40
    for key, example in shown:
        assert example.startswith("/coord "), (key, example)
        try:
            g.parse(example, date(2026, 12, 3))
        except g.UsageError as error:
            pytest.fail(f"{lang} {key}: {example!r} is refused ({error.key})")
