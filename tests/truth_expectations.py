"""What the real dataset must say, pinned against the figures the seed sources state and the contradictions between them.

FLAGGED is every figure the disagreement rule may flag: a key missing here, or an extra flag, fails
tests/system/test_truth_data.py. CONTRADICTIONS maps each of the sources' contradictions C1-C16 to how the site shows
it: pairs of figures flagged against each other ("flag"), pairs whose notes name each other ("note"), or,
for a contradiction about dates rather than figures, the event or source whose note records it ("record"); and, for
every one, the Contradiction records (fixtures/contradictions.json) that tell it in words, each with the programmes
whose pages show it ("records").
"""

# figure key -> (the FACTS contradiction or row it comes from, why it is a real disagreement)
FLAGGED = {
    "F022b": ("C1, F022", "the minister's 'up to half a billion a year' cannot be the £600m a year Computer Weekly and CIPS gave"),
    "F023b": ("C1, F023", "£600m a year (Cabinet Office, via Computer Weekly) against 'up to half a billion' and PAC's £300-400m"),
    "F023c": ("C1, F023", "£600m a year (Cabinet Office, via CIPS) against 'up to half a billion' and PAC's £300-400m"),
    "F056": ("C1, F056", "PAC's £300-400m a year for the same whole-strategy target the Cabinet Office put at £600m"),
    "F056b": ("C1, F056", "PA's 'up to £400m' a year for the target the Cabinet Office put at £600m"),
    "F088": ("C8, F088", "£1.8bn over 15 years (Jeremy Quin, 2023) against over £3bn over 15 years (2024)"),
    "F091a": ("C8, F091", "about £2bn over 15 years (The Register) against over £3bn (2024); it covers the £1.8bn at its precision"),
    "F093": ("C8, F093", "over £3bn over 15 years (clusters via the minister) against £1.8bn and about £2bn"),
    "F035": ("C12, F035", "1,200 civil servants moved to SSCL in 2013 against the Cabinet Office's 'around 1,100' in 2023"),
    "F035b": ("C12, F035", "'around 1,100' (2023) cannot be 1,200 (2013) for the same transfer"),
    "F110a": ("C12, F110", "£711m for the Oracle and IBM award against 'more than £850m' (PublicTechnology)"),
    "F110b": ("C12, F110", "£710m for the Oracle and IBM award against 'more than £850m' (PublicTechnology)"),
    "F110c": ("C12, F110", "'more than £850m' against £710-711m for the same award; FACTS suspects VAT, no source says so"),
}

