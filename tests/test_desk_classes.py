"""Desk error classes seen on unseen text, each pinned with invented wire-style articles."""

import pytest

from processors.desk import classify_desk, desk_scores, load_desks
from processors.rules import RulesError

LEXICON = load_desks()


def desk_of(nlp, title: str, body: str) -> str:  # type: ignore[no-untyped-def]
    return classify_desk(title, nlp(body), [], None, lexicon=LEXICON).desk


@pytest.mark.parametrize(
    ("desk", "title", "body"),
    [
        (
            "science-technology",
            "Fossil of feathered dinosaur found in quarry",
            "Palaeontologists have found the fossil of a small feathered dinosaur in a limestone quarry, the "
            "museum that led the dig said on Tuesday. The animal lived about 150 million years ago.\n\nThe "
            "fossil shows traces of feathers on its arms and tail.",
        ),
        (
            "science-technology",
            "Archaeologists uncover Bronze Age settlement",
            "Archaeologists have uncovered the remains of a Bronze Age settlement on a hillside above the "
            "river, with the foundations of 20 round houses, pottery and bronze tools.\n\nExcavations will "
            "continue next summer.",
        ),
        (
            "environment",
            "Whale numbers recover after hunting ban",
            "The number of humpback whales off the coast has risen to about 25,000, close to what it was "
            "before commercial whaling, marine biologists said.\n\nThe animals still face threats from nets.",
        ),
        (
            "economy-business",
            "Carmaker to close plant with loss of 3,000 jobs",
            "The carmaker will close its largest plant next year with the loss of 3,000 jobs, it said on "
            "Wednesday, blaming falling demand. Production will move to a factory abroad.\n\nThe workers' "
            "union called the decision a betrayal.",
        ),
        (
            "arts-culture-entertainment",
            "Orchestra performs lost symphony for first time",
            "An orchestra performed a symphony by a 19th-century composer for the first time on Friday, 150 "
            "years after it was written.\n\nThe audience gave the orchestra a standing ovation.",
        ),
        (
            "health",
            "Study links air pollution to dementia",
            "People who live near busy roads are more likely to develop dementia, a study of two million "
            "adults has found. The researchers said fine particles from traffic could damage the brain."
            "\n\nDoctors said more research was needed.",
        ),
    ],
)
def test_a_desks_plain_vocabulary_names_it(nlp, desk: str, title: str, body: str) -> None:  # type: ignore[no-untyped-def]
    """A story told in its field's everyday words (fossil, whale, carmaker, orchestra, dementia) gets
    that desk, not 'other' or a desk of the few words it shares with another field."""
    assert desk_of(nlp, title, body) == desk


@pytest.mark.parametrize(
    ("title", "body", "wrong_desk"),
    [
        (
            "Police storm hideout, free hostages",
            "Police stormed a farmhouse on Tuesday and freed two businessmen held there for a week. Storming "
            "the building, officers arrested three suspects.",
            "disaster-accident",
        ),
        (
            "Suspected cholera cases rise to 300",
            "Suspected cases of cholera rose to 300 in the camps on Monday. Twelve suspected patients died, "
            "doctors said.",
            "crime-law",
        ),
        (
            "Rivals agree to share power",
            "The two largest parties agreed on Sunday to share power in a coalition government after "
            "weeks of talks. They shared ministries equally.",
            "economy-business",
        ),
        (
            "Scores of people killed as floods sweep valley",
            "Scores of people were killed when floods swept through the valley on Thursday. Rescue teams "
            "searched for survivors in the mud.",
            "sport",
        ),
        (
            "Campaigner's killer gets death penalty",
            "A court sentenced a man to the death penalty on Monday for the murder of a land campaigner.",
            "sport",
        ),
    ],
)
def test_a_word_in_another_sense_is_no_evidence_for_its_desk(
    nlp, title: str, body: str, wrong_desk: str
) -> None:  # type: ignore[no-untyped-def]
    """'stormed' is not the weather, 'suspected cases' not a crime suspect, 'share power' not stock
    shares, 'scores of people' and 'death penalty' not sport: that desk's score stays at zero."""
    assert desk_scores(title, nlp(body), LEXICON)[wrong_desk] == 0.0


