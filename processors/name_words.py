"""The words that tell what a capitalised span is: titles and person nouns before names, the heads
of organisations, places, facilities, events, works and products, and name particles.

Data, not logic: processors/entities.py reads names with these lists, processors/quotes.py reads
titles and particles from them.
"""

import re

KEPT = frozenset({"PERSON", "ORG", "GPE", "LOC", "NORP", "FAC"})
NAMED = frozenset({"ORG", "GPE", "LOC", "FAC", "NORP"})

# Honorifics and offices before a personal name; they are not part of the canonical name.
# PLAIN_TITLES are read only as titles; NAME_WORD_TITLES are also words of other names ("General
# Motors", "State Bank", "Premier League", "Queen Mary University"), so they are no cue that an
# untagged word after them is a person.
PLAIN_TITLES = frozenset(
    [
        "mr",
        "mrs",
        "ms",
        "miss",
        "dr",
        "sir",
        "dame",
        "sen",
        "senator",
        "rep",
        "representative",
        "gov",
        "governor",
        "ambassador",
        "rev",
        "reverend",
        "spokesman",
        "spokeswoman",
        "spokesperson",
        "colonel",
        "col",
        "capt",
        "lieutenant",
        "lt",
        "sergeant",
        "sgt",
        "admiral",
        "professor",
        "prof",
        "mayor",
        "maulana",
        "mullah",
        "ayatollah",
        "imam",
        "rabbi",
        "inspector",
        "detective",
        "councillor",
        "councilor",
        "constable",
        "corporal",
        "brigadier",
    ]
)
NAME_WORD_TITLES = frozenset(
    [
        "lady",
        "lord",
        "president",
        "prime",
        "minister",
        "secretary",
        "general",
        "gen",
        "judge",
        "justice",
        "king",
        "queen",
        "prince",
        "princess",
        "pope",
        "chancellor",
        "major",
        "maj",
        "captain",
        "adm",
        "chairman",
        "chief",
        "commander",
        "foreign",
        "defence",
        "defense",
        "state",
        "deputy",
        "vice",
        "former",
        "late",
        "premier",
        "speaker",
        "ceo",
        "leader",
        "cardinal",
        "archbishop",
        "bishop",
        "administrator",
        "director",
        "commissioner",
        "superintendent",
        "sheriff",
        "prosecutor",
        "magistrate",
        "chairwoman",
        "chairperson",
    ]
)
TITLES = PLAIN_TITLES | NAME_WORD_TITLES
# Nouns for people in a role: a name in apposition to one is a person's ("colleague Jan Kowal").
PERSON_NOUNS = frozenset(
    [
        "colleague",
        "counterpart",
        "official",
        "spokesman",
        "spokeswoman",
        "spokesperson",
        "envoy",
        "diplomat",
        "adviser",
        "advisor",
        "analyst",
        "activist",
        "lawyer",
        "attorney",
        "player",
        "striker",
        "midfielder",
        "goalkeeper",
        "coach",
        "manager",
        "singer",
        "actor",
        "actress",
        "driver",
        "athlete",
        "founder",
        "director",
        "head",
        "son",
        "daughter",
        "father",
        "mother",
        "wife",
        "husband",
        "citizen",
        "resident",
        "witness",
    ]
)
# Words news glues before a personal name as a descriptor ("Dr X", "Bowler X", "Passenger X",
# "goalkeeper X"): the plain titles and occupations.
NAME_CUES = PLAIN_TITLES | frozenset(
    [
        "congressman",
        "congresswoman",
        "passenger",
        "bowler",
        "batsman",
        "goalkeeper",
        "striker",
        "midfielder",
        "defender",
        "coach",
        "cyclist",
        "boxer",
        "singer",
        "rapper",
        "actor",
        "actress",
        "athlete",
        "activist",
        "campaigner",
        "analyst",
        "lawyer",
        "attorney",
        "economist",
        "journalist",
        "reporter",
        "photographer",
        "columnist",
        "correspondent",
        "novelist",
        "author",
        "poet",
        "student",
        "teacher",
        "engineer",
        "nurse",
        "pilot",
        "farmer",
        "survivor",
        "lawmaker",
        "legislator",
        "historian",
        "scientist",
        "researcher",
        "envoy",
        "diplomat",
        "businessman",
        "businesswoman",
        "entrepreneur",
    ]
)
# The linking vowels of izafe names ("Jaish-e-Mohammed", "Tehrik-i-Taliban", "Hizb-ut-Tahrir").
IZAFE_LINKS = frozenset(["e", "i", "ul", "ut", "ud", "us"])
# Nouns for people that mark a name in apposition before them ("X, a member of", "X, his sister"),
# too general to be read as a title glued before a name ("Member States").
APPOSED_ROLES = frozenset(
    [
        "member",
        "assistant",
        "instructor",
        "officer",
        "employee",
        "worker",
        "volunteer",
        "victim",
        "brother",
        "sister",
        "friend",
        "neighbour",
        "neighbor",
        "owner",
        "veteran",
        "graduate",
        "organiser",
        "organizer",
        "candidate",
        "executive",
        "partner",
        "parent",
        "uncle",
        "aunt",
        "cousin",
        "nephew",
        "niece",
        "widow",
    ]
)
# Words that make a name an organisation's, whatever its context ("Liberal Party", "Ministry of X").
ORG_WORDS = frozenset(
    [
        "party",
        "council",
        "ministry",
        "committee",
        "commission",
        "agency",
        "union",
        "association",
        "organisation",
        "organization",
        "institute",
        "university",
        "company",
        "group",
        "front",
        "movement",
        "army",
        "force",
        "forces",
        "office",
        "department",
        "bank",
        "court",
        "news",
        "times",
        "post",
        "press",
    ]
)
# Religions, peoples and political camps the model types NORP: never a given name before a surname.
GROUP_WORDS = frozenset(
    [
        "british",
        "english",
        "scottish",
        "welsh",
        "irish",
        "french",
        "dutch",
        "swiss",
        "spanish",
        "danish",
        "finnish",
        "polish",
        "turkish",
        "turk",
        "cypriot",
        "filipino",
        "emirati",
        "burmese",
        "arab",
        "kurdish",
        "kurd",
        "pashtun",
        "baloch",
        "tamil",
        "sikh",
        "hindu",
        "muslim",
        "islamic",
        "islamist",
        "jewish",
        "christian",
        "catholic",
        "protestant",
        "orthodox",
        "buddhist",
        "shia",
        "shiite",
        "sunni",
        "alawite",
        "druze",
        "coptic",
        "yazidi",
        "tutsi",
        "hutu",
        "uighur",
        "uyghur",
        "tibetan",
        "berber",
        "tuareg",
        "somali",
        "zulu",
        "maori",
        "aboriginal",
        "latino",
        "hispanic",
        "european",
        "african",
        "asian",
        "western",
        "communist",
        "socialist",
        "maoist",
        "democrat",
        "republican",
        "liberal",
        "conservative",
        "tory",
        "labour",
    ]
)
# A government described, not named, when only such words stand before its head noun.
GENERIC_BODIES = frozenset(["government", "authorities", "administration"])
GENERIC_MODIFIERS = frozenset(
    [
        "federal",
        "coalition",
        "interim",
        "transitional",
        "national",
        "central",
        "provincial",
        "regional",
        "local",
        "state",
        "military",
        "caretaker",
        "unity",
        "new",
        "current",
        "previous",
    ]
)
# Lowercase name particles that may open or sit inside a name (al-Rashid, van der Waals, bin Zayed).
PARTICLES = frozenset(
    [
        "al",
        "el",
        "ad",
        "ar",
        "as",
        "bin",
        "ibn",
        "bint",
        "abu",
        "van",
        "von",
        "der",
        "den",
        "de",
        "del",
        "della",
        "di",
        "da",
        "du",
        "le",
        "la",
        "dos",
        "das",
        "los",
        "las",
        "arap",
    ]
)
# Lowercase particles of European names, which a name goes on through ("Femke" + "van den Hoevel",
# "Baltasar de los Rios"): not the Arabic and Kalenjin ones, which are also English words ("as", "ad");
# "ter" only here, PARTICLES does not list it.
EURO_PARTICLES = (
    PARTICLES - frozenset(["al", "el", "ad", "ar", "as", "bin", "ibn", "bint", "abu", "arap"])
) | {"ter"}
# Last words of newspaper names: the first list only after "the" ("the Toronto Star"), the second
# anywhere ("Sydney Morning Herald"): no other kind of name ends in them.
OUTLET_HEADS = frozenset(["times", "post", "news", "mail", "record", "mirror", "observer"])
OUTLET_ONLY_HEADS = frozenset(
    ["herald", "tribune", "gazette", "telegraph", "chronicle", "courier", "inquirer"]
)
OUTLET_HEAD = re.compile(
    r"\b(?:" + "|".join(w.capitalize() for w in sorted(OUTLET_HEADS | OUTLET_ONLY_HEADS)) + r")\b"
)
# Head nouns that make a span a facility, an event or a law rather than an organisation or place.
FACILITY_HEADS = frozenset(
    [
        "hotel",
        "hospital",
        "airport",
        "prison",
        "jail",
        "circuit",
        "stadium",
        "centre",
        "center",
        "station",
        "bridge",
        "palace",
        "mosque",
        "church",
        "cathedral",
        "temple",
        "square",
        "street",
        "road",
        "avenue",
        "highway",
    ]
)
# Lowercase nouns that say the name next to them is a settlement or an administrative area, a GPE
# under our labels ("near X town"; "the village of X", not "the province of X": news calls regions
# provinces), whatever type the model gave it.
SETTLEMENT_NOUNS = frozenset(
    ["town", "village", "city", "province", "district", "county", "municipality", "township"]
)
SMALL_SETTLEMENTS = frozenset(["town", "village", "towns", "villages", "township"])
# Lowercase nouns that make a name right before them a facility ("X market", "X observatory"), and
# the ones right after which a name is a river or lake: neither is labelled.
FACILITY_NOUNS = frozenset(["market", "observatory", "arena", "zoo"])
WATER_NOUNS = frozenset(["river", "lake"])
# Lowercase nouns of science and diplomacy that a name modifies without being a person or an
# organisation in the text ("the Varden classification", "the Harwell process", "the Marlow
# effect", "the Sentinel class"): a name seen only so is not labelled. Not "forces": "Kessler forces".
CONCEPT_HEADS = frozenset(
    ["process", "effect", "classification", "class", "theory", "equation", "principle", "syndrome"]
)
EVENT_HEADS = frozenset(
    ["war", "battle", "cup", "championship", "championships", "olympics", "games", "summit"]
)
LAW_HEADS = frozenset({"act", "bill", "treaty", "convention", "accord", "accords"})
# Head nouns that make a capitalised span a product, vehicle or weapon ("Warden Fighting Vehicles").
PRODUCT_HEADS = frozenset(
    [
        "tank",
        "tanks",
        "aircraft",
        "airliner",
        "plane",
        "planes",
        "jet",
        "jets",
        "missile",
        "missiles",
        "rocket",
        "rockets",
        "rifle",
        "rifles",
        "helicopter",
        "helicopters",
        "artillery",
        "equipment",
        "vehicle",
        "vehicles",
        "drone",
        "drones",
        "launcher",
        "launchers",
        "car",
        "cars",
        "truck",
        "trucks",
    ]
)
# Competitions, races and awards are events, which are not labelled; the small model types them
# PERSON or ORG ("Coppa Valdora", "UEFA Champions League", "First Intifada"). A span is one when its
# last word or last two words are a competition's or award's head, or its first word opens a
# competition's name ("Copa X", "Formula X"); a name right before a capitalised award head is that
# award's ("Halvorsen Prize-winning", "Dean's Award") and one right after "Hours of" is a race's.
COMPETITION_HEADS = frozenset(
    ["intifada", "festival", "marathon", "prize", "prizes", "award", "awards", "trophy", "medal"]
    + ["olympiad", "paralympics", "bundesliga", "liga", "serie", "tournament", "regatta", "expo", "formula"]
)
COMPETITION_TAILS = frozenset(
    ["champions league", "europa league", "nations league", "grand prix", "world series", "grand slam"]
    + ["super bowl"]
)
COMPETITION_LEADS = frozenset(["coppa", "copa", "formula"])
AWARD_HEADS = frozenset(["Prize", "Prizes", "Award", "Awards", "Trophy", "Medal"])
# Nouns for works, characters and animals: a title right after one ("the 1969 film Silent Road",
# "her graphic novel Iron Sparrow"), a quoted title before one ("a \"Mister Crow and Hobbs\" comic")
# and a name given after one ("a dog character named \"Rufus\"") are not persons or organisations.
WORK_NOUNS = frozenset(
    ["book", "novel", "memoir", "film", "movie", "documentary", "album", "song", "play", "musical"]
    + ["opera", "sitcom", "series", "comic", "strip", "cartoon", "poem", "painting", "sculpture"]
    + ["episode", "character", "characters"]
)
ANIMAL_NOUNS = frozenset(
    ["dog", "cat", "horse", "elephant", "rhino", "rhinoceros", "panda", "gorilla", "tiger", "lion"]
    + ["bear", "whale", "dolphin", "calf", "cub", "puppy", "kitten", "parrot", "chimpanzee", "giraffe"]
)
TITLE_LINKS = frozenset(["and", "of", "the", "&", "a", "in", "on"])
# Spanish, Portuguese, Italian and French words that open an institution's name before "de"/"di"/
# "do" ("Banco de Galicia", "Club de Regatas", "Diario de Noticias"): such a name is no person's.
ROMANCE_ORG_HEADS = frozenset(
    ["banco", "banca", "caixa", "caja", "club", "clube", "diario", "jornal", "partido", "frente"]
    + ["movimiento", "movimento", "union", "uniao", "universidad", "universidade", "instituto"]
    + ["consejo", "conselho", "comision", "ministerio", "tribunal", "federacion", "federacao"]
    + ["confederacion", "asociacion", "associacao", "sindicato", "fundacion", "fundacao", "compania"]
    + ["companhia", "grupo", "junta", "ejercito", "exercito", "fuerzas", "policia", "banque", "societe"]
    + ["parti", "conseil", "radio", "television", "teatro", "museo", "museu", "colegio", "escuela"]
    + ["escola", "camara", "congreso", "senado", "asamblea", "assembleia", "casa", "corte"]
    + ["comune", "provincia", "regione", "gobierno", "governo", "secretaria", "servicio", "servico"]
)
# Capitalised words the small model tags as names that never are one under our labels: time zones,
# celestial bodies, and the parts of a document ("Division B", "Section 21").
NOT_NAMES = frozenset(
    ["gmt", "utc", "est", "edt", "cst", "cdt", "pst", "pdt", "bst", "cet", "cest", "sun", "moon", "earth"]
)
DOCUMENT_PARTS = frozenset(["division", "section", "article", "chapter", "part", "clause", "annex", "title"])
# Company-form suffixes: "Acme" and "Globex" are short forms of "Acme Corp." and "Globex, Hart & Co.".
CORPORATE_SUFFIXES = frozenset(
    ["corp", "corporation", "inc", "incorporated", "ltd", "limited", "co", "plc", "llc", "ag", "sa", "group"]
)
# English words that end hyphenated compounds after a name ("Obama-led", "Paris-based"): never the
# second part of a hyphenated given name.
HYPHEN_TAILS = frozenset(
    [
        "like",
        "led",
        "based",
        "backed",
        "style",
        "era",
        "born",
        "owned",
        "run",
        "type",
        "linked",
        "allied",
        "affiliated",
        "controlled",
        "held",
        "made",
        "supported",
        "sponsored",
        "brokered",
        "funded",
        "friendly",
        "free",
        "related",
        "esque",
        "ish",
        "elect",
        "designate",
        "in",
        "law",
    ]
)
HYPHENS = frozenset("-‐–")
# A person's role glued to the organisation before it ("NASA Administrator", "State Department
# Spokesperson" + a name): no organisation's own name ends in one.
ROLE_TAILS = frozenset(
    [
        "administrator",
        "spokesperson",
        "spokesman",
        "spokeswoman",
        "ceo",
        "chairman",
        "chairwoman",
        "chairperson",
    ]
)
# An organisation's head noun and the prepositions its own name goes on with ("Council for Peace",
# "Committee on Foreign Relations"); "of" only for parties ("Liberal Party of Ruritania"), since
# ministries and offices "of" a country are two entities.
COMPLEMENT_HEADS: dict[str, tuple[str, ...]] = {
    "council": ("for", "on"),
    "committee": ("for", "on"),
    "commission": ("for", "on"),
    "foundation": ("for",),
    "association": ("for",),
    "society": ("for",),
    "institute": ("for",),
    "centre": ("for",),
    "center": ("for",),
    "alliance": ("for",),
    "coalition": ("for",),
    "movement": ("for",),
    "front": ("for",),
    "fund": ("for",),
    "campaign": ("for",),
    "league": ("for",),
    "office": ("for",),
    "party": ("for", "of"),
    "mission": ("in", "to", "for"),
}
# Short words an acronym leaves out ("Ministry of Defence" is "MoD", "Bank of England" "BoE").
ACRONYM_SKIP = frozenset({"of", "the", "for", "and", "on", "in", "to", "de", "&"})
# Weekdays and months: a capitalised word before a name that is a date ("on Friday Doe said"), not
# a given name.
CALENDAR_WORDS = frozenset(
    [
        *("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"),
        *("january", "february", "march", "april", "may", "june", "july", "august"),
        *("september", "october", "november", "december"),
    ]
)
