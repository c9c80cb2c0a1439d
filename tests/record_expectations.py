"""What the real dataset must say over time (issue 11), pinned from the sources' dates and the rules.

Worked out by hand from fixtures/sources.json (each source counts from the last day it could have appeared) and
fixtures/figures.json, then checked against the site: a change to the dataset or to a rule that moves any of these
fails tests/dashboard/test_record.py, tests/dashboard/test_changes.py or tests/dashboard/test_findings.py.
"""

import datetime

NONE = None

# The NAO's 2016 report on the shared service centres (its report page: nao-2016-shared-service-centres, 20 May 2016).
NAO_2016 = datetime.date(2016, 5, 20)

# NGSS cards as a reader could have built them on 20 May 2016: role -> (figure key or None, why).
NGSS_CARDS_AT_NAO_2016 = {
    "promised": ("F022", "the Cabinet Office's £400–600m a year, December 2012: the first target, as today"),
    "latest-forecast": (
        "F040",
        "the £128m a year the Cabinet Office expected (Government Computing, 1 April 2014): the 2016 "
        "£484m and £504m are for the two centres, not the whole strategy, and the whole-strategy forecast wins",
    ),
    "delivered-audited": (NONE, "the NAO's £90m over 2013-14 to 2015-16, published that day, is the two centres', shown as theirs"),
    "delivered-claimed": (NONE, "no claimed outturn: the £504m 'by 2023-24' is a projection"),
    "investment": (
        "F036",
        "the Cabinet Office's £44–95m estimate (NAO, March 2014): the NAO's £94m for the two centres is a narrower scope",
    ),
    "net-benefit": (NONE, "the PAC's net cost of £4m (F043) came on 19 October 2016; nobody stated a net before"),
}

# The day before the first source (the NAO's report of 29 November 2007): the record is empty.
BEFORE_FIRST_SOURCE = datetime.date(2007, 11, 28)

# Claims against findings on each programme's page: slug -> [(claim key, finding key), ...] or "none, because ...".
FINDINGS = {
    "early-shared-services": [("F014", "F015a")],
    "ngss-2012": "none, because no claim for the same scope, period and basis was stated by the day of the audit",
    "issc1": "none, because no audit body has reported money saved, spent or received in £",
    "issc2": "none, because no audit body has reported money saved, spent or received in £",
    "gss-2018": "none, because no audit body has reported money saved, spent or received in £",
    "clusters-2021": "none, because auditors found the amounts not known",
    "matrix": "none, because no audit body has reported money saved, spent or received in £",
    "synergy": "none, because no audit body has reported money saved, spent or received in £",
    "unity": "none, because no audit body has reported money saved, spent or received in £",
    "defence": "none, because no audit body has reported money saved, spent or received in £",
    "overseas": "none, because no audit body has reported money saved, spent or received in £",
}
# Why the pairs are what they are, for the reader of a failing test:
# - early-shared-services: the departments' £900m cost estimate for the five centres over 2004-05 to 2010-11 (F014, quoted
#   in the NAO's report of 7 March 2012) against the over £1.4bn the NAO found in the same report (F015a). The PAC's
#   repeat of the £900m (F014b, July 2012) came after the audit and is not what it tested.
# - ngss-2012: the NAO's £90m saved and £94m spent are for the two centres over 2013-14 to 2015-16; the Cabinet Office's
#   claims were annual targets for the whole strategy or forecasts to 2023-24: other scopes, bases and periods.
# - clusters-2021: the NAO found the benefits and costs to 2022-23 not known (F083a, F083b): there is nothing to subtract.
# The overview ranks the strategies with a pair: only the early centres, with over £500m (over 55.5%) more spent than estimated.
OVERVIEW_RANKING = ["early-shared-services"]

