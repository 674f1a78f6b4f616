"""The demo world of ARCHITECTURE.md's stories, loaded into a fresh database."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from openler.services.context import Platform
from openler.services.errors import ServiceError
from openler.services.issuers import achievements as achievement_defs
from openler.services.issuers import issuing, orgs
from openler.services.issuers.recipients import Award, Recipient
from openler.services.people import accounts
from openler.services.people.accounts import Principal
from openler.services.skills import frameworks as skill_frameworks
from openler.store.models import (
    JobRow,
    Organization,
    Person,
    RecognitionRow,
    SkillFramework,
    TrustEntryRow,
)
from openler.vc import Recognition, Scope, TrustEntry

DEMO_PASSWORD = "openler-demo-2026"  # noqa: S105 - printed for the local demo only
#: who loads the demo world (its events are audited as ``system:demo``)
LOADER = Principal.system("demo")


@dataclass(frozen=True)
class Login:
    role: str
    name: str
    email: str
    password: str = DEMO_PASSWORD


ORGANIZATIONS = [
    ("nc-ler", "North Carolina LER Office", "registry_authority", "US-NC"),
    ("ohio-nursing", "Ohio Board of Nursing", "issuer", "US-OH"),
    ("piedmont-hospital", "Piedmont Regional Hospital", "employer", "US-NC"),
    ("fema-emi", "FEMA Emergency Management Institute", "issuer", "US"),
    ("capital-cc", "Capital Area Community College", "issuer", "US-NC"),
    ("nc-corrections-ed", "NC Corrections Education Program", "issuer", "US-NC"),
    ("us-army", "U.S. Army", "military", "US"),
]


def _esco(label: str, concept: str) -> dict[str, Any]:
    """An alignment to an ESCO skill or knowledge concept (its preferred English label and
    the UUID of its URI, as published in ESCO v1.1.1)."""
    return {
        "type": ["Alignment"],
        "targetName": label,
        "targetUrl": f"http://data.europa.eu/esco/skill/{concept}",
        "targetFramework": "ESCO",
        "targetType": "ceasn:Competency",
    }


def _onet(title: str, code: str) -> dict[str, Any]:
    """An alignment to an O*NET-SOC 2019 occupation."""
    return {
        "type": ["Alignment"],
        "targetName": title,
        "targetCode": code,
        "targetFramework": "O*NET-SOC 2019",
        "targetUrl": f"https://www.onetonline.org/link/summary/{code}",
    }


#: skills the demo's achievements are aligned to (ESCO), shared where two credentials show
#: the same skill
INFECTION_CONTROL = _esco("infection control", "6d13053b-ee35-492c-8976-8178420df398")

ACHIEVEMENTS: dict[tuple[str, str], tuple[dict[str, Any], int | None]] = {
    ("ohio-nursing", "registered-nurse"): (
        {
            "name": "Registered Nurse",
            "description": "Licensed to practise as a Registered Nurse in the State of Ohio.",
            "criteria": {
                "narrative": "Approved nursing program, NCLEX-RN, Ohio Revised Code 4723."
            },
            "achievementType": "License",
            "alignment": [
                {
                    "type": ["Alignment"],
                    "targetName": "Registered Nurses",
                    "targetCode": "29-1141.00",
                    "targetFramework": "O*NET-SOC 2019",
                    "targetUrl": "https://www.onetonline.org/link/summary/29-1141.00",
                },
                _esco("plan nursing care", "6acf652c-33b2-4e28-8f79-1e553f255229"),
                INFECTION_CONTROL,
            ],
        },
        730,
    ),
    ("ohio-nursing", "licensed-practical-nurse"): (
        {
            "name": "Licensed Practical Nurse",
            "description": "Licensed to practise as a Licensed Practical Nurse in Ohio.",
            "criteria": {
                "narrative": "Approved practical nursing program, NCLEX-PN, Ohio Revised Code 4723."
            },
            "achievementType": "License",
            "alignment": [
                {
                    "type": ["Alignment"],
                    "targetName": "Licensed Practical and Licensed Vocational Nurses",
                    "targetCode": "29-2061.00",
                    "targetFramework": "O*NET-SOC 2019",
                    "targetUrl": "https://www.onetonline.org/link/summary/29-2061.00",
                }
            ],
        },
        730,
    ),
    ("piedmont-hospital", "iv-therapy"): (
        {
            "name": "IV Therapy and Infusion Safety",
            "description": "Completed the hospital's IV therapy competency program.",
            "criteria": {"narrative": "16 hours of training and a supervised skills check-off."},
            "achievementType": "Badge",
            "alignment": [
                _esco("intravenous infusion", "d09584de-57ff-450a-8e06-0d0f614f11f8"),
                _esco("prepare intravenous packs", "033d6175-fa43-4d75-8e2c-6df348ffa0c8"),
                INFECTION_CONTROL,
            ],
        },
        None,
    ),
    ("fema-emi", "is-100"): (
        {
            "name": "IS-100.C: Introduction to the Incident Command System",
            "description": "FEMA Independent Study course on the Incident Command System.",
            "criteria": {"narrative": "Passed the final examination."},
            "achievementType": "Certification",
            "alignment": [
                _esco("manage emergency procedures", "445b65c5-5b16-4f66-94ce-f2a7f49f9ee7"),
                _esco(
                    "operational tactics for emergency responses",
                    "4e5687e3-3d3a-4f5e-b76a-93da0124d453",
                ),
            ],
        },
        1095,
    ),
    ("capital-cc", "welding-certificate"): (
        {
            "name": "Welding Technology Certificate",
            "description": "Structural and pipe welding, SMAW and GMAW processes.",
            "criteria": {"narrative": "Completed 18 credit hours with a C or better."},
            "achievementType": "Certificate",
            "creditsAvailable": 18,
            "alignment": [
                _onet("Welders, Cutters, Solderers, and Brazers", "51-4121.00"),
                _esco("apply arc welding techniques", "27d26fd6-5795-4f0a-884e-112df7c68314"),
                _esco("perform metal active gas welding", "60ff3eac-7d4d-4e51-87b8-74c3b5d62498"),
                _esco("perform welding inspection", "34016949-da9c-4107-98e3-1080ae405e27"),
            ],
        },
        None,
    ),
    ("nc-corrections-ed", "servsafe-food-handler"): (
        {
            "name": "Food Handler Certificate",
            "description": "Safe food handling, earned in the culinary vocational program.",
            "criteria": {"narrative": "Completed the course and the proctored examination."},
            "achievementType": "Certificate",
            "alignment": [
                _esco(
                    "comply with food safety and hygiene", "0ff99f51-40d9-42f1-a1ec-377b2bb5e15f"
                ),
                _esco("food safety principles", "3f4e4eab-a8e0-4aed-b8bb-79afe7c890e3"),
            ],
        },
        None,
    ),
    ("us-army", "68w"): (
        {
            "name": "Combat Medic Specialist (68W)",
            "description": "Army occupational specialty 68W: emergency medical care in the field.",
            "criteria": {"narrative": "Completed 68W Advanced Individual Training and NREMT-B."},
            "achievementType": "Certification",
            "humanCode": "68W",
            "alignment": [
                _esco("provide first aid", "1d21f6ad-340f-45da-a0a3-4e83867f47a6"),
                _esco(
                    "provide pre-hospital emergency care of trauma",
                    "038256f5-7b18-4e6f-8314-2401be1b601b",
                ),
            ],
        },
        None,
    ),
}

PEOPLE = [
    # (email, name, platform admin, [(org slug, role)])
    ("maria@demo.openler.org", "Maria Alvarez", False, []),
    ("james@demo.openler.org", "James Carter", False, []),
    ("dana@demo.openler.org", "Dana Brooks", False, []),
    ("luis@demo.openler.org", "Luis Ortega", False, []),
    ("kevin@demo.openler.org", "Kevin Nguyen", False, []),
    ("olivia@demo.openler.org", "Olivia Chen", False, [("ohio-nursing", "issuer_admin")]),
    ("trainer@demo.openler.org", "Tom Reyes", False, [("piedmont-hospital", "issuer_staff")]),
    ("hr@demo.openler.org", "Sam Patel", False, [("piedmont-hospital", "verifier")]),
    ("renee@demo.openler.org", "Renee Walker", False, [("nc-ler", "registry_admin")]),
    ("admin@demo.openler.org", "Platform Administrator", True, []),
]

LOGINS = [
    Login("learner", "Maria Alvarez", "maria@demo.openler.org"),
    Login("issuer admin", "Olivia Chen (Ohio Board of Nursing)", "olivia@demo.openler.org"),
    Login("issuer staff", "Tom Reyes (Piedmont Regional Hospital)", "trainer@demo.openler.org"),
    Login("verifier", "Sam Patel (Piedmont Regional Hospital HR)", "hr@demo.openler.org"),
    Login("registry admin", "Renee Walker (NC LER Office)", "renee@demo.openler.org"),
    Login("platform admin", "Platform Administrator", "admin@demo.openler.org"),
    Login("career navigator", "Carmen Diaz (NCWorks Career Center)", "carmen@demo.openler.org"),
]

# (org, achievement, learner email, status) — status: active, suspended, expired
ISSUANCES = [
    ("ohio-nursing", "registered-nurse", "maria@demo.openler.org", "active"),
    ("piedmont-hospital", "iv-therapy", "maria@demo.openler.org", "active"),
    ("fema-emi", "is-100", "maria@demo.openler.org", "active"),
    ("fema-emi", "is-100", "maria@demo.openler.org", "expired"),
    ("ohio-nursing", "registered-nurse", "kevin@demo.openler.org", "suspended"),
    ("capital-cc", "welding-certificate", "james@demo.openler.org", "active"),
    ("nc-corrections-ed", "servsafe-food-handler", "dana@demo.openler.org", "active"),
    ("us-army", "68w", "luis@demo.openler.org", "active"),
]


#: each demo issuer's colour on its badge images
BADGE_COLOURS = {
    "ohio-nursing": "#8a1538",
    "piedmont-hospital": "#0b5394",
    "fema-emi": "#1e4d2b",
    "capital-cc": "#6a3d9a",
    "nc-corrections-ed": "#7a4b00",
    "us-army": "#3b3b1f",
}


def badge_svg(data: dict[str, Any], colour: str) -> bytes:
    """A plain badge image for a demo achievement: a disc in the issuer's colour with the
    achievement's short code (``humanCode``, else its initials), so that its credentials
    download as baked badges.

    >>> badge_svg({"name": "Registered Nurse", "humanCode": "RN"}, "#8a1538")[:40]
    b'<svg xmlns="http://www.w3.org/2000/svg" '
    """
    name = str(data.get("name", ""))
    code = str(data.get("humanCode") or "".join(w[:1] for w in name.split()[:3])).upper()[:4]
    text = code.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    title = name.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return (
        '<svg xmlns="http://www.w3.org/2000/svg" width="200" height="200" '
        'viewBox="0 0 200 200" role="img">'
        f"<title>{title}</title>"
        f'<circle cx="100" cy="100" r="94" fill="{colour}"/>'
        '<circle cx="100" cy="100" r="80" fill="none" stroke="#ffffff" stroke-width="4"/>'
        '<text x="100" y="118" font-family="DejaVu Sans, Arial, sans-serif" font-size="48" '
        f'font-weight="bold" fill="#ffffff" text-anchor="middle">{text}</text>'
        "</svg>"
    ).encode()


def load(session: Session, platform: Platform) -> list[Login]:
    """Create the demo organizations, people, keys, achievements, credentials and trust
    registry. Returns one login per role."""
    organizations: dict[str, Organization] = {}
    for slug, name, kind, jurisdiction in ORGANIZATIONS:
        organization = orgs.create_organization(
            session, platform, LOADER, slug=slug, name=name, kind=kind, jurisdiction=jurisdiction
        )
        orgs.create_key(session, platform, organization, actor=LOADER)
        organizations[slug] = organization
    people = {}
    for email, name, admin, memberships in PEOPLE:
        person = accounts.create_person(
            session,
            platform,
            name=name,
            email=email,
            password=DEMO_PASSWORD,
            platform_admin=admin,
            actor=LOADER,
        )
        people[email] = person
        for slug, role in memberships:
            accounts.add_member(
                session,
                platform,
                person=person,
                organization=organizations[slug],
                role=role,
                actor=LOADER,
            )
    achievements = {}
    for (slug, key), (data, valid_days) in ACHIEVEMENTS.items():
        achievements[(slug, key)] = achievement_defs.create_achievement(
            session,
            platform,
            LOADER,
            organizations[slug],
            slug=key,
            data=data,
            valid_days=valid_days,
            image=achievement_defs.Image(badge_svg(data, BADGE_COLOURS.get(slug, "#0b5394"))),
        )
    _emt_certificate(session, platform, organizations)
    _career_center(session, platform, people["luis@demo.openler.org"].id)
    for slug, key, email, status in ISSUANCES:
        world = platform
        if status == "expired":
            world = replace(platform, clock=lambda: platform.now() - timedelta(days=4 * 365))
        credential = issuing.issue(
            session,
            world,
            LOADER,
            organizations[slug],
            achievements[(slug, key)],
            recipient=people[email],
        )
        if status == "suspended":
            issuing.set_status(
                session,
                platform,
                LOADER,
                credential.id,
                action="suspend",
                reason="Pending a Board investigation (case 2026-0412)",
            )
    _trust_registry(session, platform, organizations)
    _skill_frameworks(session, platform)
    job_postings(session, platform, organizations["piedmont-hospital"], people)
    return LOGINS


def _skill_frameworks(session: Session, platform: Platform) -> None:
    """The built-in frameworks: the stories' skills and occupations (``demo``, whose items
    the achievements above are aligned to) and the military crosswalk sample (``military``)."""
    skill_frameworks.load_demo(session, platform, LOADER)


#: Piedmont Regional Hospital's emergency department posting: (ESCO concept, label,
#: required, weight 1–5); the occupation Registered Nurses (29-1141.00) is required too
ED_NURSE_SKILLS = [
    ("6acf652c-33b2-4e28-8f79-1e553f255229", "plan nursing care", True, 5),
    ("6d13053b-ee35-492c-8976-8178420df398", "infection control", True, 4),
    ("d09584de-57ff-450a-8e06-0d0f614f11f8", "intravenous infusion", True, 4),
    ("445b65c5-5b16-4f66-94ce-f2a7f49f9ee7", "manage emergency procedures", True, 3),
    ("1d21f6ad-340f-45da-a0a3-4e83867f47a6", "provide first aid", True, 3),
    (
        "038256f5-7b18-4e6f-8314-2401be1b601b",
        "provide pre-hospital emergency care of trauma",
        False,
        2,
    ),
    (
        "4e5687e3-3d3a-4f5e-b76a-93da0124d453",
        "operational tactics for emergency responses",
        False,
        2,
    ),
    ("033d6175-fa43-4d75-8e2c-6df348ffa0c8", "prepare intravenous packs", False, 1),
]
#: the demo's people who chose to be discoverable by employers
DISCOVERABLE = ("maria@demo.openler.org", "james@demo.openler.org")


def job_postings(
    session: Session, platform: Platform, employer: Organization, people: dict[str, Person]
) -> None:
    """The hospital's open posting "Registered Nurse — Emergency Department", asking for
    skills by their ESCO concept URIs — the demo framework's items when it is loaded (labels
    as it gives them, linked), else the same concepts as the demo's alignments name them —
    and Maria and James discoverable by employers."""
    from openler.services import audit
    from openler.services.skills import postings
    from openler.skills import Item
    from openler.store.models import Competency, DiscoverablePerson

    posting = postings.create(
        session,
        platform,
        LOADER,
        employer,
        title="Registered Nurse — Emergency Department",
        description=(
            "Full-time staff nurse in a 40-bed emergency department: triage, IV therapy, "
            "trauma and disaster response. Rotating 12-hour shifts."
        ),
        location="Charlotte, North Carolina",
        occupation_code="29-1141.00",
    )
    framework = "demo" if session.get(SkillFramework, "demo") is not None else "esco"
    wanted = [(Item("29-1141.00", "occupation", "Registered Nurses", code="29-1141.00"), True, 5)]
    for concept, label, required, weight in ED_NURSE_SKILLS:
        uri = f"http://data.europa.eu/esco/skill/{concept}"
        stored = session.execute(
            select(Competency.label).where(
                Competency.framework_id == framework, Competency.identifier == uri
            )
        ).scalar_one_or_none()
        wanted.append((Item(uri, "skill", stored or label, url=uri), required, weight))
    for item, required, weight in wanted:
        postings.ask_for_item(
            session,
            platform,
            LOADER,
            employer,
            posting.id,
            "demo" if framework == "demo" else {"skill": "esco"}.get(item.kind, "onet"),
            item,
            required=required,
            weight=weight,
        )
    for email in DISCOVERABLE:
        session.add(DiscoverablePerson(person_id=people[email].id, since=platform.now()))
        audit.record(
            session,
            at=platform.now(),
            actor=LOADER.label,
            action="discoverable.on",
            subject=f"person:{people[email].id}",
            data={"demo": True},
        )


def _trust_registry(
    session: Session, platform: Platform, organizations: dict[str, Organization]
) -> None:
    scopes = {
        "ohio-nursing": Scope(("License",), ("29-1141.00", "29-2061.00")),
        "piedmont-hospital": Scope(("Badge",)),
        "fema-emi": Scope(("Certification",)),
        "capital-cc": Scope(("Certificate", "Degree")),
        "nc-corrections-ed": Scope(("Certificate",)),
        "us-army": Scope(("Certification",)),
    }
    for slug, scope in scopes.items():
        organization = organizations[slug]
        entry = TrustEntry(
            issuer=orgs.org_did(platform, organization),
            name=organization.name,
            jurisdiction=organization.jurisdiction or "US",
            authorized=(scope,),
            registered_by="North Carolina LER Office",
        )
        session.add(TrustEntryRow(issuer=entry.issuer, data=entry.to_json()))
    compact = Recognition(
        "the Nurse Licensure Compact", "US-NC", ("US-OH", "US-VA", "US-TN"), scopes["ohio-nursing"]
    )
    national = Recognition("national credentials", "US-NC", ("US",))
    session.add(RecognitionRow(data=compact.to_json()))
    session.add(RecognitionRow(data=national.to_json()))


#: the EMT certificate Capital Area Community College offers: what Luis (Army 68W) still
#: needs for Emergency Medical Technicians (29-2042.00), aligned to the occupation and the
#: ESCO skills the demo framework has it require
EMT_CERTIFICATE = {
    "name": "Emergency Medical Technician (EMT-Basic) Certificate",
    "description": (
        "State-approved EMT-Basic course: patient assessment, airway and resuscitation, "
        "trauma and medical emergencies, ambulance operations; prepares for the NREMT "
        "examination and North Carolina EMT credentialing."
    ),
    "criteria": {"narrative": "Completed 190 course hours with clinical and field rotations."},
    "achievementType": "Certificate",
    "humanCode": "EMT",
    "alignment": [
        _onet("Emergency Medical Technicians", "29-2042.00"),
        _esco("deal with emergency care situations", "51e79cb4-fab3-404c-88f3-cd4a1bd5879e"),
        _esco("monitor patient's vital signs", "60f826be-0c1b-413b-aad5-4f7546622e16"),
        _esco("resuscitation", "8bd49d04-ab2f-4333-b5d9-12d716e4e2f6"),
        _esco(
            "immobilise patients for emergency intervention",
            "9d00803f-5dde-4803-8111-416ed174676f",
        ),
        _esco(
            "transfer patients to and from ambulance vehicles",
            "64cb2785-974b-4aa3-818a-0310602185cb",
        ),
        _esco(
            "monitor patients during transfer to hospital", "5efb798e-d299-402a-9a1e-b86347e0b871"
        ),
        _esco("conduct physical examination in emergency", "852e6830-f87c-4f35-b6d3-6aee31dc518c"),
        _esco("create incident reports", "24310a7b-5db1-4917-a705-4835630227ca"),
    ],
}


def _emt_certificate(
    session: Session, platform: Platform, organizations: dict[str, Organization]
) -> None:
    """Capital Area Community College's EMT certificate, offered (nobody holds it yet)."""
    achievement_defs.create_achievement(
        session,
        platform,
        LOADER,
        organizations["capital-cc"],
        slug="emt-basic",
        data=EMT_CERTIFICATE,
        valid_days=730,
        image=achievement_defs.Image(badge_svg(EMT_CERTIFICATE, BADGE_COLOURS["capital-cc"])),
    )