# contradiction -> {"records": {contradiction key: [programme slugs]}, "flag": [(a, b), ...], "note": [(a, b), ...],
#                   "record": ["event:<key>" | "source:<key>", ...], "where": ...}
CONTRADICTIONS = {
    "C1": {
        "records": {
            "ngss-annual-savings-target": ["issc1", "issc2", "ngss-2012"],
        },
        "flag": [("F023b", "F056"), ("F023c", "F056"), ("F023b", "F056b"), ("F022b", "F023b")],
        "note": [("F040", "F023d"), ("F046", "F022")],
        "where": "flags on the NGSS page between the £600m, 'up to half a billion' and PAC's £300-400m; notes on the "
        "£128m figures, whose scope (the two centres) or status (forecast) differs from the whole-strategy target",
    },
    "C2": {
        "records": {
            "ngss-2016-figures-bases": ["issc1", "issc2", "ngss-2012"],
        },
        "note": [("F041", "F046"), ("F044", "F056")],
        "where": "notes: £90m is cumulative over 2.5 years, £128m annual; £484m is cumulative, £300-400m annual",
    },
    "C3": {
        "records": {
            "issc-start-date": ["issc1", "issc2", "ngss-2012"],
        },
        "record": ["event:issc2-sscl-launch"],
        "where": "the SSCL launch event's note: some outlets date the centres' set-up to 2014",
    },
    "C4": {
        "records": {
            "met-police-savings": ["issc2", "ngss-2012"],
        },
        "note": [("F047", "F059")],
        "where": "notes: the Cabinet Office's £504m with the Met (two centres) and the Met's own £100m+ (its contract) differ in scope",
    },
    "C5": {
        "records": {
            "early-centres-cost-and-losses": ["early-shared-services"],
        },
        "note": [("F014", "F014b"), ("F016a", "F016b"), ("F018b", "F018d")],
        "where": "notes on the early centres: 2004 forecast against cost to build and operate, 2010 against 2010-11, "
        "four 'losses' (CIPS, claimed) against two net costs (NAO, audited)",
    },
    "C6": {
        "records": {
            "back-office-cost-baseline": ["clusters-2021", "early-shared-services", "ngss-2012"],
        },
        "note": [("F004", "F026"), ("F026", "F087"), ("F004", "F087")],
        "where": "notes on the three baselines, each a different scope and programme",
    },
    "C7": {
        "records": {
            "cluster-coverage-counts": ["clusters-2021", "matrix", "synergy"],
        },
        "note": [("F075", "F076"), ("F101a", "F102d"), ("F101b", "F102c"), ("F107b", "F110d")],
        "where": "notes: 17 (NAO, 2022) against 19 (minister, 2024) are different dates and statuses; Matrix's counts "
        "changed between notices; Synergy's 250,000 staff and 280,000 users are different counts",
    },
    "C8": {
        "records": {
            "cluster-strategy-benefits": ["clusters-2021"],
        },
        "flag": [("F088", "F093"), ("F091a", "F093")],
        "note": [("F088", "F091a")],
        "where": "flags between the 15-year benefit claims; about £2bn covers £1.8bn at the precision stated, so those two carry notes",
    },
    "C9": {
        "records": {
            "savings-rate-target": ["clusters-2021", "gss-2018"],
        },
        "note": [("F064", "F078"), ("F078", "F092")],
        "where": "notes: 10-15% over the roadmap (2018) and of annual operating cost (2021) differ in basis; 20% is a forecast against a target",
    },
    "C10": {
        "records": {
            "moved-deadlines": ["clusters-2021", "defence", "gss-2018", "synergy"],
        },
        "note": [("F067", "F077")],
        "where": "notes on the two cloud deadlines (2025 moved to 2028), which belong to different strategies",
    },
    "C11": {
        "records": {
            "cluster-funding-described": ["clusters-2021"],
        },
        "note": [("F079", "F079c"), ("F082", "F082b")],
        "where": "notes on CIPS's description of the funding request and its 'after 2025'",
    },
    "C12": {
        "records": {
            "synergy-award-value": ["synergy"],
            "matrix-award-value": ["matrix"],
            "unity-value": ["unity"],
            "sscl-contract-value": ["issc2"],
            "sscl-staff-transferred": ["issc2"],
        },
        "flag": [("F035", "F035b"), ("F110a", "F110c"), ("F110b", "F110c")],
        "note": [("F103a", "F103b"), ("F103a", "F102a"), ("F117a", "F115"), ("F117a", "F117e"), ("F033", "F034c")],
        "where": "flags for the SSCL transfer count and the Synergy award; notes where VAT, tender against award, "
        "programme against contracts, or deal stage explain the different values",
    },
    "C13": {
        "records": {
            "arvato-contract-term": ["issc1"],
            "moj-programme-size": ["ngss-2012"],
        },
        "note": [("F032", "F032b"), ("F060d", "F060e")],
        "where": "notes: 7 years plus 3 against a '10-year deal'; a £116m programme against about £100m spent. IT Pro's £58m is not stored",
    },
    "C14": {
        "records": {
            "nao-2022-report-date": ["clusters-2021"],
            "unity-business-case-date": ["unity"],
            "pac-2016-report-date": ["ngss-2012"],
        },
        "record": ["source:nao-2022-government-shared-services", "source:register-2023-unity", "event:ngss-pac-2016-report"],
        "where": "source and event notes on the report dates and the impossible 'November 2023'",
    },
    "C15": {
        "records": {
            "claimed-delivered-benefits": ["clusters-2021", "issc2", "overseas", "unity"],
        },
        "note": [("F124", "F083b")],
        "where": "statuses (claimed, not audited) and notes: the minister's £120m+ against the NAO's finding that benefits were not known",
    },
    "C16": {
        "records": {
            "synergy-contract-terms": ["synergy"],
        },
        "note": [("F107d", "F110e")],
        "where": "notes on the software contract terms in the 2023 tender and the 2024 award",
    },
}

