"""Protected facts: find them in a text and normalise them, so "£45" and "£45.00" compare equal
while "£45.00" and "£54.00" do not.

Kinds: order, ticket, tracking, product_code, reference, postcode, number, amount, percentage,
date, time, duration, url, email, phone, and token: a "word" longer than LONG_TOKEN characters, kept
verbatim as one opaque fact. "reference" also covers codes such as "Q-77310" and
"LOYAL15-QZ" and the tail of a card or an address ("ending 7731"); "number" is a number written
with a leading zero (a meter reading "04712"), which must keep its zeros. Each pattern has a
priority; where matches overlap, the one that starts first wins, then the longest, then the higher
priority (lower number).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from typing import NamedTuple

from coach.analysis.blocks import BlockMemo, by_block, moved
from coach.analysis.text import long_token_spans, lower_keeping_offsets, mask_long_tokens
from coach.schemas import Fact

# Families: facts of one family can be "altered" into each other (an order number into another id).
FAMILY = {
    "order": "id", "ticket": "id", "tracking": "id", "product_code": "id", "reference": "id",
    "postcode": "id", "number": "id",
    "amount": "amount", "percentage": "percentage", "date": "date", "time": "time",
    "duration": "duration", "url": "url", "email": "email", "phone": "phone", "token": "token",
}  # fmt: skip

_MONTHS = {
    "jan": 1, "feb": 2, "mar": 3, "apr": 4, "may": 5, "jun": 6,
    "jul": 7, "aug": 8, "sep": 9, "oct": 10, "nov": 11, "dec": 12,
}  # fmt: skip
_WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_WEEKDAY_ABBREVIATIONS = {
    "mon": "monday", "tue": "tuesday", "tues": "tuesday", "wed": "wednesday", "weds": "wednesday",
    "thu": "thursday", "thur": "thursday", "thurs": "thursday", "fri": "friday", "sat": "saturday", "sun": "sunday",
}  # fmt: skip
_AMBIGUOUS_ABBREVIATIONS = frozenset({"mon", "wed", "sat", "sun"})  # also English words: only before a day or time
# Spanish, German and French month names ("3 de mayo", "3. Mai", "3 mai"). "mayo" is a date only after
# "de"; "mars" only with a year, after "le"/"du", or in a French text.
_FOREIGN_MONTHS = {
    "enero": 1, "febrero": 2, "marzo": 3, "abril": 4, "mayo": 5, "junio": 6, "julio": 7, "agosto": 8,
    "septiembre": 9, "setiembre": 9, "octubre": 10, "noviembre": 11, "diciembre": 12,
    "januar": 1, "jänner": 1, "februar": 2, "märz": 3, "maerz": 3, "mai": 5, "juni": 6, "juli": 7,
    "oktober": 10, "dezember": 12,
    "janvier": 1, "février": 2, "fevrier": 2, "mars": 3, "avril": 4, "juin": 6, "juillet": 7, "août": 8,
    "aout": 8, "septembre": 9, "octobre": 10, "novembre": 11, "décembre": 12, "decembre": 12,
    "april": 4, "august": 8, "september": 9, "november": 11,  # German spellings shared with English ("3. April")
}  # fmt: skip
_NUMBER_WORDS = {
    "a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
    "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "fourteen": 14, "fifteen": 15,
    "twenty": 20, "twenty-four": 24, "thirty": 30, "forty-eight": 48, "seventy-two": 72, "ninety": 90,
}  # fmt: skip
_CURRENCY_SYMBOLS = {
    "£": "GBP", "$": "USD", "us$": "USD", "€": "EUR", "¥": "JPY", "₹": "INR", "a$": "AUD", "au$": "AUD",
    "c$": "CAD", "ca$": "CAD", "nz$": "NZD",
}  # fmt: skip
_CURRENCY_WORDS = {
    "gbp": "GBP", "pound": "GBP", "pounds": "GBP", "quid": "GBP", "usd": "USD", "dollar": "USD", "dollars": "USD",
    "eur": "EUR", "euro": "EUR", "euros": "EUR", "aud": "AUD", "cad": "CAD", "nzd": "NZD", "chf": "CHF",
    "jpy": "JPY", "inr": "INR", "sek": "SEK", "nok": "NOK", "dkk": "DKK", "pln": "PLN", "€": "EUR", "£": "GBP",
}  # fmt: skip
_ID_KEYWORDS = {
    "order": "order", "po": "order", "ticket": "ticket", "case": "ticket", "incident": "ticket", "request": "ticket",
    "ref": "reference", "reference": "reference", "booking": "reference", "invoice": "reference",
    "claim": "reference", "account": "reference", "return": "reference", "rma": "reference",
    "quote": "reference", "batch": "reference", "voucher": "reference", "coupon": "reference", "promo": "reference",
    "code": "reference", "serial": "reference", "job": "ticket",
}  # fmt: skip
_PREFIX_KINDS = {
    "ORD": "order", "ORDER": "order", "PO": "order", "SO": "order",
    "TKT": "ticket", "TICKET": "ticket", "INC": "ticket", "CASE": "ticket", "CS": "ticket", "SR": "ticket", "REQ": "ticket",
    "SKU": "product_code", "PRD": "product_code", "PROD": "product_code", "ITEM": "product_code",
    "MODEL": "product_code", "PART": "product_code", "ART": "product_code",
}  # fmt: skip

_MONTH = r"(?P<month>jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\.?"
_WEEKDAY = r"(?:mon|tue|wed|thu|fri|sat|sun)(?:day|sday|nesday|rsday|urday)?\.?"
_DAY = r"(?P<day>[0-3]?\d)(?:st|nd|rd|th)?"
_NUM_WORD = "|".join(sorted(map(re.escape, _NUMBER_WORDS), key=len, reverse=True))
_QUANTITY = rf"(?:\d+(?:\.\d+)?|{_NUM_WORD})"
_MONEY_NUMBER = r"(?P<num>\d{1,3}(?:[,.]\d{3})+(?:[.,]\d{1,2})?|\d+(?:[.,]\d{1,2})?)"
_ID = r"(?P<id>(?=[a-z0-9-]*\d)[a-z0-9][a-z0-9-]{2,})"  # on the lower-cased text
_WEEKDAY_OR_ABBREVIATION = r"(?:monday|tuesday|wednesday|thursday|friday|saturday|sunday|mon|tues?|weds?|thu(?:rs?)?|fri|sat|sun)"
_HOUR = r"(?:[01]?\d|2[0-3])"
_BEFORE_DAY_OR_TIME = re.compile(r"\.?,?\s*(?:\d|[-–/]\s*[A-Za-z]{3})")
_RANGE_LEAD = re.compile(rf"\b{_WEEKDAY_OR_ABBREVIATION}\.?,?\s+(?:between\s+|from\s+)?$", re.IGNORECASE)
_UNIT_WORDS = r"(?:%|(?:working|business|calendar|min|minute|hour|hr|h|day|week|wk|month|year|yr|item|time|people|person|point)s?\b)"
_URL_TAIL = r"[^\s<>\"'\])]*"
_TRAILING_PUNCTUATION = ".,;:!?"
_WHITESPACE = re.compile(r"\s")


class _Candidate(NamedTuple):  # a tuple: hundreds are made per long text
    kind: str
    start: int
    end: int
    normal: str
    priority: int


# -> (kind, normal), or None, or several facts with their own spans: [(kind, normal, start, end), ...]
_Handler = Callable[[re.Match[str], str, str], "tuple[str, str] | list[tuple[str, str, int, int]] | None"]


def _pattern(regex: str, flags: int = re.IGNORECASE):
    return re.compile(regex, flags)


# --- handlers: turn a match into (kind, normal) -----------------------------------


def _email(m: re.Match[str], text: str, locale: str):
    return "email", m.group().lower()


def _url(m: re.Match[str], text: str, locale: str):
    value = text[m.start() : m.end()].rstrip(_TRAILING_PUNCTUATION)  # as written: a path is case-sensitive
    scheme_host, _, path = re.sub(r"^(?:https?://)?(?:www\.)?", "", value, flags=re.IGNORECASE).partition("/")
    normal = scheme_host.lower() + ("/" + path if path else "")
    return "url", normal.rstrip("/")


def _id_from(kind: str) -> _Handler:
    def handle(m: re.Match[str], text: str, locale: str):
        value = m.group("id") if "id" in m.re.groupindex else m.group()
        return kind, re.sub(r"[\s#]", "", value).upper()

    return handle


def _spaced_id(kind: str, min_digits: int) -> _Handler:
    """Codes written in groups ("9400 1118 9922 3344 5566 77", "RM 8821 3301 5GB"): compared without the spaces."""

    def handle(m: re.Match[str], text: str, locale: str):
        value = m.group("id") if "id" in m.re.groupindex else m.group()
        compact = value.replace(" ", "").replace("\u00a0", "").upper()
        if sum(ch.isdigit() for ch in compact) < min_digits:
            return None
        return kind, compact

    return handle


def _long_code(m: re.Match[str], text: str, locale: str):
    """A long run of capitals and digits, with both: "JD014600006281234567"."""
    value = m.group()
    if value.isdigit() or value.isalpha():
        return None
    return "tracking", value


def _tracking(m: re.Match[str], text: str, locale: str):
    value = m.group("id")
    if " " in value:
        return _spaced_id("tracking", 8)(m, text, locale)
    return "tracking", value.upper()


def _code(m: re.Match[str], text: str, locale: str):
    """A hyphenated code in capitals and digits ("Q-77310", "LOYAL15-QZ", "4471-B", "2026-118"); not a
    range ("5-7", "2025-2026"), a year and month ("2026-03"), or a compound word ("6-digit", "one-off")."""
    value = m.group()
    parts = value.split("-")
    if len(value) - len(parts) + 1 < 4 or not any(ch.isdigit() for ch in value):
        return None
    if all(p.isdigit() for p in parts):
        years = all(len(p) == 4 and p[:2] in ("19", "20") for p in parts)
        year_month = len(parts[0]) == 4 and all(len(p) <= 2 for p in parts[1:])
        if years or year_month or max(len(p) for p in parts) < 4:
            return None
    return "reference", value.upper()


def _leading_zero_number(m: re.Match[str], text: str, locale: str):
    return "number", m.group()


def _postcode(m: re.Match[str], text: str, locale: str):
    value = m.group("id") if "id" in m.re.groupindex else m.group()
    return "postcode", value.replace(" ", "").upper()


def _at_word_start(handler: _Handler, also: str = "") -> _Handler:
    """For patterns that start with a character class instead of `\\b` (the regex engine then skips
    quickly to a candidate character, several times faster): the match must not continue a word
    (or follow a character of `also`)."""

    def handle(m: re.Match[str], text: str, locale: str):
        start = m.start()
        if start and (text[start - 1].isalnum() or text[start - 1] == "_" or text[start - 1] in also):
            return None
        return handler(m, text, locale)

    return handle


def _hash_id(m: re.Match[str], text: str, locale: str):
    before = text[max(0, m.start() - 20) : m.start()].lower()
    keyword = re.search(r"(\w+)\s*(?:no\.?|number)?\s*$", before)
    kind = _ID_KEYWORDS.get(keyword.group(1), "order") if keyword else "order"
    return kind, m.group("id").upper()


def _keyword_id(m: re.Match[str], text: str, locale: str):
    return _ID_KEYWORDS[m.group("kw").lower()], m.group("id").upper()


def _prefixed_code(m: re.Match[str], text: str, locale: str):
    return _PREFIX_KINDS.get(m.group("prefix"), "reference"), m.group().upper()


def _amount(m: re.Match[str], text: str, locale: str):
    groups = m.groupdict()
    marker = (groups.get("sym") or groups.get("code") or "").lower()
    currency = _CURRENCY_SYMBOLS.get(marker) or _CURRENCY_WORDS.get(marker)
    pence = marker in ("p", "pence")
    if pence:
        currency = "GBP"
    if currency is None:
        return None
    value = _parse_number(groups["num"], currency)
    if value is None:
        return None
    multiplier = (groups.get("mult") or "").lower()
    value *= {"k": 1000, "m": 10**6, "million": 10**6, "bn": 10**9, "billion": 10**9}.get(multiplier, 1)
    if pence:
        value /= 100
    return "amount", f"{currency} {value:.2f}"


def _parse_number(text: str, currency: str) -> Decimal | None:
    """Read "1,299.99", "1.299,99", "12,50" or "45"; a separator followed by exactly 3 digits groups thousands."""
    if "," in text and "." in text:
        decimal_mark = "," if text.rfind(",") > text.rfind(".") else "."
    elif "," in text:
        decimal_mark = "" if len(text.rpartition(",")[2]) == 3 else ","
    elif "." in text:
        tail = text.rpartition(".")[2]
        decimal_mark = "" if len(tail) == 3 and (text.count(".") > 1 or currency == "EUR") else "."
    else:
        decimal_mark = ""
    grouping = {",": ".", ".": ",", "": ",."}[decimal_mark]
    cleaned = "".join(ch for ch in text if ch not in grouping)
    try:
        return Decimal(cleaned.replace(",", ".")) if decimal_mark else Decimal(cleaned)
    except InvalidOperation:
        return None


def _percentage(m: re.Match[str], text: str, locale: str):
    value = Decimal(m.group("num").replace(",", "."))
    return "percentage", f"{value.normalize():f}%"


def _iso_date(m: re.Match[str], text: str, locale: str):
    return _date(int(m.group("year")), int(m.group("m")), int(m.group("d")))


def _numeric_date(m: re.Match[str], text: str, locale: str):
    a, b, year = int(m.group("a")), int(m.group("b")), int(m.group("y"))
    year += 2000 if year < 100 else 0
    month_first = locale.lower().replace("_", "-") in ("en-us", "us") and a <= 12
    if a > 12 or (b > 12 and not month_first):
        month_first = b > 12
    day, month = (b, a) if month_first else (a, b)
    return _date(year, month, day)


def _named_date(m: re.Match[str], text: str, locale: str):
    month_text = text[m.start("month") : m.end("month")]  # as written: the pattern runs on the lower-cased text
    if month_text == "may" or month_text == "mar":  # lower-case "may"/"mar" are words, not months
        return None
    year = m.group("year")
    return _date(int(year) if year else None, _MONTHS[month_text[:3].lower()], int(m.group("day")))


def _foreign_date(m: re.Match[str], text: str, locale: str):
    month_text = m.group("fmonth").lower()
    year = m.group("year")
    if month_text == "mayo" and not m.group("de"):  # "3 mayo sachets"
        return None
    french = locale.lower().startswith("fr") or re.search(r"\b(?:le|du)\s+$", text[max(0, m.start() - 4) : m.start()], re.I)
    if month_text == "mars" and not (year or french):
        return None  # "3 Mars bars"
    return _date(int(year) if year else None, _FOREIGN_MONTHS[month_text], int(m.group("day")))


def _date(year: int | None, month: int, day: int):
    if not (1 <= month <= 12 and 1 <= day <= 31):
        return None
    return "date", (f"{year:04d}" if year else "-") + f"-{month:02d}-{day:02d}"


def _weekday(m: re.Match[str], text: str, locale: str):
    return "date", "weekday:" + m.group("wd").lower().rstrip("s")


def _weekday_abbreviation(m: re.Match[str], text: str, locale: str):
    word = m.group().lower()
    if word not in _WEEKDAY_ABBREVIATIONS:  # "son", "fat": the pattern's first letter is a class
        return None
    if word in _AMBIGUOUS_ABBREVIATIONS and (
        m.group()[0].islower() or not _BEFORE_DAY_OR_TIME.match(text, m.end(), m.end() + 6)
    ):
        return None  # "I sat", "the sun": a weekday only capitalised and before a date, a time or a day ("Sat 9am", "Mon-Fri")
    return "date", "weekday:" + _WEEKDAY_ABBREVIATIONS[word]


def _relative_date(m: re.Match[str], text: str, locale: str):
    return "date", "rel:" + " ".join(m.group().lower().split())


# Text-speak for a day is the same date as the word spelled out: "tmrw" kept as "tomorrow" is kept.
_TEXT_SPEAK_DAYS = {"tmrw": "tomorrow", "tmrrw": "tomorrow", "tmw": "tomorrow", "tmr": "tomorrow", "2moro": "tomorrow",
                    "2morrow": "tomorrow", "2mrw": "tomorrow", "tonite": "tonight", "2nite": "tonight"}  # fmt: skip


def _text_speak_day(m: re.Match[str], text: str, locale: str):
    return "date", "rel:" + _TEXT_SPEAK_DAYS[m.group()]


def _clock_time(m: re.Match[str], text: str, locale: str):
    hour, minute = int(m.group("h")), int(m.group("min") or 0)
    if m.group("ampm"):
        hour = hour % 12 + (12 if m.group("ampm").lower() == "p" else 0)
    return "time", f"{hour:02d}:{minute:02d}"


def _time_range(m: re.Match[str], text: str, locale: str):
    """A slot after a weekday, "Tues 9-1": two times, each with its own span, read as working hours
    (9-1 is 09:00-13:00, 2-5 is 14:00-17:00) unless am/pm says otherwise."""
    if not _RANGE_LEAD.search(text, max(0, m.start() - 24), m.start()):
        return None
    a, b = int(m.group("a")), int(m.group("b"))
    a_ampm, b_ampm = (m.group("aampm") or "").lower(), (m.group("bampm") or "").lower()
    if b_ampm and not a_ampm:
        a_ampm = b_ampm if a <= b % 12 or a == 12 else ("am" if b_ampm == "pm" else "pm")
    if a_ampm:
        a = a % 12 + (12 if a_ampm == "pm" else 0)
    elif a < 7:
        a += 12
    if b_ampm:
        b = b % 12 + (12 if b_ampm == "pm" else 0)
    elif b < a and b < 12:
        b += 12
    if b <= a or b > 23:
        return None
    a_end = m.end("aampm") if m.group("aampm") else m.end("amin") if m.group("amin") else m.end("a")
    b_end = m.end("bampm") if m.group("bampm") else m.end("bmin") if m.group("bmin") else m.end("b")
    return [
        ("time", f"{a:02d}:{int(m.group('amin') or 0):02d}", m.start("a"), a_end),
        ("time", f"{b:02d}:{int(m.group('bmin') or 0):02d}", m.start("b"), b_end),
    ]


def _named_time(m: re.Match[str], text: str, locale: str):
    return "time", "00:00" if m.group().lower() == "midnight" else "12:00"


_HOURS_PER = {"min": 1 / 60, "h": 1, "hr": 1, "hour": 1, "day": 24, "week": 168}


def _duration(m: re.Match[str], text: str, locale: str):
    low_text, high_text = m.group("a").lower(), (m.group("b") or "").lower()
    if low_text in ("a", "an") and not m.group("pre"):
        return None  # "24 hours a day" is not a duration of one day
    low = _quantity(low_text)
    high = _quantity(high_text) if high_text else None
    unit = m.group("unit").lower().rstrip("s")
    unit = {"mins": "min", "minute": "min", "hrs": "hr", "wk": "week", "yr": "year"}.get(unit, unit)
    working = (m.group("q") or "").lower() in ("working", "business")
    if working and unit in ("day", "week"):
        factor, unit = (5 if unit == "week" else 1), "working-day"
    elif unit in _HOURS_PER:
        factor, unit = _HOURS_PER[unit], "h"
    else:
        factor, unit = (12 if unit == "year" else 1), "month"
    span = f"{low * factor:g}" + (f"-{high * factor:g}" if high is not None else "")
    return "duration", f"{span} {unit}"


def _quantity(text: str) -> float:
    return float(_NUMBER_WORDS[text]) if text in _NUMBER_WORDS else float(text)


def _phone(m: re.Match[str], text: str, locale: str):
    value = m.group()
    digits = re.sub(r"\D", "", value)
    has_separators = bool(re.search(r"[\s.()-]", value))
    if not 9 <= len(digits) <= 15 or not (value.startswith(("+", "0", "(")) or has_separators):
        return None
    return "phone", ("+" if value.startswith("+") else "") + digits


# --- the pattern table ---------------------------------------------------------------

_WEEKDAY_NAMES = "monday|tuesday|wednesday|thursday|friday|saturday|sunday"
@dataclass(frozen=True)
class _FactPattern:
    regex: re.Pattern[str]
    handler: _Handler
    priority: int
    group: str | None = None  # the group whose span is the fact; None = the whole match
    anchor: str | None = None  # only look near these (see _ANCHORS); None = the whole text
    on_lowered: bool = False  # the regex is lower-case and case-sensitive, run on the lower-cased text (faster)
    gate: tuple[str, ...] = ()  # lower-case strings, one of which must be in the text for the pattern's facts to count
    gate_after: bool = False  # the gate costs more than the pattern: it is checked only once the pattern found a fact
    # A gate of single characters is in every match: it is also checked window by window (a window's end is
    # whitespace, which a lookahead may read, so the character after it counts too).
    window_gate: frozenset[str] = field(init=False)

    def __post_init__(self) -> None:
        single = self.gate and self.anchor and all(len(g) == 1 for g in self.gate)
        object.__setattr__(self, "window_gate", frozenset(self.gate) if single else frozenset())


# Every fact of these patterns contains an anchor, so a pattern is only run in windows around its
# anchor's matches: (lower-case anchor regex, run on the lower-cased text; characters before; after).
# None before: from the space before the anchor, for facts that hold no white space (an email, a domain).
# "digit" suits facts that start at most a few characters before their digits ("£45", "#48213");
# "digit-wide" those with a keyword in front ("order no. 48213"); "tracking" those that start with
# the word ("tracking number is RM 8821 3301 5GB").
_DIGITS = re.compile(r"[0-9]+")
_ANCHORS: dict[str, tuple[re.Pattern[str], int | None, int]] = {
    "digit": (_DIGITS, 8, 12),
    "digit-wide": (_DIGITS, 40, 40),
    "at": (re.compile(r"@"), None, 0),
    "web": (re.compile(r"https?://|www\."), 0, 0),
    "tld": (re.compile(r"\.(?:com|co\.uk|org|net|io|uk|de|fr|eu|ie|au|ca|us|info|shop|store|app)\b"), None, 0),
    "unit": (re.compile(r"min|hour|hr|day|week|wk|month|year|yr|[0-9]h\b"), 36, 10),
    "month": (re.compile(r"jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec"), 32, 28),
    "day": (re.compile(r"day"), 10, 5),
    "tracking": (re.compile(r"tracking"), 0, 80),
}
_FOREIGN_MONTH_GATE = tuple(
    f"{lead}{name}" for name in _FOREIGN_MONTHS if name not in ("mai", "april", "august", "september", "november")
    for lead in (" ", ".")
) + (" mai ", " mai.", " mai,", " mai\n", ". april", ". august", ". september", ". november")  # not "email", "3 April"
_CODES = ("gbp", "usd", "eur", "aud", "cad", "nzd", "chf", "jpy", "inr", "sek", "nok", "dkk", "pln")

_PATTERNS: list[_FactPattern] = [
    # Most patterns are lower-case and run on the lower-cased text (on_lowered): the regex engine is several
    # times faster without IGNORECASE. Handlers that care about case read `text`, which keeps the offsets.
    _FactPattern(_pattern(r"\b[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+\b", 0), _email, 0, anchor="at"),
    _FactPattern(_pattern(rf"\bhttps?://{_URL_TAIL}|\bwww\.{_URL_TAIL}", 0), _url, 1, anchor="web", on_lowered=True),
    _FactPattern(_pattern(rf"\b(?:[a-z0-9-]+\.)+(?:com|co\.uk|org|net|io|uk|de|fr|eu|ie|au|ca|us|info|shop|store|app)\b(?:/{_URL_TAIL})?", 0), _url, 1, anchor="tld", on_lowered=True),
    _FactPattern(_pattern(r"\b1Z[0-9A-Z]{16}\b", 0), _id_from("tracking"), 2, anchor="digit", gate=("1z",)),
    _FactPattern(_pattern(r"\b[A-Z]{2}\d{9}[A-Z]{2}\b", 0), _id_from("tracking"), 2, anchor="digit"),
    # "tracking number is JD0146...", or in groups: "tracking 9400 1118 9922 3344 5566 77", "tracking RM 8821 3301 5GB"
    _FactPattern(_pattern(r"\b(?i:tracking)(?:\s+(?i:number|code|no\.?|id|ref(?:erence)?))?\s*(?i:is\s+)?[:#]?\s*(?P<id>(?:[A-Z]{1,3} )?[A-Z0-9]*\d[A-Z0-9]*(?: [A-Z0-9]*\d[A-Z0-9]*){2,}(?: [A-Z]{2})?|(?=[A-Za-z0-9]*\d)[A-Za-z0-9]{8,35})\b", 0), _tracking, 2, "id", "tracking"),
    _FactPattern(_pattern(r"#\s?(?P<id>(?=[a-z0-9-]*\d)[a-z0-9][a-z0-9-]{2,})\b", 0), _hash_id, 3, anchor="digit", gate=("#",), on_lowered=True),
    _FactPattern(_pattern(r"\bzip(?:\s*code)?\s*[:#]?\s*(?P<id>\d{5}(?:-\d{4})?)\b", 0), _postcode, 3, "id", "digit-wide", gate=("zip",), on_lowered=True),
    # the tail of a card or an address: "ending 7731", "ends in 4RT", "last four digits 7731"
    _FactPattern(_pattern(r"\b(?i:ending(?:\s+(?:in|with))?|ends\s+(?:in|with)|last\s+(?:two|three|four|five|six|[2-6])(?:\s+(?:digits|numbers|characters))?(?:\s+(?:are|is|of))?)\s*[:#]?\s*(?P<id>(?=[A-Z0-9]*\d)[A-Z0-9]{2,8})\b", 0), _id_from("reference"), 9, "id", "digit-wide",
                 gate=("ending", "ends in", "ends with", "last two", "last three", "last four", "last five", "last six", "last 2", "last 3", "last 4", "last 5", "last 6")),
    _FactPattern(_pattern(rf"\b(?P<kw>{'|'.join(_ID_KEYWORDS)})(?:\s+(?:no\.?|number|num|nr|id|ref|reference|code))?\s*(?:[:#]\s*)?{_ID}\b", 0), _keyword_id, 3, "id", "digit-wide", gate=tuple(_ID_KEYWORDS), on_lowered=True),
    _FactPattern(_pattern(rf"\b(?:sku|product\s+code|item\s+code|model(?:\s+number|\s+no\.?)?|part\s+(?:number|no\.?)|article\s+number)\s*[:#]?\s*{_ID}\b", 0), _id_from("product_code"), 3, "id", "digit-wide",
                 gate=("sku", "product", "item", "model", "part", "article"), on_lowered=True),
    _FactPattern(_pattern(r"\b(?P<prefix>[A-Z]{2,6})-[A-Z0-9]*\d[A-Z0-9]*(?:-[A-Z0-9]+)*\b", 0), _prefixed_code, 4, anchor="digit", gate=("-",)),
    _FactPattern(_pattern(r"\b[A-Z]{1,2}\d[A-Z\d]? ?\d[ABD-HJLNP-UW-Z]{2}\b", 0), _postcode, 4, anchor="digit"),  # UK postcode "NW3 2QP"
    _FactPattern(_pattern(rf"(?P<sym>us\$|au\$|ca\$|a\$|c\$|nz\$|[£$€¥₹])\s?{_MONEY_NUMBER}(?:\s?(?P<mult>k|m|bn|million|billion)\b)?", 0), _amount, 5, anchor="digit", gate=("£", "$", "€", "¥", "₹"), on_lowered=True),
    _FactPattern(_pattern(rf"\b(?P<code>{'|'.join(_CODES)})\s?{_MONEY_NUMBER}", 0), _amount, 5, anchor="digit", gate=_CODES, on_lowered=True),
    _FactPattern(_pattern(rf"\b{_MONEY_NUMBER}\s?(?P<code>{'|'.join(_CODES)}|pounds?|quid|dollars?|euros?|pence|p|€|£)(?![\w])", 0), _amount, 5, anchor="digit", on_lowered=True),
    _FactPattern(_pattern(r"\b(?P<num>\d+(?:[.,]\d+)?)\s?(?:%|per\s?cent\b)", 0), _percentage, 5, anchor="digit", gate=("%", "cent"), on_lowered=True),
    _FactPattern(_pattern(r"\b(?P<year>\d{4})-(?P<m>\d{1,2})-(?P<d>\d{1,2})\b", 0), _iso_date, 6, anchor="digit", gate=("-",)),
    _FactPattern(_pattern(r"\b(?P<a>\d{1,2})(?P<sep>[/.-])(?P<b>\d{1,2})(?P=sep)(?P<y>\d{4}|\d{2})\b", 0), _numeric_date, 6, anchor="digit", gate=("/", ".", "-")),
    _FactPattern(_pattern(rf"\b(?:{_WEEKDAY},?\s+)?(?:the\s+)?{_DAY}(?:\s+of)?\s+{_MONTH}(?:,?\s+(?P<year>\d{{4}}))?\b", 0), _named_date, 6, anchor="month", on_lowered=True),
    _FactPattern(_pattern(rf"\b(?:{_WEEKDAY},?\s+)?{_MONTH}\s+(?:the\s+)?{_DAY}(?!\d)(?:,?\s+(?P<year>\d{{4}}))?\b", 0), _named_date, 6, anchor="month", on_lowered=True),
    # "3 de mayo (de 2026)", "3. Mai 2026", "le 3 mai", "1er mars"
    _FactPattern(_pattern(rf"\b(?P<day>[0-3]?\d)(?:\.|er)?\s+(?:(?P<de>de)\s+)?(?P<fmonth>{'|'.join(_FOREIGN_MONTHS)})(?:\s+(?:de\s+|del\s+)?(?P<year>\d{{4}}))?\b", 0), _foreign_date, 6, anchor="digit",
                 gate=_FOREIGN_MONTH_GATE, gate_after=True, on_lowered=True),
    # a slot after a weekday, "Tues 9-1": two times (the weekday is checked by the handler)
    _FactPattern(_pattern(rf"(?<![\w:.])(?P<a>{_HOUR})(?:[:.](?P<amin>[0-5]\d))?\s?(?P<aampm>[ap]m)?\s?(?:-|–|to)\s?(?P<b>{_HOUR})(?:[:.](?P<bmin>[0-5]\d))?(?:\s?(?P<bampm>[ap]m))?\b(?![-–/.]\d)(?!\s*{_UNIT_WORDS})", 0), _time_range, 7, anchor="digit",
                 gate=("-", "–", " to "), on_lowered=True),
    _FactPattern(_pattern(r"\b(?P<h>1[0-2]|0?[1-9])(?:[:.](?P<min>[0-5]\d))?\s?(?P<ampm>[ap])(?:m\b|\.m\.)", 0), _clock_time, 7, anchor="digit", gate=("am", "pm", "a.m", "p.m"), on_lowered=True),
    _FactPattern(_pattern(r"\b(?P<h>[01]?\d|2[0-3]):(?P<min>[0-5]\d)(?![\d:])(?P<ampm>)", 0), _clock_time, 7, anchor="digit", gate=(":",)),
    _FactPattern(_pattern(r"\b(?:noon|midday|midnight)\b", 0), _named_time, 7, gate=("noon", "midday", "midnight"), on_lowered=True),
    _FactPattern(_pattern(
        rf"\b(?:(?P<pre>within|in|under|over|about|around|up\s+to|for|after|at\s+least|at\s+most)\s+)?"
        rf"(?P<a>{_QUANTITY})(?:\s*(?:-|–|—|to)\s*(?P<b>{_QUANTITY}))?\s*-?(?P<q>working|business|calendar)?[\s-]*"
        r"(?P<unit>minutes?|mins?|hours?|hrs?|h|days?|weeks?|wks?|months?|years?|yrs?)\b", 0
    ), _duration, 8, anchor="unit", on_lowered=True),
    _FactPattern(_pattern(rf"[tne](?:oday|omorrow|onight|his\s+(?:morning|afternoon|evening|week|weekend)|ext\s+(?:week|month|{_WEEKDAY_NAMES})|nd\s+of\s+(?:the\s+)?(?:day|week|month))\b", 0), _at_word_start(_relative_date), 9,
                 gate=("today", "tomorrow", "tonight", "this ", "next ", "end of"), on_lowered=True),
    _FactPattern(_pattern(r"\b(?:tmrw|tmrrw|tmw|tmr|2moro|2morrow|2mrw|tonite|2nite)\b", 0), _text_speak_day, 9,
                 gate=("tm", "2m", "2n", "tonite"), on_lowered=True),
    _FactPattern(_pattern(rf"\b(?P<wd>{_WEEKDAY_NAMES})s?\b", 0), _weekday, 10, anchor="day", on_lowered=True),
    # "Tues", "Thurs", "Fri"; "Mon", "Wed", "Sat" and "Sun" (also words) only capitalised, before a date or a time
    _FactPattern(_pattern(r"[MTWFSmtwfs](?:on|ues?|eds?|hu(?:rs?)?|ri|at|un)\b", 0), _at_word_start(_weekday_abbreviation), 10),
    _FactPattern(_pattern(r"(?<![\w+])(?:\+\d{1,3}[\s.-]?)?(?:\(\d{1,5}\)[\s.-]?)?\d{2,5}(?:[\s.-]\d{2,5}){0,4}(?![\w])", 0), _phone, 11, anchor="digit"),
    _FactPattern(_pattern(r"[A-Z0-9]{10,35}\b", 0), _at_word_start(_long_code), 12, anchor="digit-wide"),
    _FactPattern(_pattern(r"\b\d{12,30}\b", 0), _id_from("reference"), 12, anchor="digit"),
    _FactPattern(_pattern(r"\b[A-Z]{1,3}(?: \d[A-Z0-9]{1,5}){3,}\b", 0), _spaced_id("reference", 8), 12, anchor="digit-wide"),  # "GB 123 4567 89"
    _FactPattern(_pattern(r"\b\d{4}(?: \d{4}){3,}(?: \d{1,4})?\b", 0), _spaced_id("reference", 16), 12, anchor="digit"),
    # a hyphenated code in capitals and digits: "Q-77310", "LOYAL15-QZ", "4471-B", "2026-118"
    _FactPattern(_pattern(r"[A-Z0-9]+(?:-[A-Z0-9]+)+(?![\w-])", 0), _at_word_start(_code, also="-"), 12, anchor="digit-wide", gate=("-",)),
    # a number with a leading zero keeps its zeros: a meter reading "04712"
    _FactPattern(_pattern(r"(?<![\w.,/:£$€-])0\d{3,}(?![\w/:-]|[.,]\d)", 0), _leading_zero_number, 13, anchor="digit"),
]  # fmt: skip


def _windows(text: str, lowered: str, anchor: str, hits: dict[re.Pattern[str], list[tuple[int, int]]]) -> list[tuple[int, int]]:
    """Merged (start, end) stretches around an anchor's matches. A window ends at whitespace, so no
    fact is cut in two; lookbehinds still see the text before its start. `hits` keeps each anchor
    regex's matches, so "digit" and "digit-wide" scan the text once."""
    regex, before, after = _ANCHORS[anchor]
    if regex not in hits:
        hits[regex] = [m.span() for m in regex.finditer(lowered)]
    spans: list[list[int]] = []
    for hit_start, hit_end in hits[regex]:
        start = _after_space(text, hit_start) if before is None else max(0, hit_start - before)
        end = min(len(text), hit_end + after)
        if spans and start <= spans[-1][1]:
            spans[-1][1] = max(spans[-1][1], end)
        else:
            spans.append([start, end])
    return [(s, _to_whitespace(text, e)) for s, e in spans]


