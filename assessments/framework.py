"""The fixed lists of the CAF form: sections of the task list, the pre-assessment checklist,
outcomes, levels of need and priority groups (R-ASSESS-1..3, R-ASSESS-8; seed 000 Appendix A,
seed 003). The domains and their elements are data (``Domain``/``Element``), so that a tenant
can add local prompts; everything here is the national form and changes only with the code."""

from django.db import models


class Section(models.TextChoices):
    # The task list, in the order the national form is written. The three domain sections
    # take their keys from the domain codes of the element list the version was written on.
    ABOUT = "about", "About the assessment"
    CHECKLIST = "checklist", "Pre-assessment checklist"
    VIEWS = "views", "The child's and the parents' views"
    DEVELOPMENT = "development", "Development of the child or young person"
    PARENTS = "parents", "Parents and carers"
    FAMILY = "family", "Family and environment"
    CONCLUSIONS = "conclusions", "Outcomes at risk, level of need and priority groups"


DOMAIN_SECTIONS = (Section.DEVELOPMENT, Section.PARENTS, Section.FAMILY)
# The checklist may precede an assessment (R-ASSESS-8): it is never required to sign off.
OPTIONAL_SECTIONS = (Section.CHECKLIST,)


class SectionStatus(models.TextChoices):
    NOT_STARTED = "not_started", "Not started"
    IN_PROGRESS = "in_progress", "In progress"
    COMPLETED = "completed", "Completed"


class Outcome(models.TextChoices):
    # Every Child Matters (seed 000 Appendix A).
    BE_HEALTHY = "be_healthy", "Be healthy"
    STAY_SAFE = "stay_safe", "Stay safe"
    ENJOY_AND_ACHIEVE = "enjoy_and_achieve", "Enjoy and achieve"
    POSITIVE_CONTRIBUTION = "positive_contribution", "Make a positive contribution"
    ECONOMIC_WELL_BEING = "economic_well_being", "Achieve economic well-being"


class ChecklistQuestion(models.TextChoices):
    # "If the answer to any of these questions is no, you must consider a CAF" (seed 003).
    NEEDS_CLEAR = "needs_clear", "Are the needs of the child clear?"
    NEEDS_MET = "needs_met", "Are the needs of the child being met?"
    WITHOUT_SUPPORT = (
        "without_support",
        "Can the needs of the child be met without additional support?",
    )


class LevelOfNeed(models.IntegerChoices):
    UNIVERSAL = 1, "1: Universal"
    ADDITIONAL = 2, "2: Additional"
    COMPLEX = 3, "3: Complex"
    # Points to a referral to children's social care (R-ASSESS-3); the CAF is not stopped
    # silently: the page says so and links the route.
    ACUTE = 4, "4: Acute (refer to children's social care)"


class PriorityGroup(models.TextChoices):
    # Seed 003: "any child who comes within one or more of the priority groups must be
    # considered for a CAF".
    BELOW_SOCIAL_CARE = (
        "below_social_care",
        "Additional needs below the threshold for statutory social care",
    )
    NEET = "neet", "Not in education, employment or training (NEET)"
    PRU = "pru", "In a pupil referral unit (PRU)"
    PERSISTENT_ABSENCE = "persistent_absence", "Persistently absent from school"
    EXCLUSION_RISK = "exclusion_risk", "At risk of school exclusion"
    TEENAGE_PARENT = "teenage_parent", "A teenage parent, or pregnant"
    ANTI_SOCIAL = "anti_social", "At risk of anti-social behaviour"
    YOUNG_CARER = "young_carer", "A young carer"
    SUBSTANCE_MISUSE = (
        "substance_misuse",
        "Poor outcomes through their own or parental alcohol or substance misuse",
    )
    PARENTAL_MENTAL_HEALTH = (
        "parental_mental_health",
        "Poor outcomes as a result of parental mental health difficulties",
    )
    DOMESTIC_VIOLENCE = "domestic_violence", "Has experienced domestic violence"
    DISABILITY = "disability", "A disability"


class Finding(models.TextChoices):
    # R-ASSESS-2: not every box must be filled; "no concerns" and "not assessed" say why not.
    STRENGTHS_AND_NEEDS = "recorded", "Strengths or needs recorded"
    NO_CONCERNS = "no_concerns", "No concerns"
    NOT_ASSESSED = "not_assessed", "Not assessed"


class StatementKind(models.TextChoices):
    STRENGTH = "strength", "Strength"
    NEED = "need", "Need"


class Nature(models.TextChoices):
    # Seed 000 §3.10: "distinguish between fact, allegation, observation and opinion".
    FACT = "fact", "Fact"
    ALLEGATION = "allegation", "Allegation"
    OBSERVATION = "observation", "Observation"
    OPINION = "opinion", "Opinion"