# figure key -> why its claimant is its source's publisher: the publication itself made the claim.
CLAIMANT_IS_PUBLISHER = {
    "F010b": "NAO's own revised forecast on its report page",
    "F011b": "NAO's own revised forecast on its report page",
    "F012b": "NAO's own forecast net outcome on its report page",
    "F013": "Civil Service World's own analysis of the DfT centre",
    "F015a": "NAO 2012 finding in its own report",
    "F015b": "PAC's own finding in its report",
    "F017": "NAO 2012 finding in its own report",
    "F018a": "NAO 2012 finding in its own report",
    "F018b": "NAO 2012 finding in its own report",
    "F018c": "NAO 2012 finding in its own report",
    "F018d": "Supply Management's own (mistaken) characterisation of the NAO finding",
    "F019": "NAO 2012 finding in its own report",
    "F018e": "NAO 2012 finding in its own report: no savings figure for the five centres",
    "F021a": "Civil Service World's own analysis of business-plan data",
    "F021b": "Civil Service World's own analysis of business-plan data",
    "F023": "the Cabinet Office's own strategic plan",
    "F032b": "Computer Weekly's own description of the arvato deal",
    "F034a": "TechMarketView's own estimate of the deal size",
    "F034b": "TechMarketView's own estimate of the deal size",
    "F034c": "Computer Weekly's own description of the deal size",
    "F034d": "Computer Weekly's own description of the joint venture term",
    "F037": "NAO finding in its own report",
    "F041": "NAO finding in its own press release",
    "F042": "NAO finding in its own press release",
    "F043": "PAC's own finding",
    "F049": "NAO finding in its own press release",
    "F055": "PAC's own recommendation",
    "F060d": "the Guardian's own description of the programme",
    "F060e": "ComputerworldUK's own account of the spending",
    "F069": "The Register's own estimate, not a government figure",
    "F074b": "NAO finding in its own report",
    "F083a": "NAO finding in its own press release",
    "F083b": "NAO finding in its own press release",
    "F086": "NAO finding in its own report",
    "F087": "PAC finding in its own report",
    "F087b": "PAC finding in its own report",
    "F091a": "The Register's own description of the strategy's promise",
    "F091b": "The Register's own description of the strategy's investment",
    "F117e": "The Register's own description of the procurement",
}

# Programme page cards: programme slug -> card role -> (figure key, or None when the card must say the sources
# give no figure, the FACTS row it comes from, why). Roles, not labels, so that renaming a label breaks nothing.
NONE = None
CARDS = {
    "early-shared-services": {
        "promised": ("F001", "F001", "the Cabinet Office's £1.4bn a year, the first savings target, as reported by the NAO in 2007"),
        "latest-forecast": (NONE, "F007, F011", "no forecast for the programme as a whole: NHS SBS's and DfT's are their own"),
        "delivered-audited": (NONE, "F017, F018, C15", "the NAO audited the five centres but gave no savings figure for the programme"),
        "delivered-claimed": (NONE, "F002", "departments' £1bn a year covered all corporate services, a wider total than shared services"),
        "investment": (NONE, "F015", "the over £1.4bn the NAO found covers the five department-run centres, not all the early centres"),
        "net-benefit": (NONE, "F017", "the £255m net cost covers the two centres still tracking benefits"),
    },
    "ngss-2012": {
        "promised": ("F022", "F022", "the Cabinet Office's £400–600m a year, in its December 2012 press release"),
        "latest-forecast": ("F040", "F040", "the £128m a year the Cabinet Office expected, as reported by Government Computing in 2014"),
        "delivered-audited": (NONE, "F041", "the NAO's £90m covers the two independent centres, not the whole strategy"),
        "delivered-claimed": (NONE, "F047, C15", "the £504m 'by 2023-24' is a 2016 projection, not a delivery"),
        "investment": ("F036", "F036", "the Cabinet Office's £44–95m implementation estimate for the whole strategy"),
        "net-benefit": (NONE, "F043", "the PAC's net cost of £4m covers the two independent centres"),
    },
    "issc1": dict.fromkeys(
        ["promised", "latest-forecast", "delivered-audited", "delivered-claimed", "investment", "net-benefit"],
        (NONE, "F031–F032", "the sources give ISSC1's contract ceiling and term, no savings or cost of its own"),
    ),
    "issc2": {
        "promised": (NONE, "F033–F035", "the sources give SSCL's contract value and staff, no savings target"),
        "latest-forecast": (NONE, "F059", "the Met Police's 'over £100m' is the customer's own saving, never SSCL's forecast"),
        "delivered-audited": (NONE, "F041", "the NAO's £90m covers both centres and sits on the strategy's page"),
        "delivered-claimed": (
            "F062c",
            "C15, F062",
            "the Cabinet Office claimed 'significant savings' for SSCL with no number: claimed, with no figure",
        ),
        "investment": (NONE, "F033", "contract values are not investment"),
        "net-benefit": (NONE, "F043", "the net cost covers both centres and sits on the strategy's page"),
    },
    "gss-2018": {
        "promised": ("F064b", "F064", "the 2018 strategy's 10–15% savings target, a promise in percent"),
        "latest-forecast": (NONE, "F064", "no forecast was published for the 2018 strategy"),
        "delivered-audited": (NONE, "C15", "never audited before it was replaced in 2021"),
        "delivered-claimed": (NONE, "C15", "no delivery was claimed"),
        "investment": (NONE, "F065–F066", "no cost was published"),
        "net-benefit": (NONE, "F064", "no net figure was published"),
    },
    "clusters-2021": {
        "promised": ("F078", "F078", "10–15% of operating costs by 2028, the Cabinet Office's target as the NAO reported it"),
        "latest-forecast": (
            "F093",
            "F093, C8",
            "over £3bn over 15 years, the minister's written answer of March 2024 read in its copy: the latest",
        ),
        "delivered-audited": (
            "F083b",
            "F083",
            "the NAO found the Cabinet Office did not know the benefits: shown as not known, never zero",
        ),
        "delivered-claimed": (NONE, "F124, C15", "the only claimed delivery is the Overseas cluster's, on its own page"),
        "investment": ("F089", "F089", "about £900m to deliver the £1.8bn"),
        "net-benefit": (NONE, "F088–F089", "no source states a net figure"),
    },
    "matrix": dict.fromkeys(
        ["promised", "latest-forecast", "delivered-audited", "delivered-claimed", "investment", "net-benefit"],
        (NONE, "F101–F105", "Matrix's figures are contract values, counts and scenario benefits, none for the whole cluster"),
    ),
    "synergy": {
        "promised": (NONE, "F107–F114", "no savings target was published"),
        "latest-forecast": (NONE, "F114", "the business case's net value was stated without a figure"),
        "delivered-audited": (NONE, "C15", "not audited"),
        "delivered-claimed": (NONE, "C15", "no delivery claimed"),
        "investment": ("F108b", "F108", "DWP's estimated programme cost of about £2.5bn, as PublicTechnology reported it"),
        "net-benefit": ("F114", "F114", "a positive net value with no £ figure: shown as not known"),
    },
    "unity": {
        "promised": (NONE, "F115–F119", "no savings target was published"),
        "latest-forecast": ("F119", "F119", "£585m over 15 years, from a secondary source: the page marks it"),
        "delivered-audited": (NONE, "C15", "not audited"),
        "delivered-claimed": (NONE, "F118", "the £90m avoided cost is HMRC's expectation, a forecast"),
        "investment": ("F115", "F115", "HMRC's £214m baseline whole-life cost, an estimate"),
        "net-benefit": (NONE, "F115–F119", "no net figure"),
    },
    "defence": dict.fromkeys(
        ["promised", "latest-forecast", "delivered-audited", "delivered-claimed", "investment", "net-benefit"],
        (NONE, "F122", "Defence's figures are contract values and a deferred date"),
    ),
    "overseas": {
        "promised": (NONE, "F123–F124", "no savings target was published"),
        "latest-forecast": (NONE, "F124", "no forecast was published"),
        "delivered-audited": (NONE, "C15", "not audited"),
        "delivered-claimed": (
            "F124",
            "F124",
            "the minister's written answer, 'more than £120m', read in its copy, heads rather than a paper's '£120m'",
        ),
        "investment": (NONE, "F124", "no cost was published"),
        "net-benefit": (NONE, "F124", "no net figure"),
    },
}