#: the career center's coach, and the resident who asked her to help
CAREER_NAVIGATOR = ("carmen@demo.openler.org", "Carmen Diaz")


def _career_center(session: Session, platform: Platform, luis_id: str) -> None:
    """NCWorks Career Center (a workforce agency) and its career navigator Carmen Diaz, whom
    Luis granted access to his skills profile and navigator (as he would on his page)."""
    from openler.services.skills import coaching

    center = orgs.create_organization(
        session,
        platform,
        LOADER,
        slug="ncworks",
        name="NCWorks Career Center",
        kind="agency",
        jurisdiction="US-NC",
    )
    email, name = CAREER_NAVIGATOR
    carmen = accounts.create_person(
        session, platform, name=name, email=email, password=DEMO_PASSWORD, actor=LOADER
    )
    accounts.add_member(
        session, platform, person=carmen, organization=center, role=coaching.ROLE, actor=LOADER
    )
    coaching.grant(session, platform, LOADER, email, person_id=luis_id)


#: the Ohio Board of Nursing's November licensing roster: (name, email, licence number);
#: an empty email is a licensee known by licence number only
BOARD_ROSTER = [
    ("Aisha Rahman", "aisha.rahman@example.org", "RN.512001"),
    ("Brian O'Connor", "brian.oconnor@example.org", "RN.512002"),
    ("Carmen Diaz", "carmen.diaz@example.org", "RN.512003"),
    ("Daniel Kim", "daniel.kim@example.org", "RN.512004"),
    ("Dana Brooks", "dana@demo.openler.org", "RN.512005"),
    ("Emily Foster", "emily.foster@example.org", "RN.512006"),
    ("Farah Haddad", "farah.haddad@example.org", "RN.512007"),
    ("George Miller", "george.miller@example.org", "RN.512008"),
    ("Hannah Schultz", "hannah.schultz@example.org", "RN.512009"),
    ("Ibrahim Diallo", "ibrahim.diallo@example.org", "RN.512010"),
    ("Julia Novak", "julia.novak@example.org", "RN.512011"),
    ("Kwame Mensah", "kwame.mensah@example.org", "RN.512012"),
    ("Laura Bennett", "laura.bennett@example.org", "RN.512013"),
    ("Miguel Torres", "miguel.torres@example.org", "RN.512014"),
    ("Nadia Petrova", "nadia.petrova@example.org", "RN.512015"),
    ("Owen Price", "owen.price@example.org", "RN.512016"),
    ("Priya Shah", "priya.shah@example.org", "RN.512017"),
    ("Rosa Jimenez", "", "RN.512018"),
    ("Samuel Okafor", "samuel.okafor@example.org", "RN.512019"),
    ("Tara Quinn", "tara.quinn@example.org", "RN.512020"),
    ("Kim Lee", "kim.lee@", "RN.512021"),
]


