"""The national CAF form's domains and elements with their prompts (R-ASSESS-1; seed 001
Table 1, seed 004 §4), as loaded by migration 0002. Kept here so that a test can compare the
database with the form, never imported by code that renders an assessment (a version renders
with the list it was written on)."""


def load(domain_model, element_model) -> None:
    """Create the national form's rows that are missing (the migration's models, or the
    real ones)."""
    for domain_position, (code, title, elements) in enumerate(DOMAINS, start=1):
        domain, _ = domain_model.objects.get_or_create(
            code=code, defaults={"title": title, "position": domain_position}
        )
        for position, (element_code, element_title, prompt) in enumerate(elements, start=1):
            element_model.objects.get_or_create(
                code=element_code,
                defaults={
                    "domain": domain,
                    "title": element_title,
                    "prompt": prompt,
                    "position": position,
                },
            )


DOMAINS = [
    (
        "development",
        "Development of the child or young person",
        [
            (
                "general_health",
                "General health",
                "Illnesses, injuries, access to health services, immunisation, diet, sleep, "
                "substance use.",
            ),
            (
                "physical_development",
                "Physical development",
                "Growth, coordination, fine and gross motor skills, sensory needs.",
            ),
            (
                "speech_language",
                "Speech, language and communication",
                "Understanding and using language, communicating with others, preferred mode "
                "of communication.",
            ),
            (
                "emotional_social",
                "Emotional and social development",
                "Feelings, resilience, attachments, response to stress and change.",
            ),
            (
                "behavioural",
                "Behavioural development",
                "Behaviour at home, in school and in the community; its frequency, intensity "
                "and duration.",
            ),
            (
                "identity",
                "Identity, self-esteem, self-image and social presentation",
                "How the child sees themselves, their background and culture, how they present "
                "to others.",
            ),
            (
                "family_social_relationships",
                "Family and social relationships",
                "Relationships with parents, siblings and friends; caring responsibilities.",
            ),
            (
                "self_care",
                "Self-care skills and independence",
                "Practical skills for their age, confidence, increasing independence.",
            ),
            (
                "learning",
                "Learning",
                "Understanding, reasoning and problem solving; participation in learning, "
                "education and employment; progress and achievement; aspirations.",
            ),
        ],
    ),
    (
        "parents",
        "Parents and carers",
        [
            (
                "basic_care",
                "Basic care, ensuring safety and protection",
                "Food, warmth, shelter, hygiene, health care; protection from harm and danger.",
            ),
            (
                "emotional_warmth",
                "Emotional warmth and stability",
                "Secure, stable and affectionate relationships; consistent care.",
            ),
            (
                "guidance_boundaries",
                "Guidance, boundaries and stimulation",
                "Routines, boundaries and encouragement to learn and play.",
            ),
        ],
    ),
    (
        "family",
        "Family and environment",
        [
            (
                "family_history",
                "Family history, functioning and well-being",
                "Who lives in the home, significant events, parental health, relationships.",
            ),
            ("wider_family", "Wider family", "Support from relatives and friends."),
            (
                "housing_employment_finance",
                "Housing, employment and financial considerations",
                "Suitability of the home, work, income and debt.",
            ),
            (
                "social_community",
                "Social and community elements and resources, including education",
                "Local services, schools, facilities and the family's links with them.",
            ),
        ],
    ),
]