# When no figure speaks for the programme as a whole, a card says so and shows what exists instead: the latest figure
# for some of its members, named as theirs. programme slug -> card role -> (figure key, the FACTS row, why).
INSTEAD = {
    "early-shared-services": {
        "latest-forecast": ("F011b", "F011", "the NAO's revised forecast for DfT's programme (about £40m), a revision, not a scenario"),
        "delivered-audited": ("F018e", "F018, C15", "the NAO found no savings figure for the five centres: audited, with no figure"),
        "investment": ("F015a", "F015", "the NAO found the five department-run centres cost over £1.4bn"),
        "net-benefit": ("F017", "F017", "the NAO's £255m net cost at the two centres still tracking benefits"),
    },
    "ngss-2012": {
        "delivered-audited": ("F041", "F041", "the NAO's £90m over 2013-14 to 2015-16, for the two independent centres"),
        "net-benefit": ("F043", "F043", "the PAC's net cost of £4m for the two independent centres"),
    },
}

# Chart sentences built from the same rule results as the cards: programme slug -> chart id -> (words the summary must
# hold, words it must not, the FACTS row or contradiction, why).
SENTENCES = {
    "ngss-2012": {
        "savings-annual": (
            "no claimed or audited savings a year for the whole programme",
            "nothing delivered is claimed or audited",
            "F041",
            "the card above shows the NAO's audited £90m for the two centres (a total over 2.5 years): only the annual view has none",
        ),
        "money": (
            "a net cost of £4m (as stated by the House of Commons Public Accounts Committee, 19 October 2016)",
            "",
            "F043",
            "the PAC stated the net for the NAO's £90m and £94m: it is cited, not worked out again",
        ),
    },
    "clusters-2021": {
        "funding": (
            "£382–403m was asked for (2022-23 to 2024-25; the Shared services clusters, as reported by Public Sector Executive, December 2022)",
            "Supply Management",
            "F079, C11",
            "Supply Management (CIPS) called the £382–403m the cost of the shared ERP: the request is credited to the first report of it",
        ),
    },
}