def _after_space(text: str, start: int) -> int:
    """Where the run of characters other than spaces, tabs and line breaks that holds `start` begins."""
    return max(text.rfind(space, 0, start) for space in " \n\t\r\f\v") + 1


def _to_whitespace(text: str, end: int) -> int:
    match = _WHITESPACE.search(text, end)
    return match.start() if match else len(text)


def extract_facts(text: str, locale: str = "en") -> list[Fact]:
    """Every protected fact in `text`, in order of appearance."""
    return list(_extract_facts(text, locale))


@lru_cache(maxsize=128)
def _extract_facts(text: str, locale: str) -> tuple[Fact, ...]:
    # Cached: one rewrite asks for the facts of the draft, the rewrite and the customer's message
    # several times over (analysis, the rules engine's guard, verification). Below that, per paragraph:
    # a rewrite's facts are looked for only in the paragraphs its draft did not have.
    return tuple(by_block(text, FACTS_BY_BLOCK, locale, lambda part: _scan(part, locale), moved))


FACTS_BY_BLOCK = BlockMemo()


def _scan(original: str, locale: str) -> list[Fact]:
    # A long token (a 300-character link, a pasted code) is one opaque fact; the patterns run on the
    # text with it blanked out, so none of them can backtrack through it.
    long_tokens = long_token_spans(original)
    text = mask_long_tokens(original, long_tokens)
    candidates: list[_Candidate] = [
        _Candidate("token", span.start, span.end, original[span.start : span.end], -1) for span in long_tokens
    ]
    lowered = lower_keeping_offsets(text)
    windows: dict[str, list[tuple[int, int]]] = {}
    characters: dict[str, list[set[str]]] = {}  # per anchor, the characters in each window (and the one after)
    hits: dict[re.Pattern[str], list[tuple[int, int]]] = {}
    gated = lowered + "\n"  # a gate such as " mai\n" also finds a word at the very end
    for pattern in _PATTERNS:
        if pattern.gate and not pattern.gate_after and not _has_any(gated, pattern.gate):
            continue
        if pattern.anchor is None:
            spans = [(0, len(text))]
        else:
            if pattern.anchor not in windows:
                windows[pattern.anchor] = _windows(text, lowered, pattern.anchor, hits)
            spans = windows[pattern.anchor]
        if pattern.window_gate and pattern.anchor not in characters:
            characters[pattern.anchor] = [set(gated[start : end + 1]) for start, end in spans]
        source = lowered if pattern.on_lowered else text
        found: list[_Candidate] = []
        for i, (start, end) in enumerate(spans):
            if pattern.window_gate and pattern.window_gate.isdisjoint(characters[pattern.anchor][i]):
                continue
            for match in pattern.regex.finditer(source, start, end):
                found += _candidates(pattern, match, text, locale)
        if found and pattern.gate_after and not _has_any(gated, pattern.gate):
            continue
        candidates += found
    candidates.sort(key=lambda c: (c.start, -(c.end - c.start), c.priority))
    facts: list[Fact] = []
    last_end = -1
    for c in candidates:
        if c.start >= last_end:
            facts.append(Fact(kind=c.kind, value=original[c.start : c.end], normal=c.normal, start=c.start, end=c.end))
            last_end = c.end
    return facts