def test_a_desk_guard_leaves_the_other_desks_words_alone(nlp) -> None:  # type: ignore[no-untyped-def]
    """'Police storm' is no storm, but its 'police' still counts for crime."""
    scores = desk_scores("Police storm flat", nlp("Police stormed a flat and arrested a suspect."), LEXICON)
    assert scores["disaster-accident"] == 0.0
    assert scores["crime-law"] > 0.0


@pytest.mark.parametrize(
    ("desk", "title", "body"),
    [
        # A title frame: the accident or crime it names outweighs the sport or arts words of where it
        # happened; a work about a war is arts.
        # An accident at a match or on a team's journey: the title names what fell or crashed.
        (
            "disaster-accident",
            "Grandstand collapses at derby, injuring 40",
            "Part of a grandstand collapsed during the second half of the derby on Saturday, injuring about "
            "40 supporters, the club said. The match was abandoned and the players left the pitch.\n\nThe "
            "league has ordered every club to have its stands inspected.",
        ),
        # A band's van that skids off the road: the accident phrase is the disaster desk's own term
        # ("van skids"), which the frame reads from the lexicon.
        (
            "disaster-accident",
            "Band members injured as tour van skids off icy road",
            "Four members of the rock band Lanterna were injured when their tour van skidded off an icy "
            "road near Holt on Friday night. The band, whose second album came out last month, were driving "
            "to a concert at a festival. The singer and guitarist were taken to hospital.\n\nThe band's "
            "remaining concerts are cancelled.",
        ),
        # A team's bus or coach that crashes on the way to a game: the framed desk's words in the title
        # ("football team", "cup final") name the setting and earn no title bonus.
        (
            "disaster-accident",
            "Football team's coach crashes on way to cup final, 14 hurt",
            "Fourteen people were hurt when the coach carrying the players of second-division club Arnfeld "
            "hit a lorry on the way to the cup final on Sunday. Two players were taken to hospital with "
            "serious injuries.\n\nThe final, against league champions Port Elsin, was postponed. The club's "
            "striker and goalkeeper were treated for cuts.",
        ),
        (
            "disaster-accident",
            "Hockey team's bus overturns on way to league game",
            "A bus carrying the players and coaches of the hockey club Velden overturned on a motorway on "
            "Saturday on the way to a league game, injuring nine people, police said.\n\nThe team's captain "
            "and two players are in hospital. The league postponed the match.",
        ),
        # A plot against a concert is a crime story, not a storyline.
        (
            "crime-law",
            "Police foil plot to bomb pop concert",
            "Police said on Monday they had foiled a plot to bomb a pop concert in the capital and arrested "
            "three men. The singer's concert went ahead with more security.\n\nThe band thanked its fans.",
        ),
        # A work about a war or a crash: the war or the crash is its subject.
        (
            "arts-culture-entertainment",
            "Veterans' war photographs go on display",
            "Photographs taken by veterans during the war went on display at the town gallery on Sunday. The "
            "pictures show soldiers in trenches, shelled farms and refugees on the roads.\n\nThe show runs "
            "until May.",
        ),
        (
            "arts-culture-entertainment",
            "Exhibition of war photographs opens",
            "An exhibition of photographs from the war opened at the city gallery on Thursday, with pictures "
            "of soldiers, shelled streets and refugees taken by six photographers.\n\nThe exhibition runs "
            "until the spring.",
        ),
        # A bare 'crash' is not an accident frame (races have crashes), and a work about a crash is arts.
        (
            "sport",
            "Leader crashes out as outsider wins stage",
            "The race leader crashed on a wet descent and lost four minutes as an outsider won the stage on "
            "Thursday. The cyclist's team said he was bruised but would start on Friday.\n\nThe tour ends on "
            "Sunday.",
        ),
        (
            "arts-culture-entertainment",
            "Film about bus crash opens festival",
            "A film about the families of the victims of a bus crash opened the film festival on Wednesday. "
            "The director and the actors were applauded for ten minutes.\n\nIt opens in cinemas next month.",
        ),
        # A takeover is business news about a drug maker; a veto is politics about health care.
        # The act decides, not the field it concerns.
        (
            "economy-business",
            "Drug maker buys rival for nine billion",
            "Pharmaceutical company Ostrel has agreed to buy its rival Kessen for nine billion dollars, "
            "making it the largest maker of vaccines and cancer medicines in the region.\n\nShares in Kessen "
            "rose.",
        ),
        (
            "politics",
            "Governor vetoes health-care bill",
            "The governor vetoed a bill on Tuesday that would have given free health care to children, "
            "saying the state could not afford it. Doctors and patients' groups had supported the bill.",
        ),
        # A performer named in the title frames the medical words; research on them does not.
        # A singer's operation cancels a tour: news about the performer, told in medical words.
        (
            "arts-culture-entertainment",
            "Singer cancels tour to have surgery on vocal cords",
            "Singer Ola Brenn has cancelled her spring tour so that doctors can operate on her vocal cords, "
            "she told fans on Tuesday. A specialist at a hospital in the capital found a growth that must be "
            "removed; her doctors expect her to recover fully after surgery and weeks of rest.\n\nThe "
            "singer's tour was to visit 18 cities.",
        ),
        # Research on singers' patients stays health news.
        (
            "health",
            "Researchers find choir singing helps stroke patients speak again",
            "Stroke patients who sang in a choir twice a week recovered their speech faster than others, "
            "researchers said on Monday. The singers, all patients at three hospitals, practised songs with "
            "a music therapist.\n\nDoctors want the treatment offered more widely.",
        ),
        # 'other' has a vocabulary of occasions, so one stray word of another desk does not decide.
        # A town's anniversary, with one "market" in it: an occasion, not business news.
        (
            "other",
            "Town of Hollin celebrates 900th anniversary",
            "The town of Hollin celebrated its 900th anniversary at the weekend with a procession, fireworks "
            "and a street market in the main square.\n\nResidents re-enacted the signing of the town's "
            "charter, and a time capsule was buried outside the town hall. Celebrations continue next month.",
        ),
        # A firm's or a war's anniversary keeps the desk of its own vocabulary.
        (
            "economy-business",
            "Carmaker celebrates 100th anniversary with record sales",
            "Carmaker Vessa celebrated its 100th anniversary on Monday by reporting record sales and profits "
            "for the year. The company sold 1.2 million cars and its shares rose 4 percent.\n\nThe chief "
            "executive said the firm would invest two billion in electric vehicles.",
        ),
        (
            "conflict-war-peace",
            "Country marks anniversary of end of civil war",
            "Thousands gathered in the capital on Friday to mark the 25th anniversary of the peace agreement "
            "that ended the civil war between the army and rebel groups. The president laid a wreath at the "
            "memorial to soldiers and civilians killed in the fighting.\n\nMore than 50,000 people died in "
            "the war.",
        ),
    ],
)
def test_a_title_frame_decides_between_the_event_and_its_setting(
    nlp, desk: str, title: str, body: str
) -> None:  # type: ignore[no-untyped-def]
    """What the title says happened (an accident, a takeover, a veto, a performer's illness, an
    occasion) decides the desk over the field or setting it happens in; each group says its frame."""
    assert desk_of(nlp, title, body) == desk