# What changed between pairs of dates, worked out from the sources' dates (fixtures/sources.json) and figures
# (fixtures/figures.json): (since, until) -> change -> programme -> figure keys (restated: (before, after) keys;
# cards: role -> (key before, key after)). A programme or a change not listed has none.
CHANGES = {
    # The NAO's 2016 report (its press release and Civil Service World's report of it, both 20 May 2016).
    (datetime.date(2016, 5, 19), NAO_2016): {
        "new": {
            "ngss-2012": [
                "F041",
                "F041b",
                "F042",
                "F042b",
                "F044",
                "F044b",
                "F045",
                "F046",
                "F046b",
                "F047",
                "F049",
                "F049b",
                "F049c",
                "F051",
                "F051b",
            ],
            "issc1": ["F050", "F050b"],
        },
        "restated": {},
        "flagged": {},
        "resolved": {},
        # The NAO's £90m is the first audited delivery; the whole-strategy figures on the other cards stay.
        "cards": {"ngss-2012": {"delivered-audited": (None, "F041")}},
    },
    # The PAC's report of 19 October 2016 and the Press Association's report of it the day before.
    (datetime.date(2016, 10, 17), datetime.date(2016, 10, 19)): {
        "new": {"ngss-2012": ["F043", "F055"]},
        # PA's "up to £400m" a year restates CIPS's £600m (1 April 2014), the latest before it; the PAC's £300-400m restates PA's.
        "restated": {"ngss-2012": [("F023c", "F056b"), ("F056b", "F056")]},
        # Both disagree with the Cabinet Office's £600m a year; neither figure had been published before.
        "flagged": {"ngss-2012": ["F056b", "F056"]},
        "resolved": {},
        # The PAC's net cost of £4m for the two centres is the first net benefit stated.
        "cards": {"ngss-2012": {"net-benefit": (None, "F043")}},
    },
}

# The NGSS and 2021 cluster-model cards on the day of each NAO audit report in the record (National Audit Office,
# kind audit_report; May 2008 counts from 31 May): day -> programme -> role -> figure key, or None for "no figure".
ROLES = ("promised", "latest-forecast", "delivered-audited", "delivered-claimed", "investment", "net-benefit")
NOTHING_YET = dict.fromkeys(ROLES)
# The page of a programme not yet announced on the day has no cards.
NOT_ANNOUNCED: dict[str, str | None] = {}
NAO_REPORT_CARDS = {
    # 2007, 2008 and 2012: the NAO reported on the early department-run centres; neither strategy had been announced,
    # so their pages say so and show no card.
    datetime.date(2007, 11, 29): {"ngss-2012": NOT_ANNOUNCED, "clusters-2021": NOT_ANNOUNCED},
    datetime.date(2008, 5, 31): {"ngss-2012": NOT_ANNOUNCED, "clusters-2021": NOT_ANNOUNCED},
    datetime.date(2012, 3, 7): {"ngss-2012": NOT_ANNOUNCED, "clusters-2021": NOT_ANNOUNCED},
    # The NAO's 2014 update: the £400-600m promise (December 2012), and the Cabinet Office's implementation estimate
    # in that report; no savings forecast yet: the 67% for a single ERP is a unit-cost comparison, never a forecast.
    datetime.date(2014, 3, 31): {
        "ngss-2012": NOTHING_YET | {"promised": "F022", "investment": "F036"},
        "clusters-2021": NOT_ANNOUNCED,
    },
    # The NAO's 2022 report: NGSS as today (the PAC's net cost came in 2016); the cluster model's 10-15% target and the
    # NAO's finding that its benefits and costs were not known. The £1.8bn forecast and £900m came in 2023.
    datetime.date(2022, 11, 30): {
        "ngss-2012": {
            "promised": "F022",
            "latest-forecast": "F040",
            "delivered-audited": None,
            "delivered-claimed": None,
            "investment": "F036",
            "net-benefit": None,
        },
        "clusters-2021": NOTHING_YET | {"promised": "F078", "delivered-audited": "F083b", "investment": "F083a"},
    },
}
