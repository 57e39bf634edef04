"""Country and subdivision names from pycountry (maintained ISO data), with the names news uses
that pycountry does not give, so that "America", "U.S." and "United States" are one entity."""

from collections import Counter

import pycountry

from processors.name_words import ACRONYM_SKIP

# Names news uses for a country that pycountry does not give (its names are the ISO ones).
CONVENTIONAL_COUNTRY_NAMES = {
    "america": "US",
    "britain": "GB",
    "great britain": "GB",
    "russia": "RU",
    "turkey": "TR",
    "holland": "NL",
    "burma": "MM",
    "ivory coast": "CI",
    "macedonia": "MK",
    "vatican": "VA",
    "east timor": "TL",
    "cape verde": "CV",
    "swaziland": "SZ",
}


def _country_forms_by_id() -> dict[str, set[str]]:
    """Lowercased country names from pycountry, with their short forms ("Iran", "US", "UK"), by
    ISO code."""
    forms: dict[str, set[str]] = {}
    for country in pycountry.countries:
        names = {getattr(country, a, None) for a in ("name", "common_name", "official_name")}
        own = forms.setdefault(country.alpha_2, set())
        for name in filter(None, names):
            own.add(name.lower())
            own.add(name.split(",")[0].lower())
            words = [w for w in name.replace(",", "").split() if w.lower() not in ACRONYM_SKIP]
            if len(words) > 1:
                own.add("".join(w[0] for w in words).lower())
    return forms


def _country_ids(forms: dict[str, set[str]]) -> dict[str, str]:
    """Each form that names one country only ("Congo" and "Korea" name two), with the names news
    uses that pycountry lacks: "America" and "U.S." are one entity."""
    owners = Counter(form for own in forms.values() for form in own)
    ids = {form: code for code, own in forms.items() for form in own if owners[form] == 1}
    return ids | CONVENTIONAL_COUNTRY_NAMES


def _subdivision_forms() -> frozenset[str]:
    return frozenset(s.name.lower() for s in pycountry.subdivisions)


_FORMS_BY_ID = _country_forms_by_id()
_PYCOUNTRY_FORMS = frozenset(f for own in _FORMS_BY_ID.values() for f in own)
COUNTRY_IDS = _country_ids(_FORMS_BY_ID)
COUNTRIES = _PYCOUNTRY_FORMS | frozenset(CONVENTIONAL_COUNTRY_NAMES)
SUBDIVISIONS = _subdivision_forms()
COUNTRY_STEMS = frozenset(f[:4] for f in _PYCOUNTRY_FORMS if len(f) >= 4 and f.isalpha())