def _has_any(text: str, strings: tuple[str, ...]) -> bool:
    for string in strings:  # a loop, not any(): no generator to make for each of three dozen patterns
        if string in text:
            return True
    return False


def _candidates(pattern: _FactPattern, match: re.Match[str], text: str, locale: str) -> list[_Candidate]:
    result = pattern.handler(match, text, locale)
    if result is None:
        return []
    if isinstance(result, list):
        return [_Candidate(kind, start, end, normal, pattern.priority) for kind, normal, start, end in result]
    start, end = match.span(pattern.group) if pattern.group else match.span()
    if pattern.handler is _url:
        end = start + len(match.group().rstrip(_TRAILING_PUNCTUATION))
    return [_Candidate(result[0], start, end, result[1], pattern.priority)]


def same_fact(a: Fact, b: Fact) -> bool:
    """Equal after normalising; a date without a year matches the same day with one."""
    if a.normal == b.normal:
        return True
    if FAMILY[a.kind] == FAMILY[b.kind] == "date" and a.normal[:1] in "-0123456789" and b.normal[:1] in "-0123456789":
        return a.normal[-6:] == b.normal[-6:] and ("-" == a.normal[0] or "-" == b.normal[0])
    return FAMILY[a.kind] == FAMILY[b.kind] == "id" and a.normal.lstrip("#") == b.normal.lstrip("#")
