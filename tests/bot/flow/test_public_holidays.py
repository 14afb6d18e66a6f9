"""One country's holidays load that country's module alone, and equal the library's own."""

from __future__ import annotations

import subprocess
import sys
from datetime import date, timedelta

import holidays
import pytest

from bot.flow.public_holidays import country


@pytest.mark.parametrize("code", ["GB", "GBR", "US", "DE", "FR", "JP", "IN", "BR", "AU"])
def test_the_holidays_equal_the_librarys_own(code: str) -> None:
    ours, theirs = country(code), holidays.country_holidays(code)
    for year in (2024, 2025, 2026, 2027):
        days = [date(year, 1, 1) + timedelta(days=n) for n in range(365)]
        assert [d for d in days if d in ours] == [d for d in days if d in theirs], (code, year)
    assert date(2026, 12, 25) in country("GB")


def test_an_unknown_code_is_refused_as_the_library_refuses_it() -> None:
    with pytest.raises(NotImplementedError):
        country("XX")


def test_one_countrys_calendar_does_not_import_every_country() -> None:
    code = (
        "import sys\n"
        "from bot.flow.public_holidays import country\n"
        "from datetime import date\n"
        "assert date(2026, 12, 25) in country('GB')\n"
        "loaded = [m for m in sys.modules if m.startswith('holidays.countries.')]\n"
        "print(sorted(loaded), 'holidays.countries' in sys.modules)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout.strip()
    assert out == "['holidays.countries.united_kingdom'] False"
