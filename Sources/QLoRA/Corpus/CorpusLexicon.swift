/// The word lists behind the synthetic training corpus, written for this project.
///
/// Hateful templates follow HateCheck's construction (dehumanising comparisons, calls for
/// exclusion, contempt) but use no slurs; offensive templates insult without targeting a group
/// for who they are; neutral templates include identity terms in benign contexts, so that a model
/// does not learn "mentions a group" as "hateful".
enum CorpusLexicon {
    static let groups = ["immigrants", "women", "Muslims", "gay people", "disabled people", "Black people",
                         "Jews", "trans people", "refugees", "Christians", "old people", "Asians"]

    struct Template { let text: String; let harmful: [String] }

    static let hate: [Template] = [
        Template(text: "{G} are vermin and should be driven out of this country", harmful: ["vermin", "driven out"]),
        Template(text: "{G} are a disease on our society", harmful: ["a disease"]),
        Template(text: "I will never trust {G}, they are all parasites", harmful: ["parasites"]),
        Template(text: "{G} are subhuman and do not deserve any rights", harmful: ["subhuman", "do not deserve any rights"]),
        Template(text: "we need to get rid of {G} once and for all", harmful: ["get rid of"]),
        Template(text: "{G} are filth, every single one of them", harmful: ["filth"]),
        Template(text: "the world would be better without {G}", harmful: ["better without"]),
        Template(text: "{G} are animals and should be treated like animals", harmful: ["animals"]),
        Template(text: "never hire {G}, they are lazy criminals", harmful: ["lazy criminals"]),
        Template(text: "{G} should not be allowed to vote or live near decent people", harmful: ["should not be allowed"]),
    ]

    static let offensive: [Template] = [
        Template(text: "shut up you absolute idiot, nobody asked", harmful: ["idiot"]),
        Template(text: "this is the dumbest crap I have read all week", harmful: ["dumbest crap"]),
        Template(text: "what a pathetic loser, get a life", harmful: ["pathetic loser"]),
        Template(text: "you are a moron and your opinion is garbage", harmful: ["moron", "garbage"]),
        Template(text: "screw this stupid game and everyone who made it", harmful: ["screw", "stupid"]),
        Template(text: "my boss is a clueless jerk and I am sick of him", harmful: ["clueless jerk"]),
        Template(text: "go cry somewhere else, you whiny clown", harmful: ["whiny clown"]),
        Template(text: "damn, that referee is blind as a bat and useless", harmful: ["useless"]),
    ]

    static let neutral: [String] = [
        "I had a lovely walk in the park this morning",
        "the new library opens on Monday at nine",
        "{G} in my town organised a food drive for the winter",
        "my neighbours are {G} and they helped me move last week",
        "does anyone know a good recipe for lentil soup",
        "the article on {G} history needs better sources",
        "our team won the match after a long second half",
        "I am reading a book about the lives of {G} in the last century",
        "the bus was late again but the driver was very kind",
        "a conference on the rights of {G} starts tomorrow",
        "can someone explain how the tax form works",
        "the weather this weekend looks great for hiking",
    ]

    static let users = ["sam_k", "riverfan", "maria88", "jt_writes", "nightowl", "coffeeaddict", "dan_the_man", "lila"]
    static let hashtags = ["#mondaymood", "#truth", "#news", "#justsaying", "#weekend", "#fb", "#nofilter"]
    static let forumOpeners = ["In my opinion, ", "I have said it before and I will say it again: ", "Quote: ", "Honestly, ", "As a long time member here, "]
    static let forumClosers = [" .", " , that is just how it is .", " and I stand by it .", " ( just my two cents ) ."]
    static let wikiOpeners = ["== Recent edits ==\n", "== Neutrality ==\n", "Regarding your revert: ", "Please read the policy before editing. ", ""]
    static let wikiClosers = [" --User:Redwood (talk)", " ~~~~", " Thanks.", " See the archive for the earlier discussion."]
}