def populate(platform: Platform) -> None:
    """After :func:`load` committed: the Ohio Board of Nursing's workspace as a board uses
    it — a licensing roster run as a job (with its rows that could not be issued, the claim
    links it mailed to licensees without accounts, and one licensee known by licence number
    only), a licence revoked and another renewed, each with the reason verifiers see."""
    from openler.services import jobs
    from openler.services.issuers import bulk, lifecycle

    awards: list[Award] = []
    rejected: list[tuple[int, str, str]] = []
    for row, (name, email, licence) in enumerate(BOARD_ROSTER, start=1):
        try:
            recipient = Recipient(
                email=email or None,
                identifier=licence if not email else None,
                name=name,
            )
        except ServiceError as exc:
            rejected.append((row, email, exc.message))
            continue
        awards.append(Award(recipient, row=row, subject={"licenseNumber": licence}))

    class Held:
        def submit(self, job_id: str) -> None:
            self.job_id = job_id

    held = Held()
    job_id = bulk.submit_roster(
        platform,
        held,
        LOADER,
        organization_slug="ohio-nursing",
        achievement_slug="registered-nurse",
        awards=awards,
        rejected=rejected,
        source="ohio-rn-roster-2026-11.csv",
    )
    jobs.run_job(platform, job_id)
    with platform.db.session() as session:
        issued = {
            r.recipient: r.credential_id
            for r in session.execute(select(JobRow).where(JobRow.job_id == job_id)).scalars()
            if r.outcome == "issued"
        }
        issuing.set_status(
            session,
            platform,
            LOADER,
            str(issued["owen.price@example.org"]),
            action="revoke",
            reason="Licence surrendered voluntarily (Board order 2026-114)",
        )
        lifecycle.renew(session, platform, LOADER, str(issued["laura.bennett@example.org"]))
