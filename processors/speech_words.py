"""The words of reported speech: speech verbs, the nouns of organisations, roles, documents and
reactions that speak for someone, and the honorifics and pronouns that carry a gender.

Data, not logic: processors/quotes.py attributes quotes with these lists.
"""

# Generic speech and attribution verbs (lemmas).
SPEECH_VERBS = frozenset(
    [
        "say",
        "tell",
        "add",
        "state",
        "claim",
        "announce",
        "explain",
        "note",
        "insist",
        "warn",
        "declare",
        "describe",
        "write",
        "report",
        "ask",
        "reply",
        "respond",
        "answer",
        "comment",
        "continue",
        "conclude",
        "argue",
        "call",
        "demand",
        "urge",
        "accuse",
        "admit",
        "acknowledge",
        "confirm",
        "deny",
        "suggest",
        "predict",
        "vow",
        "promise",
        "pledge",
        "threaten",
        "tweet",
        "post",
        "quote",
        "recall",
        "remark",
        "observe",
        "clarify",
        "assert",
        "maintain",
        "allege",
        "stress",
        "emphasize",
        "emphasise",
        "proclaim",
        "shout",
        "complain",
        "boast",
        "concede",
        "brand",
        "dub",
        "label",
        "term",
        "reiterate",
        "caution",
        "testify",
        "announce",
        "indicate",
        "mention",
        "joke",
        "plead",
        "cite",
        # Reporting verbs of judgement and advice ("X criticised it as "..."", "the ministry advised
        # "..."", "X hailed the deal as "..."").
        "criticise",
        "criticize",
        "condemn",
        "praise",
        "hail",
        "advise",
        "recommend",
        "question",
        "exclaim",
        "retort",
        "contend",
        "reveal",
        "disclose",
        "affirm",
        "assure",
        "inform",
        "recount",
        "characterise",
        "characterize",
        "elaborate",
        "lament",
        "quip",
        "dismiss",
        "welcome",
        # Verbs of opinion: the quoted words are the subject's ("X believes the plan is "...").
        # Not "feel" or "fear": "should it feel the need" is no attribution.
        "believe",
        "think",
        "consider",
    ]
)
# Generic heads of a definite description that refers back to an organisation or country.
ORG_NOUNS = frozenset(
    [
        "government",
        "ministry",
        "association",
        "federation",
        "group",
        "court",
        "company",
        "committee",
        "council",
        "agency",
        "organization",
        "organisation",
        "police",
        "army",
        "military",
        "commission",
        "union",
        "party",
        "movement",
        "newspaper",
        "paper",
        "network",
        "club",
        "department",
        "office",
        "administration",
        "panel",
        "board",
        "tribunal",
        "jury",
        "embassy",
        "authority",
    ]
)
# Verbs whose object is the person addressed or described, never the speaker ("told the BBC").
ADDRESSEE_VERBS = frozenset(
    [
        "tell",
        "ask",
        "warn",
        "urge",
        "accuse",
        "call",
        "describe",
        "brand",
        "dub",
        "label",
        "term",
        "remind",
        "quote",
    ]
)
# Parts of an organisation that speak for it ("the armed wing of the Party").
# What a clause's object can name as someone's reaction ("drew the criticism of X, saying ...").
REACTION_NOUNS = frozenset(
    {"criticism", "condemnation", "praise", "ire", "anger", "wrath", "scorn", "rebuke", "support"}
    | {"backing", "approval", "disapproval", "objection", "protest", "concern", "fury", "outrage"}
)
PART_NOUNS = frozenset({"wing", "arm", "branch", "division", "unit", "bureau"})
# Heads of "the government"-like descriptions: they refer to the article's main country.
GOVERNMENT_NOUNS = frozenset({"government", "administration", "regime", "cabinet"})
# Role nouns that speak for the organisation they belong to, and the prepositions that tie them to it.
SPOKESPERSON_NOUNS = frozenset({"spokesman", "spokeswoman", "spokesperson", "spokespeople", "representative"})
SPOKESPERSON_LINKS = frozenset({"of", "for"})
ROLE_LINKS = frozenset({"of", "for", "in", "at", "from"})  # "officials in/at/from the Ministry"
ROLE_NOUNS = frozenset(
    {"official", "minister", "adviser", "advisor", "envoy", "diplomat", "officer", "director"}
)
DOCUMENT_NOUNS = frozenset(
    {
        "report",
        "statement",
        "study",
        "communique",
        "survey",
        "bulletin",
        "release",
        "letter",
        "memo",
        "analysis",
    }
)
DOCUMENT_LINKS = frozenset({"by", "of", "from"})
# Words before a quoted title or name: 'a report titled "..."', 'a man named "..."'.
NAMING_WORDS = frozenset({"titled", "entitled", "headlined", "named", "nicknamed", "renamed", "codenamed"})
# Documents and messages that "read" their author's words ("the statement read:", "...," it read).
READ_SOURCES = DOCUMENT_NOUNS | {"message", "note", "notice", "announcement", "email", "tweet", "post"}
# "a statement released by X": X speaks through it; not "a letter seen by X" (a reader).
AUTHORING_VERBS = frozenset(
    {"release", "issue", "sign", "publish", "write", "send", "post", "draft", "prepare", "compile", "produce"}
)
PERSON_PRONOUNS = frozenset({"he", "she", "him", "her"})
# Index 0 male, 1 female: the evidence an article gives of a person's gender.
GENDERED_PRONOUNS = {"he": 0, "him": 0, "his": 0, "himself": 0, "she": 1, "her": 1, "hers": 1, "herself": 1}
HONORIFICS = {
    "mr": 0,
    "sir": 0,
    "lord": 0,
    "king": 0,
    "prince": 0,
    "mrs": 1,
    "ms": 1,
    "miss": 1,
    "madam": 1,
    "dame": 1,
    "lady": 1,
    "queen": 1,
    "princess": 1,
}