def test_a_phrase_counts_once_for_its_desk(nlp) -> None:  # type: ignore[no-untyped-def]
    """'public health' is one term of the health desk, not 'health' and 'public health' both."""
    title, body = "Clinic opens", "The clinic will improve public health in the district."
    once = desk_scores(title, nlp(body), LEXICON)["health"]
    plain = desk_scores(title, nlp("The clinic will improve health in the district."), LEXICON)["health"]
    assert once == plain


def test_a_frame_names_only_known_desks_for_its_phrases(tmp_path) -> None:  # type: ignore[no-untyped-def]
    """`title_phrases_of` borrows a desk's several-word terms; an unknown desk there is a clear error."""
    path = tmp_path / "desks.toml"
    path.write_text(
        '[desks.sport]\n"team" = 2.0\n[desks.disaster-accident]\n"bus crash" = 2.0\n"fire" = 1.0\n'
        '[[frame]]\nid = "x"\ndesks = ["sport"]\ntitle_phrases_of = ["disaster-accident"]\n',
        encoding="utf-8",
    )
    (frame,) = load_desks(path).frames
    assert [p.text for p in frame.title] == ["bus crash"]
    path.write_text(path.read_text(encoding="utf-8").replace('of = ["disaster-accident"]', 'of = ["nope"]'))
    with pytest.raises(RulesError, match="title_phrases_of"):
        load_desks(path)
